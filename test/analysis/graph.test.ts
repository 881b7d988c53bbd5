import { enforcementOf, renderDot, renderGraphMarkdown, renderMermaid } from '../../src/analysis/graph';
import { ServiceCatalog } from '../../src/model/catalog';
import { L4Layer, MeshMode } from '../../src/model/types';
import { issueExample } from '../support/fixtures';

const catalog = ServiceCatalog.fromSpec(issueExample)._resolved;

describe('graph', () => {
  test('baseline: every service edge is L4 only (grey), externals dashed and red', () => {
    const mermaid = renderMermaid(catalog, 'baseline');
    expect(mermaid).toContain('subgraph n_ns_shop["namespace shop"]');
    expect(mermaid).toContain('n_shop_catalog["catalog (v1 90%, v2 10%)"]');
    expect(mermaid).toContain('n_shop_loadgen[/"loadgen"/]');
    expect(mermaid).toContain('n_shop_frontend -->|"grpc: place-order"| n_shop_checkout');
    expect(mermaid).toContain('n_shop_checkout -.->|"443"| n_ext_api_stripe_com');
    expect(mermaid).toContain('n_ext_api_stripe_com[("api.stripe.com via 198.51.100.0/24")]');
    const styles = mermaid.split('\n').filter(l => l.includes('linkStyle'));
    expect(styles.every(l => l.includes('#8c8c8c') || l.includes('#d62728'))).toBe(true);
  });

  test('mesh phases colour route-limited calls and mTLS', () => {
    expect(enforcementOf(catalog, 'istio')).toEqual({ l7: true, mtls: true, fqdn: true });
    const permissive = ServiceCatalog.fromSpec({ ...issueExample, linkerd: { mode: MeshMode.PERMISSIVE } })._resolved;
    // Cilium underneath (the default L4 layer) matches hosts by name; NetworkPolicy does not.
    expect(enforcementOf(permissive, 'linkerd')).toEqual({ l7: true, mtls: false, fqdn: true });
    const overNetworkPolicy = ServiceCatalog.fromSpec({ ...issueExample, linkerd: { l4: L4Layer.NETWORK_POLICY } })._resolved;
    expect(enforcementOf(overNetworkPolicy, 'linkerd')).toEqual({ l7: true, mtls: true, fqdn: false });
    const mermaid = renderMermaid(catalog, 'istio');
    const lines = mermaid.split('\n');
    const edgeIndex = lines.filter(l => l.includes('-->') || l.includes('-.->')).findIndex(l => l.includes('place-order'));
    expect(lines).toContain(`  linkStyle ${edgeIndex} stroke:#9467bd,stroke-width:2px`);
    expect(mermaid).toContain('n_ext_api_stripe_com[("api.stripe.com")]');
  });

  test('DOT has clusters per namespace and coloured edges', () => {
    const dot = renderDot(catalog, 'baseline');
    expect(dot).toMatch(/^digraph "mesh-ladder baseline" \{/);
    expect(dot).toContain('subgraph "cluster_payments" {');
    expect(dot).toContain('n_shop_checkout -> n_payments_charge [label="http: charge", color="#8c8c8c"];');
    expect(dot).toContain('style=dashed');
  });

  test('Markdown puts the diagram, the legend and the flow matrix together', () => {
    const md = renderGraphMarkdown(catalog, 'baseline', '| from | to |\n|---|---|\n');
    expect(md).toContain('```mermaid\nflowchart LR');
    expect(md).toContain('L4 only (address and port)');
    expect(md).toContain('### Flow matrix: baseline');
  });

  test('is deterministic', () => {
    expect(renderMermaid(ServiceCatalog.fromSpec({ ...issueExample, services: [...issueExample.services].reverse() })._resolved, 'baseline'))
      .toEqual(renderMermaid(catalog, 'baseline'));
  });
});
