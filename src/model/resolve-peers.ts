/** The peers pass: built-in and declared peers, and who may call each service. */
import { checkDns1123Label, checkDns1123Subdomain, suggest } from './names';
import { CATALOG_DEFAULTS, checkCidrList, checkLabels, compareStrings, isMapping, Issues, Path, show } from './resolve-common';
import { bindPortsAndRoutes, MutablePort, ServiceDraft } from './resolve-services';
import { ExternalPort, ResolvedCaller, ResolvedLocation, ResolvedPeer, ResolvedPeerCall } from './resolved';
import { CallerSpec, PeerSpec, PortProtocol } from './types';

/** Finds a peer by name, with a hint when the name is a catalog service or a near miss. */
export function lookupPeer(
  issues: Issues,
  path: Path,
  name: string,
  peers: ReadonlyMap<string, ResolvedPeer>,
  byId: Map<string, ServiceDraft>,
  namespace: string,
  what: 'call' | 'caller',
): ResolvedPeer | undefined {
  const peer = peers.get(name);
  if (peer) {
    return peer;
  }
  const serviceId = name.includes('/') ? name : `${namespace}/${name}`;
  if (byId.has(serviceId)) {
    issues.error(path, what === 'call'
      ? `"${name}" is a catalog service, not a peer: use "service: ${name}"`
      : `"${name}" is a catalog service: declare the call on its side ("calls: [{service: ...}]" in ${serviceId}), not as a caller`);
    return undefined;
  }
  const hint = suggest(name, [...peers.keys()]);
  issues.error(path, `unknown peer "${name}" (peers: ${[...peers.keys()].join(', ')}; declare it in "peers")${hint ? `; did you mean "${hint}"?` : ''}`);
  return undefined;
}

/** The `callers` of a service, its `exposed` flag and its metrics ports, as peer entries. */
export function resolveCallers(
  issues: Issues,
  draft: ServiceDraft,
  peers: ReadonlyMap<string, ResolvedPeer>,
  byId: Map<string, ServiceDraft>,
): ResolvedCaller[] {
  const path: Path = ['services', draft.index];
  const callers: ResolvedCaller[] = [];
  const specs: CallerSpec[] = draft.spec.callers ?? [];
  if (draft.clientOnly && specs.length > 0) {
    issues.error([...path, 'callers'], 'a client-only workload has no Service to call');
    return [];
  }
  if (draft.exposed) {
    const i = specs.findIndex(c => c?.peer === 'ingress-controller');
    if (i >= 0) {
      issues.error([...path, 'callers', i, 'peer'], '"exposed: true" already lets the ingress controller call every port; remove one of the two');
    }
    callers.push({ peer: peers.get('ingress-controller')!, ports: [...draft.ports], routes: [], source: 'exposed' });
  }
  specs.forEach((spec, i) => {
    const p: Path = [...path, 'callers', i];
    if (!isMapping(spec) || typeof spec.peer !== 'string') {
      issues.error(p, 'each caller needs "peer" (a peer name)');
      return;
    }
    const peer = lookupPeer(issues, [...p, 'peer'], spec.peer, peers, byId, draft.namespace, 'caller');
    if (!peer) {
      return;
    }
    const bound = bindPortsAndRoutes(issues, p, spec, draft, draft.id);
    if (bound) {
      callers.push({ peer, ports: bound.ports, routes: bound.routes, source: 'caller' });
    }
  });
  // Metrics ports an explicit `monitoring` caller entry already opens (any request) need no second entry.
  const covered = new Set(callers.filter(c => c.peer.name === 'monitoring' && c.routes.length === 0).flatMap(c => c.ports));
  const metrics = draft.ports.filter(port => port.metrics && !covered.has(port));
  if (metrics.length > 0) {
    callers.push({ peer: peers.get('monitoring')!, ports: metrics, routes: [], source: 'metrics' });
  }
  return callers;
}

export function callerKey(caller: ResolvedCaller): string {
  return `${caller.peer.name}|${caller.source}|${caller.ports.map(p => p.port).join(',')}|${caller.routes.map(r => r.name).join(',')}`;
}

