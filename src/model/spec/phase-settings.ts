/**
 * How each phase synthesizes: the catalog-wide L7 fallbacks, the migration mode and L4
 * layer of the mesh phases, the settings of each phase (baseline, cilium, linkerd, istio)
 * and their overlay. Re-exported by ../types.ts.
 */

import { TrafficPolicySpec } from './services';

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
