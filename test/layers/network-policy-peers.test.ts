/**
 * NetworkPolicyLayer and issue 8: peers outside the catalog (as callers and callees),
 * exposure limited to ports or routes, metrics ports, per-version calls, split backends,
 * the peer's own side in owned namespaces, shared service accounts, mesh proxy ports.
 */
import { Testing } from 'cdk8s';
import { checkNetworkPolicyReachability } from '../../src/analysis/reachability';
import { PhaseCapabilityError } from '../../src/emit/common';
import { NetworkPolicyLayer } from '../../src/layers/network-policy';
import { ServiceCatalog } from '../../src/model/catalog';
import { CatalogSpec, HttpMethod, PeerSpec, PortProtocol } from '../../src/model/types';
import { validateWithCrdSchemas } from '../support/crd-schemas';
import { validateWithModels } from '../support/validate-models';

const NS = 'kubernetes.io/metadata.name';

function synth(spec: CatalogSpec, options: { defaultDeny?: boolean; proxy?: boolean } = {}): any[] {
  const chart = Testing.chart();
  new NetworkPolicyLayer(chart, 'np', {
    catalog: ServiceCatalog.fromSpec(spec),
    defaultDeny: options.defaultDeny,
    mesh: options.proxy ? { inboundProxyPorts: [4143] } : undefined,
  });
  const manifests = Testing.synth(chart);
  // Every emitted object is a valid NetworkPolicy (independent schemas).
  expect(validateWithModels(manifests)).toEqual([]);
  expect(validateWithCrdSchemas(manifests).problems).toEqual([]);
  return manifests;
}

function find(manifests: any[], namespace: string, name: string): any | undefined {
  return manifests.find(m => m.kind === 'NetworkPolicy' && m.metadata.namespace === namespace && m.metadata.name === name);
}

function policy(manifests: any[], namespace: string, name: string): any {
  const found = find(manifests, namespace, name);
  expect(found).toBeDefined();
  return found.spec;
}

function names(manifests: any[]): string[] {
  return manifests.map(m => `${m.metadata.namespace}/${m.metadata.name}`);
}

const tcp = (...ports: number[]) => ports.map(port => ({ protocol: 'TCP', port }));
const inNamespace = (name: string, labels?: Record<string, string>) => ({
  namespaceSelector: { matchLabels: { [NS]: name } },
  podSelector: labels ? { matchLabels: labels } : {},
});

/** Declared peers of every kind (the built-ins need no declaration). */
const PEERS: PeerSpec[] = [
  { name: 'batch', namespace: 'batch' },
  { name: 'reporting', namespace: 'analytics', selector: { app: 'reporting' }, serviceAccount: 'reporting' },
  { name: 'tenants', namespaceSelector: { tier: 'tenant' }, selector: { role: 'client' } },
  { name: 'partner', world: true, cidrs: ['198.51.100.0/24', '2001:db8:77::/48'] },
  { name: 'kube-apiserver', kubeApiServer: true, cidrs: ['192.0.2.0/28', '192.0.2.64/28'] },
];

/** One service with two ports; `extra` adds fields to it. */
function oneService(extra: Record<string, unknown>, more: Partial<CatalogSpec> = {}): CatalogSpec {
  return {
    namespace: 'shop',
    peers: PEERS,
    services: [{
      name: 'api',
      ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: PortProtocol.HTTP }, { port: 9443 }],
      ...extra,
    }],
    ...more,
  };
}

