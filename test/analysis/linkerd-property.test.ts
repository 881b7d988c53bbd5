/**
 * Property tests: for random catalogs (with routes, peers outside the catalog as callers and
 * callees, per-version settings, split backends and header routes), the linkerd phase
 * authorizes exactly the declared flows and requests (Linkerd AND its L4 layer), routes
 * every canary request to the right version, and no route object with retries ever
 * carries a non-idempotent route.
 */
import * as fc from 'fast-check';
import { formatFlow } from '../../src/analysis/flows';
import { canaryRoutingProblems, checkLinkerdReachability, retrySafetyProblems } from '../../src/analysis/linkerd';
import { formatRequestFlow } from '../../src/analysis/requests';
import { PhaseCapabilityError } from '../../src/emit/common';
import { ServiceCatalog } from '../../src/model/catalog';
import { CallerSpec, CatalogSpec, HttpMethod, L4Layer, MeshMode, RetryCondition, RouteSpec, ServiceSpec } from '../../src/model/types';
import { synthLinkerd } from '../phases/linkerd/support';
import { ALL_PEER_KINDS, catalogSpecArb, CatalogArbitraryOptions, PeerKindName } from '../support/arbitraries';
import { validateWithCrdSchemas } from '../support/crd-schemas';
import { propertyRuns } from '../support/property-runs';
import { mirrorBackendRoutes, withRoutesArb } from '../support/route-arbitraries';
import { Manifest } from '../support/synth';

const SEED = 20260814;

/**
 * Every peer kind but meshed pods in label-selected namespaces: Linkerd identities name a
 * namespace, never namespace labels, so the phase refuses those (tested below).
 */
const LINKERD_PEER_KINDS: PeerKindName[] = ALL_PEER_KINDS.filter(k => k !== 'namespaceSelector');

/**
 * Routes on top of `catalogSpecArb`: split backends (clones) serve the routes of the
 * service they back (a split's route-limited callers are theirs too), and some peer
 * callers are limited to routes (the ingress controller too, on services not `exposed`).
 */
function withPeerRoutesArb(base: fc.Arbitrary<CatalogSpec>): fc.Arbitrary<CatalogSpec> {
  return withRoutesArb(base).chain(spec => {
    const limit = (s: ServiceSpec): fc.Arbitrary<ServiceSpec> => {
      const names = (s.routes ?? []).map(r => r.name);
      if (names.length === 0) {
        return fc.constant(s);
      }
      const callers: Array<fc.Arbitrary<CallerSpec>> = (s.callers ?? []).map(c => fc.option(fc.subarray(names, { minLength: 1 }), { freq: 2 })
        .map(routes => (routes ? { peer: c.peer, routes } : c)));
      const ingress = s.exposed ? fc.constant(undefined) : fc.option(fc.subarray(names, { minLength: 1 }), { freq: 2 })
        .map(routes => (routes ? { peer: 'ingress-controller', routes } : undefined));
      return fc.tuple(fc.tuple(...callers), ingress).map(([limited, fromIngress]) => {
        const all = [...limited, ...(fromIngress ? [fromIngress] : [])];
        return { ...s, ...(all.length > 0 ? { callers: all } : {}) };
      });
    };
    return fc.tuple(...spec.services.map(limit)).map(limited => ({ ...spec, services: limited }));
  });
}

function arb(options: CatalogArbitraryOptions = {}): fc.Arbitrary<CatalogSpec> {
  return withPeerRoutesArb(catalogSpecArb({ maxServices: 6, headerRoutes: true, peerKinds: LINKERD_PEER_KINDS, ...options }));
}

const catalogArb = arb();

/**
 * What the phase refuses by design, besides the peers above: a grant by network (unmeshed
 * peers) that would reach meshed callers limited to routes, and pods sharing one identity
 * that are declared different requests. Linkerd cannot express either exactly.
 */
const BY_DESIGN = /by address, whether the client is meshed or not|Linkerd tells clients apart by service account only/;

/** Counts of synthesized and refused catalogs, per test. */
interface Tally { synthesized: number; refused: number }

