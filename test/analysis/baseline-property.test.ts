/**
 * Property tests: for random catalogs, the baseline phase's NetworkPolicies allow exactly
 * the declared flows (plus tolerated DNS), and the analysis notices when they do not.
 */
import * as fc from 'fast-check';
import { buildUniverse, Endpoint } from '../../src/analysis/endpoints';
import { checkNetworkPolicyReachability } from '../../src/analysis/reachability';
import { ServiceCatalog } from '../../src/model/catalog';
import { CatalogSpec, PortProtocol } from '../../src/model/types';
import { ALL_PEER_KINDS, catalogSpecArb } from '../support/arbitraries';
import { propertyRuns } from '../support/property-runs';
import { Manifest, networkPolicy, synthBaseline } from '../support/synth';

const SEED = 20251126;
const RUNS = { numRuns: propertyRuns(100), seed: SEED };

function analyse(spec: CatalogSpec, edit?: (manifests: Manifest[]) => Manifest[], options = {}) {
  const catalog = ServiceCatalog.fromSpec(spec);
  const manifests = synthBaseline(catalog);
  return { catalog, manifests, report: checkNetworkPolicyReachability(catalog._resolved, edit ? edit(manifests) : manifests, options) };
}

describe('the generator', () => {
  test('covers the model features the analysis must handle', () => {
    const specs = fc.sample(catalogSpecArb({ unownedNamespaces: true }), { numRuns: propertyRuns(200), seed: SEED });
    const services = specs.flatMap(s => s.services);
    const calls = services.flatMap(s => (s.calls ?? []).map(c => ({ caller: s, call: c })));
    const ports = services.flatMap(s => s.ports ?? []);
    const seen = {
      severalNamespaces: specs.some(s => new Set(s.services.map(x => x.namespace ?? s.namespace)).size > 1),
      unowned: specs.some(s => (s.namespaces ?? []).some(n => n.owned === false)),
      namespaceLabels: specs.some(s => (s.namespaces ?? []).some(n => n.labels)),
      clientOnly: services.some(s => s.clientOnly),
      exposed: services.some(s => s.exposed),
      versions: services.some(s => (s.versions ?? []).length === 3),
      customSelector: services.some(s => s.selector),
      unnamedPort: ports.some(p => p.name === undefined),
      targetPortDiffers: ports.some(p => p.targetPort !== undefined && p.targetPort !== p.port),
      udp: ports.some(p => p.protocol === PortProtocol.UDP),
      crossNamespaceCall: calls.some(({ call }) => call.service?.includes('/')),
      callByNumber: calls.some(({ call }) => typeof call.port === 'number' || (call.ports ?? []).some(p => typeof p === 'number')),
      callByName: calls.some(({ call }) => call.service && (typeof call.port === 'string' || (call.ports ?? []).some(p => typeof p === 'string'))),
      callAllPorts: calls.some(({ call }) => call.service && call.port === undefined && call.ports === undefined),
      cidrExcept: calls.some(({ call }) => call.except),
      ipv6: calls.some(({ call }) => call.cidr?.includes(':')),
      hostCall: calls.some(({ call }) => call.host),
      udpExternal: calls.some(({ call }) => call.protocol === PortProtocol.UDP),
    };
    expect(Object.entries(seen).filter(([, v]) => !v).map(([k]) => k)).toEqual([]);
    // Every generated catalog is valid.
    specs.slice(0, 50).forEach(s => expect(() => ServiceCatalog.fromSpec(s)).not.toThrow());
  });
});

describe('baseline reachability', () => {
  test('allows exactly the declared flows (owned namespaces)', () => {
    fc.assert(fc.property(catalogSpecArb(), spec => {
      const { report } = analyse(spec);
      expect(report.diagnostics).toEqual([]);
      expect(report.missing).toEqual([]);
      expect(report.unexpected).toEqual([]);
      expect(report.ok).toBe(true);
      // Tolerated flows are DNS from unlabelled pods of owned namespaces, and the API
      // server as part of a world peer (0.0.0.0/0 holds its address), nothing else.
      expect(report.tolerated.every(f => (f.from.endsWith('/(other pod)') && f.port === 53)
        || f.from === 'peer:kube-apiserver' || f.to === 'peer:kube-apiserver')).toBe(true);
    }), RUNS);
  });

  test('with namespaces it does not own: only their unisolated pods exceed the declaration', () => {
    fc.assert(fc.property(catalogSpecArb({ unownedNamespaces: true }), spec => {
      const unowned = new Set((spec.namespaces ?? []).filter(n => n.owned === false).map(n => `${n.name}/(other pod)`));
      const { catalog, manifests, report } = analyse(spec);
      expect(report.missing).toEqual([]);
      expect(report.unexpected.every(f => unowned.has(f.from) || unowned.has(f.to))).toBe(true);
      const lenient = checkNetworkPolicyReachability(catalog._resolved, manifests, { ignoreUnisolatedSources: true });
      expect(lenient.missing).toEqual([]);
      expect(lenient.unexpected).toEqual([]);
      expect(lenient.ok).toBe(true);
    }), { ...RUNS, numRuns: propertyRuns(50) });
  });
});