describe('peers as callers: one ingress rule each, on the pod ports of the entry', () => {
  test.each([
    ['namespace', 'batch', [inNamespace('batch')]],
    ['labelled workload in another namespace', 'reporting', [inNamespace('analytics', { app: 'reporting' })]],
    ['namespaces by label', 'tenants', [{ namespaceSelector: { matchLabels: { tier: 'tenant' } }, podSelector: { matchLabels: { role: 'client' } } }]],
    ['any pod in the cluster', 'cluster', [{ namespaceSelector: {}, podSelector: {} }]],
    ['the world', 'world', [{ ipBlock: { cidr: '0.0.0.0/0' } }, { ipBlock: { cidr: '::/0' } }]],
    ['a partner network', 'partner', [{ ipBlock: { cidr: '198.51.100.0/24' } }, { ipBlock: { cidr: '2001:db8:77::/48' } }]],
    ['the API server (its addresses)', 'kube-apiserver', [{ ipBlock: { cidr: '192.0.2.0/28' } }, { ipBlock: { cidr: '192.0.2.64/28' } }]],
  ])('%s (%s)', (_, peer, from) => {
    const all = synth(oneService({ callers: [{ peer }] }));
    expect(policy(all, 'shop', 'api').ingress).toEqual([{ from, ports: tcp(8080, 9443) }]);
    const limited = synth(oneService({ callers: [{ peer, port: 9443 }] }));
    expect(policy(limited, 'shop', 'api').ingress).toEqual([{ from, ports: tcp(9443) }]);
  });

  test('the ingress controller, limited to a port or to the ports serving a route', () => {
    const ingress = inNamespace('ingress-nginx', { 'app.kubernetes.io/name': 'ingress-nginx' });
    const more = { ingressController: { namespace: 'ingress-nginx', selector: { 'app.kubernetes.io/name': 'ingress-nginx' } } };
    const byPort = synth(oneService({ callers: [{ peer: 'ingress-controller', port: 'http' }] }, more));
    expect(policy(byPort, 'shop', 'api').ingress).toEqual([{ from: [ingress], ports: tcp(8080) }]);
    const byRoute = synth(oneService({
      routes: [{ name: 'storefront', port: 'http', http: { method: HttpMethod.GET, pathPrefix: '/' } }],
      callers: [{ peer: 'ingress-controller', routes: ['storefront'] }],
    }, more));
    // Routes are L7: at L4 the route's ports are what is open.
    expect(policy(byRoute, 'shop', 'api').ingress).toEqual([{ from: [ingress], ports: tcp(8080) }]);
    // exposed: true is the ingress controller on every port, as before.
    const exposed = synth(oneService({ exposed: true }, more));
    expect(policy(exposed, 'shop', 'api').ingress).toEqual([{ from: [ingress], ports: tcp(8080, 9443) }]);
  });

  test('metrics ports: the monitoring scraper on those ports only', () => {
    const manifests = synth({
      namespace: 'shop',
      services: [{ name: 'api', ports: [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'metrics', port: 9090, targetPort: 9091, metrics: true }] }],
    });
    expect(policy(manifests, 'shop', 'api').ingress).toEqual([
      { from: [inNamespace('monitoring', { 'app.kubernetes.io/name': 'prometheus' })], ports: tcp(9091) },
    ]);
  });

  test('a redeclared monitoring peer replaces the built-in one', () => {
    const manifests = synth({
      namespace: 'shop',
      peers: [{ name: 'monitoring', namespace: 'observability', selector: { app: 'vmagent' } }],
      services: [{ name: 'api', ports: [{ port: 9100, metrics: true }] }],
    });
    expect(policy(manifests, 'shop', 'api').ingress).toEqual([{ from: [inNamespace('observability', { app: 'vmagent' })], ports: tcp(9100) }]);
  });

  test('unnamed UDP port: by number, with its protocol', () => {
    const manifests = synth({ namespace: 'shop', services: [{ name: 'dns', ports: [{ port: 53, targetPort: 1053, protocol: PortProtocol.UDP }], callers: [{ peer: 'cluster', port: 53 }] }] });
    expect(policy(manifests, 'shop', 'dns').ingress[0].ports).toEqual([{ protocol: 'UDP', port: 1053 }]);
  });

  test('peer rules come first (by peer name), catalog callers after (by id)', () => {
    const manifests = synth({
      namespace: 'shop',
      peers: PEERS,
      services: [
        { name: 'api', ports: [{ port: 8080, metrics: true }], callers: [{ peer: 'world' }, { peer: 'batch' }] },
        { name: 'web', clientOnly: true, calls: [{ service: 'api' }] },
      ],
    });
    const from = policy(manifests, 'shop', 'api').ingress.map((r: any) => r.from[0]);
    expect(from).toEqual([
      inNamespace('batch'),
      inNamespace('monitoring', { 'app.kubernetes.io/name': 'prometheus' }),
      { ipBlock: { cidr: '0.0.0.0/0' } },
      inNamespace('shop', { app: 'web' }),
    ]);
  });
});

