/**
 * The service description: plain readonly data shared by the TypeScript API and the YAML
 * catalog. The catalog's JSON Schema is generated from these interfaces
 * (scripts/gen-schema.ts), so a field added here is a catalog key too.
 *
 * Durations are strings in Go/Kubernetes notation (`500ms`, `2s`, `1h30m`, `2160h`),
 * because that is what both YAML authors and the emitted manifests use.
 */

/** Application protocol spoken on a port. */
export enum PortProtocol {
  /** HTTP/1.1 (L7 rules possible). */
  HTTP = 'http',
  /** HTTP/2 cleartext (L7 rules possible). */
  HTTP2 = 'http2',
  /** gRPC over HTTP/2 (L7 rules possible). */
  GRPC = 'grpc',
  /** Opaque TCP. */
  TCP = 'tcp',
  /** UDP. */
  UDP = 'udp',
  /** TLS terminated by the application (opaque to the mesh). */
  TLS = 'tls',
}

/** HTTP request methods (RFC 9110 §9). */
export enum HttpMethod {
  GET = 'GET',
  HEAD = 'HEAD',
  POST = 'POST',
  PUT = 'PUT',
  DELETE = 'DELETE',
  PATCH = 'PATCH',
  OPTIONS = 'OPTIONS',
  TRACE = 'TRACE',
  CONNECT = 'CONNECT',
}

/**
 * Conditions under which a request may be retried.
 *
 * Only `connect-failure`, `refused-stream` and `reset-before-request` fire before the
 * server has seen the request; they are the only ones allowed on non-idempotent routes.
 */
export enum RetryCondition {
  /** The connection could not be established. Safe for any request. */
  CONNECT_FAILURE = 'connect-failure',
  /** The server refused the HTTP/2 stream (REFUSED_STREAM). Safe for any request. */
  REFUSED_STREAM = 'refused-stream',
  /** The connection was reset before the request was sent. Safe for any request. */
  RESET_BEFORE_REQUEST = 'reset-before-request',
  /** Any reset, including after the request was sent. Idempotent routes only. */
  RESET = 'reset',
  /** 502, 503 and 504 responses. Idempotent routes only. */
  GATEWAY_ERROR = 'gateway-error',
  /** Any 5xx response. Idempotent routes only. */
  SERVER_ERROR = '5xx',
  /** gRPC status UNAVAILABLE. Idempotent routes only. */
  UNAVAILABLE = 'unavailable',
  /** gRPC status CANCELLED. Idempotent routes only. */
  CANCELLED = 'cancelled',
  /** gRPC status DEADLINE_EXCEEDED. Idempotent routes only. */
  DEADLINE_EXCEEDED = 'deadline-exceeded',
  /** gRPC status RESOURCE_EXHAUSTED. Idempotent routes only. */
  RESOURCE_EXHAUSTED = 'resource-exhausted',
}

/** A port of a service. */
export interface PortSpec {
  /**
   * Port name (DNS-1123 label, at most 15 characters). Calls and routes refer to a port
   * by this name or by its number.
   * @default - unnamed: referred to by number
   */
  readonly name?: string;
  /** Service port that clients dial (1-65535). */
  readonly port: number;
  /**
   * Container port the pods listen on. Policies are written against this port.
   * @default - same as `port`
   */
  readonly targetPort?: number;
  /**
   * Application protocol.
   * @default PortProtocol.TCP
   */
  readonly protocol?: PortProtocol;
  /**
   * The port must accept plaintext from outside the mesh (e.g. a metrics scrape by a
   * non-meshed Prometheus): mesh phases make a port-level mTLS exception for it.
   * @default false
   */
  readonly plaintext?: boolean;
  /**
   * The port serves metrics: the `monitoring` peer (Prometheus) may call it, and only it.
   * An unmeshed scraper (the default) makes the port accept plaintext in mesh phases.
   * @default false
   */
  readonly metrics?: boolean;
}

/** HTTP request match of a route. Give at most one of `path`, `pathPrefix`, `pathRegex`. */
export interface HttpMatchSpec {
  /**
   * Request method. Decides whether the route is idempotent (RFC 9110 §9.2.2).
   * @default - any method (the route is then non-idempotent unless declared)
   */
  readonly method?: HttpMethod;
  /**
   * Exact request path.
   * @default - no exact path
   */
  readonly path?: string;
  /**
   * Path prefix (segment-wise, like Gateway API `PathPrefix`).
   * @default - no prefix
   */
  readonly pathPrefix?: string;
  /**
   * Path regular expression (RE2 syntax, matched against the whole path).
   * @default - no regular expression
   */
  readonly pathRegex?: string;
}