export function peerCallKey(call: ResolvedPeerCall): string {
  return `${call.peer.name}|${call.ports.map(p => `${p.port}/${p.protocol}`).join(',')}`;
}

/** Built-in peers, then declared ones (which may replace a built-in). */
export function resolvePeers(issues: Issues, specs: PeerSpec[] | undefined, ingress: ResolvedLocation): Map<string, ResolvedPeer> {
  const peers = builtInPeers(ingress);
  const declared = new Map<string, number>();
  (specs ?? []).forEach((spec, i) => {
    const path: Path = ['peers', i];
    if (!isMapping(spec)) {
      issues.error(path, 'each peer must be a mapping');
      return;
    }
    const nameProblem = checkDns1123Label(spec.name ?? '');
    if (nameProblem) {
      issues.error([...path, 'name'], nameProblem);
    }
    if (declared.has(spec.name)) {
      issues.error([...path, 'name'], `duplicate peer "${spec.name}" (also peers[${declared.get(spec.name)}])`);
    }
    declared.set(spec.name, i);
    if (spec.name === 'ingress-controller') {
      issues.error([...path, 'name'], 'the ingress controller is configured with the catalog\'s "ingressController"');
      return;
    }
    const peer = resolveDeclaredPeer(issues, path, spec);
    if (peer) {
      peers.set(spec.name, peer);
    }
  });
  return peers;
}

const tcp = (ports: readonly number[]): ExternalPort[] => ports.map(port => ({ port, protocol: PortProtocol.TCP }));

/** The peers every catalog knows (`ingress-controller` from the catalog's `ingressController`). */
function builtInPeers(ingress: ResolvedLocation): Map<string, ResolvedPeer> {
  const pods = { kind: 'pods' as const, allNamespaces: false, cidrs: [], ports: [], builtIn: true };
  return new Map<string, ResolvedPeer>([
    ['cluster', { ...pods, name: 'cluster', allNamespaces: true, selector: {}, meshed: false }],
    ['ingress-controller', {
      ...pods, name: 'ingress-controller', namespace: ingress.namespace, selector: { ...ingress.selector }, serviceAccount: ingress.serviceAccount, meshed: true,
    }],
    ['kube-apiserver', { kind: 'kube-apiserver', name: 'kube-apiserver', allNamespaces: false, selector: {}, meshed: false, cidrs: [], ports: tcp(CATALOG_DEFAULTS.kubeApiServerPorts), builtIn: true }],
    ['monitoring', {
      ...pods,
      name: 'monitoring',
      namespace: CATALOG_DEFAULTS.monitoring.namespace,
      selector: { ...CATALOG_DEFAULTS.monitoring.selector },
      serviceAccount: CATALOG_DEFAULTS.monitoring.serviceAccount,
      meshed: false,
    }],
    ['world', { kind: 'world', name: 'world', allNamespaces: false, selector: {}, meshed: false, cidrs: ['0.0.0.0/0', '::/0'], ports: [], builtIn: true }],
  ]);
}

