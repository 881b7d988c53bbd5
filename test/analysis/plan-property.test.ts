/**
 * Property tests of migration plans: random catalogs (the fast-check generator of every
 * phase's property tests) x every ordered pair of phases. Every plan is proven step by
 * step (every declared flow kept, nothing beyond the union of the ends, the discipline and
 * the rollout's allowances), or refused up front, before any step exists, by the phase
 * that cannot express the catalog; the second test shows such a reason is real.
 */
import * as fc from 'fast-check';
import { expectSafePlan, pairs } from './plan-pairs-support';
import { MeshLadderChart } from '../../src/chart';
import { ServiceCatalog } from '../../src/model/catalog';
import { CatalogSpec } from '../../src/model/types';
import { PhaseCapabilityError } from '../../src/phases/common';
import { Phase } from '../../src/phases/phase';
import { MigrationPlan } from '../../src/plan';
import { ALL_PEER_KINDS, catalogSpecArb } from '../support/arbitraries';

const SEED = 20261207;
const PAIRS = [...pairs('forward'), ...pairs('rollback')];

/** A plan, or the phase's refusal of the catalog. */
function planOrRefusal(catalog: ServiceCatalog, from: Phase, to: Phase): MigrationPlan | PhaseCapabilityError {
  try {
    return MigrationPlan.create(catalog, from, to);
  } catch (e) {
    if (e instanceof PhaseCapabilityError) {
      return e;
    }
    throw e;
  }
}

/** The message a phase refuses the catalog with, when it does. */
function phaseRefusal(catalog: ServiceCatalog, phase: Phase): string | undefined {
  try {
    MeshLadderChart.manifests(catalog, phase);
    return undefined;
  } catch (e) {
    if (e instanceof PhaseCapabilityError) {
      return e.message;
    }
    throw e;
  }
}

test('random catalogs x all 12 ordered pairs: every step OK, or the plan is refused up front by a phase that refuses the catalog', () => {
  // Meshed peers in label-selected namespaces are refused by both meshes (second test).
  const arb = catalogSpecArb({ maxServices: 4, maxNamespaces: 2, peerKinds: ALL_PEER_KINDS.filter(k => k !== 'namespaceSelector') });
  let proven = 0;
  fc.assert(fc.property(arb, spec => {
    const catalog = ServiceCatalog.fromSpec(spec);
    for (const [from, to] of PAIRS) {
      const outcome = planOrRefusal(catalog, from, to);
      if (outcome instanceof PhaseCapabilityError) {
        expect([phaseRefusal(catalog, from), phaseRefusal(catalog, to)]).toContain(outcome.message);
      } else {
        expectSafePlan(catalog, from, to);
        proven++;
      }
    }
  }), { numRuns: 8, seed: SEED });
  // The generator's catalogs are plannable almost always: the property is about plans.
  expect(proven).toBeGreaterThanOrEqual(8 * 12 * 3 / 4);
});

test('a refusal names the cause, and the cause is real: the same catalog without it is planned and proven', () => {
  const withTenants = fc.sample(catalogSpecArb({ maxServices: 3, maxNamespaces: 2 }), { numRuns: 60, seed: SEED })
    .filter(spec => /meshed peer "tenants"/.test(phaseRefusal(ServiceCatalog.fromSpec(spec), Phase.LINKERD) ?? ''))
    .slice(0, 2);
  expect(withTenants.length).toBe(2);
  for (const spec of withTenants) {
    const catalog = ServiceCatalog.fromSpec(spec);
    const refused = planOrRefusal(catalog, Phase.BASELINE, Phase.LINKERD);
    expect(refused).toBeInstanceOf(PhaseCapabilityError);
    expect((refused as Error).message).toMatch(/meshed peer "tenants": it selects namespaces by label/);
    expect(phaseRefusal(catalog, Phase.LINKERD)).toBe((refused as Error).message);
    // Declared unmeshed, the peer is authorized by network instead of identity: the same plan holds.
    const unmeshed: CatalogSpec = { ...spec, peers: (spec.peers ?? []).map(p => (p.name === 'tenants' ? { ...p, meshed: false } : p)) };
    expectSafePlan(ServiceCatalog.fromSpec(unmeshed), Phase.BASELINE, Phase.LINKERD);
  }
});