/** The phase's manifests, or undefined when it refuses by design (anything else fails the test). */
function synthOrRefuse(catalog: ServiceCatalog, l4: L4Layer, mode: MeshMode, tally: Tally): Manifest[] | undefined {
  try {
    const { manifests } = synthLinkerd(catalog, { l4, mode });
    tally.synthesized++;
    return manifests;
  } catch (e) {
    expect(e).toBeInstanceOf(PhaseCapabilityError);
    expect((e as Error).message).toMatch(BY_DESIGN);
    tally.refused++;
    return undefined;
  }
}

/** At least two thirds of the generated catalogs must synthesize, or the properties prove little. */
function expectMostlySynthesized(tally: Tally): void {
  expect(tally.synthesized).toBeGreaterThan(2 * tally.refused);
}

function problems(spec: CatalogSpec, l4: L4Layer, mode = MeshMode.ENFORCED, tally: Tally = { synthesized: 0, refused: 0 }): string[] {
  const catalog = ServiceCatalog.fromSpec(spec);
  const manifests = synthOrRefuse(catalog, l4, mode, tally);
  if (!manifests) {
    return [];
  }
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
  test('exercise what the phase emits (all valid against the CRD schemas): route-level authorization, catch-alls, GRPCRoutes, splits, peers, header routes', () => {
    const seen = new Set<string>();
    const tally: Tally = { synthesized: 0, refused: 0 };
    const emitted: Manifest[] = [];
    for (const spec of fc.sample(catalogArb, { numRuns: propertyRuns(150), seed: SEED })) {
      const catalog = ServiceCatalog.fromSpec(spec);
      const serviceNames = new Set(catalog._resolved.services.map(s => s.name));
      const manifests = synthOrRefuse(catalog, L4Layer.CILIUM, MeshMode.ENFORCED, tally) ?? [];
      emitted.push(...manifests.filter(m => m.apiVersion !== 'cilium.io/v2'));
      for (const m of manifests) {
        const name: string = m.metadata.name;
        if (m.kind === 'AuthorizationPolicy' && m.spec.targetRef.kind !== 'Server') {
          seen.add(`route-level ${m.spec.targetRef.kind}`);
        }
        if (m.kind === 'AuthorizationPolicy' && m.spec.targetRef.kind !== 'Server' && m.spec.requiredAuthenticationRefs[0].kind === 'NetworkAuthentication') {
          seen.add('route-level network authorization');
        }
        if (m.kind === 'HTTPRoute' && name.endsWith('-all')) {
          seen.add('inbound catch-all');
        }
        type Rule = { backendRefs?: Array<{ name: string; weight?: number }>; matches?: Array<{ headers?: unknown[] }> };
        const rules: Rule[] = m.spec?.rules ?? [];
        if ((m.kind === 'HTTPRoute' || m.kind === 'GRPCRoute') && rules.some(r => r.backendRefs?.some(b => b.weight !== undefined))) {
          seen.add('split');
        }
        if ((m.kind === 'HTTPRoute' || m.kind === 'GRPCRoute') && rules.some(r => r.backendRefs?.some(b => b.weight !== undefined && serviceNames.has(b.name)))) {
          seen.add('split to a backend Service');
        }
        if ((m.kind === 'HTTPRoute' || m.kind === 'GRPCRoute') && rules.some(r => r.matches?.some(x => x.headers !== undefined))) {
          seen.add(`header route ${m.kind}`);
        }
        if (m.kind === 'Server') {
          seen.add(`Server ${m.spec.proxyProtocol}`);
        }
        if (m.kind === 'NetworkAuthentication') {
          seen.add(name.startsWith('peer-') ? 'peer networks' : `NetworkAuthentication ${name}`);
        }
        if (m.kind === 'MeshTLSAuthentication' && m.spec.identities) {
          seen.add(m.spec.identities.includes('*') ? 'any identity' : 'namespace identities');
        }
      }
    }
    expect([...seen].sort()).toEqual([
      'NetworkAuthentication all-networks', 'Server HTTP/1', 'Server HTTP/2', 'Server gRPC', 'Server opaque', 'Server unknown',
      'header route GRPCRoute', 'header route HTTPRoute', 'inbound catch-all', 'namespace identities', 'peer networks',
      'route-level GRPCRoute', 'route-level HTTPRoute', 'route-level network authorization', 'split', 'split to a backend Service',
    ]);
    expectMostlySynthesized(tally);
    expect(validateWithCrdSchemas(emitted).problems).toEqual([]);
  });
});

