/**
 * `mesh-ladder graph`: the service graph as Mermaid or DOT, each edge coloured by what
 * the phase enforces on it (L4 only, L7 routes, mTLS), for pull-request review.
 */
import { ResolvedCatalog, ResolvedService } from '../model/resolved';
import { L4Layer, MeshMode } from '../model/types';

/** What a phase enforces on a call between catalog services. */
export interface Enforcement {
  /** Route-limited calls are enforced per request (method and path). */
  readonly l7: boolean;
  /**
   * Traffic between services is mutually authenticated by workload identity (meshes:
   * mTLS, also encrypted; Cilium mutual auth: authenticated, encrypted only with
   * WireGuard/IPsec).
   */
  readonly mtls: boolean;
  /** External hosts are matched by DNS name (not only by address). */
  readonly fqdn: boolean;
}

/** Enforcement of each phase, from the catalog's phase settings. */
export function enforcementOf(catalog: ResolvedCatalog, phase: string): Enforcement {
  switch (phase) {
    case 'cilium':
      return { l7: true, mtls: catalog.cilium.mutualAuth, fqdn: true };
    case 'linkerd':
      // Host names are matched only by a Cilium L4 layer underneath.
      return { l7: true, mtls: catalog.linkerd.mode === MeshMode.ENFORCED, fqdn: catalog.linkerd.l4 === L4Layer.CILIUM };
    case 'istio':
      return { l7: true, mtls: catalog.istio.mode === MeshMode.ENFORCED, fqdn: true };
    default:
      return { l7: false, mtls: false, fqdn: false };
  }
}

type EdgeClass = 'l4' | 'l7' | 'mtls' | 'mtls-l7' | 'external';

const EDGE_COLOURS: Record<EdgeClass, string> = {
  'l4': '#8c8c8c',
  'l7': '#1f77b4',
  'mtls': '#2ca02c',
  'mtls-l7': '#9467bd',
  'external': '#d62728',
};

const EDGE_LEGEND: Record<EdgeClass, string> = {
  'l4': 'L4 only (address and port)',
  'l7': 'L7: limited to declared routes',
  'mtls': 'mutually authenticated (identity), any request on the port',
  'mtls-l7': 'mutually authenticated and limited to declared routes',
  'external': 'leaves the cluster',
};

interface Node {
  readonly id: string;
  readonly label: string;
  readonly shape: 'service' | 'client' | 'ingress' | 'external';
  readonly namespace?: string;
}

interface Edge {
  readonly from: string;
  readonly to: string;
  readonly label: string;
  readonly cls: EdgeClass;
}

function nodeId(text: string): string {
  return 'n_' + text.replace(/[^A-Za-z0-9]/g, '_');
}

function portsLabel(ports: ReadonlyArray<{ readonly ref: string }>): string {
  return ports.map(p => p.ref).join(',');
}

