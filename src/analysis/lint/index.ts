/**
 * Lint: the engine (./engine.ts), what a rule is (./rule.ts), the registry (./rules.ts)
 * and the rules by topic: retry-rules (emitted VirtualServices), route-rules,
 * certificate-rules, exposure-rules, phase-rules (the catalog).
 */
export { formatLintFinding, formatLintText, lintManifests, lintPhase, lintRuleIds } from './engine';
export { collectHttpRoutes } from './http-routes';
export { CERTIFICATE_LINT_RULES } from './certificate-rules';
export { effectiveRetries, MAX_RETRIES_LINT_FLOOR, PRE_REQUEST_RETRY_ON, routeIsIdempotent } from './retry-rules';
export type {
  CatalogLintContext, CatalogLintRule, LintContext, LintFinding, LintHttpRoute, LintReport, LintRule, LintRuleOf, LintSeverity,
} from './rule';
export { CATALOG_LINT_RULES, LINT_RULES } from './rules';
export { ISTIO_DEFAULT_ATTEMPTS, ISTIO_DEFAULT_RETRY_ON } from '../../model/mesh-facts/istio';
