/**
 * Header-routed versions, header-scoped faults and split backends in the istio phase's
 * VirtualServices and DestinationRules: order, matches, destinations, timeouts, and the
 * retries promise on every copy of a route.
 */
import * as fc from 'fast-check';
import { find, istioCatalogArb, ofKind, PLATFORM, synthIstio } from './support';
import { lintManifests, PRE_REQUEST_RETRY_ON } from '../../../src/analysis/lint';
import { CatalogValidationError, ServiceCatalog } from '../../../src/model/catalog';
import { CatalogSpec, HttpMethod, PortProtocol } from '../../../src/model/types';
import { headerVersions } from '../../../src/phases/istio/routes';
import { propertyRuns } from '../../support/property-runs';
import { Manifest } from '../../support/synth';

const HTTP = PortProtocol.HTTP;

/** `[name, match name, destinations, timeout, retries]` of every HTTP route. */
function summary(vs: Manifest): Array<[string, string | undefined, string, string | undefined, unknown]> {
  return vs.spec.http.map((r: any) => [
    r.name,
    r.match?.[0]?.name,
    r.route.map((d: any) => `${d.destination.host.split('.')[0]}${d.destination.subset ? `/${d.destination.subset}` : ''}${d.weight !== undefined ? `=${d.weight}` : ''}`).join(' '),
    r.timeout,
    r.retries,
  ]);
}

