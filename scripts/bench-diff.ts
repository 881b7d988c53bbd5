/**
 * Benchmark of `mesh-ladder diff` against one `mesh-ladder check` (issue 19: diff at 1,000
 * services within 2x one check). A synthetic catalog of N services (the same generator
 * as bench.ts), the head adding one call; per phase, the median of --reps runs of:
 * - check: synthesize + lint + prove the head (what `check` does);
 * - diff: synthesize and prove base and head, diff flows, requests, objects, certificates.
 * Not part of the test suite: timings depend on the machine.
 *
 *   npx projen compile && node -r ts-node/register/transpile-only scripts/bench-diff.ts --compiled --sizes 250,1000 --phases baseline,cilium
 *
 * --compiled: the diff of lib/, whose base proof runs in a worker thread; --sequential: no worker.
 */
import { parseArgs } from 'util';
import { lintPhase } from '../src/analysis/lint';
import { checkPhaseReachability } from '../src/analysis/phases';
import { MeshLadderChart } from '../src/chart';
import { ServiceCatalog } from '../src/model/catalog';
import { Phase, parsePhase } from '../src/model/phase';
import { CatalogSpec } from '../src/model/types';
import { syntheticCatalog } from '../test/support/synthetic-catalog';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function timedAsync(run: () => Promise<void>): Promise<number> {
  const start = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function timed(run: () => void): number {
  const start = process.hrtime.bigint();
  run();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** The head: one more call, from the first service that calls to the last service. */
function withOneMoreCall(spec: CatalogSpec): CatalogSpec {
  const services = spec.services.map(s => ({ ...s }));
  const target = services[services.length - 1];
  const index = services.findIndex(s => s.name !== target.name && (s.calls ?? []).length > 0);
  const caller = services[index];
  services[index] = { ...caller, calls: [...(caller.calls ?? []), { service: `${target.namespace ?? spec.namespace}/${target.name}` }] };
  return { ...spec, services };
}

const { values } = parseArgs({ options: { sizes: { type: 'string' }, phases: { type: 'string' }, reps: { type: 'string' }, sequential: { type: 'boolean' }, compiled: { type: 'boolean' } } });
const sizes = (values.sizes ?? '250,1000').split(',').map(Number);
const phases = (values.phases ?? 'baseline').split(',').map(p => parsePhase(p)!) as Phase[];
const reps = Number(values.reps ?? 1);
const quiet = { stdout: () => undefined, stderr: () => undefined };
/** Workers need the compiled CLI: --compiled runs the diff of lib/ (npx projen compile first). */
const parallel = !values.sequential;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { runDiff } = require(values.compiled ? '../lib/src/cli/diff' : '../src/cli/diff');

async function bench(): Promise<void> {
  for (const n of sizes) {
    const baseSpec = syntheticCatalog({ services: n });
    const base = ServiceCatalog.fromSpec(baseSpec);
    const head = ServiceCatalog.fromSpec(withOneMoreCall(baseSpec));
    for (const phase of phases) {
      const check: number[] = [];
      const diff: number[] = [];
      let code = -1;
      for (let i = 0; i < reps; i++) {
        check.push(timed(() => {
          const objects = MeshLadderChart.manifests(head, phase);
          lintPhase(head._resolved, phase, objects);
          checkPhaseReachability(head._resolved, phase, objects);
        }));
        diff.push(await timedAsync(async () => {
          code = await runDiff(base, head, { headFile: 'head.yaml', baseLabel: 'base.yaml', phases: [phase], format: 'json', parallel }, quiet);
        }));
      }
      const ratio = median(diff) / median(check);
      const checkMs = Math.round(median(check));
      const diffMs = Math.round(median(diff));
      const figures = { services: n, phase, checkMs, diffMs, ratio: +ratio.toFixed(2), diffExit: code };
      console.log(JSON.stringify(figures));
    }
  }
}

void bench();
