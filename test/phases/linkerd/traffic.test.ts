import { find, GATEWAY, names, ofKind, synthLinkerd } from './support';
import { PhaseCapabilityError } from '../../../src/emit/common';
import { CatalogSpec, HttpMethod, L7Fallback, PortProtocol, RetryCondition } from '../../../src/model/types';
import { validateWithCrdSchemas } from '../../support/crd-schemas';

const spec: CatalogSpec = {
  namespace: 'shop',
  services: [
    {
      name: 'catalog',
      ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: PortProtocol.HTTP }, { name: 'raw', port: 7000, protocol: PortProtocol.TCP }],
      routes: [
        { name: 'list', http: { method: HttpMethod.GET, pathPrefix: '/products' }, timeout: '2s', retries: { attempts: 2, perTryTimeout: '500ms', on: [RetryCondition.GATEWAY_ERROR, RetryCondition.SERVER_ERROR] } },
        { name: 'update', http: { method: HttpMethod.PUT, pathRegex: '/products/[0-9]+' } },
        { name: 'create', http: { method: HttpMethod.POST, path: '/products' }, timeout: '3s', retries: { attempts: 1, on: [RetryCondition.CONNECT_FAILURE] } },
      ],
      versions: [{ name: 'v1', labels: { track: 'stable' }, weight: 80 }, { name: 'v2', weight: 20 }],
    },
    {
      name: 'orders',
      ports: [{ name: 'grpc', port: 5050, protocol: PortProtocol.GRPC }],
      routes: [
        { name: 'get', grpc: { service: 'shop.Orders', method: 'Get' }, idempotent: true, retries: { attempts: 3, on: [RetryCondition.UNAVAILABLE] } },
        { name: 'place', grpc: { service: 'shop.Orders', method: 'Place' }, timeout: '1s' },
      ],
    },
    { name: 'plain', ports: [{ name: 'http', port: 80, protocol: PortProtocol.HTTP }], routes: [{ name: 'get', http: { method: HttpMethod.GET, path: '/' } }] },
  ],
};

describe('canary splits', () => {
  const { manifests, phase } = synthLinkerd(spec);

  test('a Service per version: the service selector plus the version labels, the same ports', () => {
    const v1 = find(manifests, 'Service', 'shop', 'catalog-v1');
    expect(v1.spec).toEqual({
      selector: { app: 'catalog', track: 'stable' },
      ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }, { name: 'raw', port: 7000, targetPort: 7000, protocol: 'TCP' }],
    });
    expect(find(manifests, 'Service', 'shop', 'catalog-v2').spec.selector).toEqual({ app: 'catalog', version: 'v2' });
    expect(v1.metadata.labels['mesh-ladder.dev/version']).toBe('v1');
  });

  test('a catch-all HTTPRoute on the apex Service port with the weighted backends', () => {
    const split = find(manifests, 'HTTPRoute', 'shop', 'catalog-http-outbound', GATEWAY);
    expect(split.apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(split.spec).toEqual({
      parentRefs: [{ group: 'core', kind: 'Service', name: 'catalog', port: 80 }],
      rules: [{
        matches: [{ path: { type: 'PathPrefix', value: '/' } }],
        backendRefs: [{ name: 'catalog-v1', port: 80, weight: 80 }, { name: 'catalog-v2', port: 80, weight: 20 }],
      }],
    });
  });

  test('every route object of a split port carries the weights too', () => {
    for (const route of ['list', 'update', 'create']) {
      expect(find(manifests, 'HTTPRoute', 'shop', `catalog-http-${route}-outbound`, GATEWAY).spec.rules[0].backendRefs).toEqual([
        { name: 'catalog-v1', port: 80, weight: 80 },
        { name: 'catalog-v2', port: 80, weight: 20 },
      ]);
    }
  });

  test('opaque ports cannot be split by route: a warning, no route', () => {
    expect(phase.warnings).toContain('shop/catalog: canary weights apply to HTTP and gRPC ports only; on raw (tcp) traffic spreads over every version\'s pods (Linkerd splits opaque and UDP traffic by no route)');
    expect(names(manifests, 'HTTPRoute', 'shop', GATEWAY).filter(n => n.startsWith('catalog-raw'))).toEqual([]);
  });

  test('a version Service named like a catalog service is refused', () => {
    expect(() => synthLinkerd({
      namespace: 'shop',
      services: [
        { name: 'api', ports: [{ port: 80 }], versions: [{ name: 'v1', weight: 100 }] },
        { name: 'api-v1', ports: [{ port: 80 }] },
      ],
    })).toThrow(PhaseCapabilityError);
  });
});

