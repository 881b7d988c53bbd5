import { resolveCatalog } from '../../src/model/resolve';
import { formatPath, ModelIssue, ResolvedServiceCall } from '../../src/model/resolved';
import { CatalogSpec, HttpMethod, PortProtocol, RetryCondition } from '../../src/model/types';
import { issueExample } from '../support/fixtures';

function errors(spec: CatalogSpec): string[] {
  return resolveCatalog(spec).issues.filter((i: ModelIssue) => i.severity === 'error').map(i => `${formatPath(i.path)}: ${i.message}`);
}

function withService(index: number, patch: object): CatalogSpec {
  return { ...issueExample, services: issueExample.services.map((s, i) => (i === index ? { ...s, ...patch } : s)) };
}

describe('resolveCatalog on the issue example', () => {
  const { catalog, issues } = resolveCatalog(issueExample);

  test('has no errors and sorts services by id', () => {
    expect(issues.filter(i => i.severity === 'error')).toEqual([]);
    expect(catalog!.services.map(s => s.id)).toEqual(['payments/charge', 'shop/catalog', 'shop/checkout', 'shop/frontend', 'shop/loadgen']);
  });

  test('applies defaults: selector, service account, targetPort, namespaces', () => {
    const checkout = catalog!.service('shop/checkout');
    expect(checkout.selector).toEqual({ app: 'checkout' });
    expect(checkout.serviceAccount).toEqual('checkout');
    expect(checkout.ports).toEqual([{ name: 'grpc', port: 5050, targetPort: 5050, protocol: 'grpc', ref: 'grpc', plaintext: false, plaintextDeclared: false, metrics: false }]);
    expect(catalog!.service('shop/frontend').ports[0].targetPort).toBe(8080);
    expect(catalog!.namespaces.map(n => [n.name, n.owned])).toEqual([['payments', true], ['shop', true]]);
  });

  test('derives idempotency: gRPC non-idempotent unless declared, GET idempotent, POST not', () => {
    const checkout = catalog!.service('shop/checkout');
    expect(checkout.routes.map(r => [r.name, r.idempotent, r.idempotentSource])).toEqual([
      ['get-order', true, 'declared'],
      ['place-order', false, 'default'],
    ]);
    expect(catalog!.service('shop/catalog').routes[0]).toMatchObject({ idempotent: true, idempotentSource: 'method' });
    expect(catalog!.service('payments/charge').routes[0]).toMatchObject({ idempotent: false, idempotentSource: 'method' });
  });

  test('resolves retries with gRPC defaults and durations in ms', () => {
    const getOrder = catalog!.service('shop/checkout').routes[0];
    expect(getOrder.timeoutMs).toBe(2000);
    expect(getOrder.retries).toEqual({ attempts: 3, perTryTimeoutMs: 500, on: ['cancelled', 'connect-failure', 'refused-stream', 'unavailable'], conditionsDeclared: false });
  });

  test('binds calls: cross-namespace, route-limited, all ports by default', () => {
    const checkout = catalog!.service('shop/checkout');
    expect(checkout.calls.map(c => c.kind)).toEqual(['service', 'host', 'cidr']);
    const charge = checkout.calls[0] as ResolvedServiceCall;
    expect(charge.targetId).toBe('payments/charge');
    expect(charge.ports.map(p => p.targetPort)).toEqual([8080]);
    expect(charge.routes.map(r => r.name)).toEqual(['charge']);
    const frontend = catalog!.service('shop/frontend');
    const toCatalog = frontend.calls.find(c => c.kind === 'service' && c.targetId === 'shop/catalog') as ResolvedServiceCall;
    expect(toCatalog.ports.map(p => p.ref)).toEqual(['http']);
    expect(toCatalog.routes).toEqual([]);
    expect(catalog!.service('shop/frontend').inbound.map(i => i.fromId)).toEqual(['shop/loadgen']);
  });

  test('versions keep their labels and weights; certificates get the four DNS names', () => {
    expect(catalog!.service('shop/catalog').versions).toEqual([
      { name: 'v1', labels: { version: 'v1' }, weight: 90, headers: {}, serviceAccount: 'catalog', calls: [], peerCalls: [] },
      { name: 'v2', labels: { version: 'v2' }, weight: 10, headers: {}, serviceAccount: 'catalog', calls: [], peerCalls: [] },
    ]);
    expect(catalog!.service('payments/charge').certificate).toEqual({
      secretName: 'charge-tls',
      dnsNames: ['charge', 'charge.payments', 'charge.payments.svc', 'charge.payments.svc.cluster.local'],
      durationMs: 2160 * 3_600_000,
      renewBeforeMs: 720 * 3_600_000,
    });
    expect(catalog!.service('shop/loadgen').certificate).toBeUndefined();
  });

  test('is independent of input order', () => {
    const reversed: CatalogSpec = {
      ...issueExample,
      services: [...issueExample.services].reverse().map(s => ({
        ...s,
        calls: s.calls ? [...s.calls].reverse() : undefined,
        routes: s.routes ? [...s.routes].reverse() : undefined,
      })),
    };
    // Where a call was declared (`declaredAt`, for refusals) follows the input order by design.
    const withoutSource = (value: unknown) => JSON.stringify(value, (key, v) => (key === 'declaredAt' ? undefined : v));
    expect(withoutSource(resolveCatalog(reversed).catalog!.services)).toEqual(withoutSource(catalog!.services));
  });
});

