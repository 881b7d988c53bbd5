/**
 * Per-version settings (service account, calls, header routes and their timeouts) and
 * splits whose versions are backed by other Services (derived `via` calls, split callers).
 */
import { ResolvedServiceCall } from '../../src/model/resolved';
import { CatalogSpec, HttpMethod, PortProtocol, ServiceSpec, VersionSpec } from '../../src/model/types';
import { problems, resolved } from '../support/model';

/** `api` with an HTTP port (targetPort 8080) and an unnamed gRPC port, and a route on the HTTP port. */
function api(versions: VersionSpec[], extra: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    name: 'api',
    ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: PortProtocol.HTTP }, { port: 9000, protocol: PortProtocol.GRPC }],
    routes: [{ name: 'list', http: { method: HttpMethod.GET, pathPrefix: '/items' }, port: 'http' }],
    versions,
    ...extra,
  };
}

/** A Service that can back `api`'s versions: the same port numbers and protocols, its own pods. */
function clone(name = 'api-clone', extra: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    name,
    ports: [{ port: 80, targetPort: 3000, protocol: PortProtocol.HTTP }, { name: 'grpc', port: 9000, protocol: PortProtocol.GRPC }],
    routes: [{ name: 'list', http: { method: HttpMethod.GET, pathPrefix: '/items' } }],
    ...extra,
  };
}

const shop = (services: ServiceSpec[], extra: Partial<CatalogSpec> = {}): CatalogSpec => ({ namespace: 'shop', ...extra, services });

describe('per-version settings', () => {
  const catalog = resolved(shop([
    api([
      { name: 'stable', weight: 90 },
      {
        name: 'canary',
        weight: 10,
        serviceAccount: 'api-canary',
        headers: { 'x-canary': 'true', 'x-user': 'tester' },
        timeout: '3s',
        calls: [{ service: 'db' }, { peer: 'world', port: 443 }, { peer: 'kube-apiserver' }],
      },
    ], { calls: [{ service: 'cache' }] }),
    { name: 'db', ports: [{ port: 5432 }] },
    { name: 'cache', ports: [{ port: 6379 }] },
  ]));
  const service = catalog.service('shop/api');

  test('a version has its own service account, headers, timeout, calls and peer calls', () => {
    const [canary, stable] = service.versions;
    expect(canary).toMatchObject({
      name: 'canary',
      labels: { version: 'canary' },
      weight: 10,
      headers: { 'x-canary': 'true', 'x-user': 'tester' },
      serviceAccount: 'api-canary',
      timeoutMs: 3000,
    });
    expect(canary.backend).toBeUndefined();
    expect(canary.calls.map(c => (c as ResolvedServiceCall).targetId)).toEqual(['shop/db']);
    expect(canary.peerCalls.map(c => [c.peer.name, c.ports.map(p => p.port)])).toEqual([['kube-apiserver', [443, 6443]], ['world', [443]]]);
    // The other version inherits the service's account and has no settings of its own.
    expect(stable).toEqual({ name: 'stable', labels: { version: 'stable' }, weight: 90, headers: {}, serviceAccount: 'api', calls: [], peerCalls: [] });
  });

  test('version calls stay off the service\'s calls; the callee sees them with fromVersion', () => {
    expect(service.calls.map(c => (c as ResolvedServiceCall).targetId)).toEqual(['shop/cache']);
    expect(service.peerCalls).toEqual([]);
    expect(catalog.service('shop/db').inbound.map(i => [i.fromId, i.fromVersion])).toEqual([['shop/api', 'canary']]);
    expect(catalog.service('shop/cache').inbound.map(i => [i.fromId, i.fromVersion])).toEqual([['shop/api', undefined]]);
    expect('fromVersion' in catalog.service('shop/cache').inbound[0]).toBe(false);
  });

  test('serviceAccounts lists every account of the service\'s pods, sorted', () => {
    expect(service.serviceAccount).toBe('api');
    expect(service.serviceAccounts).toEqual(['api', 'api-canary']);
  });

  test('errors in version calls carry the version\'s path', () => {
    expect(problems(shop([api([{ name: 'v1', weight: 90, calls: [{ service: 'nope' }, { peer: 'world' }] }, { name: 'v2', weight: 10 }])]))).toEqual([
      'services[0].versions[0].calls[0].service: unknown service "nope" (resolved as shop/nope); did you mean "shop/api"?',
      'services[0].versions[0].calls[1]: a call to peer "world" needs "port" or "ports" (numbers)',
    ]);
  });

  test('a timeout needs headers; header sets must differ; names lower-case, values strings', () => {
    const spec = shop([api([
      { name: 'v1', weight: 40, timeout: '2s' },
      { name: 'v2', weight: 20, headers: { 'x-canary': 'true' }, serviceAccount: 'Bad_SA' },
      { name: 'v3', weight: 20, headers: { 'x-canary': 'true' }, timeout: '0s' },
      { name: 'v4', weight: 10, headers: {} },
      { name: 'v5', weight: 10, headers: { 'X-Canary': 'yes', 'x-n': 5 as never } },
    ])]);
    expect(problems(spec)).toEqual([
      'services[0].versions[0].timeout: a timeout of version "v1" needs "headers": weighted traffic to the service shares one route, and a route has one timeout',
      'services[0].versions[1].serviceAccount: "Bad_SA" is not a valid DNS-1123 subdomain',
      'services[0].versions[2].headers: same headers as version "v2": a request could not be routed to one of them',
      'services[0].versions[2].timeout: timeout must be greater than zero',
      'services[0].versions[3].headers: give at least one header (or remove "headers" to route by weight only)',
      'services[0].versions[4].headers.X-Canary: "X-Canary" is not a lower-case HTTP header name',
      'services[0].versions[4].headers.x-n: header values are strings, got 5',
    ]);
  });

  test('header sets that differ in one value are distinct', () => {
    const catalog2 = resolved(shop([api([
      { name: 'v1', weight: 80 },
      { name: 'v2', weight: 10, headers: { 'x-canary': 'a' } },
      { name: 'v3', weight: 10, headers: { 'x-canary': 'b' } },
    ])]));
    expect(catalog2.service('shop/api').versions.map(v => v.headers)).toEqual([{}, { 'x-canary': 'a' }, { 'x-canary': 'b' }]);
  });
});

