/**
 * Linkerd (2.16+) analysis: inbound authorization semantics over the endpoint universe,
 * from the emitted manifests, combined (AND) with the L4 layer underneath, and checks of
 * the outbound routes (retry safety, canary routing). By role:
 * - parse.ts: manifest objects -> parsed Servers, authentications, policies, routes;
 * - route-precedence.ts: request matching and linkerd2-proxy's route precedence;
 * - authorization.ts: what default policies and AuthorizationPolicies authorize;
 * - object-index.ts: routes and policies filed by namespace and name, for the evaluator;
 * - evaluator.ts: `LinkerdEvaluator`, Linkerd's verdict per connection and request;
 * - mesh-evaluator.ts: `LinkerdMeshEvaluator`, Linkerd AND the L4 layer (proxy port 4143);
 * - route-checks.ts: retry safety and canary routing of the outbound routes;
 * - check.ts: `checkLinkerdReachability`, the linkerd phase's proof.
 */
export type { LinkerdDecision } from './authorization';
export { checkLinkerdReachability } from './check';
export type { LinkerdReachabilityOptions } from './check';
export { LinkerdEvaluator } from './evaluator';
export type { LinkerdAnalysisOptions } from './evaluator';
export { LinkerdMeshEvaluator } from './mesh-evaluator';
export type { LinkerdDefaultPolicy, ParsedRoute, RouteBackend, RouteParent, RoutedRequest } from './parse';
export { canaryRoutingProblems, retrySafetyProblems } from './route-checks';
export { winningRules } from './route-precedence';
export type { WinningRule } from './route-precedence';