describe('peers as callees: egress rules after the service and address rules', () => {
  test.each([
    ['namespace', 'batch', [inNamespace('batch')]],
    ['labelled workload', 'reporting', [inNamespace('analytics', { app: 'reporting' })]],
    ['namespaces by label', 'tenants', [{ namespaceSelector: { matchLabels: { tier: 'tenant' } }, podSelector: { matchLabels: { role: 'client' } } }]],
    ['any pod', 'cluster', [{ namespaceSelector: {}, podSelector: {} }]],
    ['the world', 'world', [{ ipBlock: { cidr: '0.0.0.0/0' } }, { ipBlock: { cidr: '::/0' } }]],
    ['a partner network', 'partner', [{ ipBlock: { cidr: '198.51.100.0/24' } }, { ipBlock: { cidr: '2001:db8:77::/48' } }]],
  ])('%s (%s)', (_, peer, to) => {
    const manifests = synth(oneService({ calls: [{ peer, ports: [5432, 443], protocol: PortProtocol.TCP }, { cidr: '10.0.0.0/8', port: 1 }] }));
    expect(policy(manifests, 'shop', 'api').egress).toEqual([
      { to: [{ ipBlock: { cidr: '10.0.0.0/8' } }], ports: tcp(1) },
      { to, ports: tcp(443, 5432) },
    ]);
  });

  test('the API server on its default ports, and UDP calls keep their protocol', () => {
    const manifests = synth(oneService({ calls: [{ peer: 'kube-apiserver' }, { peer: 'world', port: 123, protocol: PortProtocol.UDP }] }));
    expect(policy(manifests, 'shop', 'api').egress).toEqual([
      { to: [{ ipBlock: { cidr: '192.0.2.0/28' } }, { ipBlock: { cidr: '192.0.2.64/28' } }], ports: tcp(443, 6443) },
      { to: [{ ipBlock: { cidr: '0.0.0.0/0' } }, { ipBlock: { cidr: '::/0' } }], ports: [{ protocol: 'UDP', port: 123 }] },
    ]);
  });
});

describe('the API server without addresses is refused', () => {
  const builtIn = { namespace: 'shop' };
  test('as a caller (a webhook)', () => {
    const spec: CatalogSpec = { ...builtIn, services: [{ name: 'webhook', ports: [{ name: 'https', port: 443, targetPort: 9443 }], callers: [{ peer: 'kube-apiserver' }] }] };
    expect(() => synth(spec)).toThrow(PhaseCapabilityError);
    expect(() => synth(spec)).toThrow(/peer kube-apiserver calls shop\/webhook:https \(callers\): NetworkPolicy cannot name the API server: give peers\[kube-apiserver\]\.cidrs, its endpoint addresses \(kubectl get endpoints kubernetes\)/);
  });

  test('as a callee (an operator), also from a version', () => {
    const spec: CatalogSpec = {
      ...builtIn,
      services: [
        { name: 'operator', clientOnly: true, calls: [{ peer: 'kube-apiserver' }] },
        { name: 'api', ports: [{ port: 80 }], versions: [{ name: 'v1', weight: 50 }, { name: 'v2', weight: 50, calls: [{ peer: 'kube-apiserver', port: 443 }] }] },
      ],
    };
    let message = '';
    try {
      synth(spec);
    } catch (e) {
      expect(e).toBeInstanceOf(PhaseCapabilityError);
      message = (e as Error).message;
    }
    expect(message).toMatch(/^the baseline phase cannot express 2 call\(s\):/);
    expect(message).toContain('shop/api version v2 calls peer kube-apiserver:443: NetworkPolicy cannot name the API server');
    expect(message).toContain('shop/operator calls peer kube-apiserver:443,6443: NetworkPolicy cannot name the API server');
    expect(message).toContain('or use the cilium phase');
  });

  test('a host call without cidrs in a version is refused like one of the service', () => {
    const spec: CatalogSpec = {
      namespace: 'shop',
      services: [{ name: 'api', ports: [{ port: 80 }], versions: [{ name: 'v1', weight: 50 }, { name: 'v2', weight: 50, calls: [{ host: 'api.example.com', port: 443 }] }] }],
    };
    expect(() => synth(spec)).toThrow(/shop\/api version v2 calls host api\.example\.com:443: NetworkPolicy matches IP addresses/);
  });
});

