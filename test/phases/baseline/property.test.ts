/**
 * Property tests of the baseline phase with peers outside the catalog, per-version
 * settings and split backends (catalogSpecArb with every peer kind): the generator
 * reaches the features, header routes are refused, and mutations of peer rules are
 * caught. The exact-flows property itself is test/analysis/baseline-property.test.ts
 * (catalogSpecArb's defaults: all peer kinds, version settings on, no header routes).
 */
import * as fc from 'fast-check';
import { buildUniverse, Endpoint, endpointMatchesPeer } from '../../../src/analysis/endpoints';
import { checkNetworkPolicyReachability } from '../../../src/analysis/reachability';
import { PhaseCapabilityError } from '../../../src/emit/common';
import { ServiceCatalog } from '../../../src/model/catalog';
import { ResolvedCatalog, ResolvedPeer } from '../../../src/model/resolved';
import { ALL_PEER_KINDS, catalogSpecArb, PeerKindName } from '../../support/arbitraries';
import { propertyRuns } from '../../support/property-runs';
import { Manifest, synthBaseline } from '../../support/synth';

const SEED = 20260114;
const NS = 'kubernetes.io/metadata.name';

/** The NetworkPolicy peers a peer is written as (the layer's contract). */
function rendered(peer: ResolvedPeer): unknown[] {
  if (peer.kind !== 'pods') {
    return peer.cidrs.map(cidr => ({ ipBlock: { cidr } }));
  }
  const labels = (l: Record<string, string>) => (Object.keys(l).length === 0 ? {} : { matchLabels: l });
  const namespaceSelector = peer.namespace !== undefined ? { matchLabels: { [NS]: peer.namespace } } : labels(peer.namespaceSelector ?? {});
  return [{ namespaceSelector, podSelector: labels(peer.selector) }];
}

interface RuleRef {
  readonly namespace: string;
  readonly name: string;
  readonly direction: 'ingress' | 'egress';
  readonly index: number;
  /** The peer the rule admits (ingress) or reaches (egress); undefined on a peer-side policy. */
  readonly peer?: ResolvedPeer;
}

/** Rules of per-service policies whose counterpart is a peer. */
function peerRules(model: ResolvedCatalog, manifests: Manifest[]): RuleRef[] {
  const services = new Set(model.services.map(s => s.id));
  const peers = model.peers.map(p => ({ peer: p, json: JSON.stringify(rendered(p)) }));
  const out: RuleRef[] = [];
  for (const m of manifests.filter(x => x.kind === 'NetworkPolicy' && services.has(`${x.metadata.namespace}/${x.metadata.name}`))) {
    for (const direction of ['ingress', 'egress'] as const) {
      (m.spec[direction] ?? []).forEach((rule: Manifest, index: number) => {
        const json = JSON.stringify(rule[direction === 'ingress' ? 'from' : 'to']);
        const match = peers.find(p => p.json === json);
        if (match) {
          out.push({ namespace: m.metadata.namespace, name: m.metadata.name, direction, index, peer: match.peer });
        }
      });
    }
  }
  return out;
}

/** Rules of the peer-side policies (`peer.<name>`). */
function peerSideRules(manifests: Manifest[]): RuleRef[] {
  const out: RuleRef[] = [];
  for (const m of manifests.filter(x => x.kind === 'NetworkPolicy' && x.metadata.name.startsWith('peer.'))) {
    for (const direction of ['ingress', 'egress'] as const) {
      (m.spec[direction] ?? []).forEach((_: Manifest, index: number) => {
        out.push({ namespace: m.metadata.namespace, name: m.metadata.name, direction, index });
      });
    }
  }
  return out;
}

function edit(manifests: Manifest[], target: RuleRef, change: (rules: Manifest[], index: number) => void): Manifest[] {
  const copy: Manifest[] = JSON.parse(JSON.stringify(manifests));
  const policy = copy.find(m => m.kind === 'NetworkPolicy' && m.metadata.namespace === target.namespace && m.metadata.name === target.name)!;
  change(policy.spec[target.direction], target.index);
  return copy;
}

