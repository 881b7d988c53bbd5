/**
 * Property tests: for random catalogs (with routes), the linkerd phase authorizes exactly
 * the declared flows and requests (Linkerd AND its L4 layer), and no route object with
 * retries ever carries a non-idempotent route.
 */
import * as fc from 'fast-check';
import { formatFlow } from '../../src/analysis/flows';
import { checkLinkerdReachability, retrySafetyProblems } from '../../src/analysis/linkerd';
import { formatRequestFlow } from '../../src/analysis/requests';
import { ServiceCatalog } from '../../src/model/catalog';
import { CatalogSpec, HttpMethod, L4Layer, MeshMode, RetryCondition, RouteSpec } from '../../src/model/types';
import { PhaseCapabilityError } from '../../src/phases/common';
import { synthLinkerd } from '../phases/linkerd/support';
import { catalogSpecArb } from '../support/arbitraries';
import { withRoutesArb } from '../support/route-arbitraries';

const SEED = 20260814;

/**
 * requests.ts declares any request on a pod port when a route-limited call also names a
 * UDP port with that pod port (it does not look at the transport); Linkerd rightly keeps
 * the TCP port route-limited. Until that is fixed there, such catalogs are left out.
 */
function udpSharesPodPort(spec: CatalogSpec): boolean {
  return spec.services.some(s => {
    const ports = s.ports ?? [];
    const target = (p: { port: number; targetPort?: number }) => p.targetPort ?? p.port;
    return ports.some(u => u.protocol === 'udp' && ports.some(t => t.protocol !== 'udp' && target(t) === target(u)));
  });
}

const catalogArb = withRoutesArb(catalogSpecArb({ maxServices: 6 })).filter(s => !udpSharesPodPort(s));

function problems(spec: CatalogSpec, l4: L4Layer, mode = MeshMode.ENFORCED): string[] {
  const catalog = ServiceCatalog.fromSpec(spec);
  const { manifests } = synthLinkerd(catalog, { l4, mode });
  const report = checkLinkerdReachability(catalog._resolved, manifests);
  return [
    ...report.missing.map(f => `MISSING ${formatFlow(f)}`),
    ...report.unexpected.map(f => `UNEXPECTED ${formatFlow(f)}`),
    ...report.requests!.missing.map(f => `MISSING ${formatRequestFlow(f)}`),
    ...report.requests!.unexpected.map(f => `UNEXPECTED ${formatRequestFlow(f)}`),
    ...report.diagnostics.filter(d => d.severity === 'error').map(d => `ERROR ${d.subject}: ${d.message}`),
  ];
}

describe('the generated catalogs', () => {
  test('exercise what the phase emits: route-level authorization, catch-alls, GRPCRoutes, splits', () => {
    const seen = new Set<string>();
    for (const spec of fc.sample(catalogArb, { numRuns: 100, seed: SEED })) {
      for (const m of synthLinkerd(spec).manifests) {
        const name: string = m.metadata.name;
        if (m.kind === 'AuthorizationPolicy' && m.spec.targetRef.kind !== 'Server') {
          seen.add(`route-level ${m.spec.targetRef.kind}`);
        }
        if (m.kind === 'HTTPRoute' && name.endsWith('-all')) {
          seen.add('inbound catch-all');
        }
        if (m.kind === 'HTTPRoute' && m.spec.rules.some((r: { backendRefs?: Array<{ weight?: number }> }) => r.backendRefs?.some(b => b.weight !== undefined))) {
          seen.add('split');
        }
        if (m.kind === 'Server') {
          seen.add(`Server ${m.spec.proxyProtocol}`);
        }
      }
    }
    expect([...seen].sort()).toEqual([
      'Server HTTP/1', 'Server HTTP/2', 'Server gRPC', 'Server opaque', 'Server unknown',
      'inbound catch-all', 'route-level GRPCRoute', 'route-level HTTPRoute', 'split',
    ]);
  });
});

describe('linkerd reachability', () => {
  test.each([[L4Layer.CILIUM], [L4Layer.NETWORK_POLICY]])('over %s: exactly the declared flows and requests', l4 => {
    fc.assert(fc.property(catalogArb, spec => {
      expect(problems(spec, l4)).toEqual([]);
    }), { numRuns: 100, seed: SEED });
  });

  test('with namespaces it does not own: only their unenforced pods exceed the declaration', () => {
    const arb = withRoutesArb(catalogSpecArb({ maxServices: 6, unownedNamespaces: true })).filter(s => !udpSharesPodPort(s));
    fc.assert(fc.property(arb, spec => {
      const unowned = new Set((spec.namespaces ?? []).filter(n => n.owned === false).map(n => `${n.name}/(other pod)`));
      const catalog = ServiceCatalog.fromSpec(spec);
      const manifests = synthLinkerd(catalog).manifests;
      const report = checkLinkerdReachability(catalog._resolved, manifests);
      expect(report.missing.map(formatFlow)).toEqual([]);
      expect(report.requests!.missing.map(formatRequestFlow)).toEqual([]);
      expect(report.unexpected.filter(f => !unowned.has(f.from) && !unowned.has(f.to)).map(formatFlow)).toEqual([]);
      const lenient = checkLinkerdReachability(catalog._resolved, manifests, { ignoreUnisolatedSources: true });
      expect(lenient.unexpected.map(formatFlow)).toEqual([]);
      expect(lenient.requests!.unexpected.map(formatRequestFlow)).toEqual([]);
    }), { numRuns: 60, seed: SEED + 4 });
  });

  test('PERMISSIVE: nothing missing, and nothing beyond the declaration except what audit lets through', () => {
    fc.assert(fc.property(catalogArb, spec => {
      expect(problems(spec, L4Layer.CILIUM, MeshMode.PERMISSIVE)).toEqual([]);
    }), { numRuns: 40, seed: SEED + 1 });
  });

  test('no L4 layer: no declared flow or request is missing; TCP to catalog pods stays exactly as declared', () => {
    fc.assert(fc.property(catalogSpecArb({ maxServices: 5 }).filter(s => s.services.every(x => (x.ports ?? []).every(p => p.protocol !== 'udp'))), spec => {
      const catalog = ServiceCatalog.fromSpec(spec);
      const report = checkLinkerdReachability(catalog._resolved, synthLinkerd(catalog, { l4: L4Layer.NONE }).manifests);
      expect(report.missing).toEqual([]);
      // Linkerd guards the declared pod ports of meshed workloads; everything else is the L4 layer's job.
      const declaredPorts = new Map(catalog._resolved.services.map(s => [s.id, new Set(s.ports.map(p => p.targetPort))]));
      const guarded = report.unexpected.filter(f => {
        const to = f.to.split('@')[0];
        return f.protocol === 'TCP' && declaredPorts.get(to)?.has(f.port);
      });
      expect(guarded.map(formatFlow)).toEqual([]);
    }), { numRuns: 30, seed: SEED + 2 });
  });
});

