/**
 * What the linkerd phase emits, decided from the resolved model before any object is
 * built: one Server per pod port, who may call it (whole port or per route), and which
 * route objects a service port needs. Pure functions; the constructs render them.
 */
import { peerCallsInto } from './pod-units';
import { callerPrincipals, isEmptyGrant, peerPrincipals, Principal, Principals, PrincipalSet, principalWho, RouteGrant, ServerDecisionOptions } from './principals';
import { authorizeByPrecedence } from './route-precedence';
import { assertIdentitiesSeparate, assertNoWidening } from './server-checks';
import { compareStrings } from '../../model/compare';
import { ResolvedCatalog, ResolvedPort, ResolvedRoute, ResolvedService } from '../../model/resolved';
import { routesOnPort } from '../../model/routes';
import { PortProtocol } from '../../model/types';

/** Server `proxyProtocol` values (policy.linkerd.io Server). */
export type ProxyProtocol = 'HTTP/1' | 'HTTP/2' | 'gRPC' | 'opaque' | 'unknown';

export interface ServerDecision {
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
  /** Route overlaps that widen a route-limited grant (see `decideServers`). */
  readonly overlaps: string[];
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

/** The Servers of every service, in service then pod-port order. UDP ports get none. */
export function decideServers(model: ResolvedCatalog, options: ServerDecisionOptions): ServerDecision[] {
  const decisions: ServerDecision[] = [];
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
      decisions.push({
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
  return decisions;
}