/** gRPC request match of a route. */
export interface GrpcMatchSpec {
  /** Fully qualified gRPC service, e.g. `shop.Checkout`. */
  readonly service: string;
  /**
   * Method name, e.g. `PlaceOrder`.
   * @default - every method of the service
   */
  readonly method?: string;
}

/** Retry policy of a route. */
export interface RetrySpec {
  /** Number of retries after the first try (0 disables retries). */
  readonly attempts: number;
  /**
   * Timeout of each try.
   * @default - the route timeout
   */
  readonly perTryTimeout?: string;
  /**
   * Conditions that trigger a retry.
   * @default - idempotent routes: connect-failure, refused-stream, unavailable, cancelled, gateway-error; others: connect-failure, refused-stream, reset-before-request
   */
  readonly on?: RetryCondition[];
}

/** A named request class of a service: HTTP method and path, or gRPC service/method. */
export interface RouteSpec {
  /** Route name (DNS-1123 label), unique within the service. */
  readonly name: string;
  /**
   * HTTP match. Give exactly one of `http` and `grpc`.
   * @default - not an HTTP route
   */
  readonly http?: HttpMatchSpec;
  /**
   * gRPC match. Give exactly one of `http` and `grpc`.
   * @default - not a gRPC route
   */
  readonly grpc?: GrpcMatchSpec;
  /**
   * Port (name or number) that serves this route.
   * @default - every HTTP, HTTP/2 or gRPC port of the service that fits the route kind
   */
  readonly port?: string | number;
  /**
   * Whether repeating the request is harmless.
   * @default - derived from the HTTP method (GET, HEAD, OPTIONS, TRACE, PUT, DELETE are idempotent); gRPC and method-less routes are not
   */
  readonly idempotent?: boolean;
  /**
   * Overall request timeout.
   * @default - no route timeout (mesh phases apply their own default)
   */
  readonly timeout?: string;
  /**
   * Retry policy.
   * @default - no retries
   */
  readonly retries?: RetrySpec;
  /**
   * Fault injection for testing (phases that support it). Never on unless set here.
   * @default - no fault injection
   */
  readonly fault?: FaultSpec;
  /**
   * Let a phase that cannot enforce the limit to this route exactly enforce it wider
   * (e.g. Istio authorization paths for a regular expression, or a Linkerd route that
   * wins some of this route's requests): synthesis warns, listing the extra requests the
   * callers limited to this route are allowed, and `check` reports them as tolerated.
   * Without it such a phase refuses to synthesize. See docs/routes.md.
   * @default - the catalog's `l7Widening`
   */
  readonly allowWiderEnforcement?: boolean;
}

/** Injected delay. */
export interface FaultDelaySpec {
  /** Delay before forwarding the request. */
  readonly fixedDelay: string;
  /** Share of requests delayed, in percent (0-100). */
  readonly percent: number;
}

/** Injected failure. Give exactly one of `httpStatus` and `grpcStatus`. */
export interface FaultAbortSpec {
  /**
   * HTTP status returned.
   * @default - not an HTTP abort
   */
  readonly httpStatus?: number;
  /**
   * gRPC status name returned (e.g. `UNAVAILABLE`).
   * @default - not a gRPC abort
   */
  readonly grpcStatus?: string;
  /** Share of requests aborted, in percent (0-100). */
  readonly percent: number;
}

/** Fault injection of a route, for testing resilience. */
export interface FaultSpec {
  /**
   * Delay some requests.
   * @default - no delay
   */
  readonly delay?: FaultDelaySpec;
  /**
   * Fail some requests.
   * @default - no abort
   */
  readonly abort?: FaultAbortSpec;
  /**
   * Only requests with these exact header values are affected.
   * @default - every request of the route
   */
  readonly headers?: Record<string, string>;
}

/**
 * An outgoing call. Give exactly one of `service`, `peer`, `host` and `cidr`.
 */
export interface CallSpec {
  /**
   * Callee service in this catalog: `name` (in the caller's namespace) or `namespace/name`.
   * @default - not a service call
   */
  readonly service?: string;
  /**
   * Callee outside the catalog, by peer name: one of `peers`, or a built-in peer
   * (`kube-apiserver`, `world`, `cluster`, `monitoring`). Needs `port` or `ports`
   * (numbers), except for `kube-apiserver`, whose ports are known.
   * @default - not a peer call
   */
  readonly peer?: string;
  /**
   * External DNS name (e.g. `api.stripe.com`, `*.example.com`). Needs `port` or `ports`.
   * @default - not a host call
   */
  readonly host?: string;
  /**
   * IPv4 or IPv6 CIDR outside the cluster. Needs `port` or `ports`.
   * @default - not a CIDR call
   */
  readonly cidr?: string;
  /**
   * Address ranges behind `host`, for phases that cannot match DNS names (baseline
   * NetworkPolicy): the call becomes an ipBlock there and a DNS match elsewhere.
   * @default - none: phases without DNS matching refuse the call
   */
  readonly cidrs?: string[];
  /**
   * CIDRs excluded from `cidr`.
   * @default - none
   */
  readonly except?: string[];
  /**
   * One port: a callee port name or number for service calls, a number otherwise.
   * @default - all ports of the callee service
   */
  readonly port?: string | number;
  /**
   * Several ports, like `port`.
   * @default - all ports of the callee service
   */
  readonly ports?: Array<string | number>;
  /**
   * Protocol of `peer`, `host` and `cidr` calls.
   * @default PortProtocol.TCP
   */
  readonly protocol?: PortProtocol;
  /**
   * Limit the call to these routes of the callee (names).
   * @default - every route (and any request) on the called ports
   */
  readonly routes?: string[];
}

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

