import { checkNetworkPolicyReachability } from '../../src/analysis/reachability';
import { formatMatrixMarkdown, formatMatrixText, formatProblems, formatReportText, formatSummary, MATRIX_LEGEND, MATRIX_MAX_CELLS, reportToJson } from '../../src/analysis/report';
import { ServiceCatalog } from '../../src/model/catalog';
import { issueExample } from '../support/fixtures';
import { Manifest, findPolicy, synthBaseline } from '../support/synth';

const catalog = ServiceCatalog.fromSpec(issueExample);
const baseline = synthBaseline(catalog);
/** frontend's ingress written on the Service port (80) instead of the pod port (8080). */
const broken: Manifest[] = JSON.parse(JSON.stringify(baseline));
for (const rule of findPolicy(broken, 'shop', 'frontend').spec.ingress) {
  rule.ports = [{ protocol: 'TCP', port: 80 }];
}
const good = checkNetworkPolicyReachability(catalog._resolved, baseline);
const bad = checkNetworkPolicyReachability(catalog._resolved, broken);

describe('problems and summary', () => {
  test('one line per missing and unexpected flow', () => {
    expect(formatProblems(bad)).toEqual([
      'MISSING shop/loadgen -> shop/frontend 8080/TCP',
      'MISSING ingress-nginx/ingress-controller -> shop/frontend 8080/TCP',
      'UNEXPECTED ingress-nginx/ingress-controller -> shop/frontend 80/TCP',
    ]);
    expect(formatProblems(good)).toEqual([]);
  });

  test('diagnostics are problems too', () => {
    const report = checkNetworkPolicyReachability(catalog._resolved, [...baseline, { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'x' }, spec: { podSelector: {}, policyTypes: ['Egress'] } }]);
    expect(formatProblems(report)).toContain('WARNING NetworkPolicy default/x: metadata.namespace is missing; it lands in the namespace kubectl targets (assumed "default")');
  });

  test('summary line', () => {
    expect(formatSummary(good)).toBe('NetworkPolicy: 20 declared, 24 allowed, 0 missing, 0 unexpected, 4 tolerated: OK');
    expect(formatSummary(bad)).toBe('NetworkPolicy: 20 declared, 23 allowed, 2 missing, 1 unexpected, 4 tolerated: FAIL');
  });
});

