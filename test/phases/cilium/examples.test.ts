/** The examples under the cilium phase: what it emits for the shop, and that the proof passes. */
import * as path from 'path';
import { checkPhaseReachability } from '../../../src/analysis/phases';
import { MeshLadderChart } from '../../../src/chart';
import { PhaseCapabilityError } from '../../../src/emit/common';
import { ServiceCatalog } from '../../../src/model/catalog';
import { Phase } from '../../../src/model/phase';
import { L7Fallback } from '../../../src/model/types';
import { validateWithCrdSchemas } from '../../support/crd-schemas';

const EXAMPLES = path.join(__dirname, '..', '..', '..', 'examples');

describe('shop example, cilium phase', () => {
  // The shop scopes faults (and canaries) by header, which Cilium cannot route: it is
  // synthesized here without them, as `l7Fallback: skip` asks.
  const asGiven = ServiceCatalog.fromFile(path.join(EXAMPLES, 'shop', 'catalog.yaml'));
  const catalog = ServiceCatalog.fromSpec({ ...asGiven.spec, l7Fallback: L7Fallback.SKIP });
  const { objects, warnings, notes } = MeshLadderChart.synthesize(catalog, Phase.CILIUM);
  const find = (namespace: string, name: string) => objects.find(o => o.kind === 'CiliumNetworkPolicy' && o.metadata.namespace === namespace && o.metadata.name === name)!;

  test('header-scoped faults are refused unless skipped, and then each is a note; the shop has no cilium warning', () => {
    const refuse = ServiceCatalog.fromSpec({ ...asGiven.spec, l7Fallback: L7Fallback.REFUSE });
    expect(() => MeshLadderChart.manifests(refuse, Phase.CILIUM)).toThrow(PhaseCapabilityError);
    expect(() => MeshLadderChart.manifests(refuse, Phase.CILIUM)).toThrow(/shop\/reviews route review-exists: fault\.headers \(a fault for requests carrying x-chaos-test=true\)/);
    expect(notes).toContainEqual(expect.stringMatching(/^shop\/shipping route get-quote: fault\.headers .* Left out \(l7Fallback: skip\): no fault is injected\.$/));
    expect(warnings).toEqual([]);
  });

  test('one policy per service plus default-deny and DNS per namespace; all valid', () => {
    const policies = objects.filter(o => o.kind === 'CiliumNetworkPolicy');
    expect(policies.filter(p => p.metadata.labels['mesh-ladder.dev/service'])).toHaveLength(catalog.serviceIds.length);
    for (const ns of ['payments', 'shop']) {
      expect(policies.filter(p => p.metadata.namespace === ns && ['default-deny', 'allow-dns'].includes(p.metadata.name))).toHaveLength(2);
    }
    expect(validateWithCrdSchemas(objects).problems).toEqual([]);
  });

  test('external calls: the carrier API and the wildcard SMTP hosts by name, syslog by range', () => {
    expect(find('shop', 'shipping').spec.egress).toContainEqual({
      toFQDNs: [{ matchName: 'api.carrier.example.com' }], toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }],
    });
    const notifications = find('shop', 'notifications').spec.egress;
    expect(notifications).toContainEqual({
      toFQDNs: [{ matchPattern: '*.smtp.example.net' }],
      toPorts: [{ ports: [{ port: '465', protocol: 'TCP' }, { port: '587', protocol: 'TCP' }] }],
    });
    expect(notifications).toContainEqual({
      toCIDRSet: [{ cidr: '192.0.2.0/24', except: ['192.0.2.128/25'] }], toPorts: [{ ports: [{ port: '514', protocol: 'UDP' }] }],
    });
  });

  test('money-moving calls are limited to their routes at L7', () => {
    const charge = find('payments', 'charge');
    const fromCheckout = charge.spec.ingress.find((r: any) => r.fromEndpoints?.[0].matchLabels.app === 'checkout');
    expect(fromCheckout.toPorts).toHaveLength(1);
    expect(fromCheckout.toPorts[0].rules.http.length).toBe(2);
    expect(fromCheckout.toPorts[0].rules.http.every((h: any) => h.method?.startsWith('^') && h.path?.startsWith('^') && h.path.endsWith('$'))).toBe(true);
  });

  test('the proof passes at L3/L4 and at L7', () => {
    const report = checkPhaseReachability(catalog._resolved, Phase.CILIUM, objects);
    expect(report.missing).toEqual([]);
    expect(report.unexpected).toEqual([]);
    expect(report.requests!.missing).toEqual([]);
    expect(report.requests!.unexpected).toEqual([]);
    expect(report.requests!.declared.length).toBeGreaterThan(20);
    expect(report.requests!.probed.length).toBeGreaterThan(report.requests!.allowed.length);
    expect(report.ok).toBe(true);
  });

  test('snapshot (paired with the assertions above)', () => {
    expect(objects).toMatchSnapshot();
  });
});

describe('minimal example, cilium phase', () => {
  test('web may reach api on its pod port; the proof passes', () => {
    const catalog = ServiceCatalog.fromFile(path.join(EXAMPLES, 'minimal', 'catalog.yaml'));
    const objects = MeshLadderChart.manifests(catalog, Phase.CILIUM);
    const api = objects.find(o => o.kind === 'CiliumNetworkPolicy' && o.metadata.name === 'api');
    expect(api.spec.ingress).toEqual([{
      fromEndpoints: [{ matchLabels: { 'app': 'web', 'k8s:io.kubernetes.pod.namespace': 'default' } }],
      toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }] }],
    }]);
    expect(checkPhaseReachability(catalog._resolved, Phase.CILIUM, objects).ok).toBe(true);
  });
});
