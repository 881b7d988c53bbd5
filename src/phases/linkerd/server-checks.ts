/**
 * Checks on every Server decision before anything is emitted: no grant widens a
 * route-limited caller, and identities that must stay apart (versions, peers) do.
 * Each refusal is a PhaseCapabilityError naming the service, port and callers.
 */
import { peerCallsInto, peerHolds, PodUnit, unitIndex } from './pod-units';
import { ALL_NETWORKS, ClientKind, identityKey, NetworkEntry, patternNamespace, Principals, RouteGrant, ServerDecisionOptions } from './principals';
import { PhaseCapabilityError } from '../../emit/common';
import { compareStrings } from '../../model/compare';
import { covers } from '../../model/linkerd-routes';
import { ResolvedCatalog, ResolvedPort, ResolvedRoute, ResolvedService } from '../../model/resolved';
import { routesOnPort } from '../../model/routes';
import { L4Layer } from '../../model/types';


/** Requests a caller may send on a Server: any, or those of some routes. */
type Rights = 'any' | Set<string>;

function addRights(into: Rights | undefined, more: Rights): Rights {
  if (into === 'any' || more === 'any') {
    return 'any';
  }
  return new Set([...(into ?? []), ...more]);
}

function formatRights(r: Rights | undefined): string {
  return r === undefined ? 'nothing' : r === 'any' ? 'any request' : `routes ${[...r].sort(compareStrings).join(', ')}`;
}

/** What each identity (account key or identity pattern) is granted on a Server. */
function grantedByIdentity(server: Principals, routeGrants: readonly RouteGrant[]): Map<string, Rights> {
  const granted = new Map<string, Rights>();
  const grant = (p: Principals, rights: Rights) => {
    const keys = [...p.accounts.map(identityKey), ...p.patterns];
    keys.forEach(k => granted.set(k, addRights(granted.get(k), rights)));
  };
  grant(server, 'any');
  routeGrants.forEach(g => grant(g.principals, new Set([g.route.name])));
  return granted;
}

/** What a unit's pods get: the rights of every identity or pattern that covers them. */
function rightsGrantedTo(granted: ReadonlyMap<string, Rights>, unit: PodUnit): Rights | undefined {
  let rights: Rights | undefined;
  for (const [key, r] of granted) {
    if (key === unit.identity || key === '*' || patternNamespace(key) === unit.service.namespace) {
      rights = addRights(rights, r);
    }
  }
  return rights;
}

/** The units some granted identity or pattern covers (only they can be widened), in catalog order. */
function coveredUnits(model: ResolvedCatalog, granted: ReadonlyMap<string, Rights>): PodUnit[] {
  const index = unitIndex(model);
  const candidates = new Set<PodUnit>();
  for (const key of granted.keys()) {
    const ns = patternNamespace(key);
    (key === '*' ? index.all : ns !== undefined ? index.byNamespace.get(ns) ?? [] : index.byIdentity.get(key) ?? []).forEach(u => candidates.add(u));
  }
  return [...candidates].sort((a, b) => index.position.get(a)! - index.position.get(b)!);
}

/**
 * Refuses a Server where pods sharing one mesh identity (versions without a service
 * account of their own, services sharing one, pods a namespace or cluster pattern
 * covers) are declared different requests: Linkerd tells clients apart by identity only,
 * so each would get what any of them is granted. Pods the L4 layer keeps off the port
 * (no declared call to it) are separated there; without an L4 layer, every pod reaches it.
 */
