import * as fs from 'fs';
import * as path from 'path';
import { CATALOG_LINT_RULES, formatLintText, lintPhase, lintRuleIds } from '../../src/analysis/lint';
import { ServiceCatalog } from '../../src/model/catalog';
import { Phase } from '../../src/model/phase';
import { CatalogSpec, HttpMethod, MeshMode, PortProtocol, RouteSpec, ServiceSpec } from '../../src/model/types';
import { runCli, SHOP_CATALOG, tmpDir } from '../support/cli';

/** `web` calls `api`; `api` has the given routes and extra fields. */
function catalog(api: Partial<ServiceSpec> = {}, extra: Partial<CatalogSpec> = {}): ServiceCatalog {
  return ServiceCatalog.fromSpec({
    namespace: 'shop',
    ...extra,
    services: [
      { name: 'web', ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: PortProtocol.HTTP }], calls: [{ service: 'api' }] },
      { name: 'api', ports: [{ name: 'http', port: 8080, protocol: PortProtocol.HTTP }], ...api },
    ],
  });
}
const route = (r: Partial<RouteSpec>): RouteSpec => ({ name: 'get-item', http: { method: HttpMethod.GET, path: '/items' }, timeout: '1s', ...r });

/** Findings of one rule, as `severity subject`. */
function findings(rule: string, c: ServiceCatalog, phase: Phase): string[] {
  return lintPhase(c._resolved, phase, []).findings.filter(f => f.rule === rule).map(f => `${f.severity} ${f.subject}`);
}