describe('per-version calls', () => {
  const spec: CatalogSpec = {
    namespace: 'shop',
    peers: PEERS,
    services: [
      {
        name: 'api',
        ports: [{ port: 80, targetPort: 8080 }],
        calls: [{ service: 'db', port: 'pg' }],
        versions: [
          { name: 'v1', weight: 90 },
          {
            name: 'v2',
            weight: 10,
            serviceAccount: 'api-canary',
            // pg is called by every version already: only admin is the version's own.
            calls: [{ service: 'db', ports: ['pg', 'admin'] }, { peer: 'partner', port: 443 }, { service: 'cache' }],
          },
        ],
      },
      { name: 'db', ports: [{ name: 'pg', port: 5432 }, { name: 'admin', port: 8081 }] },
      { name: 'cache', ports: [{ port: 6379 }] },
    ],
  };
  const manifests = synth(spec);
  const canary = inNamespace('shop', { app: 'api', version: 'v2' });

  test('a policy for the version\'s pods carries its own calls (egress only)', () => {
    expect(policy(manifests, 'shop', 'api.v2')).toEqual({
      podSelector: { matchLabels: { app: 'api', version: 'v2' } },
      policyTypes: ['Egress'],
      egress: [
        { to: [inNamespace('shop', { app: 'cache' })], ports: tcp(6379) },
        { to: [inNamespace('shop', { app: 'db' })], ports: tcp(8081) },
        { to: [{ ipBlock: { cidr: '198.51.100.0/24' } }, { ipBlock: { cidr: '2001:db8:77::/48' } }], ports: tcp(443) },
      ],
    });
    // The service-wide policy keeps the service's calls only; v1 gets no policy of its own.
    expect(policy(manifests, 'shop', 'api').egress).toEqual([{ to: [inNamespace('shop', { app: 'db' })], ports: tcp(5432) }]);
    expect(find(manifests, 'shop', 'api.v1')).toBeUndefined();
  });

  test('the callee admits only that version\'s pods for the version\'s calls', () => {
    expect(policy(manifests, 'shop', 'db').ingress).toEqual([
      { from: [inNamespace('shop', { app: 'api' })], ports: tcp(5432) },
      { from: [canary], ports: tcp(8081) },
    ]);
    expect(policy(manifests, 'shop', 'cache').ingress).toEqual([{ from: [canary], ports: tcp(6379) }]);
  });

  test('the analysis agrees: v1 cannot reach cache, v2 can', () => {
    const report = checkNetworkPolicyReachability(ServiceCatalog.fromSpec(spec)._resolved, manifests);
    expect(report.missing).toEqual([]);
    expect(report.unexpected).toEqual([]);
    expect(report.allowed.some(f => f.from === 'shop/api@v2' && f.to === 'shop/cache')).toBe(true);
    expect(report.allowed.some(f => f.from === 'shop/api@v1' && f.to === 'shop/cache')).toBe(false);
  });
});

