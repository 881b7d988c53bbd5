/**
 * Differential tests of the indexed reachability engine against the reference (every
 * pair of the universe asked, `exhaustive`): the same reports, byte for byte, for every
 * phase's check (L3/L4 flows and L7 requests), for manifest sets mixing systems
 * (`EnforcementEvaluator`: NetworkPolicy and Cilium added up, host aliases, meshes over
 * their L4 layer), and for every step of migration plans. Inputs: random catalogs with
 * their phases' manifests, some objects dropped, policies of another random catalog, and
 * random NetworkPolicies and Cilium policies (selectors with every operator, namespace
 * selectors, ipBlocks with except, entities, CIDRs, FQDNs, deny rules, L7 rules, named
 * and ranged ports), so that what the candidate sets must not lose is often allowed.
 *
 * What the engine shares between checks of one catalog (its universe and index, the
 * intents, Cilium's selector matches) is shared by the fast side only, after another
 * phase's check warmed it: the reference reads a catalog of its own, built afresh.
 */
import * as fc from 'fast-check';
import { universeIndex } from '../../src/analysis';
import { buildUniverse } from '../../src/analysis/endpoints';
import { EnforcementEvaluator } from '../../src/analysis/enforcement';
import { flowComparator } from '../../src/analysis/flows';
import { checkPhaseReachability } from '../../src/analysis/phases';
import { allowedConnections, FlowEvaluator, ReachabilityOptions } from '../../src/analysis/reachability';
import { analyzeRequests } from '../../src/analysis/requests';
import { MeshLadderChart } from '../../src/chart';
import { PhaseCapabilityError } from '../../src/emit/common';
import { ServiceCatalog } from '../../src/model/catalog';
import { Phase } from '../../src/model/phase';
import { MigrationPlan } from '../../src/plan';
import { ALL_PEER_KINDS, catalogSpecArb } from '../support/arbitraries';
import { ciliumPolicyArb, named, networkPolicyArb } from '../support/policy-arbitraries';
import { exampleCases, propertyRuns } from '../support/property-runs';

const SEED = 20261207;
const PHASES = [Phase.BASELINE, Phase.CILIUM, Phase.LINKERD, Phase.ISTIO];

/** A phase's manifests, or undefined when the phase refuses the catalog. */
function manifestsOf(catalog: ServiceCatalog, phase: Phase): any[] | undefined {
  try {
    return MeshLadderChart.manifests(catalog, phase);
  } catch (e) {
    if (e instanceof PhaseCapabilityError) {
      return undefined;
    }
    throw e;
  }
}

/**
 * Both engines' check reports, as the CLI's JSON would print them; the reference over
 * `fresh`, the same catalog built again (nothing memoized shared with the fast side).
 */
function expectSameCheck(
  catalog: ServiceCatalog, fresh: ServiceCatalog, phase: Phase, manifests: readonly unknown[], options: ReachabilityOptions = {},
): void {
  const fast = checkPhaseReachability(catalog._resolved, phase, manifests, options);
  const reference = checkPhaseReachability(fresh._resolved, phase, manifests, { ...options, exhaustive: true });
  expect(JSON.stringify(fast)).toBe(JSON.stringify(reference));
}

/** Both engines on a manifest set mixing systems: the same allowed flows and request verdicts. */
function expectSameEnforcement(catalog: ServiceCatalog, manifests: readonly unknown[], podCidr?: string): number {
  const universe = buildUniverse(catalog._resolved, podCidr ? { podCidr } : {});
  const evaluator = new EnforcementEvaluator(catalog._resolved, universe, manifests);
  const compare = flowComparator(universe.order);
  const fast = allowedConnections(universe, evaluator).sort(compare);
  const reference = allowedConnections(universe, evaluator, [], true).sort(compare);
  expect(fast).toEqual(reference);
  const l4 = (a: any, b: any, p: any) => evaluator.allows(a, b, p);
  expect(analyzeRequests(catalog._resolved, universe, evaluator, l4, {}, fast)).toEqual(analyzeRequests(catalog._resolved, universe, evaluator, l4));
  return fast.length;
}