/** Rules of per-service policies whose peers are pods (ipBlock rules may overlap each other). */
function podRules(manifests: Manifest[]): Array<{ namespace: string; name: string; direction: 'ingress' | 'egress'; index: number }> {
  const out: Array<{ namespace: string; name: string; direction: 'ingress' | 'egress'; index: number }> = [];
  for (const m of manifests) {
    if (m.kind !== 'NetworkPolicy') {
      continue;
    }
    for (const direction of ['ingress', 'egress'] as const) {
      (m.spec[direction] ?? []).forEach((rule: Manifest, index: number) => {
        const peers = rule[direction === 'ingress' ? 'from' : 'to'] ?? [];
        if (peers.length > 0 && peers.every((p: Manifest) => p.podSelector)) {
          out.push({ namespace: m.metadata.namespace, name: m.metadata.name, direction, index });
        }
      });
    }
  }
  return out;
}

describe('mutations of the baseline output', () => {
  // `cluster` (every pod) overlaps every other pod rule, so dropping one of those would
  // lose nothing: its mutations are tested on their own (test/phases/baseline).
  const withoutCluster = catalogSpecArb({ peerKinds: ALL_PEER_KINDS.filter(k => k !== 'cluster') });

  test('dropping any pod rule makes declared flows of that policy go missing, and allows nothing new', () => {
    fc.assert(fc.property(withoutCluster, fc.nat(), (spec, pick) => {
      const catalog = ServiceCatalog.fromSpec(spec);
      const manifests = synthBaseline(catalog);
      const universe = buildUniverse(catalog._resolved);
      const selects = (m: Manifest, e: Endpoint) => e.kind === 'pod' && e.namespace === m.metadata.namespace
        && Object.entries(m.spec.podSelector.matchLabels ?? {}).every(([k, v]) => e.labels[k] === v);
      // A policy that selects no modelled pod guards nothing declared: a namespace-wide DNS
      // allow in a namespace without workloads, a peer side for pods the universe lacks.
      const live = new Set(manifests.filter(m => m.kind === 'NetworkPolicy' && universe.endpoints.some(e => selects(m, e)))
        .map(m => `${m.metadata.namespace}/${m.metadata.name}`));
      const populated = new Set(catalog._resolved.services.map(s => s.namespace));
      const rules = podRules(manifests).filter(r => populated.has(r.namespace) && live.has(`${r.namespace}/${r.name}`));
      fc.pre(rules.length > 0);
      const target = rules[pick % rules.length];
      const mutated: Manifest[] = JSON.parse(JSON.stringify(manifests));
      const policy = mutated.find(m => m.kind === 'NetworkPolicy' && m.metadata.namespace === target.namespace && m.metadata.name === target.name)!;
      policy.spec[target.direction].splice(target.index, 1);
      const report = checkNetworkPolicyReachability(catalog._resolved, mutated);
      expect(report.missing.length).toBeGreaterThan(0);
      expect(report.unexpected).toEqual([]);
      // The pods the policy selects lose flows in the rule's direction.
      for (const flow of report.missing) {
        const endpoint = universe.endpoint(target.direction === 'egress' ? flow.from : flow.to);
        expect(selects(policy, endpoint)).toBe(true);
      }
    }), RUNS);
  });

  test('an allow-all ingress policy in a catalog namespace shows up as unexpected flows into it', () => {
    fc.assert(fc.property(catalogSpecArb(), fc.nat(), (spec, pick) => {
      const catalog = ServiceCatalog.fromSpec(spec);
      const namespaces = catalog._resolved.namespaces.map(n => n.name);
      const namespace = namespaces[pick % namespaces.length];
      const report = checkNetworkPolicyReachability(catalog._resolved, [...synthBaseline(catalog), networkPolicy(namespace, 'allow-all', { podSelector: {}, ingress: [{}] })]);
      expect(report.missing).toEqual([]);
      expect(report.unexpected.length).toBeGreaterThan(0);
      expect(report.unexpected.every(f => f.to.startsWith(`${namespace}/`))).toBe(true);
      expect(report.unexpected.some(f => f.from === 'world6' && f.to === `${namespace}/(other pod)`)).toBe(true);
      expect(report.ok).toBe(false);
    }), { ...RUNS, numRuns: propertyRuns(50) });
  });

  test('an allow-all egress policy shows up as unexpected flows out of it', () => {
    fc.assert(fc.property(catalogSpecArb(), fc.nat(), (spec, pick) => {
      const catalog = ServiceCatalog.fromSpec(spec);
      const namespaces = catalog._resolved.namespaces.map(n => n.name);
      const namespace = namespaces[pick % namespaces.length];
      const report = checkNetworkPolicyReachability(catalog._resolved,
        [...synthBaseline(catalog), networkPolicy(namespace, 'allow-all', { podSelector: {}, policyTypes: ['Egress'], egress: [{}] })]);
      expect(report.missing).toEqual([]);
      expect(report.unexpected.every(f => f.from.startsWith(`${namespace}/`))).toBe(true);
      expect(report.unexpected.some(f => f.from === `${namespace}/(other pod)` && f.to === 'world6')).toBe(true);
    }), { ...RUNS, numRuns: propertyRuns(50) });
  });
});
