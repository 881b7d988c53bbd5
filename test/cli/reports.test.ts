import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SHOP_CATALOG, runCli } from '../support/cli';


describe('mesh-ladder assess', () => {
  test('recommends a phase for the shop, with reasons and a cost row per phase', async () => {
    const { code, stdout } = await runCli('assess', SHOP_CATALOG);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^# Mesh readiness: recommended phase \*\*linkerd\*\*/);
    expect(stdout).toContain('compliance requires mutual TLS');
    expect(stdout).toMatch(/\| baseline \| none \| 0 MB \| 0 ms \| \d+ \|/);
  });

  test('JSON output and a replicas file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-ladder-assess-'));
    const replicas = path.join(dir, 'replicas.yaml');
    fs.writeFileSync(replicas, 'frontend: 10\npayments/charge: 3\n');
    const { code, stdout } = await runCli('assess', SHOP_CATALOG, '--replicas-file', replicas, '--format', 'json');
    expect(code).toBe(0);
    const json = JSON.parse(stdout);
    const plain = JSON.parse((await runCli('assess', SHOP_CATALOG, '--format', 'json')).stdout);
    expect(json.pods).toBe(plain.pods + (10 - 4) + (3 - 2));
  });

  test('a replicas file naming an unknown service exits 2', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-ladder-assess-'));
    const replicas = path.join(dir, 'replicas.yaml');
    fs.writeFileSync(replicas, 'frontnd: 10\n');
    const result = await runCli('assess', SHOP_CATALOG, '--replicas-file', replicas);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('frontnd: unknown service');
  });
});

describe('mesh-ladder graph', () => {
  test('mermaid by default, dot and markdown on request', async () => {
    expect((await runCli('graph', SHOP_CATALOG)).stdout).toMatch(/^flowchart LR/);
    expect((await runCli('graph', SHOP_CATALOG, '--format', 'dot')).stdout).toMatch(/^digraph/);
    const md = await runCli('graph', SHOP_CATALOG, '--format', 'markdown');
    expect(md.code).toBe(0);
    expect(md.stdout).toContain('### Flow matrix: baseline');
    expect((await runCli('graph', SHOP_CATALOG, '--format', 'png')).code).toBe(2);
  });
});

describe('mesh-ladder check --format markdown', () => {
  test('a pull-request report: verdict, lint, problems, graph and flow matrix', async () => {
    const { code, stdout } = await runCli('check', SHOP_CATALOG, '--phase', 'cilium', '--format', 'markdown');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^# mesh-ladder check: cilium — OK/);
    expect(stdout).toContain('## Lint');
    expect(stdout).toContain('None: the emitted policies allow exactly the declared flows.');
    expect(stdout).toContain('```mermaid');
    expect(stdout).toContain('### Flow matrix: cilium');
  });
});
