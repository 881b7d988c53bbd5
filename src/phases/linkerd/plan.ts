/**
 * What the linkerd phase emits, decided from the resolved model before any object is
 * built: one Server per pod port, who may call it (whole port or per route), and which
 * route objects a service port needs. Pure functions; the constructs render them.
 */
import { Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { ResolvedCatalog, ResolvedPort, ResolvedRoute, ResolvedService } from '../../model/resolved';
import { routesOnPort } from '../../model/routes';
import { HttpMethod, PortProtocol } from '../../model/types';
import { PhaseCapabilityError } from '../common';

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

export interface HttpMatchPlan {
  readonly method?: HttpMethod;
  readonly path?: { readonly type: 'Exact' | 'PathPrefix' | 'RegularExpression'; readonly value: string };
}

export interface GrpcMatchPlan {
  readonly service: string;
  readonly method?: string;
}

/** A route-limited grant on a Server: these identities, these routes' requests. */
export interface RouteGrant {
  readonly route: ResolvedRoute;
  readonly identities: Identity[];
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
  /** Callers allowed every request (service accounts), sorted. */
  readonly clients: Identity[];
  /** The ingress controller calls this port (the service is exposed). */
  readonly ingress: boolean;
  /** Route-limited callers, by route name (callers already in `clients` left out). */
  readonly routeGrants: RouteGrant[];
  /** Some service port here accepts plaintext from outside the mesh. */
  readonly plaintext: boolean;
  /** Route overlaps that widen a route-limited grant (see `planServers`). */
  readonly overlaps: string[];
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

/** HTTP/2 framing (gRPC) on an HTTPRoute: gRPC requests are POSTs to `/<service>/<method>`. */
export function httpMatchOf(route: ResolvedRoute): HttpMatchPlan {
  if (route.kind === 'grpc') {
    const grpc = route.grpc!;
    return grpc.method !== undefined
      ? { method: HttpMethod.POST, path: { type: 'Exact', value: `/${grpc.service}/${grpc.method}` } }
      : { method: HttpMethod.POST, path: { type: 'PathPrefix', value: `/${grpc.service}` } };
  }
  const http = route.http ?? {};
  const path = http.path !== undefined ? { type: 'Exact' as const, value: http.path }
    : http.pathPrefix !== undefined ? { type: 'PathPrefix' as const, value: http.pathPrefix }
      : http.pathRegex !== undefined ? { type: 'RegularExpression' as const, value: http.pathRegex }
        : undefined;
  return { ...(http.method ? { method: http.method } : {}), ...(path ? { path } : {}) };
}

export function grpcMatchOf(route: ResolvedRoute): GrpcMatchPlan {
  const grpc = route.grpc!;
  return { service: grpc.service, ...(grpc.method !== undefined ? { method: grpc.method } : {}) };
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
export function planServers(model: ResolvedCatalog): ServerPlan[] {
  const plans: ServerPlan[] = [];
  for (const service of model.services.filter(s => !s.clientOnly)) {
    const byPodPort = new Map<number, ResolvedPort[]>();
    for (const port of service.ports.filter(p => p.protocol !== PortProtocol.UDP)) {
      byPodPort.set(port.targetPort, [...(byPodPort.get(port.targetPort) ?? []), port]);
    }
    for (const [podPort, ports] of [...byPodPort.entries()].sort(([a], [b]) => a - b)) {
      const clients: Identity[] = [];
      const limited = new Map<string, { route: ResolvedRoute; ids: Identity[] }>();
      for (const inbound of service.inbound) {
        if (!inbound.call.ports.some(p => ports.includes(p))) {
          continue;
        }
        const caller = model.service(inbound.fromId);
        const id: Identity = { namespace: caller.namespace, serviceAccount: caller.serviceAccount };
        for (const port of inbound.call.ports.filter(p => ports.includes(p))) {
          // Limited only on L7 ports serving one of its routes; elsewhere any request.
          const routes = routesOnPort(inbound.call, port);
          if (!routes) {
            clients.push(id);
            continue;
          }
          for (const route of routes) {
            const entry = limited.get(route.name) ?? { route, ids: [] };
            entry.ids.push(id);
            limited.set(route.name, entry);
          }
        }
      }
      const style = serverProtocol(service, ports).routeStyle;
      const overlaps: string[] = [];
      if (style !== 'none') {
        // Linkerd authorizes a request by its best-matching route only: callers of a route
        // are also authorized on every route that can win its requests.
        const served = routesOn(service, ports);
        for (const { route: a, ids } of [...limited.values()]) {
          for (const b of served.filter(r => r !== a && mayShadow(r, a, style))) {
            const entry = limited.get(b.name) ?? { route: b, ids: [] };
            entry.ids.push(...ids);
            limited.set(b.name, entry);
            if (!covers(a, b, style)) {
              overlaps.push(`route "${b.name}" can win requests of route "${a.name}" without being contained in it: the callers limited to "${a.name}" are authorized on all of "${b.name}"`);
            }
          }
        }
      }
      const clientKeys = new Set(clients.map(identityKey));
      const routeGrants = [...limited.values()]
        .map(({ route, ids }) => ({ route, identities: sortedIdentities(ids.filter(i => !clientKeys.has(identityKey(i)))) }))
        .filter(g => g.identities.length > 0)
        .sort((a, b) => compareStrings(a.route.name, b.route.name));
      plans.push({
        service,
        name: `${service.name}-${ports[0].ref}`,
        podPort,
        ports,
        ...serverProtocol(service, ports),
        clients: sortedIdentities(clients),
        ingress: service.exposed,
        routeGrants,
        plaintext: ports.some(p => p.plaintext),
        overlaps: [...new Set(overlaps)].sort(),
      });
    }
  }
  return plans;
}

/** Trims trailing slashes the way Linkerd compares path prefixes. */
function trimSlashes(path: string): string {
  return path === '/' ? '/' : path.replace(/\/+$/, '');
}

/** Whether `prefix` covers `path` segment-wise (Gateway API PathPrefix). */
function prefixCovers(prefix: string, path: string): boolean {
  const p = trimSlashes(prefix);
  if (p === '/') {
    return true;
  }
  const rest = trimSlashes(path);
  return rest === p || rest.startsWith(p + '/');
}

/**
 * Whether a retried route `q` can win (or tie) Gateway API precedence for some request
 * of the non-idempotent route `n`. Linkerd ranks matches by matched path length, then
 * method presence; a tie is resolved by creation time, which the phase cannot control,
 * so a tie counts as a loss. Conservative: when unsure (regular expressions), true.
 */
export function mayShadowHttp(q: HttpMatchPlan, n: HttpMatchPlan): boolean {
  if (q.method !== undefined && n.method !== undefined && q.method !== n.method) {
    return false;
  }
  const nWinsTies = n.method !== undefined && q.method === undefined;
  const qp = q.path;
  const np = n.path;
  if (np === undefined || (np.type === 'PathPrefix' && trimSlashes(np.value) === '/')) {
    // n matches every path at length 1: any longer q path wins on it.
    return qp === undefined || (qp.type === 'PathPrefix' && trimSlashes(qp.value) === '/') ? !nWinsTies : true;
  }
  if (qp === undefined) {
    // q matches at length 1: it ties only with an exact "/".
    return np.type === 'Exact' && np.value === '/' && !nWinsTies;
  }
  if (qp.type === 'RegularExpression' || np.type === 'RegularExpression') {
    if (qp.type === 'Exact' && np.type === 'RegularExpression') {
      return safeRegex(np.value)?.test(qp.value) ?? true;
    }
    if (np.type === 'Exact' && qp.type === 'RegularExpression') {
      const re = safeRegex(qp.value);
      return re === undefined || (re.test(np.value) && !nWinsTies);
    }
    return true;
  }
  if (np.type === 'Exact') {
    if (qp.type === 'Exact') {
      return qp.value === np.value && !nWinsTies;
    }
    return prefixCovers(qp.value, np.value) && (trimSlashes(qp.value).length < trimSlashes(np.value).length ? false : !nWinsTies);
  }
  // n is a prefix.
  if (qp.type === 'Exact') {
    return prefixCovers(np.value, qp.value) && (qp.value.length > trimSlashes(np.value).length || !nWinsTies);
  }
  const ql = trimSlashes(qp.value).length;
  const nl = trimSlashes(np.value).length;
  if (prefixCovers(np.value, qp.value) && ql > nl) {
    return true; // q is deeper inside n
  }
  if (prefixCovers(qp.value, np.value)) {
    return ql === nl ? !nWinsTies : false;
  }
  return false;
}

function safeRegex(source: string): RegExp | undefined {
  try {
    return new RegExp(`^(?:${source})$`);
  } catch {
    return undefined;
  }
}

export function mayShadowGrpc(q: GrpcMatchPlan, n: GrpcMatchPlan): boolean {
  if (q.service !== n.service) {
    return false;
  }
  if (q.method !== undefined && n.method !== undefined) {
    return q.method === n.method;
  }
  // A method match is more specific than a service-only one.
  return q.method !== undefined || n.method === undefined;
}

/** Whether route `q` can win (or tie) precedence for some request of route `n`. */
export function mayShadow(q: ResolvedRoute, n: ResolvedRoute, style: 'http' | 'grpc'): boolean {
  if (style === 'grpc') {
    return q.kind === 'grpc' && n.kind === 'grpc' && mayShadowGrpc(grpcMatchOf(q), grpcMatchOf(n));
  }
  return mayShadowHttp(httpMatchOf(q), httpMatchOf(n));
}

/** The leading literal of a regular expression (what every full match starts with). */
function literalPrefix(regex: string): string {
  const m = /^\^?([^.[\](){}*+?|^$\\]*)/.exec(regex);
  const literal = m ? m[1] : '';
  // A quantifier applies to the last literal character: it is not certain.
  return /^[*+?{]/.test(regex.slice((m?.[0].length ?? 0))) ? literal.slice(0, -1) : literal;
}

/**
 * Whether every request route `b` matches is also a request of route `a` (conservative:
 * false when unsure).
 */
export function covers(a: ResolvedRoute, b: ResolvedRoute, style: 'http' | 'grpc'): boolean {
  if (style === 'grpc' || (a.kind === 'grpc' && b.kind === 'grpc')) {
    const ga = grpcMatchOf(a);
    const gb = grpcMatchOf(b);
    return a.kind === 'grpc' && b.kind === 'grpc' && ga.service === gb.service && (ga.method === undefined || ga.method === gb.method);
  }
  const ma = httpMatchOf(a);
  const mb = httpMatchOf(b);
  if (ma.method !== undefined && ma.method !== mb.method) {
    return false;
  }
  const pa = ma.path;
  const pb = mb.path;
  if (pa === undefined || (pa.type === 'PathPrefix' && trimSlashes(pa.value) === '/')) {
    return true;
  }
  if (pb === undefined) {
    return false;
  }
  if (pa.type === 'PathPrefix') {
    if (pb.type === 'RegularExpression') {
      const literal = literalPrefix(pb.value);
      return literal.startsWith(trimSlashes(pa.value) + '/');
    }
    return prefixCovers(pa.value, pb.value) && (pb.type === 'Exact' || trimSlashes(pb.value).length >= trimSlashes(pa.value).length);
  }
  if (pa.type === 'Exact') {
    return pb.type === 'Exact' && pb.value === pa.value;
  }
  return pb.type === 'Exact' && (safeRegex(pa.value)?.test(pb.value) ?? false);
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
