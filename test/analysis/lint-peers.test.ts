/**
 * Catalog lint rules about exposure and peers: exposed-without-route-restriction (now read
 * from `callers`), exposed-all-ports, world-caller, metrics-port-exposed, unused-peer,
 * peer-without-identity; and their suppressions.
 */
import * as fc from 'fast-check';
import { CATALOG_LINT_RULES, formatLintText, LintFinding, lintPhase, lintRuleIds } from '../../src/analysis/lint';
import { ServiceCatalog } from '../../src/model/catalog';
import { Phase } from '../../src/model/phase';
import { CatalogSpec, HttpMethod, PeerSpec, PortProtocol, ServiceSpec } from '../../src/model/types';
import { catalogSpecArb } from '../support/arbitraries';
import { propertyRuns } from '../support/property-runs';

/** `api`: an HTTP port, an unnamed admin port and a metrics port; two routes on the HTTP port. */
function api(extra: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    name: 'api',
    ports: [
      { name: 'http', port: 80, targetPort: 8080, protocol: PortProtocol.HTTP },
      { port: 8081, protocol: PortProtocol.TCP },
      { name: 'metrics', port: 9090, protocol: PortProtocol.HTTP, metrics: true },
    ],
    routes: [
      { name: 'list', http: { method: HttpMethod.GET, pathPrefix: '/items' }, port: 'http', timeout: '1s' },
      { name: 'create', http: { method: HttpMethod.POST, path: '/items' }, port: 'http', timeout: '1s' },
    ],
    ...extra,
  };
}

function catalog(services: ServiceSpec[], peers?: PeerSpec[], extra: Partial<CatalogSpec> = {}): ServiceCatalog {
  return ServiceCatalog.fromSpec({ namespace: 'shop', ...(peers ? { peers } : {}), ...extra, services });
}

function findings(rule: string, c: ServiceCatalog, phase: Phase): LintFinding[] {
  return lintPhase(c._resolved, phase, []).findings.filter(f => f.rule === rule);
}

function subjects(rule: string, c: ServiceCatalog, phase: Phase): string[] {
  return findings(rule, c, phase).map(f => `${f.severity} ${f.subject}`);
}

describe('the rule set', () => {
  test('the exposure and peer rules are registered with ids, severities and descriptions', () => {
    const rules = new Map(CATALOG_LINT_RULES.map(r => [r.id, r]));
    for (const id of ['exposed-without-route-restriction', 'exposed-all-ports', 'world-caller', 'metrics-port-exposed', 'unused-peer', 'peer-without-identity']) {
      expect(rules.get(id)).toMatchObject({ id, severity: 'warning' });
      expect(rules.get(id)!.description.length).toBeGreaterThan(20);
      expect(lintRuleIds()).toContain(id);
    }
  });
});

describe('exposed-without-route-restriction (from callers)', () => {
  test('exposed: true with routes: suggests limiting the ingress controller to them', () => {
    const [f] = findings('exposed-without-route-restriction', catalog([api({ exposed: true })]), Phase.CILIUM);
    expect(f).toMatchObject({ severity: 'warning', subject: 'service shop/api', service: 'shop/api' });
    expect(f.message).toBe('exposed: true lets the ingress controller send any request to http (80), metrics (9090), although the service declares routes (create, list) the cilium phase could limit it to');
    expect(f.fix).toBe('limit the ingress to the routes the outside needs: callers: [{ peer: ingress-controller, routes: [create, list] }] instead of exposed: true');
  });

  test('a callers entry without routes is flagged the same way; one with routes is not', () => {
    expect(findings('exposed-without-route-restriction', catalog([api({ callers: [{ peer: 'ingress-controller', port: 'http' }] })]), Phase.ISTIO)[0].message)
      .toMatch(/^its callers entry lets the ingress controller send any request to http \(80\)/);
    expect(subjects('exposed-without-route-restriction', catalog([api({ callers: [{ peer: 'ingress-controller', routes: ['list'] }] })]), Phase.ISTIO)).toEqual([]);
    // Only opaque ports exposed: nothing to limit.
    expect(subjects('exposed-without-route-restriction', catalog([api({ callers: [{ peer: 'ingress-controller', port: 8081 }] })]), Phase.ISTIO)).toEqual([]);
  });

  test('a service without routes keeps the original advice; baseline cannot limit requests', () => {
    const bare = catalog([{ name: 'api', ports: [{ name: 'http', port: 80, protocol: PortProtocol.HTTP }], exposed: true }]);
    const [f] = findings('exposed-without-route-restriction', bare, Phase.LINKERD);
    expect(f.message).toBe('exposed to the ingress with no routes: the linkerd phase could limit outside traffic to declared methods and paths, but lets every request through');
    expect(f.fix).toMatch(/^declare the routes the outside may call/);
    expect(subjects('exposed-without-route-restriction', bare, Phase.BASELINE)).toEqual([]);
  });

  test('a limited ingress caller (not `exposed: true`) is judged too', () => {
    const c = catalog([api({ callers: [{ peer: 'ingress-controller', ports: ['http', 'metrics'] }] })]);
    expect(c._resolved.service('shop/api').callers.map(x => x.source)).toEqual(['caller', 'metrics']);
    expect(subjects('exposed-without-route-restriction', c, Phase.CILIUM)).toEqual(['warning service shop/api']);
  });
});

