/**
 * Namespace-scoped plans: part of the catalog moves while the rest stays on the old
 * phase; the boundary is crossed by each side's pods as the other side's unmeshed peers.
 * Every mixed-phase step is proven over the whole catalog like any other.
 */
import { injectedMesh, systemOf } from '../../src/analysis/enforcement';
import { MeshLadderChart } from '../../src/chart';
import { PhaseCapabilityError } from '../../src/emit/common';
import { ServiceCatalog } from '../../src/model/catalog';
import { Phase } from '../../src/model/phase';
import { boundaryPeerName, PlanScopeError, scopeCatalogSpec } from '../../src/model/scope';
import { MigrationPlan } from '../../src/plan';

const shop = ServiceCatalog.fromFile(`${__dirname}/../../examples/shop/catalog.yaml`);
const namespaceOf = (o: any): string | undefined => (o.kind === 'Namespace' ? o.metadata.name : o.metadata?.namespace);
const inNamespace = (objects: readonly any[], ns: string) => objects.filter(o => namespaceOf(o) === ns);

describe('the catalog part of a scope', () => {
  const part = scopeCatalogSpec(shop.spec, shop._resolved, ns => ns === 'payments');

  test('keeps the services in scope; the callers and callees outside become unmeshed peers with their pods and service account', () => {
    expect(part.services.map(s => s.name).sort()).toEqual(['charge', 'fraud', 'ledger']);
    const checkout = shop._resolved.service('shop/checkout');
    const peer = part.peers!.find(p => p.name === boundaryPeerName(checkout))!;
    expect(peer).toEqual({ name: 'boundary-shop-checkout', namespace: 'shop', selector: checkout.selector, serviceAccount: checkout.serviceAccount, meshed: false });
    // shop/checkout calls payments/charge on http, limited to two routes: so does the peer.
    const charge = part.services.find(s => s.name === 'charge')!;
    expect(charge.callers).toContainEqual({ peer: 'boundary-shop-checkout', ports: ['http'], routes: ['create-charge', 'get-charge'] });
    // The part is a valid catalog.
    expect(() => ServiceCatalog.fromSpec(part)).not.toThrow();
  });

  test('calls out of the scope become peer calls on the callee\'s pod ports', () => {
    const rest = scopeCatalogSpec(shop.spec, shop._resolved, ns => ns === 'shop');
    const checkout = rest.services.find(s => s.name === 'checkout')!;
    expect(checkout.calls).toContainEqual({ peer: 'boundary-payments-charge', port: 8080 });
    expect(checkout.calls!.some(c => c.service === 'payments/charge')).toBe(false);
  });
});

describe('the shop, payments first', () => {
  test.each([
    [Phase.BASELINE, Phase.CILIUM],
    [Phase.BASELINE, Phase.ISTIO],
    [Phase.ISTIO, Phase.BASELINE],
  ])('%s -> %s: every mixed step proven; shop stays as it is; only payments restarts', (from, to) => {
    const plan = MigrationPlan.create(shop, from, to, { namespaces: ['payments'] });
    expect(plan.namespaces).toEqual(['payments']);
    for (const step of plan.steps) {
      expect({ id: step.id, missing: step.missing, beyond: step.beyond, discipline: step.discipline, ok: step.ok })
        .toEqual({ id: step.id, missing: [], beyond: [], discipline: undefined, ok: true });
    }
    expect(plan.ok).toBe(true);
    // The boundary flows are declared and kept at every step.
    const declared = plan._verification.declared.map(f => `${f.from} -> ${f.to} ${f.port}`);
    expect(declared).toContain('shop/checkout -> payments/charge 8080');
    const start = MeshLadderChart.manifests(shop, from);
    const shopNs = (objects: readonly any[]) => injectedMesh(objects.find(o => o.kind === 'Namespace' && o.metadata.name === 'shop'));
    for (const step of plan._steps) {
      expect(step.restartNamespaces.every(ns => ns === 'payments')).toBe(true);
      expect(shopNs(step.objects)).toBe(shopNs(start));
    }
    expect(plan._steps.some(s => s.restartNamespaces.length > 0)).toBe(from === Phase.ISTIO || to === Phase.ISTIO);
    // At the end payments runs the new phase's kinds of objects, shop the old phase's.
    const end = plan._steps[plan._steps.length - 1].objects;
    const systems = (objects: readonly any[]) => [...new Set(objects.map(systemOf).filter(s => s !== undefined))].sort();
    expect(systems(inNamespace(end, 'payments'))).toEqual(systems(inNamespace(MeshLadderChart.manifests(shop, to), 'payments')));
    expect(systems(inNamespace(end, 'shop'))).toEqual(systems(inNamespace(start, 'shop')));
    expect(injectedMesh(end.find(o => o.kind === 'Namespace' && o.metadata.name === 'payments')))
      .toBe(injectedMesh(MeshLadderChart.manifests(shop, to).find(o => o.kind === 'Namespace' && o.metadata.name === 'payments')));
  });

  test('into Linkerd the plan is refused up front, and the reason is real: the Linkerd phase cannot express the payments part', () => {
    let refusal: unknown;
    try {
      MigrationPlan.create(shop, Phase.BASELINE, Phase.LINKERD, { namespaces: ['payments'] });
    } catch (e) {
      refusal = e;
    }
    expect(refusal).toBeInstanceOf(PhaseCapabilityError);
    expect((refusal as Error).message).toMatch(/peer boundary-shop-checkout \(unmeshed pods\) may send requests of route "create-charge" without identity/);
    const part = ServiceCatalog.fromSpec(scopeCatalogSpec(shop.spec, shop._resolved, ns => ns === 'payments'));
    expect(() => MeshLadderChart.manifests(part, Phase.LINKERD)).toThrow((refusal as Error).message);
  });

  test('a scope naming no catalog namespace is refused', () => {
    expect(() => MigrationPlan.create(shop, Phase.BASELINE, Phase.CILIUM, { namespaces: ['nope'] })).toThrow(PlanScopeError);
    expect(() => MigrationPlan.create(shop, Phase.BASELINE, Phase.CILIUM, { namespaces: [] })).toThrow(/catalog namespaces with services \(payments, shop\)/);
  });
});
