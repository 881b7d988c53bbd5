/**
 * Property tests: for random catalogs with routes, the istio phase's output allows
 * exactly the declared flows and, on L7 ports, exactly the declared requests (with the
 * Cilium or NetworkPolicy layer underneath); Istio alone is exact for TCP between
 * sidecars; every emitted HTTP route carries an explicit retries block and never retries a
 * non-idempotent request after it may have been processed.
 */
import * as fc from 'fast-check';
import { calledPeers, namespaceDeclaresExternal, sharedIdentityRequest, worldCallReachesHost } from './istio-support';
import { buildUniverse, endpointMatchesPeer } from '../../src/analysis/endpoints';
import { checkIstioReachability, IstioEvaluator } from '../../src/analysis/istio';
import { lintManifests, PRE_REQUEST_RETRY_ON } from '../../src/analysis/lint';
import { ServiceCatalog } from '../../src/model/catalog';
import { CatalogSpec, L4Layer, MeshMode } from '../../src/model/types';
import { ISTIO_PEER_KINDS_WITHOUT_L4, istioCatalogArb, ofKind, routedCatalogArb, synthIstio } from '../phases/istio/support';
import { propertyRuns } from '../support/property-runs';
import { Manifest } from '../support/synth';

const SEED = 20260301;

function analyse(spec: CatalogSpec, l4: L4Layer, mode = MeshMode.ENFORCED) {
  const catalog = ServiceCatalog.fromSpec(spec);
  const manifests = synthIstio(catalog, { l4, mode });
  return { catalog, manifests, report: checkIstioReachability(catalog._resolved, manifests) };
}

describe('the routed generator', () => {
  test('covers what the istio phase must handle', () => {
    const specs = fc.sample(routedCatalogArb(), { numRuns: propertyRuns(150), seed: SEED });
    const routes = specs.flatMap(s => s.services.flatMap(x => x.routes ?? []));
    const calls = specs.flatMap(s => s.services.flatMap(x => x.calls ?? []));
    const seen = {
      httpRoute: routes.some(r => r.http),
      grpcRoute: routes.some(r => r.grpc),
      regex: routes.some(r => r.http?.pathRegex),
      prefix: routes.some(r => r.http?.pathPrefix),
      methodless: routes.some(r => r.http && !r.http.method),
      retries: routes.some(r => (r.retries?.attempts ?? 0) > 0),
      nonIdempotentRetries: routes.some(r => r.http?.method === 'POST' && (r.retries?.attempts ?? 0) > 0),
      scopedFault: routes.some(r => r.fault?.headers),
      unscopedFault: routes.some(r => r.fault && !r.fault.headers),
      pinnedPort: routes.some(r => r.port !== undefined),
      routeLimitedCall: calls.some(c => c.routes),
      routeLimitedCallWithPorts: calls.some(c => c.routes && (c.port !== undefined || c.ports)),
    };
    expect(Object.entries(seen).filter(([, v]) => !v).map(([k]) => k)).toEqual([]);
    specs.slice(0, 40).forEach(s => expect(() => ServiceCatalog.fromSpec(s)).not.toThrow());
  });

  test('with peers and header routes, covers what the istio phase must handle', () => {
    const models = fc.sample(istioCatalogArb(), { numRuns: propertyRuns(150), seed: SEED }).map(s => ServiceCatalog.fromSpec(s)._resolved);
    const services = models.flatMap(m => m.services);
    const versions = services.flatMap(s => s.versions);
    const callerPeers = new Set(services.flatMap(s => s.callers.map(c => c.peer.name)));
    const calleePeers = new Set(services.flatMap(s => [...s.peerCalls, ...s.versions.flatMap(v => v.peerCalls)].map(c => c.peer.name)));
    const seen = {
      headerVersion: versions.some(v => Object.keys(v.headers).length > 0),
      versionTimeout: versions.some(v => v.timeoutMs !== undefined),
      backendVersion: versions.some(v => v.backend !== undefined),
      ownAccount: services.some(s => s.versions.some(v => v.backend === undefined && v.serviceAccount !== s.serviceAccount)),
      versionCalls: versions.some(v => v.calls.length > 0),
      versionPeerCalls: versions.some(v => v.peerCalls.length > 0),
      scopedFaultWithHeaderVersion: services.some(s => s.routes.some(r => r.fault && Object.keys(r.fault.headers).length > 0)
        && s.versions.some(v => Object.keys(v.headers).length > 0)),
      routeLimitedSplit: services.some(s => s.calls.some(c => c.kind === 'service' && c.via !== undefined && c.routes.length > 0)),
      ...Object.fromEntries(['batch', 'reporting', 'cluster', 'world', 'partner', 'kube-apiserver', 'monitoring', 'ingress-controller']
        .map(p => [`caller ${p}`, callerPeers.has(p)])),
      ...Object.fromEntries(['batch', 'reporting', 'cluster', 'world', 'partner', 'kube-apiserver'].map(p => [`called ${p}`, calleePeers.has(p)])),
    };
    expect(Object.entries(seen).filter(([, v]) => !v).map(([k]) => k)).toEqual([]);
    expect(callerPeers.has('tenants')).toBe(false); // refused by the phase: tested there
  });
});

