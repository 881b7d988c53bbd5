/**
 * `mesh-ladder`: a thin shell over the library. Exit codes: 0 ok, 1 a check failed (or
 * an internal error), 2 invalid input — nothing is written then.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { CliIo, EXIT_FAILED, EXIT_INVALID, EXIT_OK, packageVersion, UsageError } from './io';
import { renderPhaseFiles, writeDirectoryAtomically } from './output';
import { degradationsSummary, notesSummary, printWarnings } from './warnings';
import { MeshLadderChart } from '../chart';
import { runCerts } from './certs';
import { runCheck, runCheckPhases } from './check';
import { DiffFormat, loadBase, runDiff } from './diff';
import { runPlan } from './plan';
import { assessReport, graphReport, readReplicasFile } from './reports';
import { targetsCommand } from './targets';
import { PhaseCapabilityError } from '../emit/common';
import { CatalogValidationError, ServiceCatalog } from '../model/catalog';
import { MAX_CATALOG_BYTES } from '../model/catalog-loader';
import { parseDuration } from '../model/duration';
import { ALL_PHASES, Phase, parsePhase } from '../model/phase';
import { PlanScopeError } from '../model/scope';

const PROCESS_IO: CliIo = {
  stdout: text => process.stdout.write(text),
  stderr: text => process.stderr.write(text),
};


const PHASES = ALL_PHASES.join(', ');

export const HELP = `mesh-ladder — describe services once, synthesize every phase of service-mesh adoption

Usage:
  mesh-ladder synth <catalog.yaml> [--phase <phase>|<p1,p2>|all] [--out <dir>]
  mesh-ladder check <catalog.yaml> [--phase <phase>|<p1,p2>|all] [--format text|json|markdown|sarif]
  mesh-ladder diff <base.yaml> <head.yaml> [--phase <phase>|all] [--base-phase <phase>] [--format text|markdown|json|sarif] [--sarif <file>]
  mesh-ladder diff <catalog.yaml> --base <git-ref> [--manifests <dir>] [--phase <phase>|all] [...]
  mesh-ladder plan <catalog.yaml> --from <phase> --to <phase> [--namespaces <a,b>] [--namespace-selector <k=v>] [--out <dir> [--gitops flux|argocd]]
  mesh-ladder assess <catalog.yaml> [--replicas-file <f>] [--format markdown|json]
  mesh-ladder graph <catalog.yaml> [--phase <phase>] [--format mermaid|dot|markdown]
  mesh-ladder certs <catalog.yaml> [--phase <phase>] [--years N] [--skew <d>] [--latency <d>] [--format text|json]
  mesh-ladder targets <catalog.yaml> [--phase <phase>|<p1,p2>|all] [--format text|json]
  mesh-ladder validate <catalog.yaml>
  mesh-ladder schema
  mesh-ladder --help | --version

Commands:
  synth     Validate the catalog and write <dir>/<phase>/: one YAML file per object
            (<namespace>/<kind>-<name>.yaml, cluster-scoped objects under _cluster/)
            and a kustomization.yaml, so 'kubectl apply -k <dir>/<phase>' works.
            The directory is replaced atomically: on any error the previous output
            stays exactly as it was.
  check     Lint the catalog and the phase's output (rule id, severity, the
            service/route and the fix; errors fail, warnings do not; a service
            may 'suppress' a rule with a reason). Then synthesize the phase in
            memory, evaluate the emitted policies over the
            pods the catalog declares, print the flow matrix and every flow that is
            declared but not allowed (MISSING) or allowed but not declared
            (UNEXPECTED). Exits 1 if there is any. With several phases
            ('--phase all'): one line per phase, then the failing phases'
            problems; exits 1 if any phase fails, 2 if one cannot be expressed.
  diff      Review a change: synthesize and prove both sides (the base catalog
            and the head catalog, or the catalog at --base <ref> via git), then
            list per phase every flow and L7 request that opens or closes, each
            classified: declared (the catalog edit asks for it), transition (the
            phase changed: --base-phase), or undeclared (nothing declares it: a
            hand-edited manifest, a setting that widens a policy, a declared
            call that disappears). Also the objects added, changed and removed
            and the certificates whose chain or lifetime changed. With
            --manifests <dir> the head's manifests are read from <dir>/<phase>/
            (as synth --out wrote and someone may have edited them), the base's
            from the same directory at --base <ref> or from --base-manifests.
            Exits 1 on any undeclared change.
  plan      Ordered migration steps from one phase to another: new enforcement
            next to the old (a mesh first in permissive mode), then enforced,
            then the old removed; never both in one step. Injection changes in
            a step of its own, with every mesh permissive and both L4 layers in
            place. Every step's full manifest set is evaluated (NetworkPolicies
            and Cilium policies added up as Cilium enforces them, each mesh's
            authorization on top); prints a table per step (objects, added,
            removed, declared, allowed, missing, beyond the ends). A plan with
            a step that drops a declared flow or allows a flow neither end
            allows is refused: nothing is written, exit 1. With --out, writes
            <dir>/00-start-<from>/ and <dir>/<NN>-<kind>-<phase>/ (each
            kustomize-ready, plus removed.yaml and created.yaml) and
            <dir>/RUNBOOK.md (what to apply, what to watch, how to roll back).
  assess    Answer the readiness questions (the catalog's 'readiness' section plus
            what the services show: count, L7 needs, canaries, external hosts),
            recommend a phase with the reasons, and print a cost table per phase:
            proxy memory (per-pod figures x pods), added latency along the
            longest call chain, objects emitted, Istio config scope per proxy
            with and without Sidecar scoping. --replicas-file maps
            namespace/name (or name) to pods, overriding 'replicas'.
  graph     The service graph as Mermaid (default), DOT, or Markdown (Mermaid,
            legend and the flow matrix), edges coloured by what the phase
            enforces: L4 only, L7 routes, mTLS.
  certs     The time proof of the phase's certificates: simulates cert-manager
            issuing and renewing every emitted Certificate and trust-manager
            copying every Bundle, over --years (default: two root lifetimes),
            through a planned root rotation (distribute, issue, retire), and
            checks at every event that every leaf in use verifies against the
            bundle each of its consumers sees and that nothing is used past
            expiry. Prints the first failure with the chain and the anchors;
            exits 1 if there is one. --skew: clock skew margin (default 5m);
            --latency: renewal to new certificate in use (default 10m).
  validate  Only validate the catalog; print warnings.
  schema    Print the catalog's JSON Schema (for editors and CI).

Options:
  --phase <phase>   One of: ${PHASES}. Default: baseline. synth and check also
                    take a comma-separated list or 'all' (every phase: synth
                    writes one folder each, check proves each).
  --out <dir>       Output root for synth (default: dist); for plan, the plan
                    directory (replaced; must be empty or a previous plan).
  --from, --to      plan: the phase in force now and the phase to reach.
  --namespace-selector <k=v>  plan: migrate only the catalog namespaces with
                    these labels (with --namespaces: both conditions).
  --namespaces <a,b>  plan: migrate only these catalog namespaces; the others
                    stay on --from (each side admits the other's pods as
                    unmeshed peers); every step is proven over the whole catalog.
  --gitops flux|argocd  plan: also write <dir>/gitops/<kind>/<step>.yaml, one
                    Flux Kustomization or Argo CD Application per step (same
                    name; commit one after the other, prune deletes what a
                    step removes).
  --gitops-path <p> plan: the plan directory's path in the Git repository
                    (default: ./<dir>).
  --gitops-repo <url>  plan: the repository URL (Argo CD).
  --format <f>      check: text (default), json, markdown (a pull-request
                    report: verdict, lint, problems, graph, flow matrix) or sarif
                    (SARIF 2.1.0 at catalog lines); diff: text (default), markdown
                    (a pull-request comment), json or sarif; assess: markdown (default) or
                    json; graph: mermaid (default), dot or markdown.
  --base <ref>      diff: compare with the catalog (and --manifests) at this Git
                    revision.
  --base-phase <p>  diff: the phase the base is in (a phase transition).
  --manifests <dir> diff: the head's synthesized manifests (synth --out <dir>).
  --base-manifests <dir>  diff: the base's manifests, without --base.
  --sarif <file>    diff: also write SARIF to <file>.
  -h, --help        Show this help.
  -v, --version     Show the version.

Exit codes:
  0  success
  1  check found over- or under-permitted flows or lint errors, diff found an
     undeclared change, plan refused a
     plan with a step that drops or adds flows, certs found a certificate that
     breaks (or an internal error)
  2  invalid input: unreadable or invalid catalog (every error is listed with its
     field path and file:line:column), a call the phase cannot express, bad usage

Catalog: see README.md; editors validate it with
  # yaml-language-server: $schema=./node_modules/cdk8s-mesh-ladder/catalog.schema.json
`;

function loadCatalog(file: string, io: CliIo): ServiceCatalog {
  if (!fs.existsSync(file)) {
    throw new UsageError(`catalog file not found: ${file}`);
  }
  const stat = fs.statSync(file);
  if (stat.isDirectory()) {
    throw new UsageError(`${file} is a directory; give the catalog YAML file`);
  }
  // A device or a pipe could be endless; a huge file is refused before it is read.
  if (!stat.isFile()) {
    throw new UsageError(`${file} is not a regular file; give the catalog YAML file`);
  }
  if (stat.size > MAX_CATALOG_BYTES) {
    throw new CatalogValidationError([{ severity: 'error', path: [], message: `file is ${stat.size} bytes; catalogs are limited to ${MAX_CATALOG_BYTES} bytes (5 MiB)`, file }]);
  }
  const catalog = ServiceCatalog.fromFile(file);
  for (const warning of catalog.warnings) {
    io.stderr(`warning: ${warning}\n`);
  }
  return catalog;
}

function phaseOption(value: string | undefined): Phase {
  const phase = parsePhase(value ?? Phase.BASELINE);
  if (!phase) {
    throw new UsageError(`unknown phase "${value}" (phases: ${PHASES})`);
  }
  return phase;
}

/** `--phase a,b` or `--phase all`: several phases, in ladder order. */
function phasesOption(value: string | undefined): Phase[] {
  if (value === 'all') {
    return [...ALL_PHASES];
  }
  const phases = new Set((value ?? Phase.BASELINE).split(',').map(v => phaseOption(v.trim())));
  return ALL_PHASES.filter(p => phases.has(p));
}