describe('catalog lint rules', () => {
  test('every rule has a unique id, a severity and a description', () => {
    const ids = lintRuleIds();
    expect(new Set(ids).size).toBe(ids.length);
    expect(CATALOG_LINT_RULES.every(r => /^[a-z0-9]+(-[a-z0-9]+)*$/.test(r.id) && r.description.length > 20)).toBe(true);
  });

  test('retry-non-idempotent-route: a POST route that retries (on safe conditions)', () => {
    const post = { name: 'add', http: { method: HttpMethod.POST, path: '/items' }, retries: { attempts: 1, perTryTimeout: '200ms', on: ['connect-failure' as any] } };
    expect(findings('retry-non-idempotent-route', catalog({ routes: [route(post)] }), Phase.ISTIO)).toEqual(['warning service shop/api route add']);
    expect(findings('retry-non-idempotent-route', catalog({ routes: [route({ ...post, idempotent: true })] }), Phase.ISTIO)).toEqual([]);
  });

  test('retry-without-per-try-timeout', () => {
    expect(findings('retry-without-per-try-timeout', catalog({ routes: [route({ retries: { attempts: 2 } })] }), Phase.LINKERD)).toEqual(['warning service shop/api route get-item']);
    expect(findings('retry-without-per-try-timeout', catalog({ routes: [route({ retries: { attempts: 2, perTryTimeout: '300ms' } })] }), Phase.LINKERD)).toEqual([]);
  });

  test('retry-budget-over-timeout: attempts x perTryTimeout above the route timeout', () => {
    const over = lintPhase(catalog({ routes: [route({ timeout: '1s', retries: { attempts: 3, perTryTimeout: '400ms' } })] })._resolved, Phase.ISTIO, []).findings
      .find(f => f.rule === 'retry-budget-over-timeout')!;
    expect(over.message).toContain('3 attempts x perTryTimeout 400ms = 1200ms exceeds the route timeout 1s');
    expect(over.fix).toContain('at least 1200ms');
    expect(findings('retry-budget-over-timeout', catalog({ routes: [route({ timeout: '1s', retries: { attempts: 2, perTryTimeout: '400ms' } })] }), Phase.ISTIO)).toEqual([]);
  });

  test('route-without-timeout: in a mesh phase, unless istio has a default timeout', () => {
    const c = catalog({ routes: [route({ timeout: undefined })] });
    expect(findings('route-without-timeout', c, Phase.LINKERD)).toEqual(['warning service shop/api route get-item']);
    expect(findings('route-without-timeout', c, Phase.BASELINE)).toEqual([]);
    expect(findings('route-without-timeout', c, Phase.ISTIO)).toEqual([]); // istio.defaultTimeout applies
    expect(findings('route-without-timeout', catalog({ routes: [route({})] }), Phase.LINKERD)).toEqual([]);
  });

  test('fault-on-route-with-retries-or-timeout: only faults on every request', () => {
    const fault = { abort: { httpStatus: 503, percent: 10 } };
    expect(findings('fault-on-route-with-retries-or-timeout', catalog({ routes: [route({ fault })] }), Phase.ISTIO)).toEqual(['warning service shop/api route get-item']);
    expect(findings('fault-on-route-with-retries-or-timeout', catalog({ routes: [route({ fault: { ...fault, headers: { 'x-chaos': 'on' } } })] }), Phase.ISTIO)).toEqual([]);
    expect(findings('fault-on-route-with-retries-or-timeout', catalog({ routes: [route({ fault, timeout: undefined })] }), Phase.ISTIO)).toEqual([]);
  });

  test('certificate-renew-window: renewBefore under a third of the duration', () => {
    expect(findings('certificate-renew-window', catalog({}, { certificates: { duration: '2160h', renewBefore: '240h' } }), Phase.BASELINE))
      .toEqual(expect.arrayContaining(['warning certificates (catalog defaults)']));
    expect(findings('certificate-renew-window', catalog({}, { certificates: { duration: '2160h', renewBefore: '720h' } }), Phase.BASELINE)).toEqual([]);
  });

  test('ca-shorter-than-leaf: the CA must outlive leaf duration + renewBefore (a backstop: the model refuses such catalogs)', () => {
    const valid = catalog({}, { certificates: { duration: '2160h', renewBefore: '720h', caDuration: '43800h' } });
    expect(() => catalog({}, { certificates: { duration: '2160h', renewBefore: '720h', caDuration: '2500h', caRenewBefore: '100h' } })).toThrow(/must outlive/);
    const short = { ...valid._resolved, certificates: { ...valid._resolved.certificates, caDurationMs: 2500 * 3_600_000 } };
    const report = lintPhase(short, Phase.BASELINE, []);
    expect(report.findings.filter(f => f.rule === 'ca-shorter-than-leaf').map(f => `${f.severity} ${f.subject}`)).toContain('error certificates (catalog defaults)');
    expect(report.ok).toBe(false);
    expect(findings('ca-shorter-than-leaf', valid, Phase.BASELINE)).toEqual([]);
  });

  test('exposed-without-route-restriction: in phases that can restrict routes, until the ingress is limited to routes', () => {
    expect(findings('exposed-without-route-restriction', catalog({ exposed: true }), Phase.CILIUM)).toEqual(['warning service shop/api']);
    expect(findings('exposed-without-route-restriction', catalog({ exposed: true }), Phase.BASELINE)).toEqual([]);
    // Declaring routes is not enough: the ingress controller must be limited to them.
    expect(findings('exposed-without-route-restriction', catalog({ exposed: true, routes: [route({})] }), Phase.ISTIO)).toEqual(['warning service shop/api']);
    expect(findings('exposed-without-route-restriction', catalog({ callers: [{ peer: 'ingress-controller', routes: ['get-item'] }], routes: [route({})] }), Phase.ISTIO)).toEqual([]);
  });

  test('mtls-not-strict: a mesh phase left in permissive mode', () => {
    const permissive = catalog({}, { linkerd: { mode: MeshMode.PERMISSIVE } });
    expect(findings('mtls-not-strict', permissive, Phase.LINKERD)).toEqual(['warning namespace shop']);
    expect(findings('mtls-not-strict', permissive, Phase.ISTIO)).toEqual([]);
    expect(findings('mtls-not-strict', catalog(), Phase.LINKERD)).toEqual([]);
  });

  test('cilium-without-mutual-auth: when compliance needs mTLS', () => {
    expect(findings('cilium-without-mutual-auth', catalog({}, { readiness: { complianceMtls: true } }), Phase.CILIUM)).toEqual(['warning namespace shop']);
    expect(findings('cilium-without-mutual-auth', catalog({}, { readiness: { complianceMtls: true }, cilium: { mutualAuth: true } }), Phase.CILIUM)).toEqual([]);
    expect(findings('cilium-without-mutual-auth', catalog(), Phase.CILIUM)).toEqual([]);
  });

  test('host-call-in-baseline', () => {
    const c = catalog({ calls: [{ host: 'api.example.com', port: 443, cidrs: ['203.0.113.0/24'] }] });
    expect(findings('host-call-in-baseline', c, Phase.BASELINE)).toEqual(['warning service shop/api call api.example.com']);
    expect(findings('host-call-in-baseline', c, Phase.CILIUM)).toEqual([]);
  });
});