describe('a split whose version is another Service', () => {
  const spec: CatalogSpec = {
    namespace: 'shop',
    services: [
      {
        name: 'reviews',
        ports: [{ name: 'http', port: 80, targetPort: 8080 }],
        callers: [{ peer: 'ingress-controller' }],
        versions: [{ name: 'stable', weight: 95 }, { name: 'faulty', weight: 5, service: 'reviews-faulty' }],
      },
      { name: 'reviews-faulty', ports: [{ name: 'http', port: 80, targetPort: 9080 }] },
      { name: 'web', clientOnly: true, calls: [{ service: 'reviews' }] },
    ],
  };
  const manifests = synth(spec);

  test('callers of the split service reach the backend on the backend\'s pod ports', () => {
    expect(policy(manifests, 'shop', 'web').egress).toEqual([
      { to: [inNamespace('shop', { app: 'reviews' })], ports: tcp(8080) },
      { to: [inNamespace('shop', { app: 'reviews-faulty' })], ports: tcp(9080) },
    ]);
    expect(policy(manifests, 'shop', 'reviews-faulty').ingress).toEqual([
      // The split's peer callers come along (source split).
      { from: [inNamespace('ingress-nginx', { 'app.kubernetes.io/name': 'ingress-nginx' })], ports: tcp(9080) },
      { from: [inNamespace('shop', { app: 'web' })], ports: tcp(9080) },
    ]);
  });

  test('the analysis finds exactly the declared flows', () => {
    const report = checkNetworkPolicyReachability(ServiceCatalog.fromSpec(spec)._resolved, manifests);
    expect(report.missing).toEqual([]);
    expect(report.unexpected).toEqual([]);
  });
});

