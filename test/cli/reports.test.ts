import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../../src/cli/main';

const SHOP = path.join(__dirname, '..', '..', 'examples', 'shop', 'catalog.yaml');

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: t => { stdout += t; }, stderr: t => { stderr += t; } });
  return { code, stdout, stderr };
}

describe('mesh-ladder assess', () => {
  test('recommends a phase for the shop, with reasons and a cost row per phase', async () => {
    const { code, stdout } = await run('assess', SHOP);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^# Mesh readiness: recommended phase \*\*linkerd\*\*/);
    expect(stdout).toContain('compliance requires mutual TLS');
    expect(stdout).toMatch(/\| baseline \| none \| 0 MB \| 0 ms \| \d+ \|/);
  });

  test('JSON output and a replicas file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-ladder-assess-'));
    const replicas = path.join(dir, 'replicas.yaml');
    fs.writeFileSync(replicas, 'frontend: 10\npayments/charge: 3\n');
    const { code, stdout } = await run('assess', SHOP, '--replicas-file', replicas, '--format', 'json');
    expect(code).toBe(0);
    const json = JSON.parse(stdout);
    const plain = JSON.parse((await run('assess', SHOP, '--format', 'json')).stdout);
    expect(json.pods).toBe(plain.pods + (10 - 4) + (3 - 2));
  });

  test('a replicas file naming an unknown service exits 2', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-ladder-assess-'));
    const replicas = path.join(dir, 'replicas.yaml');
    fs.writeFileSync(replicas, 'frontnd: 10\n');
    const result = await run('assess', SHOP, '--replicas-file', replicas);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('frontnd: unknown service');
  });
});

describe('mesh-ladder graph', () => {
  test('mermaid by default, dot and markdown on request', async () => {
    expect((await run('graph', SHOP)).stdout).toMatch(/^flowchart LR/);
    expect((await run('graph', SHOP, '--format', 'dot')).stdout).toMatch(/^digraph/);
    const md = await run('graph', SHOP, '--format', 'markdown');
    expect(md.code).toBe(0);
    expect(md.stdout).toContain('### Flow matrix: baseline');
    expect((await run('graph', SHOP, '--format', 'png')).code).toBe(2);
  });
});
