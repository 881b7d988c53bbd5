/**
 * What the proof computes once per catalog and shares between the phases of one
 * `check --phase all` and the steps of a plan: the universe (per `podCidr`) and the
 * declared intent (per host-call reading and ingress sources). Shared only where nothing
 * differs: another option or another catalog gets its own.
 */
import { buildUniverse } from '../../src/analysis/endpoints';
import { declaredIntent } from '../../src/analysis/intent';
import { ServiceCatalog } from '../../src/model/catalog';

const SHOP = `${__dirname}/../../examples/shop/catalog.yaml`;

describe('state shared by the checks of one catalog', () => {
  test('one universe per catalog and podCidr', () => {
    const catalog = ServiceCatalog.fromFile(SHOP)._resolved;
    const universe = buildUniverse(catalog);
    expect(buildUniverse(catalog, {})).toBe(universe);
    const withPods = buildUniverse(catalog, { podCidr: '10.0.0.0/16' });
    expect(withPods).not.toBe(universe);
    expect(buildUniverse(catalog, { podCidr: '10.0.0.0/16' })).toBe(withPods);
    expect(withPods.endpoints.find(e => e.kind === 'pod')!.ip).toBeDefined();
    expect(universe.endpoints.find(e => e.kind === 'pod')!.ip).toBeUndefined();
    // The same file read again is another catalog: nothing is shared with it.
    const again = buildUniverse(ServiceCatalog.fromFile(SHOP)._resolved);
    expect(again).not.toBe(universe);
    expect(again.endpoints.map(e => e.id)).toEqual(universe.endpoints.map(e => e.id));
  });

  test('one intent per universe, host-call reading and ingress sources', () => {
    const catalog = ServiceCatalog.fromFile(SHOP)._resolved;
    const universe = buildUniverse(catalog);
    const byCidrs = declaredIntent(catalog, universe);
    expect(declaredIntent(catalog, universe, { hostCalls: 'cidrs' })).toBe(byCidrs);
    const byName = declaredIntent(catalog, universe, { hostCalls: 'fqdn' });
    expect(byName).not.toBe(byCidrs);
    expect(byName.declared.some(f => f.to.startsWith('host:'))).toBe(true);
    expect(byCidrs.declared.some(f => f.to.startsWith('host:'))).toBe(false);
    // Ingress sources given as other arrays of the same endpoints mean the same intent.
    const world = (u = universe) => u.endpoints.filter(e => e.role === 'world');
    expect(world().length).toBeGreaterThan(0);
    const fromWorld = declaredIntent(catalog, universe, { hostCalls: 'fqdn', ingressSources: world() });
    expect(declaredIntent(catalog, universe, { hostCalls: 'fqdn', ingressSources: world() })).toBe(fromWorld);
    expect(fromWorld).not.toBe(byName);
    const fresh = ServiceCatalog.fromFile(SHOP)._resolved;
    const freshUniverse = buildUniverse(fresh);
    expect(JSON.stringify(declaredIntent(fresh, freshUniverse, { hostCalls: 'fqdn', ingressSources: world(freshUniverse) }))).toBe(JSON.stringify(fromWorld));
  });
});
