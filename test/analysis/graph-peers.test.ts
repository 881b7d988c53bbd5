/**
 * The graph with peers outside the catalog: hexagon nodes, caller and peer-call edges,
 * plaintext exceptions under a mesh, version-only calls, split edges; Mermaid, DOT and
 * the Markdown legend.
 */
import * as fc from 'fast-check';
import { legendMarkdown, renderDot, renderGraphMarkdown, renderMermaid } from '../../src/analysis/graph';
import { ServiceCatalog } from '../../src/model/catalog';
import { CatalogSpec, HttpMethod, PortProtocol } from '../../src/model/types';
import { catalogSpecArb } from '../support/arbitraries';
import { propertyRuns } from '../support/property-runs';

const SPEC: CatalogSpec = {
  namespace: 'shop',
  peers: [
    { name: 'ops', namespace: 'ops', selector: { app: 'op' }, serviceAccount: 'op' },
    { name: 'partner', world: true, cidrs: ['198.51.100.0/24'] },
    { name: 'tenants', namespaceSelector: { tier: 'tenant' }, meshed: false },
  ],
  services: [
    {
      name: 'api',
      ports: [
        { name: 'http', port: 80, targetPort: 8080, protocol: PortProtocol.HTTP },
        { port: 9443 },
        { name: 'metrics', port: 9090, metrics: true },
      ],
      routes: [{ name: 'list', http: { method: HttpMethod.GET, pathPrefix: '/items' }, port: 'http' }],
      callers: [
        { peer: 'ingress-controller', routes: ['list'] },
        { peer: 'kube-apiserver', port: 9443 },
        { peer: 'ops', port: 'http' },
        { peer: 'tenants', port: 80 },
      ],
      versions: [
        { name: 'v1', weight: 80 },
        { name: 'v2', weight: 10, headers: { 'x-canary': 'on' }, calls: [{ service: 'db' }, { peer: 'partner', port: 443 }] },
        { name: 'v3', weight: 10, service: 'api-clone' },
      ],
      calls: [{ peer: 'kube-apiserver' }],
    },
    {
      name: 'api-clone',
      ports: [{ port: 80, protocol: PortProtocol.HTTP }, { port: 9443 }, { port: 9090 }],
      routes: [{ name: 'list', http: { method: HttpMethod.GET, pathPrefix: '/items' } }],
    },
    { name: 'web', ports: [{ port: 80 }], calls: [{ service: 'api', routes: ['list'] }] },
    { name: 'db', ports: [{ port: 5432 }] },
  ],
};
const catalog = ServiceCatalog.fromSpec(SPEC)._resolved;