/** A declared peer: exactly one scope, and only the fields that scope takes. */
function resolveDeclaredPeer(issues: Issues, path: Path, spec: PeerSpec): ResolvedPeer | undefined {
  const scopes = (['namespace', 'namespaceSelector', 'allNamespaces', 'world', 'kubeApiServer'] as const)
    .filter(k => spec[k] !== undefined && spec[k] !== false);
  if (scopes.length !== 1) {
    issues.error(path, scopes.length === 0
      ? 'a peer needs one scope: "namespace", "namespaceSelector", "allNamespaces", "world" or "kubeApiServer"'
      : `a peer has one scope; got ${scopes.join(' and ')}`);
    return undefined;
  }
  const scope = scopes[0];
  const isPods = scope === 'namespace' || scope === 'namespaceSelector' || scope === 'allNamespaces';
  checkPeerScopeFields(issues, path, spec, scope, isPods);
  let namespaceSelector: Record<string, string> | undefined;
  if (scope === 'namespaceSelector') {
    namespaceSelector = checkLabels(issues, [...path, 'namespaceSelector'], spec.namespaceSelector, 'namespaceSelector');
    if (Object.keys(namespaceSelector).length === 0) {
      issues.error([...path, 'namespaceSelector'], 'an empty namespaceSelector selects every namespace: use "allNamespaces: true"');
    }
  }
  const selector = checkLabels(issues, [...path, 'selector'], spec.selector, 'selector');
  const cidrs = checkCidrList(issues, [...path, 'cidrs'], spec.cidrs ?? []);
  if (scope === 'world' && spec.cidrs !== undefined && cidrs.length === 0 && (spec.cidrs ?? []).length === 0) {
    issues.error([...path, 'cidrs'], 'give at least one range (or remove "cidrs" for the whole world)');
  }
  const ports: ExternalPort[] = [];
  (spec.ports ?? []).forEach((port, j) => {
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      issues.error([...path, 'ports', j], `port ${show(port)} is out of range (1-65535)`);
    } else if (!ports.some(q => q.port === port)) {
      ports.push({ port, protocol: PortProtocol.TCP });
    }
  });
  const builtInPorts = scope === 'kubeApiServer' ? tcp(CATALOG_DEFAULTS.kubeApiServerPorts) : [];
  return {
    name: spec.name,
    kind: isPods ? 'pods' : scope === 'world' ? 'world' : 'kube-apiserver',
    namespace: scope === 'namespace' ? spec.namespace : undefined,
    namespaceSelector,
    allNamespaces: scope === 'allNamespaces',
    selector: isPods ? selector : {},
    serviceAccount: scope === 'namespace' ? spec.serviceAccount : undefined,
    meshed: isPods ? spec.meshed ?? spec.name !== 'monitoring' : false,
    cidrs: scope === 'world' && spec.cidrs === undefined ? ['0.0.0.0/0', '::/0'] : cidrs,
    ports: spec.ports !== undefined ? ports.sort((a, b) => a.port - b.port) : builtInPorts,
    builtIn: false,
  };
}

/** Pod peers take a selector and a service account; address peers take `cidrs` and are never meshed. */
function checkPeerScopeFields(issues: Issues, path: Path, spec: PeerSpec, scope: string, isPods: boolean): void {
  if (!isPods) {
    for (const field of ['selector', 'serviceAccount'] as const) {
      if (spec[field] !== undefined) {
        issues.error([...path, field], `"${field}" selects pods; a ${scope === 'world' ? 'world' : 'kubeApiServer'} peer is addresses`);
      }
    }
    if (spec.meshed === true) {
      issues.error([...path, 'meshed'], `${scope === 'world' ? 'the world' : 'the API server'} is never in the mesh`);
    }
  } else if (spec.cidrs !== undefined) {
    issues.error([...path, 'cidrs'], '"cidrs" belongs to world and kubeApiServer peers; pod peers are selected by namespace and labels');
  }
  if (spec.serviceAccount !== undefined && isPods) {
    if (scope !== 'namespace') {
      issues.error([...path, 'serviceAccount'], 'a service account is namespaced: it needs "namespace"');
    } else if (checkDns1123Subdomain(spec.serviceAccount)) {
      issues.error([...path, 'serviceAccount'], checkDns1123Subdomain(spec.serviceAccount)!);
    }
  }
  if (spec.namespace !== undefined && checkDns1123Label(spec.namespace)) {
    issues.error([...path, 'namespace'], checkDns1123Label(spec.namespace)!);
  }
}


/**
 * Each service's callers without duplicates, in canonical order; the ports unmeshed
 * callers reach marked plaintext (they reach a meshed server without mTLS).
 */
export function finishCallers(callersById: Map<string, ResolvedCaller[]>): void {
  for (const [id, callers] of callersById) {
    const unique = new Map(callers.map(c => [callerKey(c), c]));
    callersById.set(id, [...unique.entries()].sort(([x], [y]) => compareStrings(x, y)).map(([, c]) => c));
    for (const caller of callers) {
      if (!caller.peer.meshed) {
        caller.ports.forEach(port => { (port as MutablePort).plaintext = true; });
      }
    }
  }
}
