import { Testing } from 'cdk8s';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { NetworkPolicyLayer } from '../../src/layers/network-policy';
import { ServiceCatalog } from '../../src/model/catalog';
import { CatalogSpec, PortProtocol } from '../../src/model/types';
import { issueExample } from '../support/fixtures';

function synth(spec: CatalogSpec, defaultDeny?: boolean): any[] {
  const chart = Testing.chart();
  new NetworkPolicyLayer(chart, 'np', { catalog: ServiceCatalog.fromSpec(spec), defaultDeny });
  return Testing.synth(chart);
}

function policy(manifests: any[], namespace: string, name: string): any {
  const found = manifests.find(m => m.kind === 'NetworkPolicy' && m.metadata.namespace === namespace && m.metadata.name === name);
  expect(found).toBeDefined();
  return found;
}

describe('NetworkPolicyLayer on the issue example', () => {
  const manifests = synth(issueExample);

  test('every object is a valid NetworkPolicy', () => {
    for (const m of manifests) {
      expect(() => new NetworkPolicy(m).validate()).not.toThrow();
    }
  });

  test('each owned namespace gets default-deny (both directions) and a DNS allow', () => {
    for (const ns of ['payments', 'shop']) {
      expect(policy(manifests, ns, 'default-deny').spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
      expect(policy(manifests, ns, 'allow-dns').spec).toEqual({
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [{
          to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
          ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
        }],
      });
    }
  });

  test('frontend: ingress from the ingress controller and loadgen on the POD port 8080', () => {
    const frontend = policy(manifests, 'shop', 'frontend').spec;
    expect(frontend.podSelector).toEqual({ matchLabels: { app: 'frontend' } });
    expect(frontend.ingress).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } } }], ports: [{ protocol: 'TCP', port: 8080 }] },
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } }, podSelector: { matchLabels: { app: 'loadgen' } } }], ports: [{ protocol: 'TCP', port: 8080 }] },
    ]);
    // Egress to catalog (all versions) on 8080, checkout on 5050.
    expect(frontend.egress).toEqual([
      { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } }, podSelector: { matchLabels: { app: 'catalog' } } }], ports: [{ protocol: 'TCP', port: 8080 }] },
      { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } }, podSelector: { matchLabels: { app: 'checkout' } } }], ports: [{ protocol: 'TCP', port: 5050 }] },
    ]);
  });

  test('checkout: cross-namespace egress, ipBlock for cidr and host cidrs', () => {
    const checkout = policy(manifests, 'shop', 'checkout').spec;
    expect(checkout.egress).toEqual([
      { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'payments' } }, podSelector: { matchLabels: { app: 'charge' } } }], ports: [{ protocol: 'TCP', port: 8080 }] },
      { to: [{ ipBlock: { cidr: '198.51.100.0/24' } }], ports: [{ protocol: 'TCP', port: 443 }] },
      { to: [{ ipBlock: { cidr: '10.20.0.0/16' } }], ports: [{ protocol: 'TCP', port: 5432 }] },
    ]);
    const charge = policy(manifests, 'payments', 'charge').spec;
    expect(charge.ingress).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } }, podSelector: { matchLabels: { app: 'checkout' } } }], ports: [{ protocol: 'TCP', port: 8080 }] },
    ]);
    expect(charge.egress).toEqual([]);
  });

  test('a service nobody calls gets an explicit empty ingress list (deny)', () => {
    const loadgen = policy(manifests, 'shop', 'loadgen').spec;
    expect(loadgen.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(loadgen.ingress).toEqual([]);
  });

  test('matches a snapshot', () => {
    expect(manifests).toMatchSnapshot();
  });
});