function onePositional(positionals: string[], command: string): string {
  if (positionals.length !== 1) {
    throw new UsageError(`${command} takes exactly one catalog file (got ${positionals.length === 0 ? 'none' : positionals.join(' ')})`);
  }
  return positionals[0];
}

function synth(args: string[], io: CliIo): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { phase: { type: 'string' }, out: { type: 'string', default: 'dist' } },
  });
  const file = onePositional(positionals, 'synth');
  const phases = phasesOption(values.phase);
  checkOutputRoot(values.out!, phases);
  const catalog = loadCatalog(file, io);
  // Render every phase before writing any: one phase that cannot be expressed leaves
  // all output untouched. Each phase's objects are rendered at once and dropped, so only
  // one phase's objects are in memory at a time.
  const rendered = phases.map(phase => {
    const { objects, warnings, notes, degradations } = MeshLadderChart.synthesize(catalog, phase);
    return { phase, warnings, notes, degradations, count: objects.length, files: renderPhaseFiles(objects) };
  });
  for (const { phase, warnings } of rendered) {
    printWarnings(io, phase, warnings);
  }
  for (const { phase, count, files, notes, degradations } of rendered) {
    const target = path.join(values.out!, phase);
    writeDirectoryAtomically(target, files);
    io.stdout(`${phase}: wrote ${count} objects to ${target}/ (kubectl apply -k ${target})${notesSummary(notes)}${degradationsSummary(degradations)}\n`);
  }
  return EXIT_OK;
}

