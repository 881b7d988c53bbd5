import * as fs from 'fs';
import { catalogEdits, attributeEdit } from '../../src/analysis/catalog-edits';
import { lintPhase } from '../../src/analysis/lint';
import { checkPhaseReachability } from '../../src/analysis/phases';
import { checkSarif } from '../../src/analysis/sarif';
import { MeshLadderChart } from '../../src/chart';
import { catalogLocator } from '../../src/cli/sources';
import { ServiceCatalog } from '../../src/model/catalog';
import { Phase } from '../../src/model/phase';
import { runCli, SHOP_CATALOG } from '../support/cli';
import { lineOf, sarifErrors } from '../support/sarif';

const SHOP_TEXT = fs.readFileSync(SHOP_CATALOG, 'utf8');

describe('check --format sarif', () => {
  test('lint findings validate against SARIF 2.1.0 and sit on the route they are about', async () => {
    const { code, stdout } = await runCli('check', SHOP_CATALOG, '--phase', 'istio', '--format', 'sarif');
    expect(code).toBe(0);
    const log = JSON.parse(stdout);
    expect(sarifErrors(log)).toEqual([]);
    const addItem = log.runs[0].results.find((r: any) => r.ruleId === 'lint/retry-non-idempotent-route' && r.message.text.includes('shop/cart route add-item'));
    // Suppressed in the catalog with a reason: a note, not an error.
    expect(addItem.level).toBe('note');
    expect(addItem.locations[0].physicalLocation.artifactLocation).toEqual({ uri: 'examples/shop/catalog.yaml', uriBaseId: '%SRCROOT%' });
    expect(addItem.locations[0].physicalLocation.region.startLine).toBe(lineOf(SHOP_TEXT, '- name: add-item'));
    const rules = log.runs[0].tool.driver.rules.map((r: any) => r.id);
    expect(log.runs[0].results.every((r: any) => rules[r.ruleIndex] === r.ruleId)).toBe(true);
  });

  test('a host-call finding sits on the call it is about', async () => {
    const { stdout } = await runCli('check', SHOP_CATALOG, '--phase', 'baseline', '--format', 'sarif');
    const stripe = JSON.parse(stdout).runs[0].results.find((r: any) => r.ruleId === 'lint/host-call-in-baseline' && r.message.text.includes('api.stripe.com'));
    expect(stripe.locations[0].physicalLocation.region.startLine).toBe(lineOf(SHOP_TEXT, 'host: api.stripe.com'));
  });

  test('a declared flow the manifests drop is an error at the caller\'s calls', () => {
    const catalog = ServiceCatalog.fromFile(SHOP_CATALOG);
    // Without the cart's policy, its declared egress (to the catalog) is denied by the default-deny.
    const objects = MeshLadderChart.manifests(catalog, Phase.BASELINE)
      .filter(o => !(o.kind === 'NetworkPolicy' && o.metadata.namespace === 'shop' && o.metadata.name === 'cart'));
    const report = checkPhaseReachability(catalog._resolved, Phase.BASELINE, objects);
    const log: any = checkSarif([{ phase: 'baseline', lint: lintPhase(catalog._resolved, Phase.BASELINE, objects), report }], catalogLocator(catalog), '0.0.0');
    expect(sarifErrors(log)).toEqual([]);
    const missing = log.runs[0].results.filter((r: any) => r.ruleId === 'missing-flow' && r.message.text.includes('shop/cart -> shop/catalog'));
    expect(missing.length).toBeGreaterThan(0);
    const cartCalls = lineOf(SHOP_TEXT, '    calls:', lineOf(SHOP_TEXT, '- name: cart'));
    expect(missing.every((r: any) => r.level === 'error' && r.locations[0].physicalLocation.region.startLine === cartCalls)).toBe(true);
  });
});

describe('catalog edits', () => {
  const base = {
    namespace: 'shop',
    services: [
      { name: 'a', calls: [{ service: 'b' }, { service: 'c' }] },
      { name: 'b', ports: [{ name: 'http', port: 80 }] },
    ],
  };

  test('reordering lists is no edit; lists of named entries match by name', () => {
    const reordered = { services: [{ ...base.services[1] }, { name: 'a', calls: [{ service: 'c' }, { service: 'b' }] }], namespace: 'shop' };
    expect(catalogEdits(base, reordered)).toEqual([]);
  });

  test('an added call is one edit at its head path; the flow it opens is attributed to it', () => {
    const head = {
      namespace: 'shop',
      services: [
        { name: 'b', ports: [{ name: 'http', port: 80 }], calls: [{ service: 'a' }] },
        { name: 'a', calls: [{ service: 'b' }, { service: 'c' }] },
      ],
    };
    const edits = catalogEdits(base, head);
    expect(edits).toEqual([{ kind: 'added', path: ['services', 0, 'calls'], field: 'services[b].calls', service: 'shop/b', section: 'calls' }]);
    expect(attributeEdit(edits, 'shop/b', 'shop/a')).toBe(edits[0]);
  });

  test('a removed entry points at the list that held it; a changed setting at itself', () => {
    const head = {
      namespace: 'shop',
      cilium: { defaultDeny: false },
      services: [
        { name: 'a', calls: [{ service: 'c' }] },
        { name: 'b', ports: [{ name: 'http', port: 80 }] },
      ],
    };
    const edits = catalogEdits({ ...base, cilium: { defaultDeny: true } }, head);
    expect(edits).toEqual([
      { kind: 'changed', path: ['cilium', 'defaultDeny'], field: 'cilium.defaultDeny', section: 'cilium', service: undefined },
      { kind: 'removed', path: ['services', 0, 'calls'], field: 'services[a].calls[-1]', service: 'shop/a', section: 'calls' },
    ]);
    // The flow a -> b disappears: the removed call explains it before the catalog-wide setting.
    expect(attributeEdit(edits, 'shop/a', 'shop/b')).toBe(edits[1]);
    // A flow between other services: the catalog-wide setting.
    expect(attributeEdit(edits, 'shop/x', 'shop/y')).toBe(edits[0]);
  });
});
