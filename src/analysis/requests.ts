/**
 * L7 request probes: for every L4-allowed flow to an HTTP, HTTP/2 or gRPC port of a
 * catalog service, send sample requests (one per route served on the port, plus requests
 * that no route declares) through an L7-capable evaluator and compare with what the
 * catalog declares. Shared by the evaluators of every phase that enforces L7.
 *
 * Declared requests (`requestDeclared`):
 * - a call without routes declares any request on its ports;
 * - a call limited to routes declares, on each called L7 port that serves one of those
 *   routes, exactly the requests matching one of them (other called ports: any request);
 * - a version's own calls declare requests from that version's pods only;
 * - a caller entry (a peer, incl. `exposed` and metrics ports) declares requests from the
 *   peer's endpoints like a call (the ingress controller's: from the sources a phase
 *   names instead, e.g. the world for Cilium's `ingressFromWorld`).
 */
import { Endpoint, endpointMatchesPeer, Universe } from './endpoints';
import { Flow, flowComparator, flowKey, PortProbe } from './flows';
import { fullMatch, sampleForRegex } from './regex-sample';
import { compareStrings } from '../model/compare';
import { ResolvedCatalog, ResolvedPort, ResolvedRoute, ResolvedService } from '../model/resolved';
import { widerEnforcementAllowed } from '../model/route-forms';
import { isL7Port, routesOnPort } from '../model/routes';
import { PortProtocol } from '../model/types';

/** Where it lived before `regex-sample.ts`: its importers keep this path. */
export { sampleForRegex } from './regex-sample';

/** One HTTP request (gRPC: `POST /<package.Service>/<Method>`). */
export interface RequestProbe {
  readonly method: string;
  /** Request path (no query string). */
  readonly path: string;
  /** The route this request was generated from (absent for probes matching no route). */
  readonly routeName?: string;
}

/** A request sent along a flow. */
export interface RequestFlow extends Flow, RequestProbe {}

/** What an L7-capable evaluator provides besides `FlowEvaluator.allows`. */
export interface RequestEvaluator {
  /**
   * Whether `request` from `from` reaches the application at `to` on `probe`, given that
   * the connection itself is allowed (a request refused at L7, e.g. a 403, is not).
   */
  allowsRequest(from: Endpoint, to: Endpoint, probe: PortProbe, request: RequestProbe): boolean;
}

export interface RequestReport {
  /** Every probed request (on L4-allowed flows), in canonical order. */
  readonly probed: RequestFlow[];
  /** Probed requests the catalog declares. */
  readonly declared: RequestFlow[];
  /** Probed requests the evaluator lets through. */
  readonly allowed: RequestFlow[];
  /** Declared but refused at L7. */
  readonly missing: RequestFlow[];
  /** Let through but not declared. */
  readonly unexpected: RequestFlow[];
  /**
   * Let through, not declared, from a caller limited to a route the catalog lets phases
   * enforce wider (`allowWiderEnforcement`): reported, not a failure.
   */
  readonly tolerated: RequestFlow[];
}

export interface RequestDeclarationOptions {
  /**
   * Sources that the ingress controller peer stands for (`exposed`, `callers`).
   * @default - the ingress controller
   */
  readonly exposedFrom?: (endpoint: Endpoint) => boolean;
  /**
   * Connections the intent tolerates (e.g. from pods carrying a peer's labels under
   * another service account): any request on them is neither declared nor unexpected.
   * @default - none
   */
  readonly toleratedConnections?: ReadonlyArray<Flow>;
}

/** Path of a probe that no route declares. */
export const UNDECLARED_PATH = '/__mesh-ladder-probe__';
/** gRPC service that no catalog declares. */
const UNDECLARED_GRPC_SERVICE = 'mesh.ladder.Undeclared';

/** Method name used for method-less gRPC routes and as an undeclared method. */
const PROBE_GRPC_METHOD = 'MeshLadderProbe';
const UNDECLARED_GRPC_METHOD = 'MeshLadderUndeclared';

