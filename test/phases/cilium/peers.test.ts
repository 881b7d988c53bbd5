/**
 * The cilium phase and peers outside the catalog (issue 8): callers and callees of every
 * peer kind, metrics ports, limited exposure, per-version calls, split backends, the
 * peer's side in catalog namespaces, mutual authentication, shared service accounts.
 * Every case checks the emitted fields, the CRD schema, and the reachability proof.
 */
import { Testing } from 'cdk8s';
import { checkCiliumReachability } from '../../../src/analysis/cilium';
import { CiliumPolicyLayer } from '../../../src/layers/cilium';
import { ServiceCatalog } from '../../../src/model/catalog';
import { CatalogSpec, HttpMethod, PortProtocol } from '../../../src/model/types';
import { validateWithCrdSchemas } from '../../support/crd-schemas';
import { Manifest } from '../../support/synth';
import { findCiliumPolicy, synthCilium } from '../../support/synth-cilium';

const NS = 'k8s:io.kubernetes.pod.namespace';
const TCP = (port: number) => ({ port: String(port), protocol: 'TCP' });

/** Synthesizes, validates against the CRD schemas and proves the output. */
function synth(spec: CatalogSpec): { manifests: Manifest[]; policy: (ns: string, name: string) => Manifest } {
  const catalog = ServiceCatalog.fromSpec(spec);
  const manifests = synthCilium(catalog);
  expect(validateWithCrdSchemas(manifests).problems).toEqual([]);
  // Pods of namespaces the catalog does not own are not isolated: not our flows to judge.
  const report = checkCiliumReachability(catalog._resolved, manifests, { ignoreUnisolatedSources: true });
  expect(report.diagnostics).toEqual([]);
  expect(report.missing).toEqual([]);
  expect(report.unexpected).toEqual([]);
  expect(report.requests!.missing).toEqual([]);
  expect(report.requests!.unexpected).toEqual([]);
  return { manifests, policy: (ns, name) => findCiliumPolicy(manifests, ns, name) };
}

const httpPort = { name: 'http', port: 80, targetPort: 8080, protocol: PortProtocol.HTTP };

describe('pod peers as callers', () => {
  const spec: CatalogSpec = {
    namespace: 'shop',
    peers: [
      { name: 'backoffice', namespace: 'backoffice', selector: { app: 'backoffice' }, serviceAccount: 'backoffice' },
      { name: 'batch', namespace: 'batch' },
      { name: 'tenant-reports', namespaceSelector: { tier: 'tenant' }, selector: { app: 'report-job' }, meshed: false },
      { name: 'uptime-probes', allNamespaces: true, selector: { 'app.kubernetes.io/name': 'blackbox-exporter' }, meshed: false },
    ],
    services: [{
      name: 'ledger',
      ports: [httpPort, { port: 9000, protocol: PortProtocol.TCP }],
      callers: [
        { peer: 'backoffice', port: 'http' },
        { peer: 'batch', port: 9000 },
        { peer: 'tenant-reports', port: 'http' },
        { peer: 'uptime-probes', port: 'http' },
        { peer: 'cluster', port: 9000 },
      ],
    }],
  };
  const { policy, manifests } = synth(spec);
  const ingress: Manifest[] = policy('shop', 'ledger').spec.ingress;

  test('a namespace peer names its namespace; labelled pods there add their labels', () => {
    expect(ingress).toContainEqual({ fromEndpoints: [{ matchLabels: { app: 'backoffice', [NS]: 'backoffice' } }], toPorts: [{ ports: [TCP(8080)] }] });
    // Every pod of the namespace; an unnamed port by number.
    expect(ingress).toContainEqual({ fromEndpoints: [{ matchLabels: { [NS]: 'batch' } }], toPorts: [{ ports: [TCP(9000)] }] });
  });

  test('a namespace-selector peer: the namespace labels Cilium derives, in a clusterwide policy (namespaced ones ignore them on every release)', () => {
    expect(JSON.stringify(ingress)).not.toContain('namespace.labels');
    const wide = findCiliumPolicy(manifests, undefined, 'mesh-ladder-shop-ledger-namespace-labels', 'CiliumClusterwideNetworkPolicy');
    expect(wide.kind).toBe('CiliumClusterwideNetworkPolicy');
    expect(wide.specs).toEqual([{
      endpointSelector: { matchLabels: { app: 'ledger', [NS]: 'shop' } },
      ingress: [{ fromEndpoints: [{ matchLabels: { 'app': 'report-job', 'k8s:io.cilium.k8s.namespace.labels.tier': 'tenant' } }], toPorts: [{ ports: [TCP(8080)] }] }],
    }]);
  });

  test('an any-namespace peer (and `cluster`) requires the namespace key to exist: `{}` would mean this namespace only', () => {
    const anyNamespace = { key: NS, operator: 'Exists' };
    expect(ingress).toContainEqual({
      fromEndpoints: [{ matchLabels: { 'app.kubernetes.io/name': 'blackbox-exporter' }, matchExpressions: [anyNamespace] }],
      toPorts: [{ ports: [TCP(8080)] }],
    });
    expect(ingress).toContainEqual({ fromEndpoints: [{ matchExpressions: [anyNamespace] }], toPorts: [{ ports: [TCP(9000)] }] });
    // Not the cluster entity: it would admit nodes and host-network pods too.
    expect(JSON.stringify(ingress)).not.toContain('"cluster"');
  });

  test('rules follow the order of `callers` (by peer name), one per peer', () => {
    expect(ingress.map(r => JSON.stringify(r.fromEndpoints[0]))).toHaveLength(4);
    expect(ingress[0].fromEndpoints[0].matchLabels).toEqual({ app: 'backoffice', [NS]: 'backoffice' });
  });
});

