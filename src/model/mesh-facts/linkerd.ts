/**
 * Linkerd facts the phase emits and the analysis reads (Linkerd 2.16+). Checked against
 * the Linkerd docs and sources: proxy ports, control-plane ports and cluster networks from
 * the linkerd-control-plane chart, annotation names from
 * linkerd.io/2/reference/{retries,timeouts,authorization-policy}.
 */

/** The proxy's inbound port: meshed clients dial it instead of the app port. */
export const PROXY_INBOUND_PORT = 4143;

/**
 * Control-plane pod ports every proxy dials: identity (8080, certificate issuance),
 * destination (8086, service discovery) and policy (8090, inbound/outbound policy).
 */
export const CONTROL_PLANE_PORTS: readonly number[] = [8080, 8086, 8090];

export const INJECT_ANNOTATION = 'linkerd.io/inject';
export const DEFAULT_INBOUND_POLICY_ANNOTATION = 'config.linkerd.io/default-inbound-policy';

/** Prefix of every retry annotation (the analysis flags any annotation under it). */
export const RETRY_ANNOTATION_PREFIX = 'retry.linkerd.io/';
export const RETRY_HTTP_ANNOTATION = `${RETRY_ANNOTATION_PREFIX}http`;
export const RETRY_GRPC_ANNOTATION = `${RETRY_ANNOTATION_PREFIX}grpc`;
export const RETRY_LIMIT_ANNOTATION = `${RETRY_ANNOTATION_PREFIX}limit`;
export const RETRY_TIMEOUT_ANNOTATION = `${RETRY_ANNOTATION_PREFIX}timeout`;
export const TIMEOUT_REQUEST_ANNOTATION = 'timeout.linkerd.io/request';

/** Every retry annotation Linkerd reads (none of them may sit on a non-idempotent route). */
export const RETRY_ANNOTATIONS: readonly string[] = [
  RETRY_HTTP_ANNOTATION,
  RETRY_GRPC_ANNOTATION,
  RETRY_LIMIT_ANNOTATION,
  RETRY_TIMEOUT_ANNOTATION,
];

/** Label naming the catalog route an emitted route object carries. */
export const ROUTE_LABEL = 'mesh-ladder.dev/route';
/** Label naming the service port (name or number) an object is about. */
export const PORT_LABEL = 'mesh-ladder.dev/port';
/** Label naming the canary version of a per-version Service. */
export const VERSION_LABEL = 'mesh-ladder.dev/version';
/** Annotation recording retry conditions Linkerd cannot express (never dropped silently). */
export const RETRY_DROPPED_ANNOTATION = 'mesh-ladder.dev/retry-conditions-dropped';
/** Annotation recording what the user must still do for an object to work. */
export const NOTE_ANNOTATION = 'mesh-ladder.dev/note';

/**
 * Linkerd's cluster networks default (linkerd-control-plane chart `clusterNetworks`): the
 * networks of the cluster-authenticated and cluster-unauthenticated policies.
 */
export const DEFAULT_CLUSTER_NETWORKS: readonly string[] = ['10.0.0.0/8', '100.64.0.0/10', '172.16.0.0/12', '192.168.0.0/16', 'fd00::/8'];

/** Linkerd's default probe networks (policyController.probeNetworks): every address. */
export const DEFAULT_PROBE_NETWORKS: readonly string[] = ['0.0.0.0/0', '::/0'];

export const POLICY_GROUP = 'policy.linkerd.io';
export const GATEWAY_GROUP = 'gateway.networking.k8s.io';
/** Name of the per-namespace NetworkAuthentication of kubelet probes. */
export const PROBE_NETWORKS_NAME = 'kubelet-probes';
/** Name of the per-namespace NetworkAuthentication matching every address. */
export const ALL_NETWORKS_NAME = 'all-networks';
/** Name of the per-namespace NetworkAuthentication of an unmeshed ingress controller. */
export const INGRESS_NETWORKS_NAME = 'ingress-controller';
/** Name prefix of the per-namespace NetworkAuthentication of a peer's addresses (`peer-<name>`). */
export const PEER_NETWORKS_PREFIX = 'peer-';
/** The gRPC health service kubelet gRPC probes call. */
export const GRPC_HEALTH_SERVICE = 'grpc.health.v1.Health';


/**
 * `.<ns>.serviceaccount.identity.<control plane ns>.<trust domain>`: the suffix every
 * identity of a namespace's service accounts ends with (`*<suffix>` names them all).
 */
export function namespaceIdentitySuffix(namespace: string, controlPlaneNamespace: string, trustDomain: string): string {
  return `.${namespace}.serviceaccount.identity.${controlPlaneNamespace}.${trustDomain}`;
}

/** `<sa>.<ns>.serviceaccount.identity.<control plane ns>.<trust domain>`: a meshed pod's identity. */
export function serviceAccountIdentity(serviceAccount: string, namespace: string, controlPlaneNamespace: string, trustDomain: string): string {
  return `${serviceAccount}${namespaceIdentitySuffix(namespace, controlPlaneNamespace, trustDomain)}`;
}
