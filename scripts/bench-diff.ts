/**
 * Benchmark of `mesh-ladder diff` against one `mesh-ladder check` (issue 19: diff at 1,000
 * services within 2x one check). A synthetic catalog of N services (the same generator
 * as bench.ts), the head adding one call; per phase, the median of --reps interleaved
 * runs of:
 * - check: synthesize + lint + prove the head (what `check` does);
 * - diff: synthesize both sides, prove the head, prove the base (by delta from the
 *   head's proof unless --full-proof), diff flows, requests, objects, certificates.
 * Not part of the test suite: timings depend on the machine. `npm run bench` runs it at
 * 1,000 services and reports the worst phase's ratio (`diffVsCheck1000`, target 2).
 *
 *   npx projen compile && node -r ts-node/register/transpile-only scripts/bench-diff.ts --compiled --sizes 250,1000 --phases baseline,cilium
 *
 * --compiled: the diff of lib/; --parallel (with --compiled): a full proof of the base in
 * a worker thread; --full-proof: prove the base from scratch (the A/B reference).
 * Each line printed is one JSON object per size and phase.
 */
import { parseArgs } from 'util';
import { lintPhase } from '../src/analysis/lint';
import { checkPhaseReachability } from '../src/analysis/phases';
import { MeshLadderChart } from '../src/chart';
import { ServiceCatalog } from '../src/model/catalog';
import { Phase, parsePhase } from '../src/model/phase';
import { CatalogSpec } from '../src/model/types';
import { syntheticCatalog } from '../test/support/synthetic-catalog';

/** One size and phase. */
export interface DiffFigures {
  readonly services: number;
  readonly phase: string;
  readonly checkMs: number;
  readonly diffMs: number;
  /** diffMs / checkMs. */
  readonly ratio: number;
  readonly diffExit: number;
  /** How the diff proved the base (`delta`, `full`). */
  readonly baseProof: string;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function now(): number {
  return Number(process.hrtime.bigint()) / 1e6;
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

async function bench(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'sizes': { type: 'string' },
      'phases': { type: 'string' },
      'reps': { type: 'string' },
      'parallel': { type: 'boolean' },
      'compiled': { type: 'boolean' },
      'full-proof': { type: 'boolean' },
    },
  });
  const sizes = (values.sizes ?? '250,1000').split(',').map(Number);
  const phases = (values.phases ?? 'baseline').split(',').map(p => parsePhase(p)!) as Phase[];
  const reps = Number(values.reps ?? 1);
  /** Workers need the compiled CLI: --compiled runs the diff of lib/ (npx projen compile first). */
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { runDiff } = require(values.compiled ? '../lib/src/cli/diff' : '../src/cli/diff');
  const gc = () => (globalThis as { gc?: () => void }).gc?.();
  for (const n of sizes) {
    const baseSpec = syntheticCatalog({ services: n });
    const base = ServiceCatalog.fromSpec(baseSpec);
    const head = ServiceCatalog.fromSpec(withOneMoreCall(baseSpec));
    for (const phase of phases) {
      const check: number[] = [];
      const diff: number[] = [];
      let code = -1;
      let stdout = '';
      const io = { stdout: (text: string) => { stdout += text; }, stderr: () => undefined };
      for (let i = 0; i < reps; i++) {
        gc();
        let start = now();
        const objects = MeshLadderChart.manifests(head, phase);
        lintPhase(head._resolved, phase, objects);
        checkPhaseReachability(head._resolved, phase, objects);
        check.push(now() - start);
        gc();
        stdout = '';
        start = now();
        code = await runDiff(base, head, {
          headFile: 'head.yaml', baseLabel: 'base.yaml', phases: [phase], format: 'json', parallel: values.parallel ?? false, delta: !values['full-proof'],
        }, io);
        diff.push(now() - start);
      }
      const checkMs = Math.round(median(check));
      const diffMs = Math.round(median(diff));
      const figures: DiffFigures = {
        services: n,
        phase,
        checkMs,
        diffMs,
        ratio: +(median(diff) / median(check)).toFixed(2),
        diffExit: code,
        baseProof: JSON.parse(stdout).phases[0]?.baseProof?.proof ?? 'unknown',
      };
      console.log(JSON.stringify(figures));
    }
  }
}

if (require.main === module) {
  bench().catch(e => {
    process.stderr.write(`${e instanceof Error ? e.stack : e}\n`);
    process.exit(1);
  });
}