/**
 * A caller that is not a catalog service: a peer (see `CatalogSpec.peers`) allowed to
 * call some ports or routes of the service.
 */
export interface CallerSpec {
  /**
   * Peer name: one of `peers`, or a built-in peer (`ingress-controller`, `monitoring`,
   * `kube-apiserver`, `world`, `cluster`).
   */
  readonly peer: string;
  /**
   * One port of this service (name or number).
   * @default - every port (or those serving `routes`)
   */
  readonly port?: string | number;
  /**
   * Several ports, like `port`.
   * @default - every port (or those serving `routes`)
   */
  readonly ports?: Array<string | number>;
  /**
   * Limit the peer to these routes of this service (names).
   * @default - any request on the ports
   */
  readonly routes?: string[];
}

/**
 * A party outside the catalog that calls catalog services or is called by them. Give
 * exactly one scope: `namespace`, `namespaceSelector`, `allNamespaces`, `world` or
 * `kubeApiServer`.
 */
export interface PeerSpec {
  /**
   * Name that `calls[].peer` and `callers[].peer` use (DNS-1123 label). Declaring
   * `monitoring`, `kube-apiserver`, `world` or `cluster` replaces the built-in peer.
   */
  readonly name: string;
  /**
   * Pods in this namespace.
   * @default - not a single-namespace peer
   */
  readonly namespace?: string;
  /**
   * Pods in every namespace carrying these labels.
   * @default - not a namespace-selector peer
   */
  readonly namespaceSelector?: Record<string, string>;
  /**
   * Pods in any namespace of the cluster.
   * @default false
   */
  readonly allNamespaces?: boolean;
  /**
   * Only pods with these labels (with `namespace`, `namespaceSelector`, `allNamespaces`).
   * @default - every pod in scope
   */
  readonly selector?: Record<string, string>;
  /**
   * Service account of the peer's pods (needs `namespace`): the mesh identity mesh phases
   * authorize. Without it, mesh phases can only authorize the peer's namespace(s).
   * @default - unknown
   */
  readonly serviceAccount?: string;
  /**
   * Addresses outside the cluster: all of them, or those in `cidrs` (a partner network).
   * @default false
   */
  readonly world?: boolean;
  /**
   * The Kubernetes API server (it calls admission webhooks and aggregated APIs; operators
   * call it). Phases that cannot name it (NetworkPolicy, Linkerd, Istio) need `cidrs`.
   * @default false
   */
  readonly kubeApiServer?: boolean;
  /**
   * Address ranges of a `world` peer (default: everything outside the cluster) or of the
   * API server (its endpoint addresses, e.g. the control-plane nodes).
   * @default - world: 0.0.0.0/0 and ::/0; kube-apiserver: none
   */
  readonly cidrs?: string[];
  /**
   * Ports of the peer as a callee, for calls that give none.
   * @default - kube-apiserver: 443 and 6443; others: calls must give ports
   */
  readonly ports?: number[];
  /**
   * The peer's pods run in the mesh (they present a mesh identity). Unmeshed callers
   * reach a meshed service in plaintext: the ports they call accept plaintext in mesh
   * phases. The world and the API server are never meshed.
   * @default - true for pod peers, except `monitoring` (false)
   */
  readonly meshed?: boolean;
}

