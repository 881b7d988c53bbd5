/**
 * The GitHub Action's script (.github/actions/mesh-ladder/run.sh) run as the Action runs
 * it, on a pull request of the minimal example that adds a service and a call: the CLI is
 * this repository's (TypeScript, through ts-node), the base revision a commit of a
 * temporary Git repository. The workflow .github/workflows/mesh-ladder-action.yml runs
 * the same Action on the examples.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { ROOT, tmpDir } from '../support/cli';
import { sarifErrors } from '../support/sarif';

const ACTION_DIR = path.join(ROOT, '.github', 'actions', 'mesh-ladder');
const MINIMAL = fs.readFileSync(path.join(ROOT, 'examples', 'minimal', 'catalog.yaml'), 'utf8');

function git(cwd: string, ...args: string[]): void {
  execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd, stdio: 'ignore' });
}

describe('the mesh-ladder Action', () => {
  test('action.yml is a composite action running run.sh with every input passed on', () => {
    const action = YAML.parse(fs.readFileSync(path.join(ACTION_DIR, 'action.yml'), 'utf8'));
    expect(action.runs.using).toBe('composite');
    const run = action.runs.steps.find((s: any) => s.id === 'run');
    expect(run.run).toContain('run.sh');
    const script = fs.readFileSync(path.join(ACTION_DIR, 'run.sh'), 'utf8');
    for (const variable of Object.keys(run.env)) {
      expect(script).toContain(variable);
    }
    expect(Object.keys(action.inputs).sort()).toEqual(['base', 'base-phase', 'catalog', 'comment', 'fail', 'github-token', 'manifests', 'mesh-ladder', 'phase', 'upload-sarif']);
  });

  test('a pull request adding a call: one report (diff first, checks folded), SARIF per command, exit 0', () => {
    const repo = tmpDir('mesh-ladder-action-');
    const catalog = path.join(repo, 'catalog.yaml');
    fs.writeFileSync(catalog, MINIMAL);
    git(repo, 'init', '-q');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'base');
    fs.writeFileSync(catalog, MINIMAL.replace('    calls: [{ service: api }]\n', '    calls: [{ service: api }, { service: cache }]\n')
      + '  - name: cache\n    ports: [{ name: redis, port: 6379 }]\n');

    // The CLI from source: TypeScript stripped by swc (as the tests are) in a require hook.
    const shim = path.join(repo, 'mesh-ladder.js');
    fs.writeFileSync(shim, [
      "const fs = require('fs');",
      `const swc = require(${JSON.stringify(require.resolve('@swc/core'))});`,
      "require.extensions['.ts'] = (m, file) => m._compile(swc.transformSync(fs.readFileSync(file, 'utf8'), {",
      "  filename: file, jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' },",
      '}).code, file);',
      `require(${JSON.stringify(path.join(ROOT, 'src', 'cli', 'main.ts'))}).main(process.argv.slice(2)).then(code => { process.exitCode = code; });`,
    ].join('\n'));
    const out = path.join(repo, 'out');
    const result = spawnSync('bash', [path.join(ACTION_DIR, 'run.sh')], {
      cwd: repo,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: process.env.HOME, CATALOG: 'catalog.yaml', PHASE: 'baseline', BASE_REF: 'HEAD', MESH_LADDER: `node ${shim}`, OUT_DIR: out },
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);

    const report = fs.readFileSync(path.join(out, 'report.md'), 'utf8');
    expect(report.split('\n').slice(0, 2)).toEqual(['<!-- mesh-ladder-report -->', '# mesh-ladder: OK']);
    // The call, and the new service's DNS (53/TCP, 53/UDP): all declared.
    expect(report).toContain('| baseline | +3 -0 | +0 -0 | 3 | 0 | 0 |');
    expect(report.indexOf('## mesh-ladder diff: OK')).toBeLessThan(report.indexOf('<summary>check: OK</summary>'));
    expect(report).toContain('| + | declared | `default/web` | `default/cache` | 6379/TCP | declared | call default/web -&gt; default/cache |');

    expect(fs.readdirSync(path.join(out, 'sarif')).sort()).toEqual(['check.sarif', 'diff.sarif']);
    const diff = JSON.parse(fs.readFileSync(path.join(out, 'sarif', 'diff.sarif'), 'utf8'));
    expect(sarifErrors(diff)).toEqual([]);
    const added = diff.runs[0].results.find((r: any) => r.message.text.includes('default/web -> default/cache'));
    expect(added.ruleId).toBe('declared-flow-change');
    // At the added call: `{ service: cache }` on web's calls line.
    const lines = fs.readFileSync(catalog, 'utf8').split('\n');
    const line = lines.findIndex(l => l.includes('{ service: cache }'));
    expect(added.locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: 'catalog.yaml', uriBaseId: '%SRCROOT%' },
      region: { startLine: line + 1, startColumn: lines[line].indexOf('{ service: cache }') + 1 },
    });
    expect(sarifErrors(JSON.parse(fs.readFileSync(path.join(out, 'sarif', 'check.sarif'), 'utf8')))).toEqual([]);
  });
});
