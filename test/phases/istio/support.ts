/**
 * Test helpers of the istio phase: synthesis to plain objects, and random catalogs with
 * routes (retries, timeouts, faults, route-limited calls) on top of `catalogSpecArb`.
 */
import { Testing } from 'cdk8s';
import * as fc from 'fast-check';
import { ServiceCatalog } from '../../../src/model/catalog';
import { isIdempotentMethod, PRE_REQUEST_CONDITIONS } from '../../../src/model/idempotency';
import {
  CallSpec, CatalogSpec, FaultSpec, HttpMethod, L4Layer, PortProtocol, PortSpec, RetryCondition, RetrySpec, RouteSpec, ServiceSpec,
} from '../../../src/model/types';
import { IstioPhase, IstioPhaseOptions } from '../../../src/phases/istio';
import { CatalogArbitraryOptions, catalogSpecArb, PeerKindName } from '../../support/arbitraries';
import { mirrorBackendRoutes } from '../../support/route-arbitraries';
import { Manifest } from '../../support/synth';

/** The istio phase's manifests (L4 layer from the options, else the catalog's). */
export function synthIstio(catalog: ServiceCatalog | CatalogSpec, options: IstioPhaseOptions = {}): Manifest[] {
  const model = catalog instanceof ServiceCatalog ? catalog : ServiceCatalog.fromSpec(catalog);
  const chart = Testing.chart();
  new IstioPhase(chart, 'istio', { ...options, catalog: model });
  return Testing.synth(chart);
}

export function find(manifests: Manifest[], kind: string, namespace: string, name: string): Manifest {
  const found = manifests.find(m => m.kind === kind && m.metadata?.namespace === namespace && m.metadata?.name === name);
  if (!found) {
    throw new Error(`no ${kind} ${namespace}/${name}`);
  }
  return found;
}

export function ofKind(manifests: Manifest[], kind: string): Manifest[] {
  return manifests.filter(m => m.kind === kind);
}

const METHODS = [HttpMethod.GET, HttpMethod.HEAD, HttpMethod.POST, HttpMethod.PUT, HttpMethod.DELETE, HttpMethod.PATCH, HttpMethod.OPTIONS];
const PATHS: Array<Pick<NonNullable<RouteSpec['http']>, 'path' | 'pathPrefix' | 'pathRegex'>> = [
  { path: '/orders' },
  { path: '/orders/export' },
  { pathPrefix: '/v1' },
  { pathPrefix: '/v1/admin' },
  { pathPrefix: '/' },
  { pathRegex: '/items/[^/]+' },
  { pathRegex: '/items/[a-z0-9]+/parts' },
  {},
];
const ALL_CONDITIONS = Object.values(RetryCondition);
const SAFE_CONDITIONS = [...PRE_REQUEST_CONDITIONS];

function httpFits(p: PortSpec): boolean {
  return p.protocol === PortProtocol.HTTP || p.protocol === PortProtocol.HTTP2;
}

function grpcFits(p: PortSpec): boolean {
  return p.protocol === PortProtocol.GRPC || p.protocol === PortProtocol.HTTP2;
}

function retriesArb(idempotent: boolean): fc.Arbitrary<RetrySpec | undefined> {
  return fc.option(fc.record({
    attempts: fc.integer({ min: 0, max: 3 }),
    perTryTimeout: fc.option(fc.constantFrom('100ms', '300ms', '1s'), { nil: undefined }),
    on: fc.option(fc.subarray(idempotent ? ALL_CONDITIONS : SAFE_CONDITIONS, { minLength: 1 }), { nil: undefined }),
  }).map(r => ({
    attempts: r.attempts,
    ...(r.perTryTimeout ? { perTryTimeout: r.perTryTimeout } : {}),
    ...(r.on ? { on: r.on } : {}),
  })), { nil: undefined, freq: 2 });
}

function faultArb(kind: 'http' | 'grpc'): fc.Arbitrary<FaultSpec | undefined> {
  return fc.option(fc.record({
    abort: fc.boolean(),
    scoped: fc.boolean(),
  }).map(({ abort, scoped }): FaultSpec => ({
    ...(abort
      ? { abort: kind === 'grpc' ? { grpcStatus: 'UNAVAILABLE', percent: 10 } : { httpStatus: 503, percent: 10 } }
      : { delay: { fixedDelay: '1s', percent: 50 } }),
    ...(scoped ? { headers: { 'x-chaos-test': 'true' } } : {}),
  })), { nil: undefined, freq: 6 });
}

