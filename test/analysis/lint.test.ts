import * as path from 'path';
import {
  collectHttpRoutes, effectiveRetries, formatLintText, LINT_RULES, lintManifests, MAX_RETRIES_LINT_FLOOR, routeIsIdempotent,
} from '../../src/analysis/lint';
import { ServiceCatalog } from '../../src/model/catalog';
import { HttpMethod, PortProtocol } from '../../src/model/types';
import { synthIstio } from '../phases/istio/support';
import { Manifest } from '../support/synth';

const vs = (http: Array<Record<string, unknown>>, name = 'api', namespace = 'shop'): Manifest => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name, namespace },
  spec: { hosts: [`${name}.${namespace}.svc.cluster.local`], http },
});
const dest = [{ destination: { host: 'api.shop.svc.cluster.local' } }];
const rules = (manifests: Manifest[], catalog?: ServiceCatalog) => lintManifests(manifests, { catalog: catalog?._resolved }).findings.map(f => `${f.rule} ${f.route}`);

describe('the rule set', () => {
  test('every rule has an id, a severity and a description', () => {
    expect(LINT_RULES.map(r => [r.id, r.severity])).toEqual([
      ['implicit-default-retries', 'error'],
      ['retry-non-idempotent', 'error'],
      ['fault-with-retries-or-timeout', 'warning'],
      ['retry-budget-exceeds-timeout', 'warning'],
      ['max-retries-caps-route-retries', 'warning'],
    ]);
    expect(LINT_RULES.every(r => r.description.length > 20)).toBe(true);
  });
});

describe('implicit-default-retries', () => {
  test('a route without a retries block is an error naming Istio\'s defaults and the fix', () => {
    const report = lintManifests([vs([{ name: 'create', match: [{ method: { exact: 'POST' } }], route: dest }])]);
    expect(report.ok).toBe(false);
    expect(report.findings).toHaveLength(1);
    const f = report.findings[0];
    expect(f).toMatchObject({ rule: 'implicit-default-retries', severity: 'error', subject: 'VirtualService shop/api route create', route: 'create' });
    expect(f.message).toMatch(/2 times on connect-failure, refused-stream, unavailable, cancelled, retriable-status-codes/);
    expect(f.fix).toMatch(/attempts: 0/);
  });

  test('explicit attempts: 0 is fine', () => {
    expect(rules([vs([{ name: 'create', retries: { attempts: 0 }, route: dest }])])).toEqual([]);
  });
});

