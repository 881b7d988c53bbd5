import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { runCli, SHOP_CATALOG, tmpDir } from '../support/cli';
import { lineOf, sarifErrors } from '../support/sarif';

const SHOP_TEXT = fs.readFileSync(SHOP_CATALOG, 'utf8');

/** The shop with one edit of its text; fails when the edit does not apply. */
function shopWith(from: string | RegExp, to: string): string {
  const edited = SHOP_TEXT.replace(from, to);
  expect(edited).not.toBe(SHOP_TEXT);
  const dir = tmpDir('mesh-ladder-diff-');
  const file = path.join(dir, 'catalog.yaml');
  fs.writeFileSync(file, edited);
  return file;
}

const CART_CALLS = '    calls:\n      - { service: catalog, routes: [get-product] }\n\n  - name: checkout';
const ADDED_CALL = '      - { service: search, routes: [query] }';

function sarifResults(stdout: string): any[] {
  const log = JSON.parse(stdout);
  expect(sarifErrors(log)).toEqual([]);
  return log.runs[0].results;
}

function git(cwd: string, ...args: string[]): void {
  execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd, stdio: 'ignore' });
}

describe('mesh-ladder diff on the shop', () => {
  test('a catalog edit that adds a call shows exactly that flow and its declared request, as declared (exit 0)', async () => {
    const head = shopWith(CART_CALLS, CART_CALLS.replace('get-product] }\n', `get-product] }\n${ADDED_CALL}\n`));
    const { code, stdout } = await runCli('diff', SHOP_CATALOG, head, '--phase', 'cilium', '--format', 'json');
    expect(code).toBe(0);
    const [phase] = JSON.parse(stdout).phases;
    expect(phase.flows).toEqual([{
      change: 'added',
      classification: 'declared',
      head: 'declared',
      from: 'shop/cart',
      to: 'shop/search',
      port: 8080,
      protocol: 'TCP',
      reasons: ['call shop/cart -> shop/search'],
    }]);
    expect(phase.requests.map((r: any) => [r.change, r.classification, r.method, r.path, r.route])).toEqual([['added', 'declared', 'GET', '/search', 'query']]);
    // The two policies of the call's ends change; nothing else.
    expect(phase.objects.map((o: any) => `${o.change} ${o.kind} ${o.namespace}/${o.name}`))
      .toEqual(['changed CiliumNetworkPolicy shop/cart', 'changed CiliumNetworkPolicy shop/search']);
    expect(phase.certificates).toEqual([]);
  });

  test('SARIF of the added call validates against SARIF 2.1.0 and points at the added catalog line', async () => {
    const head = shopWith(CART_CALLS, CART_CALLS.replace('get-product] }\n', `get-product] }\n${ADDED_CALL}\n`));
    const { code, stdout } = await runCli('diff', SHOP_CATALOG, head, '--phase', 'cilium', '--format', 'sarif');
    expect(code).toBe(0);
    const results = sarifResults(stdout);
    expect(results.map(r => r.ruleId)).toEqual(['declared-flow-change', 'declared-request-change']);
    const text = fs.readFileSync(head, 'utf8');
    for (const result of results) {
      const location = result.locations[0].physicalLocation;
      expect(location.artifactLocation.uri.endsWith('catalog.yaml')).toBe(true);
      // The shop's catalog@v2 makes the same call: the added line is the one below cart.
      expect(location.region.startLine).toBe(lineOf(text, ADDED_CALL, lineOf(text, '- name: cart')));
      expect(result.level).toBe('note');
    }
  });

  test('a setting that widens a policy is undeclared: exit 1, SARIF errors at the setting\'s line', async () => {
    const head = shopWith(/^ {2}defaultDeny: true/m, '  defaultDeny: false');
    const json = await runCli('diff', SHOP_CATALOG, head, '--phase', 'cilium', '--format', 'json');
    expect(json.code).toBe(1);
    const [phase] = JSON.parse(json.stdout).phases;
    expect(phase.ok).toBe(false);
    expect(phase.flows.length).toBeGreaterThan(0);
    expect(phase.flows.every((f: any) => f.change === 'added' && f.classification === 'undeclared' && f.head === 'unexpected')).toBe(true);
    const sarif = await runCli('diff', SHOP_CATALOG, head, '--phase', 'cilium', '--format', 'sarif');
    expect(sarif.code).toBe(1);
    const results = sarifResults(sarif.stdout);
    const line = lineOf(fs.readFileSync(head, 'utf8'), 'defaultDeny: false');
    expect(results.filter(r => r.level === 'error').length).toBe(phase.flows.length);
    expect(new Set(results.map(r => r.locations[0].physicalLocation.region.startLine))).toEqual(new Set([line]));
  });

  test('a mesh switched to permissive lets undeclared requests through: undeclared, although its check passes', async () => {
    const head = shopWith(/^ {2}mode: enforced {19}# permissive while migrating/m, '  mode: permissive');
    const { code, stdout } = await runCli('diff', SHOP_CATALOG, head, '--phase', 'linkerd', '--format', 'json');
    expect(code).toBe(1);
    const [phase] = JSON.parse(stdout).phases;
    expect(phase.flows).toEqual([]);
    const undeclared = phase.requests.filter((r: any) => r.classification === 'undeclared');
    expect(undeclared.length).toBeGreaterThan(0);
    expect(undeclared.every((r: any) => r.change === 'added' && r.head === 'not declared')).toBe(true);
    expect((await runCli('check', head, '--phase', 'linkerd')).code).toBe(0);
  });

  test('a phase change shows as transition: hosts by name instead of by address, L7 refusals (exit 0)', async () => {
    const { code, stdout } = await runCli('diff', SHOP_CATALOG, SHOP_CATALOG, '--base-phase', 'baseline', '--phase', 'cilium', '--format', 'json');
    expect(code).toBe(0);
    const [phase] = JSON.parse(stdout).phases;
    expect([phase.basePhase, phase.headPhase]).toEqual(['baseline', 'cilium']);
    expect(phase.flows.length).toBeGreaterThan(0);
    expect(phase.flows.every((f: any) => f.classification === 'transition')).toBe(true);
    expect(phase.flows.filter((f: any) => f.change === 'added').every((f: any) => f.to.startsWith('host:'))).toBe(true);
    expect(phase.flows.filter((f: any) => f.change === 'removed').every((f: any) => f.to.startsWith('cidr:'))).toBe(true);
    // Cilium refuses at L7 what the baseline let through on the same connections.
    expect(phase.requests.length).toBeGreaterThan(0);
    expect(phase.requests.every((r: any) => r.change === 'removed' && r.classification === 'transition' && r.head === 'not declared')).toBe(true);
    expect(phase.objects.some((o: any) => o.change === 'removed' && o.kind === 'NetworkPolicy')).toBe(true);
    expect(phase.objects.some((o: any) => o.change === 'added' && o.kind === 'CiliumNetworkPolicy')).toBe(true);
  });

  test('a removed call is declared; Markdown puts the summary first and folds the tables', async () => {
    const head = shopWith('      - { service: search, ports: [http] }\n', '');
    const { code, stdout } = await runCli('diff', SHOP_CATALOG, head, '--phase', 'baseline', '--format', 'markdown');
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toBe('<!-- mesh-ladder-diff -->');
    expect(lines[1]).toBe('## mesh-ladder diff: OK');
    expect(stdout.indexOf('| phase |')).toBeLessThan(stdout.indexOf('<details>'));
    expect(stdout).toContain('| baseline | +0 -1 | +0 -0 | 1 | 0 | 0 |');
    expect(stdout).toMatch(/<summary>baseline: 1 flow change<\/summary>\n\n\| {2}\| class \|/);
    expect(stdout).toContain('| − | declared | `shop/frontend` | `shop/search` | 8080/TCP | not declared |');
  });

  test('certificates whose lifetime changed are listed', async () => {
    const head = shopWith(/^ {2}duration: 2160h/m, '  duration: 1440h');
    const { code, stdout } = await runCli('diff', SHOP_CATALOG, head, '--phase', 'baseline', '--format', 'json');
    expect(code).toBe(0);
    const [phase] = JSON.parse(stdout).phases;
    expect(phase.flows).toEqual([]);
    expect(phase.certificates.length).toBeGreaterThan(0);
    expect(phase.certificates.every((c: any) => c.change === 'changed' && c.what.includes('duration') && c.after.duration === '1440h')).toBe(true);
  });
});

describe('mesh-ladder diff --base <ref> with committed manifests', () => {
  test('a hand-edited manifest is undeclared: exit 1, the drift listed, SARIF at the edited file', async () => {
    const repo = tmpDir('mesh-ladder-diff-git-');
    const catalog = path.join(repo, 'catalog.yaml');
    fs.writeFileSync(catalog, SHOP_TEXT);
    const dist = path.join(repo, 'dist');
    expect((await runCli('synth', catalog, '--phase', 'baseline', '--out', dist)).code).toBe(0);
    git(repo, 'init', '-q');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'base');

    // Unchanged: nothing to report.
    const clean = await runCli('diff', catalog, '--base', 'HEAD', '--manifests', dist, '--phase', 'baseline', '--format', 'json');
    expect(clean.code).toBe(0);
    expect(JSON.parse(clean.stdout).phases[0]).toMatchObject({ flows: [], requests: [], objects: [], drift: [] });

    // Someone opens the ledger to the world by hand.
    const file = path.join(dist, 'baseline', 'payments', 'networkpolicy-ledger.yaml');
    const policy = YAML.parse(fs.readFileSync(file, 'utf8'));
    policy.spec.ingress.push({ from: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ port: 8080, protocol: 'TCP' }] });
    fs.writeFileSync(file, YAML.stringify(policy));

    const json = await runCli('diff', catalog, '--base', 'HEAD', '--manifests', dist, '--phase', 'baseline', '--format', 'json');
    expect(json.code).toBe(1);
    const [phase] = JSON.parse(json.stdout).phases;
    expect(phase.flows.length).toBeGreaterThan(0);
    expect(phase.flows.every((f: any) => f.classification === 'undeclared' && f.to === 'payments/ledger' && f.port === 8080)).toBe(true);
    expect(phase.drift).toEqual([{ change: 'changed', key: 'networking.k8s.io/NetworkPolicy/payments/ledger', kind: 'NetworkPolicy', namespace: 'payments', name: 'ledger', fields: ['spec'] }]);

    const sarif = await runCli('diff', catalog, '--base', 'HEAD', '--manifests', dist, '--phase', 'baseline', '--format', 'sarif');
    const uris = new Set(sarifResults(sarif.stdout).map(r => r.locations[0].physicalLocation.artifactLocation.uri));
    expect(uris).toEqual(new Set(['dist/baseline/payments/networkpolicy-ledger.yaml']));
  });

  test('a catalog edit against the committed catalog: declared; the base is read with git show', async () => {
    const repo = tmpDir('mesh-ladder-diff-git-');
    const catalog = path.join(repo, 'catalog.yaml');
    fs.writeFileSync(catalog, SHOP_TEXT);
    git(repo, 'init', '-q');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'base');
    fs.writeFileSync(catalog, SHOP_TEXT.replace(CART_CALLS, CART_CALLS.replace('get-product] }\n', `get-product] }\n${ADDED_CALL}\n`)));
    const { code, stdout } = await runCli('diff', catalog, '--base', 'HEAD', '--phase', 'baseline');
    expect(code).toBe(0);
    expect(stdout).toContain('diff: HEAD:catalog.yaml -> ');
    expect(stdout).toContain('+ declared   shop/cart -> shop/search 8080/TCP [head: declared] (call shop/cart -> shop/search)');
  });
});

