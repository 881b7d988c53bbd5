/**
 * Property tests: for random catalogs (with routes), the cilium phase's policies allow
 * exactly the declared flows at L3/L4 and exactly the declared requests at L7, and the
 * analysis notices when they do not.
 */
import * as fc from 'fast-check';
import { checkCiliumReachability } from '../../src/analysis/cilium';
import { ServiceCatalog } from '../../src/model/catalog';
import { CatalogSpec } from '../../src/model/types';
import { catalogSpecArb } from '../support/arbitraries';
import { withRoutesArb } from '../support/route-arbitraries';
import { Manifest } from '../support/synth';
import { synthCilium } from '../support/synth-cilium';

const SEED = 20251203;
const RUNS = { numRuns: 60, seed: SEED };

const settingsArb = fc.record({
  mutualAuth: fc.boolean(),
  clusterwideDefaultDeny: fc.boolean(),
  ingressFromWorld: fc.boolean(),
});

const catalogArb = fc.tuple(withRoutesArb(catalogSpecArb({ maxServices: 6 })), settingsArb)
  .map(([spec, cilium]): CatalogSpec => ({ ...spec, cilium }));

function analyse(spec: CatalogSpec, edit?: (manifests: Manifest[]) => Manifest[]) {
  const catalog = ServiceCatalog.fromSpec(spec);
  const manifests = synthCilium(catalog);
  return { catalog, manifests, report: checkCiliumReachability(catalog._resolved, edit ? edit(JSON.parse(JSON.stringify(manifests))) : manifests) };
}

describe('the route generator', () => {
  test('covers route kinds and route-limited calls', () => {
    const specs = fc.sample(catalogArb, { numRuns: 200, seed: SEED });
    const services = specs.flatMap(s => s.services);
    const routes = services.flatMap(s => s.routes ?? []);
    const calls = services.flatMap(s => s.calls ?? []);
    const seen = {
      exact: routes.some(r => r.http?.path),
      prefix: routes.some(r => r.http?.pathPrefix),
      regex: routes.some(r => r.http?.pathRegex),
      methodless: routes.some(r => r.http && !r.http.method),
      grpcMethod: routes.some(r => r.grpc?.method),
      grpcService: routes.some(r => r.grpc && !r.grpc.method),
      limitedCall: calls.some(c => (c.routes ?? []).length > 0),
      worldIngress: specs.some(s => s.cilium?.ingressFromWorld && s.services.some(x => x.exposed)),
    };
    expect(Object.entries(seen).filter(([, v]) => !v).map(([k]) => k)).toEqual([]);
    specs.slice(0, 50).forEach(s => expect(() => ServiceCatalog.fromSpec(s)).not.toThrow());
  });
});

describe('cilium reachability', () => {
  test('allows exactly the declared flows and exactly the declared requests', () => {
    fc.assert(fc.property(catalogArb, spec => {
      const { report } = analyse(spec);
      expect(report.diagnostics.filter(d => d.severity === 'error')).toEqual([]);
      expect(report.missing).toEqual([]);
      expect(report.unexpected).toEqual([]);
      expect(report.requests!.missing).toEqual([]);
      expect(report.requests!.unexpected).toEqual([]);
      expect(report.ok).toBe(true);
      // Tolerated: DNS from unlabelled pods of owned namespaces, and a host call's addresses.
      expect(report.tolerated.every(f => (f.from.endsWith('/(other pod)') && f.port === 53) || f.to.startsWith('cidr:'))).toBe(true);
    }), RUNS);
  });

  test('with namespaces it does not own: only their unenforced pods exceed the declaration', () => {
    const arb = fc.tuple(withRoutesArb(catalogSpecArb({ maxServices: 6, unownedNamespaces: true })), settingsArb)
      .map(([spec, cilium]): CatalogSpec => ({ ...spec, cilium }));
    fc.assert(fc.property(arb, spec => {
      const unowned = new Set((spec.namespaces ?? []).filter(n => n.owned === false).map(n => `${n.name}/(other pod)`));
      const { catalog, manifests, report } = analyse(spec);
      expect(report.missing).toEqual([]);
      expect(report.unexpected.every(f => unowned.has(f.from) || unowned.has(f.to))).toBe(true);
      const lenient = checkCiliumReachability(catalog._resolved, manifests, { ignoreUnisolatedSources: true });
      expect(lenient.missing).toEqual([]);
      expect(lenient.unexpected).toEqual([]);
      expect(lenient.ok).toBe(true);
    }), { ...RUNS, numRuns: 30 });
  });

  test('route-limited calls are probed with requests the routes refuse', () => {
    // Across many catalogs (one catalog may also call the same port without routes).
    let refused = 0;
    let declared = 0;
    for (const spec of fc.sample(catalogArb, { numRuns: 40, seed: SEED })) {
      const { report } = analyse(spec);
      const allowed = new Set(report.requests!.allowed.map(r => `${r.from} ${r.to} ${r.port} ${r.method} ${r.path}`));
      refused += report.requests!.probed.filter(r => !allowed.has(`${r.from} ${r.to} ${r.port} ${r.method} ${r.path}`)).length;
      declared += report.requests!.declared.filter(r => r.routeName !== undefined).length;
    }
    expect(refused).toBeGreaterThan(20);
    expect(declared).toBeGreaterThan(5);
  });
});