describe('addresses: the world, a partner range, the API server', () => {
  const spec: CatalogSpec = {
    namespace: 'shop',
    peers: [{ name: 'card-network', world: true, cidrs: ['198.51.100.192/26'] }],
    services: [
      {
        name: 'payments',
        ports: [httpPort, { name: 'public', port: 443, targetPort: 8443, protocol: PortProtocol.TLS }],
        callers: [{ peer: 'card-network', port: 'http' }, { peer: 'world', port: 'public' }],
        calls: [{ peer: 'world', port: 443 }, { peer: 'card-network', ports: [443, 8443] }],
      },
      {
        name: 'operator',
        ports: [{ name: 'webhook', port: 443, targetPort: 9443, protocol: PortProtocol.TLS }],
        callers: [{ peer: 'kube-apiserver', port: 'webhook' }],
        calls: [{ peer: 'kube-apiserver' }],
      },
    ],
  };
  const { policy } = synth(spec);

  test('the whole world is the world entity; a partner range is a CIDR set', () => {
    const payments = policy('shop', 'payments');
    expect(payments.spec.ingress).toEqual([
      { fromCIDRSet: [{ cidr: '198.51.100.192/26' }], toPorts: [{ ports: [TCP(8080)] }] },
      { fromEntities: ['world'], toPorts: [{ ports: [TCP(8443)] }] },
    ]);
    expect(payments.spec.egress).toEqual([
      { toCIDRSet: [{ cidr: '198.51.100.192/26' }], toPorts: [{ ports: [TCP(443), TCP(8443)] }] },
      { toEntities: ['world'], toPorts: [{ ports: [TCP(443)] }] },
    ]);
  });

  test('the API server is the kube-apiserver entity both ways, without addresses; its default ports are 443 and 6443', () => {
    const operator = policy('shop', 'operator');
    expect(operator.spec.ingress).toEqual([{ fromEntities: ['kube-apiserver'], toPorts: [{ ports: [TCP(9443)] }] }]);
    expect(operator.spec.egress).toEqual([{ toEntities: ['kube-apiserver'], toPorts: [{ ports: [TCP(443), TCP(6443)] }] }]);
  });

  test('a world peer of 0.0.0.0/0 only is a CIDR set (the entity covers IPv6 too)', () => {
    const { policy: p } = synth({
      namespace: 'a',
      peers: [{ name: 'ipv4', world: true, cidrs: ['0.0.0.0/0'] }],
      services: [{ name: 'job', clientOnly: true, calls: [{ peer: 'ipv4', port: 443 }] }],
    });
    expect(p('a', 'job').spec.egress).toEqual([{ toCIDRSet: [{ cidr: '0.0.0.0/0' }], toPorts: [{ ports: [TCP(443)] }] }]);
  });
});