/** Adds timeouts and retries to routes: idempotent ones any condition, others pre-request ones only. */
function withRetriesArb(base: fc.Arbitrary<CatalogSpec>): fc.Arbitrary<CatalogSpec> {
  const all = Object.values(RetryCondition);
  const safe = [RetryCondition.CONNECT_FAILURE, RetryCondition.REFUSED_STREAM, RetryCondition.RESET_BEFORE_REQUEST];
  const decorate = (route: RouteSpec): fc.Arbitrary<RouteSpec> => fc.record({
    declareIdempotent: fc.boolean(),
    timeout: fc.option(fc.constantFrom('250ms', '2s', '90s'), { nil: undefined }),
    retries: fc.option(fc.record({
      attempts: fc.integer({ min: 1, max: 4 }),
      perTryTimeout: fc.option(fc.constantFrom('100ms', '1s'), { nil: undefined }),
      any: fc.subarray(all, { minLength: 1 }),
      pre: fc.subarray(safe, { minLength: 1 }),
    }), { nil: undefined }),
  }).map(({ declareIdempotent, timeout, retries }) => {
    const idempotentMethods = [HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS, HttpMethod.TRACE, HttpMethod.PUT, HttpMethod.DELETE];
    const byMethod = route.http?.method !== undefined && idempotentMethods.includes(route.http.method);
    const idempotent = byMethod || declareIdempotent;
    return {
      ...route,
      ...(declareIdempotent ? { idempotent: true } : {}),
      ...(timeout ? { timeout } : {}),
      ...(retries ? {
        retries: {
          attempts: retries.attempts,
          ...(retries.perTryTimeout ? { perTryTimeout: retries.perTryTimeout } : {}),
          on: idempotent ? retries.any : retries.pre,
        },
      } : {}),
    };
  });
  return base.chain(spec => fc.tuple(...spec.services.map(s => fc.tuple(...(s.routes ?? []).map(decorate))))
    .map(routes => ({ ...spec, services: spec.services.map((s, i) => (s.routes ? { ...s, routes: routes[i] } : s)) })));
}

describe('safe retries', () => {
  const retryArb = withRetriesArb(catalogArb);

  test('no route object with retries carries a non-idempotent route; Services carry none', () => {
    let retried = 0;
    let refused = 0;
    fc.assert(fc.property(retryArb, spec => {
      const catalog = ServiceCatalog.fromSpec(spec);
      let manifests;
      try {
        manifests = synthLinkerd(catalog).manifests;
      } catch (e) {
        // The only refusal: a retried route that could capture a non-idempotent route's requests.
        expect(e).toBeInstanceOf(PhaseCapabilityError);
        expect((e as Error).message).toMatch(/\(retried\) can match requests of the non-idempotent route/);
        refused++;
        return;
      }
      for (const object of manifests) {
        const annotations: Record<string, string> = object.metadata.annotations ?? {};
        const retries = Object.keys(annotations).filter(k => k.startsWith('retry.linkerd.io/'));
        if (object.kind === 'Service') {
          expect(retries).toEqual([]);
        }
        if (retries.length > 0) {
          retried++;
          const service = catalog._resolved.service(`${object.metadata.namespace}/${object.metadata.labels['mesh-ladder.dev/service']}`);
          const route = service.routes.find(r => r.name === object.metadata.labels['mesh-ladder.dev/route']);
          expect(route?.idempotent).toBe(true);
          expect(object.kind === 'GRPCRoute' || object.kind === 'HTTPRoute').toBe(true);
          expect(object.spec.rules.every((r: { matches?: unknown[] }) => (r.matches ?? []).length > 0)).toBe(true); // never a catch-all
        }
      }
      expect(retrySafetyProblems(catalog._resolved, manifests)).toEqual([]);
    }), { numRuns: 200, seed: SEED + 3 });
    expect(retried).toBeGreaterThan(20);
    expect(refused).toBeLessThan(60);
  });
});
