/** `mesh-ladder targets` and the platform section on the command line (issue 13). */
import * as fs from 'fs';
import * as path from 'path';
import { runCli, SHOP_CATALOG, tmpDir } from '../support/cli';

/** The shop catalog with its platform section replaced. */
function shopAt(platform: string): string {
  const text = fs.readFileSync(SHOP_CATALOG, 'utf8').replace(/^platform:.*\n(?: {2}.*\n)*/m, `platform: ${platform}\n`);
  const file = path.join(tmpDir(), 'catalog.yaml');
  fs.writeFileSync(file, text);
  return file;
}

describe('mesh-ladder targets', () => {
  test('lists the releases, the apiVersions of each phase and every degradation with its reason', async () => {
    const { code, stdout } = await runCli('targets', shopAt('{linkerd: "2.16", istio: "1.22", trustManager: "0.12"}'), '--phase', 'linkerd,istio');
    expect(code).toBe(0);
    expect(stdout).toContain('  Linkerd       2.16; supported from 2.16\n');
    expect(stdout).toContain('  Cilium        1.16 (default); supported from 1.14\n');
    expect(stdout).toContain('  Gateway API   0.7 (experimental, installed by Linkerd 2.16) (default); supported from 0.7\n');
    const linkerd = stdout.slice(stdout.indexOf('\nlinkerd:'), stdout.indexOf('\nistio:'));
    expect(linkerd).toContain('    gateway.networking.k8s.io/v1alpha2 GRPCRoute\n    gateway.networking.k8s.io/v1beta1 HTTPRoute\n');
    expect(linkerd).not.toContain('gateway.networking.k8s.io/v1 ');
    expect(linkerd).toContain('trust bundle shop-mesh-ca-bundle: trust-manager 0.12 selects namespaces by matchLabels only');
    const istio = stdout.slice(stdout.indexOf('\nistio:'));
    expect(istio).toContain('    networking.istio.io/v1 VirtualService\n');
    expect(istio).toContain('  degradations (2):\n    - shop/cart route add-item: retryOn reset-before-request is accepted from Istio 1.23');
  });

  test('--format json; a phase that refuses the releases exits 2 and says why', async () => {
    const file = shopAt('{istio: "1.22"}');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/^l7Fallback: skip.*$/m, 'l7Fallback: refuse'));
    const { code, stdout } = await runCli('targets', file, '--phase', 'istio', '--format', 'json');
    expect(code).toBe(2);
    const report = JSON.parse(stdout);
    expect(report.platform.istio).toBe('1.22');
    expect(report.phases[0].refused).toMatch(/shop\/cart route add-item: retryOn reset-before-request is accepted from Istio 1\.23/);
  });

  test('a release below the floor: exit 2 naming the field, its place in the file, the release and the floor', async () => {
    const file = shopAt('{linkerd: "2.14"}');
    for (const command of ['targets', 'synth', 'check']) {
      const { code, stderr } = await runCli(command, file);
      expect(code).toBe(2);
      expect(stderr).toMatch(/catalog\.yaml:\d+:\d+: error: platform\.linkerd: Linkerd 2\.14 is below the supported floor 2\.16 \(/);
    }
  });

  test('check lists the degradations', async () => {
    const { stdout } = await runCli('check', shopAt('{istio: "1.22"}'), '--phase', 'istio');
    expect(stdout).toContain('Degraded for the targeted releases (platform; `mesh-ladder targets` lists them):\n  - shop/cart route add-item: retryOn reset-before-request');
  });
});

describe('mesh-ladder synth at a targeted release', () => {
  test('counts the degradations in its summary line and writes the release\'s apiVersions', async () => {
    const out = tmpDir();
    const { code, stdout } = await runCli('synth', shopAt('{linkerd: "2.17", trustManager: "0.12"}'), '--phase', 'linkerd', '--out', out);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^linkerd: wrote \d+ objects to .*; 2 settings left out as the catalog chose .*; 1 setting degraded for the targeted releases \(`mesh-ladder check` and `targets` list them\)\n$/);
    const routes = fs.readdirSync(path.join(out, 'linkerd', 'shop')).filter(f => f.startsWith('grpcroute-'));
    expect(routes.length).toBeGreaterThan(0);
    for (const file of routes) {
      expect(fs.readFileSync(path.join(out, 'linkerd', 'shop', file), 'utf8')).toMatch(/^apiVersion: gateway\.networking\.k8s\.io\/v1alpha2\n/);
    }
  });
});