describe('exposure and metrics', () => {
  const spec: CatalogSpec = {
    namespace: 'shop',
    services: [{
      name: 'reviews',
      ports: [httpPort, { name: 'metrics', port: 9102, protocol: PortProtocol.HTTP, metrics: true }],
      routes: [
        { name: 'list', port: 'http', http: { method: HttpMethod.GET, pathPrefix: '/reviews' } },
        { name: 'post', port: 'http', http: { method: HttpMethod.POST, path: '/reviews' } },
      ],
      callers: [{ peer: 'ingress-controller', routes: ['list'] }],
    }],
  };

  test('exposure limited to a route: the ingress controller on that port with an L7 rule; the scraper on the metrics port only', () => {
    const { policy } = synth(spec);
    expect(policy('shop', 'reviews').spec.ingress).toEqual([
      {
        fromEndpoints: [{ matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx', [NS]: 'ingress-nginx' } }],
        toPorts: [{ ports: [TCP(8080)], rules: { http: [{ method: '^GET$', path: '^/reviews(/[^?]*)?(\\?.*)?$' }] } }],
      },
      { fromEndpoints: [{ matchLabels: { 'app.kubernetes.io/name': 'prometheus', [NS]: 'monitoring' } }], toPorts: [{ ports: [TCP(9102)] }] },
    ]);
  });

  test('with ingressFromWorld the ingress controller entry becomes the world, with the same L7 rule', () => {
    const { policy } = synth({ ...spec, cilium: { ingressFromWorld: true } });
    expect(policy('shop', 'reviews').spec.ingress[0]).toEqual({
      fromEntities: ['world'],
      toPorts: [{ ports: [TCP(8080)], rules: { http: [{ method: '^GET$', path: '^/reviews(/[^?]*)?(\\?.*)?$' }] } }],
    });
  });

  test('a redeclared monitoring peer replaces the built-in', () => {
    const { policy } = synth({ ...spec, peers: [{ name: 'monitoring', namespace: 'observability', selector: { app: 'vmagent' }, meshed: false }] });
    expect(policy('shop', 'reviews').spec.ingress[1]).toEqual({ fromEndpoints: [{ matchLabels: { app: 'vmagent', [NS]: 'observability' } }], toPorts: [{ ports: [TCP(9102)] }] });
  });
});

describe('per-version settings and split backends', () => {
  const spec: CatalogSpec = {
    namespace: 'shop',
    services: [
      {
        name: 'catalog',
        ports: [httpPort],
        versions: [
          { name: 'v1', weight: 90 },
          { name: 'v2', weight: 10, serviceAccount: 'catalog-canary', calls: [{ service: 'search', routes: ['query'] }, { peer: 'kube-apiserver', port: 443 }] },
        ],
        calls: [{ service: 'recommendations' }],
      },
      {
        name: 'search',
        ports: [httpPort],
        routes: [{ name: 'query', http: { method: HttpMethod.GET, path: '/search' } }],
      },
      {
        name: 'recommendations',
        ports: [{ name: 'grpc', port: 8080, protocol: PortProtocol.GRPC }],
        versions: [{ name: 'stable', labels: { track: 'stable' }, weight: 95 }, { name: 'chaos', service: 'recommendations-chaos', weight: 5 }],
      },
      { name: 'recommendations-chaos', ports: [{ name: 'grpc', port: 8080, protocol: PortProtocol.GRPC }] },
    ],
  };
  const { policy } = synth(spec);

  test("a version's own calls: an extra rule (specs) selecting only that version's pods", () => {
    const catalog = policy('shop', 'catalog');
    expect(catalog.spec.endpointSelector).toEqual({ matchLabels: { app: 'catalog' } });
    expect(catalog.specs).toEqual([{
      endpointSelector: { matchLabels: { app: 'catalog', version: 'v2' } },
      egress: [
        { toEndpoints: [{ matchLabels: { app: 'search', [NS]: 'shop' } }], toPorts: [{ ports: [TCP(8080)] }] },
        { toEntities: ['kube-apiserver'], toPorts: [{ ports: [TCP(443)] }] },
      ],
    }]);
    // The whole service's egress does not carry the version's calls.
    expect(JSON.stringify(catalog.spec.egress)).not.toContain('search');
  });

  test("the callee admits only the version's pods for them, at L7 as declared", () => {
    expect(policy('shop', 'search').spec.ingress).toEqual([{
      fromEndpoints: [{ matchLabels: { app: 'catalog', version: 'v2', [NS]: 'shop' } }],
      toPorts: [{ ports: [TCP(8080)], rules: { http: [{ method: '^GET$', path: '^/search(\\?.*)?$' }] } }],
    }]);
  });

  test('a split backend takes the calls to the split service (derived calls are ordinary calls)', () => {
    expect(policy('shop', 'recommendations-chaos').spec.ingress).toEqual([{
      fromEndpoints: [{ matchLabels: { app: 'catalog', [NS]: 'shop' } }],
      toPorts: [{ ports: [TCP(8080)] }],
    }]);
    expect(policy('shop', 'catalog').spec.egress.map((r: Manifest) => r.toEndpoints?.[0].matchLabels.app)).toEqual(['recommendations', 'recommendations-chaos']);
  });

  test('a version call the whole service makes already is not repeated', () => {
    const { policy: p } = synth({
      namespace: 'a',
      services: [
        { name: 'web', ports: [httpPort], versions: [{ name: 'v1', weight: 50 }, { name: 'v2', weight: 50, calls: [{ service: 'api' }] }], calls: [{ service: 'api' }] },
        { name: 'api', ports: [httpPort] },
      ],
    });
    expect(p('a', 'web').specs).toBeUndefined();
    expect(p('a', 'api').spec.ingress).toHaveLength(1);
  });
});

describe("the peer's side in catalog namespaces", () => {
  const spec: CatalogSpec = {
    namespace: 'shop',
    namespaces: [{ name: 'shop', labels: { tier: 'tenant' } }, { name: 'ops' }, { name: 'legacy', owned: false }],
    peers: [
      { name: 'tenant-reports', namespaceSelector: { tier: 'tenant' }, selector: { app: 'report-job' } },
      { name: 'jobs', namespace: 'ops', selector: { app: 'job' } },
    ],
    services: [
      { name: 'ledger', ports: [httpPort], callers: [{ peer: 'tenant-reports' }, { peer: 'cluster', port: 'http' }] },
      { name: 'exporter', namespace: 'ops', ports: [{ port: 9100, protocol: PortProtocol.HTTP }], calls: [{ peer: 'jobs', port: 8080 }, { peer: 'cluster', port: 7000 }] },
      { name: 'old', namespace: 'legacy', clientOnly: true },
    ],
  };
  const { manifests, policy } = synth(spec);

  test('a namespace-selector peer whose labels match an owned namespace: its pods there may call out', () => {
    const side = policy('shop', 'peer-tenant-reports');
    expect(side.metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'cdk8s-mesh-ladder' });
    expect(side.spec).toEqual({
      endpointSelector: { matchLabels: { app: 'report-job' } },
      egress: [{ toEndpoints: [{ matchLabels: { app: 'ledger', [NS]: 'shop' } }], toPorts: [{ ports: [TCP(8080)] }] }],
      // Allows only: the namespace default-deny (or our service policies) restrict them.
      enableDefaultDeny: { ingress: false, egress: false },
    });
  });

  test('a namespace peer in an owned namespace may be called there', () => {
    expect(policy('ops', 'peer-jobs').spec).toEqual({
      endpointSelector: { matchLabels: { app: 'job' } },
      ingress: [{ fromEndpoints: [{ matchLabels: { app: 'exporter', [NS]: 'ops' } }], toPorts: [{ ports: [TCP(8080)] }] }],
      enableDefaultDeny: { ingress: false, egress: false },
    });
  });

  test('`cluster` covers every catalog namespace (owned, or with catalog workloads): both sides there', () => {
    const sides = manifests.filter(m => m.metadata.name === 'peer-cluster').map(m => m.metadata.namespace);
    expect(sides).toEqual(['legacy', 'ops', 'shop']);
    expect(policy('legacy', 'peer-cluster').spec).toEqual({
      endpointSelector: {},
      ingress: [{ fromEndpoints: [{ matchLabels: { app: 'exporter', [NS]: 'ops' } }], toPorts: [{ ports: [TCP(7000)] }] }],
      egress: [{ toEndpoints: [{ matchLabels: { app: 'ledger', [NS]: 'shop' } }], toPorts: [{ ports: [TCP(8080)] }] }],
      enableDefaultDeny: { ingress: false, egress: false },
    });
  });

  test('peers outside catalog namespaces get no policy', () => {
    expect(manifests.some(m => m.metadata.namespace === 'ops' && m.metadata.name === 'peer-tenant-reports')).toBe(false);
  });

  test('without the peer side the declared flows go missing', () => {
    const catalog = ServiceCatalog.fromSpec(spec);
    const without = manifests.filter(m => !m.metadata.name.startsWith('peer-'));
    const report = checkCiliumReachability(catalog._resolved, without, { ignoreUnisolatedSources: true });
    expect(report.missing).toContainEqual(expect.objectContaining({ from: 'shop/(other pod)', to: 'shop/ledger', port: 8080 }));
    expect(report.missing).toContainEqual(expect.objectContaining({ from: 'legacy/old', to: 'shop/ledger', port: 8080 }));
    expect(report.missing).toContainEqual(expect.objectContaining({ from: 'ops/exporter', to: 'shop/ledger', port: 7000 }));
    expect(report.unexpected).toEqual([]);
  });

  test('a service named like the peer policy is refused', () => {
    expect(() => synthCilium({ ...spec, services: [...spec.services, { name: 'peer-jobs', namespace: 'ops', clientOnly: true }] }))
      .toThrow(/service ops\/peer-jobs has the name of the policy that carries peer "jobs"'s side/);
  });
});

describe('mutual authentication', () => {
  const spec: CatalogSpec = {
    namespace: 'shop',
    cilium: { mutualAuth: true },
    peers: [
      { name: 'backoffice', namespace: 'backoffice', serviceAccount: 'backoffice' },
      { name: 'scanner', namespace: 'security', meshed: false },
    ],
    services: [
      {
        name: 'ledger',
        ports: [httpPort, { name: 'metrics', port: 9102, protocol: PortProtocol.HTTP, metrics: true }],
        exposed: true,
        callers: [{ peer: 'backoffice' }, { peer: 'scanner' }, { peer: 'world', port: 'http' }, { peer: 'kube-apiserver', port: 'http' }],
      },
      { name: 'web', clientOnly: true, calls: [{ service: 'ledger' }] },
    ],
  };

  test('required only where both ends have a SPIFFE identity: catalog services and meshed pod peers', () => {
    const { policy } = synth(spec);
    const byPeer = Object.fromEntries((policy('shop', 'ledger').spec.ingress as Manifest[]).map(r => [
      JSON.stringify(r.fromEndpoints?.[0].matchLabels ?? r.fromEntities), r.authentication?.mode ?? 'none',
    ]));
    expect(byPeer).toEqual({
      [JSON.stringify({ [NS]: 'backoffice' })]: 'required',
      [JSON.stringify({ 'app.kubernetes.io/name': 'ingress-nginx', [NS]: 'ingress-nginx' })]: 'none',
      [JSON.stringify(['kube-apiserver'])]: 'none',
      [JSON.stringify({ 'app.kubernetes.io/name': 'prometheus', [NS]: 'monitoring' })]: 'none',
      [JSON.stringify({ [NS]: 'security' })]: 'none',
      [JSON.stringify(['world'])]: 'none',
      [JSON.stringify({ app: 'web', [NS]: 'shop' })]: 'required',
    });
  });
});

describe('shared service accounts', () => {
  test('two services sharing one service account stay apart at L4 (labels, not identities)', () => {
    const spec: CatalogSpec = {
      namespace: 'shop',
      services: [
        { name: 'orders', serviceAccount: 'backend', ports: [httpPort], calls: [{ service: 'ledger' }] },
        { name: 'invoices', serviceAccount: 'backend', ports: [httpPort] },
        { name: 'ledger', ports: [httpPort] },
      ],
    };
    const catalog = ServiceCatalog.fromSpec(spec);
    expect(catalog.warnings.join('\n')).toMatch(/backend/);
    const { manifests, policy } = synth(spec);
    expect(policy('shop', 'ledger').spec.ingress).toEqual([{ fromEndpoints: [{ matchLabels: { app: 'orders', [NS]: 'shop' } }], toPorts: [{ ports: [TCP(8080)] }] }]);
    expect(JSON.stringify(manifests)).not.toContain('serviceaccount');
    const report = checkCiliumReachability(catalog._resolved, manifests);
    expect(report.allowed).toContainEqual(expect.objectContaining({ from: 'shop/orders', to: 'shop/ledger', port: 8080 }));
    expect(report.allowed).not.toContainEqual(expect.objectContaining({ from: 'shop/invoices', to: 'shop/ledger' }));
  });
});

describe('snapshot of a catalog with peers of every kind', () => {
  test('paired with the assertions above', () => {
    const { manifests } = synth({
      namespace: 'shop',
      namespaces: [{ name: 'shop', labels: { tier: 'tenant' } }],
      peers: [
        { name: 'backoffice', namespace: 'backoffice', selector: { app: 'backoffice' }, serviceAccount: 'backoffice' },
        { name: 'tenant-reports', namespaceSelector: { tier: 'tenant' }, selector: { app: 'report-job' }, meshed: false },
        { name: 'card-network', world: true, cidrs: ['198.51.100.192/26'] },
        { name: 'kube-apiserver', kubeApiServer: true, cidrs: ['172.20.0.0/28'] },
      ],
      services: [
        {
          name: 'ledger',
          ports: [httpPort, { name: 'metrics', port: 9102, protocol: PortProtocol.HTTP, metrics: true }],
          routes: [{ name: 'get-balance', port: 'http', http: { method: HttpMethod.GET, pathRegex: '/accounts/[0-9]+/balance' } }],
          callers: [{ peer: 'backoffice', routes: ['get-balance'] }, { peer: 'tenant-reports', port: 'http' }, { peer: 'card-network', port: 'http' }],
        },
        {
          name: 'operator',
          ports: [{ name: 'webhook', port: 443, targetPort: 9443, protocol: PortProtocol.TLS }],
          callers: [{ peer: 'kube-apiserver', port: 'webhook' }],
          calls: [{ peer: 'kube-apiserver' }, { peer: 'cluster', port: 9100 }],
          versions: [{ name: 'v1', weight: 50 }, { name: 'v2', weight: 50, calls: [{ service: 'ledger', routes: ['get-balance'] }] }],
        },
      ],
    });
    expect(manifests.filter(m => m.metadata.name.startsWith('peer-')).map(m => `${m.metadata.namespace}/${m.metadata.name}`))
      .toEqual(['shop/peer-cluster', 'shop/peer-tenant-reports']);
    expect(manifests).toMatchSnapshot();
  });
});

describe('under a mesh (the L4 layer of linkerd and istio)', () => {
  test("the proxy's inbound port is for pod sources (their scope may hold meshed pods), not the world", () => {
    const chart = Testing.chart();
    new CiliumPolicyLayer(chart, 'l4', {
      catalog: ServiceCatalog.fromSpec({
        namespace: 'shop',
        cilium: { ingressFromWorld: true },
        peers: [{ name: 'backoffice', namespace: 'backoffice' }, { name: 'scanner', namespace: 'security', meshed: false }],
        services: [{
          name: 'ledger',
          ports: [httpPort],
          exposed: true,
          callers: [{ peer: 'backoffice' }, { peer: 'scanner' }],
          calls: [{ peer: 'backoffice', port: 8443 }, { peer: 'scanner', port: 9000 }, { peer: 'kube-apiserver' }],
        }],
      }),
      l7: false,
      mesh: { inboundProxyPorts: [4143] },
    });
    const ledger = findCiliumPolicy(Testing.synth(chart), 'shop', 'ledger');
    const portsOf = (rules: Manifest[]) => rules.map(r => r.toPorts[0].ports.map((p: Manifest) => p.port).join(','));
    // backoffice (meshed), the world in place of the ingress controller, scanner (unmeshed pods).
    expect(portsOf(ledger.spec.ingress)).toEqual(['4143,8080', '8080', '4143,8080']);
    expect(ledger.spec.ingress[1].fromEntities).toEqual(['world']);
    expect(ledger.spec.ingress[2].fromEndpoints).toEqual([{ matchLabels: { [NS]: 'security' } }]);
    // Peer calls in peer-name order: backoffice (meshed), kube-apiserver, scanner.
    expect(portsOf(ledger.spec.egress)).toEqual(['4143,8443', '443,6443', '4143,9000']);
  });
});
