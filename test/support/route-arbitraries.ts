/**
 * fast-check generators that add L7 routes to random catalogs (for the L7 property tests
 * of every phase): services with HTTP/HTTP2/gRPC ports get 0-3 routes (exact, prefix,
 * regex, method-less HTTP; gRPC with and without method), and service calls to them are
 * sometimes limited to a subset of the routes their called ports serve.
 */
import * as fc from 'fast-check';
import { CallSpec, CatalogSpec, HttpMethod, PortProtocol, PortSpec, RouteSpec, ServiceSpec } from '../../src/model/types';

const HTTP_ROUTES: ReadonlyArray<Omit<RouteSpec, 'name'>> = [
  { http: { method: HttpMethod.POST, path: '/orders' } },
  { http: { method: HttpMethod.GET, pathPrefix: '/items' } },
  { http: { path: '/health' } },
  // Istio authorization paths say this regex only wider (docs/routes.md): opted in.
  { http: { method: HttpMethod.PUT, pathRegex: '/items/[0-9]+' }, allowWiderEnforcement: true },
  { http: { method: HttpMethod.DELETE, pathPrefix: '/admin/' } },
  // Exact everywhere: Istio splits it into its four paths.
  { http: { pathRegex: '/v[12]/(users|groups)' } },
  { http: { method: HttpMethod.GET, path: '/a.b' } },
];

const GRPC_ROUTES: ReadonlyArray<Omit<RouteSpec, 'name'>> = [
  { grpc: { service: 'shop.Orders', method: 'Create' } },
  { grpc: { service: 'shop.Orders' } },
  { grpc: { service: 'pkg.v1.Search', method: 'Query' } },
];

function fitsHttp(p: PortSpec): boolean {
  return p.protocol === PortProtocol.HTTP || p.protocol === PortProtocol.HTTP2;
}

function fitsGrpc(p: PortSpec): boolean {
  return p.protocol === PortProtocol.GRPC || p.protocol === PortProtocol.HTTP2;
}

function routesArb(service: ServiceSpec): fc.Arbitrary<RouteSpec[]> {
  const ports = service.ports ?? [];
  const pool = [
    ...(ports.some(fitsHttp) ? HTTP_ROUTES : []),
    ...(ports.some(fitsGrpc) ? GRPC_ROUTES : []),
  ];
  if (pool.length === 0) {
    return fc.constant([]);
  }
  return fc.subarray([...pool], { maxLength: 3 }).map(picked => picked.map((r, i) => ({ name: `r${i}`, ...r })));
}

/** Callee ports a call names (all ports when it names none). */
function calledPorts(call: CallSpec, callee: ServiceSpec): PortSpec[] {
  const refs = [...(call.port !== undefined ? [call.port] : []), ...(call.ports ?? [])];
  const ports = callee.ports ?? [];
  return refs.length === 0 ? ports : ports.filter(p => refs.some(r => r === p.name || r === p.port));
}

function limitArb(call: CallSpec, caller: ServiceSpec, services: ServiceSpec[], defaultNamespace: string): fc.Arbitrary<CallSpec> {
  if (!call.service) {
    return fc.constant(call);
  }
  const [ns, name] = call.service.includes('/') ? call.service.split('/') : [caller.namespace ?? defaultNamespace, call.service];
  const callee = services.find(s => s.name === name && (s.namespace ?? defaultNamespace) === ns);
  const ports = callee ? calledPorts(call, callee) : [];
  const eligible = (callee?.routes ?? []).filter(r => ports.some(p => (r.http ? fitsHttp(p) : fitsGrpc(p))));
  if (eligible.length === 0) {
    return fc.constant(call);
  }
  return fc.option(fc.subarray(eligible.map(r => r.name), { minLength: 1 }), { freq: 2 })
    .map(routes => (routes ? { ...call, routes } : call));
}

/**
 * A Service that backs a version of another (a clone taking a split's share) serves the
 * split service's routes, as the model requires of backends of route-limited callers.
 */
export function mirrorBackendRoutes(spec: CatalogSpec): CatalogSpec {
  const namespaceOf = (s: ServiceSpec) => s.namespace ?? spec.namespace;
  const routesOf = new Map<string, RouteSpec[]>();
  for (const s of spec.services) {
    for (const v of s.versions ?? []) {
      if (v.service !== undefined) {
        routesOf.set(`${namespaceOf(s)}/${v.service}`, s.routes ?? []);
      }
    }
  }
  return {
    ...spec,
    services: spec.services.map((s): ServiceSpec => {
      const routes = routesOf.get(`${namespaceOf(s)}/${s.name}`);
      if (routes === undefined) {
        return s;
      }
      const { routes: _own, ...rest } = s;
      return routes.length > 0 ? { ...rest, routes } : rest;
    }),
  };
}

/** Adds routes and route-limited calls to the catalogs of `base` (backends mirror their split's routes). */
export function withRoutesArb(base: fc.Arbitrary<CatalogSpec>): fc.Arbitrary<CatalogSpec> {
  return base.chain(spec => fc.tuple(...spec.services.map(routesArb)).chain(routesPerService => {
    const services = mirrorBackendRoutes({
      ...spec,
      services: spec.services.map((s, i) => (routesPerService[i].length > 0 ? { ...s, routes: routesPerService[i] } : s)),
    }).services;
    const defaultNamespace = spec.namespace ?? 'default';
    return fc.tuple(...services.map(s => fc.tuple(...(s.calls ?? []).map(c => limitArb(c, s, services, defaultNamespace)))))
      .map(callsPerService => ({
        ...spec,
        services: services.map((s, i) => (s.calls ? { ...s, calls: callsPerService[i] } : s)),
      }));
  }));
}