describe('timeouts and retries', () => {
  const { manifests, phase } = synthLinkerd(spec);

  test('an idempotent HTTP route: its own HTTPRoute, matched by method and path, with timeout and retry annotations', () => {
    const list = find(manifests, 'HTTPRoute', 'shop', 'catalog-http-list-outbound', GATEWAY);
    expect(list.metadata.annotations).toEqual({
      'timeout.linkerd.io/request': '2s',
      'retry.linkerd.io/http': '5xx,gateway-error',
      'retry.linkerd.io/limit': '2',
      'retry.linkerd.io/timeout': '500ms',
    });
    expect(list.spec.rules[0].matches).toEqual([{ method: 'GET', path: { type: 'PathPrefix', value: '/products' } }]);
    expect(list.metadata.labels['mesh-ladder.dev/route']).toBe('list');
  });

  test('a non-idempotent route keeps its timeout and never gets a retry annotation; what it asked for is recorded', () => {
    const create = find(manifests, 'HTTPRoute', 'shop', 'catalog-http-create-outbound', GATEWAY);
    expect(create.metadata.annotations).toEqual({ 'timeout.linkerd.io/request': '3s' });
    expect(create.spec.rules[0].matches).toEqual([{ method: 'POST', path: { type: 'Exact', value: '/products' } }]);
    const update = find(manifests, 'HTTPRoute', 'shop', 'catalog-http-update-outbound', GATEWAY);
    expect(update.metadata.annotations).toBeUndefined();
    expect(update.spec.rules[0].matches).toEqual([{ method: 'PUT', path: { type: 'RegularExpression', value: '/products/[0-9]+' } }]);
    expect(phase.warnings.filter(w => w.includes('route create'))).toEqual([]);
  });

  test('gRPC ports get GRPCRoutes with retry.linkerd.io/grpc, and a catch-all', () => {
    expect(names(manifests, 'GRPCRoute', 'shop', GATEWAY)).toEqual(['orders-grpc-get-outbound', 'orders-grpc-outbound', 'orders-grpc-place-outbound']);
    const get = find(manifests, 'GRPCRoute', 'shop', 'orders-grpc-get-outbound', GATEWAY);
    expect(get.spec).toEqual({
      parentRefs: [{ group: 'core', kind: 'Service', name: 'orders', port: 5050 }],
      rules: [{ matches: [{ method: { type: 'Exact', service: 'shop.Orders', method: 'Get' } }], backendRefs: [{ name: 'orders', port: 5050 }] }],
    });
    expect(get.metadata.annotations).toEqual({ 'retry.linkerd.io/grpc': 'unavailable', 'retry.linkerd.io/limit': '3' });
    expect(find(manifests, 'GRPCRoute', 'shop', 'orders-grpc-place-outbound', GATEWAY).metadata.annotations).toEqual({ 'timeout.linkerd.io/request': '1s' });
    expect(find(manifests, 'GRPCRoute', 'shop', 'orders-grpc-outbound', GATEWAY).spec.rules).toEqual([{ backendRefs: [{ name: 'orders', port: 5050 }] }]);
  });

  test('no Service carries a retry annotation; ports without timeouts, retries or versions get no route', () => {
    for (const service of ofKind(manifests, 'Service')) {
      expect(Object.keys(service.metadata.annotations ?? {}).filter(k => k.startsWith('retry.linkerd.io/'))).toEqual([]);
    }
    expect(names(manifests, 'HTTPRoute', 'shop', GATEWAY).filter(n => n.startsWith('plain-'))).toEqual([]);
  });

  const retried = (on?: RetryCondition[]): CatalogSpec => ({
    namespace: 'shop',
    services: [{ name: 'api', ports: [{ name: 'http', port: 80, protocol: PortProtocol.HTTP }], routes: [{ name: 'get', http: { method: HttpMethod.GET, path: '/a' }, retries: { attempts: 2, ...(on ? { on } : {}) } }] }],
  });

  test('default conditions: Linkerd keeps the ones it expresses, records the rest on the route, and does not warn', () => {
    const { manifests: out, phase: p } = synthLinkerd(retried());
    const route = find(out, 'HTTPRoute', 'shop', 'api-http-get-outbound', GATEWAY);
    expect(route.metadata.annotations['retry.linkerd.io/http']).toBe('gateway-error');
    expect(route.metadata.annotations['mesh-ladder.dev/retry-conditions-dropped']).toMatch(/^refused-stream \(.*\); reset \(/);
    expect(p.warnings.filter(w => w.startsWith('shop/api route get'))).toEqual([]);
    expect(() => synthLinkerd(retried(), { strictRetries: true })).not.toThrow();
  });

  test('declared conditions Linkerd cannot express: recorded on the route and warned; strictRetries refuses instead', () => {
    const declared = retried([RetryCondition.RESET, RetryCondition.GATEWAY_ERROR]);
    const { manifests: out, phase: p } = synthLinkerd(declared);
    const route = find(out, 'HTTPRoute', 'shop', 'api-http-get-outbound', GATEWAY);
    expect(route.metadata.annotations['retry.linkerd.io/http']).toBe('gateway-error');
    expect(p.warnings.filter(w => w.startsWith('shop/api route get'))).toEqual([
      'shop/api route get: retry conditions Linkerd cannot express: reset (Linkerd retries on response status only, not on connection resets)',
    ]);
    expect(() => synthLinkerd(declared, { strictRetries: true })).toThrow(PhaseCapabilityError);
    expect(() => synthLinkerd(declared, { strictRetries: true })).toThrow(/reset/);
  });

  test('fault injection and traffic policies are not silently dropped: warnings', () => {
    const { phase: p } = synthLinkerd({
      namespace: 'shop',
      services: [{
        name: 'api',
        ports: [{ name: 'http', port: 80, protocol: PortProtocol.HTTP }],
        routes: [{ name: 'get', http: { method: HttpMethod.GET, path: '/a' }, fault: { abort: { httpStatus: 503, percent: 10 } } }],
        trafficPolicy: { consecutive5xxErrors: 5 },
      }],
    });
    expect(p.warnings).toEqual(expect.arrayContaining([
      expect.stringMatching(/^shop\/api route get: fault injection is not emitted/),
      expect.stringMatching(/^shop\/api: trafficPolicy is not emitted/),
    ]));
  });

  test('a retried route that could capture requests of a non-idempotent route is refused', () => {
    const shadowing: CatalogSpec = {
      namespace: 'shop',
      services: [{
        name: 'api',
        ports: [{ name: 'http', port: 80, protocol: PortProtocol.HTTP }],
        routes: [
          { name: 'anything', http: { pathPrefix: '/orders' }, idempotent: true, retries: { attempts: 2, on: [RetryCondition.SERVER_ERROR] } },
          { name: 'submit', http: { pathPrefix: '/orders/submit' } },
        ],
      }],
    };
    expect(() => synthLinkerd(shadowing)).not.toThrow(); // the longer prefix wins its own requests
    const tie: CatalogSpec = {
      ...shadowing,
      services: [{ ...shadowing.services[0], routes: [shadowing.services[0].routes![0], { name: 'submit', http: { pathPrefix: '/orders' } }] }],
    };
    expect(() => synthLinkerd(tie)).toThrow(/route "anything" \(retried\) can match requests of the non-idempotent route "submit"/);
    const deeper: CatalogSpec = {
      ...shadowing,
      services: [{
        ...shadowing.services[0],
        routes: [
          { name: 'anything', http: { pathPrefix: '/orders/x' }, idempotent: true, retries: { attempts: 2, on: [RetryCondition.SERVER_ERROR] } },
          { name: 'submit', http: { method: HttpMethod.POST, pathPrefix: '/orders' } },
        ],
      }],
    };
    expect(() => synthLinkerd(deeper)).toThrow(PhaseCapabilityError);
    const methodWins: CatalogSpec = {
      ...shadowing,
      services: [{
        ...shadowing.services[0],
        routes: [shadowing.services[0].routes![0], { name: 'submit', http: { method: HttpMethod.POST, pathPrefix: '/orders' } }],
      }],
    };
    expect(() => synthLinkerd(methodWins)).not.toThrow(); // same path, the method match is more specific
  });
});

/** A canary by header (with its own timeout), a weighted version, and a backend Service. */
const canary: CatalogSpec = {
  namespace: 'shop',
  services: [
    {
      name: 'catalog',
      ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: PortProtocol.HTTP }, { name: 'raw', port: 7000, protocol: PortProtocol.TCP }],
      routes: [
        { name: 'list', http: { method: HttpMethod.GET, pathPrefix: '/products' }, timeout: '2s', retries: { attempts: 2, on: [RetryCondition.SERVER_ERROR] } },
        { name: 'create', http: { method: HttpMethod.POST, path: '/products' } },
      ],
      versions: [
        { name: 'v1', weight: 80 },
        { name: 'v2', weight: 10, headers: { 'x-canary': 'v2', 'x-user': 'test' }, timeout: '3s' },
        { name: 'errors', weight: 10, service: 'catalog-errors' },
      ],
    },
    {
      name: 'catalog-errors',
      ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: PortProtocol.HTTP }, { name: 'raw', port: 7000, protocol: PortProtocol.TCP }],
      routes: [
        { name: 'list', http: { method: HttpMethod.GET, pathPrefix: '/products' } },
        { name: 'create', http: { method: HttpMethod.POST, path: '/products' } },
      ],
    },
    {
      name: 'orders',
      ports: [{ name: 'grpc', port: 5050, protocol: PortProtocol.GRPC }],
      routes: [{ name: 'get', grpc: { service: 'shop.Orders', method: 'Get' }, idempotent: true, retries: { attempts: 3, on: [RetryCondition.UNAVAILABLE] } }],
      versions: [{ name: 'stable', weight: 100 }, { name: 'next', weight: 0, headers: { 'x-next': '1' } }],
    },
  ],
};

