/**
 * The proof part of the benchmark: `mesh-ladder check` per phase and `--phase all`, and
 * `mesh-ladder plan` for one pair of phases, run in-process through the CLI's own entry
 * point (catalog file read, synthesis, lint, proof, text report; output discarded), each
 * size in a fresh worker process so its peak RSS is its own.
 *
 * Targets (issue 15): check --phase all at 2,000 services under 15 s; time(2,000)/time(1,000)
 * at most 2.3; check --phase all at 2,000 at most 3x the synthesis of all four phases;
 * peak RSS of check --phase all at 2,000 at most 1 GB; plan for any pair at 1,000 under 30 s
 * (PLAN_PAIR always; every ordered pair with `--plan-pairs all`).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { main as cli } from '../src/cli/main';
import { ALL_PHASES, Phase } from '../src/model/phase';
import { syntheticCatalog } from '../test/support/synthetic-catalog';

export const PROOF_TARGETS = {
  checkAllMs2000: 15000, checkScaling: 2.3, checkVsSynth2000: 3, peakRssMbCheckAll2000: 1024, planMs1000: 30000, planMaxMs1000: 30000,
};

/** The pair `plan` is measured for: the longest ladder, every enforcement system in some step. */
export const PLAN_PAIR: readonly [Phase, Phase] = [Phase.BASELINE, Phase.ISTIO];

/** Every ordered pair of distinct phases (12 with four phases): `--plan-pairs all`. */
export const ALL_PLAN_PAIRS: ReadonlyArray<readonly [Phase, Phase]> = ALL_PHASES.flatMap(
  from => ALL_PHASES.filter(to => to !== from).map(to => [from, to] as const),
);

/**
 * The pairs `--plan-pairs` names: `all`, or `from:to` items separated by commas (e.g.
 * `linkerd:istio,istio:baseline`).
 */
export function parsePlanPairs(text: string): Array<readonly [Phase, Phase]> {
  if (text === 'all') {
    return [...ALL_PLAN_PAIRS];
  }
  return text.split(',').map(item => {
    const [from, to] = item.trim().split(':');
    const pair = ALL_PLAN_PAIRS.find(([a, b]) => a === from && b === to);
    if (!pair) {
      throw new Error(`--plan-pairs: ${item} is not from:to of two different phases (${ALL_PHASES.join(', ')}) nor 'all'`);
    }
    return pair;
  });
}

/** One `plan --from --to` run. */
export interface PlanSample {
  readonly from: Phase;
  readonly to: Phase;
  readonly ms: number;
  readonly exit: number;
}

/** What one proof worker measures. */
export interface ProofSamples {
  readonly n: number;
  /** ms of `check --phase <p>` per phase. */
  readonly checkMs: Array<[Phase, number]>;
  /** ms of `check --phase all`. */
  readonly checkAllMs: number;
  /** Exit code of `check --phase all` (0: every phase proved). */
  readonly checkAllExit: number;
  /** ms of `plan --from a --to b` for PLAN_PAIR (only when asked for). */
  readonly planMs?: number;
  readonly planExit?: number;
  /** Every pair `--plan-pairs` asked for (PLAN_PAIR's run included), in the order asked. */
  readonly planPairs: PlanSample[];
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

/** One worker: check --phase all first (its peak RSS), then each phase, then the plans (`planPairs`). */
export async function measureProof(n: number, seed: number, planPairs: ReadonlyArray<readonly [Phase, Phase]>): Promise<ProofSamples> {
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
    const plans: PlanSample[] = [];
    for (const [from, to] of planPairs) {
      const [exit, ms] = await timeCli(['plan', file, '--from', from, '--to', to]);
      plans.push({ from, to, ms, exit });
    }
    const plan = plans.find(p => p.from === PLAN_PAIR[0] && p.to === PLAN_PAIR[1]);
    return { n, checkMs, checkAllMs, checkAllExit, planExit: plan?.exit, planMs: plan?.ms, planPairs: plans, peakRssMbCheckAll };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
