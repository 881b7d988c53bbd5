import { L4Layer, MeshMode } from '../../model/types';

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

/** Options of the linkerd phase (everything but the catalog). */
export interface LinkerdPhaseOptions {
  /**
   * Emit the cert-manager hierarchy (the same root as every phase), the baseline service
   * certificates, and the mesh's identity PKI chained to that root.
   * @default - the catalog's `certificates.enabled` (true unless set)
   */
  readonly certificates?: boolean;
  /**
   * PERMISSIVE: default inbound policy all-unauthenticated and Servers in `audit`;
   * ENFORCED: all-authenticated and Servers that deny what no policy allows.
   * @default - the catalog's `linkerd.mode` (ENFORCED unless set)
   */
  readonly mode?: MeshMode;
  /**
   * L4 enforcement under the mesh.
   * @default - the catalog's `linkerd.l4` (CILIUM unless set)
   */
  readonly l4?: L4Layer;
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
}
