/**
 * `mesh-ladder graph`: the service graph as Mermaid or DOT, each edge coloured by what
 * the phase enforces on it (L4 only, L7 routes, mTLS, plaintext exceptions), for
 * pull-request review. Peers outside the catalog are hexagons: callers point at the
 * services they may call (limited to ports and routes), peer calls at the peer. A version's
 * own calls carry the version's name; a version backed by another Service is a split edge.
 */
import { ResolvedCall, ResolvedCatalog, ResolvedPeer, ResolvedPeerCall, ResolvedService } from '../model/resolved';
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

type EdgeClass = 'l4' | 'l7' | 'mtls' | 'mtls-l7' | 'plaintext' | 'external' | 'split';

const EDGE_COLOURS: Record<EdgeClass, string> = {
  'l4': '#8c8c8c',
  'l7': '#1f77b4',
  'mtls': '#2ca02c',
  'mtls-l7': '#9467bd',
  'plaintext': '#ff7f0e',
  'external': '#d62728',
  'split': '#17becf',
};

const EDGE_LEGEND: Record<EdgeClass, string> = {
  'l4': 'L4 only (address and port)',
  'l7': 'L7: limited to declared routes',
  'mtls': 'mutually authenticated (identity), any request on the port',
  'mtls-l7': 'mutually authenticated and limited to declared routes',
  'plaintext': 'plaintext under mTLS: the peer is outside the mesh (API server, scraper, world, unmeshed pods)',
  'external': 'leaves the cluster',
  'split': 'traffic split: a version served by another Service',
};

/** Edges drawn dashed: traffic leaving the cluster and splits (routing, not a connection of its own). */
const DASHED: ReadonlySet<EdgeClass> = new Set(['external', 'split']);

interface Node {
  readonly id: string;
  readonly label: string;
  readonly shape: 'service' | 'client' | 'ingress' | 'external' | 'peer';
  readonly namespace?: string;
}

interface Edge {
  readonly from: string;
  readonly to: string;
  readonly label: string;
  readonly cls: EdgeClass;
}

const PEER_FILL = '#fff3e0';
const PEER_STROKE = '#e65100';

function nodeId(text: string): string {
  return 'n_' + text.replace(/[^A-Za-z0-9]/g, '_');
}

function portsLabel(ports: ReadonlyArray<{ readonly ref: string }>): string {
  return ports.map(p => p.ref).join(',');
}

function labels(record: Readonly<Record<string, string>>): string {
  return Object.entries(record).map(([k, v]) => `${k}=${v}`).join(',');
}

/** `monitoring (monitoring: app.kubernetes.io/name=prometheus, unmeshed)`, `world (0.0.0.0/0, ::/0)`. */
function peerLabel(peer: ResolvedPeer): string {
  if (peer.kind === 'world') {
    return `${peer.name} (${peer.cidrs.join(', ')})`;
  }
  if (peer.kind === 'kube-apiserver') {
    return peer.cidrs.length > 0 ? `${peer.name} (API server ${peer.cidrs.join(', ')})` : `${peer.name} (API server)`;
  }
  const scope = peer.namespace !== undefined ? peer.namespace
    : peer.namespaceSelector ? `namespaces ${labels(peer.namespaceSelector)}` : 'every namespace';
  const pods = Object.keys(peer.selector).length > 0 ? `: ${labels(peer.selector)}` : '';
  const identity = peer.serviceAccount !== undefined ? `, sa ${peer.serviceAccount}` : '';
  return `${peer.name} (${scope}${pods}${identity}${peer.meshed ? '' : ', unmeshed'})`;
}

