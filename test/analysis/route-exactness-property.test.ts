/**
 * Property tests of L7 exactness (docs/routes.md): random overlapping route sets on one
 * service (prefix and regex on the same base, nested prefixes, method-distinguished
 * routes, gRPC service-wide and per-method routes), each caller limited to random routes.
 * For every L7 phase, either synthesis refuses (a PhaseCapabilityError naming service,
 * route, callers and phase), or every probe request's verdict equals the declared intent,
 * except requests tolerated because the catalog allowed wider enforcement, which synthesis
 * then reported as a warning.
 *
 * The evaluators model the proxies' matching: Linkerd dispatches a request to one route by
 * precedence (linkerd2-proxy linkerd/http/route/src/http/match/path.rs, http/match.rs,
 * grpc/match.rs) and authorizes it by that route; Istio matches AuthorizationPolicy paths
 * (exact, prefix*, Envoy URI templates); Cilium anchored regexes, a union per peer.
 */
import * as fc from 'fast-check';
import { checkPhaseReachability } from '../../src/analysis/phases';
import { formatRequestFlow } from '../../src/analysis/requests';
import { MeshLadderChart } from '../../src/chart';
import { PhaseCapabilityError } from '../../src/emit/common';
import { ServiceCatalog } from '../../src/model/catalog';
import { Phase } from '../../src/model/phase';
import { CatalogSpec, HttpMatchSpec, HttpMethod, L7Widening, RouteSpec } from '../../src/model/types';
import { propertyRuns } from '../support/property-runs';

const SEED = 20261207;
const PHASES: Phase[] = [Phase.CILIUM, Phase.LINKERD, Phase.ISTIO];

/** HTTP route shapes on one base: nested prefixes, regexes under them, exact paths. */
const HTTP_PATHS: HttpMatchSpec[] = [
  { pathPrefix: '/b' },
  { pathPrefix: '/b/x' },
  { pathRegex: '/b/[a-z]+' },
  { pathRegex: '/b/[^/]+' },
  { pathRegex: '/b/x/[0-9]+' },
  { pathRegex: '/b/(x|y)' },
  { path: '/b' },
  { path: '/b/x' },
  {},
];
const METHODS: Array<HttpMethod | undefined> = [HttpMethod.GET, HttpMethod.POST, undefined];

const httpRouteArb: fc.Arbitrary<Omit<RouteSpec, 'name'>> = fc.record({
  path: fc.constantFrom(...HTTP_PATHS),
  method: fc.constantFrom(...METHODS),
}).map(({ path, method }) => ({ http: { ...path, ...(method ? { method } : {}) } }));

const grpcRouteArb: fc.Arbitrary<Omit<RouteSpec, 'name'>> = fc.constantFrom(
  { grpc: { service: 't.S' } },
  { grpc: { service: 't.S', method: 'A' } },
  { grpc: { service: 't.S', method: 'B' } },
  { grpc: { service: 't.T' } },
);

interface Case {
  readonly spec: CatalogSpec;
  readonly grpc: boolean;
}

/** One callee with 2-4 distinct routes, 2-3 callers limited to random subsets, random opt-ins. */
const caseArb: fc.Arbitrary<Case> = fc.boolean().chain(grpc => fc.uniqueArray(grpc ? grpcRouteArb : httpRouteArb, {
  minLength: 2, maxLength: grpc ? 3 : 4, selector: r => JSON.stringify(r),
}).chain(routes => {
  const named: RouteSpec[] = routes.map((r, i) => ({ name: `r${i}`, ...r }));
  const names = named.map(r => r.name);
  return fc.record({
    limits: fc.array(fc.option(fc.subarray(names, { minLength: 1 }), { freq: 5 }), { minLength: 2, maxLength: 3 }),
    optIn: fc.array(fc.boolean(), { minLength: named.length, maxLength: named.length }),
    global: fc.constantFrom(undefined, L7Widening.ALLOW, L7Widening.REFUSE),
  }).map(({ limits, optIn, global }) => ({
    grpc,
    spec: {
      namespace: 'p',
      ...(global ? { l7Widening: global } : {}),
      services: [
        {
          name: 'api',
          ports: [grpc ? { name: 'grpc', port: 9090, protocol: 'grpc' } : { name: 'http', port: 80, targetPort: 8080, protocol: 'http' }],
          routes: named.map((r, i) => (optIn[i] ? { ...r, allowWiderEnforcement: true } : r)),
        },
        ...limits.map((limit, i) => ({
          name: `c${i}`,
          ports: [{ name: 'http', port: 80, protocol: 'http' }],
          calls: [{ service: 'api', ...(limit ? { routes: limit } : {}) }],
        })),
      ],
    } as unknown as CatalogSpec,
  }));
}));

