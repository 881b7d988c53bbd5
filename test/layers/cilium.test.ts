import { Chart, Testing } from 'cdk8s';
import { CiliumPolicyLayer, CiliumPolicyLayerProps } from '../../src/layers/cilium';
import { httpRuleOf } from '../../src/layers/cilium-http';
import { ServiceCatalog } from '../../src/model/catalog';
import { CatalogSpec, HttpMethod, PortProtocol } from '../../src/model/types';
import { validateWithCrdSchemas } from '../support/crd-schemas';
import { issueExample } from '../support/fixtures';
import { Manifest } from '../support/synth';
import { findCiliumPolicy } from '../support/synth-cilium';

function synth(spec: CatalogSpec, props: Omit<CiliumPolicyLayerProps, 'catalog'> = {}, chart: Chart = Testing.chart()): { manifests: Manifest[]; layer: CiliumPolicyLayer } {
  const layer = new CiliumPolicyLayer(chart, 'cilium', { ...props, catalog: ServiceCatalog.fromSpec(spec) });
  return { manifests: Testing.synth(chart), layer };
}

const NS = 'k8s:io.kubernetes.pod.namespace';

describe('CiliumPolicyLayer on the issue example', () => {
  const { manifests, layer } = synth(issueExample);

  test('every object is a cilium.io/v2 policy valid against the CRD schema', () => {
    expect(manifests.every(m => m.apiVersion === 'cilium.io/v2' && m.kind === 'CiliumNetworkPolicy')).toBe(true);
    const validation = validateWithCrdSchemas(manifests);
    expect(validation.problems).toEqual([]);
    if (validation.checked) {
      expect(validation.objects).toBe(manifests.length);
    }
  });

  test('per owned namespace: default-deny for both directions and a DNS allow with rules.dns', () => {
    for (const ns of ['payments', 'shop']) {
      const deny = findCiliumPolicy(manifests, ns, 'default-deny');
      expect(deny.spec).toEqual({ endpointSelector: {}, ingress: [{}], egress: [{}], enableDefaultDeny: { ingress: true, egress: true } });
      const dns = findCiliumPolicy(manifests, ns, 'allow-dns');
      expect(dns.spec.endpointSelector).toEqual({});
      expect(dns.spec.ingress).toBeUndefined();
      expect(dns.spec.egress).toEqual([{
        toEndpoints: [{ matchLabels: { 'k8s-app': 'kube-dns', [NS]: 'kube-system' } }],
        toPorts: [{ ports: [{ port: '53', protocol: 'ANY' }], rules: { dns: [{ matchPattern: '*' }] } }],
      }]);
    }
  });

  test('a call limited to one POST route becomes an L7 rule on the callee, across namespaces', () => {
    const charge = findCiliumPolicy(manifests, 'payments', 'charge');
    expect(charge.metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'cdk8s-mesh-ladder', 'mesh-ladder.dev/service': 'charge' });
    expect(charge.spec.endpointSelector).toEqual({ matchLabels: { app: 'charge' } });
    expect(charge.spec.ingress).toEqual([{
      fromEndpoints: [{ matchLabels: { app: 'checkout', [NS]: 'shop' } }],
      toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }], rules: { http: [{ method: '^POST$', path: '^/charge(\\?.*)?$' }] } }],
    }]);
    // Nothing outgoing declared: the direction is still enforced.
    expect(charge.spec.egress).toEqual([{}]);
  });

  test('gRPC routes are POST /<package.Service>/<Method>; unrestricted calls are L4 only', () => {
    const checkout = findCiliumPolicy(manifests, 'shop', 'checkout');
    expect(checkout.spec.ingress[0].toPorts[0].rules.http).toEqual([{ method: '^POST$', path: '^/shop\\.Checkout/PlaceOrder$' }]);
    const catalog = findCiliumPolicy(manifests, 'shop', 'catalog');
    expect(catalog.spec.ingress).toEqual([{ fromEndpoints: [{ matchLabels: { app: 'frontend', [NS]: 'shop' } }], toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }] }] }]);
  });

  test('egress: callees on pod ports with their namespace, host calls as toFQDNs, cidr calls as toCIDRSet', () => {
    const checkout = findCiliumPolicy(manifests, 'shop', 'checkout');
    expect(checkout.spec.egress).toEqual([
      { toEndpoints: [{ matchLabels: { app: 'charge', [NS]: 'payments' } }], toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }] }] },
      { toFQDNs: [{ matchName: 'api.stripe.com' }], toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }] },
      { toCIDRSet: [{ cidr: '10.20.0.0/16' }], toPorts: [{ ports: [{ port: '5432', protocol: 'TCP' }] }] },
    ]);
  });

  test('exposed services admit the ingress controller on every pod port', () => {
    const frontend = findCiliumPolicy(manifests, 'shop', 'frontend');
    expect(frontend.spec.ingress[0]).toEqual({
      fromEndpoints: [{ matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx', [NS]: 'ingress-nginx' } }],
      toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }] }],
    });
  });

  test('escape hatches return the emitted objects', () => {
    expect(layer.policyFor('payments/charge')?.name).toBe('charge');
    expect(layer.policyFor('shop/nope')).toBeUndefined();
    expect(layer.namespacePoliciesFor('shop').map(p => p.name)).toEqual(['default-deny', 'allow-dns']);
    expect(layer.namespacePoliciesFor('kube-system')).toEqual([]);
    expect(layer.clusterwidePolicies).toEqual([]);
  });

  test('snapshot (paired with the assertions above)', () => {
    expect(manifests).toMatchSnapshot();
  });
});