/** The graph of a catalog for a phase: nodes and classified edges, in canonical order. */
function buildGraph(catalog: ResolvedCatalog, phase: string): { nodes: Node[]; edges: Edge[] } {
  const e = enforcementOf(catalog, phase);
  const nodes = new Map<string, Node>();
  const edges: Edge[] = [];
  const serviceNode = (s: ResolvedService) => {
    const id = nodeId(s.id);
    const versionLabel = (v: ResolvedService['versions'][number]) => {
      const headers = Object.keys(v.headers).length > 0 ? ` [${Object.entries(v.headers).map(([k, x]) => `${k}: ${x}`).join(', ')}]` : '';
      return `${v.name} ${v.weight}%${headers}`;
    };
    const versions = s.versions.length > 0 ? ` (${s.versions.map(versionLabel).join(', ')})` : '';
    nodes.set(id, { id, label: `${s.name}${versions}`, shape: s.clientOnly ? 'client' : 'service', namespace: s.namespace });
    return id;
  };
  catalog.services.forEach(serviceNode);
  const peerNode = (peer: ResolvedPeer): string => {
    if (peer.name === 'ingress-controller') {
      const id = nodeId('ingress');
      nodes.set(id, { id, label: `ingress ${catalog.ingressController.namespace}`, shape: 'ingress' });
      return id;
    }
    const id = nodeId(`peer ${peer.name}`);
    nodes.set(id, { id, label: peerLabel(peer), shape: 'peer' });
    return id;
  };
  /** What the phase enforces on a connection between a catalog pod and a party inside the mesh (or not), limited to routes or not. */
  const inboundClass = (meshed: boolean, routes: number): EdgeClass => {
    const l7 = e.l7 && routes > 0;
    if (e.mtls && !meshed) {
      return 'plaintext';
    }
    return e.mtls ? (l7 ? 'mtls-l7' : 'mtls') : l7 ? 'l7' : 'l4';
  };
  const addCalls = (s: ResolvedService, calls: readonly ResolvedCall[], peerCalls: readonly ResolvedPeerCall[], version?: string) => {
    const prefix = version !== undefined ? `${version}: ` : '';
    for (const call of calls) {
      if (call.kind === 'service') {
        // Calls derived from a split are drawn once, as the split edge.
        if (call.via !== undefined) {
          continue;
        }
        const routes = call.routes.length > 0 ? `: ${call.routes.map(r => r.name).join(', ')}` : '';
        edges.push({ from: nodeId(s.id), to: nodeId(call.targetId), label: `${prefix}${portsLabel(call.ports)}${routes}`, cls: inboundClass(true, call.routes.length) });
      } else {
        const target = call.kind === 'host' ? call.host : call.cidr;
        const id = nodeId(`ext ${target}`);
        const byName = call.kind === 'host' && !e.fqdn ? ` via ${call.cidrs.join(', ') || 'no address range'}` : '';
        nodes.set(id, { id, label: `${target}${byName}`, shape: 'external' });
        edges.push({ from: nodeId(s.id), to: id, label: `${prefix}${call.ports.map(p => p.port).join(',')}`, cls: 'external' });
      }
    }
    for (const call of peerCalls) {
      const cls: EdgeClass = call.peer.kind === 'world' ? 'external' : inboundClass(call.peer.meshed, 0);
      edges.push({ from: nodeId(s.id), to: peerNode(call.peer), label: `${prefix}${call.ports.map(p => p.port).join(',')}`, cls });
    }
  };
  for (const s of catalog.services) {
    // Split callers are the split service's callers, drawn there.
    for (const caller of s.callers.filter(c => c.source !== 'split')) {
      const routes = caller.routes.length > 0 ? `: ${caller.routes.map(r => r.name).join(', ')}` : '';
      edges.push({ from: peerNode(caller.peer), to: nodeId(s.id), label: `${portsLabel(caller.ports)}${routes}`, cls: inboundClass(caller.peer.meshed, caller.routes.length) });
    }
    addCalls(s, s.calls, s.peerCalls);
    for (const version of s.versions) {
      if (version.backend !== undefined) {
        const headers = Object.keys(version.headers).length > 0 ? `, ${Object.entries(version.headers).map(([k, v]) => `${k}: ${v}`).join(', ')}` : '';
        edges.push({ from: nodeId(s.id), to: nodeId(version.backend), label: `split ${version.name} ${version.weight}%${headers}`, cls: 'split' });
      }
      addCalls(s, version.calls, version.peerCalls, version.name);
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
      case 'peer': return `${n.id}{{"${label}"}}`;
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
  edges.forEach(edge => lines.push(`  ${edge.from} ${DASHED.has(edge.cls) ? '-.->' : '-->'}|"${escapeLabel(edge.label)}"| ${edge.to}`));
  edges.forEach((edge, i) => lines.push(`  linkStyle ${i} stroke:${EDGE_COLOURS[edge.cls]},stroke-width:2px`));
  const peers = nodes.filter(n => n.shape === 'peer');
  if (peers.length > 0) {
    lines.push(`  classDef peer fill:${PEER_FILL},stroke:${PEER_STROKE},stroke-dasharray:4 2`);
    lines.push(`  class ${peers.map(n => n.id).join(',')} peer`);
  }
  return lines.join('\n') + '\n';
}

/** Graphviz DOT, namespaces as clusters. */
export function renderDot(catalog: ResolvedCatalog, phase: string): string {
  const { nodes, edges } = buildGraph(catalog, phase);
  const quote = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  const shape: Record<Node['shape'], string> = { service: 'box', client: 'parallelogram', ingress: 'oval', external: 'cylinder', peer: 'hexagon' };
  const style = (n: Node) => (n.shape === 'peer' ? `, style="filled,dashed", fillcolor=${quote(PEER_FILL)}, color=${quote(PEER_STROKE)}` : '');
  const lines = [`digraph ${quote(`mesh-ladder ${phase}`)} {`, '  rankdir=LR;', '  node [fontname="Helvetica"];'];
  const namespaces = [...new Set(nodes.flatMap(n => (n.namespace ? [n.namespace] : [])))].sort();
  for (const ns of namespaces) {
    lines.push(`  subgraph ${quote(`cluster_${ns}`)} {`, `    label=${quote(`namespace ${ns}`)};`);
    lines.push(...nodes.filter(n => n.namespace === ns).map(n => `    ${n.id} [label=${quote(n.label)}, shape=${shape[n.shape]}${style(n)}];`));
    lines.push('  }');
  }
  lines.push(...nodes.filter(n => !n.namespace).map(n => `  ${n.id} [label=${quote(n.label)}, shape=${shape[n.shape]}${style(n)}];`));
  lines.push(...edges.map(edge => `  ${edge.from} -> ${edge.to} [label=${quote(edge.label)}, color=${quote(EDGE_COLOURS[edge.cls])}${DASHED.has(edge.cls) ? ', style=dashed' : ''}];`));
  lines.push('}');
  return lines.join('\n') + '\n';
}

/** The legend of the edge colours that occur (and of peer nodes, when any), as Markdown list items. */
export function legendMarkdown(catalog: ResolvedCatalog, phase: string): string {
  const graph = buildGraph(catalog, phase);
  const used = new Set(graph.edges.map(e => e.cls));
  const lines = (Object.keys(EDGE_COLOURS) as EdgeClass[])
    .filter(c => used.has(c))
    .map(c => `- <span style="color:${EDGE_COLOURS[c]}">■</span> \`${EDGE_COLOURS[c]}\` ${EDGE_LEGEND[c]}`);
  if (graph.nodes.some(n => n.shape === 'peer')) {
    lines.push('- hexagon: a peer outside the catalog (its namespace and pod labels, or its addresses)');
  }
  return lines.join('\n') + '\n';
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
