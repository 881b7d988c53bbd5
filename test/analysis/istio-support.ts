/**
 * Helpers of the istio analysis tests: what the istio phase's output may allow beyond the
 * declaration for reasons the tests name (ServiceEntries per namespace, whole namespaces of
 * called peers, identities shared by several workloads, the whole world reaching host names).
 */
import { Endpoint, Universe } from '../../src/analysis/endpoints';
import { Flow } from '../../src/analysis/flows';
import { requestDeclared, RequestFlow } from '../../src/analysis/requests';
import { cidrContains, parseCidr } from '../../src/model/cidr';
import { ResolvedCatalog, ResolvedPeer, ResolvedService, ResolvedVersion } from '../../src/model/resolved';
import { PortProtocol } from '../../src/model/types';

/** The mesh identity of a catalog workload endpoint (a version with pods may have its own). */
export function identityOf(model: ResolvedCatalog, e: Endpoint): string | undefined {
  if (!e.workload) {
    return undefined;
  }
  const service = model.service(e.workload.serviceId);
  const version = service.versions.find(v => v.name === e.workload!.version);
  return `${service.namespace}/${version && version.backend === undefined ? version.serviceAccount : service.serviceAccount}`;
}

/**
 * A request Istio admits because another workload with the same service account is
 * declared it: authorization is per identity, so pods sharing one (versions of a service
 * by default, or services the model warns about) share their grants; the L4 layer
 * separates their connections, not their requests.
 */
export function sharedIdentityRequest(model: ResolvedCatalog, universe: Universe, r: RequestFlow): boolean {
  const from = universe.endpoint(r.from);
  const to = universe.endpoint(r.to);
  const identity = identityOf(model, from);
  return identity !== undefined && universe.endpoints.some(g => g.id !== from.id && identityOf(model, g) === identity
    && requestDeclared(model, g, to, r.port, { method: r.method, path: r.path }));
}

/** An external target a ServiceEntry carries: a host, a CIDR (minus exclusions), or an address peer's ranges. */
export interface ExternalTarget {
  readonly key: string;
  readonly reaches: (to: Endpoint) => boolean;
  readonly ports: ReadonlyArray<{ readonly port: number; readonly protocol: PortProtocol }>;
}

/** Every external target a workload (a service, with all or one of its versions) calls. */
export function externalTargets(model: ResolvedCatalog, service: ResolvedService, versions: ReadonlyArray<ResolvedVersion>): ExternalTarget[] {
  const within = (cidrs: ReadonlyArray<string>, to: Endpoint) => to.ip !== undefined && cidrs.some(b => cidrContains(parseCidr(b)!, to.ip!));
  // The catalog says which addresses serve a host, whichever caller declared them.
  const hostCidrs = (host: string) => model.services.flatMap(s => [...s.calls, ...s.versions.flatMap(v => v.calls)])
    .flatMap(c => (c.kind === 'host' && c.host === host ? c.cidrs : []));
  const calls = [...service.calls, ...versions.flatMap(v => v.calls)];
  const peerCalls = [...service.peerCalls, ...versions.flatMap(v => v.peerCalls)];
  const out: ExternalTarget[] = [];
  for (const c of calls) {
    if (c.kind === 'host') {
      out.push({ key: `host ${c.host}`, ports: c.ports, reaches: to => to.host === c.host || within(hostCidrs(c.host), to) });
    } else if (c.kind === 'cidr') {
      out.push({ key: `cidr ${c.cidr} ${c.except.join(',')}`, ports: c.ports, reaches: to => within([c.cidr], to) && !within(c.except, to) });
    }
  }
  for (const c of peerCalls.filter(x => x.peer.kind !== 'pods' && x.peer.cidrs.length > 0)) {
    out.push({ key: `peer ${c.peer.name}`, ports: c.ports, reaches: to => within(c.peer.cidrs, to) });
  }
  return out;
}

/**
 * Whether the caller's namespace declares the external `to` on `port` over TCP: the
 * granularity of ServiceEntries, which exist per namespace and target with the ports of
 * every caller there merged.
 */
export function namespaceDeclaresExternal(model: ResolvedCatalog, from: Endpoint, to: Endpoint, port: number): boolean {
  const targets = model.services.filter(s => s.namespace === from.namespace).flatMap(s => externalTargets(model, s, s.versions));
  const reached = new Set(targets.filter(t => t.reaches(to)).map(t => t.key));
  return targets.some(t => reached.has(t.key) && t.ports.some(p => p.port === port && p.protocol !== PortProtocol.UDP));
}

/** Peers the workload of an endpoint calls (its service's, and its version's). */
export function calledPeers(model: ResolvedCatalog, from: Endpoint): ResolvedPeer[] {
  if (!from.workload) {
    return [];
  }
  const service = model.service(from.workload.serviceId);
  const version = service.versions.find(v => v.name === from.workload!.version);
  return [...service.peerCalls, ...(version?.peerCalls ?? [])].map(c => c.peer);
}

/**
 * A flow from a workload that calls the whole world (0.0.0.0/0, ::/0) to a host endpoint
 * on a port of that call: the host is outside the cluster too, and an L4 layer's world
 * (Cilium's `world` entity) reaches it; the declared intent does not list it yet.
 */
export function worldCallReachesHost(model: ResolvedCatalog, universe: Universe, f: Flow): boolean {
  const from = universe.endpoint(f.from);
  if (universe.endpoint(f.to).role !== 'host' || !from.workload) {
    return false;
  }
  const service = model.service(from.workload.serviceId);
  const version = service.versions.find(v => v.name === from.workload!.version);
  return [...service.peerCalls, ...(version?.peerCalls ?? [])].some(c => c.peer.kind === 'world'
    && c.peer.cidrs.some(b => parseCidr(b)?.prefix === 0)
    && c.ports.some(p => p.port === f.port && (p.protocol === PortProtocol.UDP ? 'UDP' : 'TCP') === f.protocol));
}