describe('NetworkPolicyLayer edge cases', () => {
  test('a host call without cidrs is refused with advice, never dropped', () => {
    const spec: CatalogSpec = {
      services: [{ name: 'api', ports: [{ port: 80 }], calls: [{ host: 'api.stripe.com', port: 443 }] }],
    };
    expect(() => synth(spec)).toThrow(/default\/api calls host api\.stripe\.com:443: NetworkPolicy matches IP addresses, not DNS names\. Add "cidrs".*or use the cilium phase/);
  });

  test('non-owned namespaces get no default-deny but each policy carries its DNS egress', () => {
    const spec: CatalogSpec = {
      namespaces: [{ name: 'legacy', owned: false }],
      services: [{ name: 'old', namespace: 'legacy', ports: [{ port: 53, protocol: PortProtocol.UDP }] }, { name: 'new', clientOnly: true, calls: [{ service: 'legacy/old' }] }],
    };
    const manifests = synth(spec);
    expect(manifests.filter(m => m.metadata.namespace === 'legacy').map(m => m.metadata.name)).toEqual(['old']);
    const old = policy(manifests, 'legacy', 'old').spec;
    expect(old.egress).toHaveLength(1);
    expect(old.egress[0].ports).toEqual([{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }]);
    expect(old.ingress[0].ports).toEqual([{ protocol: 'UDP', port: 53 }]);
    expect(policy(manifests, 'default', 'default-deny')).toBeDefined();
  });

  test('defaultDeny: false emits only the per-service policies', () => {
    const manifests = synth(issueExample, false);
    expect(manifests.map(m => m.metadata.name).sort()).toEqual(['catalog', 'charge', 'checkout', 'frontend', 'loadgen']);
  });

  test('several calls to the same callee merge into one rule with all their ports', () => {
    const spec: CatalogSpec = {
      services: [
        { name: 'a', clientOnly: true, calls: [{ service: 'b', port: 'http' }, { service: 'b', port: 9090 }] },
        { name: 'b', ports: [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'metrics', port: 9090, targetPort: 9091 }, { port: 7000 }] },
      ],
    };
    const a = policy(synth(spec), 'default', 'a').spec;
    expect(a.egress).toEqual([
      { to: [expect.anything()], ports: [{ protocol: 'TCP', port: 8080 }, { protocol: 'TCP', port: 9091 }] },
    ]);
  });
});

describe('NetworkPolicyLayer under a mesh', () => {
  function synthMesh(spec: CatalogSpec): any[] {
    const chart = Testing.chart();
    new NetworkPolicyLayer(chart, 'np', {
      catalog: ServiceCatalog.fromSpec(spec),
      mesh: { inboundProxyPorts: [4143], controlPlane: [{ namespace: 'linkerd', ports: [8090, 8086] }] },
    });
    return Testing.synth(chart);
  }

  test('callers may reach the proxy inbound port on both ends, next to the pod ports', () => {
    const manifests = synthMesh(issueExample);
    const frontend = policy(manifests, 'shop', 'frontend').spec;
    expect(frontend.ingress.map((r: any) => r.ports)).toEqual([
      [{ protocol: 'TCP', port: 4143 }, { protocol: 'TCP', port: 8080 }],
      [{ protocol: 'TCP', port: 4143 }, { protocol: 'TCP', port: 8080 }],
    ]);
    expect(frontend.egress[1].ports).toEqual([{ protocol: 'TCP', port: 4143 }, { protocol: 'TCP', port: 5050 }]);
    // External calls are not meshed: no proxy port there.
    const checkout = policy(manifests, 'shop', 'checkout').spec;
    expect(checkout.egress[2].ports).toEqual([{ protocol: 'TCP', port: 5432 }]);
  });

  test('every owned namespace may reach the control plane', () => {
    const manifests = synthMesh(issueExample);
    for (const ns of ['payments', 'shop']) {
      expect(policy(manifests, ns, 'allow-mesh-control-plane').spec).toEqual({
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [{
          to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'linkerd' } }, podSelector: {} }],
          ports: [{ protocol: 'TCP', port: 8086 }, { protocol: 'TCP', port: 8090 }],
        }],
      });
    }
  });
});
