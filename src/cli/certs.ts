/** `mesh-ladder certs`: the time proof of the certificates a phase emits. */
import type { CliIo } from './io';
import { years } from '../certificate-proof';
import { CertificateTimeProof } from '../certificate-time-proof';
import { ServiceCatalog } from '../model/catalog';
import { Phase } from '../model/phase';

/** Settings of the proof as the command line gives them (already validated). */
export interface CertsCommandOptions {
  readonly years?: number;
  readonly clockSkewMs?: number;
  readonly issuanceLatencyMs?: number;
  readonly format: 'text' | 'json';
}

/** Runs the proof and prints it; 0 when it holds, 1 when it fails. */
export function runCerts(catalog: ServiceCatalog, phase: Phase, options: CertsCommandOptions, io: CliIo): number {
  const proof = CertificateTimeProof.prove(catalog, phase, {
    ...(options.years !== undefined ? { horizonMs: years(options.years) } : {}),
    clockSkewMs: options.clockSkewMs,
    issuanceLatencyMs: options.issuanceLatencyMs,
  });
  if (options.format === 'json') {
    const { events: _events, ...rest } = proof._run;
    io.stdout(JSON.stringify({ phase, ...rest }, null, 2) + '\n');
  } else {
    io.stdout(proof.report);
  }
  return proof.ok ? 0 : 1;
}
