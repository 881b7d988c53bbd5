/**
 * `mesh-ladder diff`: synthesize (or read) and prove both sides of a change, then report
 * per phase every flow and L7 request that changes, classified as declared, transition or
 * undeclared (exit 1), with the objects and certificates that change.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { CliIo, EXIT_FAILED, EXIT_OK, packageVersion, UsageError } from './io';
import { catalogAtRevision, catalogLocator, manifestDirectoryAtRevision, manifestIdentity, readManifestDirectory, repositoryPath } from './sources';
import { catalogEdits, sameValue } from '../analysis/catalog-edits';
import { diffObjects, diffPhase, DiffSide, ObjectChange, PhaseDiff } from '../analysis/diff';
import { BaseProofSummary, CatalogDelta, deltaSummary, mergeBaseProof, planBaseProof, ProvenTraffic } from '../analysis/diff-delta';
import { DiffResult, diffOk, diffToJson, formatDiffMarkdown, formatDiffText } from '../analysis/diff-report';
import { ReachabilityReport } from '../analysis/reachability';
import { diffSarif } from '../analysis/sarif';
import { caNamespace, compareCatalogsOf, deltaSideOf, istioRootNamespace, proveReachability } from '../catalog-analysis';
import { MeshLadderChart } from '../chart';
import { ServiceCatalog } from '../model/catalog';
import { Phase } from '../model/phase';

export type DiffFormat = 'text' | 'markdown' | 'json' | 'sarif';

export interface DiffCommandOptions {
  /** The head catalog file (for SARIF locations and `--base`). */
  readonly headFile: string;
  /** How the base is named in reports. */
  readonly baseLabel: string;
  /** Phases of the head; with `basePhase`, exactly one. */
  readonly phases: readonly Phase[];
  /** The phase the base is in, when the change is a phase transition. */
  readonly basePhase?: Phase;
  /** Read the head's manifests from `<dir>/<phase>/` instead of synthesizing them. */
  readonly manifests?: string;
  /** Read the base's manifests from `<dir>/<phase>/`, or at the Git revision. */
  readonly baseManifests?: { readonly dir: string; readonly ref?: string };
  readonly format: DiffFormat;
  /** Also write SARIF to this file (for code scanning next to a Markdown comment). */
  readonly sarifFile?: string;
  /**
   * Prove the base in full in a worker thread while the head is proven (compiled CLI
   * only; a delta proof needs the head's and runs after it). Off by default: the worker
   * resolves the catalog again, loads the library and copies the objects and the report
   * across, which cost more than it saved at 1,000 services on a 2-core machine
   * (a diff with a full base proof took 2.6-3.0x one check with the worker, 1.7x without).
   * @default false
   */
  readonly parallel?: boolean;
  /**
   * Prove the base of a same-phase diff by delta from the head's proof (see
   * `analysis/diff-delta.ts`); false: prove it in full (the reference the tests compare with).
   * @default true
   */
  readonly delta?: boolean;
}

/** One side synthesized (or read) and proven. */
interface Proof {
  readonly objects: any[];
  readonly report: ReachabilityReport;
}

function warn(io: CliIo, which: string, phase: Phase, warnings: number): void {
  if (warnings > 0) {
    io.stderr(`${which} ${phase}: ${warnings} synthesis warning${warnings === 1 ? '' : 's'} (mesh-ladder check lists them)\n`);
  }
}

/** Bad input found while synthesizing a side: exit 2, the side and phase named. */
function isInvalidInput(error: { name?: string; constructorName?: string }): boolean {
  return ['CatalogValidationError', 'PhaseCapabilityError'].includes(error.constructorName ?? error.name ?? '');
}

function synthesized(catalog: ServiceCatalog, phase: Phase, io: CliIo, which: string): any[] {
  let synthesis: ReturnType<typeof MeshLadderChart.synthesize>;
  try {
    synthesis = MeshLadderChart.synthesize(catalog, phase);
  } catch (e) {
    if (which === 'base' && isInvalidInput({ name: (e as Error).name, constructorName: (e as Error).constructor?.name })) {
      throw new UsageError(`${which} ${phase}: ${(e as Error).message}`);
    }
    throw e;
  }
  warn(io, which, phase, synthesis.warnings.length);
  return synthesis.objects;
}

