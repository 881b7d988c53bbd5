/**
 * SARIF 2.1.0 (OASIS Static Analysis Results Interchange Format) for the diff, the
 * reachability check and lint: results located at the catalog line that caused them, so
 * code scanning annotates the catalog edit, not generated YAML.
 *
 * Shape per the OASIS SARIF 2.1.0 standard (sarifLog -> runs[] -> tool.driver.rules[],
 * results[] with ruleId, ruleIndex, level, message.text, locations[].physicalLocation
 * with artifactLocation.uri + uriBaseId and a 1-based region); GitHub code scanning reads
 * `partialFingerprints` to follow a result across commits.
 */
import { attributeEdit, CatalogEdit, endpointService } from './catalog-edits';
import { ChangeClass, PhaseDiff } from './diff';
import { DiffResult } from './diff-report';
import { formatFlow } from './flows';
import { LintFinding, LintReport } from './lint';
import { ReachabilityReport } from './reachability';
import { formatRequestFlow } from './requests';

export type SarifLevel = 'error' | 'warning' | 'note';

export interface SarifRule {
  readonly id: string;
  readonly level: SarifLevel;
  readonly description: string;
}

/** A file position; `line` and `column` are 1-based. */
export interface SarifLocation {
  readonly uri: string;
  readonly line?: number;
  readonly column?: number;
}

export interface SarifResult {
  readonly ruleId: string;
  readonly level: SarifLevel;
  readonly message: string;
  readonly location: SarifLocation;
  /** Stable identity of the finding across commits. */
  readonly fingerprint: string;
}

/** Where catalog fields are, for results that point at them. */
export interface CatalogLocator {
  /** The catalog file as SARIF names it: relative to the repository root, `/`-separated. */
  readonly uri: string;
  /** The catalog as given (`ServiceCatalog.spec`). */
  readonly spec: unknown;
  /** Line and column of a field; undefined when it is not in the file. */
  locate(path: ReadonlyArray<string | number>): { readonly line?: number; readonly column?: number } | undefined;
}

export const SARIF_SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';

/**
 * A complete SARIF log with one run. Only rules that have results are listed. `category`
 * becomes the run's `automationDetails.id`, so code scanning keeps the runs of several
 * logs (a check per phase, the diff) apart.
 */
export function sarifLog(version: string, rules: readonly SarifRule[], results: readonly SarifResult[], category = 'mesh-ladder'): unknown {
  const used = rules.filter(r => results.some(x => x.ruleId === r.id));
  const index = new Map(used.map((r, i) => [r.id, i]));
  return {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [{
      tool: {
        driver: {
          name: 'mesh-ladder',
          version,
          rules: used.map(r => ({
            id: r.id,
            shortDescription: { text: r.description },
            defaultConfiguration: { level: r.level },
          })),
        },
      },
      automationDetails: { id: `${category}/` },
      originalUriBaseIds: { '%SRCROOT%': { description: { text: 'The repository root.' } } },
      results: results.map(r => ({
        ruleId: r.ruleId,
        ruleIndex: index.get(r.ruleId),
        level: r.level,
        message: { text: r.message },
        locations: [{
          physicalLocation: {
            artifactLocation: { uri: r.location.uri, uriBaseId: '%SRCROOT%' },
            region: { startLine: r.location.line ?? 1, ...(r.location.column !== undefined ? { startColumn: r.location.column } : {}) },
          },
        }],
        partialFingerprints: { meshLadder: r.fingerprint },
      })),
    }],
  };
}

function at(locator: CatalogLocator, path: ReadonlyArray<string | number>): SarifLocation {
  const pos = locator.locate(path);
  return { uri: locator.uri, ...(pos?.line !== undefined ? { line: pos.line } : {}), ...(pos?.column !== undefined ? { column: pos.column } : {}) };
}

function serviceIndex(spec: any, id: string | undefined): number {
  if (id === undefined || !Array.isArray(spec?.services)) {
    return -1;
  }
  const ns = typeof spec.namespace === 'string' ? spec.namespace : 'default';
  return spec.services.findIndex((s: any) => `${s?.namespace ?? ns}/${s?.name}` === id);
}

/**
 * The catalog field a flow most likely comes from when no edit explains it: the
 * source's calls (`outgoing`) or the destination's callers/exposure/ports, else the
 * service, else the top of the file.
 */
export function flowAnchor(spec: any, from: string, to: string, first: 'source' | 'destination'): Array<string | number> {
  const source = serviceIndex(spec, endpointService(from));
  const target = serviceIndex(spec, endpointService(to));
  const sourcePath = (): Array<string | number> | undefined => source < 0 ? undefined
    : spec.services[source].calls !== undefined ? ['services', source, 'calls'] : ['services', source];
  const targetPath = (): Array<string | number> | undefined => target < 0 ? undefined
    : (['callers', 'exposed', 'ports'].filter(k => spec.services[target][k] !== undefined).map(k => ['services', target, k])[0] ?? ['services', target]);
  return (first === 'source' ? sourcePath() ?? targetPath() : targetPath() ?? sourcePath()) ?? [];
}

