import { buildUniverse, Endpoint } from '../../src/analysis/endpoints';
import { PortProbe } from '../../src/analysis/flows';
import { ReachabilityReport, withRequests } from '../../src/analysis/reachability';
import { formatProblems, formatReportText, formatSummary, reportToJson } from '../../src/analysis/report';
import {
  analyzeRequests, requestDeclared, RequestProbe, requestProbes, routeMatches, sampleForRegex, sampleRequest, UNDECLARED_PATH,
} from '../../src/analysis/requests';
import { ServiceCatalog } from '../../src/model/catalog';
import { ResolvedRoute } from '../../src/model/resolved';
import { CatalogSpec, HttpMethod, PortProtocol } from '../../src/model/types';
import { issueExample } from '../support/fixtures';

const model = ServiceCatalog.fromSpec(issueExample)._resolved;
const universe = buildUniverse(model);
const ep = (id: string) => universe.endpoint(id);

function httpRoute(http: ResolvedRoute['http']): ResolvedRoute {
  return { name: 'r', kind: 'http', http, ports: [], idempotent: false, idempotentSource: 'default' };
}

describe('routeMatches', () => {
  test.each<[ResolvedRoute['http'], RequestProbe, boolean]>([
    [{ method: HttpMethod.POST, path: '/charge' }, { method: 'POST', path: '/charge' }, true],
    [{ method: HttpMethod.POST, path: '/charge' }, { method: 'POST', path: '/charge?x=1' }, true],
    [{ method: HttpMethod.POST, path: '/charge' }, { method: 'GET', path: '/charge' }, false],
    [{ method: HttpMethod.POST, path: '/charge' }, { method: 'POST', path: '/charge/1' }, false],
    [{ pathPrefix: '/products' }, { method: 'DELETE', path: '/products' }, true],
    [{ pathPrefix: '/products/' }, { method: 'GET', path: '/products/1' }, true],
    [{ pathPrefix: '/products' }, { method: 'GET', path: '/productsx' }, false],
    [{ pathPrefix: '/' }, { method: 'GET', path: '/x' }, true],
    [{ pathRegex: '/items/[0-9]+' }, { method: 'GET', path: '/items/42' }, true],
    [{ pathRegex: '/items/[0-9]+' }, { method: 'GET', path: '/items/42/x' }, false],
    [{ pathRegex: 'a|/b' }, { method: 'GET', path: '/bc' }, false],
    [{}, { method: 'PATCH', path: '/anything' }, true],
  ])('HTTP %j vs %j: %s', (http, request, expected) => {
    expect(routeMatches(httpRoute(http), request)).toBe(expected);
  });

  test('gRPC: POST /<service>/<method>, method optional', () => {
    const placeOrder = model.service('shop/checkout').routes.find(r => r.name === 'place-order')!;
    expect(routeMatches(placeOrder, { method: 'POST', path: '/shop.Checkout/PlaceOrder' })).toBe(true);
    expect(routeMatches(placeOrder, { method: 'GET', path: '/shop.Checkout/PlaceOrder' })).toBe(false);
    expect(routeMatches(placeOrder, { method: 'POST', path: '/shop.Checkout/GetOrder' })).toBe(false);
    const anyMethod: ResolvedRoute = { ...placeOrder, grpc: { service: 'shop.Checkout' } };
    expect(routeMatches(anyMethod, { method: 'POST', path: '/shop.Checkout/GetOrder' })).toBe(true);
    expect(routeMatches(anyMethod, { method: 'POST', path: '/shop.Checkout/' })).toBe(false);
    expect(routeMatches(anyMethod, { method: 'POST', path: '/shop.Checkout/A/B' })).toBe(false);
  });
});

