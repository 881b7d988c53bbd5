import { ServiceCatalog } from '../../../src/model/catalog';
import { ResolvedService } from '../../../src/model/resolved';
import { CatalogSpec, HttpMethod, PortProtocol, RetryCondition, RouteSpec } from '../../../src/model/types';
import { subtractCidrs } from '../../../src/phases/istio/addresses';
import { authorizationPaths, regexToAuthorizationPath, uriMatches } from '../../../src/phases/istio/paths';
import { ENVOY_RETRY_ON, orderedRoutes, routeRetries, serviceHttpRoutes } from '../../../src/phases/istio/routes';

function serviceWith(routes: RouteSpec[], extra: Partial<CatalogSpec> = {}): { catalog: ServiceCatalog; service: ResolvedService } {
  const catalog = ServiceCatalog.fromSpec({
    namespace: 'shop',
    ...extra,
    services: [{ name: 'api', ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: PortProtocol.HTTP }, { name: 'grpc', port: 9090, protocol: PortProtocol.GRPC }], routes }],
  });
  return { catalog, service: catalog._resolved.service('shop/api') };
}

describe('retries', () => {
  test('a route without retries gets an explicit attempts: 0', () => {
    const { service } = serviceWith([{ name: 'get', http: { method: HttpMethod.GET, path: '/x' } }]);
    expect(routeRetries(service.routes[0])).toEqual({ attempts: 0 });
  });

  test('an idempotent route keeps its attempts, per-try timeout and conditions (Envoy names, sorted)', () => {
    const { service } = serviceWith([{
      name: 'get',
      http: { method: HttpMethod.GET, path: '/x' },
      retries: { attempts: 3, perTryTimeout: '500ms', on: [RetryCondition.SERVER_ERROR, RetryCondition.CONNECT_FAILURE, RetryCondition.RESET] },
    }]);
    expect(routeRetries(service.routes[0])).toEqual({ attempts: 3, perTryTimeout: '0.5s', retryOn: '5xx,connect-failure,reset' });
  });

  test('an idempotent route without conditions gets the model defaults (never Istio\'s)', () => {
    const { service } = serviceWith([{ name: 'get', http: { method: HttpMethod.GET, path: '/x' }, retries: { attempts: 2 } }]);
    expect(routeRetries(service.routes[0]).retryOn).toBe('connect-failure,gateway-error,refused-stream,reset');
    const grpc = serviceWith([{ name: 'get', grpc: { service: 'a.B', method: 'Get' }, idempotent: true, retries: { attempts: 2 } }]);
    expect(routeRetries(grpc.service.routes[0]).retryOn).toBe('cancelled,connect-failure,refused-stream,unavailable');
  });

  test('a non-idempotent route retries only on pre-request conditions, and only when it opted in', () => {
    const { service } = serviceWith([
      { name: 'create', http: { method: HttpMethod.POST, path: '/x' }, retries: { attempts: 2 } },
      { name: 'pay', http: { method: HttpMethod.POST, path: '/y' }, retries: { attempts: 1, on: [RetryCondition.CONNECT_FAILURE] } },
      { name: 'post', http: { method: HttpMethod.POST, path: '/z' } },
    ]);
    const byName = Object.fromEntries(service.routes.map(r => [r.name, routeRetries(r)]));
    expect(byName.create).toEqual({ attempts: 2, retryOn: 'connect-failure,refused-stream,reset-before-request' });
    expect(byName.pay).toEqual({ attempts: 1, retryOn: 'connect-failure' });
    expect(byName.post).toEqual({ attempts: 0 });
  });

  test('unsafe conditions on a non-idempotent route are dropped even if the model let them through', () => {
    const { service } = serviceWith([{ name: 'create', http: { method: HttpMethod.POST, path: '/x' } }]);
    const retries = (on: RetryCondition[]) => ({ attempts: 2, on, conditionsDeclared: true });
    const forged = { ...service.routes[0], retries: retries([RetryCondition.SERVER_ERROR, RetryCondition.CONNECT_FAILURE]) };
    expect(routeRetries(forged)).toEqual({ attempts: 2, retryOn: 'connect-failure' });
    expect(routeRetries({ ...forged, retries: retries([RetryCondition.SERVER_ERROR]) })).toEqual({ attempts: 0 });
  });

  test('every catalog condition has an Envoy retryOn name Istio accepts', () => {
    const accepted = ['5xx', 'gateway-error', 'reset', 'reset-before-request', 'connect-failure', 'refused-stream', 'cancelled', 'deadline-exceeded', 'resource-exhausted', 'unavailable'];
    expect(Object.values(RetryCondition).every(c => accepted.includes(ENVOY_RETRY_ON[c]))).toBe(true);
  });
});