/** The graph of a catalog for a phase: nodes and classified edges, in canonical order. */
function buildGraph(catalog: ResolvedCatalog, phase: string): { nodes: Node[]; edges: Edge[] } {
  const e = enforcementOf(catalog, phase);
  const nodes = new Map<string, Node>();
  const edges: Edge[] = [];
  const serviceNode = (s: ResolvedService) => {
    const id = nodeId(s.id);
    const versions = s.versions.length > 0 ? ` (${s.versions.map(v => `${v.name} ${v.weight}%`).join(', ')})` : '';
    nodes.set(id, { id, label: `${s.name}${versions}`, shape: s.clientOnly ? 'client' : 'service', namespace: s.namespace });
    return id;
  };
  catalog.services.forEach(serviceNode);
  const ingress = nodeId('ingress');
  if (catalog.services.some(s => s.exposed)) {
    nodes.set(ingress, { id: ingress, label: `ingress ${catalog.ingressController.namespace}`, shape: 'ingress' });
  }
  for (const s of catalog.services) {
    if (s.exposed) {
      edges.push({ from: ingress, to: nodeId(s.id), label: portsLabel(s.ports), cls: e.mtls ? 'mtls' : 'l4' });
    }
    for (const call of s.calls) {
      if (call.kind === 'service') {
        const l7 = e.l7 && call.routes.length > 0;
        const cls: EdgeClass = e.mtls ? (l7 ? 'mtls-l7' : 'mtls') : l7 ? 'l7' : 'l4';
        const routes = call.routes.length > 0 ? `: ${call.routes.map(r => r.name).join(', ')}` : '';
        edges.push({ from: nodeId(s.id), to: nodeId(call.targetId), label: `${portsLabel(call.ports)}${routes}`, cls });
      } else {
        const target = call.kind === 'host' ? call.host : call.cidr;
        const id = nodeId(`ext ${target}`);
        const byName = call.kind === 'host' && !e.fqdn ? ` via ${call.cidrs.join(', ') || 'no address range'}` : '';
        nodes.set(id, { id, label: `${target}${byName}`, shape: 'external' });
        edges.push({ from: nodeId(s.id), to: id, label: call.ports.map(p => p.port).join(','), cls: 'external' });
      }
    }
  }
  const sortedNodes = [...nodes.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { nodes: sortedNodes, edges };
}

function escapeLabel(text: string): string {
  return text.replace(/"/g, '#quot;');
}

/** Mermaid flowchart, namespaces as subgraphs, one `linkStyle` per edge. */
export function renderMermaid(catalog: ResolvedCatalog, phase: string): string {
  const { nodes, edges } = buildGraph(catalog, phase);
  const lines = ['flowchart LR'];
  const shape = (n: Node) => {
    const label = escapeLabel(n.label);
    switch (n.shape) {
      case 'client': return `${n.id}[/"${label}"/]`;
      case 'ingress': return `${n.id}(["${label}"])`;
      case 'external': return `${n.id}[("${label}")]`;
      default: return `${n.id}["${label}"]`;
    }
  };
  const namespaces = [...new Set(nodes.flatMap(n => (n.namespace ? [n.namespace] : [])))].sort();
  for (const ns of namespaces) {
    lines.push(`  subgraph ${nodeId(`ns ${ns}`)}["namespace ${ns}"]`);
    lines.push(...nodes.filter(n => n.namespace === ns).map(n => `    ${shape(n)}`));
    lines.push('  end');
  }
  lines.push(...nodes.filter(n => !n.namespace).map(n => `  ${shape(n)}`));
  edges.forEach(edge => lines.push(`  ${edge.from} ${edge.cls === 'external' ? '-.->' : '-->'}|"${escapeLabel(edge.label)}"| ${edge.to}`));
  edges.forEach((edge, i) => lines.push(`  linkStyle ${i} stroke:${EDGE_COLOURS[edge.cls]},stroke-width:2px`));
  return lines.join('\n') + '\n';
}

/** Graphviz DOT, namespaces as clusters. */
export function renderDot(catalog: ResolvedCatalog, phase: string): string {
  const { nodes, edges } = buildGraph(catalog, phase);
  const quote = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  const shape: Record<Node['shape'], string> = { service: 'box', client: 'parallelogram', ingress: 'oval', external: 'cylinder' };
  const lines = [`digraph ${quote(`mesh-ladder ${phase}`)} {`, '  rankdir=LR;', '  node [fontname="Helvetica"];'];
  const namespaces = [...new Set(nodes.flatMap(n => (n.namespace ? [n.namespace] : [])))].sort();
  for (const ns of namespaces) {
    lines.push(`  subgraph ${quote(`cluster_${ns}`)} {`, `    label=${quote(`namespace ${ns}`)};`);
    lines.push(...nodes.filter(n => n.namespace === ns).map(n => `    ${n.id} [label=${quote(n.label)}, shape=${shape[n.shape]}];`));
    lines.push('  }');
  }
  lines.push(...nodes.filter(n => !n.namespace).map(n => `  ${n.id} [label=${quote(n.label)}, shape=${shape[n.shape]}];`));
  lines.push(...edges.map(edge => `  ${edge.from} -> ${edge.to} [label=${quote(edge.label)}, color=${quote(EDGE_COLOURS[edge.cls])}${edge.cls === 'external' ? ', style=dashed' : ''}];`));
  lines.push('}');
  return lines.join('\n') + '\n';
}

/** The legend of the edge colours that occur, as Markdown list items. */
export function legendMarkdown(catalog: ResolvedCatalog, phase: string): string {
  const used = new Set(buildGraph(catalog, phase).edges.map(e => e.cls));
  return (Object.keys(EDGE_COLOURS) as EdgeClass[])
    .filter(c => used.has(c))
    .map(c => `- <span style="color:${EDGE_COLOURS[c]}">■</span> \`${EDGE_COLOURS[c]}\` ${EDGE_LEGEND[c]}`)
    .join('\n') + '\n';
}

/** Graph, legend and (when given) the flow matrix, as one Markdown section. */
export function renderGraphMarkdown(catalog: ResolvedCatalog, phase: string, flowMatrixMarkdown?: string): string {
  const parts = [
    `## Service graph: ${phase}`, '',
    '```mermaid', renderMermaid(catalog, phase).trimEnd(), '```', '',
    legendMarkdown(catalog, phase).trimEnd(),
  ];
  if (flowMatrixMarkdown) {
    parts.push('', `### Flow matrix: ${phase}`, '', flowMatrixMarkdown.trimEnd());
  }
  return parts.join('\n') + '\n';
}
