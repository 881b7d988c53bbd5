/**
 * Property tests: for random catalogs (peers of every kind as callers and callees, metrics
 * ports, per-version calls and service accounts, split backends, routes, route-limited
 * calls and callers, exposure limited to routes), the cilium phase's policies allow
 * exactly the declared flows at L3/L4 and exactly the declared requests at L7, and the
 * analysis notices when they do not. Header-routed catalogs are refused (or, with
 * `l7Fallback: skip`, synthesized with a warning per feature left out).
 */
import * as fc from 'fast-check';
import { checkCiliumReachability } from '../../src/analysis/cilium';
import { flowKey } from '../../src/analysis/flows';
import { MeshLadderChart } from '../../src/chart';
import { PhaseCapabilityError } from '../../src/emit/common';
import { ServiceCatalog } from '../../src/model/catalog';
import { Phase } from '../../src/model/phase';
import { CallerSpec, CatalogSpec, L7Fallback, PortProtocol, PortSpec, RouteSpec, ServiceSpec } from '../../src/model/types';
import { catalogSpecArb } from '../support/arbitraries';
import { propertyRuns } from '../support/property-runs';
import { withRoutesArb } from '../support/route-arbitraries';
import { Manifest } from '../support/synth';
import { synthCilium } from '../support/synth-cilium';

const SEED = 20251203;
const RUNS = { numRuns: propertyRuns(50), seed: SEED };

const settingsArb = fc.record({
  mutualAuth: fc.boolean(),
  clusterwideDefaultDeny: fc.boolean(),
  ingressFromWorld: fc.boolean(),
});

const fitsHttp = (p: PortSpec) => p.protocol === PortProtocol.HTTP || p.protocol === PortProtocol.HTTP2;
const fitsGrpc = (p: PortSpec) => p.protocol === PortProtocol.GRPC || p.protocol === PortProtocol.HTTP2;
const serves = (route: RouteSpec, port: PortSpec) => (route.http ? fitsHttp(port) : fitsGrpc(port));

/** Limits some caller entries to routes their ports serve, and exposes some services by route only. */
function withCallerRoutesArb(base: fc.Arbitrary<CatalogSpec>): fc.Arbitrary<CatalogSpec> {
  return base.chain(spec => fc.tuple(...spec.services.map(service => {
    const routes = service.routes ?? [];
    const ports = service.ports ?? [];
    if (routes.length === 0) {
      return fc.constant(service);
    }
    const limit = (caller: CallerSpec): fc.Arbitrary<CallerSpec> => {
      const refs = [...(caller.port !== undefined ? [caller.port] : []), ...(caller.ports ?? [])];
      const entryPorts = refs.length === 0 ? ports : ports.filter(p => refs.some(r => r === p.name || r === p.port));
      const eligible = routes.filter(r => entryPorts.some(p => serves(r, p))).map(r => r.name);
      return eligible.length === 0
        ? fc.constant(caller)
        : fc.option(fc.subarray(eligible, { minLength: 1 }), { freq: 2 }).map(picked => (picked ? { ...caller, routes: picked } : caller));
    };
    const exposable = !service.exposed && !(service.callers ?? []).some(c => c.peer === 'ingress-controller');
    return fc.tuple(
      fc.tuple(...(service.callers ?? []).map(limit)),
      exposable ? fc.option(fc.subarray(routes.map(r => r.name), { minLength: 1 }), { freq: 3 }) : fc.constant(null),
    ).map(([callers, exposedRoutes]): ServiceSpec => {
      const all = [...callers, ...(exposedRoutes ? [{ peer: 'ingress-controller', routes: exposedRoutes }] : [])];
      return all.length > 0 ? { ...service, callers: all } : service;
    });
  })).map(services => ({ ...spec, services })));
}

/** Random catalogs with every peer kind and per-version settings, without header routes. */
function ciliumCatalogArb(options: { unownedNamespaces?: boolean } = {}): fc.Arbitrary<CatalogSpec> {
  const base = catalogSpecArb({ maxServices: 6, versionSettings: true, headerRoutes: false, ...options });
  const catalogs = withCallerRoutesArb(withRoutesArb(base));
  return fc.tuple(catalogs, settingsArb).map(([spec, cilium]): CatalogSpec => ({ ...spec, cilium }));
}

const catalogArb = ciliumCatalogArb();

function analyse(spec: CatalogSpec) {
  const catalog = ServiceCatalog.fromSpec(spec);
  const manifests = synthCilium(catalog);
  return { catalog, manifests, report: checkCiliumReachability(catalog._resolved, manifests) };
}