/** Strips a query string. */
function pathOnly(path: string): string {
  const q = path.indexOf('?');
  return q < 0 ? path : path.slice(0, q);
}

/**
 * Whether a route matches a request: gRPC by service and optional method (`POST
 * /<service>/<method>`); HTTP by optional method and by exact path, segment-wise prefix
 * or full regular-expression match (the query string is ignored).
 */
export function routeMatches(route: ResolvedRoute, request: RequestProbe): boolean {
  const path = pathOnly(request.path);
  if (route.kind === 'grpc') {
    const grpc = route.grpc;
    if (!grpc || request.method !== 'POST') {
      return false;
    }
    const prefix = `/${grpc.service}/`;
    if (!path.startsWith(prefix)) {
      return false;
    }
    const method = path.slice(prefix.length);
    return method !== '' && !method.includes('/') && (grpc.method === undefined || grpc.method === method);
  }
  const http = route.http ?? {};
  if (http.method !== undefined && http.method !== request.method) {
    return false;
  }
  if (http.path !== undefined) {
    return path === http.path;
  }
  if (http.pathPrefix !== undefined) {
    const prefix = http.pathPrefix.replace(/\/+$/, '');
    return prefix === '' || path === prefix || path.startsWith(`${prefix}/`);
  }
  if (http.pathRegex !== undefined) {
    return fullMatch(http.pathRegex, path);
  }
  return true;
}

/** A call or caller entry: its ports and the routes it is limited to. */
type Entry = { readonly ports: readonly ResolvedPort[]; readonly routes: readonly ResolvedRoute[] };

/**
 * Whether some entry of the catalog from `from` to `to` on pod port `port` satisfies
 * `admits` (called with the entry's routes on the port, undefined = any request).
 */
function someEntry(
  catalog: ResolvedCatalog,
  from: Endpoint,
  to: Endpoint,
  port: number,
  options: RequestDeclarationOptions,
  admitsRoutes: (routes: readonly ResolvedRoute[] | undefined) => boolean,
  peerCallsCount: boolean,
): boolean {
  if (!to.workload || to.workload.clientOnly) {
    return false;
  }
  const callee = catalog.service(to.workload.serviceId);
  // Requests travel over TCP: a UDP port with the same number declares none.
  const calleePorts = callee.ports.filter(p => p.targetPort === port && p.protocol !== PortProtocol.UDP);
  if (calleePorts.length === 0) {
    return false;
  }
  const exposedFrom = options.exposedFrom ?? ((e: Endpoint) => e.role === 'ingress-controller');
  const admits = (entry: Entry) =>
    entry.ports.some(p => p.targetPort === port && p.protocol !== PortProtocol.UDP && admitsRoutes(routesOnPort(entry, p)));
  for (const caller of callee.callers) {
    const matches = caller.peer.name === 'ingress-controller' ? exposedFrom(from) : endpointMatchesPeer(caller.peer, from);
    if (matches && admits(caller)) {
      return true;
    }
  }
  if (!from.workload) {
    return false;
  }
  const caller = catalog.service(from.workload.serviceId);
  const version = caller.versions.find(v => v.name === from.workload!.version);
  for (const call of [...caller.calls, ...(version?.calls ?? [])]) {
    if (call.kind === 'service' && call.targetId === callee.id && admits(call)) {
      return true;
    }
  }
  // A peer call to pods that include this workload (e.g. `cluster`) is not limited to routes.
  return peerCallsCount && [...caller.peerCalls, ...(version?.peerCalls ?? [])].some(call => call.peer.kind === 'pods'
    && call.ports.some(p => p.port === port && p.protocol !== PortProtocol.UDP)
    && endpointMatchesPeer(call.peer, to));
}

/**
 * Whether the catalog declares `request` from `from` to `to` on pod port `port`.
 */
