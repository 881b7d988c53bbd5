/** `mesh-ladder check --phase all` (or a list): every phase proved in one run, one line each. */
import * as fs from 'fs';
import * as path from 'path';
import { MeshLadderChart } from '../../src/chart';
import { runCheckPhases } from '../../src/cli/check';
import { ServiceCatalog } from '../../src/model/catalog';
import { ALL_PHASES, Phase } from '../../src/model/phase';
import { ISSUE_CATALOG, SHOP_CATALOG, runCli, tmpDir } from '../support/cli';

function capture(): { io: { stdout: (t: string) => void; stderr: (t: string) => void }; out: () => string } {
  let stdout = '';
  return { io: { stdout: t => { stdout += t; }, stderr: () => undefined }, out: () => stdout };
}

describe('mesh-ladder check --phase all', () => {
  test('the shop: one OK line per phase in ladder order, a total line, exit 0', async () => {
    const result = await runCli('check', SHOP_CATALOG, '--phase', 'all');
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.slice(0, 4).map(l => l.split(':')[0])).toEqual([...ALL_PHASES]);
    for (const line of lines.slice(0, 4)) {
      expect(line).toMatch(/^\w+: OK · lint: 0 error\(s\), \d+ warning\(s\).* · .*: \d+ declared, \d+ allowed, 0 missing, 0 unexpected/);
    }
    expect(lines[lines.length - 1]).toBe('4 of 4 phases OK: OK');
    // Warnings go to stderr, labelled with their phase.
    expect(result.stderr).toMatch(/linkerd/);
  });

  test('a list of phases as JSON: the single-phase report per phase, in ladder order', async () => {
    const result = await runCli('check', ISSUE_CATALOG, '--phase', 'istio,cilium', '--format', 'json');
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json.ok).toBe(true);
    expect(json.phases.map((p: any) => p.phase)).toEqual(['cilium', 'istio']);
    expect(json.phases[0]).toMatchObject({ phase: 'cilium', evaluator: 'Cilium', ok: true, reachabilityOk: true });
    expect(json.phases[1]).toMatchObject({ phase: 'istio', ok: true, requests: { summary: { missing: 0, unexpected: 0 } } });
    const single = JSON.parse((await runCli('check', ISSUE_CATALOG, '--phase', 'istio', '--format', 'json')).stdout);
    expect(json.phases[1]).toEqual(single);
  });

  test('Markdown: the summary table first, each phase folded', async () => {
    const result = await runCli('check', ISSUE_CATALOG, '--phase', 'cilium,linkerd', '--format', 'markdown');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^# mesh-ladder check: cilium, linkerd — OK\n\n\| phase \| verdict \| summary \|\n\|---\|---\|---\|\n\| cilium \| OK \| Cilium: /);
    expect(result.stdout).toContain('<details><summary>linkerd: OK</summary>');
    expect(result.stdout).toContain('## mesh-ladder check: linkerd — OK');
    expect(result.stdout.indexOf('| linkerd | OK |')).toBeLessThan(result.stdout.indexOf('<details>'));
  });

  test('one failing phase: its line says FAIL, its problems follow, exit 1; the other phases still pass', () => {
    const catalog = ServiceCatalog.fromFile(ISSUE_CATALOG);
    const { io, out } = capture();
    // A hand-edited Cilium manifest: the charge policy loses its L7 rules.
    const synthesize = (phase: Phase) => {
      const objects = MeshLadderChart.manifests(catalog, phase);
      if (phase === Phase.CILIUM) {
        const charge = objects.find(o => o.kind === 'CiliumNetworkPolicy' && o.metadata.name === 'charge');
        delete charge.spec.ingress[0].toPorts[0].rules;
      }
      return { objects, notes: [] };
    };
    const code = runCheckPhases(catalog, [Phase.CILIUM, Phase.ISTIO], synthesize, 'text', io);
    expect(code).toBe(1);
    const lines = out().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^cilium: FAIL · .*L7 requests: 20 declared, 24 allowed, 0 missing, 4 unexpected: FAIL$/);
    expect(lines[1]).toMatch(/^istio: OK · /);
    const problems = out().slice(out().indexOf('\ncilium:\n') + '\ncilium:\n'.length, out().lastIndexOf('\n\n')).split('\n');
    expect(problems).toHaveLength(4);
    expect(problems).toContain('  UNEXPECTED REQUEST shop/checkout -> payments/charge 8080/TCP DELETE /charge');
    expect(problems.every(p => p.startsWith('  UNEXPECTED REQUEST shop/checkout -> payments/charge 8080/TCP '))).toBe(true);
    expect(lines[lines.length - 1]).toBe('1 of 2 phases OK: FAIL');
  });

  test('a phase that cannot express the catalog is REFUSED with the reason, the others are proved, exit 2', async () => {
    const text = await runCli('check', ISSUE_CATALOG, '--phase', 'baseline,cilium');
    expect(text.code).toBe(2);
    expect(text.stdout).toMatch(/^baseline: REFUSED · the baseline phase cannot express 1 call\(s\):\ncilium: OK · /);
    expect(text.stdout).toMatch(/\nbaseline:\n  the baseline phase cannot express 1 call\(s\):\n  - .*issue-example.yaml:\d+:\d+: services\[1\]\.calls\[1\]/);

    const dir = tmpDir('mesh-ladder-check-phases-');
    const file = path.join(dir, 'catalog.yaml');
    fs.writeFileSync(file, [
      'namespace: shop',
      'linkerd: { l4: none }',
      'services:',
      '  - name: dns',
      '    ports: [{ name: dns, port: 53, protocol: udp }]',
      '',
    ].join('\n'));
    const result = await runCli('check', file, '--phase', 'baseline,linkerd', '--format', 'json');
    expect(result.code).toBe(2);
    const json = JSON.parse(result.stdout);
    expect(json.ok).toBe(false);
    expect(json.phases[0]).toMatchObject({ phase: 'baseline', ok: true });
    expect(json.phases[1]).toEqual({ phase: 'linkerd', ok: false, refused: expect.stringMatching(/Linkerd proxies TCP only/) });
  });

  test('degradations for the targeted releases are counted on the phase line and listed in JSON, never a failure', () => {
    const catalog = ServiceCatalog.fromFile(ISSUE_CATALOG);
    const degradation = 'shop/checkout: Istio 1.22 has no reset-before-request';
    const synthesize = (phase: Phase) => ({
      objects: MeshLadderChart.manifests(catalog, phase), notes: [], degradations: phase === Phase.ISTIO ? [degradation] : [],
    });
    const text = capture();
    expect(runCheckPhases(catalog, [Phase.CILIUM, Phase.ISTIO], synthesize, 'text', text.io)).toBe(0);
    expect(text.out()).toMatch(/\nistio: OK · .*: OK · 1 degraded for the targeted releases\n/);
    expect(text.out()).not.toMatch(/^cilium: .*degraded/);
    const json = capture();
    expect(runCheckPhases(catalog, [Phase.CILIUM, Phase.ISTIO], synthesize, 'json', json.io)).toBe(0);
    const parsed = JSON.parse(json.out());
    expect(parsed.phases.map((p: any) => p.degradations)).toEqual([[], [degradation]]);
  });

  test('an unknown phase in the list is a usage error', async () => {
    const result = await runCli('check', ISSUE_CATALOG, '--phase', 'baseline,consul');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown phase "consul"/);
  });
});
