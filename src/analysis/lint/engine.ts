/**
 * Lint of emitted manifests and of the catalog: rules that catch configurations that work
 * in the happy path and hurt in production. Each rule has an id, a severity (errors fail),
 * and findings that name the object and route, say what goes wrong, and how to fix it.
 *
 * The engine runs both kinds of rule (./rules.ts lists them; ./rule.ts says what a rule
 * is), applies the catalog's suppressions, sorts the findings and formats them. Manifest
 * rules read the EMITTED objects (hand-edited or from any generator), optionally with the
 * catalog to know which routes are idempotent; catalog rules read the resolved catalog and
 * the phase.
 */
import { collectHttpRoutes } from './http-routes';
import { CatalogLintContext, LintContext, LintFinding, LintReport, LintRule, LintRuleOf } from './rule';
import { CATALOG_LINT_RULES, LINT_RULES } from './rules';
import { compareStrings } from '../../model/compare';
import { ResolvedCatalog } from '../../model/resolved';

/** The findings of `rules` over one context, in rule order. */
function runRules<C>(rules: ReadonlyArray<LintRuleOf<C>>, context: C): LintFinding[] {
  return rules.flatMap(rule => rule.check(context));
}

/** Errors first, then warnings, then suppressed findings; each by subject, then rule. */
function sortFindings(findings: LintFinding[]): LintFinding[] {
  const rank = (f: LintFinding) => (f.suppressed !== undefined ? 2 : f.severity === 'error' ? 0 : 1);
  return findings.sort((a, b) => rank(a) - rank(b) || compareStrings(a.subject, b.subject) || compareStrings(a.rule, b.rule));
}

/** The report of `findings`: sorted, and ok when no error is left unsuppressed. */
function lintReport(findings: LintFinding[]): LintReport {
  return { findings: sortFindings(findings), ok: !findings.some(f => f.severity === 'error' && f.suppressed === undefined) };
}

/** Runs the manifest rules over the manifests. */
export function lintManifests(
  manifests: ReadonlyArray<unknown>,
  options: { readonly catalog?: ResolvedCatalog; readonly rules?: ReadonlyArray<LintRule> } = {},
): LintReport {
  const context: LintContext = { manifests, catalog: options.catalog, httpRoutes: collectHttpRoutes(manifests, options.catalog) };
  return lintReport(runRules(options.rules ?? LINT_RULES, context));
}

/** `error retry-non-idempotent VirtualService shop/cart route add-item: ... Fix: ...` */
export function formatLintFinding(f: LintFinding): string {
  return `${f.suppressed !== undefined ? `suppressed ${f.severity}` : f.severity} ${f.rule} ${f.subject}: ${f.message}. Fix: ${f.fix}.`
    + (f.suppressed !== undefined ? ` Suppressed: ${f.suppressed}` : '');
}

/** The findings one per line, then a summary line. */
export function formatLintText(report: LintReport): string {
  const active = report.findings.filter(f => f.suppressed === undefined);
  const errors = active.filter(f => f.severity === 'error').length;
  const warnings = active.length - errors;
  const suppressed = report.findings.length - active.length;
  return [...report.findings.map(formatLintFinding),
    `lint: ${errors} error(s), ${warnings} warning(s)${suppressed > 0 ? `, ${suppressed} suppressed` : ''}: ${report.ok ? 'OK' : 'FAIL'}`].join('\n') + '\n';
}

/** Every rule id a suppression may name. */
export function lintRuleIds(): string[] {
  return [...LINT_RULES.map(r => r.id), ...CATALOG_LINT_RULES.map(r => r.id)].sort();
}

/**
 * The whole lint of one phase: catalog rules, manifest rules over the phase's emitted
 * objects, and the catalog's suppressions (each service's `suppress` entries; an unknown
 * rule id is itself an error).
 */
export function lintPhase(catalog: ResolvedCatalog, phase: string, manifests: ReadonlyArray<unknown>): LintReport {
  const found = [
    ...runRules<CatalogLintContext>(CATALOG_LINT_RULES, { catalog, phase }),
    ...lintManifests(manifests, { catalog }).findings,
  ];
  const known = new Set(lintRuleIds());
  const unknown: LintFinding[] = catalog.services.flatMap(s => s.suppressions.filter(x => !known.has(x.rule)).map(x => ({
    rule: 'unknown-lint-rule',
    severity: 'error' as const,
    subject: `service ${s.id} suppress ${x.rule}`,
    service: s.id,
    message: `suppresses "${x.rule}", which is no lint rule`,
    fix: `name one of: ${[...known].join(', ')}`,
  })));
  const findings = [...found, ...unknown].map(f => {
    const service = f.service !== undefined ? catalog.services.find(s => s.id === f.service) : undefined;
    const suppression = f.rule === 'unknown-lint-rule' ? undefined : service?.suppressions.find(x => x.rule === f.rule);
    return suppression ? { ...f, suppressed: suppression.reason } : f;
  });
  return lintReport(findings);
}
