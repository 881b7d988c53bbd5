import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { MeshLadderChart } from '../../src/chart';
import { runCheck } from '../../src/cli/check';
import { ServiceCatalog } from '../../src/model/catalog';
import { Phase } from '../../src/model/phase';
import { ISSUE_CATALOG, SHOP_CATALOG, runCli } from '../support/cli';
import { validateWithCrdSchemas } from '../support/crd-schemas';


describe('mesh-ladder synth --phase cilium', () => {
  test('writes the shop example: Cilium policies per namespace, a kustomization, valid objects', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-ladder-cilium-'));
    const result = await runCli('synth', SHOP_CATALOG, '--phase', 'cilium', '--out', dir);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^cilium: wrote \d+ objects to /);
    const out = path.join(dir, 'cilium');
    const kustomization = YAML.parse(fs.readFileSync(path.join(out, 'kustomization.yaml'), 'utf8'));
    expect(kustomization.resources).toEqual(expect.arrayContaining([
      '_cluster/namespace-shop.yaml',
      'payments/ciliumnetworkpolicy-default-deny.yaml',
      'payments/ciliumnetworkpolicy-allow-dns.yaml',
      'shop/ciliumnetworkpolicy-checkout.yaml',
    ]));
    expect(kustomization.resources.some((f: string) => f.includes('networkpolicy-') && !f.includes('cilium'))).toBe(false);
    const objects = kustomization.resources.map((f: string) => YAML.parse(fs.readFileSync(path.join(out, f), 'utf8')));
    expect(objects.every((o: any) => o.metadata.labels['mesh-ladder.dev/phase'] === 'cilium')).toBe(true);
    expect(validateWithCrdSchemas(objects).problems).toEqual([]);
    // The external payment API is matched by name.
    expect(JSON.stringify(objects)).toContain('"toFQDNs"');
  });
});

describe('mesh-ladder check --phase cilium', () => {
  test('the shop example passes at L3/L4 and L7', async () => {
    const result = await runCli('check', SHOP_CATALOG, '--phase', 'cilium');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^phase: cilium\n/);
    expect(result.stdout).toMatch(/Cilium: \d+ declared, \d+ allowed, 0 missing, 0 unexpected, \d+ tolerated; L7 requests: \d+ declared, \d+ allowed, 0 missing, 0 unexpected: OK\n$/);
  });

  test('the issue example as JSON: allowed and refused requests of the route-limited calls', async () => {
    const result = await runCli('check', ISSUE_CATALOG, '--phase', 'cilium', '--format', 'json');
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json).toMatchObject({ phase: 'cilium', evaluator: 'Cilium', ok: true, requests: { summary: { missing: 0, unexpected: 0 } } });
    expect(json.requests.allowed).toContainEqual({ from: 'shop/checkout', to: 'payments/charge', port: 8080, protocol: 'TCP', method: 'POST', path: '/charge', route: 'charge' });
    expect(json.requests.allowed).not.toContainEqual(expect.objectContaining({ from: 'shop/checkout', to: 'payments/charge', method: 'DELETE' }));
    expect(json.declared).toContainEqual(expect.objectContaining({ from: 'shop/checkout', to: 'host:api.stripe.com', port: 443 }));
  });

  test('exits 1 when the policies let an undeclared request through', () => {
    const catalog = ServiceCatalog.fromFile(ISSUE_CATALOG);
    const objects = MeshLadderChart.manifests(catalog, Phase.CILIUM);
    const charge = objects.find(o => o.metadata.name === 'charge');
    delete charge.spec.ingress[0].toPorts[0].rules;
    let stdout = '';
    const code = runCheck(catalog, Phase.CILIUM, objects, 'text', { stdout: t => { stdout += t; }, stderr: () => undefined });
    expect(code).toBe(1);
    expect(stdout).toContain('UNEXPECTED REQUEST shop/checkout -> payments/charge 8080/TCP DELETE /charge');
    expect(stdout).toMatch(/: FAIL\n$/);
  });
});