interface Outcome {
  readonly refused: boolean;
  readonly problems: string[];
  readonly tolerated: number;
  readonly warnings: string[];
}

function judge(spec: CatalogSpec, phase: Phase, service = 'p/api', route = /route "r\d"/): Outcome {
  const catalog = ServiceCatalog.fromSpec(spec);
  let synthesis;
  try {
    synthesis = MeshLadderChart.synthesize(catalog, phase);
  } catch (e) {
    expect(e).toBeInstanceOf(PhaseCapabilityError);
    const message = (e as Error).message;
    // The refusal names the phase, the service and a route.
    expect(message).toMatch(new RegExp(`the ${phase} phase`));
    expect(message).toContain(service);
    expect(message).toMatch(route);
    return { refused: true, problems: [], tolerated: 0, warnings: [] };
  }
  const report = checkPhaseReachability(catalog._resolved, phase, synthesis.objects);
  const requests = report.requests!;
  return {
    refused: false,
    problems: [
      ...requests.missing.map(f => `MISSING ${formatRequestFlow(f)}`),
      ...requests.unexpected.map(f => `UNEXPECTED ${formatRequestFlow(f)}`),
    ],
    tolerated: requests.tolerated.length,
    warnings: synthesis.warnings.filter(w => /wider/i.test(w)),
  };
}

describe('L7 exactness over random overlapping route sets', () => {
  for (const phase of PHASES) {
    test(`${phase}: every probe request is judged as declared, or synthesis refused, or the widening is opted in and reported`, () => {
      const tally = { synthesized: 0, refused: 0, widened: 0 };
      fc.assert(fc.property(caseArb, ({ spec }) => {
        const outcome = judge(spec, phase);
        if (outcome.refused) {
          tally.refused++;
          return;
        }
        tally.synthesized++;
        expect(outcome.problems).toEqual([]);
        if (outcome.tolerated > 0) {
          tally.widened++;
          // Only the catalog's opt-in makes a widening acceptable, and synthesis says so.
          expect(outcome.warnings.length).toBeGreaterThan(0);
        }
      }), { seed: SEED, numRuns: propertyRuns(phase === Phase.CILIUM ? 80 : 250) });
      // Cilium says every form exactly; the others must still synthesize most cases.
      if (phase === Phase.CILIUM) {
        expect(tally.refused).toBe(0);
      }
      expect(tally.synthesized).toBeGreaterThan(tally.refused);
    });
  }

  test('refusals happen only without an opt-in: the same cases with l7Widening: allow always synthesize', () => {
    fc.assert(fc.property(caseArb, ({ spec }) => {
      const withoutOptIns = spec.services.map(s => ({ ...s, routes: s.routes?.map(r => ({ ...r, allowWiderEnforcement: undefined })) }));
      const allowed = { ...spec, l7Widening: L7Widening.ALLOW, services: withoutOptIns };
      for (const phase of PHASES) {
        const outcome = judge(allowed as CatalogSpec, phase);
        expect(outcome.refused).toBe(false);
        expect(outcome.problems).toEqual([]);
      }
    }), { seed: SEED + 1, numRuns: propertyRuns(50) });
  });
});

