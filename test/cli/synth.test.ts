import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { ALL_PHASES } from '../../src/model/phase';
import { runCli, tmpDir } from '../support/cli';

const VALID = `
namespace: shop
services:
  - name: web
    ports: [{ name: http, port: 80, targetPort: 8080, protocol: http }]
    exposed: true
    calls: [{ service: api, port: http }]
  - name: api
    ports: [{ name: http, port: 80, targetPort: 9090, protocol: http }]
`;


const tmp = (): string => tmpDir('mesh-ladder-cli-');

function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p); else out.push(path.relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

describe('mesh-ladder synth', () => {
  test('writes one file per object and a kustomization listing them all', async () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'catalog.yaml'), VALID);
    const result = await runCli('synth', path.join(dir, 'catalog.yaml'), '--phase', 'baseline', '--out', path.join(dir, 'dist'));
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^baseline: wrote \d+ objects to .*dist\/baseline\//);
    const out = path.join(dir, 'dist', 'baseline');
    const files = listFiles(out);
    expect(files).toEqual(expect.arrayContaining([
      'kustomization.yaml',
      '_cluster/namespace-shop.yaml',
      'shop/networkpolicy-default-deny.yaml',
      'shop/networkpolicy-allow-dns.yaml',
      'shop/networkpolicy-web.yaml',
      'shop/networkpolicy-api.yaml',
      'shop/certificate-api.yaml',
    ]));
    const kustomization = YAML.parse(fs.readFileSync(path.join(out, 'kustomization.yaml'), 'utf8'));
    expect(kustomization.kind).toBe('Kustomization');
    expect(kustomization.resources).toEqual(files.filter(f => f !== 'kustomization.yaml'));
    const api = YAML.parse(fs.readFileSync(path.join(out, 'shop/networkpolicy-api.yaml'), 'utf8'));
    expect(api.metadata.labels['mesh-ladder.dev/phase']).toBe('baseline');
    expect(api.spec.ingress[0].ports).toEqual([{ protocol: 'TCP', port: 9090 }]);
  });

  test('is byte-identical across runs', async () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'catalog.yaml'), VALID);
    await runCli('synth', path.join(dir, 'catalog.yaml'), '--out', path.join(dir, 'a'));
    await runCli('synth', path.join(dir, 'catalog.yaml'), '--out', path.join(dir, 'b'));
    const a = listFiles(path.join(dir, 'a'));
    expect(a).toEqual(listFiles(path.join(dir, 'b')));
    for (const f of a) {
      expect(fs.readFileSync(path.join(dir, 'b', f), 'utf8')).toEqual(fs.readFileSync(path.join(dir, 'a', f), 'utf8'));
    }
  });

  test('an invalid catalog exits 2, lists every error with file:line, and leaves earlier output untouched', async () => {
    const dir = tmp();
    const catalog = path.join(dir, 'catalog.yaml');
    fs.writeFileSync(catalog, VALID);
    expect((await runCli('synth', catalog, '--out', path.join(dir, 'dist'))).code).toBe(0);
    const before = listFiles(path.join(dir, 'dist')).map(f => [f, fs.readFileSync(path.join(dir, 'dist', f), 'utf8')]);

    fs.writeFileSync(catalog, VALID.replace('service: api, port: http', 'service: apu, port: http').replace('targetPort: 9090', 'targetPort: 99999'));
    const result = await runCli('synth', catalog, '--out', path.join(dir, 'dist'));
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`${catalog}:7:24: error: services[0].calls[0].service: unknown service "apu"`);
    expect(result.stderr).toMatch(/catalog\.yaml:9:\d+: error: services\[1\]\.ports\[0\]\.targetPort/);

    const after = listFiles(path.join(dir, 'dist')).map(f => [f, fs.readFileSync(path.join(dir, 'dist', f), 'utf8')]);
    expect(after).toEqual(before);
    expect(fs.readdirSync(dir).sort()).toEqual(['catalog.yaml', 'dist']);
  });

  test('a call the phase cannot express exits 2 and names the call and the way out', async () => {
    const dir = tmp();
    const catalog = path.join(dir, 'catalog.yaml');
    fs.writeFileSync(catalog, VALID + '    calls: [{ host: api.stripe.com, port: 443 }]\n');
    const result = await runCli('synth', catalog, '--out', path.join(dir, 'dist'));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/shop\/api calls host api\.stripe\.com:443.*Add "cidrs".*cilium phase/);
    expect(fs.existsSync(path.join(dir, 'dist'))).toBe(false);
  });

  test('usage errors exit 2: unknown phase, missing file, extra arguments, unknown option', async () => {
    const dir = tmp();
    const catalog = path.join(dir, 'catalog.yaml');
    fs.writeFileSync(catalog, VALID);
    expect(await runCli('synth', catalog, '--phase', 'consul')).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown phase "consul" (phases: baseline') });
    expect(await runCli('synth', path.join(dir, 'nope.yaml'))).toMatchObject({ code: 2, stderr: expect.stringContaining('catalog file not found') });
    expect(await runCli('synth', catalog, catalog)).toMatchObject({ code: 2, stderr: expect.stringContaining('exactly one catalog file') });
    expect(await runCli('synth', catalog, '--bogus')).toMatchObject({ code: 2, stderr: expect.stringContaining("Unknown option '--bogus'") });
    expect(await runCli('frobnicate')).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown command "frobnicate"') });
  });

  test('--phase all writes one folder per phase; a bad name in a list writes nothing', async () => {
    const dir = tmp();
    const catalog = path.join(dir, 'catalog.yaml');
    fs.writeFileSync(catalog, VALID);
    const all = await runCli('synth', catalog, '--phase', 'all', '--out', path.join(dir, 'dist'));
    expect(all.code).toBe(0);
    expect(fs.readdirSync(path.join(dir, 'dist')).sort()).toEqual([...ALL_PHASES].sort());
    const bad = await runCli('synth', catalog, '--phase', 'baseline,consul', '--out', path.join(dir, 'other'));
    expect(bad).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown phase "consul"') });
    expect(fs.existsSync(path.join(dir, 'other'))).toBe(false);
  });

  test('--help documents every command, option and exit code', async () => {
    const { code, stdout } = await runCli('--help');
    expect(code).toBe(0);
    for (const word of ['synth', 'check', 'validate', 'schema', '--phase', '--out', '--format', 'kustomization.yaml', 'Exit codes', 'baseline']) {
      expect(stdout).toContain(word);
    }
    expect((await runCli('synth', '--help')).stdout).toBe(stdout);
  });

  test('validate prints warnings on stderr and succeeds', async () => {
    const dir = tmp();
    const catalog = path.join(dir, 'catalog.yaml');
    fs.writeFileSync(catalog, VALID.replace('  - name: api\n', '  - name: api\n    serviceAccount: web\n'));
    const result = await runCli('validate', catalog);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('valid (2 services)');
    expect(result.stderr).toMatch(/warning: .*shares service account "web" with shop\/web/);
  });

  test('schema prints the catalog JSON Schema', async () => {
    const { code, stdout } = await runCli('schema');
    expect(code).toBe(0);
    const schema = JSON.parse(stdout);
    expect(JSON.stringify(schema)).toContain('services');
  });
});