function routeArb(name: string, ports: PortSpec[]): fc.Arbitrary<RouteSpec> | undefined {
  const http = ports.filter(httpFits);
  const grpc = ports.filter(grpcFits);
  const kinds: Array<'http' | 'grpc'> = [...(http.length > 0 ? ['http' as const] : []), ...(grpc.length > 0 ? ['grpc' as const] : [])];
  if (kinds.length === 0) {
    return undefined;
  }
  return fc.constantFrom(...kinds).chain(kind => fc.record({
    method: fc.option(fc.constantFrom(...METHODS), { nil: undefined, freq: 5 }),
    path: fc.constantFrom(...PATHS),
    grpcService: fc.constantFrom('shop.Orders', 'shop.Stock'),
    grpcMethod: fc.option(fc.constantFrom('Get', 'Put'), { nil: undefined, freq: 4 }),
    idempotent: fc.option(fc.boolean(), { nil: undefined, freq: 3 }),
    timeout: fc.option(fc.constantFrom('250ms', '1s', '2s'), { nil: undefined }),
    pinned: fc.option(fc.constantFrom(...(kind === 'http' ? http : grpc)), { nil: undefined, freq: 4 }),
  }).chain(r => {
    const idempotent = r.idempotent ?? (kind === 'http' ? isIdempotentMethod(r.method) : false);
    return fc.tuple(retriesArb(idempotent), faultArb(kind)).map(([retries, fault]): RouteSpec => ({
      name,
      ...(kind === 'http'
        ? { http: { ...(r.method ? { method: r.method } : {}), ...r.path } }
        : { grpc: { service: r.grpcService, ...(r.grpcMethod ? { method: r.grpcMethod } : {}) } }),
      ...(r.pinned ? { port: r.pinned.name ?? r.pinned.port } : {}),
      ...(r.idempotent !== undefined ? { idempotent: r.idempotent } : {}),
      ...(r.timeout ? { timeout: r.timeout } : {}),
      ...(retries ? { retries } : {}),
      ...(fault ? { fault } : {}),
      // Istio authorization paths say this regex only wider (docs/routes.md): opted in.
      ...(r.path.pathRegex === '/items/[a-z0-9]+/parts' && kind === 'http' ? { allowWiderEnforcement: true } : {}),
    }));
  }));
}

/** Ports (of `callee`) a route of it is served on. */
function servedOn(route: RouteSpec, callee: ServiceSpec): PortSpec[] {
  const ports = callee.ports ?? [];
  if (route.port !== undefined) {
    return ports.filter(p => p.name === route.port || p.port === route.port);
  }
  return ports.filter(route.grpc ? grpcFits : httpFits);
}

/** Random valid catalogs (like `catalogSpecArb`) whose L7 services declare routes, some calls limited to them. */
export function routedCatalogArb(options: CatalogArbitraryOptions = {}): fc.Arbitrary<CatalogSpec> {
  return catalogSpecArb(options).chain(spec => {
    const routeSets = spec.services.map(s => {
      if (s.clientOnly) {
        return fc.constant([] as RouteSpec[]);
      }
      const arbs = ['r1', 'r2', 'r3'].map(n => routeArb(n, s.ports ?? [])).filter((a): a is fc.Arbitrary<RouteSpec> => a !== undefined);
      return arbs.length === 0 ? fc.constant([] as RouteSpec[]) : fc.tuple(...arbs).chain(all => fc.subarray(all));
    });
    return fc.tuple(fc.tuple(...routeSets), fc.array(fc.nat(), { minLength: 32, maxLength: 32 })).map(([routes, picks]): CatalogSpec => {
      const services: ServiceSpec[] = spec.services.map((s, i) => ({ ...s, ...(routes[i].length > 0 ? { routes: routes[i] } : {}) }));
      const byId = new Map(services.map(s => [`${s.namespace ?? spec.namespace}/${s.name}`, s]));
      let k = 0;
      const withLimits = services.map(s => {
        const calls = (s.calls ?? []).map((call): CallSpec => {
          if (!call.service) {
            return call;
          }
          const id = call.service.includes('/') ? call.service : `${s.namespace ?? spec.namespace}/${call.service}`;
          const callee = byId.get(id);
          const pick = picks[k++ % picks.length];
          if (!callee || !callee.routes || pick % 3 === 0) {
            return call;
          }
          const refs = [...(call.port !== undefined ? [call.port] : []), ...(call.ports ?? [])];
          const called = (p: PortSpec) => refs.includes(p.name ?? p.port) || refs.includes(p.port);
          const eligible = callee.routes.filter(r => refs.length === 0 || servedOn(r, callee).some(called));
          const chosen = eligible.filter((_, j) => Math.floor(pick / 2 ** j) % 2 === 1);
          return chosen.length > 0 ? { ...call, routes: chosen.map(r => r.name) } : call;
        });
        return calls.length > 0 ? { ...s, calls } : s;
      });
      return mirrorBackendRoutes({ ...spec, services: withLimits });
    });
  });
}