function proveHere(catalog: ServiceCatalog, phase: Phase, objects: any[] | undefined, io: CliIo, which: string): Proof {
  const manifests = objects ?? synthesized(catalog, phase, io, which);
  return { objects: manifests, report: proveReachability(catalog, phase, manifests) };
}

/** The compiled worker, when this module runs compiled (not from TypeScript sources). */
const WORKER = path.join(__dirname, 'diff-worker.js');

/**
 * Proves a side in a worker thread, so that it runs next to the proof on the main
 * thread (`DiffCommandOptions.parallel`): worth it only with a core to spare.
 */
function proveInWorker(catalog: ServiceCatalog, phase: Phase, objects: any[] | undefined, io: CliIo, which: string): Promise<Proof> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, { workerData: { spec: catalog.spec, phase, objects } });
    worker.once('message', (message: any) => {
      void worker.terminate();
      if (message.error) {
        // Bad input found while synthesizing the base: exit 2 like the head's.
        reject(isInvalidInput(message.error) ? new UsageError(`${which} ${phase}: ${message.error.message}`) : new Error(message.error.message));
        return;
      }
      warn(io, which, phase, message.warnings);
      resolve({ objects: message.objects ?? objects, report: message.report });
    });
    worker.once('error', reject);
  });
}

function prove(catalog: ServiceCatalog, phase: Phase, objects: any[] | undefined, io: CliIo, which: string, parallel: boolean): Promise<Proof> {
  return parallel ? proveInWorker(catalog, phase, objects, io, which) : Promise.resolve(proveHere(catalog, phase, objects, io, which));
}

function side<R extends ProvenTraffic>(catalog: ServiceCatalog, phase: Phase, proof: { objects: any[]; report: R }): DiffSide<R> {
  return { phase, objects: proof.objects, report: proof.report, caNamespace: caNamespace(catalog) };
}

/**
 * A diff within one phase. The head is proven in full; the base by delta from the head's
 * proof when `planBaseProof` finds the change local, else in full (in a worker next to
 * the head's proof when `parallel`).
 */
async function diffSamePhase(
  base: ServiceCatalog, head: ServiceCatalog, phase: Phase, inputs: { base?: any[]; head?: any[] }, io: CliIo,
  options: { parallel: boolean; delta: boolean; catalogs: () => CatalogDelta },
): Promise<PhaseDiff> {
  const baseObjects = inputs.base ?? synthesized(base, phase, io, 'base');
  const headObjects = inputs.head ?? synthesized(head, phase, io, 'head');
  const objects: ObjectChange[] = diffObjects(baseObjects, headObjects);
  const plan = options.delta
    ? planBaseProof(
      deltaSideOf(base, baseObjects), deltaSideOf(head, headObjects), objects, options.catalogs(), istioRootNamespace(head),
    )
    : { proof: 'full' as const, reason: 'the delta proof is turned off' };
  if (plan.proof === 'full') {
    const basePending = prove(base, phase, baseObjects, io, 'base', options.parallel);
    const headProof = proveHere(head, phase, headObjects, io, 'head');
    const baseProof: BaseProofSummary = { proof: 'full', reason: plan.reason };
    return diffPhase(side(base, phase, await basePending), side(head, phase, headProof), undefined, { objects, baseProof });
  }
  const headProof = proveHere(head, phase, headObjects, io, 'head');
  const partial = proveReachability(base, phase, baseObjects, { scope: plan.scope });
  const traffic = mergeBaseProof(headProof.report, partial, plan);
  const baseSide = side(base, phase, { objects: baseObjects, report: traffic });
  return diffPhase(baseSide, side(head, phase, headProof), undefined, { objects, baseProof: deltaSummary(plan) });
}

