/**
 * When the diff proves the base by delta (`planBaseProof`), what it re-decides, and why
 * it falls back to a full proof. Soundness itself: diff-delta-property.test.ts.
 */
import { diffObjects } from '../../src/analysis/diff';
import { BaseProofPlan, compareCatalogs, planBaseProof } from '../../src/analysis/diff-delta';
import { buildUniverse } from '../../src/analysis/endpoints';
import { MeshLadderChart } from '../../src/chart';
import { ServiceCatalog } from '../../src/model/catalog';
import { Phase } from '../../src/model/phase';
import { CatalogSpec } from '../../src/model/types';
import { syntheticCatalog } from '../support/synthetic-catalog';

const SPEC = syntheticCatalog({ services: 12, seed: 5 });

function plan(base: CatalogSpec, head: CatalogSpec, phase: Phase, handEdit?: (objects: any[]) => any[]): BaseProofPlan {
  const b = ServiceCatalog.fromSpec(base);
  const h = ServiceCatalog.fromSpec(head);
  const baseObjects = MeshLadderChart.manifests(b, phase);
  const synthesized = MeshLadderChart.manifests(h, phase);
  const headObjects = handEdit ? handEdit(synthesized) : synthesized;
  return planBaseProof(
    { catalog: b._resolved, objects: baseObjects, universe: buildUniverse(b._resolved) },
    { catalog: h._resolved, objects: headObjects, universe: buildUniverse(h._resolved) },
    diffObjects(baseObjects, headObjects), compareCatalogs(b._resolved, h._resolved), h._resolved.istio.controlPlaneNamespace,
  );
}

/** SPEC with a call from the first calling service to the last service. */
function withAddedCall(): { head: CatalogSpec; caller: string; callee: string } {
  const services = SPEC.services.map(s => ({ ...s }));
  const target = services[services.length - 1];
  const callsTarget = (calls: readonly unknown[]) => calls.some(c => (c as any).service?.endsWith(target.name));
  const index = services.findIndex(s => s !== target && !callsTarget(s.calls ?? []) && (s.calls ?? []).length > 0);
  const caller = services[index];
  services[index] = { ...caller, calls: [...(caller.calls ?? []), { service: `${target.namespace}/${target.name}` }] };
  return { head: { ...SPEC, services }, caller: `${caller.namespace}/${caller.name}`, callee: `${target.namespace}/${target.name}` };
}

describe('planBaseProof', () => {
  test.each([Phase.BASELINE, Phase.CILIUM, Phase.ISTIO])('an added call in %s: delta, the caller a source, the callee a destination, little else', phase => {
    const { head, caller, callee } = withAddedCall();
    const p = plan(SPEC, head, phase);
    expect(p.proof).toBe('delta');
    if (p.proof !== 'delta') {
      return;
    }
    const universe = buildUniverse(ServiceCatalog.fromSpec(SPEC)._resolved);
    // A service's pods: one endpoint, or one per version.
    expect(universe.workloadEndpoints(caller).some(e => p.scope.sources.has(e.id))).toBe(true);
    expect(universe.workloadEndpoints(callee).length).toBeGreaterThan(0);
    expect(universe.workloadEndpoints(callee).every(e => p.scope.destinations.has(e.id))).toBe(true);
    expect(p.scope.sources.size + p.scope.destinations.size).toBeLessThan(universe.endpoints.length / 2);
    expect(p.scope.probes.size).toBe(0);
  });

  test('a Linkerd authorization change re-decides only destinations (Linkerd never restricts egress)', () => {
    const p = plan(SPEC, SPEC, Phase.LINKERD, objects => objects.filter(o => !(o.kind === 'MeshTLSAuthentication' && o === objects.find(x => x.kind === 'MeshTLSAuthentication'))));
    expect(p.proof).toBe('delta');
    expect(p.proof === 'delta' && p.scope.sources.size).toBe(0);
  });

  test('a catalog setting (a namespace label): full, naming the section', () => {
    const head = { ...SPEC, namespaces: SPEC.namespaces!.map((n, i) => (i === 0 ? { ...n, labels: { ...n.labels, zone: 'edge' } } : n)) };
    expect(plan(SPEC, head, Phase.BASELINE)).toEqual({ proof: 'full', reason: expect.stringContaining('namespaces differs') });
  });

  test('a cluster-wide Cilium policy: full (it selects in every namespace)', () => {
    const ccnp = { apiVersion: 'cilium.io/v2', kind: 'CiliumClusterwideNetworkPolicy', metadata: { name: 'open' }, spec: { endpointSelector: {}, ingress: [{ fromEntities: ['all'] }] } };
    expect(plan(SPEC, SPEC, Phase.CILIUM, objects => [...objects, ccnp])).toEqual({ proof: 'full', reason: expect.stringContaining('cluster-scoped') });
  });

  test('an Istio policy in the root namespace: full (mesh-wide)', () => {
    const root = ServiceCatalog.fromSpec(SPEC)._resolved.istio.controlPlaneNamespace;
    const allowAll = { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'allow-all', namespace: root }, spec: { rules: [{}] } };
    expect(plan(SPEC, SPEC, Phase.ISTIO, objects => [...objects, allowAll])).toEqual({ proof: 'full', reason: expect.stringContaining('root namespace') });
  });

  test('the last NetworkPolicy removed: full (the kinds present decide which evaluators run)', () => {
    expect(plan(SPEC, SPEC, Phase.BASELINE, objects => objects.filter(o => o.kind !== 'NetworkPolicy'))).toEqual({ proof: 'full', reason: expect.stringContaining('kinds of objects') });
  });

  test('a widened NetworkPolicy re-decides the pods it selects, ingress only', () => {
    const p = plan(SPEC, SPEC, Phase.BASELINE, objects => objects.map(o => (o.kind === 'NetworkPolicy' && o === objects.find(x => x.kind === 'NetworkPolicy' && x.spec.podSelector?.matchLabels)
      ? { ...o, spec: { ...o.spec, ingress: [...(o.spec.ingress ?? []), {}] } } : o)));
    expect(p.proof).toBe('delta');
    expect(p.proof === 'delta' && [p.scope.sources.size, p.scope.destinations.size > 0]).toEqual([0, true]);
  });
});