describe('istio reachability', () => {
  test.each([L4Layer.CILIUM, L4Layer.NETWORK_POLICY])('allows exactly the declared flows and requests (L4 %s)', l4 => {
    let declaredRequests = 0;
    fc.assert(fc.property(istioCatalogArb(), spec => {
      const { catalog, report } = analyse(spec, l4);
      const universe = buildUniverse(catalog._resolved);
      expect(report.missing).toEqual([]);
      expect(report.unexpected.filter(f => !worldCallReachesHost(catalog._resolved, universe, f))).toEqual([]);
      expect(report.requests!.missing).toEqual([]);
      expect(report.requests!.unexpected.filter(r => !sharedIdentityRequest(catalog._resolved, universe, r))).toEqual([]);
      expect(report.diagnostics.filter(d => d.severity === 'error')).toEqual([]);
      declaredRequests += report.requests!.declared.length;
    }), { numRuns: propertyRuns(60), seed: SEED });
    expect(declaredRequests).toBeGreaterThan(100);
  });

  test('Istio alone: nothing missing, and every extra flow is one Istio does not govern (UDP, no sidecar at either end that decides) or external at namespace granularity', () => {
    fc.assert(fc.property(istioCatalogArb({ unownedNamespaces: true, peerKinds: ISTIO_PEER_KINDS_WITHOUT_L4 }), spec => {
      const { catalog, manifests, report } = analyse(spec, L4Layer.NONE);
      const model = catalog._resolved;
      const universe = buildUniverse(model);
      const istio = new IstioEvaluator(model, manifests);
      expect(report.missing).toEqual([]);
      expect(report.requests!.missing).toEqual([]);
      expect(report.requests!.unexpected).toEqual([]);
      const unexplained = report.unexpected.filter(f => {
        const from = universe.endpoint(f.from);
        const to = universe.endpoint(f.to);
        // Istio decides a TCP flow at the sidecar of a destination the catalog governs, or at a
        // source sidecar that refuses unknown destinations.
        const governed = f.protocol === 'TCP' && ((to.governed && istio.isMeshed(to)) || istio.isEgressRestricted(from));
        // A sidecar reaches a called pod peer's namespace (or every namespace) whole: its
        // Services are unknown. The API server's Service forwards 443 to its endpoints.
        const peers = calledPeers(model, from);
        const wholeNamespace = to.kind === 'pod' && peers.some(p => p.kind === 'pods' && (p.namespace === undefined || p.namespace === to.namespace))
          && model.peers.some(p => p.kind === 'pods' && peers.includes(p) && endpointMatchesPeer(p, to));
        const apiServer = to.role === 'kube-apiserver' && peers.some(p => p.kind === 'kube-apiserver') && [443, 6443].includes(f.port);
        return governed && !wholeNamespace && !apiServer && !(to.kind !== 'pod' && namespaceDeclaresExternal(model, from, to, f.port));
      });
      expect(unexplained).toEqual([]);
    }), { numRuns: propertyRuns(50), seed: SEED + 1 });
  });

  test('PERMISSIVE: the L4 layer stays exact and no declared request is lost', () => {
    fc.assert(fc.property(istioCatalogArb(), spec => {
      const { catalog, report } = analyse(spec, L4Layer.CILIUM, MeshMode.PERMISSIVE);
      const universe = buildUniverse(catalog._resolved);
      expect(report.missing).toEqual([]);
      expect(report.unexpected.filter(f => !worldCallReachesHost(catalog._resolved, universe, f))).toEqual([]);
      expect(report.requests!.missing).toEqual([]);
    }), { numRuns: propertyRuns(20), seed: SEED + 2 });
  });

  test('removing any one authorization rule loses a declared flow or request', () => {
    fc.assert(fc.property(istioCatalogArb({ peerKinds: ISTIO_PEER_KINDS_WITHOUT_L4 }), fc.nat(), (spec, pick) => {
      const catalog = ServiceCatalog.fromSpec(spec);
      const manifests = synthIstio(catalog, { l4: L4Layer.NONE });
      const rules = ofKind(manifests, 'AuthorizationPolicy').flatMap(p => (p.spec.rules ?? []).map((_: unknown, i: number) => ({ p, i })));
      fc.pre(rules.length > 0);
      const { p, i } = rules[pick % rules.length];
      const edited: Manifest[] = JSON.parse(JSON.stringify(manifests));
      const target = edited.find(m => m.kind === 'AuthorizationPolicy' && m.metadata.namespace === p.metadata.namespace && m.metadata.name === p.metadata.name)!;
      target.spec.rules.splice(i, 1);
      const report = checkIstioReachability(catalog._resolved, edited);
      expect(report.missing.length + report.requests!.missing.length).toBeGreaterThan(0);
    }), { numRuns: propertyRuns(30), seed: SEED + 3 });
  });
});

