/**
 * `mesh-ladder diff`: synthesize (or read) and prove both sides of a change, then report
 * per phase every flow and L7 request that changes, classified as declared, transition or
 * undeclared (exit 1), with the objects and certificates that change.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CliIo, EXIT_FAILED, EXIT_OK, packageVersion, UsageError } from './io';
import { catalogAtRevision, catalogLocator, manifestDirectoryAtRevision, manifestIdentity, readManifestDirectory, repositoryPath } from './sources';
import { catalogEdits, sameValue } from '../analysis/catalog-edits';
import { diffObjects, diffPhase, DiffSide, PhaseDiff } from '../analysis/diff';
import { DiffResult, diffOk, diffToJson, formatDiffMarkdown, formatDiffText } from '../analysis/diff-report';
import { checkPhaseReachability } from '../analysis/phases';
import { diffSarif } from '../analysis/sarif';
import { MeshLadderChart } from '../chart';
import { ServiceCatalog } from '../model/catalog';
import { Phase } from '../phases/phase';

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
}

interface Loaded {
  readonly objects: any[];
  /** Head only: where each object was read from. */
  readonly files?: Map<string, string>;
}

function synthesized(catalog: ServiceCatalog, phase: Phase, io: CliIo, which: string): any[] {
  const { objects, warnings } = MeshLadderChart.synthesize(catalog, phase);
  if (warnings.length > 0) {
    io.stderr(`${which} ${phase}: ${warnings.length} synthesis warning${warnings.length === 1 ? '' : 's'} (mesh-ladder check lists them)\n`);
  }
  return objects;
}

function side(catalog: ServiceCatalog, phase: Phase, loaded: Loaded): DiffSide {
  return {
    phase,
    objects: loaded.objects,
    report: checkPhaseReachability(catalog._resolved, phase, loaded.objects),
    caNamespace: catalog._resolved.certificates.caNamespace,
  };
}

/** Runs the diff of `base` and `head` catalogs; returns the exit code. */
export function runDiff(base: ServiceCatalog, head: ServiceCatalog, options: DiffCommandOptions, io: CliIo): number {
  const phases: PhaseDiff[] = [];
  const drift: Array<{ phase: string; objects: ReturnType<typeof diffObjects> }> = [];
  const files = new Map<string, Map<string, string>>();
  const sameCatalog = sameValue(base.spec, head.spec);
  for (const phase of options.phases) {
    const basePhase = options.basePhase ?? phase;
    const headLoaded: Loaded = options.manifests !== undefined
      ? readManifestDirectory(options.manifests, phase)
      : { objects: synthesized(head, phase, io, 'head') };
    const baseLoaded: Loaded = options.baseManifests === undefined
      ? { objects: sameCatalog && basePhase === phase && options.manifests === undefined ? headLoaded.objects : synthesized(base, basePhase, io, 'base') }
      : {
        objects: options.baseManifests.ref !== undefined
          ? manifestDirectoryAtRevision(options.baseManifests.dir, basePhase, options.baseManifests.ref)
          : readManifestDirectory(options.baseManifests.dir, basePhase).objects,
      };
    const headSide = side(head, phase, headLoaded);
    // Unchanged inputs prove the same: reuse the head's proof.
    const baseSide = sameCatalog && basePhase === phase && sameValue(baseLoaded.objects, headLoaded.objects)
      ? { ...headSide, objects: baseLoaded.objects }
      : side(base, basePhase, baseLoaded);
    const midpoint = basePhase !== phase
      ? checkPhaseReachability(base._resolved, phase, synthesized(base, phase, io, 'base'))
      : undefined;
    phases.push(diffPhase(baseSide, headSide, midpoint));
    if (headLoaded.files) {
      files.set(phase, headLoaded.files);
      drift.push({ phase, objects: diffObjects(synthesized(head, phase, io, 'head'), headLoaded.objects) });
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