describe('validation reports every error with its field path', () => {
  test('unknown callee, port and route, with suggestions', () => {
    const spec = withService(0, { calls: [{ service: 'chekout' }, { service: 'checkout', port: 'http' }, { service: 'checkout', routes: ['place-ordr'] }] });
    expect(errors(spec)).toEqual([
      'services[0].calls[0].service: unknown service "chekout" (resolved as shop/chekout); did you mean "shop/checkout"?',
      'services[0].calls[1].port: unknown port "http" on shop/checkout (ports: grpc (5050))',
      'services[0].calls[2].routes[0]: unknown route "place-ordr" on shop/checkout (routes: get-order, place-order); did you mean "place-order"?',
    ]);
  });

  test('unsafe retries on a non-idempotent route name the route and the conditions', () => {
    const spec = withService(4, { routes: [{ name: 'charge', http: { method: HttpMethod.POST, path: '/charge' }, retries: { attempts: 2, on: [RetryCondition.CONNECT_FAILURE, RetryCondition.SERVER_ERROR] } }] });
    const [message] = errors(spec);
    expect(message).toMatch(/^services\[4\]\.routes\[0\]\.retries\.on: route "charge" is not idempotent \(POST is not idempotent\): retrying on 5xx/);
  });

  test('safe retries on a non-idempotent route are allowed and default to pre-request conditions', () => {
    const spec = withService(4, { routes: [{ name: 'charge', http: { method: HttpMethod.POST, path: '/charge' }, retries: { attempts: 2 } }] });
    const { catalog } = resolveCatalog(spec);
    expect(catalog!.service('payments/charge').routes[0].retries!.on).toEqual(['connect-failure', 'refused-stream', 'reset-before-request']);
  });

  test('bad names, ports, weights, durations and renewBefore all at once', () => {
    const spec: CatalogSpec = {
      namespace: 'Shop',
      certificates: { duration: '24h', renewBefore: '48h' },
      services: [
        { name: 'Bad_Name', ports: [{ name: 'http', port: 70000 }, { name: 'http', port: 80 }] },
        {
          name: 'ok',
          ports: [{ port: 80, protocol: PortProtocol.HTTP }],
          routes: [{ name: 'r', http: { method: HttpMethod.GET }, timeout: 'soon' }],
          versions: [{ name: 'a', weight: 50 }, { name: 'b', weight: 40 }],
        },
        { name: 'ok', ports: [{ port: 81 }] },
      ],
    };
    expect(errors(spec)).toEqual(expect.arrayContaining([
      expect.stringMatching(/^namespace: "Shop" is not a valid DNS-1123 label/),
      expect.stringMatching(/^certificates\.renewBefore: renewBefore must be shorter than duration/),
      expect.stringMatching(/^services\[0\]\.name: "Bad_Name" is not a valid DNS-1035 label/),
      'services[0].ports[0].port: port 70000 is out of range (1-65535)',
      'services[0].ports[1].name: duplicate port name "http" (also ports[0])',
      expect.stringMatching(/^services\[1\]\.routes\[0\]\.timeout: "soon" is not a duration/),
      'services[1].versions: version weights sum to 90, not 100',
      'services[2].name: duplicate service "Shop/ok" (also services[1])',
    ]));
  });

  test('host and cidr calls need numeric ports; cidr must be canonical', () => {
    const spec = withService(1, { calls: [{ host: 'api.stripe.com' }, { cidr: '10.20.0.1/16', port: 'db' }, { host: 'not a host', port: 443 }] });
    expect(errors(spec)).toEqual([
      'services[1].calls[0]: a host call needs "port" or "ports"',
      'services[1].calls[1].cidr: "10.20.0.1/16" has host bits set; did you mean 10.20.0.0/16?',
      'services[1].calls[1].port: cidr calls need port numbers (1-65535), got "db"',
      'services[1].calls[2].host: "not a host" is not a DNS name (or a "*.domain" pattern)',
    ]);
  });

  test('client-only workloads cannot be called; services need ports', () => {
    const spec = withService(0, { ports: undefined, calls: [{ service: 'loadgen' }] });
    expect(errors(spec)).toEqual([
      'services[0].ports: service "frontend" has no ports; declare its ports, or set "clientOnly: true" for a workload without a Service',
      'services[0].calls[0].service: "shop/loadgen" is client-only (no Service): it cannot be called',
    ]);
  });

  test('shared service accounts are a warning, not an error', () => {
    const spec = withService(1, { serviceAccount: 'frontend' });
    const { catalog, issues } = resolveCatalog(spec);
    expect(catalog).toBeDefined();
    expect(issues).toEqual([{ severity: 'warning', path: ['services', 1, 'serviceAccount'], message: 'shares service account "frontend" with shop/frontend: mesh identity cannot tell them apart (the L4 layer still does)' }]);
  });
});

describe('infrastructure namespaces', () => {
  test('DNS or the ingress controller in an owned namespace is refused with the way out', () => {
    const spec: CatalogSpec = {
      namespace: 'shop',
      dns: { namespace: 'shop', selector: { app: 'dns' } },
      services: [{ name: 'web', ports: [{ port: 80 }], exposed: true }],
    };
    expect(errors(spec)).toEqual([
      'dns.namespace: dns runs in namespace "shop", which the catalog owns: its default-deny would cut cluster DNS off. Declare it in "namespaces" with "owned: false", or run DNS in its own namespace',
    ]);
    expect(errors({ ...spec, namespaces: [{ name: 'shop', owned: false }] })).toEqual([]);
  });
});