export function assertIdentitiesSeparate(
  where: string,
  model: ResolvedCatalog,
  service: ResolvedService,
  ports: readonly ResolvedPort[],
  style: 'http' | 'grpc' | 'none',
  server: Principals,
  routeGrants: readonly RouteGrant[],
  widenedInto: ReadonlyMap<string, ReadonlySet<string>>,
  options: ServerDecisionOptions,
): void {
  const attached = routeGrants.map(g => g.route);
  const expand = (routes: ResolvedRoute[]): Set<string> => {
    // As authorizeByPrecedence does: a route's callers also get the attached routes it
    // covers (method twins included), and those it was widened into.
    const out = new Set(routes.map(r => r.name));
    for (const a of routes) {
      attached.filter(u => u !== a && covers(a, u, style as 'http' | 'grpc')).forEach(u => out.add(u.name));
      (widenedInto.get(a.name) ?? new Set<string>()).forEach(n => out.add(n));
    }
    return out;
  };
  const rightsOf = (entry: { readonly ports: readonly ResolvedPort[]; readonly routes: readonly ResolvedRoute[] }): Rights | undefined => {
    let rights: Rights | undefined;
    for (const port of entry.ports.filter(p => ports.includes(p))) {
      const routes = routesOnPort(entry, port);
      rights = addRights(rights, routes && style !== 'none' ? expand(routes) : 'any');
    }
    return rights;
  };
  const granted = grantedByIdentity(server, routeGrants);
  if (granted.size === 0) {
    return;
  }
  const problems: string[] = [];
  const peerCallers = ports.length > 0 ? peerCallsInto(model, service, ports[0].targetPort) : [];
  for (const unit of coveredUnits(model, granted)) {
    const gets = rightsGrantedTo(granted, unit);
    if (gets === undefined) {
      continue;
    }
    let own: Rights | undefined;
    const calls = service.inbound.filter(i => i.fromId === unit.service.id && (i.fromVersion === undefined || i.fromVersion === unit.version));
    for (const inbound of calls) {
      const r = rightsOf(inbound.call);
      own = r === undefined ? own : addRights(own, r);
    }
    for (const caller of service.callers.filter(c => peerHolds(model, c.peer, unit))) {
      const r = rightsOf(caller);
      own = r === undefined ? own : addRights(own, r);
    }
    if (peerCallers.some(c => c.caller === unit.service && (c.fromVersion === undefined || c.fromVersion === unit.version))) {
      own = 'any';
    }
    // The L4 layer keeps pods without a declared call off the port.
    if (own === undefined && options.l4 !== L4Layer.NONE) {
      continue;
    }
    const wider = gets === 'any' ? own !== 'any' : own !== 'any' && [...gets].some(r => !(own as Set<string> | undefined)?.has(r));
    if (wider) {
      problems.push(`${unit.name} (identity ${unit.identity}) may send ${formatRights(own)} but would get ${formatRights(gets)}`);
    }
  }
  if (problems.length > 0) {
    throw new PhaseCapabilityError(`${where}: ${problems.join('; ')}: Linkerd tells clients apart by service account only, and pods sharing one get what any of them is granted. Give the pods their own service accounts (versions[].serviceAccount, services[].serviceAccount), or declare them the same calls${options.l4 === L4Layer.NONE ? ', or use an L4 layer (l4: cilium or networkpolicy) to keep pods without a call off the port' : ''}`);
  }
}

/**
 * Refuses a Server where a grant by network (no identity) would reach other callers
 * limited to routes: Linkerd matches a NetworkAuthentication by client address, mesh
 * identity or not, so meshed pods (or addresses) inside the network would get the
 * network's requests too (any request, or its routes), beyond their own routes.
 */
export function assertNoWidening(where: string, server: Principals, routeGrants: readonly RouteGrant[], plaintext: boolean): void {
  // Route-limited callers: who, what kind of client, which routes.
  const limited = new Map<string, { kind: ClientKind; routes: Set<string> }>();
  const limit = (who: string, kind: ClientKind, route: string) => {
    const entry = limited.get(who) ?? { kind, routes: new Set<string>() };
    entry.routes.add(route);
    limited.set(who, entry);
  };
  const unlimited = new Set([...server.identityCallers, ...server.networks.flatMap(n => n.reasons)]);
  for (const g of routeGrants) {
    g.principals.identityCallers.filter(who => !unlimited.has(who)).forEach(who => limit(who, 'pods', g.route.name));
    g.principals.networks.forEach(n => n.reasons.filter(who => !unlimited.has(who)).forEach(who => limit(who, n.kinds[who], g.route.name)));
  }
  if (limited.size === 0) {
    return;
  }
  const describe = (names: Iterable<string>) => [...names].sort(compareStrings)
    .map(who => `${who} (${[...limited.get(who)!.routes].sort(compareStrings).join(', ')})`).join(', ');
  // Callers a grant reaches that may not send its requests.
  const gaining = (entries: readonly NetworkEntry[], route?: string) => {
    const reasons = new Set<string>();
    const whom = new Set<string>();
    for (const n of entries) {
      for (const [who, l] of limited) {
        if ((route === undefined || !l.routes.has(route)) && n.reaches[l.kind] && !n.reasons.includes(who)) {
          n.reasons.forEach(r => reasons.add(r));
          whom.add(who);
        }
      }
    }
    return { reasons: [...reasons].sort(compareStrings), whom };
  };
  const problems: string[] = [];
  const serverEntries = [
    ...server.networks,
    ...(plaintext ? [{ network: ALL_NETWORKS, reasons: ['the plaintext port'], kinds: {}, reaches: { pods: true, apiserver: true, addresses: true } }] : []),
  ];
  const wide = gaining(serverEntries);
  if (wide.whom.size > 0) {
    problems.push(`${wide.reasons.join(', ')} may send any request without identity, from networks that also hold ${describe(wide.whom)}, limited to routes: they would be allowed any request`);
  }
  for (const g of routeGrants) {
    const r = gaining(g.principals.networks, g.route.name);
    if (r.whom.size > 0) {
      problems.push(`${r.reasons.join(', ')} may send requests of route "${g.route.name}" without identity, from networks that also hold ${describe(r.whom)}: they would be allowed that route too`);
    }
  }
  if (problems.length > 0) {
    throw new PhaseCapabilityError(`${where}: ${problems.join('; ')}. Linkerd matches a NetworkAuthentication by address, whether the client is meshed or not. Mesh the peer (pod peers: peers[].meshed: true, with its serviceAccount), give it addresses of its own (world and kube-apiserver peers: cidrs), serve it on a port of its own, or drop the route limits on this port`);
  }
}

