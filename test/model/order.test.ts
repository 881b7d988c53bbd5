/**
 * The resolved catalog does not depend on the order of the input: every list (services,
 * ports, routes, calls, callers, peers, versions, namespaces, ranges) and every map
 * (selectors, labels, headers) shuffled gives a deep-equal catalog.
 */
import * as fc from 'fast-check';
import { resolveCatalog } from '../../src/model/resolve';
import { ResolvedCatalog } from '../../src/model/resolved';
import { CatalogSpec, HttpMethod, PortProtocol } from '../../src/model/types';
import { catalogSpecArb } from '../support/arbitraries';
import { propertyRuns } from '../support/property-runs';

/** A small deterministic PRNG (Park-Miller), so a failing case replays from its seed. */
function random(seed: number): () => number {
  let state = (Math.abs(Math.floor(seed)) % 2147483646) + 1;
  return () => {
    state = (state * 48271) % 2147483647;
    return (state - 1) / 2147483646;
  };
}

/** Every array shuffled and every object's keys reordered, recursively. */
function deepShuffle<T>(value: T, next: () => number): T {
  if (Array.isArray(value)) {
    const items = value.map(v => deepShuffle(v, next));
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items as unknown as T;
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).map(([k, v]) => [k, deepShuffle(v, next)] as const);
    for (let i = entries.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [entries[i], entries[j]] = [entries[j], entries[i]];
    }
    return Object.fromEntries(entries) as T;
  }
  return value;
}

/** The catalog as data (the lookup functions dropped). */
function plain(catalog: ResolvedCatalog | undefined): unknown {
  // `declaredAt` (where in the catalog a call was written, for refusals) follows the input
  // order by design; everything else must not.
  return JSON.parse(JSON.stringify(catalog, (key, value) => (key === 'declaredAt' ? undefined : value)));
}

function resolvedOrFail(spec: CatalogSpec): ResolvedCatalog {
  const { catalog, issues } = resolveCatalog(spec);
  expect(issues.filter(i => i.severity === 'error')).toEqual([]);
  return catalog!;
}

/** A hand-written catalog that uses every new field at once. */
const EVERYTHING: CatalogSpec = {
  namespace: 'shop',
  peers: [
    { name: 'ops', namespace: 'ops', selector: { app: 'op', tier: 'ops' }, serviceAccount: 'op', ports: [8443, 8080] },
    { name: 'tenants', namespaceSelector: { tier: 'tenant', env: 'prod' }, meshed: false },
    { name: 'partner', world: true, cidrs: ['203.0.113.0/24', '198.51.100.0/24'] },
    { name: 'kube-apiserver', kubeApiServer: true, cidrs: ['192.0.2.0/28', '10.0.0.1/32'] },
  ],
  services: [
    {
      name: 'api',
      ports: [
        { name: 'http', port: 80, targetPort: 8080, protocol: PortProtocol.HTTP },
        { port: 9443 },
        { name: 'metrics', port: 9090, protocol: PortProtocol.HTTP, metrics: true },
      ],
      routes: [
        { name: 'list', http: { method: HttpMethod.GET, pathPrefix: '/items' }, port: 'http' },
        { name: 'create', http: { method: HttpMethod.POST, path: '/items' }, port: 'http' },
      ],
      callers: [
        { peer: 'ingress-controller', routes: ['list', 'create'] },
        { peer: 'kube-apiserver', port: 9443 },
        { peer: 'tenants', ports: ['http', 9443] },
        { peer: 'partner', port: 'http', routes: ['list'] },
      ],
      versions: [
        { name: 'v1', weight: 80, labels: { track: 'stable', version: 'v1' } },
        { name: 'v2', weight: 10, serviceAccount: 'api-canary', headers: { 'x-canary': 'on', 'x-user': 'qa' }, timeout: '3s', calls: [{ service: 'data/db' }, { peer: 'partner', ports: [443, 80] }, { peer: 'kube-apiserver' }] },
        { name: 'v3', weight: 10, service: 'api-clone' },
      ],
      calls: [{ peer: 'ops' }, { service: 'data/db', port: 5432 }, { cidr: '10.20.0.0/16', except: ['10.20.5.0/24', '10.20.1.0/24'], ports: [5432, 6432] }],
    },
    {
      name: 'api-clone',
      ports: [{ port: 80, protocol: PortProtocol.HTTP }, { port: 9443 }, { port: 9090, protocol: PortProtocol.HTTP }],
      routes: [
        { name: 'create', http: { method: HttpMethod.POST, path: '/items' } },
        { name: 'list', http: { method: HttpMethod.GET, pathPrefix: '/items' } },
      ],
    },
    { name: 'web', ports: [{ port: 80 }], exposed: true, calls: [{ service: 'api', routes: ['create', 'list'] }, { service: 'api', port: 9443 }, { host: 'api.example.com', ports: [443, 80], cidrs: ['198.51.100.0/24', '192.0.2.0/24'] }] },
    { name: 'db', namespace: 'data', ports: [{ port: 5432 }], serviceAccount: 'db', callers: [{ peer: 'ops', port: 5432 }] },
    { name: 'loadgen', clientOnly: true, versions: [{ name: 'a', weight: 50 }, { name: 'b', weight: 50, calls: [{ service: 'shop/api', port: 'http' }] }], calls: [{ service: 'web' }] },
  ],
  namespaces: [{ name: 'data', labels: { tier: 'tenant', env: 'prod' } }, { name: 'shop' }],
};

describe('resolution does not depend on input order', () => {
  const reference = plain(resolvedOrFail(EVERYTHING));

  test.each([1, 2, 3, 4, 5, 6, 7, 8])('a catalog using every new field, shuffled with seed %i', seed => {
    const shuffled = deepShuffle(EVERYTHING, random(seed));
    expect(JSON.stringify(shuffled)).not.toEqual(JSON.stringify(EVERYTHING));
    expect(plain(resolvedOrFail(shuffled))).toEqual(reference);
  });

  test('generated catalogs (all peer kinds, version settings, header routes), shuffled', () => {
    fc.assert(
      fc.property(catalogSpecArb({ headerRoutes: true }), fc.integer({ min: 1, max: 2 ** 31 - 1 }), (spec, seed) => {
        const original = resolveCatalog(spec);
        const shuffled = resolveCatalog(deepShuffle(spec, random(seed)));
        expect(original.issues.filter(i => i.severity === 'error')).toEqual([]);
        expect(plain(shuffled.catalog)).toEqual(plain(original.catalog));
        // The same warnings (which service is named first may differ).
        expect(shuffled.issues.length).toBe(original.issues.length);
      }),
      { seed: 8008, numRuns: propertyRuns(150) },
    );
  });
});
