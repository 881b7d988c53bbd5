import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'yaml';
import { ALL_PHASES } from '../../src/model/phase';
import { runCli, SHOP_CATALOG, tmpDir } from '../support/cli';

describe('mesh-ladder certs', () => {
  test.each(ALL_PHASES)('the shop holds over ten years with a root rotation: %s', async phase => {
    const { code, stdout, stderr } = await runCli('certs', SHOP_CATALOG, '--phase', phase, '--years', '10');
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(new RegExp(`^certs ${phase}: 10 years simulated, \\d+ issuances, \\d+ instants checked\\n`));
    expect(stdout).toContain('day 1825 (5y 0d) 00:00  root rotation: distribute shop-mesh-root-next');
    expect(stdout).toContain('root rotation: retire shop-mesh-root (rootName: shop-mesh-root-next)');
    expect(stdout).toMatch(/\ncerts: OK\n$/);
  });

  test('a catalog whose rotation overlap is too short fails with exit 1, naming the leaf, chain and anchors', async () => {
    const text = fs.readFileSync(SHOP_CATALOG, 'utf8').replace(
      '  rootRenewBefore: 8760h\n',
      '  rootRenewBefore: 8760h\n  rootRotation: { nextRoot: shop-mesh-root-2, stage: distribute, overlap: 48h }\n');
    const file = path.join(tmpDir(), 'catalog.yaml');
    fs.writeFileSync(file, text);
    const { code, stdout } = await runCli('certs', file, '--phase', 'baseline', '--years', '1');
    expect(code).toBe(1);
    expect(stdout).toMatch(/FAILED at day 3 \(0y 3d\) 00:10: Certificate (payments|shop)\/[a-z-]+ is untrusted for namespace (payments|shop) \(Bundle shop-mesh-ca-bundle\)/);
    expect(stdout).toMatch(/chain presented:\n {4}Certificate (payments|shop)\/.* #1 .*\n {4}Certificate cert-manager\/shop-mesh-ca #1 /);
    expect(stdout).toMatch(/anchors held:\n {4}Certificate cert-manager\/shop-mesh-root-2 #1 /);
    expect(stdout).toMatch(/\ncerts: FAIL\n$/);
  });

  test('json output carries the same verdict and the stages', async () => {
    const { code, stdout } = await runCli('certs', SHOP_CATALOG, '--phase', 'linkerd', '--years', '6', '--format', 'json', '--skew', '1m', '--latency', '30m');
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({ phase: 'linkerd', ok: true, horizonMs: 6 * 365 * 24 * 3_600_000 });
    expect(report.stages).toHaveLength(4);
    expect(report.failure).toBeUndefined();
  });

  test.each([
    [['--years', '0'], /--years "0" must be a number of years above 0, at most 100/],
    [['--years', 'ten'], /--years "ten"/],
    [['--skew', 'soon'], /--skew "soon" is not a duration/],
    [['--phase', 'consul'], /unknown phase "consul"/],
    [['--format', 'yaml'], /unknown format "yaml"/],
  ])('bad usage %j exits 2 naming the problem', async (args, message) => {
    const { code, stderr, stdout } = await runCli('certs', SHOP_CATALOG, ...args);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stdout).toBe('');
  });

  test('an invalid catalog exits 2 with the field path and position', async () => {
    const file = path.join(tmpDir(), 'bad.yaml');
    fs.writeFileSync(file, stringify({ services: [{ name: 'web', ports: [{ port: 80 }] }], certificates: { rootRotation: { nextRoot: 'Bad_Name', stage: 'issue' } } }));
    const { code, stderr } = await runCli('certs', file);
    expect(code).toBe(2);
    expect(stderr).toMatch(/certificates\.rootRotation\.nextRoot/);
    expect(stderr).toMatch(/bad\.yaml:\d+:\d+/);
  });
});