function selects(policy: Manifest, e: Endpoint): boolean {
  return e.kind === 'pod' && e.namespace === policy.metadata.namespace
    && Object.entries(policy.spec.podSelector.matchLabels ?? {}).every(([k, v]) => e.labels[k] === v);
}

describe('the generator reaches the issue 8 features', () => {
  test('peers of every kind as callers and callees, metrics, version calls, splits, peer sides', () => {
    const specs = fc.sample(catalogSpecArb({ unownedNamespaces: true }), { numRuns: propertyRuns(150), seed: SEED });
    const seen = new Set<string>();
    for (const spec of specs) {
      const model = ServiceCatalog.fromSpec(spec)._resolved;
      for (const s of model.services) {
        s.callers.forEach(c => seen.add(`caller:${c.source}:${c.peer.name}`));
        s.peerCalls.forEach(c => seen.add(`call:${c.peer.name}`));
        s.versions.forEach(v => {
          if (v.backend) {
            seen.add('split backend');
          }
          if (v.calls.length > 0) {
            seen.add('version call');
          }
          if (v.peerCalls.length > 0) {
            seen.add('version peer call');
          }
          if (v.serviceAccount !== s.serviceAccount) {
            seen.add('version service account');
          }
        });
      }
      if (specs.indexOf(spec) < 60) {
        for (const m of synthBaseline(spec)) {
          if (m.metadata.name.startsWith('peer.')) {
            seen.add('peer side (owned)');
          } else if (m.metadata.name.includes('.peer.')) {
            seen.add('peer side (not owned)');
          } else if (m.metadata.name.includes('.')) {
            seen.add('version policy');
          }
        }
      }
    }
    const expected = [
      ...['batch', 'reporting', 'tenants', 'cluster', 'world', 'partner', 'kube-apiserver'].flatMap(p => [`caller:caller:${p}`, `call:${p}`]),
      'caller:metrics:monitoring', 'caller:exposed:ingress-controller', 'caller:split:batch',
      'split backend', 'version call', 'version peer call', 'version service account',
      'peer side (owned)', 'peer side (not owned)', 'version policy',
    ];
    expect(expected.filter(f => !seen.has(f))).toEqual([]);
  });
});