describe('mesh-ladder diff --manifests <dir> --base-manifests <dir>', () => {
  test('a declared call that disappears from the manifests is undeclared: exit 1, head proof "missing"', async () => {
    const dir = tmpDir('mesh-ladder-diff-dirs-');
    const [base, head] = [path.join(dir, 'base'), path.join(dir, 'head')];
    expect((await runCli('synth', SHOP_CATALOG, '--phase', 'baseline', '--out', base)).code).toBe(0);
    fs.cpSync(base, head, { recursive: true });
    // Someone drops the ledger's ingress from charge by hand.
    const file = path.join(head, 'baseline', 'payments', 'networkpolicy-ledger.yaml');
    const policy = YAML.parse(fs.readFileSync(file, 'utf8'));
    policy.spec.ingress = policy.spec.ingress.filter((rule: any) => rule.from[0].podSelector?.matchLabels?.app !== 'charge');
    fs.writeFileSync(file, YAML.stringify(policy));

    const { code, stdout } = await runCli('diff', SHOP_CATALOG, SHOP_CATALOG, '--manifests', head, '--base-manifests', base, '--phase', 'baseline', '--format', 'json');
    expect(code).toBe(1);
    const [phase] = JSON.parse(stdout).phases;
    expect(phase.flows).toEqual([{
      change: 'removed',
      classification: 'undeclared',
      head: 'missing',
      from: 'payments/charge',
      to: 'payments/ledger',
      port: 8080,
      protocol: 'TCP',
      reasons: ['call payments/charge -> payments/ledger'],
    }]);
    expect(phase.drift.map((o: any) => o.key)).toEqual(['networking.k8s.io/NetworkPolicy/payments/ledger']);
  });
});

describe('mesh-ladder diff: bad usage exits 2', () => {
  test.each([
    [['diff', SHOP_CATALOG], 'diff takes two catalog files'],
    [['diff', SHOP_CATALOG, SHOP_CATALOG, '--phase', 'all', '--base-phase', 'baseline'], '--base-phase compares one phase with another'],
    [['diff', SHOP_CATALOG, SHOP_CATALOG, '--format', 'xml'], 'unknown format "xml"'],
    [['diff', SHOP_CATALOG, SHOP_CATALOG, '--base-manifests', 'x'], '--base-manifests needs --manifests'],
  ])('%j', async (argv, message) => {
    const { code, stderr } = await runCli(...argv);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });

  test('--base outside a Git work tree', async () => {
    const dir = tmpDir('mesh-ladder-diff-nogit-');
    const catalog = path.join(dir, 'catalog.yaml');
    fs.writeFileSync(catalog, SHOP_TEXT);
    const { code, stderr } = await runCli('diff', catalog, '--base', 'HEAD');
    expect(code).toBe(2);
    expect(stderr).toContain('--base needs a Git work tree');
  });
});
