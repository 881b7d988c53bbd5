/**
 * Istio facts the istio phase emits and the analysis reads: label and annotation names,
 * the names of the namespace-wide objects, the made-up host suffixes, the API server's
 * ports. Label/annotation names from istio.io/latest/docs/reference/config/labels and
 * annotations. The analysis still re-declares some of these (see docs/ARCHITECTURE.md).
 */

/** Label that turns on sidecar injection for a namespace. */
export const INJECTION_LABEL = 'istio-injection';
/** Label that injects a namespace's pods with the sidecars of one control-plane revision. */
export const REVISION_LABEL = 'istio.io/rev';
/** API group of AuthorizationPolicy and PeerAuthentication: the objects Istio authorizes by. */
export const SECURITY_GROUP = 'security.istio.io';
/** Annotation that makes an AuthorizationPolicy evaluated and logged, not enforced. */
export const DRY_RUN_ANNOTATION = 'istio.io/dry-run';
/** Names of the namespace-wide objects (per-service objects avoid them). */
export const NAMESPACE_DEFAULT_NAME = 'default';
export const ALLOW_NOTHING_NAME = 'allow-nothing';
export const TELEMETRY_NAME = 'tracing';
/** Name of the catch-all HTTP route of every VirtualService. */
export const CATCH_ALL_ROUTE = 'catch-all';
/** Suffix of the header-scoped fault-injection route placed before a route. */
export const FAULT_ROUTE_SUFFIX = '-fault-injection';
/** DNS suffix of the made-up hosts of CIDR ServiceEntries (never resolved). */
export const CIDR_HOST_SUFFIX = 'cidr.mesh-ladder.internal';
/** DNS suffix of the made-up hosts of peer ServiceEntries (world ranges, API server addresses). */
export const PEER_HOST_SUFFIX = 'peer.mesh-ladder.internal';
/** Prefix of the namespace-wide AuthorizationPolicies that admit calls into a peer's pods. */
export const PEER_POLICY_PREFIX = 'peer-';
/** Ports of the API server behind the `kubernetes` Service (443) and on its endpoints (often 6443). */
export const KUBE_APISERVER_SERVICE_PORTS: readonly number[] = [443, 6443];