describe('mutations of the cilium output', () => {
  test('dropping an ingress rule of a service policy makes declared flows go missing', () => {
    fc.assert(fc.property(catalogArb, fc.nat(), (spec, pick) => {
      const catalog = ServiceCatalog.fromSpec(spec);
      const manifests = synthCilium(catalog);
      const targets = manifests.flatMap(m => (m.kind === 'CiliumNetworkPolicy' && m.metadata.labels['mesh-ladder.dev/service'])
        ? (m.spec.ingress as Manifest[]).map((rule, index) => ({ m, index, rule })).filter(t => Object.keys(t.rule).length > 0)
        : []);
      fc.pre(targets.length > 0);
      const target = targets[pick % targets.length];
      const mutated: Manifest[] = JSON.parse(JSON.stringify(manifests));
      const policy = mutated.find(m => m.kind === target.m.kind
        && m.metadata.namespace === target.m.metadata.namespace && m.metadata.name === target.m.metadata.name)!;
      policy.spec.ingress.splice(target.index, 1);
      if (policy.spec.ingress.length === 0) {
        policy.spec.ingress = [{}];
      }
      const report = checkCiliumReachability(catalog._resolved, mutated);
      expect(report.missing.length).toBeGreaterThan(0);
      expect(report.unexpected).toEqual([]);
      expect(report.missing.every(f => f.to.startsWith(`${policy.metadata.namespace}/`))).toBe(true);
      expect(report.ok).toBe(false);
    }), RUNS);
  });

  test('dropping the L7 rules of a route-limited call lets undeclared requests through', () => {
    fc.assert(fc.property(catalogArb, fc.nat(), (spec, pick) => {
      const { catalog, manifests } = analyse(spec);
      const targets: Array<{ namespace: string; name: string; rule: number; port: number }> = [];
      for (const m of manifests.filter(x => x.kind === 'CiliumNetworkPolicy')) {
        ((m.spec.ingress ?? []) as Manifest[]).forEach((rule, r) => (rule.toPorts ?? []).forEach((p: Manifest, i: number) => {
          if (p.rules?.http) {
            targets.push({ namespace: m.metadata.namespace, name: m.metadata.name, rule: r, port: i });
          }
        }));
      }
      fc.pre(targets.length > 0);
      const t = targets[pick % targets.length];
      const mutated: Manifest[] = JSON.parse(JSON.stringify(manifests));
      const policy = mutated.find(m => m.kind === 'CiliumNetworkPolicy' && m.metadata.namespace === t.namespace && m.metadata.name === t.name)!;
      delete policy.spec.ingress[t.rule].toPorts[t.port].rules;
      const report = checkCiliumReachability(catalog._resolved, mutated);
      expect(report.missing).toEqual([]);
      expect(report.unexpected).toEqual([]);
      expect(report.requests!.missing).toEqual([]);
      expect(report.requests!.unexpected.length).toBeGreaterThan(0);
      expect(report.ok).toBe(false);
    }), { ...RUNS, numRuns: 40 });
  });

  test('an allow-all policy in a catalog namespace shows up as unexpected flows', () => {
    fc.assert(fc.property(catalogArb, fc.nat(), (spec, pick) => {
      const catalog = ServiceCatalog.fromSpec(spec);
      const namespaces = catalog._resolved.namespaces.map(n => n.name);
      const namespace = namespaces[pick % namespaces.length];
      const allowAll = {
        apiVersion: 'cilium.io/v2',
        kind: 'CiliumNetworkPolicy',
        metadata: { name: 'allow-all', namespace },
        spec: { endpointSelector: {}, ingress: [{ fromEntities: ['all'] }], egress: [{ toEntities: ['all'] }] },
      };
      const report = checkCiliumReachability(catalog._resolved, [...synthCilium(catalog), allowAll]);
      expect(report.missing).toEqual([]);
      expect(report.unexpected.length).toBeGreaterThan(0);
      expect(report.unexpected.every(f => f.from.startsWith(`${namespace}/`) || f.to.startsWith(`${namespace}/`))).toBe(true);
      expect(report.ok).toBe(false);
    }), { ...RUNS, numRuns: 30 });
  });

  test('a deny rule wins over the allows', () => {
    fc.assert(fc.property(catalogArb, spec => {
      const catalog = ServiceCatalog.fromSpec(spec);
      const namespace = catalog._resolved.services[0].namespace;
      const denyWorkloadIngress = {
        apiVersion: 'cilium.io/v2',
        kind: 'CiliumNetworkPolicy',
        metadata: { name: 'deny-all-ingress', namespace },
        spec: { endpointSelector: {}, ingressDeny: [{ fromEntities: ['all'] }] },
      };
      const before = checkCiliumReachability(catalog._resolved, synthCilium(catalog));
      const report = checkCiliumReachability(catalog._resolved, [...synthCilium(catalog), denyWorkloadIngress]);
      const intoNamespace = before.declared.filter(f => f.to.startsWith(`${namespace}/`));
      expect(report.unexpected).toEqual([]);
      expect(report.missing).toEqual(intoNamespace);
    }), { ...RUNS, numRuns: 30 });
  });
});