describe('the generator', () => {
  test('covers every peer kind both ways, versions with their own calls, splits, route-limited callers and exposure', () => {
    const specs = fc.sample(catalogArb, { numRuns: propertyRuns(200), seed: SEED });
    const services = specs.flatMap(s => s.services);
    const callers = services.flatMap(s => s.callers ?? []);
    const calls = [...services.flatMap(s => s.calls ?? []), ...services.flatMap(s => (s.versions ?? []).flatMap(v => v.calls ?? []))];
    const callerPeers = new Set(callers.map(c => c.peer));
    const calledPeers = new Set(calls.filter(c => c.peer).map(c => c.peer!));
    expect([...callerPeers].sort()).toEqual(['batch', 'cluster', 'ingress-controller', 'kube-apiserver', 'partner', 'reporting', 'tenants', 'world']);
    expect([...calledPeers].sort()).toEqual(['batch', 'cluster', 'kube-apiserver', 'partner', 'reporting', 'tenants', 'world']);
    const seen = {
      metrics: services.some(s => (s.ports ?? []).some(p => p.metrics)),
      versionCalls: services.some(s => (s.versions ?? []).some(v => (v.calls ?? []).length > 0)),
      versionAccounts: services.some(s => (s.versions ?? []).some(v => v.serviceAccount)),
      splits: services.some(s => (s.versions ?? []).some(v => v.service)),
      limitedCallers: callers.some(c => c.peer !== 'ingress-controller' && (c.routes ?? []).length > 0),
      limitedExposure: callers.some(c => c.peer === 'ingress-controller' && (c.routes ?? []).length > 0),
      tenantNamespace: specs.some(s => (s.namespaces ?? []).some(n => n.labels?.tier === 'tenant')),
      worldIngress: specs.some(s => s.cilium?.ingressFromWorld && s.services.some(x => x.exposed)),
    };
    expect(Object.entries(seen).filter(([, v]) => !v).map(([k]) => k)).toEqual([]);
    specs.slice(0, 60).forEach(s => expect(() => ServiceCatalog.fromSpec(s)).not.toThrow());
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
      // Tolerated: DNS from unlabelled pods of owned namespaces, a host call's addresses,
      // and the API server where a world peer is concerned.
      expect(report.tolerated.filter(f => !((f.from.endsWith('/(other pod)') && f.port === 53) || f.to.startsWith('cidr:')
        || f.from === 'peer:kube-apiserver' || f.to === 'peer:kube-apiserver'))).toEqual([]);
    }), RUNS);
  });

  test('with namespaces it does not own: only their unenforced pods exceed the declaration', () => {
    fc.assert(fc.property(ciliumCatalogArb({ unownedNamespaces: true }), spec => {
      const unowned = new Set((spec.namespaces ?? []).filter(n => n.owned === false).map(n => `${n.name}/(other pod)`));
      const { catalog, manifests, report } = analyse(spec);
      expect(report.missing).toEqual([]);
      expect(report.unexpected.filter(f => !unowned.has(f.from) && !unowned.has(f.to))).toEqual([]);
      const lenient = checkCiliumReachability(catalog._resolved, manifests, { ignoreUnisolatedSources: true });
      expect(lenient.missing).toEqual([]);
      expect(lenient.unexpected).toEqual([]);
      expect(lenient.ok).toBe(true);
    }), { ...RUNS, numRuns: propertyRuns(25) });
  });

  test('route-limited calls and callers are probed with requests the routes refuse', () => {
    let refused = 0;
    let declaredByRoute = 0;
    for (const spec of fc.sample(catalogArb, { numRuns: propertyRuns(40), seed: SEED })) {
      const { report } = analyse(spec);
      const allowed = new Set(report.requests!.allowed.map(r => `${r.from} ${r.to} ${r.port} ${r.method} ${r.path}`));
      refused += report.requests!.probed.filter(r => !allowed.has(`${r.from} ${r.to} ${r.port} ${r.method} ${r.path}`)).length;
      declaredByRoute += report.requests!.declared.filter(r => r.routeName !== undefined).length;
    }
    expect(refused).toBeGreaterThan(20);
    expect(declaredByRoute).toBeGreaterThan(5);
  });
});