describe('retry-non-idempotent', () => {
  test('retrying a POST after it may have been processed is an error; pre-request conditions are fine', () => {
    const manifests = [vs([
      { name: 'bad', match: [{ method: { exact: 'POST' } }], retries: { attempts: 2, retryOn: '5xx,connect-failure' }, route: dest },
      { name: 'default-on', match: [{ method: { exact: 'PATCH' } }], retries: { attempts: 1 }, route: dest },
      { name: 'safe', match: [{ method: { exact: 'POST' } }], retries: { attempts: 2, retryOn: 'connect-failure,refused-stream,reset-before-request' }, route: dest },
      { name: 'get', match: [{ method: { exact: 'GET' } }], retries: { attempts: 2, retryOn: '5xx' }, route: dest },
      { name: 'mixed', match: [{ method: { exact: 'GET' } }, { method: { exact: 'POST' } }], retries: { attempts: 2, retryOn: 'gateway-error' }, route: dest },
      { name: 'any', retries: { attempts: 2, retryOn: 'reset' }, route: dest },
    ])];
    expect(rules(manifests).sort()).toEqual(['retry-non-idempotent any', 'retry-non-idempotent bad', 'retry-non-idempotent default-on', 'retry-non-idempotent mixed']);
    const defaultOn = lintManifests(manifests).findings.find(f => f.route === 'default-on')!;
    expect(defaultOn.message).toMatch(/Istio's default retryOn/);
  });

  test('with the catalog, declared idempotency decides (gRPC and POST routes declared idempotent may retry)', () => {
    const catalog = ServiceCatalog.fromSpec({
      namespace: 'shop',
      services: [{
        name: 'api',
        ports: [{ port: 80, protocol: PortProtocol.HTTP2 }],
        routes: [
          { name: 'refund', http: { method: HttpMethod.POST, path: '/refunds' }, idempotent: true },
          { name: 'get', grpc: { service: 'a.B', method: 'Get' }, idempotent: true },
          { name: 'put', http: { method: HttpMethod.PUT, path: '/x' }, idempotent: false },
        ],
      }],
    });
    const manifests = [vs([
      { name: 'refund', match: [{ method: { exact: 'POST' } }], retries: { attempts: 2, retryOn: 'gateway-error' }, route: dest },
      { name: 'get', match: [{ uri: { exact: '/a.B/Get' } }], retries: { attempts: 2, retryOn: 'unavailable' }, route: dest },
      { name: 'put', match: [{ method: { exact: 'PUT' } }], retries: { attempts: 2, retryOn: '5xx' }, route: dest },
    ])];
    expect(rules(manifests, catalog).sort()).toEqual(['retry-non-idempotent put']);
    expect(rules(manifests).sort()).toEqual(['retry-non-idempotent get', 'retry-non-idempotent refund']);
    const routes = collectHttpRoutes(manifests, catalog._resolved);
    expect(routes.map(r => [r.name, r.service?.id, r.catalogRoute?.name, routeIsIdempotent(r)])).toEqual([
      ['refund', 'shop/api', 'refund', true],
      ['get', 'shop/api', 'get', true],
      ['put', 'shop/api', 'put', false],
    ]);
  });

  test('the catch-all never counts as idempotent', () => {
    expect(rules([vs([{ name: 'catch-all', retries: { attempts: 1, retryOn: 'gateway-error' }, route: dest }])])).toEqual(['retry-non-idempotent catch-all']);
  });

  test('effective retries fill in Istio\'s defaults', () => {
    expect(effectiveRetries({})).toEqual({ attempts: 2, retryOn: ['connect-failure', 'refused-stream', 'unavailable', 'cancelled', 'retriable-status-codes'], implicit: true });
    expect(effectiveRetries({ retries: { attempts: 3 } }).retryOn).toContain('unavailable');
    expect(effectiveRetries({ retries: { attempts: 0, retryOn: '5xx' } }).attempts).toBe(0);
  });
});

describe('fault-with-retries-or-timeout', () => {
  test('a fault on a route with retries or a timeout is a warning; a bare fault route is fine', () => {
    const report = lintManifests([vs([
      { name: 'a', fault: { abort: { httpStatus: 503, percentage: { value: 5 } } }, retries: { attempts: 0 }, timeout: '2s', route: dest },
      { name: 'b', fault: { abort: { httpStatus: 503 } }, match: [{ method: { exact: 'GET' } }], retries: { attempts: 2, retryOn: '5xx' }, route: dest },
      { name: 'c-fault-injection', fault: { delay: { fixedDelay: '1s' } }, retries: { attempts: 0 }, route: dest },
    ])]);
    expect(report.ok).toBe(true);
    expect(report.findings.map(f => `${f.rule} ${f.route} ${f.severity}`)).toEqual([
      'fault-with-retries-or-timeout a warning',
      'fault-with-retries-or-timeout b warning',
    ]);
    expect(report.findings[0].message).toMatch(/timeout 2s/);
    expect(report.findings[1].message).toMatch(/retries \(2 attempts\)/);
    expect(report.findings[0].fix).toMatch(/headers/);
  });
});

describe('retry-budget-exceeds-timeout', () => {
  test('attempts x perTryTimeout above the route timeout is a warning', () => {
    const report = lintManifests([vs([
      { name: 'over', match: [{ method: { exact: 'GET' } }], retries: { attempts: 3, perTryTimeout: '0.5s', retryOn: '5xx' }, timeout: '1s', route: dest },
      { name: 'fits', match: [{ method: { exact: 'GET' } }], retries: { attempts: 2, perTryTimeout: '500ms', retryOn: '5xx' }, timeout: '1s', route: dest },
      { name: 'no-per-try', match: [{ method: { exact: 'GET' } }], retries: { attempts: 5, retryOn: '5xx' }, timeout: '1s', route: dest },
    ])]);
    expect(report.findings.map(f => f.route)).toEqual(['over']);
    expect(report.findings[0].message).toMatch(/3 attempts x perTryTimeout 0\.5s = 1500ms exceeds the route timeout 1s/);
  });
});

describe('on the istio phase\'s output', () => {
  const SHOP = ServiceCatalog.fromFile(path.join(__dirname, '..', '..', 'examples', 'shop', 'catalog.yaml'));

  test('the shop is clean', () => {
    const report = lintManifests(synthIstio(SHOP), { catalog: SHOP._resolved });
    expect(report.findings).toEqual([]);
    expect(formatLintText(report)).toBe('lint: 0 error(s), 0 warning(s): OK\n');
  });

  test('an unscoped fault and a tight retry budget are flagged, naming the service and route', () => {
    const catalog = ServiceCatalog.fromSpec({
      namespace: 'shop',
      services: [{
        name: 'api',
        ports: [{ port: 80, protocol: PortProtocol.HTTP }],
        routes: [
          { name: 'chaos', http: { method: HttpMethod.GET, path: '/x' }, fault: { abort: { httpStatus: 500, percent: 1 } } },
          { name: 'tight', http: { method: HttpMethod.GET, path: '/y' }, timeout: '1s', retries: { attempts: 3, perTryTimeout: '500ms' } },
        ],
      }],
    });
    const report = lintManifests(synthIstio(catalog), { catalog: catalog._resolved });
    expect(report.ok).toBe(true);
    expect(report.findings.map(f => [f.rule, f.service, f.route])).toEqual([
      ['fault-with-retries-or-timeout', 'shop/api', 'chaos'],
      ['retry-budget-exceeds-timeout', 'shop/api', 'tight'],
    ]);
    expect(formatLintText(report)).toMatch(/^warning fault-with-retries-or-timeout VirtualService shop\/api route chaos: .*Fix: /m);
  });
});

describe('max-retries-caps-route-retries (Envoy max_retries: concurrent retries to the host from all callers)', () => {
  const dr = (maxRetries: number): Manifest => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name: 'api', namespace: 'shop' },
    spec: { host: 'api.shop.svc.cluster.local', trafficPolicy: { connectionPool: { http: { maxRetries } } } },
  });
  const retried = vs([{ name: 'get', match: [{ method: { exact: 'GET' } }], route: dest, retries: { attempts: 3, retryOn: 'connect-failure' } }]);
  const notRetried = vs([{ name: 'get', match: [{ method: { exact: 'GET' } }], route: dest, retries: { attempts: 0 } }]);

  test('a small cap on a host whose routes retry warns, naming the routes; a cap of 10 or more, or no retried route, does not', () => {
    const findings = lintManifests([retried, dr(3)]).findings.filter(f => f.rule === 'max-retries-caps-route-retries');
    expect(findings).toEqual([expect.objectContaining({
      severity: 'warning',
      subject: 'DestinationRule shop/api',
      message: expect.stringContaining('maxRetries 3 is Envoy\'s cap on retries in flight to api.shop.svc.cluster.local from all callers at once, not a per-request count: under load, retries of get beyond 3'),
    })]);
    expect(lintManifests([retried, dr(MAX_RETRIES_LINT_FLOOR)]).findings.filter(f => f.rule === 'max-retries-caps-route-retries')).toEqual([]);
    expect(lintManifests([notRetried, dr(1)]).findings.filter(f => f.rule === 'max-retries-caps-route-retries')).toEqual([]);
  });

  test('from the catalog: istio.trafficPolicy.maxRetries 2 with a retried route warns on that service only', () => {
    const catalog = ServiceCatalog.fromSpec({
      namespace: 'shop',
      istio: { trafficPolicy: { maxRetries: 2 } },
      services: [
        { name: 'api', ports: [{ name: 'http', port: 80, protocol: PortProtocol.HTTP }], routes: [{ name: 'get', http: { method: HttpMethod.GET, path: '/x' }, retries: { attempts: 2 } }] },
        { name: 'web', ports: [{ name: 'http', port: 80, protocol: PortProtocol.HTTP }] },
      ],
    });
    const findings = lintManifests(synthIstio(catalog), { catalog: catalog._resolved }).findings.filter(f => f.rule === 'max-retries-caps-route-retries');
    expect(findings.map(f => [f.subject, f.service])).toEqual([['DestinationRule shop/api', 'shop/api']]);
  });
});
