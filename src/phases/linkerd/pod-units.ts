/**
 * The pods of the catalog as units (one per service, or per canary version), indexed once
 * per model, and the catalog callers whose pod-peer calls land on a service's pods.
 */
import { labelsMatch, peerCoversNamespace } from '../../model/peers';
import { ResolvedCatalog, ResolvedPeer, ResolvedPeerCall, ResolvedService } from '../../model/resolved';
import { PortProtocol } from '../../model/types';

/** The pods of a catalog service, one unit per version (backend versions have none). */
export interface PodUnit {
  readonly service: ResolvedService;
  readonly version?: string;
  readonly name: string;
  readonly labels: Record<string, string>;
  /** `namespace/serviceAccount`. */
  readonly identity: string;
}

/** Pod units of a catalog, indexed once per model (every Server looks them up: keep it linear). */
interface UnitIndex {
  readonly all: readonly PodUnit[];
  /** Place of each unit in `all` (the order findings are reported in). */
  readonly position: ReadonlyMap<PodUnit, number>;
  readonly byService: ReadonlyMap<ResolvedService, readonly PodUnit[]>;
  readonly byIdentity: ReadonlyMap<string, readonly PodUnit[]>;
  readonly byNamespace: ReadonlyMap<string, readonly PodUnit[]>;
  /** Services and versions with calls to pod peers (usually few). */
  readonly podPeerCallers: ReadonlyArray<{ caller: ResolvedService; calls: readonly ResolvedPeerCall[]; fromVersion?: string }>;
}

const UNIT_INDEX = new WeakMap<ResolvedCatalog, UnitIndex>();

export function unitIndex(model: ResolvedCatalog): UnitIndex {
  const cached = UNIT_INDEX.get(model);
  if (cached) {
    return cached;
  }
  const all: PodUnit[] = model.services.flatMap(service => (service.versions.length === 0
    ? [{ service, name: service.id, labels: service.selector, identity: `${service.namespace}/${service.serviceAccount}` }]
    : service.versions.filter(v => v.backend === undefined).map(v => ({
      service,
      version: v.name,
      name: `${service.id}@${v.name}`,
      labels: { ...service.selector, ...v.labels },
      identity: `${service.namespace}/${v.serviceAccount}`,
    }))));
  const group = <K>(key: (u: PodUnit) => K) => {
    const map = new Map<K, PodUnit[]>();
    all.forEach(u => map.set(key(u), [...(map.get(key(u)) ?? []), u]));
    return map;
  };
  const podPeerCallers: Array<{ caller: ResolvedService; calls: readonly ResolvedPeerCall[]; fromVersion?: string }> = [];
  for (const caller of model.services) {
    const own = caller.peerCalls.filter(c => c.peer.kind === 'pods');
    if (own.length > 0) {
      podPeerCallers.push({ caller, calls: own });
    }
    for (const v of caller.versions) {
      const calls = v.peerCalls.filter(c => c.peer.kind === 'pods');
      if (calls.length > 0) {
        podPeerCallers.push({ caller, calls, fromVersion: v.name });
      }
    }
  }
  const index: UnitIndex = {
    all,
    position: new Map(all.map((u, i) => [u, i])),
    byService: group(u => u.service),
    byIdentity: group(u => u.identity),
    byNamespace: group(u => u.service.namespace),
    podPeerCallers,
  };
  UNIT_INDEX.set(model, index);
  return index;
}

/** Whether a pod peer's scope holds a unit's pods. */
export function peerHolds(model: ResolvedCatalog, peer: ResolvedPeer, unit: PodUnit): boolean {
  if (peer.kind !== 'pods' || peer.name === 'ingress-controller') {
    return false;
  }
  const ns = unit.service.namespace;
  const inScope = peerCoversNamespace(peer, model.namespaces.find(n => n.name === ns) ?? { name: ns });
  return inScope && labelsMatch(peer.selector, unit.labels);
}

/**
 * Catalog callers (service-wide or one version) with a call to a pod peer whose scope holds
 * some of `service`'s pods, on `podPort` over TCP.
 */
export function peerCallsInto(
  model: ResolvedCatalog,
  service: ResolvedService,
  podPort: number,
): Array<{ caller: ResolvedService; fromVersion?: string }> {
  const index = unitIndex(model);
  const units = index.byService.get(service) ?? [];
  const out: Array<{ caller: ResolvedService; fromVersion?: string }> = [];
  for (const { caller, calls, fromVersion } of index.podPeerCallers) {
    const reaches = calls.some(call => call.ports.some(p => p.port === podPort && p.protocol !== PortProtocol.UDP)
      && units.some(u => peerHolds(model, call.peer, u)));
    if (reaches) {
      out.push(fromVersion === undefined ? { caller } : { caller, fromVersion });
    }
  }
  return out;
}