describe('suppressions', () => {
  test('a suppressed finding is listed with its reason and does not fail', () => {
    const c = catalog({ calls: [{ host: 'api.example.com', port: 443, cidrs: ['203.0.113.0/24'] }], suppress: [{ rule: 'host-call-in-baseline', reason: 'the provider publishes fixed ranges' }] });
    const report = lintPhase(c._resolved, Phase.BASELINE, []);
    const finding = report.findings.find(f => f.rule === 'host-call-in-baseline')!;
    expect(finding.suppressed).toBe('the provider publishes fixed ranges');
    expect(formatLintText(report)).toContain('suppressed warning host-call-in-baseline service shop/api call api.example.com');
    expect(formatLintText(report)).toMatch(/1 suppressed: OK\n$/);
  });

  test('an error on a service can be suppressed; catalog-wide findings cannot', () => {
    const c = catalog({ certificate: { duration: '2160h' }, suppress: [{ rule: 'ca-shorter-than-leaf', reason: 'the CA is rotated by hand every quarter' }] }, { certificates: { caDuration: '43800h' } });
    const short = { ...c._resolved, certificates: { ...c._resolved.certificates, caDurationMs: 2500 * 3_600_000 } };
    const report = lintPhase(short, Phase.BASELINE, []);
    const own = report.findings.filter(f => f.rule === 'ca-shorter-than-leaf');
    expect(own.find(f => f.service === 'shop/api')?.suppressed).toBe('the CA is rotated by hand every quarter');
    expect(own.find(f => f.service === undefined)?.suppressed).toBeUndefined();
    expect(report.ok).toBe(false);
  });

  test('an unknown rule id is an error', () => {
    const report = lintPhase(catalog({ suppress: [{ rule: 'route-without-timeouts', reason: 'typo' }] })._resolved, Phase.BASELINE, []);
    expect(report.ok).toBe(false);
    expect(report.findings[0]).toMatchObject({ rule: 'unknown-lint-rule', severity: 'error', service: 'shop/api' });
    expect(report.findings[0].fix).toContain('route-without-timeout');
  });

  test('manifest rules honour suppressions too', () => {
    const c = catalog({ routes: [route({})], suppress: [{ rule: 'implicit-default-retries', reason: 'test' }] });
    const vs = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'api', namespace: 'shop' }, spec: { hosts: ['api.shop.svc.cluster.local'], http: [{ name: 'get-item', route: [] }] } };
    const report = lintPhase(c._resolved, Phase.ISTIO, [vs]);
    expect(report.findings.find(f => f.rule === 'implicit-default-retries')?.suppressed).toBe('test');
    expect(report.ok).toBe(true);
  });
});

describe('mesh-ladder check with lint', () => {
  test('the shop passes every phase with only the warnings a phase teaches; its suppressions are shown with the reason', async () => {
    // baseline: its three host calls go by address; cilium: compliance mTLS without mutual
    // authentication in two namespaces; the meshes: none. The L7 phases also apply the
    // frontend's suppression of exposed-without-route-restriction.
    const expected: Record<string, [number, number]> = { baseline: [3, 3], cilium: [2, 4], linkerd: [0, 4], istio: [0, 4] };
    for (const [phase, [warnings, suppressed]] of Object.entries(expected)) {
      const { code, stdout } = await runCli('check', SHOP_CATALOG, '--phase', phase);
      expect({ phase, code }).toEqual({ phase, code: 0 });
      expect({ phase, lint: stdout.match(/^lint: .*$/m)?.[0] }).toEqual({ phase, lint: `lint: 0 error(s), ${warnings} warning(s), ${suppressed} suppressed: OK` });
      expect(stdout).toContain('suppressed warning retry-non-idempotent-route service payments/charge route create-charge');
      expect(stdout).toMatch(/: OK\n$/);
    }
  });

  test('JSON has the lint report and the reachability report', async () => {
    const { code, stdout } = await runCli('check', SHOP_CATALOG, '--phase', 'baseline', '--format', 'json');
    expect(code).toBe(0);
    const json = JSON.parse(stdout);
    expect(json).toMatchObject({ phase: 'baseline', ok: true, lint: { ok: true }, evaluator: 'NetworkPolicy' });
    expect(json.lint.findings.some((f: any) => f.rule === 'host-call-in-baseline' && f.service === 'shop/shipping')).toBe(true);
    expect(json.summary.missing).toBe(0);
  });

  test('a lint error fails check even when reachability is fine', async () => {
    const dir = tmpDir('mesh-ladder-lint-');
    const file = path.join(dir, 'catalog.yaml');
    fs.writeFileSync(file, 'services:\n  - name: api\n    ports: [{ name: http, port: 8080, protocol: http }]\n    suppress: [{ rule: no-such-rule, reason: typo }]\n');
    const { code, stdout } = await runCli('check', file);
    expect(code).toBe(1);
    expect(stdout).toContain('error unknown-lint-rule service default/api suppress no-such-rule');
    expect(stdout).toMatch(/^lint: 1 error\(s\), 0 warning\(s\): FAIL$/m);
    expect(stdout).toMatch(/NetworkPolicy: .*: OK\n$/);
  });
});
