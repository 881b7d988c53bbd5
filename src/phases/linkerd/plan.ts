/**
 * What the linkerd phase emits, decided from the resolved model before any object is
 * built: one Server per pod port, who may call it (whole port or per route), and which
 * route objects a service port needs. Pure functions; the constructs render them.
 */
import { Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { ALL_NETWORKS_NAME, INGRESS_NETWORKS_NAME, PEER_NETWORKS_PREFIX } from './constants';
import { covers, describeMatch, httpMatchOf, mayShadow } from './route-match';
import { PhaseCapabilityError } from '../../emit/common';
import { labelsMatch, peerCoversNamespace } from '../../model/peers';
import { ResolvedCatalog, ResolvedPeer, ResolvedPeerCall, ResolvedPort, ResolvedRoute, ResolvedService } from '../../model/resolved';
import { widerEnforcementAllowed } from '../../model/route-forms';
import { routesOnPort } from '../../model/routes';
import { L4Layer, PortProtocol } from '../../model/types';

export { covers, grpcMatchOf, httpMatchOf, mayShadow, mayShadowGrpc, mayShadowHttp } from './route-match';

/** Name of the Service of one canary version: `<service>-<version>`. */
export function versionServiceName(service: ResolvedService, version: string): string {
  return `${service.name}-${version}`;
}

/** Server `proxyProtocol` values (policy.linkerd.io Server). */
export type ProxyProtocol = 'HTTP/1' | 'HTTP/2' | 'gRPC' | 'opaque' | 'unknown';

/** A mesh identity: a service account in a namespace. */
export interface Identity {
  readonly namespace: string;
  readonly serviceAccount: string;
}

/** A NetworkAuthentication (one per namespace and name): clients from these networks, no identity. */
export interface NetworkGrant {
  readonly name: string;
  readonly cidrs: string[];
}

/**
 * Who may send requests to a Server or an inbound route: service accounts (identityRefs),
 * identity patterns (`*.<ns>.serviceaccount.identity...`, `*`), and networks without
 * identity, each with why (for the objects' notes).
 */
export interface Principals {
  /** Sorted by namespace, then name; unique. */
  readonly accounts: Identity[];
  /** Identity strings with wildcards, sorted, unique. */
  readonly patterns: string[];
  /** Sorted by name. */
  readonly networks: ReadonlyArray<NetworkEntry>;
  /** Who the identities stand for (`shop/web`, `shop/web@v2`, `peer batch`), sorted. */
  readonly identityCallers: string[];
}

/** Kinds of clients: pods (meshed or not), the API server, other addresses outside the cluster. */
export type ClientKind = 'pods' | 'apiserver' | 'addresses';
export type ClientKinds = Readonly<Record<ClientKind, boolean>>;

/** A network granted on a target, with who it stands for. */
export interface NetworkEntry {
  readonly network: NetworkGrant;
  /** Who the grant is for (`peer monitoring (unmeshed pods)`, `plaintext port`), sorted. */
  readonly reasons: string[];
  /** The kind of clients each reason stands for. */
  readonly kinds: Readonly<Record<string, ClientKind>>;
  /**
   * Clients inside the network that are not its callers' own (every address holds every
   * pod and address; a pod CIDR, meshed pods): they get the grant too.
   */
  readonly reaches: ClientKinds;
}

/** Whether nobody is granted anything. */
export function isEmptyGrant(p: Principals): boolean {
  return p.accounts.length === 0 && p.patterns.length === 0 && p.networks.length === 0;
}

/** A route-limited grant on a Server: these principals, these routes' requests. */
export interface RouteGrant {
  readonly route: ResolvedRoute;
  readonly principals: Principals;
}

export interface ServerPlan {
  readonly service: ResolvedService;
  /** Server name: `<service>-<port ref>` of the lowest service port on this pod port. */
  readonly name: string;
  readonly podPort: number;
  /** Service ports (TCP) that target this pod port, by port number. */
  readonly ports: ResolvedPort[];
  readonly proxyProtocol: ProxyProtocol;
  /** Kind of inbound route object that can attach; `none` for opaque ports. */
  readonly routeStyle: 'http' | 'grpc' | 'none';
  /** Callers allowed every request on the port. */
  readonly server: Principals;
  /** Route-limited callers, by route name (what `server` grants already left out). */
  readonly routeGrants: RouteGrant[];
  /** Some service port here is declared `plaintext` (accepts every network without identity). */
  readonly plaintext: boolean;
  /** Route overlaps that widen a route-limited grant (see `planServers`). */
  readonly overlaps: string[];
}

/** What the plan needs besides the model: how the phase reaches peers. */
export interface PlanOptions {
  /** The ingress controller is meshed (authorized by its service account). */
  readonly ingressMeshed: boolean;
  /** Networks of an unmeshed ingress controller. */
  readonly ingressNetworks: readonly string[];
  /** The ingress controller's callers reach its services straight from outside (Cilium ingressFromWorld). */
  readonly exposedFromWorld: boolean;
  /** The L4 layer under Linkerd: without one, network grants are not narrowed to the peer. */
  readonly l4: L4Layer;
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function identityKey(id: Identity): string {
  return `${id.namespace}/${id.serviceAccount}`;
}

function sortedIdentities(ids: Iterable<Identity>): Identity[] {
  const byKey = new Map<string, Identity>();
  for (const id of ids) {
    byKey.set(identityKey(id), id);
  }
  return [...byKey.entries()].sort(([a], [b]) => compareStrings(a, b)).map(([, id]) => id);
}

function isL7(protocol: PortProtocol): boolean {
  return protocol === PortProtocol.HTTP || protocol === PortProtocol.HTTP2 || protocol === PortProtocol.GRPC;
}

/** Routes of `service` served on any of `ports`. */
export function routesOn(service: ResolvedService, ports: readonly ResolvedPort[]): ResolvedRoute[] {
  return service.routes.filter(r => r.ports.some(p => ports.includes(p)));
}

/**
 * Protocol and route style of the Server of a pod port. gRPC servers take GRPCRoutes
 * only, so a gRPC port that also serves HTTP routes is declared HTTP/2 (gRPC is HTTP/2).
 * Service ports of different protocols on one pod port fall back to detection.
 */
function serverProtocol(service: ResolvedService, ports: readonly ResolvedPort[]): { proxyProtocol: ProxyProtocol; routeStyle: 'http' | 'grpc' | 'none' } {
  const protocols = new Set(ports.map(p => p.protocol));
  if (protocols.size > 1) {
    return [...protocols].some(isL7) ? { proxyProtocol: 'unknown', routeStyle: 'http' } : { proxyProtocol: 'opaque', routeStyle: 'none' };
  }
  switch ([...protocols][0]) {
    case PortProtocol.HTTP:
      return { proxyProtocol: 'HTTP/1', routeStyle: 'http' };
    case PortProtocol.HTTP2:
      return { proxyProtocol: 'HTTP/2', routeStyle: 'http' };
    case PortProtocol.GRPC:
      return routesOn(service, ports).some(r => r.kind === 'http')
        ? { proxyProtocol: 'HTTP/2', routeStyle: 'http' }
        : { proxyProtocol: 'gRPC', routeStyle: 'grpc' };
    default:
      return { proxyProtocol: 'opaque', routeStyle: 'none' };
  }
}

/** Outbound route object kind of a service port: GRPCRoute, HTTPRoute or none (opaque/UDP). */
export function outboundStyle(service: ResolvedService, port: ResolvedPort): 'http' | 'grpc' | 'none' {
  if (!isL7(port.protocol)) {
    return 'none';
  }
  if (port.protocol === PortProtocol.GRPC && !routesOn(service, [port]).some(r => r.kind === 'http')) {
    return 'grpc';
  }
  return 'http';
}

/** The NetworkAuthentication matching every address. */
export const ALL_NETWORKS: NetworkGrant = { name: ALL_NETWORKS_NAME, cidrs: ['0.0.0.0/0', '::/0'] };

/** Collects principals; `build` sorts and de-duplicates. */
class PrincipalSet {
  private readonly accounts = new Map<string, Identity>();
  private readonly patterns = new Set<string>();
  private readonly networks = new Map<string, { network: NetworkGrant; kinds: Map<string, ClientKind>; reaches: Record<ClientKind, boolean> }>();
  private readonly callers = new Map<string, Set<string>>();

  public add(p: Principal): void {
    if (p.kind === 'account' || p.kind === 'pattern') {
      const key = p.kind === 'account' ? identityKey(p.identity) : p.pattern;
      if (p.kind === 'account') {
        this.accounts.set(key, p.identity);
      } else {
        this.patterns.add(key);
      }
      this.callers.set(key, (this.callers.get(key) ?? new Set<string>()).add(p.who));
    } else {
      const entry = this.networks.get(p.network.name)
        ?? { network: p.network, kinds: new Map<string, ClientKind>(), reaches: { pods: false, apiserver: false, addresses: false } };
      entry.kinds.set(p.reason, p.clients);
      (Object.keys(entry.reaches) as ClientKind[]).forEach(k => { entry.reaches[k] = entry.reaches[k] || p.reaches[k]; });
      this.networks.set(p.network.name, entry);
    }
  }

  public addAll(ps: Iterable<Principal>): void {
    for (const p of ps) {
      this.add(p);
    }
  }

  /** What this set grants beyond `covered` (a Server's grant already applies to its routes). */
  public build(covered?: Principals): Principals {
    const coveredAccounts = new Set((covered?.accounts ?? []).map(identityKey));
    const coveredPatterns = new Set(covered?.patterns ?? []);
    const coveredNetworks = new Set((covered?.networks ?? []).map(n => n.network.name));
    const patterns = [...this.patterns].filter(p => !coveredPatterns.has(p)).sort(compareStrings);
    const everyIdentity = patterns.includes('*') || coveredPatterns.has('*');
    const allPatterns = [...patterns, ...coveredPatterns];
    const accounts = everyIdentity ? [] : sortedIdentities([...this.accounts.values()]
      // An account a pattern already matches would only repeat it.
      .filter(id => !coveredAccounts.has(identityKey(id)) && !allPatterns.some(p => patternNamespace(p) === id.namespace)));
    const keptPatterns = everyIdentity && !coveredPatterns.has('*') ? ['*'] : everyIdentity ? [] : patterns;
    const kept = [...accounts.map(identityKey), ...keptPatterns];
    return {
      accounts,
      patterns: keptPatterns,
      networks: [...this.networks.values()]
        .filter(n => !coveredNetworks.has(n.network.name))
        .sort((a, b) => compareStrings(a.network.name, b.network.name))
        .map(n => ({
          network: n.network,
          reasons: [...n.kinds.keys()].sort(compareStrings),
          kinds: Object.fromEntries(n.kinds),
          reaches: { ...n.reaches },
        })),
      identityCallers: [...new Set(kept.flatMap(k => [...(this.callers.get(k) ?? [])]))].sort(compareStrings),
    };
  }
}

/** One way to be authorized. */
export type Principal =
  | { readonly kind: 'account'; readonly identity: Identity; readonly who: string }
  | { readonly kind: 'pattern'; readonly pattern: string; readonly who: string }
  /**
   * `clients`: what the callers are (pods or addresses); `reaches`: other clients inside
   * the network, which get the grant too.
   */
  | { readonly kind: 'network'; readonly network: NetworkGrant; readonly reason: string; readonly clients: ClientKind; readonly reaches: ClientKinds };

/** `<sa>.<ns>.serviceaccount.identity.<control plane ns>.<trust domain>`: a Linkerd identity. */
export function identityString(id: Identity, controlPlaneNamespace: string, trustDomain: string): string {
  return `${id.serviceAccount}.${id.namespace}.serviceaccount.identity.${controlPlaneNamespace}.${trustDomain}`;
}

/** The namespace a `*.<ns>.serviceaccount.identity...` pattern stands for. */
function patternNamespace(pattern: string): string | undefined {
  const m = /^\*\.([^.]+)\.serviceaccount\.identity\./.exec(pattern);
  return m ? m[1] : undefined;
}

function hasAllAddresses(cidrs: readonly string[]): boolean {
  return cidrs.some(c => /\/0$/.test(c));
}

/**
 * How a peer is authorized: meshed pods by identity (their service account, else every
 * identity of their namespace, or any identity for all namespaces), everything else by
 * network (its addresses, or every address, which the L4 layer narrows to the peer).
 * Refuses what Linkerd cannot express, and network or namespace grants wider than the
 * peer when no L4 layer narrows them.
 */
export function peerPrincipals(peer: ResolvedPeer, model: ResolvedCatalog, options: PlanOptions, where: string): Principal[] {
  const noL4 = options.l4 === L4Layer.NONE;
  const l4Hint = 'use l4: cilium or l4: networkpolicy, which narrow it to the peer';
  if (peer.name === 'ingress-controller') {
    const out: Principal[] = [];
    if (options.ingressMeshed) {
      out.push({ kind: 'account', identity: { namespace: model.ingressController.namespace, serviceAccount: model.ingressController.serviceAccount }, who: 'the ingress controller' });
    } else {
      // Its networks (a pod or node CIDR) may hold other pods.
      out.push({
        kind: 'network',
        network: { name: INGRESS_NETWORKS_NAME, cidrs: [...options.ingressNetworks] },
        reason: 'the unmeshed ingress controller',
        clients: 'pods',
        reaches: { pods: true, apiserver: false, addresses: false },
      });
    }
    if (options.exposedFromWorld) {
      out.push({
        kind: 'network',
        network: ALL_NETWORKS,
        reason: 'ingress from outside the cluster (Cilium ingressFromWorld)',
        clients: 'addresses',
        reaches: { pods: true, apiserver: true, addresses: false },
      });
    }
    return out;
  }
  if (peer.kind === 'pods' && peer.meshed) {
    if (peer.namespaceSelector !== undefined) {
      throw new PhaseCapabilityError(`${where}: the linkerd phase cannot authorize the meshed peer "${peer.name}": it selects namespaces by label, and Linkerd identities name one namespace (or all). Declare one peer per namespace (peers[].namespace), or set peers[${peer.name}].meshed: false to authorize it by network under the L4 layer`);
    }
    if (peer.serviceAccount !== undefined && peer.namespace !== undefined) {
      return [{ kind: 'account', identity: { namespace: peer.namespace, serviceAccount: peer.serviceAccount }, who: `peer ${peer.name}` }];
    }
    if (noL4 && Object.keys(peer.selector).length > 0) {
      throw new PhaseCapabilityError(`${where}: the linkerd phase authorizes meshed pods by service account, and peer "${peer.name}" gives pod labels but no service account: without an L4 layer every pod of ${peer.namespace !== undefined ? `namespace ${peer.namespace}` : 'the cluster'} could call. Give peers[${peer.name}].serviceAccount, or ${l4Hint}`);
    }
    const pattern = peer.namespace !== undefined
      ? `*.${peer.namespace}.serviceaccount.identity.${model.linkerd.controlPlaneNamespace}.${model.trustDomain}`
      : '*';
    return [{ kind: 'pattern', pattern, who: `peer ${peer.name}` }];
  }
  const cidrs = peer.kind === 'pods' ? [] : peer.cidrs;
  const everywhere = cidrs.length === 0 || hasAllAddresses(cidrs);
  if (everywhere && noL4) {
    const wayOut = peer.kind === 'kube-apiserver'
      ? `give peers[${peer.name}].cidrs (the API server's addresses: kubectl get endpoints kubernetes), or ${l4Hint}`
      : peer.kind === 'world'
        ? `give peers[${peer.name}].cidrs (the ranges it calls from), or ${l4Hint}`
        : `mesh the peer (peers[${peer.name}].meshed: true, with its serviceAccount), or ${l4Hint}`;
    throw new PhaseCapabilityError(`${where}: the linkerd phase authorizes the unmeshed peer "${peer.name}" by network, and that network is every address: without an L4 layer any pod or address could call. ${wayOut.charAt(0).toUpperCase()}${wayOut.slice(1)}`);
  }
  const network: NetworkGrant = everywhere
    ? ALL_NETWORKS
    : { name: `${PEER_NETWORKS_PREFIX}${peer.name}`, cidrs: [...cidrs].sort(compareStrings) };
  // Who else is inside the network: every address holds every pod and address, but every
  // pod of the cluster is the `cluster` peer's own, and every address outside it but the
  // API server's the world's.
  const everyPod = peer.kind === 'pods' && peer.allNamespaces && Object.keys(peer.selector).length === 0;
  const reaches: ClientKinds = everywhere
    ? { pods: !everyPod, apiserver: peer.kind !== 'kube-apiserver', addresses: peer.kind !== 'world' }
    : { pods: false, apiserver: false, addresses: false };
  return [{
    kind: 'network',
    network,
    reason: `peer ${peer.name} (${peer.kind === 'pods' ? 'unmeshed pods' : peer.kind})`,
    clients: peer.kind === 'pods' ? 'pods' : peer.kind === 'kube-apiserver' ? 'apiserver' : 'addresses',
    reaches,
  }];
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

/** Principals of a catalog caller: every service account of its pods, or the version's. */
function callerPrincipals(caller: ResolvedService, fromVersion: string | undefined): Principal[] {
  const version = fromVersion === undefined ? undefined : caller.versions.find(v => v.name === fromVersion);
  const accounts = version ? [version.serviceAccount] : caller.serviceAccounts;
  const who = fromVersion === undefined ? caller.id : `${caller.id}@${fromVersion}`;
  return accounts.map(serviceAccount => ({ kind: 'account', identity: { namespace: caller.namespace, serviceAccount }, who }));
}

/** The Servers of every service, in service then pod-port order. UDP ports get none. */
export function planServers(model: ResolvedCatalog, options: PlanOptions): ServerPlan[] {
  const plans: ServerPlan[] = [];
  for (const service of model.services.filter(s => !s.clientOnly)) {
    const byPodPort = new Map<number, ResolvedPort[]>();
    for (const port of service.ports.filter(p => p.protocol !== PortProtocol.UDP)) {
      byPodPort.set(port.targetPort, [...(byPodPort.get(port.targetPort) ?? []), port]);
    }
    for (const [podPort, ports] of [...byPodPort.entries()].sort(([a], [b]) => a - b)) {
      const where = `${service.id} port ${ports[0].ref}`;
      const server = new PrincipalSet();
      const serverWho = new Set<string>();
      const limited = new Map<string, { route: ResolvedRoute; set: PrincipalSet; principals: Principal[] }>();
      const grant = (entry: { readonly ports: readonly ResolvedPort[]; readonly routes: readonly ResolvedRoute[] }, principals: Principal[]) => {
        for (const port of entry.ports.filter(p => ports.includes(p))) {
          // Limited only on L7 ports serving one of its routes; elsewhere any request.
          const routes = routesOnPort(entry, port);
          if (!routes) {
            server.addAll(principals);
            principals.forEach(p => serverWho.add(principalWho(p)));
            continue;
          }
          for (const route of routes) {
            const item = limited.get(route.name) ?? { route, set: new PrincipalSet(), principals: [] };
            item.set.addAll(principals);
            item.principals.push(...principals);
            limited.set(route.name, item);
          }
        }
      };
      for (const inbound of service.inbound) {
        if (inbound.call.ports.some(p => ports.includes(p))) {
          grant(inbound.call, callerPrincipals(model.service(inbound.fromId), inbound.fromVersion));
        }
      }
      for (const caller of service.callers) {
        if (caller.ports.some(p => ports.includes(p))) {
          grant(caller, peerPrincipals(caller.peer, model, options, where));
        }
      }
      // Calls to a pod peer whose scope holds this service's pods reach them on the call's
      // port numbers (the peer side of a peer call): any request there.
      for (const { caller, fromVersion } of peerCallsInto(model, service, podPort)) {
        const principals = callerPrincipals(caller, fromVersion);
        server.addAll(principals);
        principals.forEach(p => serverWho.add(principalWho(p)));
      }
      const style = serverProtocol(service, ports).routeStyle;
      const precedence = style === 'none' ? { widenings: [], widenedInto: new Map<string, Set<string>>() }
        : authorizeByPrecedence(model, where, routesOn(service, ports), limited, serverWho, style);
      const overlaps = precedence.widenings;
      const serverPrincipals = server.build();
      const routeGrants = [...limited.values()]
        .map(({ route, set }) => ({ route, principals: set.build(serverPrincipals) }))
        .filter(g => !isEmptyGrant(g.principals))
        .sort((a, b) => compareStrings(a.route.name, b.route.name));
      // Ports unmeshed peers call are `plaintext` too, but get the peer's network grant
      // only; a port declared plaintext accepts every network.
      const plaintext = ports.some(p => p.plaintextDeclared);
      // Before de-duplication: a route grant the Server's covers still says who is limited.
      const rawRouteGrants = [...limited.values()].map(({ route, set }) => ({ route, principals: set.build() }));
      assertNoWidening(where, serverPrincipals, rawRouteGrants, plaintext);
      assertIdentitiesSeparate(where, model, service, ports, style, serverPrincipals, routeGrants, precedence.widenedInto, options);
      plans.push({
        service,
        name: `${service.name}-${ports[0].ref}`,
        podPort,
        ports,
        ...serverProtocol(service, ports),
        server: serverPrincipals,
        routeGrants,
        plaintext,
        overlaps: [...new Set(overlaps)].sort(),
      });
    }
  }
  return plans;
}

/** Who a principal stands for (a caller, or a network's reason). */
function principalWho(p: Principal): string {
  return p.kind === 'network' ? p.reason : p.who;
}

/**
 * Makes route-limited authorization exact under the proxy's route precedence, in place,
 * and returns the widenings the catalog allowed (one line each).
 *
 * linkerd2-proxy dispatches a request to ONE route of the Server, the best match
 * (`linkerd/http/route/src/lib.rs` find/best; ordering in `http/match.rs`: path match
 * length — exact and regex by the whole path, prefix by the prefix — then headers, query
 * parameters, method; `grpc/match.rs`: service then method length), and authorizes it by
 * that route's policies only. The catalog declares a request for a caller when ANY of the
 * caller's routes matches it (as Cilium and Istio enforce it). So:
 * - route `u` is authorized for the callers of every route `v` that covers it (each
 *   request `u` wins is a request of `v`): exact;
 * - callers of `v` are never added to a route `u` that merely overlaps `v`: when `u` can
 *   win a request of `v` without being contained in it, the callers of `v` would lose
 *   that request (declared but denied) or, if added, gain all of `u`. That is refused,
 *   naming service, routes and callers, unless `v` allows wider enforcement: then they
 *   are added to `u` and the widening is reported.
 * `mayShadow` over-approximates (unsure = may win), `covers` under-approximates (unsure =
 * does not cover), so an accepted plan is exact.
 */
function authorizeByPrecedence(
  model: ResolvedCatalog,
  where: string,
  served: readonly ResolvedRoute[],
  limited: Map<string, { route: ResolvedRoute; set: PrincipalSet; principals: Principal[] }>,
  serverWho: ReadonlySet<string>,
  style: 'http' | 'grpc',
): { widenings: string[]; widenedInto: Map<string, Set<string>> } {
  const own = new Map([...limited.entries()].map(([name, item]) => [name, { route: item.route, principals: [...item.principals] }]));
  const routes = served.filter(r => own.has(r.name));
  const whoOf = (name: string) => new Set([...own.get(name)!.principals.map(principalWho)].filter(w => !serverWho.has(w)));
  const grantTo = (u: ResolvedRoute, principals: readonly Principal[]) => {
    const item = limited.get(u.name)!;
    item.set.addAll(principals);
    item.principals.push(...principals);
  };
  const twins = style === 'http' ? splitByMethod(served, routes, own, limited, style) : new Set<string>();
  // Closure over covering routes first, so the check below sees the final callers.
  for (const u of routes) {
    for (const v of routes.filter(r => r !== u && covers(r, u, style))) {
      grantTo(u, own.get(v.name)!.principals);
    }
  }
  const widened: string[] = [];
  const widenedInto = new Map<string, Set<string>>();
  const refused: string[] = [];
  for (const v of routes) {
    const callers = whoOf(v.name);
    const method = style === 'http' ? httpMatchOf(v).method : undefined;
    // A method twin of `u` takes every request of `u` with the method of `v`.
    const wins = (r: ResolvedRoute) => r !== v && !covers(v, r, style) && mayShadow(r, v, style) && !twins.has(`${r.name}|${method}`);
    for (const u of routes.filter(wins)) {
      const authorized = new Set(limited.get(u.name)!.principals.map(principalWho));
      const losing = [...callers].filter(w => !authorized.has(w)).sort(compareStrings);
      if (losing.length === 0) {
        continue;
      }
      const what = `route "${u.name}" (${describeMatch(u, style)}) can win requests of route "${v.name}" (${describeMatch(v, style)}) without being contained in it`;
      if (widerEnforcementAllowed(model, v)) {
        grantTo(u, own.get(v.name)!.principals.filter(p => losing.includes(principalWho(p))));
        widenedInto.set(v.name, (widenedInto.get(v.name) ?? new Set<string>()).add(u.name));
        widened.push(`${what}: ${losing.join(', ')}, limited to "${v.name}", are also allowed the requests of "${u.name}" that "${v.name}" does not match (allowWiderEnforcement)`);
      } else {
        refused.push(`${what}; ${losing.join(', ')}, limited to "${v.name}", would be denied those requests, or allowed all of "${u.name}"`);
      }
    }
  }
  if (refused.length > 0) {
    throw new PhaseCapabilityError(`${where}: the linkerd phase cannot enforce these route limits exactly: ${refused.join('; ')}. The proxy authorizes a request by the one route it dispatches to (longest path match, then method). Make the routes nested or disjoint, or set allowWiderEnforcement: true on the route (or l7Widening: allow) to accept the wider limit`);
  }
  return { widenings: widened, widenedInto };
}

/**
 * Exact method twins, in place: a method-less HTTP route `u` whose path lies inside the
 * path of a route `v` limited to method `m` (and which can win requests of `v`) gets a
 * twin `<u>-<m>`: same path, method `m`. The proxy prefers the twin for method-`m`
 * requests (same path rank, a method match ranks higher: linkerd2-proxy
 * `http/match.rs`), and the twin is contained in `v`, so it carries the callers of `v`
 * while `u` keeps the other methods. Returns `<u>|<m>` for every twin made.
 */
function splitByMethod(
  served: readonly ResolvedRoute[],
  routes: ResolvedRoute[],
  own: Map<string, { route: ResolvedRoute; principals: Principal[] }>,
  limited: Map<string, { route: ResolvedRoute; set: PrincipalSet; principals: Principal[] }>,
  style: 'http' | 'grpc',
): Set<string> {
  const twins = new Set<string>();
  for (const u of [...routes]) {
    if (u.kind !== 'http' || u.http?.method !== undefined) {
      continue;
    }
    for (const v of [...routes]) {
      const method = v.kind === 'http' ? v.http?.method : undefined;
      if (v === u || method === undefined || twins.has(`${u.name}|${method}`) || covers(v, u, style) || !mayShadow(u, v, style)) {
        continue;
      }
      const pathOfV: ResolvedRoute = { ...v, http: { ...v.http, method: undefined } };
      const name = `${u.name}-${method.toLowerCase()}`;
      if (!covers(pathOfV, u, style) || served.some(r => r.name === name) || own.has(name)) {
        continue;
      }
      const twin: ResolvedRoute = { ...u, name, http: { ...u.http, method } };
      const principals = [...own.get(u.name)!.principals];
      routes.push(twin);
      own.set(name, { route: twin, principals });
      const set = new PrincipalSet();
      set.addAll(principals);
      limited.set(name, { route: twin, set, principals: [...principals] });
      twins.add(`${u.name}|${method}`);
    }
  }
  return twins;
}

/** The pods of a catalog service, one unit per version (backend versions have none). */
interface PodUnit {
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

function unitIndex(model: ResolvedCatalog): UnitIndex {
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
function peerHolds(model: ResolvedCatalog, peer: ResolvedPeer, unit: PodUnit): boolean {
  if (peer.kind !== 'pods' || peer.name === 'ingress-controller') {
    return false;
  }
  const ns = unit.service.namespace;
  const inScope = peerCoversNamespace(peer, model.namespaces.find(n => n.name === ns) ?? { name: ns });
  return inScope && labelsMatch(peer.selector, unit.labels);
}

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

/**
 * Refuses a Server where pods sharing one mesh identity (versions without a service
 * account of their own, services sharing one, pods a namespace or cluster pattern
 * covers) are declared different requests: Linkerd tells clients apart by identity only,
 * so each would get what any of them is granted. Pods the L4 layer keeps off the port
 * (no declared call to it) are separated there; without an L4 layer, every pod reaches it.
 */
function assertIdentitiesSeparate(
  where: string,
  model: ResolvedCatalog,
  service: ResolvedService,
  ports: readonly ResolvedPort[],
  style: 'http' | 'grpc' | 'none',
  server: Principals,
  routeGrants: readonly RouteGrant[],
  widenedInto: ReadonlyMap<string, ReadonlySet<string>>,
  options: PlanOptions,
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
  // What each identity is granted here.
  const granted = new Map<string, Rights>();
  const grant = (p: Principals, rights: Rights) => {
    const keys = [...p.accounts.map(identityKey), ...p.patterns];
    keys.forEach(k => granted.set(k, addRights(granted.get(k), rights)));
  };
  grant(server, 'any');
  routeGrants.forEach(g => grant(g.principals, new Set([g.route.name])));
  if (granted.size === 0) {
    return;
  }
  const grantedTo = (unit: PodUnit): Rights | undefined => {
    let rights: Rights | undefined;
    for (const [key, r] of granted) {
      const ns = unit.service.namespace;
      if (key === unit.identity || key === '*' || patternNamespace(key) === ns) {
        rights = addRights(rights, r);
      }
    }
    return rights;
  };
  const problems: string[] = [];
  const peerCallers = ports.length > 0 ? peerCallsInto(model, service, ports[0].targetPort) : [];
  // Only units some granted identity or pattern covers can be widened.
  const index = unitIndex(model);
  const candidates = new Set<PodUnit>();
  for (const key of granted.keys()) {
    const ns = patternNamespace(key);
    (key === '*' ? index.all : ns !== undefined ? index.byNamespace.get(ns) ?? [] : index.byIdentity.get(key) ?? []).forEach(u => candidates.add(u));
  }
  for (const unit of [...candidates].sort((a, b) => index.position.get(a)! - index.position.get(b)!)) {
    const gets = grantedTo(unit);
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
function assertNoWidening(where: string, server: Principals, routeGrants: readonly RouteGrant[], plaintext: boolean): void {
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

/**
 * Object names must be unique per kind and namespace; names are built from service, port
 * and route names, so two combinations can meet (`a` + `b-c` and `a-b` + `c`). Refuse
 * rather than let one object overwrite another.
 */
export class NameRegistry {
  /** The registry shared by every linkerd construct of a chart. */
  public static of(scope: IConstruct): NameRegistry {
    const chart = Chart.of(scope);
    let registry = REGISTRIES.get(chart);
    if (!registry) {
      registry = new NameRegistry();
      REGISTRIES.set(chart, registry);
    }
    return registry;
  }

  private readonly seen = new Map<string, string>();

  public claim(kind: string, namespace: string, name: string, owner: string): string {
    const key = `${kind}\u0000${namespace}\u0000${name}`;
    const previous = this.seen.get(key);
    if (previous !== undefined && previous !== owner) {
      throw new PhaseCapabilityError(`the linkerd phase would emit two ${kind} objects named ${namespace}/${name} (for ${previous} and for ${owner}); rename one of the ports, routes or services involved`);
    }
    this.seen.set(key, owner);
    return name;
  }
}

const REGISTRIES = new WeakMap<Chart, NameRegistry>();