const DIFF_RULES: SarifRule[] = [
  { id: 'undeclared-flow-change', level: 'error', description: 'A flow is opened or closed that the catalog does not declare (a hand edit, a widening setting, a call that silently disappears).' },
  { id: 'undeclared-request-change', level: 'error', description: 'An L7 request is let through or refused against what the catalog declares.' },
  { id: 'declared-flow-change', level: 'note', description: 'A flow opened or closed as the catalog edit declares.' },
  { id: 'declared-request-change', level: 'note', description: 'An L7 request let through or refused as the catalog edit declares.' },
  { id: 'transition-flow-change', level: 'note', description: 'A flow that changes with the phase transition.' },
  { id: 'transition-request-change', level: 'note', description: 'An L7 request that changes with the phase transition.' },
  { id: 'certificate-change', level: 'warning', description: 'A certificate whose issuing chain, lifetime, renewal or key rotation changed: check that renewal keeps trust.' },
];

const LEVEL: Record<ChangeClass, SarifLevel> = { declared: 'note', transition: 'note', undeclared: 'error' };

export interface DiffSarifOptions {
  readonly catalog: CatalogLocator;
  /** Where a hand-edited head object lives, when the head manifests were read from files. */
  readonly manifestUri?: (phase: string, kind: string, namespace: string | undefined, name: string) => string | undefined;
  readonly version: string;
}

function changeLocation(
  p: PhaseDiff, result: DiffResult, options: DiffSarifOptions, from: string, to: string, classification: ChangeClass, removed: boolean,
): SarifLocation {
  const drift = result.drift?.find(d => d.phase === p.headPhase)?.objects ?? [];
  if (classification === 'undeclared' && drift.length > 0 && options.manifestUri) {
    const services = [endpointService(from), endpointService(to)];
    const related = drift.find(o => services.some(s => s === `${o.namespace}/${o.name}`)) ?? drift[0];
    const uri = options.manifestUri(p.headPhase, related.kind, related.namespace, related.name);
    if (uri !== undefined) {
      return { uri, line: 1 };
    }
  }
  const edit: CatalogEdit | undefined = attributeEdit(result.edits, from, to);
  return at(options.catalog, edit?.path ?? flowAnchor(options.catalog.spec, from, to, removed ? 'source' : 'destination'));
}

/** The diff's changes as SARIF: every flow and request change (undeclared ones as errors) and every certificate change. */
export function diffSarif(result: DiffResult, options: DiffSarifOptions): unknown {
  const results: SarifResult[] = [];
  for (const p of result.phases) {
    const phase = p.basePhase === p.headPhase ? p.headPhase : `${p.basePhase} -> ${p.headPhase}`;
    for (const c of p.flows) {
      const what = `${c.change === 'added' ? 'opens' : 'closes'} ${formatFlow(c.flow)}`;
      results.push({
        ruleId: `${c.classification}-flow-change`,
        level: LEVEL[c.classification],
        message: `${phase}: ${c.classification} change ${what} (head proof: ${c.head})${c.reasons.length > 0 ? `; declared by ${c.reasons.join('; ')}` : ''}`,
        location: changeLocation(p, result, options, c.flow.from, c.flow.to, c.classification, c.change === 'removed'),
        fingerprint: `${phase}|${c.change}|${formatFlow(c.flow)}`,
      });
    }
    for (const c of p.requests) {
      results.push({
        ruleId: `${c.classification}-request-change`,
        level: LEVEL[c.classification],
        message: `${phase}: ${c.classification} change ${c.change === 'added' ? 'lets through' : 'refuses'} ${formatRequestFlow(c.request)}`
          + `${c.request.routeName ? ` (route ${c.request.routeName})` : ''} (head proof: ${c.head})`,
        location: changeLocation(p, result, options, c.request.from, c.request.to, c.classification, c.change === 'removed'),
        fingerprint: `${phase}|${c.change}|${formatRequestFlow(c.request)}`,
      });
    }
    for (const c of p.certificates) {
      const edit = result.edits.find(e => e.section === 'certificates' || (e.service !== undefined && `${e.section}` === 'certificate'));
      results.push({
        ruleId: 'certificate-change',
        level: 'warning',
        message: `${phase}: Certificate ${c.id} ${c.change}${c.what.length > 0 ? ` (${c.what.join(', ')})` : ''}`,
        location: at(options.catalog, edit?.path ?? ['certificates']),
        fingerprint: `${phase}|certificate|${c.id}|${c.change}`,
      });
    }
  }
  return sarifLog(options.version, DIFF_RULES, results, 'mesh-ladder-diff');
}

