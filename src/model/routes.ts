/**
 * Which requests a route-limited call declares, port by port. Shared by the L7 emitters
 * and the analysis (it reads only the model). Internal: not re-exported from the index.
 */
import { ResolvedPort, ResolvedRoute } from './resolved';
import { PortProtocol } from './types';

/** Ports whose requests a proxy can parse (HTTP/1.1, HTTP/2, gRPC). */
export function isL7Port(port: { readonly protocol: PortProtocol }): boolean {
  return port.protocol === PortProtocol.HTTP || port.protocol === PortProtocol.HTTP2 || port.protocol === PortProtocol.GRPC;
}

/** Whether `route` is served on `port` (same service port and pod port). */
export function routeServedOn(route: ResolvedRoute, port: ResolvedPort): boolean {
  return route.ports.some(p => p.port === port.port && p.targetPort === port.targetPort);
}

/** What limits requests: a service call, or a peer's caller entry. */
export interface RouteLimited {
  readonly routes: ReadonlyArray<ResolvedRoute>;
}

/**
 * The routes a call (or a peer's caller entry) limits requests to on one of its ports;
 * undefined means any request.
 *
 * A route-limited call restricts the called L7 ports that serve at least one of its
 * routes. Other called ports (opaque TCP, or an L7 port serving none of the routes, named
 * explicitly in the call) carry any request.
 */
export function routesOnPort(call: RouteLimited, port: ResolvedPort): ResolvedRoute[] | undefined {
  if (call.routes.length === 0 || !isL7Port(port)) {
    return undefined;
  }
  const served = call.routes.filter(r => routeServedOn(r, port));
  return served.length > 0 ? served : undefined;
}

/**
 * Splits a route regex at `|` outside groups and classes (one element when there is
 * none). Shared by the emitters that must treat alternatives one by one.
 */
export function topLevelAlternatives(regex: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let inClass = false;
  let start = 0;
  for (let i = 0; i < regex.length; i++) {
    const ch = regex[i];
    if (ch === '\\') {
      i++;
    } else if (inClass) {
      inClass = ch !== ']';
    } else if (ch === '[') {
      inClass = true;
    } else if (ch === '(') {
      depth++;
    } else if (ch === ')') {
      depth--;
    } else if (ch === '|' && depth === 0) {
      out.push(regex.slice(start, i));
      start = i + 1;
    }
  }
  out.push(regex.slice(start));
  return out;
}
