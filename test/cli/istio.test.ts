import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { ISSUE_CATALOG, SHOP_CATALOG, runCli, tmpDir } from '../support/cli';
import { validateWithCrdSchemas } from '../support/crd-schemas';


const tmp = (): string => tmpDir('mesh-ladder-istio-');

describe('mesh-ladder synth --phase istio', () => {
  test('writes the shop example: every Istio kind plus the Cilium layer, valid objects', async () => {
    const dir = tmp();
    const result = await runCli('synth', SHOP_CATALOG, '--phase', 'istio', '--out', dir);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^istio: wrote \d+ objects to /);
    const out = path.join(dir, 'istio');
    const kustomization = YAML.parse(fs.readFileSync(path.join(out, 'kustomization.yaml'), 'utf8'));
    expect(kustomization.resources).toEqual(expect.arrayContaining([
      '_cluster/namespace-shop.yaml',
      'shop/peerauthentication-default.yaml',
      'shop/authorizationpolicy-allow-nothing.yaml',
      'payments/authorizationpolicy-charge.yaml',
      'payments/virtualservice-charge.yaml',
      'shop/destinationrule-catalog.yaml',
      'shop/sidecar-checkout.yaml',
      'payments/serviceentry-external-api.stripe.com.yaml',
      'shop/telemetry-tracing.yaml',
      'shop/ciliumnetworkpolicy-checkout.yaml',
    ]));
    const objects = kustomization.resources.map((f: string) => YAML.parse(fs.readFileSync(path.join(out, f), 'utf8')));
    expect(objects.every((o: any) => o.metadata.labels['mesh-ladder.dev/phase'] === 'istio')).toBe(true);
    expect(validateWithCrdSchemas(objects).problems).toEqual([]);
    const charge = YAML.parse(fs.readFileSync(path.join(out, 'payments/virtualservice-charge.yaml'), 'utf8'));
    expect(charge.spec.http.every((r: any) => r.retries !== undefined)).toBe(true);
  });

  test('an L4 layer that cannot express a call exits 2 with the way out, writing nothing', async () => {
    const dir = tmp();
    const catalog = path.join(dir, 'catalog.yaml');
    fs.writeFileSync(catalog, [
      'namespace: shop',
      'istio: { l4: networkpolicy }',
      'services:',
      '  - name: web',
      '    ports: [{ port: 80, protocol: http }]',
      '    calls: [{ host: api.example.com, port: 443, protocol: tls }]',
      '',
    ].join('\n'));
    const result = await runCli('synth', catalog, '--phase', 'istio', '--out', path.join(dir, 'dist'));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/api\.example\.com.*cidrs.*istio\.l4: cilium/s);
    expect(fs.existsSync(path.join(dir, 'dist'))).toBe(false);
  });
});

describe('mesh-ladder check --phase istio', () => {
  test('the shop example passes at L4 and L7', async () => {
    const result = await runCli('check', SHOP_CATALOG, '--phase', 'istio');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^phase: istio\n/);
    // One-segment regexes are exact ({*}); the one regex Istio can only widen opts in and is listed.
    expect(result.stdout).toMatch(/Istio \+ Cilium: \d+ declared, \d+ allowed, 0 missing, 0 unexpected, \d+ tolerated; L7 requests: \d+ declared, \d+ allowed, 0 missing, 0 unexpected: OK\n$/);
    expect(result.stderr).toMatch(/^warning: istio: payments\/ledger \(1\):\n  - route "get-balance": the istio phase enforces it wider \(allowWiderEnforcement\): peer backoffice may also send GET requests to paths matching \/accounts\/\{\*\}\/balance/m);
    expect(result.stderr).toMatch(/^istio: 1 warning on 1 service$/m);
  });

  test('the issue example as JSON: the allowed and the refused request of a route-limited call', async () => {
    const result = await runCli('check', ISSUE_CATALOG, '--phase', 'istio', '--format', 'json');
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json).toMatchObject({ phase: 'istio', evaluator: 'Istio + Cilium', ok: true, requests: { summary: { missing: 0, unexpected: 0 } } });
    const placeOrder = { from: 'shop/frontend', to: 'shop/checkout', port: 5050, protocol: 'TCP', method: 'POST', path: '/shop.Checkout/PlaceOrder', route: 'place-order' };
    expect(json.requests.allowed).toContainEqual(placeOrder);
    expect(json.requests.allowed).not.toContainEqual(expect.objectContaining({ from: 'shop/frontend', to: 'shop/checkout', path: '/shop.Checkout/GetOrder' }));
  });

  test('PERMISSIVE mode fails the check: authorization is only audited', async () => {
    const dir = tmp();
    const catalog = path.join(dir, 'catalog.yaml');
    fs.writeFileSync(catalog, fs.readFileSync(ISSUE_CATALOG, 'utf8') + 'istio: { mode: permissive }\n');
    const result = await runCli('check', catalog, '--phase', 'istio');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/dry-run \(PERMISSIVE mode\): logged, not enforced/);
    expect(result.stdout).toMatch(/UNEXPECTED REQUEST shop\/frontend -> shop\/checkout 5050\/TCP POST \/shop\.Checkout\/GetOrder/);
  });
});