export function requestDeclared(
  catalog: ResolvedCatalog,
  from: Endpoint,
  to: Endpoint,
  port: number,
  request: RequestProbe,
  options: RequestDeclarationOptions = {},
): boolean {
  return someEntry(catalog, from, to, port, options, routes => !routes || routes.some(r => routeMatches(r, request)), true);
}

/**
 * Whether the catalog tolerates undeclared requests from `from` to `to` on pod port
 * `port`: the caller is limited there to a route whose limit may be enforced wider
 * (`allowWiderEnforcement`, `l7Widening: allow`; synthesis lists the extra requests).
 */
export function requestWideningAllowed(
  catalog: ResolvedCatalog,
  from: Endpoint,
  to: Endpoint,
  port: number,
  options: RequestDeclarationOptions = {},
): boolean {
  return someEntry(catalog, from, to, port, options, routes => (routes ?? []).some(r => widerEnforcementAllowed(catalog, r)), false);
}

/** A concrete request matching the route, or undefined when none could be found. */
export function sampleRequest(route: ResolvedRoute): RequestProbe | undefined {
  if (route.kind === 'grpc') {
    const grpc = route.grpc!;
    return { method: 'POST', path: `/${grpc.service}/${grpc.method ?? PROBE_GRPC_METHOD}`, routeName: route.name };
  }
  const http = route.http ?? {};
  const method = http.method ?? 'GET';
  let path: string | undefined;
  if (http.path !== undefined) {
    path = http.path;
  } else if (http.pathPrefix !== undefined) {
    path = `${http.pathPrefix.replace(/\/+$/, '')}/probe`;
  } else if (http.pathRegex !== undefined) {
    path = sampleForRegex(http.pathRegex);
  } else {
    path = '/probe';
  }
  return path === undefined ? undefined : { method, path, routeName: route.name };
}

/** Another method than `method`, for a negative probe on a declared path. */
function otherMethod(method: string): string {
  return method === 'DELETE' ? 'PATCH' : 'DELETE';
}

/**
 * Sample requests for one L7 port of a service: one per route served there, then probes
 * no route is meant to match (another method on a declared path, a sibling of a prefix,
 * a longer exact path, an undeclared path, an undeclared gRPC method and service).
 * Deterministic, without duplicates; empty for non-L7 ports.
 */
