import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { ISSUE_CATALOG, SHOP_CATALOG, runCli, tmpDir } from '../support/cli';
import { validateWithCrdSchemas } from '../support/crd-schemas';


const tmp = (): string => tmpDir('mesh-ladder-linkerd-');

describe('mesh-ladder synth --phase linkerd', () => {
  test('writes the shop example: Linkerd policy, routes, the Cilium L4 layer, valid objects', async () => {
    const dir = tmp();
    const result = await runCli('synth', SHOP_CATALOG, '--phase', 'linkerd', '--out', dir);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^linkerd: wrote \d+ objects to /);
    const out = path.join(dir, 'linkerd');
    const kustomization = YAML.parse(fs.readFileSync(path.join(out, 'kustomization.yaml'), 'utf8'));
    expect(kustomization.resources).toEqual(expect.arrayContaining([
      '_cluster/namespace-shop.yaml',
      'shop/server-checkout-grpc.yaml',
      'shop/grpcroute-checkout-grpc-place-order.yaml',
      'shop/authorizationpolicy-checkout-grpc-place-order.yaml',
      'shop/meshtlsauthentication-frontend-http.yaml',
      'shop/grpcroute-checkout-grpc-get-order-outbound.yaml',
      'shop/service-catalog-v2.yaml',
      'shop/httproute-catalog-http-outbound.yaml',
      'shop/ciliumnetworkpolicy-allow-mesh-control-plane.yaml',
    ]));
    const objects = kustomization.resources.map((f: string) => YAML.parse(fs.readFileSync(path.join(out, f), 'utf8')));
    expect(objects.every((o: any) => o.metadata.labels['mesh-ladder.dev/phase'] === 'linkerd')).toBe(true);
    expect(objects.find((o: any) => o.kind === 'Namespace' && o.metadata.name === 'shop').metadata.annotations['linkerd.io/inject']).toBe('enabled');
    expect(validateWithCrdSchemas(objects).problems).toEqual([]);
  });

  test('an unexpressible catalog exits 2 and writes nothing', async () => {
    const dir = tmp();
    const catalog = path.join(dir, 'catalog.yaml');
    fs.writeFileSync(catalog, [
      'namespace: shop',
      'linkerd: { l4: none }',
      'services:',
      '  - name: dns',
      '    ports: [{ name: dns, port: 53, protocol: udp }]',
      '',
    ].join('\n'));
    const result = await runCli('synth', catalog, '--phase', 'linkerd', '--out', path.join(dir, 'dist'));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/Linkerd proxies TCP only/);
    expect(fs.existsSync(path.join(dir, 'dist'))).toBe(false);
  });
});

describe('mesh-ladder check --phase linkerd', () => {
  test('the shop example: exactly the declared flows and requests', async () => {
    const result = await runCli('check', SHOP_CATALOG, '--phase', 'linkerd');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^phase: linkerd\n/);
    // The declared kubelet probe paths are authorized by network (every client the L4 layer admits): tolerated.
    expect(result.stdout).toMatch(/Linkerd \+ Cilium: \d+ declared, \d+ allowed, 0 missing, 0 unexpected, \d+ tolerated; L7 requests: \d+ declared, \d+ allowed, 0 missing, 0 unexpected, \d+ tolerated \(declared kubelet probes, allowWiderEnforcement\): OK\n$/);
  });

  test('the issue example as JSON: the route-limited call is allowed its route and refused the others', async () => {
    const result = await runCli('check', ISSUE_CATALOG, '--phase', 'linkerd', '--format', 'json');
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json).toMatchObject({ phase: 'linkerd', evaluator: 'Linkerd + Cilium', ok: true, requests: { summary: { missing: 0, unexpected: 0 } } });
    expect(json.requests.allowed).toContainEqual({ from: 'shop/frontend', to: 'shop/checkout', port: 5050, protocol: 'TCP', method: 'POST', path: '/shop.Checkout/PlaceOrder', route: 'place-order' });
    expect(json.requests.allowed).not.toContainEqual(expect.objectContaining({ from: 'shop/frontend', to: 'shop/checkout', path: '/shop.Checkout/GetOrder' }));
  });

  test('PERMISSIVE: passes, with what ENFORCED would refuse listed as audit warnings', async () => {
    const dir = tmp();
    const catalog = path.join(dir, 'catalog.yaml');
    fs.writeFileSync(catalog, fs.readFileSync(ISSUE_CATALOG, 'utf8') + '\nlinkerd: { mode: permissive }\n');
    const result = await runCli('check', catalog, '--phase', 'linkerd');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('WARNING audit: shop/frontend -> shop/checkout 5050/TCP POST /shop.Checkout/GetOrder is allowed only by audit; ENFORCED mode denies it');
  });
});