/** Per-service certificate options. */
export interface ServiceCertificateSpec {
  /**
   * Issue a certificate for this service.
   * @default true (not for client-only workloads, which get a client certificate only when enabled explicitly)
   */
  readonly enabled?: boolean;
  /**
   * Secret to store the key pair in.
   * @default `<name>-tls`
   */
  readonly secretName?: string;
  /**
   * Extra DNS names.
   * @default - none
   */
  readonly extraDnsNames?: string[];
  /**
   * Certificate lifetime.
   * @default - the catalog's certificate duration
   */
  readonly duration?: string;
  /**
   * How long before expiry to renew.
   * @default - the catalog's renewBefore
   */
  readonly renewBefore?: string;
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

/** Where a cluster component runs: a namespace and pod labels. */
export interface WorkloadLocationSpec {
  /** Namespace. */
  readonly namespace: string;
  /** Pod labels. */
  readonly selector: Record<string, string>;
  /**
   * Service account of the pods: the mesh identity that mesh phases authorize.
   * @default - ingress controller: `ingress-nginx`; DNS: `coredns`
   */
  readonly serviceAccount?: string;
}

/** A reference to an existing cert-manager issuer. */
export interface IssuerRefSpec {
  /** Issuer name. */
  readonly name: string;
  /**
   * `ClusterIssuer` or `Issuer`.
   * @default 'ClusterIssuer'
   */
  readonly kind?: string;
  /**
   * API group of the issuer.
   * @default 'cert-manager.io'
   */
  readonly group?: string;
}

/** Stages of a planned root rotation. */
export enum RootRotationStage {
  /** The next root is created and joins every trust bundle; the current root still signs. */
  DISTRIBUTE = 'distribute',
  /** The next root signs the intermediates; both roots stay in every bundle. */
  ISSUE = 'issue',
}

/** A planned replacement of the generated root. */
export interface RootRotationSpec {
  /** Name of the new root (Certificate, Secret and CA ClusterIssuer). */
  readonly nextRoot: string;
  /** How far the rotation has gone. */
  readonly stage: RootRotationStage;
  /**
   * How long both roots stay in the bundles after the new root starts signing: it must
   * outlast every leaf and intermediate issued under the old root.
   * @default - the longest leaf duration (also the minimum the linter accepts)
   */
  readonly overlap?: string;
}

/** Catalog-wide certificate settings. */
export interface CertificateDefaultsSpec {
  /**
   * Issue certificates at all.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Use this existing issuer instead of generating a CA chain (enterprise PKI, Vault, a
   * private ACME CA). Its root is not known here: distribute it with your own Bundle.
   * @default - a generated hierarchy: self-signed root, intermediate issuing CA, CA ClusterIssuers
   */
  readonly issuerRef?: IssuerRefSpec;
  /**
   * Leaf certificate lifetime.
   * @default '2160h'
   */
  readonly duration?: string;
  /**
   * Renew leaf certificates this long before expiry.
   * @default '720h'
   */
  readonly renewBefore?: string;
  /**
   * Lifetime of the generated intermediate (issuing) CA `<caName>-ca`, which cert-manager
   * renews with a new key; it must exceed the leaf duration plus renewBefore.
   * @default '43800h' (5 years)
   */
  readonly caDuration?: string;
  /**
   * Renew the intermediate CA this long before expiry.
   * @default '8760h'
   */
  readonly caRenewBefore?: string;
  /**
   * Name of the generated self-signed root (Certificate, Secret and CA ClusterIssuer).
   * Its key never rotates by itself (`rotationPolicy: Never`); replace it with `rootRotation`.
   * @default `<caName>-root`
   */
  readonly rootName?: string;
  /**
   * Lifetime of the generated root; it must exceed the intermediate's lifetime.
   * @default '87600h' (10 years)
   */
  readonly rootDuration?: string;
  /**
   * Renew the root (same key, so everything it signed keeps verifying) this long before expiry.
   * @default '8760h'
   */
  readonly rootRenewBefore?: string;
  /**
   * A staged root rotation in progress (see docs/certificates.md): a new root joins the
   * trust bundles, then signs the intermediates; when `overlap` has passed, set
   * `rootName` to the new root and drop this field.
   * @default - no rotation in progress
   */
  readonly rootRotation?: RootRotationSpec;
  /**
   * Namespace of cert-manager (where the CA secret lives).
   * @default 'cert-manager'
   */
  readonly caNamespace?: string;
  /**
   * Name prefix of the generated issuers and CA.
   * @default 'mesh-ladder'
   */
  readonly caName?: string;
  /**
   * Distribute the CA with a trust-manager Bundle.
   * @default true
   */
  readonly trustBundle?: boolean;
  /**
   * Emit a PrometheusRule alerting on certificates close to expiry.
   * @default false
   */
  readonly expiryAlert?: boolean;
  /**
   * With `expiryAlert`: alert when a certificate expires within this time.
   * @default '168h'
   */
  readonly expiryAlertBefore?: string;
  /**
   * With `expiryAlert`: where your copy of the certificate runbook (docs/certificates.md)
   * is served; each alert's `runbook_url` annotation points at its section.
   * @default 'docs/certificates.md'
   */
  readonly alertRunbookUrl?: string;
}

/** A namespace the catalog uses. */
export interface NamespaceSpec {
  /** Namespace name. */
  readonly name: string;
  /**
   * Extra labels for the namespace.
   * @default - none
   */
  readonly labels?: Record<string, string>;
  /**
   * Whether the platform team owns this namespace: owned namespaces get a Namespace
   * object and namespace-wide default-deny; others only per-service policies.
   * @default true
   */
  readonly owned?: boolean;
}

/**
 * What a phase does with request-level features it cannot express: header routes
 * (`versions[].headers`, per-version timeouts) and header-scoped faults.
 */
export enum L7Fallback {
  /** Refuse to synthesize, naming the feature and the phases that express it. */
  REFUSE = 'refuse',
  /**
   * Synthesize without the feature and warn (e.g. the baseline of a catalog that already
   * describes its mesh-phase canaries): requests then reach every version's pods.
   */
  SKIP = 'skip',
}

/**
 * What a phase does with a route limit it can enforce only wider than declared (see
 * docs/routes.md for the route forms each phase enforces exactly).
 */
export enum L7Widening {
  /** Refuse to synthesize, naming the service, route, callers and phase. */
  REFUSE = 'refuse',
  /** Enforce the limit wider and warn, listing the extra requests allowed. */
  ALLOW = 'allow',
}

/** Which L4 enforcement stays under a mesh. */
export enum L4Layer {
  /** CiliumNetworkPolicy at L3/L4 only (L7 is the mesh's job). */
  CILIUM = 'cilium',
  /** Kubernetes NetworkPolicy. */
  NETWORK_POLICY = 'networkpolicy',
  /** No L4 enforcement: the mesh alone. */
  NONE = 'none',
}

/** Where a migration stands. */
export enum MeshMode {
  /** Observe, do not break: plaintext accepted, authorization audited. */
  PERMISSIVE = 'permissive',
  /** Final state: mTLS required, authorization enforced. */
  ENFORCED = 'enforced',
}

/** Settings of the baseline phase. */
export interface BaselineSettingsSpec {
  /**
   * Emit Namespace objects (with the catalog's labels) for owned namespaces.
   * @default true
   */
  readonly namespaces?: boolean;
  /**
   * Emit default-deny and DNS-allow NetworkPolicies in owned namespaces.
   * @default true
   */
  readonly defaultDeny?: boolean;
  /**
   * Emit cert-manager objects (CA chain, per-service Certificates, trust Bundle); set here,
   * it overrides `certificates.enabled` for this phase.
   * @default - `certificates.enabled` (true unless set)
   */
  readonly certificates?: boolean;
}

/** Settings of the cilium phase. */
export interface CiliumSettingsSpec {
  /**
   * Require mutual authentication (`authentication.mode: required`) on ingress rules
   * between catalog services. Needs Cilium's SPIRE integration; it does not encrypt
   * (use WireGuard or IPsec for that).
   * @default false
   */
  readonly mutualAuth?: boolean;
  /**
   * Emit the default-deny as one CiliumClusterwideNetworkPolicy instead of one policy per
   * owned namespace.
   * @default false
   */
  readonly clusterwideDefaultDeny?: boolean;
  /**
   * Emit default-deny policies at all.
   * @default true
   */
  readonly defaultDeny?: boolean;
  /**
   * Exposed services take traffic straight from outside the cluster (no ingress
   * controller pod in between): allow `fromEntities: [world]`.
   * @default false
   */
  readonly ingressFromWorld?: boolean;
  /**
   * Emit L7 HTTP rules (method and path) for calls and callers limited to routes. Mesh
   * phases never emit them in their L4 layer: their proxies enforce L7.
   * @default true
   */
  readonly l7?: boolean;
  /**
   * Set `enableDefaultDeny` (both directions) on every per-service policy. `false` makes
   * the per-service policies add allows without putting the pods into default-deny (a
   * migration aid; needs Cilium 1.16); the namespace default-deny policies are not affected.
   * @default - not set: Cilium's default (default-deny in every direction with rules)
   */
  readonly enableDefaultDeny?: boolean;
  /**
   * Extra labels for every emitted Cilium policy.
   * @default - none
   */
  readonly policyLabels?: Record<string, string>;
  /**
   * Annotations for every emitted Cilium policy.
   * @default - none
   */
  readonly policyAnnotations?: Record<string, string>;
  /**
   * Emit Namespace objects (with the catalog's labels) for owned namespaces.
   * @default true
   */
  readonly namespaces?: boolean;
  /**
   * Emit the cert-manager hierarchy and service certificates of the baseline phase too, so
   * moving up the ladder keeps the same root of trust. Off when `certificates.enabled` is false.
   * @default true
   */
  readonly certificates?: boolean;
}

/** Linkerd's default inbound policies (`config.linkerd.io/default-inbound-policy`). */
export enum LinkerdDefaultInboundPolicy {
  /** Every client, meshed or not. Linkerd's own default. */
  ALL_UNAUTHENTICATED = 'all-unauthenticated',
  /** Meshed (mTLS) clients only, from any network. */
  ALL_AUTHENTICATED = 'all-authenticated',
  /** Meshed clients from the cluster networks only. */
  CLUSTER_AUTHENTICATED = 'cluster-authenticated',
  /** Any client from the cluster networks. */
  CLUSTER_UNAUTHENTICATED = 'cluster-unauthenticated',
  /** Nothing, unless a policy resource allows it. */
  DENY = 'deny',
  /** Like all-unauthenticated, but every request is flagged in logs and metrics. */
  AUDIT = 'audit',
}

/**
 * How kubelet probes stay authorized under restrictive inbound policies. The catalog's
 * `services[].probes` say what each service's pods probe: `servicePaths` override it,
 * `paths` and `grpcHealth` apply to the services for which it does not say.
 */
export interface LinkerdProbeOptions {
  /**
   * HTTP GET paths of the kubelet probes, for ports that get route-level authorization
   * (on those ports Linkerd drops its automatic probe authorization, so the phase
   * authorizes these paths from `networks`). Ports without routes keep Linkerd's
   * automatic probe routes and need nothing.
   * @default - each service's `probes.httpPaths`; a warning where the catalog does not say
   */
  readonly paths?: string[];
  /**
   * Per-service probe paths (key: `namespace/name`), overriding `paths`.
   * @default - `paths` for every service
   */
  readonly servicePaths?: Record<string, string[]>;
  /**
   * Networks kubelet probes come from (the node addresses).
   * @default ['0.0.0.0/0', '::/0'] (Linkerd's own probeNetworks default)
   */
  readonly networks?: string[];
  /**
   * Authorize `grpc.health.v1.Health` from `networks` on gRPC ports, for kubelet-native
   * gRPC probes (Linkerd authorizes probes automatically only for HTTP probes). Exec
   * probes (e.g. grpc_health_probe) dial localhost, which Linkerd always permits.
   * @default - each service's `probes.grpc`; a warning where the catalog does not say
   */
  readonly grpcHealth?: boolean;
}

/** Whether the ingress controller is in the mesh. */
export interface LinkerdIngressOptions {
  /**
   * The ingress controller is meshed (injected): the services it may call (`exposed`, or
   * `callers` entries naming `ingress-controller`, on their ports and routes) authorize
   * its service account (the catalog's `ingressController.serviceAccount`).
   * @default true
   */
  readonly meshed?: boolean;
  /**
   * With `meshed: false`: the networks the ingress controller's connections come from
   * (its pod CIDR, or node CIDRs for hostNetwork controllers), authorized without
   * identity through a NetworkAuthentication, on the same ports and routes.
   * @default - required when `meshed` is false and the controller calls a service
   */
  readonly networks?: string[];
}

/** Settings of the linkerd phase. */
export interface LinkerdSettingsSpec {
  /**
   * PERMISSIVE: default inbound policy all-unauthenticated, authorization in audit;
   * ENFORCED: all-authenticated, authorization enforced.
   * @default MeshMode.ENFORCED
   */
  readonly mode?: MeshMode;
  /**
   * L4 enforcement under the mesh.
   * @default L4Layer.CILIUM
   */
  readonly l4?: L4Layer;
  /**
   * Namespace of the Linkerd control plane.
   * @default 'linkerd'
   */
  readonly controlPlaneNamespace?: string;
  /**
   * Override the default inbound policy the mode implies (e.g. DENY when `l4` is NONE,
   * so ports without a Server refuse everyone).
   * @default - PERMISSIVE: ALL_UNAUTHENTICATED; ENFORCED: ALL_AUTHENTICATED
   */
  readonly defaultInboundPolicy?: LinkerdDefaultInboundPolicy;
  /**
   * Emit Namespace objects (injection and default-policy annotations) for owned
   * namespaces.
   * @default true
   */
  readonly namespaces?: boolean;
  /**
   * The ingress controller's place in the mesh.
   * @default - meshed, authorized by its service account
   */
  readonly ingress?: LinkerdIngressOptions;
  /**
   * Kubelet probe authorization.
   * @default - Linkerd's automatic HTTP probe routes; nothing extra
   */
  readonly probes?: LinkerdProbeOptions;
  /**
   * Refuse (PhaseCapabilityError) a route whose retry conditions Linkerd cannot express,
   * instead of emitting what it can and recording the rest in the
   * `mesh-ladder.dev/retry-conditions-dropped` annotation and `LinkerdPhase.warnings`.
   * @default false
   */
  readonly strictRetries?: boolean;
  /**
   * Emit the cert-manager hierarchy (the same root as every phase), the baseline service
   * certificates, and the mesh's identity PKI chained to that root. Off when
   * `certificates.enabled` is false.
   * @default true
   */
  readonly certificates?: boolean;
}

/** How `Sidecar` objects scope each proxy's outbound configuration. */
export enum SidecarScope {
  /**
   * One `Sidecar` per service (workload selector) listing that service's own
   * dependencies, plus a namespace default that imports only the control plane and DNS.
   * Exact: a proxy knows only what its workload calls.
   */
  SERVICE = 'service',
  /**
   * One `Sidecar` per namespace listing the dependencies of every service in it. Fewer
   * objects; every proxy of the namespace may reach what any service there calls.
   */
  NAMESPACE = 'namespace',
}

/** Settings of the istio phase. */
export interface IstioSettingsSpec {
  /**
   * PERMISSIVE: PeerAuthentication PERMISSIVE; ENFORCED: STRICT.
   * @default MeshMode.ENFORCED
   */
  readonly mode?: MeshMode;
  /**
   * L4 enforcement under the mesh.
   * @default L4Layer.CILIUM
   */
  readonly l4?: L4Layer;
  /**
   * Namespace of istiod.
   * @default 'istio-system'
   */
  readonly controlPlaneNamespace?: string;
  /**
   * Timeout of routes that declare none (every route gets one).
   * @default '15s'
   */
  readonly defaultTimeout?: string;
  /**
   * Connection pool and outlier detection defaults for every service.
   * @default - the library's defaults
   */
  readonly trafficPolicy?: TrafficPolicySpec;
  /**
   * Emit a Telemetry object with this tracing sampling percentage (0-100).
   * @default - no Telemetry object
   */
  readonly tracingSampling?: number;
  /**
   * How Sidecar objects scope each proxy's outbound configuration.
   * @default SidecarScope.SERVICE
   */
  readonly sidecarScope?: SidecarScope;
  /**
   * Pod labels of istiod, which every sidecar must reach (L4 layer allowance).
   * @default { app: 'istiod' }
   */
  readonly controlPlaneSelector?: Record<string, string>;
  /**
   * istiod ports the sidecars dial: 15012 serves xDS and certificate signing over TLS.
   * (15017, the webhook port, is dialled by the API server, not by pods.)
   * @default [15012]
   */
  readonly controlPlanePorts?: number[];
  /**
   * Emit Namespace objects for owned namespaces, labelled for sidecar injection.
   * @default true
   */
  readonly namespaces?: boolean;
  /**
   * Emit the cert-manager hierarchy (the same root as every phase), the baseline service
   * certificates, and the mesh's identity PKI chained to that root. Off when
   * `certificates.enabled` is false.
   * @default true
   */
  readonly certificates?: boolean;
}

/**
 * Answers to the readiness questions of `mesh-ladder assess`: what the organisation
 * has, not what the services declare (which the assessment derives itself).
 */
export interface ReadinessSpec {
  /**
   * Compliance requires encrypted, mutually authenticated service-to-service traffic.
   * @default false
   */
  readonly complianceMtls?: boolean;
  /**
   * Services span several clusters.
   * @default false
   */
  readonly multiCluster?: boolean;
  /**
   * Number of services with distributed tracing in place.
   * @default 0
   */
  readonly tracedServices?: number;
  /**
   * Engineers with Envoy/xDS or service-proxy operating experience.
   * @default 0
   */
  readonly proxyExperts?: number;
  /**
   * A platform team with dedicated capacity to run a mesh control plane.
   * @default false
   */
  readonly platformTeam?: boolean;
  /**
   * Runbooks exist for control-plane failure (certificates, injection, xDS outages).
   * @default false
   */
  readonly controlPlaneRunbooks?: boolean;
}

/**
 * The releases the output targets, as `major.minor` strings (`'2.16'`). Each backend emits
 * the apiVersions that release serves and degrades (and reports) or refuses what it lacks;
 * `mesh-ladder targets` lists both. A release below a project's supported floor is refused.
 */
export interface PlatformSpec {
  /**
   * Kubernetes release (supported from 1.22).
   * @default '1.28'
   */
  readonly kubernetes?: string;
  /**
   * Cilium release (supported from 1.14).
   * @default '1.16'
   */
  readonly cilium?: string;
  /**
   * Linkerd release (supported from 2.16).
   * @default '2.18'
   */
  readonly linkerd?: string;
  /**
   * Istio release (supported from 1.22).
   * @default '1.24'
   */
  readonly istio?: string;
  /**
   * cert-manager release (supported from 1.14).
   * @default '1.16'
   */
  readonly certManager?: string;
  /**
   * trust-manager release (supported from 0.12).
   * @default '0.14'
   */
  readonly trustManager?: string;
  /**
   * The Gateway API release installed separately from the mesh (standard channel from 1.1,
   * experimental before), for the linkerd phase's HTTPRoutes and GRPCRoutes (supported
   * from 0.7).
   * @default - the Gateway API the targeted Linkerd release installs (0.7 with 2.16 and 2.17, 1.1 with 2.18)
   */
  readonly gatewayApi?: string;
}

/**
 * Settings of each phase, laid over a catalog's sections of the same names
 * (`ServiceCatalog.withSettings`, the phases' construct options): a field set here
 * replaces the catalog's field (nested objects such as `linkerd.ingress` as a whole).
 */
export interface PhaseSettingsSpec {
  /**
   * Over the catalog's `baseline` section.
   * @default - the catalog's
   */
  readonly baseline?: BaselineSettingsSpec;
  /**
   * Over the catalog's `cilium` section.
   * @default - the catalog's
   */
  readonly cilium?: CiliumSettingsSpec;
  /**
   * Over the catalog's `linkerd` section.
   * @default - the catalog's
   */
  readonly linkerd?: LinkerdSettingsSpec;
  /**
   * Over the catalog's `istio` section.
   * @default - the catalog's
   */
  readonly istio?: IstioSettingsSpec;
}

/**
 * The catalog-wide settings: cluster facts and every phase's settings, without the
 * services and peers. The YAML catalog and the `Mesh` construct's props both extend it,
 * so each setting is declared once.
 */
export interface CatalogSettingsSpec {
  /**
   * Default namespace of services.
   * @default 'default'
   */
  readonly namespace?: string;
  /**
   * Cluster DNS domain.
   * @default 'cluster.local'
   */
  readonly clusterDomain?: string;
  /**
   * Mesh trust domain (SPIFFE).
   * @default 'cluster.local'
   */
  readonly trustDomain?: string;
  /**
   * Where cluster DNS runs.
   * @default - namespace kube-system, pods `k8s-app: kube-dns`
   */
  readonly dns?: WorkloadLocationSpec;
  /**
   * Where the ingress controller runs (the peer of `exposed` services).
   * @default - namespace ingress-nginx, pods `app.kubernetes.io/name: ingress-nginx`
   */
  readonly ingressController?: WorkloadLocationSpec;
  /**
   * What phases without request routing (baseline, cilium; linkerd for header-scoped
   * faults) do with header routes and header-scoped faults.
   * @default L7Fallback.REFUSE
   */
  readonly l7Fallback?: L7Fallback;
  /**
   * What phases do with a route limit they can enforce only wider than declared; a
   * route's `allowWiderEnforcement` overrides it for that route.
   * @default L7Widening.REFUSE
   */
  readonly l7Widening?: L7Widening;
  /**
   * Certificate settings.
   * @default - generated CA chain, 2160h leaves renewed 720h before expiry
   */
  readonly certificates?: CertificateDefaultsSpec;
  /**
   * Namespace settings; namespaces used by services and not listed here are owned.
   * @default - none
   */
  readonly namespaces?: NamespaceSpec[];
  /**
   * Answers to the readiness questions (for `mesh-ladder assess`).
   * @default - every answer "no" / 0
   */
  readonly readiness?: ReadinessSpec;
  /**
   * Settings of the baseline phase.
   * @default - defaults of each field
   */
  readonly baseline?: BaselineSettingsSpec;
  /**
   * Settings of the cilium phase.
   * @default - defaults of each field
   */
  readonly cilium?: CiliumSettingsSpec;
  /**
   * Settings of the linkerd phase.
   * @default - defaults of each field
   */
  readonly linkerd?: LinkerdSettingsSpec;
  /**
   * Settings of the istio phase.
   * @default - defaults of each field
   */
  readonly istio?: IstioSettingsSpec;
  /**
   * The releases the output targets (apiVersions, fields and semantics per release).
   * @default - the current stable of each project (see `PlatformSpec`)
   */
  readonly platform?: PlatformSpec;
}

/** The whole description: cluster facts, settings, peers and the services. */
export interface CatalogSpec extends CatalogSettingsSpec {
  /**
   * Peers outside the catalog, by name, for `calls[].peer` and `callers[].peer`. Built in
   * (override by declaring the name): `monitoring` (namespace `monitoring`, pods
   * `app.kubernetes.io/name: prometheus`, service account `prometheus-k8s`, unmeshed),
   * `kube-apiserver`, `world` (0.0.0.0/0, ::/0) and `cluster` (any pod);
   * `ingress-controller` comes from `ingressController`.
   * @default - the built-in peers only
   */
  readonly peers?: PeerSpec[];
  /** The services. */
  readonly services: ServiceSpec[];
}