describe('flow matrix', () => {
  test('text: aligned columns, sources as rows, destinations as columns, marked ports', () => {
    const text = formatMatrixText(bad);
    const lines = text.trimEnd().split('\n');
    const header = lines[0];
    expect(header.split(/ {2,}/)).toEqual(['from \\ to', 'payments/charge', 'shop/catalog@v1', 'shop/catalog@v2', 'shop/checkout', 'shop/frontend',
      'kube-system/dns', 'cidr:10.20.0.0/16', 'cidr:198.51.100.0/24']);
    const rows = lines.slice(1, lines.indexOf(''));
    expect(rows.map(r => r.split(/ {2,}/)[0])).toEqual(['payments/charge', 'shop/catalog@v1', 'shop/catalog@v2', 'shop/checkout', 'shop/frontend',
      'shop/loadgen', 'ingress-nginx/ingress-controller', 'payments/(other pod)', 'shop/(other pod)']);
    // Every cell of a column starts where its header does.
    const frontendColumn = header.indexOf('shop/frontend');
    expect(rows.find(r => r.startsWith('shop/loadgen'))!.slice(frontendColumn)).toMatch(/^-8080\/TCP {2,}53\/TCP 53\/UDP/);
    expect(rows.find(r => r.startsWith('ingress-nginx/ingress-controller'))!.slice(frontendColumn)).toMatch(/^\+80\/TCP -8080\/TCP {2,}\. /);
    expect(rows.find(r => r.startsWith('shop/frontend'))!.slice(header.indexOf('shop/checkout'))).toMatch(/^5050\/TCP /);
    expect(rows.find(r => r.startsWith('shop/(other pod)'))!.slice(header.indexOf('kube-system/dns'))).toMatch(/^~53\/TCP ~53\/UDP {2,}\. +\.$/);
    expect(rows.find(r => r.startsWith('shop/(other pod)'))!.slice(0, header.indexOf('kube-system/dns'))).toMatch(/^shop\/\(other pod\) +(\. +)+$/);
    expect(lines[lines.length - 1]).toBe(MATRIX_LEGEND);
  });

  test('markdown: a GitHub table with the same cells', () => {
    const md = formatMatrixMarkdown(bad).trimEnd().split('\n');
    expect(md[0]).toBe('| from \\\\ to | payments/charge | shop/catalog@v1 | shop/catalog@v2 | shop/checkout | shop/frontend | kube-system/dns '
      + '| cidr:10.20.0.0/16 | cidr:198.51.100.0/24 |');
    expect(md[1]).toBe('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    expect(md[2]).toBe('| **payments/charge** |  |  |  |  |  | `53/TCP 53/UDP` |  |  |');
    expect(md).toContain('| **ingress-nginx/ingress-controller** |  |  |  |  | `+80/TCP -8080/TCP` |  |  |  |');
    expect(md.filter(l => l.startsWith('| ')).every(l => l.split(' | ').length === 9)).toBe(true);
  });

  test('empty reports say so', () => {
    const empty = { ...good, allowed: [], missing: [], unexpected: [], tolerated: [] };
    expect(formatMatrixText(empty)).toBe('(no flows)\n');
    expect(formatMatrixMarkdown(empty)).toBe('_no flows_\n');
  });

  test('a matrix over MATRIX_MAX_CELLS cells is not drawn (problems and summary still are)', () => {
    const flow = (i: number, j: number) => ({ from: `s/a${i}`, to: `d/b${j}`, port: 80, protocol: 'TCP' as const, reasons: ['call'] });
    const square = (n: number) => Array.from({ length: n }, (_, i) => flow(i, i));
    const endpoints = Array.from({ length: 201 }, (_, i) => [`s/a${i}`, `d/b${i}`]).flat();
    const small = { ...good, endpoints, allowed: square(200), declared: square(200), missing: [], unexpected: [], tolerated: [] };
    expect(formatMatrixText(small).split('\n').length).toBeGreaterThan(200);
    const big = { ...small, allowed: square(201), declared: square(201), unexpected: [flow(0, 1)] };
    const omitted = 'flow matrix omitted: 201 sources x 201 destinations (over 40000 cells); --format json lists every flow';
    expect(MATRIX_MAX_CELLS).toBe(40_000);
    expect(formatMatrixText(big)).toBe(`(${omitted})\n`);
    expect(formatMatrixMarkdown(big)).toBe(`_${omitted}_\n`);
    expect(formatReportText(big)).toContain('UNEXPECTED s/a0 -> d/b1 80/TCP');
  });

  test('the full text report: matrix, problems, summary', () => {
    const text = formatReportText(bad);
    expect(text.startsWith(formatMatrixText(bad))).toBe(true);
    expect(text).toContain('\nMISSING shop/loadgen -> shop/frontend 8080/TCP\n');
    expect(text.endsWith(`\n${formatSummary(bad)}\n`)).toBe(true);
  });
});

describe('JSON form', () => {
  test('plain data with counts, flows, reasons and routes', () => {
    const json = reportToJson(bad);
    expect(json.ok).toBe(false);
    expect(json.summary).toEqual({ declared: 20, allowed: 23, missing: 2, unexpected: 1, tolerated: 4, errors: 0, warnings: 0 });
    expect(json.missing[0]).toEqual({ from: 'shop/loadgen', to: 'shop/frontend', port: 8080, protocol: 'TCP', reasons: ['call shop/loadgen -> shop/frontend'] });
    expect(json.unexpected).toEqual([{ from: 'ingress-nginx/ingress-controller', to: 'shop/frontend', port: 80, protocol: 'TCP' }]);
    expect(json.declared.find(f => f.to === 'shop/checkout')).toEqual({
      from: 'shop/frontend', to: 'shop/checkout', port: 5050, protocol: 'TCP', reasons: ['call shop/frontend -> shop/checkout'], routes: ['place-order'],
    });
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
    expect(JSON.stringify(reportToJson(checkNetworkPolicyReachability(catalog._resolved, broken)))).toBe(JSON.stringify(json));
  });
});
