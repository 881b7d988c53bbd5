/**
 * A service of the catalog: its pods, ports, routes, calls, callers and canary versions,
 * with its probes, traffic policy and lint suppressions. Re-exported by ../types.ts.
 */

import { CallSpec, CallerSpec } from './calls';
import { ServiceCertificateSpec } from './certificates';
import { PortSpec, RouteSpec } from './ports-routes';

/**
 * A version of a service, for canaries: a subset of its pods (by labels), or another
 * Service of the catalog that takes a share of the traffic (a clone, an
 * error-injection backend).
 */
export interface VersionSpec {
  /** Version name (DNS-1123 label). */
  readonly name: string;
  /**
   * Extra pod labels that select this version's pods.
   * @default - `{ version: <name> }` (none when `service` is set)
   */
  readonly labels?: Record<string, string>;
  /** Share of traffic in percent; the weights of a service sum to 100. */
  readonly weight: number;
  /**
   * Another catalog Service in the same namespace that backs this version instead of a
   * subset of this service's pods. It must serve every port of this service (by number).
   * Its callers are this service's callers.
   * @default - a subset of this service's pods
   */
  readonly service?: string;
  /**
   * Requests carrying all these headers (exact, lower-case names) go to this version,
   * whatever the weights: e.g. `{ x-canary: "true" }` for test users. Needs a phase with
   * request routing (linkerd, istio); the others refuse it.
   * @default - routed by weight only
   */
  readonly headers?: Record<string, string>;
  /**
   * Service account of this version's pods (their mesh identity).
   * @default - the service's
   */
  readonly serviceAccount?: string;
  /**
   * Calls that only this version's pods make, on top of the service's calls.
   * @default - none
   */
  readonly calls?: CallSpec[];
  /**
   * Request timeout of traffic routed to this version by its `headers` (weighted traffic
   * shares one route and so one timeout).
   * @default - the route's timeout
   */
  readonly timeout?: string;
}

/** A workload: a Service and the pods behind it (or only pods, when `clientOnly`). */
export interface ServiceSpec {
  /** Service name (DNS-1035 label). */
  readonly name: string;
  /**
   * Namespace.
   * @default - the catalog's `namespace`
   */
  readonly namespace?: string;
  /**
   * Pod labels that select the service's pods.
   * @default `{ app: <name> }`
   */
  readonly selector?: Record<string, string>;
  /**
   * Service account of the pods (the mesh identity).
   * @default - the service name
   */
  readonly serviceAccount?: string;
  /**
   * Ports. Required unless `clientOnly`.
   * @default - none
   */
  readonly ports?: PortSpec[];
  /**
   * Routes served by the service.
   * @default - none
   */
  readonly routes?: RouteSpec[];
  /**
   * Outgoing calls.
   * @default - none
   */
  readonly calls?: CallSpec[];
  /**
   * Reachable from the ingress controller on all ports. To expose only some ports or
   * routes, list `{ peer: ingress-controller, ports/routes }` in `callers` instead.
   * @default false
   */
  readonly exposed?: boolean;
  /**
   * Callers that are not catalog services (peers), each limited to ports or routes.
   * Catalog services declare their calls on the caller side (`calls`).
   * @default - none
   */
  readonly callers?: CallerSpec[];
  /**
   * Canary versions with weights summing to 100.
   * @default - one unversioned set of pods
   */
  readonly versions?: VersionSpec[];
  /**
   * A workload with no Service (a load generator, a job): it only calls.
   * @default false
   */
  readonly clientOnly?: boolean;
  /**
   * Certificate options.
   * @default - a certificate with the catalog defaults
   */
  readonly certificate?: ServiceCertificateSpec;
  /**
   * Connection pool and outlier detection (phases with client-side load balancing).
   * @default - the phase's defaults
   */
  readonly trafficPolicy?: TrafficPolicySpec;
  /**
   * The kubelet probes of the service's pods, so phases that authorize requests keep them
   * working (Linkerd stops authorizing probes on its own once a port has route-level
   * authorization).
   * @default - unknown: phases that must authorize probes warn instead
   */
  readonly probes?: ProbesSpec;
  /**
   * Number of pods, for the cost assessment (proxy memory); `--replicas-file` overrides.
   * @default 2
   */
  readonly replicas?: number;
  /**
   * Lint rules switched off for this service, each with the reason (shown in reports).
   * @default - every rule applies
   */
  readonly suppress?: LintSuppressionSpec[];
}

/** The kubelet probes (liveness, readiness, startup) of a service's pods. */
export interface ProbesSpec {
  /**
   * Paths of the HTTP GET probes on the service's HTTP ports (exact paths, e.g.
   * `/healthz`); an empty list says the pods have no HTTP probes.
   * @default - unknown
   */
  readonly httpPaths?: string[];
  /**
   * Whether the pods use kubelet-native gRPC probes (`grpc.health.v1.Health/Check`) on
   * their gRPC ports. `false`: they do not (exec probes dial localhost, which meshes
   * always allow).
   * @default - unknown
   */
  readonly grpc?: boolean;
}

/** A lint rule switched off for one service. */
export interface LintSuppressionSpec {
  /** Rule id, e.g. `route-without-timeout`. */
  readonly rule: string;
  /** Why the rule does not apply here (required: it is printed with every report). */
  readonly reason: string;
}

/** Connection pool and outlier detection settings. Unset fields keep the phase default. */
export interface TrafficPolicySpec {
  /**
   * Maximum TCP connections to the service.
   * @default - phase default
   */
  readonly maxConnections?: number;
  /**
   * TCP connect timeout.
   * @default - phase default
   */
  readonly connectTimeout?: string;
  /**
   * Maximum pending HTTP/1.1 requests.
   * @default - phase default
   */
  readonly http1MaxPendingRequests?: number;
  /**
   * Maximum concurrent HTTP/2 requests.
   * @default - phase default
   */
  readonly http2MaxRequests?: number;
  /**
   * Maximum requests per connection (1 disables keep-alive).
   * @default - phase default
   */
  readonly maxRequestsPerConnection?: number;
  /**
   * Maximum concurrent retries to the service.
   * @default - phase default
   */
  readonly maxRetries?: number;
  /**
   * Idle timeout of upstream connections.
   * @default - phase default
   */
  readonly idleTimeout?: string;
  /**
   * Consecutive 5xx errors before a host is ejected.
   * @default - phase default
   */
  readonly consecutive5xxErrors?: number;
  /**
   * Interval between ejection sweeps.
   * @default - phase default
   */
  readonly interval?: string;
  /**
   * Minimum ejection duration.
   * @default - phase default
   */
  readonly baseEjectionTime?: string;
  /**
   * Maximum share of hosts ejected, in percent.
   * @default - phase default
   */
  readonly maxEjectionPercent?: number;
}