/** `--out` must be (or become) a directory whose phase folders are directories too. */
function checkOutputRoot(out: string, phases: readonly Phase[]): void {
  let existing = path.resolve(out);
  while (!fs.existsSync(existing) && path.dirname(existing) !== existing) {
    existing = path.dirname(existing);
  }
  if (!fs.statSync(existing).isDirectory()) {
    throw new UsageError(`cannot write to ${out}: ${existing} is not a directory`);
  }
  for (const phase of phases) {
    const target = path.join(out, phase);
    if (fs.existsSync(target) && !fs.statSync(target).isDirectory()) {
      throw new UsageError(`cannot write ${target}: it exists and is not a directory`);
    }
  }
}

function check(args: string[], io: CliIo): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { phase: { type: 'string' }, format: { type: 'string' } },
  });
  const file = onePositional(positionals, 'check');
  const phases = phasesOption(values.phase);
  const format = formatOption(values.format, ['text', 'json', 'markdown', 'sarif'] as const);
  const catalog = loadCatalog(file, io);
  const synthesize = (phase: Phase) => {
    const { objects, warnings, notes, degradations } = MeshLadderChart.synthesize(catalog, phase);
    printWarnings(io, phase, warnings);
    return { objects, notes, degradations };
  };
  if (phases.length === 1) {
    const { objects, notes, degradations } = synthesize(phases[0]);
    return runCheck(catalog, phases[0], objects, format, io, notes, degradations);
  }
  return runCheckPhases(catalog, phases, synthesize, format, io);
}

function diffCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      'phase': { type: 'string' },
      'base-phase': { type: 'string' },
      'base': { type: 'string' },
      'manifests': { type: 'string' },
      'base-manifests': { type: 'string' },
      'format': { type: 'string' },
      'sarif': { type: 'string' },
    },
  });
  const format = formatOption(values.format, ['text', 'markdown', 'json', 'sarif'] as const) as DiffFormat;
  const phases = phasesOption(values.phase);
  const basePhase = values['base-phase'] !== undefined ? phaseOption(values['base-phase']) : undefined;
  if (basePhase !== undefined && phases.length !== 1) {
    throw new UsageError('--base-phase compares one phase with another: give one --phase');
  }
  if (values['base-manifests'] !== undefined && values.base !== undefined) {
    throw new UsageError('--base-manifests and --base exclude each other: with --base the base manifests are --manifests at <ref>');
  }
  if (values['base-manifests'] !== undefined && values.manifests === undefined) {
    throw new UsageError('--base-manifests needs --manifests (the head side)');
  }
  const { base, headFile, label } = loadBase(positionals, values.base, f => loadCatalog(f, io));
  const head = loadCatalog(headFile, io);
  const baseManifests = values['base-manifests'] !== undefined ? { dir: values['base-manifests'] }
    : values.manifests !== undefined && values.base !== undefined ? { dir: values.manifests, ref: values.base } : undefined;
  return runDiff(base, head, {
    headFile, baseLabel: label, phases, basePhase, manifests: values.manifests, baseManifests, format, sarifFile: values.sarif,
  }, io);
}

