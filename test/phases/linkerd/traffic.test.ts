import { find, GATEWAY, names, ofKind, synthLinkerd } from './support';
import { CatalogSpec, HttpMethod, PortProtocol, RetryCondition } from '../../../src/model/types';
import { PhaseCapabilityError } from '../../../src/phases/common';

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

  test('dropped conditions: recorded on the route and in the warnings; strictRetries refuses instead', () => {
    const defaults: CatalogSpec = {
      namespace: 'shop',
      services: [{ name: 'api', ports: [{ name: 'http', port: 80, protocol: PortProtocol.HTTP }], routes: [{ name: 'get', http: { method: HttpMethod.GET, path: '/a' }, retries: { attempts: 2 } }] }],
    };
    const { manifests: out, phase: p } = synthLinkerd(defaults);
    const route = find(out, 'HTTPRoute', 'shop', 'api-http-get-outbound', GATEWAY);
    expect(route.metadata.annotations['retry.linkerd.io/http']).toBe('gateway-error');
    expect(route.metadata.annotations['mesh-ladder.dev/retry-conditions-dropped']).toMatch(/^refused-stream \(.*\); reset \(/);
    expect(p.warnings.filter(w => w.startsWith('shop/api route get'))).toHaveLength(1);
    expect(() => synthLinkerd(defaults, { strictRetries: true })).toThrow(PhaseCapabilityError);
    expect(() => synthLinkerd(defaults, { strictRetries: true })).toThrow(/refused-stream/);
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
