import { CiliumEvaluator } from '../../src/analysis/cilium';
import { CiliumDatapathEvaluator, HostAliases } from '../../src/analysis/datapath';
import { buildUniverse } from '../../src/analysis/endpoints';
import { EnforcementEvaluator } from '../../src/analysis/enforcement';
import { PortProbe } from '../../src/analysis/flows';
import { NetworkPolicyEvaluator } from '../../src/analysis/networkpolicy';
import { ServiceCatalog } from '../../src/model/catalog';
import { CatalogSpec, PortProtocol } from '../../src/model/types';

// NetworkPolicies and Cilium policies added up as Cilium enforces them: Cilium turns every
// NetworkPolicy into rules of its own repository (cilium/cilium pkg/k8s/network_policy.go,
// ParseNetworkPolicy), so any allow of either kind admits a connection, any isolation of
// either kind puts a direction into default-deny, and Cilium's deny rules win.
const spec: CatalogSpec = {
  namespace: 'default',
  services: [
    { name: 'web', ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: PortProtocol.HTTP }], calls: [{ service: 'api' }] },
    { name: 'api', ports: [{ name: 'http', port: 8080, protocol: PortProtocol.HTTP }] },
  ],
};
const catalog = ServiceCatalog.fromSpec(spec)._resolved;
const universe = buildUniverse(catalog);
const web = universe.endpoint('default/web');
const api = universe.endpoint('default/api');
const tcp = (port: number): PortProbe => ({ port, protocol: 'TCP' });

const np = (name: string, podSelector: unknown, rules: Record<string, unknown>) =>
  ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: 'default' }, spec: { podSelector, ...rules } });
const cnp = (name: string, spec_: Record<string, unknown>) =>
  ({ apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name, namespace: 'default' }, spec: spec_ });

/** Phase-1 style: web -> api on the app port 8080, both directions isolated. */
const baseline = [
  np('deny', {}, { policyTypes: ['Ingress', 'Egress'] }),
  np('web', { matchLabels: { app: 'web' } }, { policyTypes: ['Egress'], egress: [{ to: [{ podSelector: { matchLabels: { app: 'api' } } }], ports: [{ port: 8080, protocol: 'TCP' }] }] }),
  np('api', { matchLabels: { app: 'api' } }, { policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ port: 8080, protocol: 'TCP' }] }] }),
];
/** Linkerd's L4 layer style: the same, plus the proxy's inbound port 4143. */
const ciliumWith4143 = [
  cnp('web', { endpointSelector: { matchLabels: { app: 'web' } }, egress: [{ toEndpoints: [{ matchLabels: { app: 'api' } }], toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }, { port: '4143', protocol: 'TCP' }] }] }] }),
  cnp('api', { endpointSelector: { matchLabels: { app: 'api' } }, ingress: [{ fromEndpoints: [{ matchLabels: { app: 'web' } }], toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }, { port: '4143', protocol: 'TCP' }] }] }] }),
];

const union = (manifests: unknown[]) => new CiliumDatapathEvaluator(
  new NetworkPolicyEvaluator(universe, manifests), new CiliumEvaluator(universe, manifests), new HostAliases(universe, catalog));

describe('NetworkPolicy and Cilium policies together (what Cilium enforces)', () => {
  test('a port only the Cilium policies admit (Linkerd\'s 4143 during a migration) is allowed: allows add up', () => {
    const both = union([...baseline, ...ciliumWith4143]);
    expect(both.allows(web, api, tcp(8080))).toBe(true);
    expect(both.allows(web, api, tcp(4143))).toBe(true);
    // Neither admits another port; NetworkPolicy alone refuses 4143.
    expect(both.allows(web, api, tcp(9090))).toBe(false);
    expect(new NetworkPolicyEvaluator(universe, baseline).allows(web, api, tcp(4143))).toBe(false);
  });

  test('the step evaluator reads both as Cilium does', () => {
    const step = new EnforcementEvaluator(catalog, universe, [...baseline, ...ciliumWith4143]);
    expect(step.allows(web, api, tcp(4143))).toBe(true);
    expect(step.systems).toEqual(['networkpolicy', 'cilium']);
  });

  test('not the OR of the two: an allow on one end does not lift the other kind\'s default-deny on the other end', () => {
    // NetworkPolicy allows web's egress and isolates nothing at api; Cilium isolates api's ingress with no allow.
    const egressOnly = np('web', { matchLabels: { app: 'web' } }, { policyTypes: ['Egress'], egress: [{ ports: [{ port: 8080, protocol: 'TCP' }] }] });
    const apiDefaultDeny = cnp('api', { endpointSelector: { matchLabels: { app: 'api' } }, ingress: [{}] });
    expect(union([egressOnly, apiDefaultDeny]).allows(web, api, tcp(8080))).toBe(false);
    expect(union([egressOnly]).allows(web, api, tcp(8080))).toBe(true);
  });

  test('a Cilium deny rule wins over a NetworkPolicy allow', () => {
    const deny = cnp('deny-web', { endpointSelector: { matchLabels: { app: 'api' } }, ingressDeny: [{ fromEndpoints: [{ matchLabels: { app: 'web' } }], toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }] }] }] });
    expect(union([...baseline, deny]).allows(web, api, tcp(8080))).toBe(false);
  });

  test('an L4 allow of a NetworkPolicy lets every request through Cilium\'s L7 rules on the same port', () => {
    const l7 = cnp('api', {
      endpointSelector: { matchLabels: { app: 'api' } },
      ingress: [{ fromEndpoints: [{ matchLabels: { app: 'web' } }], toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }], rules: { http: [{ method: 'GET', path: '/items' }] } }] }],
    });
    const post = { method: 'POST', path: '/admin' };
    const get = { method: 'GET', path: '/items' };
    expect(union([l7]).allowsRequest(web, api, tcp(8080), post)).toBe(false);
    expect(union([l7]).allowsRequest(web, api, tcp(8080), get)).toBe(true);
    expect(union([...baseline, l7]).allowsRequest(web, api, tcp(8080), post)).toBe(true);
  });
});