describe('exposed-all-ports', () => {
  test('exposed: true on a service with several ports names them and the metrics port', () => {
    const [f] = findings('exposed-all-ports', catalog([api({ exposed: true })]), Phase.BASELINE);
    expect(f).toMatchObject({ severity: 'warning', subject: 'service shop/api', service: 'shop/api' });
    expect(f.message).toBe('exposed: true lets the ingress controller call every port: http (80), 8081, metrics (9090) (the metrics port metrics (9090) included)');
    expect(f.fix).toBe('replace exposed: true by the ports (or routes) the outside needs: callers: [{ peer: ingress-controller, ports: [http] }]');
  });

  test('a single-port service, or limited callers, are fine', () => {
    expect(subjects('exposed-all-ports', catalog([{ name: 'web', ports: [{ port: 80 }], exposed: true }]), Phase.BASELINE)).toEqual([]);
    expect(subjects('exposed-all-ports', catalog([api({ callers: [{ peer: 'ingress-controller', port: 'http' }] })]), Phase.BASELINE)).toEqual([]);
  });

  test('opaque ports only: suggests the first one by number', () => {
    const c = catalog([{ name: 'db', ports: [{ port: 5432 }, { port: 9187, metrics: true }], exposed: true }]);
    expect(findings('exposed-all-ports', c, Phase.BASELINE)[0].fix).toContain('ports: [5432]');
  });
});

describe('world-caller', () => {
  test('the built-in world as a caller is flagged with the ports and routes; a partner range is not', () => {
    const c = catalog([
      api({ callers: [{ peer: 'world', port: 'http', routes: ['list'] }, { peer: 'partner', port: 8081 }] }),
    ], [{ name: 'partner', world: true, cidrs: ['198.51.100.0/24'] }]);
    const [f] = findings('world-caller', c, Phase.CILIUM);
    expect(findings('world-caller', c, Phase.CILIUM)).toHaveLength(1);
    expect(f).toMatchObject({ severity: 'warning', subject: 'service shop/api caller world', service: 'shop/api' });
    expect(f.message).toMatch(/^peer world \(0\.0\.0\.0\/0, ::\/0\) may call http \(80\) \(routes list\) straight from outside the cluster/);
    expect(f.fix).toMatch(/through the ingress controller/);
  });

  test('a redeclared world that still covers everything is flagged; one limited to a range is not', () => {
    const open = catalog([api({ callers: [{ peer: 'world', port: 80 }] })], [{ name: 'world', world: true, cidrs: ['::/0'] }]);
    expect(subjects('world-caller', open, Phase.BASELINE)).toEqual(['warning service shop/api caller world']);
    const narrow = catalog([api({ callers: [{ peer: 'world', port: 80 }] })], [{ name: 'world', world: true, cidrs: ['203.0.113.0/24'] }]);
    expect(subjects('world-caller', narrow, Phase.BASELINE)).toEqual([]);
  });
});