describe('linkerd reachability', () => {
  test.each([[L4Layer.CILIUM], [L4Layer.NETWORK_POLICY]])('over %s: exactly the declared flows and requests, canaries routed', l4 => {
    const tally: Tally = { synthesized: 0, refused: 0 };
    fc.assert(fc.property(catalogArb, spec => {
      expect(problems(spec, l4, MeshMode.ENFORCED, tally)).toEqual([]);
    }), { numRuns: propertyRuns(100), seed: SEED });
    expectMostlySynthesized(tally);
  });

  test('with namespaces it does not own: only their unenforced pods exceed the declaration', () => {
    const unownedArb = arb({ unownedNamespaces: true });
    const tally: Tally = { synthesized: 0, refused: 0 };
    fc.assert(fc.property(unownedArb, spec => {
      const unowned = new Set((spec.namespaces ?? []).filter(n => n.owned === false).map(n => `${n.name}/(other pod)`));
      const catalog = ServiceCatalog.fromSpec(spec);
      const manifests = synthOrRefuse(catalog, L4Layer.CILIUM, MeshMode.ENFORCED, tally);
      if (!manifests) {
        return;
      }
      const report = checkLinkerdReachability(catalog._resolved, manifests);
      expect(report.missing.map(formatFlow)).toEqual([]);
      expect(report.requests!.missing.map(formatRequestFlow)).toEqual([]);
      expect(report.unexpected.filter(f => !unowned.has(f.from) && !unowned.has(f.to)).map(formatFlow)).toEqual([]);
      const lenient = checkLinkerdReachability(catalog._resolved, manifests, { ignoreUnisolatedSources: true });
      expect(lenient.unexpected.map(formatFlow)).toEqual([]);
      expect(lenient.requests!.unexpected.map(formatRequestFlow)).toEqual([]);
    }), { numRuns: propertyRuns(50), seed: SEED + 4 });
    expectMostlySynthesized(tally);
  });

  test('PERMISSIVE: nothing missing, and nothing beyond the declaration except what audit lets through', () => {
    const tally: Tally = { synthesized: 0, refused: 0 };
    fc.assert(fc.property(catalogArb, spec => {
      expect(problems(spec, L4Layer.CILIUM, MeshMode.PERMISSIVE, tally)).toEqual([]);
    }), { numRuns: propertyRuns(40), seed: SEED + 1 });
    expectMostlySynthesized(tally);
  });

  test('no L4 layer (peers it can name exactly): no declared flow or request is missing; TCP to catalog pods stays exactly as declared', () => {
    const noL4Arb = catalogSpecArb({ maxServices: 5, headerRoutes: true, peerKinds: ['namespace', 'workload', 'partner', 'kube-apiserver'] })
      .filter(s => s.services.every(x => (x.ports ?? []).every(p => p.protocol !== 'udp')));
    const tally: Tally = { synthesized: 0, refused: 0 };
    fc.assert(fc.property(noL4Arb, spec => {
      const catalog = ServiceCatalog.fromSpec(spec);
      const manifests = synthOrRefuse(catalog, L4Layer.NONE, MeshMode.ENFORCED, tally);
      if (!manifests) {
        return;
      }
      const report = checkLinkerdReachability(catalog._resolved, manifests);
      expect(report.missing.map(formatFlow)).toEqual([]);
      // Linkerd guards the declared pod ports of meshed workloads; everything else is the L4 layer's job.
      const declaredPorts = new Map(catalog._resolved.services.map(s => [s.id, new Set(s.ports.map(p => p.targetPort))]));
      const guarded = report.unexpected.filter(f => {
        const to = f.to.split('@')[0];
        return f.protocol === 'TCP' && declaredPorts.get(to)?.has(f.port);
      });
      expect(guarded.map(formatFlow)).toEqual([]);
      expect(report.diagnostics.filter(d => d.severity === 'error')).toEqual([]);
    }), { numRuns: propertyRuns(30), seed: SEED + 2 });
    expectMostlySynthesized(tally);
  });
});