describe('CiliumPolicyLayer options', () => {
  test('clusterwide default-deny: CiliumClusterwideNetworkPolicies over the owned namespaces, without a namespace', () => {
    const chart = Testing.chart();
    const { manifests, layer } = synth({ ...issueExample, cilium: { clusterwideDefaultDeny: true } }, {}, chart);
    const wide = manifests.filter(m => m.kind === 'CiliumClusterwideNetworkPolicy');
    expect(wide.map(m => m.metadata.name)).toEqual(['mesh-ladder-default-deny', 'mesh-ladder-allow-dns']);
    for (const m of wide) {
      expect(m.metadata.namespace).toBeUndefined();
      expect(m.spec.endpointSelector).toEqual({ matchExpressions: [{ key: NS, operator: 'In', values: ['payments', 'shop'] }] });
    }
    expect(manifests.some(m => m.kind === 'CiliumNetworkPolicy' && m.metadata.name === 'default-deny')).toBe(false);
    expect(layer.clusterwidePolicies).toHaveLength(2);
    expect(validateWithCrdSchemas(manifests).problems).toEqual([]);
  });

  test('a chart namespace does not leak into cluster-scoped policies', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c', { namespace: 'elsewhere' });
    const { manifests } = synth({ ...issueExample, cilium: { clusterwideDefaultDeny: true } }, {}, chart);
    expect(manifests.filter(m => m.kind === 'CiliumClusterwideNetworkPolicy').every(m => m.metadata.namespace === undefined)).toBe(true);
  });

  test('mutual auth: authentication required on ingress rules between catalog services only', () => {
    const { manifests } = synth(issueExample, { mutualAuth: true });
    const frontend = findCiliumPolicy(manifests, 'shop', 'frontend');
    expect(frontend.spec.ingress[0].authentication).toBeUndefined(); // ingress controller
    expect(frontend.spec.ingress[1].authentication).toEqual({ mode: 'required' });
    expect(findCiliumPolicy(manifests, 'payments', 'charge').spec.ingress[0].authentication).toEqual({ mode: 'required' });
    // The catalog switch does the same.
    const fromCatalog = synth({ ...issueExample, cilium: { mutualAuth: true } }).manifests;
    expect(findCiliumPolicy(fromCatalog, 'payments', 'charge').spec.ingress[0].authentication).toEqual({ mode: 'required' });
  });

  test('ingress from the world: exposed services allow fromEntities world instead of the ingress controller', () => {
    const { manifests } = synth({ ...issueExample, cilium: { ingressFromWorld: true } });
    const frontend = findCiliumPolicy(manifests, 'shop', 'frontend');
    expect(frontend.spec.ingress[0]).toEqual({ fromEntities: ['world'], toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }] }] });
  });

  test('no default-deny: no namespace policies, and every service policy carries the DNS allow', () => {
    const { manifests } = synth(issueExample, { defaultDeny: false });
    expect(manifests.map(m => m.metadata.name).sort()).toEqual(['catalog', 'charge', 'checkout', 'frontend', 'loadgen']);
    const charge = findCiliumPolicy(manifests, 'payments', 'charge');
    expect(charge.spec.egress).toHaveLength(1);
    expect(charge.spec.egress[0].toPorts[0].rules.dns).toEqual([{ matchPattern: '*' }]);
  });

  test('l7 off (mesh L4 layer): no HTTP rules, ports stay', () => {
    const { manifests } = synth(issueExample, { l7: false });
    expect(JSON.stringify(manifests)).not.toContain('"http"');
    expect(findCiliumPolicy(manifests, 'payments', 'charge').spec.ingress[0].toPorts).toEqual([{ ports: [{ port: '8080', protocol: 'TCP' }] }]);
  });

  test('mesh data plane: proxy inbound port on every service rule, control plane reachable from every catalog pod', () => {
    const { manifests } = synth({ ...issueExample, namespaces: [{ name: 'payments', owned: false }] }, {
      l7: false,
      mesh: { inboundProxyPorts: [4143], controlPlane: [{ namespace: 'linkerd', ports: [8090, 8086] }] },
    });
    const charge = findCiliumPolicy(manifests, 'payments', 'charge');
    expect(charge.spec.ingress[0].toPorts).toEqual([{ ports: [{ port: '4143', protocol: 'TCP' }, { port: '8080', protocol: 'TCP' }] }]);
    // Unowned namespace: DNS and control plane in the service's own policy.
    expect(charge.spec.egress).toEqual([
      expect.objectContaining({ toPorts: [expect.objectContaining({ rules: { dns: [{ matchPattern: '*' }] } })] }),
      { toEndpoints: [{ matchLabels: { [NS]: 'linkerd' } }], toPorts: [{ ports: [{ port: '8086', protocol: 'TCP' }, { port: '8090', protocol: 'TCP' }] }] },
    ]);
    const frontend = findCiliumPolicy(manifests, 'shop', 'frontend');
    expect(frontend.spec.ingress[0].toPorts[0].ports).toEqual([{ port: '4143', protocol: 'TCP' }, { port: '8080', protocol: 'TCP' }]);
    expect(frontend.spec.egress[1].toPorts[0].ports).toEqual([{ port: '4143', protocol: 'TCP' }, { port: '5050', protocol: 'TCP' }]);
    // Owned namespace: a namespace-wide control-plane allow.
    expect(findCiliumPolicy(manifests, 'shop', 'allow-mesh-control-plane').spec.egress[0].toEndpoints).toEqual([{ matchLabels: { [NS]: 'linkerd' } }]);
  });

  test('enableDefaultDeny, policyLabels and policyAnnotations reach every service policy', () => {
    const { manifests } = synth(issueExample, { enableDefaultDeny: false, policyLabels: { team: 'platform' }, policyAnnotations: { 'example.com/owner': 'net' } });
    const charge = findCiliumPolicy(manifests, 'payments', 'charge');
    expect(charge.spec.enableDefaultDeny).toEqual({ ingress: false, egress: false });
    expect(charge.metadata.labels.team).toBe('platform');
    expect(charge.metadata.annotations).toEqual({ 'example.com/owner': 'net' });
    // The namespace default-deny keeps denying.
    expect(findCiliumPolicy(manifests, 'shop', 'default-deny').spec.enableDefaultDeny).toEqual({ ingress: true, egress: true });
    expect(findCiliumPolicy(manifests, 'shop', 'default-deny').metadata.labels.team).toBe('platform');
  });

  test('wildcard hosts use matchPattern; UDP and excepted ranges keep their protocol and exclusions', () => {
    const { manifests } = synth({
      namespace: 'a',
      services: [{
        name: 'job',
        clientOnly: true,
        calls: [
          { host: '*.example.com', port: 443 },
          { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'], port: 53, protocol: PortProtocol.UDP },
        ],
      }],
    });
    const job = findCiliumPolicy(manifests, 'a', 'job');
    expect(job.spec.egress).toEqual([
      { toFQDNs: [{ matchPattern: '*.example.com' }], toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }] },
      { toCIDRSet: [{ cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] }], toPorts: [{ ports: [{ port: '53', protocol: 'UDP' }] }] },
    ]);
  });

  test('one caller, several calls: L4-only ports and route groups per port, merged deterministically', () => {
    const { manifests } = synth({
      namespace: 'a',
      services: [
        {
          name: 'api',
          ports: [
            { name: 'http', port: 80, targetPort: 8080, protocol: PortProtocol.HTTP },
            { name: 'admin', port: 81, targetPort: 8081, protocol: PortProtocol.HTTP },
            { name: 'raw', port: 9000, protocol: PortProtocol.TCP },
          ],
          routes: [
            { name: 'get', port: 'http', http: { method: HttpMethod.GET, pathPrefix: '/items/' } },
            { name: 'put', port: 'http', http: { method: HttpMethod.PUT, pathRegex: '/items/[0-9]+' } },
            { name: 'stats', port: 'admin', http: { path: '/stats' } },
          ],
        },
        {
          name: 'web',
          clientOnly: true,
          calls: [
            { service: 'api', routes: ['put', 'get'] },
            { service: 'api', port: 'admin', routes: ['stats'] },
            { service: 'api', port: 'raw' },
          ],
        },
      ],
    });
    const api = findCiliumPolicy(manifests, 'a', 'api');
    expect(api.spec.ingress).toEqual([{
      fromEndpoints: [{ matchLabels: { app: 'web', [NS]: 'a' } }],
      toPorts: [
        { ports: [{ port: '9000', protocol: 'TCP' }] },
        {
          ports: [{ port: '8080', protocol: 'TCP' }],
          rules: {
            http: [
              { method: '^GET$', path: '^/items(/[^?]*)?(\\?.*)?$' },
              { method: '^PUT$', path: '^(?:/items/[0-9]+)(\\?.*)?$' },
            ],
          },
        },
        { ports: [{ port: '8081', protocol: 'TCP' }], rules: { http: [{ path: '^/stats(\\?.*)?$' }] } },
      ],
    }]);
    expect(validateWithCrdSchemas(manifests).problems).toEqual([]);
  });
});