describe('sample requests', () => {
  test.each(['/items/[0-9]+', '/v[12]/(users|groups)', '/(?:a|b)/c?d*', '/x/\\d{3}/[^/]+', '/files/.*\\.txt', '[a-z]+', '(?P<id>/[0-9]+)'])(
    'a generated sample matches %s in full', regex => {
      const sample = sampleForRegex(regex);
      expect(sample).toBeDefined();
      expect(new RegExp(`^(?:${regex.replace('(?P<', '(?<')})$`).test(sample!)).toBe(true);
    });

  test('an unsatisfiable regex gives no sample', () => {
    expect(sampleForRegex('/a(?!)')).toBeUndefined();
  });

  test('samples use the route method (GET when none), exact paths, prefix + /probe, gRPC paths', () => {
    expect(sampleRequest(httpRoute({ method: HttpMethod.PUT, path: '/a' }))).toEqual({ method: 'PUT', path: '/a', routeName: 'r' });
    expect(sampleRequest(httpRoute({ pathPrefix: '/p/' }))).toEqual({ method: 'GET', path: '/p/probe', routeName: 'r' });
    expect(sampleRequest(httpRoute({}))).toEqual({ method: 'GET', path: '/probe', routeName: 'r' });
    const getOrder = model.service('shop/checkout').routes.find(r => r.name === 'get-order')!;
    expect(sampleRequest(getOrder)).toEqual({ method: 'POST', path: '/shop.Checkout/GetOrder', routeName: 'get-order' });
  });

  test('requestProbes: one per route, then undeclared ones, deterministic and without duplicates', () => {
    const charge = model.service('payments/charge');
    expect(requestProbes(charge, charge.ports[0])).toEqual([
      { method: 'POST', path: '/charge', routeName: 'charge' },
      { method: 'DELETE', path: '/charge' },
      { method: 'POST', path: '/charge/extra' },
      { method: 'GET', path: UNDECLARED_PATH },
      { method: 'DELETE', path: UNDECLARED_PATH },
    ]);
    const checkout = model.service('shop/checkout');
    const probes = requestProbes(checkout, checkout.ports[0]);
    expect(probes.slice(0, 2)).toEqual([
      { method: 'POST', path: '/shop.Checkout/GetOrder', routeName: 'get-order' },
      { method: 'POST', path: '/shop.Checkout/PlaceOrder', routeName: 'place-order' },
    ]);
    expect(probes).toContainEqual({ method: 'POST', path: '/shop.Checkout/MeshLadderUndeclared' });
    expect(probes).toContainEqual({ method: 'POST', path: '/mesh.ladder.Undeclared/MeshLadderUndeclared' });
    expect(new Set(probes.map(p => `${p.method} ${p.path}`)).size).toBe(probes.length);
    expect(requestProbes(checkout, { ...checkout.ports[0], protocol: PortProtocol.TCP })).toEqual([]);
  });
});

describe('requestDeclared', () => {
  test('a route-limited call declares only matching requests, on its port', () => {
    const from = ep('shop/checkout');
    const to = ep('payments/charge');
    expect(requestDeclared(model, from, to, 8080, { method: 'POST', path: '/charge' })).toBe(true);
    expect(requestDeclared(model, from, to, 8080, { method: 'GET', path: '/charge' })).toBe(false);
    expect(requestDeclared(model, from, to, 9999, { method: 'POST', path: '/charge' })).toBe(false);
    expect(requestDeclared(model, ep('shop/frontend'), to, 8080, { method: 'POST', path: '/charge' })).toBe(false);
  });

  test('a call without routes declares any request; exposed declares any request from the ingress controller', () => {
    expect(requestDeclared(model, ep('shop/frontend'), ep('shop/catalog@v2'), 8080, { method: 'DELETE', path: '/x' })).toBe(true);
    const ingress = ep('ingress-nginx/ingress-controller');
    expect(requestDeclared(model, ingress, ep('shop/frontend'), 8080, { method: 'DELETE', path: '/x' })).toBe(true);
    expect(requestDeclared(model, ingress, ep('shop/checkout'), 5050, { method: 'POST', path: '/shop.Checkout/PlaceOrder' })).toBe(false);
    expect(requestDeclared(model, ep('world'), ep('shop/frontend'), 8080, { method: 'GET', path: '/' })).toBe(false);
    expect(requestDeclared(model, ep('world'), ep('shop/frontend'), 8080, { method: 'GET', path: '/' }, { exposedFrom: e => e.kind !== 'pod' })).toBe(true);
  });

  test('called ports that serve none of the routes carry any request', () => {
    const spec: CatalogSpec = {
      namespace: 'a',
      services: [
        {
          name: 'api',
          ports: [{ name: 'http', port: 80, protocol: PortProtocol.HTTP }, { name: 'admin', port: 81, protocol: PortProtocol.HTTP }],
          routes: [{ name: 'get', port: 'http', http: { method: HttpMethod.GET, path: '/x' } }],
        },
        { name: 'web', clientOnly: true, calls: [{ service: 'api', ports: ['http', 'admin'], routes: ['get'] }] },
      ],
    };
    const m = ServiceCatalog.fromSpec(spec)._resolved;
    const u = buildUniverse(m);
    expect(requestDeclared(m, u.endpoint('a/web'), u.endpoint('a/api'), 80, { method: 'POST', path: '/x' })).toBe(false);
    expect(requestDeclared(m, u.endpoint('a/web'), u.endpoint('a/api'), 81, { method: 'POST', path: '/x' })).toBe(true);
  });
});

