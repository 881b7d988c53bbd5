/**
 * Istio facts the istio phase emits and the analysis reads: label and annotation names,
 * the names of the namespace-wide objects, the made-up host suffixes, the API server's
 * ports. Label/annotation names from istio.io/latest/docs/reference/config/labels and
 * annotations. The analysis (src/analysis/istio/, src/analysis/lint/) reads them from here.
 */

/** API group of PeerAuthentication and AuthorizationPolicy. */
export const SECURITY_GROUP = 'security.istio.io';
/** API group of VirtualService, DestinationRule, ServiceEntry and Sidecar. */
export const NETWORKING_GROUP = 'networking.istio.io';

/** Label that turns on sidecar injection for a namespace. */
export const INJECTION_LABEL = 'istio-injection';
/** Values of `INJECTION_LABEL`: `enabled` injects, `disabled` wins over a revision label. */
export const INJECTION_ENABLED = 'enabled';
export const INJECTION_DISABLED = 'disabled';
/** Label that injects the sidecar of a named control-plane revision (unless `INJECTION_LABEL` is `disabled`). */
export const REVISION_LABEL = 'istio.io/rev';

/**
 * PeerAuthentication mTLS modes (security.istio.io PeerAuthentication.MutualTLS.Mode):
 * UNSET inherits from the parent scope; with nothing set, a sidecar is PERMISSIVE.
 */
export type MtlsMode = 'UNSET' | 'DISABLE' | 'PERMISSIVE' | 'STRICT';
export const MTLS_MODES: ReadonlySet<string> = new Set(['UNSET', 'DISABLE', 'PERMISSIVE', 'STRICT']);

/** The mesh identity of pods running as `serviceAccount` in `namespace` (`source.principals`). */
export function principal(trustDomain: string, namespace: string, serviceAccount: string): string {
  return `${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;
}

/**
 * What a VirtualService http route without a `retries` block (or without `retryOn`) retries
 * on, and how often (503 the retriable status code): istio/istio
 * pilot/pkg/networking/core/route/retry/retry.go, the default retry policy. The classic
 * duplicated-POST bug (istio/istio#13851, #27340).
 */
export const ISTIO_DEFAULT_RETRY_ON = 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes';
export const ISTIO_DEFAULT_ATTEMPTS = 2;

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
