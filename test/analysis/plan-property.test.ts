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
import { PhaseCapabilityError } from '../../src/emit/common';
import { ServiceCatalog } from '../../src/model/catalog';
import { Phase } from '../../src/model/phase';
import { PlanScopeError, scopeBoundaryProblems } from '../../src/model/scope';
import { CatalogSpec } from '../../src/model/types';
import { MigrationPlan } from '../../src/plan';
import { ALL_PEER_KINDS, catalogSpecArb } from '../support/arbitraries';
import { DEEP, propertyRuns } from '../support/property-runs';

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
  }), { numRuns: propertyRuns(8, 2), seed: SEED });
  // The generator's catalogs are plannable almost always: the property is about plans.
  expect(proven).toBeGreaterThanOrEqual(propertyRuns(8, 2) * 12 * 3 / 4);
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

/** Random two-namespace catalogs to plan by scope: 6 in the deep run, 2 in `npm test`. */
const SCOPED_CATALOGS = DEEP ? 6 : 2;

describe('namespace-scoped plans on random catalogs', () => {
  const arb = catalogSpecArb({ maxServices: 4, maxNamespaces: 2, peerKinds: ALL_PEER_KINDS.filter(k => k !== 'namespaceSelector') });
  const twoNamespaces = fc.sample(arb, { numRuns: 80, seed: SEED + 1 })
    .map(spec => ServiceCatalog.fromSpec(spec))
    .filter(c => new Set(c._resolved.services.map(s => s.namespace)).size === 2)
    .slice(0, SCOPED_CATALOGS);
  const firstNamespace = (c: ServiceCatalog) => [...new Set(c._resolved.services.map(s => s.namespace))].sort()[0];

  test('the first namespace moves, the other stays: every mixed step proven, or the scope refused up front with the peer or version it cannot split', () => {
    expect(twoNamespaces.length).toBe(SCOPED_CATALOGS);
    let proven = 0;
    for (const catalog of twoNamespaces) {
      const scope = [firstNamespace(catalog)];
      const problems = scopeBoundaryProblems(catalog._resolved, ns => scope.includes(ns));
      for (const [from, to] of PAIRS) {
        let plan: MigrationPlan | undefined;
        try {
          plan = MigrationPlan.create(catalog, from, to, { namespaces: scope });
        } catch (e) {
          if (e instanceof PlanScopeError) {
            expect(problems.length).toBeGreaterThan(0);
            expect(e.message).toContain(problems[0]);
            continue;
          }
          expect(e).toBeInstanceOf(PhaseCapabilityError);
          continue;
        }
        expect(problems).toEqual([]);
        for (const step of plan.steps) {
          expect({ id: step.id, missing: step.missing, beyond: step.beyond, discipline: step.discipline, ok: step.ok })
            .toEqual({ id: step.id, missing: [], beyond: [], discipline: undefined, ok: true });
        }
        // Only the moved namespace restarts.
        expect(plan._steps.every(s => s.restartNamespaces.every(ns => scope.includes(ns)))).toBe(true);
        proven++;
      }
    }
    expect(proven).toBeGreaterThanOrEqual(SCOPED_CATALOGS * 12 / 3);
  });

  test('a scope refused for a peer covering both sides plans once both namespaces move together, as the refusal says', () => {
    const refused = twoNamespaces.find(c => scopeBoundaryProblems(c._resolved, ns => ns === firstNamespace(c)).length > 0)!;
    expect(refused).toBeDefined();
    const scope = [firstNamespace(refused)];
    expect(() => MigrationPlan.create(refused, Phase.BASELINE, Phase.CILIUM, { namespaces: scope })).toThrow(/across the scope: move (those|both) namespaces together/);
    const both = [...new Set(refused._resolved.services.map(s => s.namespace))];
    expect(scopeBoundaryProblems(refused._resolved, ns => both.includes(ns))).toEqual([]);
    expect(MigrationPlan.create(refused, Phase.BASELINE, Phase.CILIUM, { namespaces: both }).ok).toBe(true);
  });
});