describe('analyzeRequests', () => {
  /** Allows every declared connection; L7 decided by the given function. */
  const l4 = (from: Endpoint, to: Endpoint, probe: PortProbe) =>
    (from.id === 'shop/checkout' && to.id === 'payments/charge' && probe.port === 8080)
    || (from.id === 'shop/frontend' && to.id === 'shop/checkout' && probe.port === 5050);

  test('exact evaluator: nothing missing or unexpected; probes cover routes and undeclared requests', () => {
    const report = analyzeRequests(model, universe, {
      allowsRequest: (from, to, probe, request) => requestDeclared(model, from, to, probe.port, request),
    }, l4);
    expect(report.missing).toEqual([]);
    expect(report.unexpected).toEqual([]);
    expect(report.declared.map(r => `${r.from} ${r.method} ${r.path}`)).toEqual([
      'shop/checkout POST /charge',
      'shop/frontend POST /shop.Checkout/PlaceOrder',
    ]);
    expect(report.probed.length).toBeGreaterThan(8);
    expect(report.allowed).toEqual(report.declared);
  });

  test('an L4-only evaluator: undeclared requests are unexpected; a deny-all one: declared ones are missing', () => {
    const open = analyzeRequests(model, universe, { allowsRequest: () => true }, l4);
    expect(open.unexpected.length).toBe(open.probed.length - 2);
    expect(open.unexpected).toContainEqual(expect.objectContaining({ from: 'shop/checkout', to: 'payments/charge', method: 'DELETE', path: '/charge' }));
    const closed = analyzeRequests(model, universe, { allowsRequest: () => false }, l4);
    expect(closed.missing.map(r => r.path)).toEqual(['/charge', '/shop.Checkout/PlaceOrder']);
  });

  test('reports: ok turns false, problems, summary, text and JSON show the L7 results', () => {
    const base: ReachabilityReport = {
      evaluator: 'Test', endpoints: universe.endpoints.map(e => e.id), allowed: [], declared: [], missing: [], unexpected: [], tolerated: [], diagnostics: [], ok: true,
    };
    const requests = analyzeRequests(model, universe, { allowsRequest: (_f, _t, _p, r) => r.method !== 'POST' || r.path !== '/charge' }, l4);
    const report = withRequests(base, requests);
    expect(report.ok).toBe(false);
    expect(withRequests(base, { probed: [], declared: [], allowed: [], missing: [], unexpected: [], tolerated: [] }).ok).toBe(true);
    expect(formatProblems(report)).toContain('MISSING REQUEST shop/checkout -> payments/charge 8080/TCP POST /charge');
    expect(formatProblems(report)).toContain('UNEXPECTED REQUEST shop/checkout -> payments/charge 8080/TCP DELETE /charge');
    expect(formatSummary(report)).toMatch(/; L7 requests: 2 declared, \d+ allowed, 1 missing, \d+ unexpected: FAIL$/);
    const text = formatReportText(report);
    expect(text).toContain('L7 requests:');
    expect(text).toContain('MISSING    shop/checkout -> payments/charge 8080/TCP POST /charge (route charge)');
    expect(text).toContain('allowed    shop/frontend -> shop/checkout 5050/TCP POST /shop.Checkout/PlaceOrder (route place-order)');
    const json = reportToJson(report);
    expect(json.requests!.summary.missing).toBe(1);
    expect(json.requests!.missing).toEqual([{ from: 'shop/checkout', to: 'payments/charge', port: 8080, protocol: 'TCP', method: 'POST', path: '/charge', route: 'charge' }]);
    expect(reportToJson(base).requests).toBeUndefined();
  });
});