describe('retries on every emitted VirtualService', () => {
  /** Every HTTP route of the phase's VirtualServices, with the catalog route it implements. */
  function walk(catalog: ServiceCatalog, manifests: Manifest[]): string[] {
    const problems: string[] = [];
    for (const vs of ofKind(manifests, 'VirtualService')) {
      const service = catalog._resolved.services.find(s => s.namespace === vs.metadata.namespace && s.name === vs.metadata.name)!;
      for (const route of vs.spec.http) {
        const where = `${vs.metadata.namespace}/${vs.metadata.name} ${route.name}`;
        if (route.retries === undefined) {
          problems.push(`${where}: no retries block`);
          continue;
        }
        const attempts = route.retries.attempts ?? 0;
        if (attempts === 0) {
          continue;
        }
        const declared = service.routes.find(r => r.name === route.name);
        const conditions: string[] = (route.retries.retryOn ?? '').split(',');
        if (route.retries.retryOn === undefined) {
          problems.push(`${where}: retries without retryOn (Istio's defaults)`);
        } else if (!declared?.idempotent && conditions.some(c => !PRE_REQUEST_RETRY_ON.has(c))) {
          problems.push(`${where}: retries a non-idempotent route on ${route.retries.retryOn}`);
        }
      }
    }
    return problems;
  }

  test('the shop example', () => {
    const catalog = ServiceCatalog.fromFile(`${__dirname}/../../examples/shop/catalog.yaml`);
    const manifests = synthIstio(catalog);
    expect(ofKind(manifests, 'VirtualService').length).toBeGreaterThan(8);
    expect(walk(catalog, manifests)).toEqual([]);
    expect(lintManifests(manifests, { catalog: catalog._resolved }).findings.filter(f => f.severity === 'error')).toEqual([]);
  });

  test('random catalogs', () => {
    fc.assert(fc.property(istioCatalogArb(), spec => {
      const catalog = ServiceCatalog.fromSpec(spec);
      const manifests = synthIstio(catalog);
      expect(walk(catalog, manifests)).toEqual([]);
      const lint = lintManifests(manifests, { catalog: catalog._resolved });
      expect(lint.findings.filter(f => f.rule === 'implicit-default-retries' || f.rule === 'retry-non-idempotent')).toEqual([]);
      // A fault without headers is the only way a route gets fault-with-retries-or-timeout.
      for (const f of lint.findings.filter(x => x.rule === 'fault-with-retries-or-timeout')) {
        const route = catalog._resolved.service(f.service!).routes.find(r => r.name === f.route)!;
        expect(Object.keys(route.fault!.headers)).toEqual([]);
      }
    }), { numRuns: propertyRuns(100), seed: SEED + 4 });
  });

  test('the walk notices an implicit or unsafe retry', () => {
    const catalog = ServiceCatalog.fromFile(`${__dirname}/../../examples/shop/catalog.yaml`);
    const manifests: Manifest[] = JSON.parse(JSON.stringify(synthIstio(catalog)));
    const charge = manifests.find(m => m.kind === 'VirtualService' && m.metadata.name === 'charge')!;
    delete charge.spec.http[0].retries;
    charge.spec.http[charge.spec.http.length - 1].retries = { attempts: 2, retryOn: '5xx' };
    const problems = walk(catalog, manifests);
    expect(problems).toHaveLength(2);
    expect(problems.join('\n')).toMatch(/no retries block/);
    expect(problems.join('\n')).toMatch(/catch-all: retries a non-idempotent route on 5xx/);
  });
});