/** A catalog, a phase, and its manifests disturbed: some dropped, another catalog's policies, random policies. */
const caseArb = catalogSpecArb({ maxServices: 4, maxNamespaces: 2, peerKinds: ALL_PEER_KINDS }).chain(spec => fc.record({
  spec: fc.constant(spec),
  other: catalogSpecArb({ maxServices: 3, maxNamespaces: 2 }),
  phase: fc.constantFrom(...PHASES),
  otherPhase: fc.constantFrom(...PHASES),
  keep: fc.array(fc.boolean(), { minLength: 64, maxLength: 64 }),
  disturbance: fc.constantFrom('none', 'drop', 'other', 'random'),
  networkPolicies: fc.array(networkPolicyArb(spec), { maxLength: 4 }),
  ciliumPolicies: fc.array(ciliumPolicyArb(spec), { maxLength: 4 }),
  podCidr: fc.constantFrom(undefined, '10.0.0.0/16'),
  ignoreUnisolatedSources: fc.boolean(),
}));

test('random catalogs, disturbed manifests: every phase check reports the same as the exhaustive reference', () => {
  let checked = 0;
  let allowed = 0;
  fc.assert(fc.property(caseArb, c => {
    const catalog = ServiceCatalog.fromSpec(c.spec);
    const own = manifestsOf(catalog, c.phase);
    if (!own) {
      return;
    }
    let manifests: any[] = own;
    if (c.disturbance === 'drop') {
      manifests = own.filter((_, i) => c.keep[i % c.keep.length]);
    } else if (c.disturbance === 'other') {
      manifests = [...own.filter(o => o.kind === 'Namespace'), ...(manifestsOf(ServiceCatalog.fromSpec(c.other), c.otherPhase) ?? []).filter(o => o.kind !== 'Namespace')];
    } else if (c.disturbance === 'random') {
      manifests = [...own.filter((_, i) => c.keep[i % c.keep.length]), ...named([...c.networkPolicies, ...c.ciliumPolicies])];
    }
    const options = { ...(c.podCidr ? { podCidr: c.podCidr } : {}), ignoreUnisolatedSources: c.ignoreUnisolatedSources };
    // Another phase's check first, as in `check --phase all`: what it memoized is reused.
    const warm = manifestsOf(catalog, c.otherPhase);
    if (warm) {
      checkPhaseReachability(catalog._resolved, c.otherPhase, warm, options);
    }
    expectSameCheck(catalog, ServiceCatalog.fromSpec(c.spec), c.phase, manifests, options);
    allowed += expectSameEnforcement(catalog, manifests, c.podCidr);
    checked++;
  }), { numRuns: propertyRuns(120, 12), seed: SEED });
  expect(checked).toBeGreaterThan(propertyRuns(120, 12) / 2);
  expect(allowed).toBeGreaterThan(0);
});

test('random NetworkPolicies and Cilium policies alone and together: the same flows and requests as the reference', () => {
  const arb = catalogSpecArb({ maxServices: 4, maxNamespaces: 2 }).chain(spec => fc.record({
    spec: fc.constant(spec),
    networkPolicies: fc.array(networkPolicyArb(spec), { minLength: 1, maxLength: 6 }),
    ciliumPolicies: fc.array(ciliumPolicyArb(spec), { minLength: 1, maxLength: 6 }),
    systems: fc.constantFrom('networkpolicy', 'cilium', 'both'),
    podCidr: fc.constantFrom(undefined, '10.0.0.0/16'),
  }));
  let allowed = 0;
  fc.assert(fc.property(arb, c => {
    const catalog = ServiceCatalog.fromSpec(c.spec);
    const manifests = named([...(c.systems !== 'cilium' ? c.networkPolicies : []), ...(c.systems !== 'networkpolicy' ? c.ciliumPolicies : [])]);
    allowed += expectSameEnforcement(catalog, manifests, c.podCidr);
    expectSameCheck(catalog, ServiceCatalog.fromSpec(c.spec), c.systems === 'networkpolicy' ? Phase.BASELINE : Phase.CILIUM, manifests, c.podCidr ? { podCidr: c.podCidr } : {});
  }), { numRuns: propertyRuns(160, 16), seed: SEED });
  expect(allowed).toBeGreaterThan(0);
});

