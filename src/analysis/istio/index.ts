/**
 * Istio (sidecar mode) analysis: `parse` (manifests to typed config), `matching` (Istio's
 * value, path and host matching), `authorization` (AuthorizationPolicy rules), `evaluator`
 * (`IstioEvaluator`: egress, mTLS, authorization per connection and request), `check`
 * (`checkIstioReachability`, the phase's proof). The semantics are described in evaluator.ts.
 */
export { checkIstioReachability, detectL4Layer } from './check';
export type { IstioL4Layer, IstioReachabilityOptions } from './check';
export { IstioEvaluator } from './evaluator';
export type { IstioAnalysisOptions } from './evaluator';
export { istioPathMatches, istioValueMatches } from './matching';
export { parseIstioConfig } from './parse';
export type { ParsedIstioConfig } from './parse';