describe('refusals by design', () => {
  test('a meshed peer in label-selected namespaces calling a service: PhaseCapabilityError naming the peer and the way out', () => {
    const selectorArb = catalogSpecArb({ maxServices: 4, peerKinds: ['namespaceSelector'] })
      .filter(s => s.services.some(x => (x.callers ?? []).some(c => c.peer === 'tenants')));
    fc.assert(fc.property(selectorArb, spec => {
      // Linkerd proxies TCP only: a peer calling UDP ports only needs no authorization.
      const overTcp = ServiceCatalog.fromSpec(spec)._resolved.services.some(s => s.callers.some(c => c.peer.name === 'tenants' && c.ports.some(p => p.protocol !== 'udp')));
      if (!overTcp) {
        expect(() => synthLinkerd(spec)).not.toThrow();
        return;
      }
      expect(() => synthLinkerd(spec)).toThrow(PhaseCapabilityError);
      expect(() => synthLinkerd(spec)).toThrow(/meshed peer "tenants": it selects namespaces by label.*peers\[tenants\]\.meshed: false/);
      // Unmeshed, it is authorized by network under the L4 layer, exactly.
      const unmeshed: CatalogSpec = { ...spec, peers: spec.peers!.map(p => (p.name === 'tenants' ? { ...p, meshed: false } : p)) };
      expect(problems(unmeshed, L4Layer.NETWORK_POLICY)).toEqual([]);
    }), { numRuns: propertyRuns(15), seed: SEED + 5 });
  });

  test('without an L4 layer, peers only a network of every address stands for: refused with the way out', () => {
    // Without versions' own calls (pods sharing an identity are refused without an L4 layer too).
    const wideArb = catalogSpecArb({ maxServices: 4, peerKinds: ['cluster', 'world', 'monitoring'], versionSettings: false })
      .filter(s => s.services.some(x => (x.callers ?? []).length > 0 || (x.ports ?? []).some(p => p.metrics)))
      .filter(s => s.services.every(x => (x.ports ?? []).every(p => p.protocol !== 'udp')));
    fc.assert(fc.property(wideArb, spec => {
      expect(() => synthLinkerd(spec, { l4: L4Layer.NONE })).toThrow(/by network, and that network is every address: without an L4 layer any pod or address could call/);
    }), { numRuns: propertyRuns(15), seed: SEED + 6 });
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
    .map(routes => mirrorBackendRoutes({ ...spec, services: spec.services.map((s, i) => (s.routes ? { ...s, routes: routes[i] } : s)) })));
}

describe('safe retries', () => {
  const retryArb = withRetriesArb(catalogArb);

  test('no route object with retries carries a non-idempotent route; Services carry none; canaries still routed', () => {
    let retried = 0;
    let refused = 0;
    fc.assert(fc.property(retryArb, spec => {
      const catalog = ServiceCatalog.fromSpec(spec);
      let manifests;
      try {
        manifests = synthLinkerd(catalog).manifests;
      } catch (e) {
        // A retried route that could capture a non-idempotent route's requests, or a refusal above.
        expect(e).toBeInstanceOf(PhaseCapabilityError);
        expect((e as Error).message).toMatch(new RegExp(`\\(retried\\) can match requests of the non-idempotent route|${BY_DESIGN.source}`));
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
      expect(canaryRoutingProblems(catalog._resolved, manifests)).toEqual([]);
    }), { numRuns: propertyRuns(200), seed: SEED + 3 });
    expect(retried).toBeGreaterThan(20);
    expect(refused).toBeLessThan(60);
  });
});