const CHECK_RULES: SarifRule[] = [
  { id: 'missing-flow', level: 'error', description: 'A declared flow the emitted policies do not allow: the call would silently fail.' },
  { id: 'unexpected-flow', level: 'error', description: 'A flow the emitted policies allow that the catalog does not declare.' },
  { id: 'missing-request', level: 'error', description: 'A declared L7 request the emitted policies refuse.' },
  { id: 'unexpected-request', level: 'error', description: 'An L7 request the emitted policies let through that the catalog does not declare.' },
  { id: 'invalid-manifest', level: 'error', description: 'An emitted object the analysis cannot read.' },
  { id: 'analysis-warning', level: 'warning', description: 'Something the analysis noticed about its inputs.' },
];

function lintPath(spec: any, f: LintFinding): Array<string | number> {
  const i = serviceIndex(spec, f.service);
  if (i < 0) {
    return [];
  }
  const routes = spec.services[i].routes;
  const k = f.route !== undefined && Array.isArray(routes) ? routes.findIndex((r: any) => r?.name === f.route) : -1;
  if (k >= 0) {
    return ['services', i, 'routes', k];
  }
  // `service shop/x call api.example.com`: the call entry with that host, service or range.
  const target = / call (\S+)$/.exec(f.subject)?.[1];
  const calls = spec.services[i].calls;
  const c = target !== undefined && Array.isArray(calls) ? calls.findIndex((x: any) => [x?.host, x?.service, x?.cidr, x?.peer].includes(target)) : -1;
  return c >= 0 ? ['services', i, 'calls', c] : ['services', i];
}

/** Lint findings as SARIF results (rule ids as `lint/<rule>`; suppressed findings as notes). */
export function lintSarifResults(lint: LintReport, locator: CatalogLocator, phase: string): { rules: SarifRule[]; results: SarifResult[] } {
  const rules = new Map<string, SarifRule>();
  const results = lint.findings.map(f => {
    const id = `lint/${f.rule}`;
    rules.set(id, { id, level: f.severity, description: `mesh-ladder lint rule ${f.rule}` });
    return {
      ruleId: id,
      level: f.suppressed !== undefined ? 'note' as const : f.severity,
      message: `${phase}: ${f.subject}: ${f.message}. Fix: ${f.fix}.${f.suppressed !== undefined ? ` Suppressed: ${f.suppressed}` : ''}`,
      location: at(locator, lintPath(locator.spec, f)),
      fingerprint: `${phase}|${f.rule}|${f.subject}`,
    };
  });
  return { rules: [...rules.values()].sort((a, b) => (a.id < b.id ? -1 : 1)), results };
}

/** The reachability proof's problems as SARIF results. */
export function reachabilitySarifResults(report: ReachabilityReport, locator: CatalogLocator, phase: string): SarifResult[] {
  const flows = (rule: string, list: ReadonlyArray<{ from: string; to: string; port: number; protocol: string }>, text: string, first: 'source' | 'destination', format: (f: any) => string) =>
    list.map(f => ({
      ruleId: rule,
      level: 'error' as const,
      message: `${phase}: ${text} ${format(f)}`,
      location: at(locator, flowAnchor(locator.spec, f.from, f.to, first)),
      fingerprint: `${phase}|${rule}|${format(f)}`,
    }));
  return [
    ...flows('missing-flow', report.missing, 'declared but not allowed:', 'source', formatFlow),
    ...flows('unexpected-flow', report.unexpected, 'allowed but not declared:', 'destination', formatFlow),
    ...flows('missing-request', report.requests?.missing ?? [], 'declared request refused:', 'source', formatRequestFlow),
    ...flows('unexpected-request', report.requests?.unexpected ?? [], 'undeclared request let through:', 'destination', formatRequestFlow),
    ...report.diagnostics.map(d => ({
      ruleId: d.severity === 'error' ? 'invalid-manifest' : 'analysis-warning',
      level: d.severity,
      message: `${phase}: ${d.subject}: ${d.message}`,
      location: at(locator, []),
      fingerprint: `${phase}|${d.subject}|${d.message}`,
    })),
  ];
}

/** `check --format sarif`: lint and proof of one or more phases in one log. */
export function checkSarif(
  phases: ReadonlyArray<{ phase: string; lint: LintReport; report: ReachabilityReport }>, locator: CatalogLocator, version: string,
): unknown {
  const rules = new Map(CHECK_RULES.map(r => [r.id, r]));
  const results: SarifResult[] = [];
  for (const { phase, lint, report } of phases) {
    const linted = lintSarifResults(lint, locator, phase);
    linted.rules.forEach(r => rules.set(r.id, r));
    results.push(...linted.results, ...reachabilitySarifResults(report, locator, phase));
  }
  return sarifLog(version, [...rules.values()], results, `mesh-ladder-check-${phases.map(p => p.phase).join('-')}`);
}