describe('header-routed versions', () => {
  const manifests = synthIstio(PLATFORM);
  const storefront = find(manifests, 'VirtualService', 'shop', 'storefront');

  test('come first: every route again, matching the version\'s headers, to that version only, with its timeout', () => {
    const retryBrowse = { attempts: 2, retryOn: 'connect-failure,gateway-error,refused-stream,reset' };
    expect(summary(storefront)).toEqual([
      ['buy-fault-injection', 'canary', 'storefront/canary', undefined, { attempts: 0 }],
      ['buy', 'canary', 'storefront/canary', '3s', { attempts: 0 }],
      ['browse', 'canary', 'storefront/canary', '3s', retryBrowse],
      ['catch-all', 'canary', 'storefront/canary', '3s', { attempts: 0 }],
      ['buy-fault-injection', undefined, 'storefront/canary=10 storefront/stable=90', undefined, { attempts: 0 }],
      ['buy', undefined, 'storefront/canary=10 storefront/stable=90', '15s', { attempts: 0 }],
      ['browse', undefined, 'storefront/canary=10 storefront/stable=90', '15s', retryBrowse],
      ['catch-all', undefined, 'storefront/canary=10 storefront/stable=90', '15s', { attempts: 0 }],
    ]);
  });

  test('matches are exact header values next to the route\'s own match, named after the version (Envoy logs route.version)', () => {
    const http = storefront.spec.http;
    expect(http[2].match).toEqual([
      { uri: { exact: '/products' }, method: { exact: 'GET' }, headers: { 'x-canary': { exact: 'true' } }, name: 'canary' },
      { uri: { prefix: '/products/' }, method: { exact: 'GET' }, headers: { 'x-canary': { exact: 'true' } }, name: 'canary' },
    ]);
    expect(http[3].match).toEqual([{ headers: { 'x-canary': { exact: 'true' } }, name: 'canary' }]);
    // The header-scoped fault of the canary copy needs both headers.
    expect(http[0].match[0].headers).toEqual({ 'x-canary': { exact: 'true' }, 'x-chaos': { exact: 'on' } });
    expect(http[0].fault).toEqual({ abort: { httpStatus: 503, percentage: { value: 100 } } });
    // The scoped fault stays a route of its own, just before the route it tests; unscoped routes keep retries and timeout.
    expect(http[4].match).toEqual([{ uri: { exact: '/checkout' }, method: { exact: 'POST' }, headers: { 'x-chaos': { exact: 'on' } } }]);
    expect(http.filter((r: any) => r.fault).every((r: any) => r.timeout === undefined && r.retries.attempts === 0)).toBe(true);
  });

  test('the retry lint knows every copy as its catalog route: no error, no fault warning', () => {
    const lint = lintManifests(manifests, { catalog: ServiceCatalog.fromSpec(PLATFORM)._resolved });
    expect(lint.findings.filter(f => f.subject.startsWith('VirtualService shop/storefront'))).toEqual([]);
  });

  test('a version backed by another Service: its host, no subset; several header sets: more headers first', () => {
    const spec: CatalogSpec = {
      namespace: 'shop',
      services: [
        {
          name: 'api',
          ports: [{ name: 'http', port: 80, protocol: HTTP }],
          versions: [
            { name: 'v1', weight: 100 },
            { name: 'beta', weight: 0, headers: { 'x-beta': '1' } },
            { name: 'debug', weight: 0, headers: { 'x-beta': '1', 'x-debug': '1' }, service: 'api-debug', timeout: '30s' },
          ],
        },
        { name: 'api-debug', ports: [{ name: 'http', port: 80, protocol: HTTP }] },
      ],
    };
    expect(headerVersions(ServiceCatalog.fromSpec(spec)._resolved.service('shop/api')).map(v => v.name)).toEqual(['debug', 'beta']);
    const out = synthIstio(spec);
    expect(summary(find(out, 'VirtualService', 'shop', 'api'))).toEqual([
      ['catch-all', 'debug', 'api-debug', '30s', { attempts: 0 }],
      ['catch-all', 'beta', 'api/beta', '15s', { attempts: 0 }],
      ['catch-all', undefined, 'api/v1', '15s', { attempts: 0 }],
    ]);
    expect(find(out, 'DestinationRule', 'shop', 'api').spec.subsets).toEqual([{ name: 'beta', labels: { version: 'beta' } }, { name: 'v1', labels: { version: 'v1' } }]);
  });

  test('a header-scoped fault whose headers contradict the version\'s has no copy for it', () => {
    const spec: CatalogSpec = {
      namespace: 'shop',
      services: [{
        name: 'api',
        ports: [{ port: 80, protocol: HTTP }],
        routes: [{ name: 'get', http: { method: HttpMethod.GET, path: '/x' }, fault: { delay: { fixedDelay: '1s', percent: 100 }, headers: { 'x-canary': 'chaos' } } }],
        versions: [{ name: 'v1', weight: 100 }, { name: 'v2', weight: 0, headers: { 'x-canary': 'yes' } }],
      }],
    };
    expect(summary(find(synthIstio(spec), 'VirtualService', 'shop', 'api')).map(r => `${r[0]}@${r[1] ?? '*'}`)).toEqual([
      'get@v2', 'catch-all@v2', 'get-fault-injection@*', 'get@*', 'catch-all@*',
    ]);
  });

  test('a fault on every request stays on each copy of its route (and the lint flags each)', () => {
    const spec: CatalogSpec = {
      namespace: 'shop',
      services: [{
        name: 'api',
        ports: [{ port: 80, protocol: HTTP }],
        routes: [{ name: 'get', http: { method: HttpMethod.GET, path: '/x' }, timeout: '2s', fault: { abort: { httpStatus: 500, percent: 1 } } }],
        versions: [{ name: 'v1', weight: 100 }, { name: 'v2', weight: 0, headers: { 'x-canary': 'yes' } }],
      }],
    };
    const catalog = ServiceCatalog.fromSpec(spec);
    const out = synthIstio(catalog);
    const gets = find(out, 'VirtualService', 'shop', 'api').spec.http.filter((r: any) => r.name === 'get');
    expect(gets.map((r: any) => [r.fault?.abort?.httpStatus, r.timeout])).toEqual([[500, '2s'], [500, '2s']]);
    const warnings = lintManifests(out, { catalog: catalog._resolved }).findings.filter(f => f.rule === 'fault-with-retries-or-timeout');
    expect(warnings.map(f => [f.service, f.route])).toEqual([['shop/api', 'get'], ['shop/api', 'get']]);
  });

  test('need an HTTP port: a TCP-only service with header-routed versions is refused by the model, before any phase', () => {
    const spec: CatalogSpec = {
      namespace: 'shop',
      services: [{ name: 'db', ports: [{ name: 'pg', port: 5432 }], versions: [{ name: 'v1', weight: 100 }, { name: 'v2', weight: 0, headers: { 'x-canary': 'yes' } }] }],
    };
    expect(() => synthIstio(spec)).toThrow(CatalogValidationError);
    expect(() => synthIstio(spec)).toThrow('services[0].versions[1].headers: requests are routed by header on http, http2 and grpc ports only; "db" has none');
  });
});

