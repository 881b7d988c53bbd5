/**
 * Peers outside the catalog, seen from the istio phase: which namespaces and pods a pod
 * peer covers, which pod sets a catalog service has, and which registry hosts a sidecar
 * must import to reach a peer. Internal to the phase (not re-exported).
 */
import { kubernetesApiHost } from './names';
import { labelsMatch, peerCoversNamespace as coversNamespace } from '../../model/peers';
import { ResolvedCatalog, ResolvedPeer, ResolvedService, ResolvedVersion } from '../../model/resolved';

/** Whether a pod peer's namespace scope covers `namespace` (a catalog namespace or another). */
export function peerCoversNamespace(model: ResolvedCatalog, peer: ResolvedPeer, namespace: string): boolean {
  return coversNamespace(peer, model.namespaces.find(n => n.name === namespace) ?? { name: namespace });
}

/**
 * Whether pods with `labels` in `namespace` (running as `serviceAccount`, when known) are
 * pods of the peer: a peer's service account narrows it to the pods running as it.
 */
export function peerMatchesPods(
  model: ResolvedCatalog,
  peer: ResolvedPeer,
  namespace: string,
  labels: Readonly<Record<string, string>>,
  serviceAccount?: string,
): boolean {
  const account = peer.serviceAccount === undefined || serviceAccount === undefined || peer.serviceAccount === serviceAccount;
  return peerCoversNamespace(model, peer, namespace) && account && labelsMatch(peer.selector, labels);
}

/** A set of a service's pods: one version's, or all of them. */
export interface PodSet {
  readonly service: ResolvedService;
  /** Undefined: the service has no versions. */
  readonly version?: ResolvedVersion;
  /** The labels every pod of the set carries. */
  readonly labels: Record<string, string>;
  /** The service account the pods run as. */
  readonly serviceAccount: string;
}

/**
 * The pod sets of a service, one per version with pods of its own (a version backed by
 * another Service has none here: they are the backend's), or the service's pods.
 */
export function podSets(service: ResolvedService): PodSet[] {
  const versions = service.versions.filter(v => v.backend === undefined);
  if (versions.length === 0) {
    return [{ service, labels: { ...service.selector }, serviceAccount: service.serviceAccount }];
  }
  return versions.map(version => ({ service, version, labels: { ...service.selector, ...version.labels }, serviceAccount: version.serviceAccount }));
}

/**
 * Whether the version pod sets of a service can be selected one by one: no set's labels
 * are contained in another's (a pod then matches exactly one version selector).
 */
export function versionsSeparable(service: ResolvedService): boolean {
  const sets = podSets(service);
  if (sets.length < 2) {
    return false;
  }
  return sets.every((a, i) => sets.every((b, j) => i === j || !labelsMatch(a.labels, b.labels)));
}

/**
 * Registry hosts (`<namespace>/<host>`) a sidecar imports to reach a peer it calls, besides
 * ServiceEntries: a pod peer's Services (unknown to the catalog: every Service of its
 * namespace, or of every namespace when the peer spans namespaces); the API server's
 * `kubernetes` Service. World peers are reached through ServiceEntries only.
 */
export function peerCallHosts(model: ResolvedCatalog, peer: ResolvedPeer): string[] {
  switch (peer.kind) {
    case 'pods':
      return [peer.namespace !== undefined ? `${peer.namespace}/*` : '*/*'];
    case 'kube-apiserver':
      return [`default/${kubernetesApiHost(model)}`];
    case 'world':
      return [];
  }
}

/** `namespace/name` or `namespace/name@version`: whose sidecar imports something. */
export function workloadKey(service: ResolvedService, version?: ResolvedVersion): string {
  return version === undefined ? service.id : `${service.id}@${version.name}`;
}