function planCommand(args: string[], io: CliIo): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      'from': { type: 'string' },
      'to': { type: 'string' },
      'out': { type: 'string' },
      'namespaces': { type: 'string' },
      'namespace-selector': { type: 'string' },
      'gitops': { type: 'string' },
      'gitops-path': { type: 'string' },
      'gitops-repo': { type: 'string' },
    },
  });
  const file = onePositional(positionals, 'plan');
  if (values.from === undefined || values.to === undefined) {
    throw new UsageError('plan needs --from <phase> and --to <phase>');
  }
  const from = phaseOption(values.from);
  const to = phaseOption(values.to);
  if (from === to) {
    throw new UsageError(`--from and --to are both ${from}: nothing to plan`);
  }
  if (values.out !== undefined) {
    checkPlanOutput(values.out);
  }
  const namespaces = values.namespaces?.split(',').map(n => n.trim()).filter(n => n.length > 0);
  if (namespaces !== undefined && namespaces.length === 0) {
    throw new UsageError('--namespaces needs a comma-separated list of catalog namespaces');
  }
  if (values.gitops !== undefined && values.gitops !== 'flux' && values.gitops !== 'argocd') {
    throw new UsageError(`unknown --gitops "${values.gitops}" (flux, argocd)`);
  }
  if (values.gitops !== undefined && values.out === undefined) {
    throw new UsageError('--gitops needs --out');
  }
  if (values.gitops === 'argocd' && values['gitops-repo'] === undefined) {
    throw new UsageError('--gitops argocd needs --gitops-repo <repository URL>');
  }
  const gitops = values.gitops !== undefined
    ? {
      kind: values.gitops as 'flux' | 'argocd',
      repoPath: values['gitops-path'] ?? `./${path.isAbsolute(values.out!) ? path.basename(values.out!) : path.normalize(values.out!)}`,
      repoUrl: values['gitops-repo'],
    }
    : undefined;
  const namespaceLabels = values['namespace-selector'] !== undefined ? parseLabelSelector(values['namespace-selector']) : undefined;
  const catalog = loadCatalog(file, io);
  try {
    return runPlan(catalog, from, to, values.out, io, undefined, { namespaces, namespaceLabels }, gitops);
  } catch (e) {
    throw e instanceof PlanScopeError ? new UsageError(`--namespaces: ${e.message}`) : e;
  }
}

/** `key=value,key2=value2` as labels. */
function parseLabelSelector(text: string): Record<string, string> {
  const pairs = text.split(',').map(p => p.trim()).filter(p => p.length > 0).map(p => p.split('='));
  if (pairs.length === 0 || pairs.some(p => p.length !== 2 || p[0] === '' || p[1] === '')) {
    throw new UsageError(`--namespace-selector needs key=value[,key=value]: "${text}"`);
  }
  return Object.fromEntries(pairs);
}

/** The plan directory is replaced as a whole: refuse anything but an empty one or an earlier plan. */
function checkPlanOutput(out: string): void {
  if (!fs.existsSync(out)) {
    return;
  }
  if (!fs.statSync(out).isDirectory()) {
    throw new UsageError(`cannot write the plan to ${out}: it exists and is not a directory`);
  }
  const entries = fs.readdirSync(out);
  if (entries.length > 0 && !entries.includes('RUNBOOK.md')) {
    throw new UsageError(`cannot write the plan to ${out}: the directory is not empty and holds no earlier plan (RUNBOOK.md); it would be replaced`);
  }
}

function formatOption<T extends string>(value: string | undefined, allowed: readonly T[]): T {
  const format = (value ?? allowed[0]) as T;
  if (!allowed.includes(format)) {
    throw new UsageError(`unknown format "${value}" (${allowed.join(', ')})`);
  }
  return format;
}

function assessCommand(args: string[], io: CliIo): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { 'replicas-file': { type: 'string' }, 'format': { type: 'string' } },
  });
  const file = onePositional(positionals, 'assess');
  const format = formatOption(values.format, ['markdown', 'json'] as const);
  const catalog = loadCatalog(file, io);
  let replicas: Record<string, number> | undefined;
  if (values['replicas-file'] !== undefined) {
    if (!fs.existsSync(values['replicas-file'])) {
      throw new UsageError(`replicas file not found: ${values['replicas-file']}`);
    }
    try {
      replicas = readReplicasFile(values['replicas-file'], catalog);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  io.stdout(assessReport(catalog, replicas, format));
  return EXIT_OK;
}

function graphCommand(args: string[], io: CliIo): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { phase: { type: 'string' }, format: { type: 'string' } },
  });
  const file = onePositional(positionals, 'graph');
  const phase = phaseOption(values.phase);
  const format = formatOption(values.format, ['mermaid', 'dot', 'markdown'] as const);
  const catalog = loadCatalog(file, io);
  io.stdout(graphReport(catalog, phase, format));
  return EXIT_OK;
}