describe('split backends', () => {
  const manifests = synthIstio(PLATFORM);

  test('weighted destinations name the backend Service\'s host, without a subset', () => {
    expect(find(manifests, 'VirtualService', 'shop', 'payments').spec.http).toEqual([{
      name: 'catch-all',
      route: [
        { destination: { host: 'payments-errors.shop.svc.cluster.local' }, weight: 20 },
        { destination: { host: 'payments.shop.svc.cluster.local', subset: 'v1' }, weight: 80 },
      ],
      retries: { attempts: 0 },
      timeout: '15s',
    }]);
  });

  test('DestinationRule subsets only for versions with pods of their own', () => {
    expect(find(manifests, 'DestinationRule', 'shop', 'payments').spec.subsets).toEqual([{ name: 'v1', labels: { version: 'v1' } }]);
    const allBackends: CatalogSpec = {
      namespace: 'shop',
      services: [
        { name: 'api', ports: [{ port: 80, protocol: HTTP }], versions: [{ name: 'next', weight: 100, service: 'api-next' }] },
        { name: 'api-next', ports: [{ port: 80, protocol: HTTP }] },
      ],
    };
    const out = synthIstio(allBackends);
    expect(find(out, 'DestinationRule', 'shop', 'api').spec.subsets).toBeUndefined();
    expect(find(out, 'VirtualService', 'shop', 'api').spec.http[0].route).toEqual([{ destination: { host: 'api-next.shop.svc.cluster.local' } }]);
  });
});

describe('random catalogs: the retries promise holds on every copy of every route', () => {
  test('explicit retries everywhere, copies retry like their route, non-idempotent requests never after sending, header routes first', () => {
    let headerRoutes = 0;
    fc.assert(fc.property(istioCatalogArb({ maxServices: 6 }), spec => {
      const catalog = ServiceCatalog.fromSpec(spec);
      const manifests = synthIstio(catalog);
      for (const vs of ofKind(manifests, 'VirtualService')) {
        const service = catalog._resolved.service(`${vs.metadata.namespace}/${vs.metadata.name}`);
        const byName = new Map<string, unknown>();
        let unscopedSeen = false;
        for (const route of vs.spec.http) {
          expect(route.retries).toBeDefined();
          const declared = service.routes.find(r => r.name === route.name.replace(/-fault-injection$/, ''));
          if (route.retries.attempts > 0) {
            expect(typeof route.retries.retryOn).toBe('string');
            if (!declared || !declared.idempotent) {
              expect(route.retries.retryOn.split(',').every((c: string) => PRE_REQUEST_RETRY_ON.has(c))).toBe(true);
            }
          }
          // Copies of a route (header routes) retry exactly like it.
          if (byName.has(route.name)) {
            expect(route.retries).toEqual(byName.get(route.name));
          }
          byName.set(route.name, route.retries);
          const version = route.match?.[0]?.name;
          if (version === undefined) {
            unscopedSeen = true;
            continue;
          }
          headerRoutes++;
          expect(unscopedSeen).toBe(false);
          const v = service.versions.find(x => x.name === version)!;
          expect(route.route).toHaveLength(1);
          expect(route.route[0].destination.subset).toBe(v.backend === undefined ? v.name : undefined);
          for (const m of route.match) {
            for (const [k, value] of Object.entries(v.headers)) {
              expect(m.headers[k]).toEqual({ exact: value });
            }
          }
          if (route.fault === undefined && v.timeoutMs !== undefined) {
            expect(route.timeout).toBe(`${v.timeoutMs / 1000}s`);
          }
        }
      }
      expect(lintManifests(manifests, { catalog: catalog._resolved }).findings.filter(f => f.severity === 'error')).toEqual([]);
    }), { numRuns: propertyRuns(60), seed: 5150 });
    // Header routes come up in a third of the catalogs or more.
    expect(headerRoutes).toBeGreaterThan(propertyRuns(60) / 3);
  });
});