describe('route matches and order', () => {
  test('segment-wise prefixes become an exact and a slash-prefix match', () => {
    const { service } = serviceWith([
      { name: 'p', http: { pathPrefix: '/products' } },
      { name: 'slash', http: { pathPrefix: '/api/' } },
      { name: 'root', http: { pathPrefix: '/' } },
    ]);
    const byName = Object.fromEntries(service.routes.map(r => [r.name, uriMatches(r)]));
    expect(byName.p).toEqual([{ exact: '/products' }, { prefix: '/products/' }]);
    expect(byName.slash).toEqual([{ exact: '/api' }, { prefix: '/api/' }]);
    expect(byName.root).toEqual([{ prefix: '/' }]);
  });

  test('gRPC routes match their path; a service-wide route its prefix', () => {
    const { service } = serviceWith([
      { name: 'one', grpc: { service: 'shop.Checkout', method: 'PlaceOrder' } },
      { name: 'all', grpc: { service: 'shop.Checkout' } },
    ]);
    const byName = Object.fromEntries(service.routes.map(r => [r.name, uriMatches(r)]));
    expect(byName.one).toEqual([{ exact: '/shop.Checkout/PlaceOrder' }]);
    expect(byName.all).toEqual([{ prefix: '/shop.Checkout/' }]);
  });

  test('routes are ordered most specific first: exact, regex, longer prefix, shorter prefix, any path', () => {
    const { service } = serviceWith([
      { name: 'a-any', http: { method: HttpMethod.GET } },
      { name: 'b-short', http: { pathPrefix: '/v1' } },
      { name: 'c-long', http: { pathPrefix: '/v1/admin' } },
      { name: 'd-regex', http: { pathRegex: '/v1/items/[0-9]+' } },
      { name: 'e-exact', http: { path: '/v1/items/export' } },
      { name: 'f-method', http: { method: HttpMethod.GET, pathPrefix: '/v1' } },
    ]);
    expect(orderedRoutes(service).map(r => r.name)).toEqual(['e-exact', 'd-regex', 'c-long', 'f-method', 'b-short', 'a-any']);
  });

  test('a route served on some of the HTTP ports matches on those service ports', () => {
    const catalog = ServiceCatalog.fromSpec({
      namespace: 'shop',
      services: [{
        name: 'api',
        ports: [{ name: 'a', port: 80, targetPort: 8080, protocol: PortProtocol.HTTP }, { name: 'b', port: 81, targetPort: 8081, protocol: PortProtocol.HTTP }],
        routes: [{ name: 'only-b', http: { method: HttpMethod.GET, path: '/b' }, port: 'b' }, { name: 'both', http: { path: '/both' } }],
      }],
    });
    const routes = serviceHttpRoutes(catalog._resolved, catalog._resolved.service('shop/api'));
    expect(routes.find(r => r.name === 'only-b')!.match).toEqual([{ uri: { exact: '/b' }, method: { exact: 'GET' }, port: 81 }]);
    expect(routes.find(r => r.name === 'both')!.match).toEqual([{ uri: { exact: '/both' } }]);
  });
});

describe('serviceHttpRoutes', () => {
  test('every route has explicit retries and a timeout; the catch-all comes last and never retries', () => {
    const { catalog, service } = serviceWith([
      { name: 'get', http: { method: HttpMethod.GET, path: '/x' }, timeout: '2s', retries: { attempts: 2 } },
      { name: 'post', http: { method: HttpMethod.POST, path: '/x' } },
    ], { istio: { defaultTimeout: '7s' } });
    const routes = serviceHttpRoutes(catalog._resolved, service);
    expect(routes.map(r => r.name)).toEqual(['get', 'post', 'catch-all']);
    expect(routes.every(r => r.retries !== undefined && r.timeout !== undefined)).toBe(true);
    expect(routes[0]).toMatchObject({ timeout: '2s', retries: { attempts: 2 } });
    expect(routes[1]).toMatchObject({ timeout: '7s', retries: { attempts: 0 } });
    expect(routes[2]).toEqual({ name: 'catch-all', route: [{ destination: { host: 'api.shop.svc.cluster.local' } }], retries: { attempts: 0 }, timeout: '7s' });
  });

  test('the catch-all name does not collide with a route of that name', () => {
    const { catalog, service } = serviceWith([{ name: 'catch-all', http: { path: '/x' } }]);
    expect(serviceHttpRoutes(catalog._resolved, service).map(r => r.name)).toEqual(['catch-all', 'catch-all-route']);
  });

  test('a header-scoped fault gets its own route, without retries and timeout, just before the route', () => {
    const { catalog, service } = serviceWith([{
      name: 'quote',
      grpc: { service: 'shop.Shipping', method: 'GetQuote' },
      idempotent: true,
      timeout: '1s',
      retries: { attempts: 2 },
      fault: { delay: { fixedDelay: '2s', percent: 50 }, abort: { grpcStatus: 'UNAVAILABLE', percent: 10 }, headers: { 'x-chaos-test': 'true' } },
    }]);
    const routes = serviceHttpRoutes(catalog._resolved, service);
    expect(routes.map(r => r.name)).toEqual(['quote-fault-injection', 'quote', 'catch-all']);
    expect(routes[0]).toEqual({
      name: 'quote-fault-injection',
      match: [{ uri: { exact: '/shop.Shipping/GetQuote' }, port: 9090, headers: { 'x-chaos-test': { exact: 'true' } } }],
      fault: { delay: { fixedDelay: '2s', percentage: { value: 50 } }, abort: { grpcStatus: 'UNAVAILABLE', percentage: { value: 10 } } },
      route: [{ destination: { host: 'api.shop.svc.cluster.local' } }],
      retries: { attempts: 0 },
    });
    expect(routes[1]).toMatchObject({ timeout: '1s', retries: { attempts: 2 } });
    expect(routes[1].fault).toBeUndefined();
  });

  test('a fault without headers stays on the route (and the lint flags it)', () => {
    const { catalog, service } = serviceWith([{ name: 'x', http: { path: '/x' }, fault: { abort: { httpStatus: 503, percent: 5 } } }]);
    const routes = serviceHttpRoutes(catalog._resolved, service);
    expect(routes.map(r => r.name)).toEqual(['x', 'catch-all']);
    expect(routes[0].fault).toEqual({ abort: { httpStatus: 503, percentage: { value: 5 } } });
    expect(routes[0].retries).toEqual({ attempts: 0 });
  });

  test('canary versions become weighted subsets on every route', () => {
    const catalog = ServiceCatalog.fromSpec({
      namespace: 'shop',
      services: [{
        name: 'web',
        ports: [{ port: 80, protocol: PortProtocol.HTTP }],
        versions: [{ name: 'v1', weight: 90 }, { name: 'v2', weight: 10 }, { name: 'dark', weight: 0 }],
      }],
    });
    const routes = serviceHttpRoutes(catalog._resolved, catalog._resolved.service('shop/web'));
    expect(routes[0].route).toEqual([
      { destination: { host: 'web.shop.svc.cluster.local', subset: 'v1' }, weight: 90 },
      { destination: { host: 'web.shop.svc.cluster.local', subset: 'v2' }, weight: 10 },
    ]);
  });
});