describe('header routes', () => {
  const headerArb = fc.tuple(catalogSpecArb({ maxServices: 5, headerRoutes: true }), settingsArb)
    .map(([spec, cilium]): CatalogSpec => ({ ...spec, cilium }))
    .filter(spec => spec.services.some(s => (s.versions ?? []).some(v => v.headers)));

  test('are refused, naming every header-routed version, its field and the phases that route', () => {
    fc.assert(fc.property(headerArb, spec => {
      let message = '';
      try {
        synthCilium(spec);
      } catch (e) {
        expect(e).toBeInstanceOf(PhaseCapabilityError);
        message = (e as Error).message;
      }
      for (const service of spec.services) {
        (service.versions ?? []).forEach((v, i) => {
          if (v.headers) {
            const id = `${service.namespace ?? spec.namespace}/${service.name}`;
            expect(message).toContain(`${id} version ${v.name}: versions[${i}].headers (requests carrying x-canary=${v.name} go to this version) needs request routing; use the linkerd or istio phase`);
          }
          if (v.timeout) {
            expect(message).toContain(`version ${v.name}: versions[${i}].timeout`);
          }
        });
      }
    }), { ...RUNS, numRuns: propertyRuns(25) });
  });

  test('with l7Fallback skip: synthesized with a note per feature (no warning), and the proof holds', () => {
    fc.assert(fc.property(headerArb, spec => {
      const catalog = ServiceCatalog.fromSpec({ ...spec, l7Fallback: L7Fallback.SKIP });
      const features = spec.services.flatMap(s => (s.versions ?? []).flatMap(v => [v.headers, v.timeout].filter(x => x !== undefined)));
      const { objects, warnings, notes } = MeshLadderChart.synthesize(catalog, Phase.CILIUM);
      expect(warnings).toEqual([]);
      expect(notes).toHaveLength(features.length);
      expect(notes.every(w => /Left out \(l7Fallback: skip\)/.test(w))).toBe(true);
      const report = checkCiliumReachability(catalog._resolved, objects);
      expect(report.missing).toEqual([]);
      expect(report.unexpected).toEqual([]);
      expect(report.ok).toBe(true);
    }), { ...RUNS, numRuns: propertyRuns(15) });
  });
});

/** Every non-empty allow rule of every Cilium policy: where it is and which list it is in. */
interface RuleRef {
  readonly policy: number;
  readonly spec: 'spec' | number;
  readonly direction: 'ingress' | 'egress';
  readonly index: number;
}

function allowRules(manifests: Manifest[]): RuleRef[] {
  const refs: RuleRef[] = [];
  manifests.forEach((m, policy) => {
    if (m.kind !== 'CiliumNetworkPolicy' && m.kind !== 'CiliumClusterwideNetworkPolicy') {
      return;
    }
    const specs: Array<['spec' | number, Manifest]> = [['spec', m.spec], ...((m.specs ?? []) as Manifest[]).map((s, i): [number, Manifest] => [i, s])];
    for (const [where, spec] of specs) {
      for (const direction of ['ingress', 'egress'] as const) {
        ((spec?.[direction] ?? []) as Manifest[]).forEach((rule, index) => {
          if (Object.keys(rule).length > 0) {
            refs.push({ policy, spec: where, direction, index });
          }
        });
      }
    }
  });
  return refs;
}

function ruleSpec(manifests: Manifest[], ref: RuleRef): Manifest {
  const m = manifests[ref.policy];
  return ref.spec === 'spec' ? m.spec : m.specs[ref.spec];
}