describe('httpRuleOf', () => {
  const route = (http: Record<string, unknown>) => ({ name: 'r', kind: 'http' as const, http, ports: [], idempotent: false, idempotentSource: 'default' as const });
  const matches = (rule: { method?: string; path?: string }, method: string, path: string) =>
    (!rule.method || new RegExp(rule.method).test(method)) && (!rule.path || new RegExp(rule.path).test(path));

  test.each([
    [{ method: 'POST', path: '/charge' }, 'POST', '/charge', true],
    [{ method: 'POST', path: '/charge' }, 'POST', '/charge?id=1', true],
    [{ method: 'POST', path: '/charge' }, 'POST', '/charge/x', false],
    [{ method: 'POST', path: '/charge' }, 'GET', '/charge', false],
    [{ method: 'POST', path: '/charge' }, 'XPOST', '/charge', false],
    [{ path: '/a.b' }, 'GET', '/aXb', false],
    [{ pathPrefix: '/products' }, 'GET', '/products', true],
    [{ pathPrefix: '/products' }, 'GET', '/products/1', true],
    [{ pathPrefix: '/products/' }, 'GET', '/products', true],
    [{ pathPrefix: '/products' }, 'GET', '/productsx', false],
    [{ pathPrefix: '/' }, 'DELETE', '/anything', true],
    [{ pathRegex: '/v[12]/(users|groups)' }, 'GET', '/v2/groups', true],
    [{ pathRegex: '/v[12]/(users|groups)' }, 'GET', '/v2/groupsx', false],
    [{ pathRegex: 'a|/b' }, 'GET', '/b', true],
    [{ pathRegex: 'a|/b' }, 'GET', '/bad', false],
  ])('%j matches %s %s: %s', (http, method, path, expected) => {
    expect(matches(httpRuleOf(route(http)), method, path)).toBe(expected);
  });

  test('gRPC with and without a method', () => {
    const grpc = (service: string, method?: string) => httpRuleOf({ name: 'g', kind: 'grpc', grpc: { service, method }, ports: [], idempotent: false, idempotentSource: 'default' });
    expect(grpc('shop.Checkout', 'PlaceOrder')).toEqual({ method: '^POST$', path: '^/shop\\.Checkout/PlaceOrder$' });
    expect(matches(grpc('shop.Checkout'), 'POST', '/shop.Checkout/Any')).toBe(true);
    expect(matches(grpc('shop.Checkout'), 'POST', '/shop.Checkout/A/B')).toBe(false);
    expect(matches(grpc('shop.Checkout'), 'POST', '/shopXCheckout/Any')).toBe(false);
  });
});