export function requestProbes(service: ResolvedService, port: ResolvedPort): RequestProbe[] {
  if (!isL7Port(port)) {
    return [];
  }
  const routes = service.routes.filter(r => r.ports.some(p => p.port === port.port && p.targetPort === port.targetPort));
  const out: RequestProbe[] = [];
  const seen = new Set<string>();
  const add = (probe: RequestProbe) => {
    const key = `${probe.method} ${probe.path}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(probe);
    }
  };
  const positives = routes.map(sampleRequest).filter((p): p is RequestProbe => p !== undefined);
  positives.forEach(add);

  const negatives: RequestProbe[] = [];
  for (const route of routes) {
    const sample = positives.find(p => p.routeName === route.name);
    if (route.kind === 'grpc') {
      negatives.push({ method: 'GET', path: `/${route.grpc!.service}/${route.grpc!.method ?? PROBE_GRPC_METHOD}` });
      if (route.grpc!.method !== undefined) {
        negatives.push({ method: 'POST', path: `/${route.grpc!.service}/${UNDECLARED_GRPC_METHOD}` });
      }
      continue;
    }
    const http = route.http ?? {};
    if (sample && http.method !== undefined) {
      negatives.push({ method: otherMethod(http.method), path: sample.path });
    }
    if (http.path !== undefined) {
      negatives.push({ method: http.method ?? 'GET', path: `${http.path.replace(/\/+$/, '')}/extra` });
    }
    if (http.pathPrefix !== undefined && http.pathPrefix.replace(/\/+$/, '') !== '') {
      const base = http.pathPrefix.replace(/\/+$/, '');
      // The prefix itself and with a trailing slash: matched by the prefix, by no regex below it.
      negatives.push({ method: http.method ?? 'GET', path: `${base}x` }, { method: http.method ?? 'GET', path: base }, { method: http.method ?? 'GET', path: `${base}/` });
    }
    if (http.pathRegex !== undefined && sample) {
      // Near misses a wider enforcement lets through: another character class in the last
      // segment (URI path characters), one segment deeper, the directory of the sample.
      const cut = sample.path.lastIndexOf('/');
      const dir = sample.path.slice(0, cut + 1);
      negatives.push(
        { method: sample.method, path: `${dir}Z~Z` },
        { method: sample.method, path: `${sample.path.replace(/\/+$/, '')}/extra` },
        { method: sample.method, path: dir },
      );
    }
  }
  negatives.push({ method: 'GET', path: UNDECLARED_PATH }, { method: 'DELETE', path: UNDECLARED_PATH });
  if (port.protocol !== PortProtocol.HTTP) {
    negatives.push({ method: 'POST', path: `/${UNDECLARED_GRPC_SERVICE}/${UNDECLARED_GRPC_METHOD}` });
  }
  negatives.forEach(add);
  kubeletProbes(service, port).forEach(add);
  return out;
}

/** The gRPC health check kubelet-native gRPC probes call (grpc/grpc doc/health-checking.md). */
const GRPC_HEALTH_CHECK_PATH = '/grpc.health.v1.Health/Check';

/**
 * The requests the service's kubelet probes send on this port, as the catalog declares
 * them (`services[].probes`): `GET <path>` on HTTP ports, the gRPC health check on gRPC
 * ports. Probed so that what a phase opens for probes is seen by the proof.
 */
function kubeletProbes(service: ResolvedService, port: ResolvedPort): RequestProbe[] {
  if (port.protocol === PortProtocol.GRPC) {
    return service.probes.grpc ? [{ method: 'POST', path: GRPC_HEALTH_CHECK_PATH }] : [];
  }
  return (service.probes.httpPaths ?? []).map(path => ({ method: 'GET', path }));
}

/**
 * Whether `request` is one of the kubelet probes the catalog declares for this port.
 * Kubelet probes come from node addresses that no phase can tell from other clients
 * (Linkerd authorizes them by network: linkerd2 policy-controller's default probe
 * routes and `probeNetworks`), so a phase that opens them to every client admitted at
 * L4 does what the catalog declared: such requests are tolerated, never unexpected.
 */
function isDeclaredProbe(service: ResolvedService, port: number, request: RequestProbe): boolean {
  return service.ports.some(p => p.targetPort === port
    && kubeletProbes(service, p).some(k => k.method === request.method && k.path === request.path));
}

/**
 * Probes every L4-allowed flow to an L7 port of a catalog service with `requestProbes`
 * and compares the evaluator's verdicts with `requestDeclared`.
 *
 * @param connections the flows `l4Allowed` can admit, when known (a reachability
 *   report's `allowed`): only those are probed. Default: every pair of the universe (the
 *   reference; the same report, since other flows fail `l4Allowed`).
 */
export function analyzeRequests(
  catalog: ResolvedCatalog,
  universe: Universe,
  evaluator: RequestEvaluator,
  l4Allowed: (from: Endpoint, to: Endpoint, probe: PortProbe) => boolean,
  options: RequestDeclarationOptions = {},
  connections?: ReadonlyArray<Flow>,
): RequestReport {
  const tolerated = new Set((options.toleratedConnections ?? []).map(flowKey));
  const probed: RequestFlow[] = [];
  const declared: RequestFlow[] = [];
  const allowed: RequestFlow[] = [];
  const missing: RequestFlow[] = [];
  const unexpected: RequestFlow[] = [];
  const toleratedRequests: RequestFlow[] = [];
  const probesByService = new Map<string, Map<number, RequestProbe[]>>();
  const probesOf = (service: ResolvedService) => {
    let byPort = probesByService.get(service.id);
    if (!byPort) {
      byPort = probesByPodPort(service);
      probesByService.set(service.id, byPort);
    }
    return byPort;
  };
  const probeFlow = (from: Endpoint, to: Endpoint, service: ResolvedService, port: number, requests: readonly RequestProbe[]) => {
    const probe: PortProbe = { port, protocol: 'TCP' };
    if (!l4Allowed(from, to, probe)) {
      return;
    }
    for (const request of requests) {
      const flow: RequestFlow = { from: from.id, to: to.id, port, protocol: 'TCP', ...request };
      const isDeclared = requestDeclared(catalog, from, to, port, request, options);
      const isAllowed = evaluator.allowsRequest(from, to, probe, request);
      probed.push(flow);
      if (isDeclared) {
        declared.push(flow);
      }
      if (isAllowed) {
        allowed.push(flow);
      }
      if (isDeclared && !isAllowed) {
        missing.push(flow);
      } else if (!isDeclared && isAllowed && !tolerated.has(flowKey(flow))) {
        // Declared kubelet probes and opted-in widening are tolerated, never unexpected.
        const tolerable = isDeclaredProbe(service, port, request) || requestWideningAllowed(catalog, from, to, port, options);
        (tolerable ? toleratedRequests : unexpected).push(flow);
      }
    }
  };
  const l7Destination = (to: Endpoint) => (to.workload && !to.workload.clientOnly ? catalog.service(to.workload.serviceId) : undefined);
  if (connections !== undefined) {
    for (const c of connections) {
      const from = universe.endpoint(c.from);
      const to = universe.endpoint(c.to);
      const service = l7Destination(to);
      const requests = service && c.protocol === 'TCP' && from !== to ? probesOf(service).get(c.port) : undefined;
      if (service && requests) {
        probeFlow(from, to, service, c.port, requests);
      }
    }
  } else {
    for (const to of universe.endpoints) {
      const service = l7Destination(to);
      if (!service) {
        continue;
      }
      const byPort = probesOf(service);
      for (const from of universe.endpoints) {
        if (from === to) {
          continue;
        }
        for (const port of [...byPort.keys()].sort((a, b) => a - b)) {
          probeFlow(from, to, service, port, byPort.get(port)!);
        }
      }
    }
  }
  return sortedReport(universe, { probed, declared, allowed, missing, unexpected, tolerated: toleratedRequests });
}

/** A service's request probes per pod port (ports sharing a pod port merge). */
function probesByPodPort(service: ResolvedService): Map<number, RequestProbe[]> {
  const byPort = new Map<number, RequestProbe[]>();
  for (const port of service.ports.filter(isL7Port)) {
    const list = byPort.get(port.targetPort) ?? [];
    for (const probe of requestProbes(service, port)) {
      if (!list.some(p => p.method === probe.method && p.path === probe.path)) {
        list.push(probe);
      }
    }
    byPort.set(port.targetPort, list);
  }
  return byPort;
}

/** Every list of the report in report order: by flow (the universe's order), then path, then method. */
function sortedReport(universe: Universe, report: RequestReport): RequestReport {
  const byFlow = flowComparator(universe.order);
  const compare = (a: RequestFlow, b: RequestFlow) => byFlow(a, b) || compareStrings(a.path, b.path) || compareStrings(a.method, b.method);
  return {
    probed: report.probed.sort(compare),
    declared: report.declared.sort(compare),
    allowed: report.allowed.sort(compare),
    missing: report.missing.sort(compare),
    unexpected: report.unexpected.sort(compare),
    tolerated: report.tolerated.sort(compare),
  };
}

/** `shop/frontend -> shop/checkout 5050/TCP POST /shop.Checkout/PlaceOrder` */
export function formatRequestFlow(flow: RequestFlow): string {
  return `${flow.from} -> ${flow.to} ${flow.port}/${flow.protocol} ${flow.method} ${flow.path}`;
}
