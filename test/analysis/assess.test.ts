import { assess, formatAssessment, longestCallChain } from '../../src/analysis/assess';
import { ServiceCatalog } from '../../src/model/catalog';
import { CatalogSpec, HttpMethod, PortProtocol } from '../../src/model/types';

const http = [{ name: 'http', port: 80, targetPort: 8080, protocol: PortProtocol.HTTP }];

/** a (exposed) -> b -> c, and d -> c; 2 + 3 + 1 + 2 pods. */
const small: CatalogSpec = {
  services: [
    { name: 'a', ports: http, exposed: true, replicas: 2, calls: [{ service: 'b' }] },
    { name: 'b', ports: http, replicas: 3, calls: [{ service: 'c' }] },
    { name: 'c', ports: http, replicas: 1 },
    { name: 'd', ports: http, calls: [{ service: 'c' }, { host: 'api.example.com', port: 443, cidrs: ['192.0.2.0/24'] }] },
  ],
};

const emitted = [
  { phase: 'baseline', objects: 9 },
  { phase: 'cilium', objects: 8 },
  { phase: 'linkerd', objects: 20 },
  { phase: 'istio', error: 'cannot express something' },
];

function many(count: number, extra: Partial<CatalogSpec> = {}): CatalogSpec {
  return {
    ...extra,
    services: Array.from({ length: count }, (_, i) => ({
      name: `s${i}`,
      ports: http,
      routes: [{ name: 'get', http: { method: HttpMethod.GET, path: '/' }, timeout: '1s' }],
      calls: i + 1 < count ? [{ service: `s${i + 1}`, routes: ['get'] }] : [],
      versions: i === 0 ? [{ name: 'v1', weight: 90 }, { name: 'v2', weight: 10 }] : undefined,
    })),
  };
}

describe('assess', () => {
  const resolved = ServiceCatalog.fromSpec(small)._resolved;

  test('longest chain starts at the ingress for an exposed service', () => {
    expect(longestCallChain(resolved)).toEqual({ hops: 3, path: ['ingress', 'default/a', 'default/b', 'default/c'], cyclesIgnored: false });
  });

  test('call cycles are ignored and reported', () => {
    const cyclic = ServiceCatalog.fromSpec({
      services: [
        { name: 'x', ports: http, calls: [{ service: 'y' }] },
        { name: 'y', ports: http, calls: [{ service: 'x' }] },
      ],
    })._resolved;
    expect(longestCallChain(cyclic)).toEqual({ hops: 1, path: ['default/x', 'default/y'], cyclesIgnored: true });
  });

  test('cost figures: memory = per-pod range x pods; latency = per-hop range x hops', () => {
    const a = assess(resolved, { emitted });
    expect(a.pods).toBe(8);
    expect(a.costs).toEqual([
      { phase: 'baseline', proxy: 'none', proxyMemoryMb: { low: 0, high: 0 }, chainLatencyMs: { low: 0, high: 0 }, objects: 9, error: undefined },
      { phase: 'cilium', proxy: expect.any(String), proxyMemoryMb: { low: 0, high: 0 }, chainLatencyMs: { low: 0, high: 1.5 }, objects: 8, error: undefined },
      { phase: 'linkerd', proxy: expect.any(String), proxyMemoryMb: { low: 80, high: 160 }, chainLatencyMs: { low: 1.5, high: 3 }, objects: 20, error: undefined },
      { phase: 'istio', proxy: expect.any(String), proxyMemoryMb: { low: 400, high: 800 }, chainLatencyMs: { low: 3, high: 15 }, objects: undefined, error: 'cannot express something' },
    ]);
  });

  test('replicas file overrides the catalog', () => {
    expect(assess(resolved, { emitted, replicas: { 'default/c': 11 } }).pods).toBe(18);
  });

  test('istio config scope: every service and host without Sidecar; own dependencies + control plane with it', () => {
    // 4 services + 1 external host; dependencies: a 1, b 1, c 0, d 1 service + 1 host.
    expect(assess(resolved, { emitted }).istioScope).toEqual({
      withoutSidecar: { average: 5, max: 5 },
      withSidecar: { average: (2 + 2 + 1 + 3) / 4, max: 3 },
    });
  });

  test('a small, stable inventory stays on the baseline (cilium when it calls hosts by name)', () => {
    const a = assess(ServiceCatalog.fromSpec({ services: small.services.slice(0, 3) })._resolved, { emitted });
    expect(a.recommended).toBe('baseline');
    expect(a.reasons[0]).toMatch(/under 15 services a mesh usually costs more/);
    expect(assess(resolved, { emitted }).recommended).toBe('cilium');
  });

  test('compliance mTLS recommends a mesh; Istio only with its prerequisites met', () => {
    const needsMtls = assess(ServiceCatalog.fromSpec({ ...small, readiness: { complianceMtls: true } })._resolved, { emitted });
    expect(needsMtls.recommended).toBe('linkerd');
    expect(needsMtls.unmet).toEqual(['tracing across 5+ services (have 0)', 'dedicated platform capacity to run the control plane', 'runbooks for control-plane failure']);

    const ready = { complianceMtls: true, multiCluster: true, tracedServices: 10, proxyExperts: 2, platformTeam: true, controlPlaneRunbooks: true };
    const istio = assess(ServiceCatalog.fromSpec({ ...small, readiness: ready })._resolved, { emitted });
    expect(istio.recommended).toBe('istio');
    expect(istio.unmet).toEqual([]);
    const notReady = assess(ServiceCatalog.fromSpec({ ...small, readiness: { ...ready, proxyExperts: 1 } })._resolved, { emitted });
    expect(notReady.recommended).toBe('linkerd');
    expect(notReady.reasons[1]).toMatch(/Istio would fit.*2\+ engineers with Envoy\/xDS experience \(have 1\)/);
  });

  test('above 20 services with canaries and L7 needs a mesh earns its cost; between, Cilium', () => {
    expect(assess(ServiceCatalog.fromSpec(many(25))._resolved, { emitted }).recommended).toBe('linkerd');
    const mid = assess(ServiceCatalog.fromSpec(many(17))._resolved, { emitted });
    expect(mid.recommended).toBe('cilium');
    expect(mid.reasons).toContain('route-level rules (HTTP method and path) are enforceable by Cilium L7 policies without a mesh');
  });

  test('the Markdown report carries the recommendation, the answers and the cost table', () => {
    const text = formatAssessment(assess(resolved, { emitted }));
    expect(text).toContain('# Mesh readiness: recommended phase **cilium**');
    expect(text).toContain('| Services | 4 | derived |');
    expect(text).toContain('| linkerd | linkerd2-proxy sidecar | 80–160 MB | 1.5–3 ms | 20 |');
    expect(text).toContain('| istio | Envoy sidecar | 400–800 MB | 3–15 ms | n/a: cannot express something |');
    expect(text).toContain('| with Sidecar scoping | 2 | 3 |');
  });
});