describe('metrics-port-exposed', () => {
  test('exposed: true opens the metrics port to the ingress controller', () => {
    const [f] = findings('metrics-port-exposed', catalog([api({ exposed: true })]), Phase.BASELINE);
    expect(f).toMatchObject({ subject: 'service shop/api port metrics', service: 'shop/api' });
    expect(f.message).toBe('metrics port metrics (9090) is open to ingress-controller (exposed: true opens every port): metrics reveal internals (versions, paths, load) to outside callers');
    expect(f.fix).toContain('instead of exposed: true');
  });

  test('the world on the metrics port, by number; other peers are fine', () => {
    const c = catalog([api({ callers: [{ peer: 'world', port: 9090 }, { peer: 'cluster', port: 'metrics' }] })]);
    expect(findings('metrics-port-exposed', c, Phase.BASELINE).map(f => f.message)).toEqual([
      'metrics port metrics (9090) is open to world: metrics reveal internals (versions, paths, load) to outside callers',
    ]);
    expect(subjects('metrics-port-exposed', catalog([api({ callers: [{ peer: 'ingress-controller', port: 'http' }] })]), Phase.BASELINE)).toEqual([]);
  });
});

describe('unused-peer', () => {
  test('a declared peer nobody uses; peers used as callers, callees or by a version are fine; built-ins never count', () => {
    const c = catalog([
      api({ callers: [{ peer: 'ops', port: 8081 }], versions: [{ name: 'v1', weight: 90 }, { name: 'v2', weight: 10, calls: [{ peer: 'partner', port: 443 }] }] }),
      { name: 'job', clientOnly: true, calls: [{ peer: 'batch', port: 5432 }] },
    ], [
      { name: 'ops', namespace: 'ops' },
      { name: 'partner', world: true, cidrs: ['198.51.100.0/24'] },
      { name: 'batch', namespace: 'batch' },
      { name: 'forgotten', namespace: 'legacy', selector: { app: 'old' } },
    ]);
    const found = findings('unused-peer', c, Phase.BASELINE);
    expect(found.map(f => `${f.severity} ${f.subject}`)).toEqual(['warning peer forgotten']);
    expect(found[0].service).toBeUndefined();
    expect(found[0].fix).toBe('name it where it is meant to apply (callers: [{ peer: forgotten }] or calls: [{ peer: forgotten, port }]), or remove it');
  });

  test('a redeclared monitoring peer without metrics ports says what uses it', () => {
    const c = catalog([{ name: 'web', ports: [{ port: 80 }] }], [{ name: 'monitoring', namespace: 'o11y' }]);
    const [f] = findings('unused-peer', c, Phase.BASELINE);
    expect(f.message).toContain('no port is marked metrics: true');
    expect(subjects('unused-peer', catalog([{ name: 'web', ports: [{ port: 80, metrics: true }] }], [{ name: 'monitoring', namespace: 'o11y' }]), Phase.BASELINE)).toEqual([]);
  });
});

describe('peer-without-identity', () => {
  const peers: PeerSpec[] = [
    { name: 'reporting', namespace: 'analytics', selector: { app: 'reporting' } },
    { name: 'reporting-sa', namespace: 'analytics', selector: { app: 'reporting' }, serviceAccount: 'reporting' },
    { name: 'batch', namespace: 'batch' },
    { name: 'agents', allNamespaces: true, selector: { role: 'agent' } },
    { name: 'scraper', namespace: 'o11y', selector: { app: 'vm' }, meshed: false },
  ];
  const c = catalog([api({ callers: peers.map(p => ({ peer: p.name, port: 8081 })) })], peers);

  test('in mesh phases: labelled meshed peers without a service account', () => {
    expect(subjects('peer-without-identity', c, Phase.ISTIO)).toEqual([
      'warning service shop/api caller agents',
      'warning service shop/api caller reporting',
    ]);
    const reporting = findings('peer-without-identity', c, Phase.LINKERD).find(f => f.subject.endsWith('reporting'))!;
    expect(reporting.message).toBe('peer reporting is the pods labelled app=reporting in analytics, but mesh identity is per service account: the linkerd phase authorizes every workload in namespace analytics, and only the L4 layer below narrows it to the labels');
    expect(reporting.fix).toBe('give the peer\'s service account (peers: [{ name: reporting, namespace: analytics, serviceAccount: ... }])');
    const agents = findings('peer-without-identity', c, Phase.ISTIO).find(f => f.subject.endsWith('agents'))!;
    expect(agents.message).toContain('authorizes every meshed workload of the cluster');
  });

  test('not in phases without mesh identity', () => {
    expect(subjects('peer-without-identity', c, Phase.BASELINE)).toEqual([]);
    expect(subjects('peer-without-identity', c, Phase.CILIUM)).toEqual([]);
  });
});