describe('header routes are refused', () => {
  test('every catalog with a header-routed version is refused with a message naming it; the others synthesize and are exact', () => {
    let refused = 0;
    let accepted = 0;
    fc.assert(fc.property(catalogSpecArb({ headerRoutes: true }), spec => {
      const model = ServiceCatalog.fromSpec(spec)._resolved;
      const headerRouted = model.services.flatMap(s => s.versions.filter(v => Object.keys(v.headers).length > 0).map(v => ({ s, v })));
      if (headerRouted.length === 0) {
        accepted++;
        const report = checkNetworkPolicyReachability(model, synthBaseline(spec));
        expect(report.missing).toEqual([]);
        expect(report.unexpected).toEqual([]);
        return;
      }
      refused++;
      let error: unknown;
      try {
        synthBaseline(spec);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(PhaseCapabilityError);
      const message = (error as Error).message;
      expect(message).toMatch(/^the baseline phase cannot express \d+ request-level feature\(s\)/);
      for (const { s, v } of headerRouted) {
        const index = s.versions.indexOf(v);
        expect(message).toContain(`${s.id} version ${v.name}: versions[${index}].headers (`);
        if (v.timeoutMs !== undefined) {
          expect(message).toContain(`versions[${index}].timeout (`);
        }
      }
      expect(message).toContain('needs request routing; use the linkerd or istio phase');
    }), { numRuns: propertyRuns(60), seed: SEED });
    // Both kinds occur in a fair share of the runs (more than 1 in 12).
    expect(refused).toBeGreaterThan(propertyRuns(60) / 12);
    expect(accepted).toBeGreaterThan(propertyRuns(60) / 12);
  });
});

describe('mutations of peer rules are caught', () => {
  // Pod peers that never overlap: every flow of one of them rests on its own rules. The
  // wide ones (cluster, world) cover the others and are checked on their own below.
  const disjoint: PeerKindName[] = ALL_PEER_KINDS.filter(k => k !== 'cluster' && k !== 'world');

  test('dropping a peer rule: the peer\'s flows go missing, nothing new is allowed', () => {
    fc.assert(fc.property(catalogSpecArb({ peerKinds: disjoint }), fc.nat(), (spec, pick) => {
      const model = ServiceCatalog.fromSpec(spec)._resolved;
      const manifests = synthBaseline(spec);
      const rules = peerRules(model, manifests);
      fc.pre(rules.length > 0);
      const target = rules[pick % rules.length];
      const report = checkNetworkPolicyReachability(model, edit(manifests, target, (list, i) => list.splice(i, 1)));
      expect(report.missing.length).toBeGreaterThan(0);
      expect(report.unexpected).toEqual([]);
      const universe = buildUniverse(model);
      for (const flow of report.missing) {
        const other = universe.endpoint(target.direction === 'ingress' ? flow.from : flow.to);
        expect(endpointMatchesPeer(target.peer!, other)).toBe(true);
        // ... to or from the pods of the service whose policy lost the rule.
        expect(universe.endpoint(target.direction === 'ingress' ? flow.to : flow.from).workload?.serviceId).toBe(`${target.namespace}/${target.name}`);
      }
    }), { numRuns: propertyRuns(80), seed: SEED });
  });

  test('widening a pod peer to every namespace, or an address peer to 0.0.0.0/0: unexpected flows, nothing missing', () => {
    fc.assert(fc.property(catalogSpecArb({ peerKinds: disjoint }), fc.nat(), (spec, pick) => {
      const model = ServiceCatalog.fromSpec(spec)._resolved;
      const manifests = synthBaseline(spec);
      const rules = peerRules(model, manifests);
      fc.pre(rules.length > 0);
      const target = rules[pick % rules.length];
      const field = target.direction === 'ingress' ? 'from' : 'to';
      const widened = edit(manifests, target, (list, i) => {
        list[i][field] = target.peer!.kind === 'pods'
          ? list[i][field].map((p: Manifest) => ({ ...p, namespaceSelector: {} }))
          : [{ ipBlock: { cidr: '0.0.0.0/0' } }];
      });
      const report = checkNetworkPolicyReachability(model, widened);
      expect(report.missing).toEqual([]);
      expect(report.unexpected.length).toBeGreaterThan(0);
      // What got through is what the wider peer admits: look-alikes in other namespaces, or
      // addresses outside the peer's ranges.
      const universe = buildUniverse(model);
      for (const flow of report.unexpected) {
        const other = universe.endpoint(target.direction === 'ingress' ? flow.from : flow.to);
        expect(endpointMatchesPeer(target.peer!, other)).toBe(false);
      }
    }), { numRuns: propertyRuns(80), seed: SEED });
  });

  test('cluster and world: dropping one of their rules, or a rule of the peer side in an owned namespace, loses flows', () => {
    fc.assert(fc.property(catalogSpecArb({ peerKinds: ['cluster', 'world'] }), fc.nat(), (spec, pick) => {
      const model = ServiceCatalog.fromSpec(spec)._resolved;
      const manifests = synthBaseline(spec);
      const universe = buildUniverse(model);
      // The ingress controller is one pod of `cluster`: its rules overlap.
      const rules = [...peerRules(model, manifests).filter(r => r.peer!.name !== 'ingress-controller'), ...peerSideRules(manifests)];
      fc.pre(rules.length > 0);
      const target = rules[pick % rules.length];
      const report = checkNetworkPolicyReachability(model, edit(manifests, target, (list, i) => list.splice(i, 1)));
      expect(report.missing.length).toBeGreaterThan(0);
      expect(report.unexpected).toEqual([]);
      if (!target.peer) {
        // The peer side: the selected pods lose flows in the rule's direction.
        const policy = manifests.find(m => m.metadata.namespace === target.namespace && m.metadata.name === target.name)!;
        for (const flow of report.missing) {
          expect(selects(policy, universe.endpoint(target.direction === 'egress' ? flow.from : flow.to))).toBe(true);
        }
      }
    }), { numRuns: propertyRuns(80), seed: SEED });
  });
});