describe('mutations of the cilium output', () => {
  test('dropping any allow rule (service, version, peer side, DNS): the flows only it allowed go missing', () => {
    let runs = 0;
    let detected = 0;
    fc.assert(fc.property(catalogArb, fc.nat(), (spec, pick) => {
      const { catalog, manifests, report } = analyse(spec);
      const rules = allowRules(manifests);
      const ref = rules[pick % rules.length];
      const mutated: Manifest[] = JSON.parse(JSON.stringify(manifests));
      const target = ruleSpec(mutated, ref);
      target[ref.direction].splice(ref.index, 1);
      if (target[ref.direction].length === 0) {
        // An empty list would leave the direction unenforced: keep it deny-all.
        target[ref.direction] = [{}];
      }
      const after = checkCiliumReachability(catalog._resolved, mutated);
      const stillAllowed = new Set(after.allowed.map(flowKey));
      const declared = new Set(report.declared.map(flowKey));
      const lost = report.allowed.filter(f => !stillAllowed.has(flowKey(f)) && declared.has(flowKey(f))).map(flowKey).sort();
      expect(after.unexpected).toEqual([]);
      expect(after.missing.map(flowKey).sort()).toEqual(lost);
      runs++;
      detected += after.missing.length > 0 ? 1 : 0;
    }), { ...RUNS, numRuns: propertyRuns(40) });
    // Most rules are the only allow of some declared flow (the rest overlap, e.g. `cluster`).
    expect(detected / runs).toBeGreaterThan(0.7);
  });

  test("a version's calls: catalog callees keep the other versions out too; widening both ends lets them through", () => {
    const withVersionCalls = catalogArb.filter(spec => spec.services.some(s => (s.versions ?? []).some(v => (v.calls ?? []).length > 0)));
    // The per-service policies, and the clusterwide ones carrying namespace-label peers
    // (`specs` only: the version labels go, as in widenIngress).
    const widenEgress = (manifests: Manifest[]) => manifests.filter(m => m.specs).forEach(m => {
      m.specs.forEach((s: Manifest) => {
        if (m.spec) {
          s.endpointSelector = m.spec.endpointSelector;
        } else {
          delete s.endpointSelector.matchLabels?.version;
          delete s.endpointSelector.matchLabels?.track;
        }
      });
    });
    const widenIngress = (manifests: Manifest[]) => manifests.forEach(m => ((m.spec?.ingress ?? []) as Manifest[]).forEach(rule => {
      for (const selector of (rule.fromEndpoints ?? []) as Manifest[]) {
        delete selector.matchLabels?.version;
        delete selector.matchLabels?.track;
      }
    }));
    let runs = 0;
    let widened = 0;
    fc.assert(fc.property(withVersionCalls, spec => {
      const { catalog, manifests } = analyse(spec);
      fc.pre(manifests.some(m => m.specs && m.kind === 'CiliumNetworkPolicy'));
      const check = (...edits: Array<(m: Manifest[]) => void>) => {
        const mutated: Manifest[] = JSON.parse(JSON.stringify(manifests));
        edits.forEach(edit => edit(mutated));
        return checkCiliumReachability(catalog._resolved, mutated);
      };
      // Catalog callees admit only the version's pods; peers outside the catalog decide nothing.
      const workloads = new Set(catalog._resolved.services.flatMap(s => (s.versions.length > 0 ? s.versions.map(v => `${s.id}@${v.name}`) : [s.id])));
      expect(check(widenEgress).unexpected.filter(f => !f.from.includes('@') || workloads.has(f.to))).toEqual([]);
      const both = check(widenEgress, widenIngress);
      expect(both.missing).toEqual([]);
      expect(both.unexpected.every(f => f.from.includes('@'))).toBe(true);
      runs++;
      widened += both.unexpected.length > 0 ? 1 : 0;
    }), { ...RUNS, numRuns: propertyRuns(15) });
    // Unless another declaration (e.g. a `cluster` caller) covers the other versions anyway.
    expect(widened / runs).toBeGreaterThan(0.6);
  });

  test('dropping the L7 rules of a route-limited call or caller lets undeclared requests through', () => {
    let runs = 0;
    let detected = 0;
    fc.assert(fc.property(catalogArb, fc.nat(), (spec, pick) => {
      const { catalog, manifests } = analyse(spec);
      const targets: Array<{ policy: number; rule: number; port: number }> = [];
      manifests.forEach((m, policy) => ((m.spec?.ingress ?? []) as Manifest[]).forEach((rule, r) => {
        (rule.toPorts ?? []).forEach((p: Manifest, i: number) => {
          if (p.rules?.http) {
            targets.push({ policy, rule: r, port: i });
          }
        });
      }));
      fc.pre(targets.length > 0);
      const t = targets[pick % targets.length];
      const mutated: Manifest[] = JSON.parse(JSON.stringify(manifests));
      delete mutated[t.policy].spec.ingress[t.rule].toPorts[t.port].rules;
      const report = checkCiliumReachability(catalog._resolved, mutated);
      expect(report.missing).toEqual([]);
      expect(report.unexpected).toEqual([]);
      expect(report.requests!.missing).toEqual([]);
      runs++;
      detected += report.requests!.unexpected.length > 0 ? 1 : 0;
      expect(report.ok).toBe(report.requests!.unexpected.length === 0);
    }), { ...RUNS, numRuns: propertyRuns(30) });
    // Unless an unrestricted declaration covers the same source and port (e.g. exposure
    // from the world next to a route-limited partner range).
    expect(detected / runs).toBeGreaterThan(0.8);
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
    }), { ...RUNS, numRuns: propertyRuns(25) });
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
    }), { ...RUNS, numRuns: propertyRuns(25) });
  });
});