test('random catalogs: every step of a plan (rollouts and rollbacks too) is judged as by the reference', () => {
  const arb = fc.record({
    spec: catalogSpecArb({ maxServices: 3, maxNamespaces: 2, peerKinds: ALL_PEER_KINDS.filter(k => k !== 'namespaceSelector') }),
    from: fc.constantFrom(...PHASES),
    to: fc.constantFrom(...PHASES),
  }).filter(c => c.from !== c.to);
  let planned = 0;
  fc.assert(fc.property(arb, c => {
    const catalog = ServiceCatalog.fromSpec(c.spec);
    let fast: MigrationPlan;
    try {
      fast = MigrationPlan.create(catalog, c.from, c.to);
    } catch (e) {
      if (e instanceof PhaseCapabilityError) {
        return;
      }
      throw e;
    }
    const reference = MigrationPlan._build(ServiceCatalog.fromSpec(c.spec), c.from, c.to, undefined, {}, { exhaustive: true });
    expect(JSON.stringify(fast._verification)).toBe(JSON.stringify(reference._verification));
    planned++;
  }), { numRuns: propertyRuns(24, 4), seed: SEED });
  expect(planned).toBeGreaterThan(0);
});

describe('the examples', () => {
  const file = (name: string) => `${__dirname}/../../examples/${name}/catalog.yaml`;
  const examples: Array<[string, ServiceCatalog]> = [
    ['minimal', ServiceCatalog.fromFile(file('minimal'))],
    ['shop', ServiceCatalog.fromFile(file('shop'))],
  ];

  test.each(examples)('%s: every phase check and every phase pair mixed as in a migration step are the same as the reference', (name, catalog) => {
    for (const phase of PHASES) {
      // The fast side checks the phases one after the other over one catalog, as `check --phase all` does.
      const manifests = MeshLadderChart.manifests(catalog, phase);
      expectSameCheck(catalog, ServiceCatalog.fromFile(file(name)), phase, manifests);
      expect(expectSameEnforcement(catalog, manifests)).toBeGreaterThan(0);
    }
    for (const from of PHASES) {
      for (const to of PHASES.filter(p => p !== from)) {
        expectSameEnforcement(catalog, [...MeshLadderChart.manifests(catalog, from), ...MeshLadderChart.manifests(catalog, to)]);
      }
    }
  });

  const pairs = PHASES.flatMap(from => PHASES.filter(to => to !== from).map(to => [from, to] as [Phase, Phase]));
  test.each(exampleCases(pairs, 4))('shop plan %s -> %s: every step judged as by the reference', (from, to) => {
    const catalog = examples[1][1];
    const fast = MigrationPlan.create(catalog, from, to);
    const reference = MigrationPlan._build(ServiceCatalog.fromFile(file('shop')), from, to, undefined, {}, { exhaustive: true });
    expect(JSON.stringify(fast._verification)).toBe(JSON.stringify(reference._verification));
  });
});

test('the candidate sets prune: on the shop, far fewer pairs are asked than the universe holds', () => {
  const catalog = ServiceCatalog.fromFile(`${__dirname}/../../examples/shop/catalog.yaml`);
  const universe = buildUniverse(catalog._resolved);
  const evaluator = new EnforcementEvaluator(catalog._resolved, universe, MeshLadderChart.manifests(catalog, Phase.CILIUM));
  let asked = 0;
  const counting: FlowEvaluator = {
    name: evaluator.name,
    diagnostics: [],
    allows: (a, b, p) => {
      asked++;
      return evaluator.allows(a, b, p);
    },
    isEgressRestricted: e => evaluator.isEgressRestricted(e),
    candidateSources: (to, p) => evaluator.candidateSources(to, p),
  };
  const allowed = allowedConnections(universe, counting);
  const pairs = universe.endpoints.length * universe.endpoints.length * universe.probes.length;
  expect(allowed.length).toBeGreaterThan(0);
  expect(asked).toBeLessThan(pairs / 10);
  expect(asked).toBeGreaterThanOrEqual(allowed.length);
  expect(universeIndex(universe).size).toBe(universe.endpoints.length);
});