describe('split backends', () => {
  const { manifests, phase } = synthLinkerd(canary);

  test('a version backed by another Service: its weight goes to that Service; no version Service is emitted for it', () => {
    expect(find(manifests, 'HTTPRoute', 'shop', 'catalog-http-outbound', GATEWAY).spec.rules).toEqual([{
      matches: [{ path: { type: 'PathPrefix', value: '/' } }],
      backendRefs: [{ name: 'catalog-errors', port: 80, weight: 10 }, { name: 'catalog-v1', port: 80, weight: 80 }, { name: 'catalog-v2', port: 80, weight: 10 }],
    }]);
    expect(names(manifests, 'Service', 'shop')).toEqual(['catalog-v1', 'catalog-v2', 'orders-next', 'orders-stable']);
  });

  test('opaque ports: the warning says the backend gets none of that traffic', () => {
    expect(phase.warnings).toContain('shop/catalog: canary weights and header routes apply to HTTP and gRPC ports only; on raw (tcp) traffic spreads over every version\'s pods (the backend shop/catalog-errors gets none of it) (Linkerd splits opaque and UDP traffic by no route)');
  });
});

describe('header routes', () => {
  const { manifests } = synthLinkerd(canary);

  test('a twin of the catch-all matching the headers (exact), to the version only, with the version\'s timeout', () => {
    const twin = find(manifests, 'HTTPRoute', 'shop', 'catalog-http-v2-outbound', GATEWAY);
    expect(twin.spec).toEqual({
      parentRefs: [{ group: 'core', kind: 'Service', name: 'catalog', port: 80 }],
      rules: [{
        matches: [{
          path: { type: 'PathPrefix', value: '/' },
          headers: [{ type: 'Exact', name: 'x-canary', value: 'v2' }, { type: 'Exact', name: 'x-user', value: 'test' }],
        }],
        backendRefs: [{ name: 'catalog-v2', port: 80 }],
        timeouts: { request: '3s' },
      }],
    });
    // Linkerd reads the annotation (it ignores rule timeouts on gateway.networking.k8s.io routes).
    expect(twin.metadata.annotations).toEqual({
      'mesh-ladder.dev/note': 'header route: requests with x-canary=v2, x-user=test go to version v2',
      'timeout.linkerd.io/request': '3s',
    });
    expect(twin.metadata.labels['mesh-ladder.dev/version']).toBe('v2');
  });

  test('a twin of every catalog route object: the route\'s match plus the headers; its retries kept, the version\'s timeout instead of the route\'s', () => {
    const list = find(manifests, 'HTTPRoute', 'shop', 'catalog-http-list-v2-outbound', GATEWAY);
    expect(list.spec.rules[0].matches).toEqual([{
      method: 'GET',
      path: { type: 'PathPrefix', value: '/products' },
      headers: [{ type: 'Exact', name: 'x-canary', value: 'v2' }, { type: 'Exact', name: 'x-user', value: 'test' }],
    }]);
    expect(list.metadata.annotations).toEqual({ 'retry.linkerd.io/http': '5xx', 'retry.linkerd.io/limit': '2', 'timeout.linkerd.io/request': '3s' });
    expect(list.metadata.labels).toMatchObject({ 'mesh-ladder.dev/route': 'list', 'mesh-ladder.dev/version': 'v2' });
    // A non-idempotent route's twin gets no retries.
    expect(find(manifests, 'HTTPRoute', 'shop', 'catalog-http-create-v2-outbound', GATEWAY).metadata.annotations).toEqual({ 'timeout.linkerd.io/request': '3s' });
    // The weighted objects are unchanged: the route's own timeout.
    expect(find(manifests, 'HTTPRoute', 'shop', 'catalog-http-list-outbound', GATEWAY).metadata.annotations['timeout.linkerd.io/request']).toBe('2s');
  });

  test('gRPC ports: GRPCRoute twins with header matches; a version without a timeout keeps the route\'s annotations', () => {
    expect(names(manifests, 'GRPCRoute', 'shop', GATEWAY)).toEqual(['orders-grpc-get-next-outbound', 'orders-grpc-get-outbound', 'orders-grpc-next-outbound', 'orders-grpc-outbound']);
    const get = find(manifests, 'GRPCRoute', 'shop', 'orders-grpc-get-next-outbound', GATEWAY);
    expect(get.spec.rules).toEqual([{
      matches: [{ method: { type: 'Exact', service: 'shop.Orders', method: 'Get' }, headers: [{ type: 'Exact', name: 'x-next', value: '1' }] }],
      backendRefs: [{ name: 'orders-next', port: 5050 }],
    }]);
    expect(get.metadata.annotations).toEqual({ 'retry.linkerd.io/grpc': 'unavailable', 'retry.linkerd.io/limit': '3' });
    expect(find(manifests, 'GRPCRoute', 'shop', 'orders-grpc-next-outbound', GATEWAY).spec.rules).toEqual([{
      matches: [{ headers: [{ type: 'Exact', name: 'x-next', value: '1' }] }],
      backendRefs: [{ name: 'orders-next', port: 5050 }],
    }]);
  });

  test('a header-routed version backed by another Service: its twins send to that Service', () => {
    const { manifests: backed } = synthLinkerd({
      namespace: 'shop',
      services: [
        { name: 'api', ports: [{ name: 'http', port: 80, protocol: PortProtocol.HTTP }], versions: [{ name: 'main', weight: 100 }, { name: 'errors', weight: 0, service: 'api-errors', headers: { 'x-chaos': '1' } }] },
        { name: 'api-errors', ports: [{ name: 'http', port: 80, protocol: PortProtocol.HTTP }] },
      ],
    });
    expect(find(backed, 'HTTPRoute', 'shop', 'api-http-errors-outbound', GATEWAY).spec.rules[0].backendRefs).toEqual([{ name: 'api-errors', port: 80 }]);
  });

  test('versions without headers get no twin; every object validates', () => {
    expect(names(manifests, 'HTTPRoute', 'shop', GATEWAY).filter(n => /-(v1|errors)-outbound$/.test(n))).toEqual([]);
    expect(validateWithCrdSchemas(manifests).problems).toEqual([]);
  });

  test('a version named like a route: the clash is refused, not overwritten', () => {
    const clash: CatalogSpec = {
      namespace: 'shop',
      services: [{
        name: 'api',
        ports: [{ name: 'http', port: 80, protocol: PortProtocol.HTTP }],
        routes: [{ name: 'get-v2', http: { method: HttpMethod.GET, path: '/a' } }, { name: 'get', http: { method: HttpMethod.GET, path: '/b' } }],
        versions: [{ name: 'v1', weight: 90 }, { name: 'v2', weight: 10, headers: { 'x-canary': '1' } }],
      }],
    };
    expect(() => synthLinkerd(clash)).toThrow(/two HTTPRoute objects named shop\/api-http-get-v2-outbound/);
  });
});