describe('versions backed by other Services', () => {
  const catalog = resolved(shop([
    api([{ name: 'v1', weight: 90 }, { name: 'v2', weight: 10, service: 'api-clone' }], {
      callers: [{ peer: 'ingress-controller', routes: ['list'] }, { peer: 'ops', port: 9000 }],
    }),
    clone(),
    { name: 'web', ports: [{ port: 80 }], calls: [{ service: 'api', routes: ['list'] }, { service: 'api', port: 9000 }] },
    {
      name: 'admin',
      clientOnly: true,
      versions: [{ name: 'old', weight: 50 }, { name: 'new', weight: 50, calls: [{ service: 'api', port: 'http' }] }],
    },
  ], { peers: [{ name: 'ops', namespace: 'ops', serviceAccount: 'ops' }] }));

  test('the version names its backend; it has no labels and takes the backend\'s identity', () => {
    expect(catalog.service('shop/api').versions).toEqual([
      { name: 'v1', labels: { version: 'v1' }, weight: 90, headers: {}, serviceAccount: 'api', calls: [], peerCalls: [] },
      { name: 'v2', labels: {}, weight: 10, backend: 'shop/api-clone', headers: {}, serviceAccount: 'api-clone', calls: [], peerCalls: [] },
    ]);
    // The backend's account is not one of the split service's pods' accounts.
    expect(catalog.service('shop/api').serviceAccounts).toEqual(['api']);
  });

  test('callers of the split service also call the backend (via), same port numbers and routes', () => {
    const calls = catalog.service('shop/web').calls as ResolvedServiceCall[];
    // Canonical order (by call key: `shop/api-clone` sorts before `shop/api|`).
    expect(calls.map(c => [c.targetId, c.ports.map(p => `${p.ref}:${p.targetPort}`), c.routes.map(r => r.name), c.via])).toEqual([
      ['shop/api-clone', ['80:3000'], ['list'], 'shop/api'],
      ['shop/api-clone', ['grpc:9000'], [], 'shop/api'],
      ['shop/api', ['http:8080'], ['list'], undefined],
      ['shop/api', ['9000:9000'], [], undefined],
    ]);
    // The backend's own route object, not the split service's.
    expect(calls[0].routes[0]).toBe(catalog.service('shop/api-clone').routes[0]);
    expect(catalog.service('shop/api-clone').inbound.map(i => [i.fromId, i.fromVersion, i.call.via])).toEqual([
      ['shop/admin', 'new', 'shop/api'],
      ['shop/web', undefined, 'shop/api'],
      ['shop/web', undefined, 'shop/api'],
    ]);
  });

  test('a version\'s call to the split service is derived for that version only', () => {
    const newer = catalog.service('shop/admin').versions.find(v => v.name === 'new')!;
    expect((newer.calls as ResolvedServiceCall[]).map(c => [c.targetId, c.ports.map(p => p.port), c.via])).toEqual([
      ['shop/api-clone', [80], 'shop/api'],
      ['shop/api', [80], undefined],
    ]);
    expect(catalog.service('shop/admin').calls).toEqual([]);
  });

  test('peer callers of the split service become split callers of the backend', () => {
    const callers = catalog.service('shop/api-clone').callers.filter(c => c.peer.meshed);
    expect(callers.map(c => [c.peer.name, c.source, c.ports.map(p => p.ref), c.routes.map(r => r.name)])).toEqual([
      ['ingress-controller', 'split', ['80'], ['list']],
      ['ops', 'split', ['grpc'], []],
    ]);
  });

  test('a direct call to the backend stays a direct call (not marked as derived)', () => {
    const direct = resolved(shop([
      api([{ name: 'v1', weight: 90 }, { name: 'v2', weight: 10, service: 'api-clone' }]),
      clone(),
      { name: 'web', ports: [{ port: 80 }], calls: [{ service: 'api-clone' }, { service: 'api' }] },
    ]));
    const calls = direct.service('shop/web').calls as ResolvedServiceCall[];
    expect(calls.map(c => [c.targetId, c.via])).toEqual([['shop/api-clone', undefined], ['shop/api', undefined]]);
  });

  test('backends: unknown, another namespace, itself, client-only, nested, missing ports', () => {
    const spec = shop([
      api([
        { name: 'a', weight: 10, service: 'nope' },
        { name: 'b', weight: 10, service: 'other/api-clone' },
        { name: 'c', weight: 10, service: 'api' },
        { name: 'd', weight: 10, service: 'job' },
        { name: 'e', weight: 10, service: 'split' },
        { name: 'f', weight: 10, service: 'short' },
        { name: 'g', weight: 10, service: 'tcp' },
        { name: 'h', weight: 30, service: 'shop/api-clone' },
      ]),
      clone(),
      clone('api-clone', { namespace: 'other' }),
      { name: 'job', clientOnly: true },
      clone('split', { versions: [{ name: 'x', weight: 100 }] }),
      { name: 'short', ports: [{ port: 80, protocol: PortProtocol.HTTP }] },
      { name: 'tcp', ports: [{ port: 80 }, { port: 9000, protocol: PortProtocol.GRPC }] },
    ]);
    expect(problems(spec)).toEqual([
      'services[0].versions[0].service: unknown service "nope" (resolved as shop/nope); did you mean "shop/api"?',
      'services[0].versions[1].service: "other/api-clone" is in another namespace: a split\'s backends live in the namespace of the split service (shop)',
      'services[0].versions[2].service: a version cannot be backed by its own service (give it labels instead)',
      'services[0].versions[3].service: "shop/job" is client-only (no Service): it cannot take traffic',
      'services[0].versions[4].service: "shop/split" has versions of its own: splits do not nest',
      'services[0].versions[5].service: "shop/short" must serve every port of shop/api with the same protocol; missing 9000/grpc',
      'services[0].versions[6].service: "shop/tcp" must serve every port of shop/api with the same protocol; missing 80/http',
    ]);
  });

  test('labels, serviceAccount and calls are refused on a backed version', () => {
    const spec = shop([api([{ name: 'v1', weight: 90 }, { name: 'v2', weight: 10, service: 'api-clone', labels: { track: 'b' }, serviceAccount: 'x', calls: [] }]), clone()]);
    const why = 'version "v2" is backed by service "api-clone": its pods, identity and calls are that service\'s; remove';
    expect(problems(spec)).toEqual([
      `services[0].versions[1].labels: ${why} "labels"`,
      `services[0].versions[1].serviceAccount: ${why} "serviceAccount"`,
      `services[0].versions[1].calls: ${why} "calls"`,
    ]);
  });

  test('a route that callers of the split are limited to must exist on the backend', () => {
    const spec = shop([
      api([{ name: 'v1', weight: 90 }, { name: 'v2', weight: 10, service: 'api-clone' }], { callers: [{ peer: 'ingress-controller', routes: ['list'] }] }),
      clone('api-clone', { routes: [] }),
      { name: 'web', ports: [{ port: 80 }], calls: [{ service: 'api', routes: ['list'] }] },
    ]);
    const found = problems(spec);
    // One finding per caller, each naming who is limited to the route.
    expect(found).toEqual([
      'services[0].versions[1].service: shop/web calls shop/api limited to route "list", which backend shop/api-clone does not declare (a backend serves the routes its split service\'s callers use)',
      'services[0].versions[1].service: peer ingress-controller calls shop/api limited to route "list", which backend shop/api-clone does not declare (a backend serves the routes its split service\'s callers use)',
    ]);
  });
});