/** Peer kinds the istio phase expresses over an L4 layer (meshed namespace-selector callers are refused). */
export const ISTIO_PEER_KINDS: ReadonlyArray<PeerKindName> = ['namespace', 'workload', 'cluster', 'world', 'partner', 'kube-apiserver', 'monitoring'];
/** Peer kinds the istio phase expresses without an L4 layer: identities and real address ranges only. */
export const ISTIO_PEER_KINDS_WITHOUT_L4: ReadonlyArray<PeerKindName> = ['namespace', 'workload', 'partner', 'kube-apiserver'];

/**
 * What the istio phase must handle: routed catalogs with header-routed versions and the
 * peers it supports (`ISTIO_PEER_KINDS` unless given). Header routes on services without
 * an HTTP port (which the phase refuses, see the VirtualService tests) are dropped.
 */
export function istioCatalogArb(options: CatalogArbitraryOptions = {}): fc.Arbitrary<CatalogSpec> {
  return routedCatalogArb({ headerRoutes: true, peerKinds: ISTIO_PEER_KINDS, ...options }).map(spec => ({
    ...spec,
    services: spec.services.map(s => {
      const l7 = (s.ports ?? []).some(p => p.protocol === PortProtocol.HTTP || p.protocol === PortProtocol.HTTP2 || p.protocol === PortProtocol.GRPC);
      if (!s.versions || l7) {
        return s;
      }
      return { ...s, versions: s.versions.map(({ headers, timeout, ...v }) => v) };
    }),
  }));
}

export const L4_LAYERS = [L4Layer.CILIUM, L4Layer.NETWORK_POLICY, L4Layer.NONE];

/**
 * A cluster beyond the catalog: Prometheus scraping metrics ports, an operator whose
 * admission webhook the API server calls, a partner network, a batch namespace, a
 * header-routed canary with its own identity and calls, and a split to an
 * error-injection Service.
 */
export const PLATFORM: CatalogSpec = {
  namespace: 'shop',
  ingressController: { namespace: 'ingress-nginx', selector: { 'app.kubernetes.io/name': 'ingress-nginx' }, serviceAccount: 'ingress-nginx' },
  peers: [
    { name: 'reporting', namespace: 'batch', selector: { app: 'reporting' }, serviceAccount: 'reporting' },
    { name: 'kube-apiserver', kubeApiServer: true, cidrs: ['10.0.0.10/32'] },
    { name: 'partner', world: true, cidrs: ['198.51.100.0/24'] },
  ],
  namespaces: [{ name: 'platform' }],
  services: [
    {
      name: 'storefront',
      ports: [
        { name: 'http', port: 80, targetPort: 8080, protocol: PortProtocol.HTTP },
        { name: 'metrics', port: 9090, protocol: PortProtocol.HTTP, metrics: true },
      ],
      routes: [
        { name: 'browse', http: { method: HttpMethod.GET, pathPrefix: '/products' }, retries: { attempts: 2 } },
        { name: 'buy', http: { method: HttpMethod.POST, path: '/checkout' }, fault: { abort: { httpStatus: 503, percent: 100 }, headers: { 'x-chaos': 'on' } } },
      ],
      callers: [
        { peer: 'ingress-controller', port: 'http', routes: ['browse', 'buy'] },
        { peer: 'partner', port: 'http', routes: ['browse'] },
      ],
      versions: [
        { name: 'stable', weight: 90 },
        { name: 'canary', weight: 10, headers: { 'x-canary': 'true' }, timeout: '3s', serviceAccount: 'storefront-canary', calls: [{ service: 'recommendations' }] },
      ],
      calls: [{ service: 'orders', port: 'http' }],
    },
    {
      name: 'orders',
      ports: [{ name: 'http', port: 8080, protocol: PortProtocol.HTTP }, { port: 5432 }],
      callers: [{ peer: 'reporting', port: 'http' }],
      calls: [{ service: 'payments' }, { peer: 'partner', port: 443, protocol: PortProtocol.TLS }],
    },
    { name: 'recommendations', ports: [{ name: 'http', port: 80, protocol: PortProtocol.HTTP }] },
    {
      name: 'payments',
      ports: [{ name: 'http', port: 80, protocol: PortProtocol.HTTP }],
      versions: [{ name: 'v1', weight: 80 }, { name: 'errors', weight: 20, service: 'payments-errors' }],
    },
    { name: 'payments-errors', ports: [{ name: 'http', port: 80, protocol: PortProtocol.HTTP }] },
    {
      name: 'operator',
      namespace: 'platform',
      ports: [{ name: 'webhook', port: 443, targetPort: 9443, protocol: PortProtocol.TLS }],
      callers: [{ peer: 'kube-apiserver', port: 'webhook' }],
      calls: [{ peer: 'kube-apiserver' }],
    },
  ],
};