describe('faults', () => {
  const faulty = (headers?: Record<string, string>, l7Fallback?: L7Fallback): CatalogSpec => ({
    namespace: 'shop',
    ...(l7Fallback ? { l7Fallback } : {}),
    services: [{
      name: 'api',
      ports: [{ name: 'http', port: 80, protocol: PortProtocol.HTTP }],
      routes: [{ name: 'get', http: { method: HttpMethod.GET, path: '/a' }, fault: { abort: { httpStatus: 503, percent: 10 }, ...(headers ? { headers } : {}) } }],
    }],
  });

  test('a header-scoped fault is refused: Linkerd has no fault injection', () => {
    expect(() => synthLinkerd(faulty({ 'x-chaos': 'on' }))).toThrow(PhaseCapabilityError);
    expect(() => synthLinkerd(faulty({ 'x-chaos': 'on' }))).toThrow([
      'the linkerd phase cannot express 1 request-level feature(s): Linkerd has no fault injection.',
      '  - shop/api route get: fault.headers (a fault for requests carrying x-chaos=on) needs fault injection by header; use the istio phase',
      '  Or set "l7Fallback: skip" in the catalog to synthesize the linkerd phase without them (listed by `mesh-ladder check`).',
    ].join('\n'));
  });

  test('with l7Fallback: skip, it is left out as a note; an unscoped fault keeps today\'s warning', () => {
    expect(synthLinkerd(faulty({ 'x-chaos': 'on' }, L7Fallback.SKIP)).phase.warnings.filter(w => w.includes('fault.headers'))).toEqual([]);
    expect(synthLinkerd(faulty({ 'x-chaos': 'on' }, L7Fallback.SKIP)).phase.notes).toContainEqual(expect.stringMatching(/^shop\/api route get: fault\.headers .* Left out \(l7Fallback: skip\): no fault is injected\.$/));
    expect(synthLinkerd(faulty()).phase.warnings).toContainEqual(expect.stringMatching(/^shop\/api route get: fault injection is not emitted/));
  });
});
