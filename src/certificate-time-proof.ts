import { formatTime } from './analysis/certs';
import { CertificateProofRun, proveCertificates, years } from './certificate-proof';
import { ServiceCatalog } from './model/catalog';
import { Phase } from './model/phase';

/** Options of {@link CertificateTimeProof.prove}. */
export interface CertificateProofOptions {
  /**
   * Length of the simulated time.
   * @default - two root lifetimes
   */
  readonly horizonMs?: number;
  /**
   * Clocks disagree by up to this much: certificates count as expired this long early.
   * @default 5 minutes
   */
  readonly clockSkewMs?: number;
  /**
   * From a renewal's due time until the new certificate is in use.
   * @default 10 minutes
   */
  readonly issuanceLatencyMs?: number;
  /**
   * From a trust bundle source's change until every consumer reads it.
   * @default 10 minutes
   */
  readonly propagationMs?: number;
  /**
   * Simulate a planned root rotation (distribute, issue, retire) within the horizon.
   * @default true (not with an external issuerRef)
   */
  readonly rotateRoot?: boolean;
  /**
   * When the simulated root rotation starts (stage distribute).
   * @default - half the root's lifetime
   */
  readonly rootRotationAtMs?: number;
  /**
   * Time between stage distribute and stage issue: every consumer must have the new root
   * (and meshed workloads restarted to read it) before it signs anything.
   * @default 24 hours
   */
  readonly rootDistributionMs?: number;
}


/**
 * The time proof of a phase's certificates: cert-manager's issuance and renewal and
 * trust-manager's bundles simulated over years, through a planned root rotation, from the
 * emitted objects themselves; every leaf in use must verify against the bundle each of its
 * consumers sees, and nothing may be used past expiry. See docs/certificates.md.
 */
export class CertificateTimeProof {
  /**
   * Runs the proof.
   * @param catalog the validated catalog
   * @param phase the phase whose objects are simulated
   * @param options horizon, clock skew, latencies, rotation schedule
   */
  public static prove(catalog: ServiceCatalog, phase: Phase, options?: CertificateProofOptions): CertificateTimeProof {
    return new CertificateTimeProof(phase, proveCertificates(catalog, phase, options ?? {}));
  }

  /** Whether every check held over the whole horizon. */
  public readonly ok: boolean;
  /** Simulated time. */
  public readonly horizonMs: number;
  /** Certificates issued (initial issuance and renewals). */
  public readonly issuances: number;
  /** Instants at which every leaf was checked. */
  public readonly checks: number;
  /** The manifest sets in force, `<time>: <what>`. */
  public readonly stages: string[];
  /** What the proof could not model (external issuers, opaque bundle sources). */
  public readonly notes: string[];
  /** The first failure's instant, when the proof fails. */
  public readonly failureAtMs?: number;
  /** The first failure's leaf (`Certificate <ns>/<name>` or a mesh's workload certificates). */
  public readonly failedLeaf?: string;
  /** The report `mesh-ladder certs` prints. */
  public readonly report: string;
  /** @internal */
  public readonly _run: CertificateProofRun;

  private constructor(phase: Phase, run: CertificateProofRun) {
    this._run = run;
    this.ok = run.ok;
    this.horizonMs = run.horizonMs;
    this.issuances = run.issuances;
    this.checks = run.checks;
    this.stages = run.stages.map(s => `${formatTime(s.atMs)}: ${s.label}`);
    this.notes = [...run.notes];
    this.failureAtMs = run.failure?.atMs;
    this.failedLeaf = run.failure?.leaf;
    this.report = formatProof(phase, run);
  }
}

function formatProof(phase: Phase, proof: CertificateProofRun): string {
  const lines = [
    `certs ${phase}: ${+(proof.horizonMs / years(1)).toFixed(2)} years simulated, ${proof.issuances} issuances, ${proof.checks} instants checked`,
    'stages:',
    ...proof.stages.map(s => `  ${formatTime(s.atMs)}  ${s.label}`),
    ...proof.notes.map(note => `note: ${note}`),
  ];
  const f = proof.failure;
  if (f) {
    lines.push(
      '',
      `FAILED at ${formatTime(f.atMs)}: ${f.leaf} is ${f.kind}${f.consumer ? ` for namespace ${f.consumer.namespace} (Bundle ${f.consumer.bundle})` : ''}`,
      `  ${f.message}`,
      '  chain presented:',
      ...f.chain.map(c => `    ${c}`),
      '  anchors held:',
      ...(f.anchors.length > 0 ? f.anchors.map(a => `    ${a}`) : ['    (none)']),
    );
  }
  lines.push('', `certs: ${proof.ok ? 'OK' : 'FAIL'}`);
  return lines.join('\n') + '\n';
}
