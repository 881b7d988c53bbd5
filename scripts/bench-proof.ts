/**
 * The proof part of the benchmark: `mesh-ladder check` per phase and `--phase all`, and
 * `mesh-ladder plan` for one pair of phases, run in-process through the CLI's own entry
 * point (catalog file read, synthesis, lint, proof, text report; output discarded), each
 * size in a fresh worker process so its peak RSS is its own.
 *
 * Targets (issue 15): check --phase all at 2,000 services under 15 s; time(2,000)/time(1,000)
 * at most 2.3; check --phase all at 2,000 at most 3x the synthesis of all four phases;
 * peak RSS of check --phase all at 2,000 at most 1 GB; plan for a pair at 1,000 under 30 s.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { main as cli } from '../src/cli/main';
import { ALL_PHASES, Phase } from '../src/model/phase';
import { syntheticCatalog } from '../test/support/synthetic-catalog';

export const PROOF_TARGETS = { checkAllMs2000: 15000, checkScaling: 2.3, checkVsSynth2000: 3, peakRssMbCheckAll2000: 1024, planMs1000: 30000 };

/** The pair `plan` is measured for: the longest ladder, every enforcement system in some step. */
export const PLAN_PAIR: readonly [Phase, Phase] = [Phase.BASELINE, Phase.ISTIO];

/** What one proof worker measures. */
export interface ProofSamples {
  readonly n: number;
  /** ms of `check --phase <p>` per phase. */
  readonly checkMs: Array<[Phase, number]>;
  /** ms of `check --phase all`. */
  readonly checkAllMs: number;
  /** Exit code of `check --phase all` (0: every phase proved). */
  readonly checkAllExit: number;
  /** ms of `plan --from a --to b` (only when asked for). */
  readonly planMs?: number;
  readonly planExit?: number;
  /** Peak RSS after `check --phase all`, MB (the worker runs it first). */
  readonly peakRssMbCheckAll: number;
}

function now(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Runs the CLI in-process with its output discarded; returns [exit code, ms]. */
async function timeCli(args: string[]): Promise<[number, number]> {
  (globalThis as { gc?: () => void }).gc?.();
  const start = now();
  const code = await cli(args, { stdout: () => undefined, stderr: () => undefined });
  return [code, now() - start];
}

/** One worker: check --phase all first (its peak RSS), then each phase, then the plan. */
export async function measureProof(n: number, seed: number, withPlan: boolean): Promise<ProofSamples> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-ladder-bench-proof-'));
  try {
    const file = path.join(dir, 'catalog.yaml');
    fs.writeFileSync(file, YAML.stringify(syntheticCatalog({ services: n, seed })));
    const [checkAllExit, checkAllMs] = await timeCli(['check', file, '--phase', 'all']);
    const peakRssMbCheckAll = process.resourceUsage().maxRSS / 1024;
    const checkMs: Array<[Phase, number]> = [];
    for (const phase of ALL_PHASES) {
      checkMs.push([phase, (await timeCli(['check', file, '--phase', phase]))[1]]);
    }
    let plan: [number, number] | undefined;
    if (withPlan) {
      plan = await timeCli(['plan', file, '--from', PLAN_PAIR[0], '--to', PLAN_PAIR[1]]);
    }
    return { n, checkMs, checkAllMs, checkAllExit, planExit: plan?.[0], planMs: plan?.[1], peakRssMbCheckAll };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