describe('the peer\'s own side where the catalog isolates its pods', () => {
  const spec: CatalogSpec = {
    namespace: 'shop',
    namespaces: [
      { name: 'shop', labels: { tier: 'tenant' } },
      { name: 'ops' },
      { name: 'legacy', owned: false },
    ],
    peers: [...PEERS, { name: 'shop-jobs', namespace: 'shop', selector: { job: 'true' } }],
    services: [
      { name: 'api', ports: [{ port: 8080 }], callers: [{ peer: 'cluster' }, { peer: 'tenants' }, { peer: 'shop-jobs' }], calls: [{ peer: 'cluster', port: 9100 }] },
      { name: 'old', namespace: 'legacy', ports: [{ port: 80 }] },
      { name: 'odd', namespace: 'legacy', selector: { role: 'server' }, ports: [{ port: 81 }] },
    ],
  };
  const manifests = synth(spec);
  const api = inNamespace('shop', { app: 'api' });

  test('in every owned namespace the scope covers: one policy selecting the peer\'s pods', () => {
    for (const ns of ['ops', 'shop']) {
      expect(policy(manifests, ns, 'peer.cluster')).toEqual({
        podSelector: {},
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ from: [api], ports: tcp(9100) }],
        egress: [{ to: [api], ports: tcp(8080) }],
      });
      expect(find(manifests, ns, 'peer.cluster').metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'cdk8s-mesh-ladder', 'mesh-ladder.dev/peer': 'cluster' });
    }
    // A namespace selector matches the catalog's namespace labels; a namespace peer its namespace.
    expect(policy(manifests, 'shop', 'peer.tenants')).toEqual({ podSelector: { matchLabels: { role: 'client' } }, policyTypes: ['Egress'], egress: [{ to: [api], ports: tcp(8080) }] });
    expect(find(manifests, 'ops', 'peer.tenants')).toBeUndefined();
    expect(policy(manifests, 'shop', 'peer.shop-jobs').podSelector).toEqual({ matchLabels: { job: 'true' } });
    expect(find(manifests, 'ops', 'peer.shop-jobs')).toBeUndefined();
    // Peers outside catalog namespaces get nothing: no default-deny there.
    expect(names(manifests).filter(n => n.includes('batch') || n.includes('monitoring'))).toEqual([]);
  });

  test('in a namespace without default-deny: only the catalog\'s pods that belong to the peer, one policy per service', () => {
    expect(find(manifests, 'legacy', 'peer.cluster')).toBeUndefined();
    expect(policy(manifests, 'legacy', 'old.peer.cluster')).toEqual({
      podSelector: { matchLabels: { app: 'old' } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [api], ports: tcp(9100) }],
      egress: [{ to: [api], ports: tcp(8080) }],
    });
    expect(policy(manifests, 'legacy', 'odd.peer.cluster').podSelector).toEqual({ matchLabels: { role: 'server' } });
  });

  test('the analysis finds exactly the declared flows; without the peer side they go missing', () => {
    const catalog = ServiceCatalog.fromSpec(spec)._resolved;
    const report = checkNetworkPolicyReachability(catalog, manifests, { ignoreUnisolatedSources: true });
    expect(report.missing).toEqual([]);
    expect(report.unexpected).toEqual([]);
    const without = manifests.filter(m => !m.metadata.name.includes('peer.cluster'));
    const broken = checkNetworkPolicyReachability(catalog, without, { ignoreUnisolatedSources: true });
    expect(broken.missing.map(f => `${f.from} -> ${f.to}:${f.port}`)).toEqual(expect.arrayContaining([
      'ops/(other pod) -> shop/api:8080',
      'shop/(other pod) -> shop/api:8080',
      'legacy/old -> shop/api:8080',
      'shop/api -> ops/(other pod):9100',
      'shop/api -> legacy/old:9100',
    ]));
  });

  test('without default-deny, owned namespaces are treated like the rest: per-service sides, DNS on each policy', () => {
    const loose = synth(spec, { defaultDeny: false });
    expect(names(loose).filter(n => n.endsWith('/peer.cluster') || n.endsWith('/default-deny'))).toEqual([]);
    expect(policy(loose, 'shop', 'api.peer.cluster').podSelector).toEqual({ matchLabels: { app: 'api' } });
    expect(policy(loose, 'shop', 'api').egress.some((r: any) => r.ports.some((p: any) => p.port === 53))).toBe(true);
  });
});

describe('two services sharing one service account are still told apart at L4', () => {
  const spec: CatalogSpec = {
    namespace: 'shop',
    services: [
      { name: 'a', clientOnly: true, serviceAccount: 'shared', calls: [{ service: 'b' }] },
      { name: 'b', serviceAccount: 'shared', ports: [{ port: 80 }] },
      { name: 'c', clientOnly: true, serviceAccount: 'shared', calls: [{ service: 'd' }] },
      { name: 'd', serviceAccount: 'shared', ports: [{ port: 80 }] },
    ],
  };
  const manifests = synth(spec);

  test('each callee admits only its real caller (by labels)', () => {
    expect(policy(manifests, 'shop', 'b').ingress).toEqual([{ from: [inNamespace('shop', { app: 'a' })], ports: tcp(80) }]);
    expect(policy(manifests, 'shop', 'd').ingress).toEqual([{ from: [inNamespace('shop', { app: 'c' })], ports: tcp(80) }]);
  });

  test('the analysis agrees: a cannot reach d, c cannot reach b', () => {
    const report = checkNetworkPolicyReachability(ServiceCatalog.fromSpec(spec)._resolved, manifests);
    expect(report.ok).toBe(true);
    expect(report.allowed.filter(f => (f.from === 'shop/a' && f.to === 'shop/d') || (f.from === 'shop/c' && f.to === 'shop/b'))).toEqual([]);
  });
});