function durationOption(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  const ms = parseDuration(value);
  if (ms === undefined) {
    throw new UsageError(`${flag} "${value}" is not a duration (e.g. 5m, 1h)`);
  }
  return ms;
}

function certsCommand(args: string[], io: CliIo): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { phase: { type: 'string' }, years: { type: 'string' }, skew: { type: 'string' }, latency: { type: 'string' }, format: { type: 'string' } },
  });
  const file = onePositional(positionals, 'certs');
  const phase = phaseOption(values.phase);
  const format = formatOption(values.format, ['text', 'json'] as const);
  let years: number | undefined;
  if (values.years !== undefined) {
    years = Number(values.years);
    if (!/^\d+(\.\d+)?$/.test(values.years) || !(years > 0 && years <= 100)) {
      throw new UsageError(`--years "${values.years}" must be a number of years above 0, at most 100`);
    }
  }
  const clockSkewMs = durationOption(values.skew, '--skew');
  const issuanceLatencyMs = durationOption(values.latency, '--latency');
  const catalog = loadCatalog(file, io);
  return runCerts(catalog, phase, { years, clockSkewMs, issuanceLatencyMs, format }, io);
}

function validate(args: string[], io: CliIo): number {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  const file = onePositional(positionals, 'validate');
  const catalog = loadCatalog(file, io);
  io.stdout(`${file}: valid (${catalog.serviceIds.length} services)\n`);
  return EXIT_OK;
}

function schema(io: CliIo): number {
  // Loaded lazily: it is generated at build time.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { CATALOG_SCHEMA } = require('../model/catalog-schema.generated');
  io.stdout(JSON.stringify(CATALOG_SCHEMA, null, 2) + '\n');
  return EXIT_OK;
}

/** Runs the CLI with the given arguments; resolves to the exit code. */
export async function main(argv: string[], io: CliIo = PROCESS_IO): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        io.stdout(HELP);
        return command === undefined ? EXIT_INVALID : EXIT_OK;
      case '-v':
      case '--version':
        io.stdout(`${packageVersion()}\n`);
        return EXIT_OK;
      case 'synth':
        return rest.includes('--help') || rest.includes('-h') ? (io.stdout(HELP), EXIT_OK) : synth(rest, io);
      case 'check':
        return rest.includes('--help') || rest.includes('-h') ? (io.stdout(HELP), EXIT_OK) : check(rest, io);
      case 'diff':
        return rest.includes('--help') || rest.includes('-h') ? (io.stdout(HELP), EXIT_OK) : await diffCommand(rest, io);
      case 'plan':
        return rest.includes('--help') || rest.includes('-h') ? (io.stdout(HELP), EXIT_OK) : planCommand(rest, io);
      case 'assess':
        return assessCommand(rest, io);
      case 'graph':
        return graphCommand(rest, io);
      case 'certs':
        return rest.includes('--help') || rest.includes('-h') ? (io.stdout(HELP), EXIT_OK) : certsCommand(rest, io);
      case 'targets':
        return targetsCommand(rest, io, loadCatalog);
      case 'validate':
        return validate(rest, io);
      case 'schema':
        return schema(io);
      default:
        throw new UsageError(`unknown command "${command}" (synth, check, diff, plan, assess, graph, certs, targets, validate, schema; see --help)`);
    }
  } catch (e) {
    if (e instanceof CatalogValidationError || e instanceof PhaseCapabilityError || e instanceof UsageError) {
      io.stderr(`mesh-ladder: ${e.message}\n`);
      return EXIT_INVALID;
    }
    if (String((e as NodeJS.ErrnoException).code ?? '').startsWith('ERR_PARSE_ARGS')) {
      io.stderr(`mesh-ladder: ${(e as Error).message} (see --help)\n`);
      return EXIT_INVALID;
    }
    io.stderr(`mesh-ladder: internal error: ${(e as Error).stack ?? e}\n`);
    return EXIT_FAILED;
  }
}