/** Each edge line of a Mermaid graph with the colour its linkStyle gives it. */
function mermaidEdges(mermaid: string): string[] {
  const lines = mermaid.split('\n');
  const edges = lines.filter(l => / -->\|| -\.->\|/.test(l)).map(l => l.trim());
  const styles = lines.filter(l => l.includes('linkStyle')).map(l => /stroke:(#[0-9a-f]{6})/.exec(l)![1]);
  expect(styles).toHaveLength(edges.length);
  return edges.map((edge, i) => `${edge} ${styles[i]}`);
}

describe('peers in the graph', () => {
  test('Mermaid: peers are hexagons with their scope, styled apart from services', () => {
    const mermaid = renderMermaid(catalog, 'baseline');
    expect(mermaid).toContain('n_peer_kube_apiserver{{"kube-apiserver (API server)"}}');
    expect(mermaid).toContain('n_peer_monitoring{{"monitoring (monitoring: app.kubernetes.io/name=prometheus, sa prometheus-k8s, unmeshed)"}}');
    expect(mermaid).toContain('n_peer_ops{{"ops (ops: app=op, sa op)"}}');
    expect(mermaid).toContain('n_peer_partner{{"partner (198.51.100.0/24)"}}');
    expect(mermaid).toContain('n_peer_tenants{{"tenants (namespaces tier=tenant, unmeshed)"}}');
    expect(mermaid).toContain('classDef peer fill:#fff3e0,stroke:#e65100,stroke-dasharray:4 2');
    expect(mermaid).toContain('class n_peer_kube_apiserver,n_peer_monitoring,n_peer_ops,n_peer_partner,n_peer_tenants peer');
    // The ingress controller keeps its own node; a limited caller entry is enough to draw it.
    expect(mermaid).toContain('n_ingress(["ingress ingress-nginx"])');
    // Peers stay outside the namespace subgraphs.
    expect(mermaid.split('end\n')[1]).toContain('n_peer_ops');
  });

  test('baseline: caller edges limited to ports (and routes), peer calls, version calls, the split', () => {
    expect(mermaidEdges(renderMermaid(catalog, 'baseline'))).toEqual([
      'n_ingress -->|"http: list"| n_shop_api #8c8c8c',
      'n_peer_kube_apiserver -->|"9443"| n_shop_api #8c8c8c',
      'n_peer_monitoring -->|"metrics"| n_shop_api #8c8c8c',
      'n_peer_ops -->|"http"| n_shop_api #8c8c8c',
      'n_peer_tenants -->|"http"| n_shop_api #8c8c8c',
      'n_shop_api -->|"443,6443"| n_peer_kube_apiserver #8c8c8c',
      'n_shop_api -->|"v2: 5432"| n_shop_db #8c8c8c',
      'n_shop_api -.->|"v2: 443"| n_peer_partner #d62728',
      'n_shop_api -.->|"split v3 10%"| n_shop_api_clone #17becf',
      'n_shop_web -->|"http: list"| n_shop_api #8c8c8c',
    ]);
  });

  test('istio: meshed peers are mTLS edges, unmeshed ones plaintext exceptions; derived split calls are not drawn twice', () => {
    const edges = mermaidEdges(renderMermaid(catalog, 'istio'));
    expect(edges).toEqual([
      'n_ingress -->|"http: list"| n_shop_api #9467bd',
      'n_peer_kube_apiserver -->|"9443"| n_shop_api #ff7f0e',
      'n_peer_monitoring -->|"metrics"| n_shop_api #ff7f0e',
      'n_peer_ops -->|"http"| n_shop_api #2ca02c',
      'n_peer_tenants -->|"http"| n_shop_api #ff7f0e',
      'n_shop_api -->|"443,6443"| n_peer_kube_apiserver #ff7f0e',
      'n_shop_api -->|"v2: 5432"| n_shop_db #2ca02c',
      'n_shop_api -.->|"v2: 443"| n_peer_partner #d62728',
      'n_shop_api -.->|"split v3 10%"| n_shop_api_clone #17becf',
      'n_shop_web -->|"http: list"| n_shop_api #9467bd',
    ]);
    // web -> api-clone (derived from the split) and the clone's split callers are left out.
    expect(edges.some(e => e.includes('n_shop_web') && e.includes('n_shop_api_clone'))).toBe(false);
    expect(edges.filter(e => e.endsWith(' n_shop_api_clone #17becf') || e.includes('| n_shop_api_clone'))).toHaveLength(1);
  });

  test('header-routed versions show their headers in the service node and the split edge', () => {
    const mermaid = renderMermaid(catalog, 'istio');
    expect(mermaid).toContain('n_shop_api["api (v1 80%, v2 10% [x-canary: on], v3 10%)"]');
    const split = ServiceCatalog.fromSpec({
      namespace: 'shop',
      services: [
        { name: 'api', ports: [{ port: 80, protocol: PortProtocol.HTTP }], versions: [{ name: 'v1', weight: 100 }, { name: 'errors', weight: 0, service: 'faulty', headers: { 'x-chaos': 'on' } }] },
        { name: 'faulty', ports: [{ port: 80, protocol: PortProtocol.HTTP }] },
      ],
    })._resolved;
    expect(renderMermaid(split, 'istio')).toContain('n_shop_api -.->|"split errors 0%, x-chaos: on"| n_shop_faulty');
  });

  test('DOT: hexagons filled and dashed; split and external edges dashed', () => {
    const dot = renderDot(catalog, 'linkerd');
    expect(dot).toContain('n_peer_ops [label="ops (ops: app=op, sa op)", shape=hexagon, style="filled,dashed", fillcolor="#fff3e0", color="#e65100"];');
    expect(dot).toContain('n_peer_kube_apiserver -> n_shop_api [label="9443", color="#ff7f0e"];');
    expect(dot).toContain('n_shop_api -> n_shop_api_clone [label="split v3 10%", color="#17becf", style=dashed];');
    expect(dot).toContain('n_shop_api -> n_peer_partner [label="v2: 443", color="#d62728", style=dashed];');
    expect(dot).toContain('n_shop_api_clone [label="api-clone", shape=box];');
  });

  test('Markdown legend names the plaintext and split colours and the peer shape', () => {
    expect(legendMarkdown(catalog, 'istio').split('\n').filter(l => l !== '')).toEqual([
      '- <span style="color:#2ca02c">■</span> `#2ca02c` mutually authenticated (identity), any request on the port',
      '- <span style="color:#9467bd">■</span> `#9467bd` mutually authenticated and limited to declared routes',
      '- <span style="color:#ff7f0e">■</span> `#ff7f0e` plaintext under mTLS: the peer is outside the mesh (API server, scraper, world, unmeshed pods)',
      '- <span style="color:#d62728">■</span> `#d62728` leaves the cluster',
      '- <span style="color:#17becf">■</span> `#17becf` traffic split: a version served by another Service',
      '- hexagon: a peer outside the catalog (its namespace and pod labels, or its addresses)',
    ]);
    const md = renderGraphMarkdown(catalog, 'baseline');
    expect(md).toContain('{{"partner (198.51.100.0/24)"}}');
    expect(md).not.toContain('plaintext under mTLS');
  });

  test('a catalog without peers draws no peer nodes and no peer legend', () => {
    const plain = ServiceCatalog.fromSpec({ namespace: 'shop', services: [{ name: 'web', ports: [{ port: 80 }], exposed: true }] })._resolved;
    const mermaid = renderMermaid(plain, 'baseline');
    expect(mermaid).not.toContain('{{');
    expect(mermaid).not.toContain('classDef');
    expect(mermaid).toContain('n_ingress -->|"80"| n_shop_web');
    expect(legendMarkdown(plain, 'baseline')).not.toContain('hexagon');
  });

  test('is deterministic under input order', () => {
    const reversed = ServiceCatalog.fromSpec({
      ...SPEC,
      peers: [...SPEC.peers!].reverse(),
      services: [...SPEC.services].reverse().map(s => ({ ...s, ...(s.callers ? { callers: [...s.callers].reverse() } : {}) })),
    })._resolved;
    expect(renderMermaid(reversed, 'istio')).toEqual(renderMermaid(catalog, 'istio'));
    expect(renderDot(reversed, 'cilium')).toEqual(renderDot(catalog, 'cilium'));
  });
});

describe('on generated catalogs', () => {
  test('every edge joins declared nodes, every peer in use is drawn, and output is stable', () => {
    fc.assert(
      fc.property(catalogSpecArb({ headerRoutes: true }), fc.constantFrom('baseline', 'cilium', 'linkerd', 'istio'), (spec, phase) => {
        const resolved = ServiceCatalog.fromSpec(spec)._resolved;
        const mermaid = renderMermaid(resolved, phase);
        const lines = mermaid.split('\n');
        const nodes = new Set(lines.map(l => /^\s+(n_[A-Za-z0-9_]+)[[({/]/.exec(l)?.[1]).filter((n): n is string => n !== undefined));
        for (const line of lines.filter(l => / -->\|| -\.->\|/.test(l))) {
          const [, from, to] = /^(\S+) -(?:-|\.-)>\|".*"\| (\S+)$/.exec(line.trim())!;
          expect(nodes.has(from)).toBe(true);
          expect(nodes.has(to)).toBe(true);
        }
        const drawn = resolved.services.flatMap(s => [
          ...s.callers.map(c => c.peer.name),
          ...s.peerCalls.map(c => c.peer.name),
          ...s.versions.flatMap(v => v.peerCalls.map(c => c.peer.name)),
        ]);
        for (const name of new Set(drawn)) {
          expect(nodes.has(name === 'ingress-controller' ? 'n_ingress' : `n_peer_${name.replace(/[^A-Za-z0-9]/g, '_')}`)).toBe(true);
        }
        expect(renderMermaid(ServiceCatalog.fromSpec(spec)._resolved, phase)).toEqual(mermaid);
      }),
      { seed: 1717, numRuns: propertyRuns(60) },
    );
  });
});