describe('authorization paths', () => {
  test('exact, prefix and gRPC paths are exact', () => {
    const { service } = serviceWith([
      { name: 'a', http: { path: '/x' } },
      { name: 'b', http: { pathPrefix: '/v1/' } },
      { name: 'c', http: { pathPrefix: '/' } },
      { name: 'd', grpc: { service: 'shop.Checkout', method: 'PlaceOrder' } },
      { name: 'e', grpc: { service: 'shop.Checkout' } },
      { name: 'f', http: { method: HttpMethod.GET } },
    ]);
    const byName = Object.fromEntries(service.routes.map(r => [r.name, authorizationPaths(r)]));
    expect(byName.a).toEqual({ paths: ['/x'], exact: true });
    expect(byName.b).toEqual({ paths: ['/v1', '/v1/*'], exact: true });
    expect(byName.c).toEqual({ paths: ['/*'], exact: true });
    expect(byName.d).toEqual({ paths: ['/shop.Checkout/PlaceOrder'], exact: true });
    expect(byName.e).toEqual({ paths: ['/shop.Checkout/{*}'], exact: true });
    expect(byName.f).toEqual({ exact: true });
  });

  test.each([
    ['/cart/items/[^/]+', '/cart/items/{*}', true],
    ['^/x/y$', '/x/y', true],
    ['/x\\.json', '/x.json', true],
    ['/products/[a-z0-9-]+', '/products/{*}', false],
    ['/accounts/[0-9]+/balance', '/accounts/{*}/balance', false],
    ['/api/v[0-9]+/things', '/api/{*}/things', false],
    ['/files/[a-z]*', '/files/*', false],
    ['/a/.*', '/a/*', false],
    ['/a/(b|c)+', '/a/*', false],
    ['/x/[a-z]+/.*', '/x/*', false],
  ])('regex %s becomes %s (exact: %s)', (regex, path, exact) => {
    expect(regexToAuthorizationPath(regex)).toEqual({ paths: [path], exact });
  });

  test('a regex with a small finite language is split into its exact paths; top-level alternatives into pieces', () => {
    expect(regexToAuthorizationPath('/a/(b|c)')).toEqual({ paths: ['/a/b', '/a/c'], exact: true });
    expect(regexToAuthorizationPath('/a|/b/[0-9]+')).toEqual({ paths: ['/a', '/b/{*}'], exact: false });
  });
});

describe('subtractCidrs', () => {
  test('a range minus holes is the minimal list of blocks', () => {
    expect(subtractCidrs('10.20.0.0/16', [])).toEqual(['10.20.0.0/16']);
    expect(subtractCidrs('10.20.0.0/16', ['10.20.255.0/24'])).toEqual([
      '10.20.0.0/17', '10.20.128.0/18', '10.20.192.0/19', '10.20.224.0/20', '10.20.240.0/21', '10.20.248.0/22', '10.20.252.0/23', '10.20.254.0/24',
    ]);
    expect(subtractCidrs('192.0.2.0/24', ['192.0.2.128/25'])).toEqual(['192.0.2.0/25']);
    expect(subtractCidrs('192.0.2.0/24', ['192.0.2.0/24'])).toEqual([]);
    expect(subtractCidrs('2001:db8:1::/48', ['2001:db8:1:5::/64'])).toHaveLength(16);
    expect(subtractCidrs('10.0.0.0/8', ['192.168.0.0/16'])).toEqual(['10.0.0.0/8']);
  });
});