describe('mesh proxy ports go to pod parties, not to addresses', () => {
  const spec: CatalogSpec = {
    namespace: 'shop',
    peers: PEERS,
    ingressController: { namespace: 'ingress-nginx', selector: { app: 'ingress' } },
    services: [
      {
        name: 'api',
        ports: [{ port: 8080 }, { port: 9090, metrics: true }],
        callers: [{ peer: 'ingress-controller', port: 8080 }, { peer: 'batch', port: 8080 }, { peer: 'cluster', port: 8080 }, { peer: 'world', port: 8080 }],
        calls: [{ peer: 'batch', port: 7000 }, { peer: 'cluster', port: 7001 }],
      },
    ],
  };
  const manifests = synth(spec, { proxy: true });

  // A pod peer's scope may hold meshed pods even when the peer is "unmeshed" (`cluster`
  // holds the catalog's own), and their proxies connect to the proxy port; unmeshed pods
  // there are still authorized by the proxy. Addresses (the world) never have a proxy.
  test('ingress: pod peers (meshed or not) also reach the proxy port; the world does not', () => {
    const byFrom = Object.fromEntries(policy(manifests, 'shop', 'api').ingress.map((r: any) => [JSON.stringify(r.from[0]), r.ports]));
    expect(byFrom[JSON.stringify(inNamespace('ingress-nginx', { app: 'ingress' }))]).toEqual(tcp(4143, 8080));
    expect(byFrom[JSON.stringify(inNamespace('batch'))]).toEqual(tcp(4143, 8080));
    expect(byFrom[JSON.stringify({ namespaceSelector: {}, podSelector: {} })]).toEqual(tcp(4143, 8080));
    expect(byFrom[JSON.stringify(inNamespace('monitoring', { 'app.kubernetes.io/name': 'prometheus' }))]).toEqual(tcp(4143, 9090));
    expect(byFrom[JSON.stringify({ ipBlock: { cidr: '0.0.0.0/0' } })]).toEqual(tcp(8080));
  });

  test('egress: to pod peers with the proxy port', () => {
    expect(policy(manifests, 'shop', 'api').egress).toEqual([
      { to: [inNamespace('batch')], ports: tcp(4143, 7000) },
      { to: [{ namespaceSelector: {}, podSelector: {} }], ports: tcp(4143, 7001) },
    ]);
    // The peer's own side in the owned namespace: the proxy port both ways too.
    expect(policy(manifests, 'shop', 'peer.cluster')).toEqual({
      podSelector: {},
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [inNamespace('shop', { app: 'api' })], ports: tcp(4143, 7001) }],
      egress: [{ to: [inNamespace('shop', { app: 'api' })], ports: tcp(4143, 8080) }],
    });
  });
});

describe('object names', () => {
  test('a version policy never collides with a service (dots); a clash of names is refused', () => {
    const spec: CatalogSpec = {
      namespace: 'shop',
      peers: [{ name: 'v2', namespace: 'shop' }],
      services: [
        { name: 'peer', ports: [{ port: 80 }], versions: [{ name: 'v1', weight: 50 }, { name: 'v2', weight: 50, calls: [{ peer: 'world', port: 443 }] }] },
        { name: 'api', ports: [{ port: 80 }], callers: [{ peer: 'v2' }] },
      ],
    };
    expect(() => synth(spec)).toThrow(/NetworkPolicy shop\/peer\.v2 would be emitted twice.*rename the service, version or peer involved/);
  });

  test('policyNamed finds every emitted policy', () => {
    const chart = Testing.chart();
    const layer = new NetworkPolicyLayer(chart, 'np', { catalog: ServiceCatalog.fromSpec(oneService({ callers: [{ peer: 'cluster' }] })) });
    expect(layer.policyNamed('shop', 'peer.cluster')?.name).toBe('peer.cluster');
    expect(layer.policyNamed('shop', 'api')).toBe(layer.policyFor('shop/api'));
    expect(layer.policyNamed('shop', 'nope')).toBeUndefined();
  });
});
