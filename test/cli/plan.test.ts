import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { MeshLadderChart } from '../../src/chart';
import { runPlan } from '../../src/cli/plan';
import { ServiceCatalog } from '../../src/model/catalog';
import { Phase } from '../../src/model/phase';
import { readTree, runCli, SHOP_CATALOG, tmpDir } from '../support/cli';

describe('mesh-ladder plan', () => {
  test('writes kustomize-ready step directories, removed.yaml and a runbook; prints the per-step table', async () => {
    const out = path.join(tmpDir('mesh-ladder-plan-'), 'plan');
    const { code, stdout } = await runCli('plan', SHOP_CATALOG, '--from', 'baseline', '--to', 'cilium', '--out', out);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^plan baseline -> cilium: 2 steps, \d+ declared flows must hold at every step/);
    expect(stdout).toMatch(/^step\s+enforced by\s+objects\s+added\s+removed\s+declared\s+allowed\s+missing\s+beyond ends/m);
    // Step 1 re-labels the certificate objects (phase label cilium): 25 Cilium policies (one
    // clusterwide, for the namespace-label peer) + 23 certificate objects.
    expect(stdout).toMatch(/^01-add-cilium\s+networkpolicy \+ cilium\s+71\s+48\s+0\s+\d+\s+\d+\s+0\s+0\s.*OK$/m);
    // Only the NetworkPolicies go: the certificates and their root stay across the migration.
    expect(stdout).toMatch(/^02-remove-baseline\s+cilium\s+48\s+0\s+23\s.*OK$/m);
    expect(stdout).toMatch(/plan: OK\n$/);
    expect(fs.readdirSync(out).sort()).toEqual(['00-start-baseline', '01-add-cilium', '02-remove-baseline', 'RUNBOOK.md']);
    const step1 = path.join(out, '01-add-cilium');
    const kustomization = fs.readFileSync(path.join(step1, 'kustomization.yaml'), 'utf8');
    expect(kustomization).toContain('shop/ciliumnetworkpolicy-catalog.yaml');
    expect(kustomization).toContain('shop/networkpolicy-catalog.yaml');
    expect(kustomization).not.toContain('removed.yaml');
    expect(fs.existsSync(path.join(step1, 'shop', 'ciliumnetworkpolicy-catalog.yaml'))).toBe(true);
    const removed = fs.readFileSync(path.join(out, '02-remove-baseline', 'removed.yaml'), 'utf8');
    // Every baseline NetworkPolicy: one per service (16), default-deny and DNS per owned namespace (4), catalog v2 and the uptime probes' side in both namespaces (3).
    expect(removed.match(/^kind: NetworkPolicy$/gm)).toHaveLength(23);
    expect(removed).not.toMatch(/^kind: (Certificate|ClusterIssuer|Bundle)$/m);
    expect(fs.readdirSync(path.join(out, '02-remove-baseline', 'shop')).every(f => !f.startsWith('networkpolicy-'))).toBe(true);
    const runbook = fs.readFileSync(path.join(out, 'RUNBOOK.md'), 'utf8');
    expect(runbook).toMatch(/^# Migration runbook: baseline → cilium/);
    expect(runbook).toContain('kubectl apply -k 01-add-cilium');
    expect(runbook).toContain('kubectl delete -f 02-remove-baseline/removed.yaml --ignore-not-found');
    expect(runbook).toContain('hubble observe --verdict DROPPED');
    expect(runbook).toContain('| 02-remove-baseline | cilium |');
    expect(runbook).toContain('## Service graph: cilium');
    expect(runbook).toContain('```mermaid');
  });

  test('into a mesh: rollout restarts, the mesh\'s checks, and rollback per step', async () => {
    const out = path.join(tmpDir('mesh-ladder-plan-'), 'plan');
    const { code } = await runCli('plan', SHOP_CATALOG, '--from', 'linkerd', '--to', 'istio', '--out', out);
    expect(code).toBe(0);
    const runbook = fs.readFileSync(path.join(out, 'RUNBOOK.md'), 'utf8');
    expect(runbook).toContain('kubectl rollout restart deployment,statefulset,daemonset -n shop');
    expect(runbook).toContain('istioctl proxy-status');
    expect(runbook).toContain('connection_security_policy');
    expect(runbook).toContain('linkerd viz authz');
    expect(runbook).toContain('kubectl apply -k 03-switch-istio');
    expect(runbook).toMatch(/## 04-enforce-istio[\s\S]*Roll back \(to the previous step\):\n\n```sh\nkubectl apply -k 03-switch-istio/);
    // Each step says when to stop and when to go back; a rollout waits for its restarts.
    expect(runbook).toMatch(/## 03-switch-istio[\s\S]*Let the restarts finish[\s\S]*Go back if pods do not become Ready with the new proxy/);
    expect(runbook).toMatch(/## 01-add-istio[\s\S]*the state while rolling back was proven too: OK/);
    expect(runbook).toMatch(/## 03-switch-istio[\s\S]*Mid-rollout: 2 mixed states \(some namespaces restarted, the others not yet\) proven too: OK\./);
    // Running again replaces the earlier plan.
    expect((await runCli('plan', SHOP_CATALOG, '--from', 'istio', '--to', 'baseline', '--out', out)).code).toBe(0);
    expect(fs.readdirSync(out)).toContain('00-start-istio');
    expect(fs.readdirSync(out)).not.toContain('00-start-linkerd');
  });

  test('a plan whose step drops a declared flow is refused before anything is written: exit 1, the step and the flow named', async () => {
    const catalog = ServiceCatalog.fromFile(SHOP_CATALOG);
    const broken = (phase: string) => MeshLadderChart.manifests(catalog, phase as Phase)
      .filter(o => !(phase === 'cilium' && o.kind === 'CiliumNetworkPolicy' && o.metadata.name === 'cart'));
    // An earlier plan in the directory stays exactly as it was.
    const out = path.join(tmpDir('mesh-ladder-plan-'), 'plan');
    expect((await runCli('plan', SHOP_CATALOG, '--from', 'baseline', '--to', 'cilium', '--out', out)).code).toBe(0);
    const before = readTree(out);
    let stdout = '';
    const code = runPlan(catalog, Phase.BASELINE, Phase.CILIUM, out, { stdout: t => { stdout += t; }, stderr: () => undefined }, broken);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^02-remove-baseline: MISSING shop\/cart -> /m);
    expect(stdout).toMatch(/\nplan: REFUSED: 02-remove-baseline drops shop\/cart -> \S+ \d+\/TCP.*; nothing written\n$/);
    expect(stdout).not.toContain('wrote ');
    expect(readTree(out)).toEqual(before);
  });

  test('a catalog a phase cannot express exits 2 (bad input), not 1', async () => {
    const dir = tmpDir('mesh-ladder-plan-');
    const file = path.join(dir, 'catalog.yaml');
    fs.writeFileSync(file, [
      'peers:',
      '  - { name: tenants, namespaceSelector: { tier: tenant }, selector: { role: client } }',
      'services:',
      '  - name: api',
      '    ports: [{ name: http, port: 8080, protocol: http }]',
      '    callers: [{ peer: tenants, port: http }]',
      '',
    ].join('\n'));
    const result = await runCli('plan', file, '--from', 'baseline', '--to', 'linkerd', '--out', path.join(dir, 'plan'));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('meshed peer "tenants"');
    expect(fs.existsSync(path.join(dir, 'plan'))).toBe(false);
  });

  test('--namespaces migrates part of the catalog: mixed steps proven, the scope in the table and the runbook', async () => {
    const out = path.join(tmpDir('mesh-ladder-plan-'), 'plan');
    const { code, stdout } = await runCli('plan', SHOP_CATALOG, '--from', 'baseline', '--to', 'istio', '--namespaces', 'payments', '--out', out);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^plan baseline -> istio \(namespaces payments; the rest stays on baseline\): 6 steps/);
    expect(stdout).toMatch(/^01-scope-baseline\s.*OK$/m);
    const runbook = fs.readFileSync(path.join(out, 'RUNBOOK.md'), 'utf8');
    expect(runbook).toContain('Scope: the namespaces payments move to istio; the others stay on baseline.');
    expect(runbook).toContain('kubectl rollout restart deployment,statefulset,daemonset -n payments');
    expect(runbook).not.toContain('rollout restart deployment,statefulset,daemonset -n shop');
    // The same scope by a label of the namespace, and the output is byte-identical.
    const again = path.join(tmpDir('mesh-ladder-plan-'), 'plan');
    expect((await runCli('plan', SHOP_CATALOG, '--from', 'baseline', '--to', 'istio', '--namespace-selector', 'team=payments', '--out', again)).code).toBe(0);
    expect(readTree(again)).toEqual(readTree(out));
    const none = await runCli('plan', SHOP_CATALOG, '--from', 'baseline', '--to', 'istio', '--namespace-selector', 'team=nobody');
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('labelled team=nobody');
    const bad = await runCli('plan', SHOP_CATALOG, '--from', 'baseline', '--to', 'istio', '--namespaces', 'nope');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--namespaces: namespaces to migrate must be catalog namespaces with services (payments, shop); unknown: nope');
  });

  test('--gitops flux / argocd: one Kustomization or Application per step, the same one advanced a step per commit', async () => {
    const out = path.join(tmpDir('mesh-ladder-plan-'), 'plan');
    const { code } = await runCli('plan', SHOP_CATALOG, '--from', 'baseline', '--to', 'cilium', '--out', out, '--gitops', 'flux', '--gitops-path', './clusters/prod/mesh-plan');
    expect(code).toBe(0);
    const dir = path.join(out, 'gitops', 'flux');
    expect(fs.readdirSync(dir).sort()).toEqual(['00-start-baseline.yaml', '01-add-cilium.yaml', '02-remove-baseline.yaml']);
    const docs = fs.readdirSync(dir).sort().map(f => YAML.parse(fs.readFileSync(path.join(dir, f), 'utf8')));
    for (const [i, id] of ['00-start-baseline', '01-add-cilium', '02-remove-baseline'].entries()) {
      expect(docs[i]).toMatchObject({
        apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
        kind: 'Kustomization',
        metadata: { name: 'mesh-ladder-plan', namespace: 'flux-system', annotations: { 'mesh-ladder.dev/step': id } },
        spec: { path: `./clusters/prod/mesh-plan/${id}`, prune: true, wait: true, sourceRef: { kind: 'GitRepository', name: 'flux-system' } },
      });
    }
    // The step directories stay plain kustomize directories.
    expect(fs.readFileSync(path.join(out, '01-add-cilium', 'kustomization.yaml'), 'utf8')).not.toContain('gitops');
    const bad = await runCli('plan', SHOP_CATALOG, '--from', 'baseline', '--to', 'cilium', '--out', out, '--gitops', 'argo');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown --gitops "argo" (flux, argocd)');
    // Argo CD: one Application per step, the same one advanced a step per commit.
    expect((await runCli('plan', SHOP_CATALOG, '--from', 'baseline', '--to', 'cilium', '--out', out, '--gitops', 'argocd')).stderr).toContain('needs --gitops-repo');
    const argo = await runCli('plan', SHOP_CATALOG, '--from', 'baseline', '--to', 'cilium', '--out', out, '--gitops', 'argocd',
      '--gitops-repo', 'https://git.example.com/platform.git', '--gitops-path', './clusters/prod/mesh-plan');
    expect(argo.code).toBe(0);
    const app = YAML.parse(fs.readFileSync(path.join(out, 'gitops', 'argocd', '01-add-cilium.yaml'), 'utf8'));
    expect(app).toMatchObject({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'mesh-ladder-plan', annotations: { 'mesh-ladder.dev/step': '01-add-cilium' } },
      spec: { source: { repoURL: 'https://git.example.com/platform.git', path: 'clusters/prod/mesh-plan/01-add-cilium' }, syncPolicy: { automated: { prune: true } } },
    });
  });

  test('bad usage exits 2 and writes nothing', async () => {
    expect((await runCli('plan', SHOP_CATALOG, '--from', 'baseline')).code).toBe(2);
    expect((await runCli('plan', SHOP_CATALOG, '--from', 'cilium', '--to', 'cilium')).stderr).toContain('nothing to plan');
    expect((await runCli('plan', SHOP_CATALOG, '--from', 'baseline', '--to', 'ambient')).stderr).toContain('unknown phase "ambient"');
    const dir = tmpDir('mesh-ladder-plan-');
    fs.writeFileSync(path.join(dir, 'precious.txt'), 'keep me');
    const refused = await runCli('plan', SHOP_CATALOG, '--from', 'baseline', '--to', 'cilium', '--out', dir);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('not empty');
    expect(fs.readFileSync(path.join(dir, 'precious.txt'), 'utf8')).toBe('keep me');
  });
});