/** Runs the diff of `base` and `head` catalogs; resolves to the exit code. */
export async function runDiff(base: ServiceCatalog, head: ServiceCatalog, options: DiffCommandOptions, io: CliIo): Promise<number> {
  const phases: PhaseDiff[] = [];
  const drift: Array<{ phase: string; objects: ReturnType<typeof diffObjects> }> = [];
  const files = new Map<string, Map<string, string>>();
  const sameCatalog = sameValue(base.spec, head.spec);
  const parallel = (options.parallel ?? false) && __filename.endsWith('.js') && fs.existsSync(WORKER);
  let catalogDelta: CatalogDelta | undefined;
  const catalogs = () => (catalogDelta ??= compareCatalogsOf(base, head));
  for (const phase of options.phases) {
    const basePhase = options.basePhase ?? phase;
    const headRead = options.manifests !== undefined ? readManifestDirectory(options.manifests, phase) : undefined;
    const baseObjects = options.baseManifests === undefined ? undefined
      : options.baseManifests.ref !== undefined
        ? manifestDirectoryAtRevision(options.baseManifests.dir, basePhase, options.baseManifests.ref)
        : readManifestDirectory(options.baseManifests.dir, basePhase).objects;
    // Unchanged inputs prove the same: the head's proof is the base's.
    const unchanged = sameCatalog && basePhase === phase
      && (headRead === undefined ? baseObjects === undefined : baseObjects !== undefined && sameValue(baseObjects, headRead.objects));
    if (unchanged) {
      const headProof = proveHere(head, phase, headRead?.objects, io, 'head');
      const baseProof: BaseProofSummary = { proof: 'same', reason: 'base and head inputs are equal' };
      phases.push(diffPhase(side(base, basePhase, headProof), side(head, phase, headProof), undefined, { baseProof }));
    } else if (basePhase === phase) {
      const inputs = { base: baseObjects, head: headRead?.objects };
      phases.push(await diffSamePhase(base, head, phase, inputs, io, { parallel, delta: options.delta ?? true, catalogs }));
    } else {
      // A phase transition: other evaluators decide each side; both are proven in full.
      const basePending = prove(base, basePhase, baseObjects, io, 'base', parallel);
      const midPending = prove(base, phase, undefined, io, 'base', parallel);
      const headProof = proveHere(head, phase, headRead?.objects, io, 'head');
      const baseProof: BaseProofSummary = { proof: 'full', reason: `a phase transition (${basePhase} -> ${phase}): other evaluators decide each side` };
      phases.push(diffPhase(side(base, basePhase, await basePending), side(head, phase, headProof), (await midPending).report, { baseProof }));
    }
    if (headRead) {
      files.set(phase, headRead.files);
      drift.push({ phase, objects: diffObjects(synthesized(head, phase, io, 'head'), headRead.objects) });
    }
  }
  const result: DiffResult = {
    base: options.baseLabel,
    head: options.headFile,
    edits: catalogEdits(base.spec, head.spec),
    phases,
    ...(options.manifests !== undefined ? { drift } : {}),
  };
  const sarif = () => JSON.stringify(diffSarif(result, {
    catalog: catalogLocator(head, options.headFile),
    version: packageVersion(),
    manifestUri: (phase, kind, namespace, name) => {
      const file = files.get(phase)?.get(manifestIdentity(kind, namespace, name));
      return file === undefined ? undefined : repositoryPath(file);
    },
  }), null, 2) + '\n';
  switch (options.format) {
    case 'text': io.stdout(formatDiffText(result)); break;
    case 'markdown': io.stdout(formatDiffMarkdown(result)); break;
    case 'json': io.stdout(JSON.stringify(diffToJson(result), null, 2) + '\n'); break;
    case 'sarif': io.stdout(sarif()); break;
  }
  if (options.sarifFile !== undefined) {
    fs.mkdirSync(path.dirname(path.resolve(options.sarifFile)), { recursive: true });
    fs.writeFileSync(options.sarifFile, sarif());
  }
  return diffOk(result) ? EXIT_OK : EXIT_FAILED;
}

/** The base catalog: a second file, or the head's file at a Git revision. */
export function loadBase(
  positionals: readonly string[], ref: string | undefined, load: (file: string) => ServiceCatalog,
): { base: ServiceCatalog; headFile: string; label: string } {
  if (ref !== undefined) {
    if (positionals.length !== 1) {
      throw new UsageError(`diff --base <ref> takes one catalog file, compared with itself at <ref> (got ${positionals.length === 0 ? 'none' : positionals.join(' ')})`);
    }
    const headFile = positionals[0];
    if (!fs.existsSync(headFile)) {
      throw new UsageError(`catalog file not found: ${headFile}`);
    }
    return { base: catalogAtRevision(headFile, ref), headFile, label: `${ref}:${repositoryPath(headFile)}` };
  }
  if (positionals.length !== 2) {
    throw new UsageError(`diff takes two catalog files, <base> <head>, or one with --base <ref> (got ${positionals.length === 0 ? 'none' : positionals.join(' ')})`);
  }
  return { base: load(positionals[0]), headFile: positionals[1], label: positionals[0] };
}