describe('suppressions of the new rules', () => {
  test('a per-service finding is suppressed with its reason and does not count', () => {
    const c = catalog([api({
      exposed: true,
      suppress: [
        { rule: 'exposed-all-ports', reason: 'the admin port is firewalled at the load balancer' },
        { rule: 'metrics-port-exposed', reason: 'public status page' },
      ],
    })]);
    const report = lintPhase(c._resolved, Phase.BASELINE, []);
    const byRule = new Map(report.findings.map(f => [f.rule, f]));
    expect(byRule.get('exposed-all-ports')!.suppressed).toBe('the admin port is firewalled at the load balancer');
    expect(byRule.get('metrics-port-exposed')!.suppressed).toBe('public status page');
    expect(report.ok).toBe(true);
    // Suppressed findings are listed last.
    expect(report.findings.slice(-2).map(f => f.rule)).toEqual(['exposed-all-ports', 'metrics-port-exposed']);
    expect(formatLintText(report)).toMatch(/lint: 0 error\(s\), 0 warning\(s\), 2 suppressed: OK\n$/);
  });

  test('the new rule ids are known to suppressions (no unknown-lint-rule)', () => {
    const c = catalog([api({ suppress: [{ rule: 'world-caller', reason: 'a public API' }, { rule: 'peer-without-identity', reason: 'the L4 layer narrows it' }] })]);
    expect(lintPhase(c._resolved, Phase.BASELINE, []).findings.filter(f => f.rule === 'unknown-lint-rule')).toEqual([]);
  });
});

describe('on generated catalogs', () => {
  test('every phase lints every catalog; findings name known rules and existing services', () => {
    const known = new Set(lintRuleIds());
    fc.assert(
      fc.property(catalogSpecArb({ headerRoutes: true }), spec => {
        const c = ServiceCatalog.fromSpec(spec);
        const ids = new Set(c._resolved.services.map(s => s.id));
        for (const phase of [Phase.BASELINE, Phase.CILIUM, Phase.LINKERD, Phase.ISTIO]) {
          const report = lintPhase(c._resolved, phase, []);
          for (const f of report.findings) {
            expect(known.has(f.rule)).toBe(true);
            expect(f.subject).not.toBe('');
            expect(f.fix).not.toBe('');
            expect(f.service === undefined || ids.has(f.service)).toBe(true);
          }
          // Only catalog rules ran: generated catalogs break none of the error rules.
          expect(report.ok).toBe(true);
        }
      }),
      { seed: 4242, numRuns: propertyRuns(60) },
    );
  });
});

describe('version-calls-shared-identity', () => {
  const canary = (serviceAccount?: string) => catalog([
    api({
      versions: [
        { name: 'v1', weight: 90 },
        { name: 'v2', weight: 10, ...(serviceAccount ? { serviceAccount } : {}), calls: [{ service: 'search', port: 'http' }] },
      ],
    }),
    { name: 'search', ports: [{ name: 'http', port: 80, protocol: PortProtocol.HTTP }] },
  ]);

  test('mesh phases: a version calling on its own under the shared service account is flagged, with the fix', () => {
    const [f] = findings('version-calls-shared-identity', canary(), Phase.ISTIO);
    expect(f).toMatchObject({ severity: 'warning', subject: 'service shop/api version v2', service: 'shop/api' });
    expect(f.message).toBe('version v2 alone calls shop/search, but runs as service account api like version(s) v1: the istio phase authorizes the identity, '
      + 'so their pods may make those calls too as far as the mesh is concerned (the L4 layer below still separates them by labels)');
    expect(f.fix).toBe('give the version its own service account (versions: [{ name: v2, serviceAccount: api-v2 }])');
    expect(subjects('version-calls-shared-identity', canary(), Phase.LINKERD)).toEqual(['warning service shop/api version v2']);
  });

  test('not with a service account of its own, and not in the L4 phases', () => {
    expect(findings('version-calls-shared-identity', canary('api-canary'), Phase.ISTIO)).toEqual([]);
    expect(findings('version-calls-shared-identity', canary(), Phase.BASELINE)).toEqual([]);
    expect(findings('version-calls-shared-identity', canary(), Phase.CILIUM)).toEqual([]);
  });
});