describe('the overlapping routes of the issue', () => {
  /** list (GET prefix /products) for web; get (GET regex) for cart only. */
  const spec = (allowWider?: boolean): CatalogSpec => ({
    namespace: 'shop',
    services: [
      {
        name: 'catalog',
        ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'http' }],
        routes: [
          { name: 'list-products', http: { method: HttpMethod.GET, pathPrefix: '/products' } },
          { name: 'get-product', http: { method: HttpMethod.GET, pathRegex: '/products/[a-z0-9-]+' }, ...(allowWider !== undefined ? { allowWiderEnforcement: allowWider } : {}) },
        ],
      },
      { name: 'web', ports: [{ name: 'http', port: 80, protocol: 'http' }], calls: [{ service: 'catalog', routes: ['list-products'] }] },
      { name: 'cart', ports: [{ name: 'http', port: 80, protocol: 'http' }], calls: [{ service: 'catalog', routes: ['get-product'] }] },
    ],
  } as unknown as CatalogSpec);

  test('linkerd: exact; get-product callers are not authorized on list-products (GET /products refused to cart)', () => {
    const outcome = judge(spec(), Phase.LINKERD, 'shop/catalog');
    expect(outcome).toMatchObject({ refused: false, problems: [], tolerated: 0 });
    const catalog = ServiceCatalog.fromSpec(spec());
    const { objects } = MeshLadderChart.synthesize(catalog, Phase.LINKERD);
    const listAuth = objects.find(o => o.kind === 'MeshTLSAuthentication' && o.metadata.name === 'catalog-http-list-products');
    const getAuth = objects.find(o => o.kind === 'MeshTLSAuthentication' && o.metadata.name === 'catalog-http-get-product');
    const names = (o: any) => (o.spec.identityRefs ?? []).map((r: any) => r.name).sort();
    expect(names(listAuth)).toEqual(['web']);
    // Every request get-product wins is also a request of list-products: web keeps GET /products/<id>.
    expect(names(getAuth)).toEqual(['cart', 'web']);
    const report = checkPhaseReachability(catalog._resolved, Phase.LINKERD, objects);
    const verdict = (from: string, path: string) => {
      const flow = report.requests!.probed.find(f => f.from.startsWith(from) && f.path === path && f.method === 'GET');
      return flow ? report.requests!.allowed.includes(flow) : undefined;
    };
    expect(verdict('shop/cart', '/products')).toBe(false);
    expect(verdict('shop/cart', '/products/')).toBe(false);
    expect(verdict('shop/cart', '/products/Z~Z')).toBe(false);
    expect(verdict('shop/web', '/products')).toBe(true);
  });

  test('istio: refused without the opt-in, naming service, route, callers and phase; tolerated and reported with it', () => {
    const catalog = ServiceCatalog.fromSpec(spec());
    expect(() => MeshLadderChart.synthesize(catalog, Phase.ISTIO))
      .toThrow(/the istio phase[\s\S]*shop\/catalog route "get-product".*limited for shop\/cart.*\/products\/\{\*\}.*e\.g\. \/products\/Z~Z/);
    expect(judge(spec(false), Phase.ISTIO, 'shop/catalog', /route "get-product"/).refused).toBe(true);
    const widened = judge(spec(true), Phase.ISTIO, 'shop/catalog');
    expect(widened).toMatchObject({ refused: false, problems: [] });
    expect(widened.tolerated).toBeGreaterThan(0);
    expect(widened.warnings).toEqual([expect.stringMatching(/shop\/catalog route "get-product".*shop\/cart may also send GET requests.*\/products\/Z~Z/)]);
  });

  test('cilium: exact, unchanged', () => {
    expect(judge(spec(), Phase.CILIUM, 'shop/catalog')).toMatchObject({ refused: false, problems: [], tolerated: 0 });
  });
});
