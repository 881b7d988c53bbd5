import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { MeshDataPlaneOptions, MeshEndpointSpec } from './mesh-options';
import { constructId, l4Protocol, MANAGED_BY_LABELS, PhaseCapabilityError, serviceLabels } from '../emit/common';
import { plainDataApiObject } from '../emit/plain-api-object';
import { ServiceCatalog } from '../model/catalog';
import { compareStrings } from '../model/compare';
import { NAMESPACE_NAME_LABEL, peerCoversNamespace } from '../model/peers';
import {
  ExternalPort,
  ResolvedCall,
  ResolvedCatalog,
  ResolvedLocation,
  ResolvedNamespace,
  ResolvedPeer,
  ResolvedPeerCall,
  ResolvedPort,
  ResolvedService,
  ResolvedVersion,
} from '../model/resolved';
import { PortProtocol } from '../model/types';


/** Label naming the peer a peer-side policy is for. */
const PEER_LABEL = 'mesh-ladder.dev/peer';

/** KubeNetworkPolicy with the plain-data synthesis shortcut (same output, less work). */
const NetworkPolicyObject = plainDataApiObject(k8s.KubeNetworkPolicy, k8s.toJson_KubeNetworkPolicyProps);

/** Properties of `NetworkPolicyLayer`. */
export interface NetworkPolicyLayerProps {
  /** The validated service catalog. */
  readonly catalog: ServiceCatalog;
  /**
   * Emit a default-deny policy (both directions) and a DNS allow in every owned namespace.
   * @default true
   */
  readonly defaultDeny?: boolean;
  /**
   * What a mesh data plane on top needs (proxy inbound ports, control plane).
   * @default - nothing: plain Kubernetes traffic
   */
  readonly mesh?: MeshDataPlaneOptions;
}

/**
 * Kubernetes NetworkPolicy allow-lists: deny by default, then one NetworkPolicy per
 * service. The baseline phase's policies, and the L4 layer under a mesh.
 *
 * A flow needs the source's egress AND the destination's ingress, so every declared
 * call is written twice: as egress on the caller and as ingress on the callee, on the
 * callee's pod port (policies never see Service ports).
 *
 * Besides the per-service policies (named after the service) it emits:
 * - `<service>.<version>`: egress of a canary version's own calls, from its pods only;
 * - `peer.<peer>`: the side of a pod peer (e.g. `cluster`) whose pods live in an owned
 *   namespace, under its default-deny: egress to the services it calls, ingress from
 *   the services calling it;
 * - `<service>.peer.<peer>`: the same for a service's pods that belong to a pod peer in
 *   a namespace without default-deny (only the service's pods are isolated there).
 * Dots keep these apart from service names (DNS labels, no dots).
 */
export class NetworkPolicyLayer extends Construct {
  private readonly byService = new Map<string, k8s.KubeNetworkPolicy>();
  private readonly byName = new Map<string, k8s.KubeNetworkPolicy>();

  public constructor(scope: Construct, id: string, props: NetworkPolicyLayerProps) {
    super(scope, id);
    const model = props.catalog._resolved;
    assertExpressible(model, props.catalog);
    const proxyPorts = props.mesh?.inboundProxyPorts ?? [];
    const controlPlane = (props.mesh?.controlPlane ?? []).map(controlPlaneRule);
    const defaultDeny = props.defaultDeny ?? true;
    // Namespaces where every pod is isolated (default-deny): anything else only isolates
    // the pods our own policies select.
    const isolated = new Set(defaultDeny ? model.namespaces.filter(n => n.owned).map(n => n.name) : []);
    if (defaultDeny) {
      this.addNamespaceWidePolicies(model, controlPlane);
    }
    for (const service of model.services) {
      this.addServicePolicies(model, service, proxyPorts, isolated.has(service.namespace) ? [] : [dnsRule(model.dns), ...controlPlane]);
    }
    for (const side of peerSides(model, proxyPorts)) {
      this.addPeerPolicies(model, side, isolated);
    }
  }

  /**
   * The NetworkPolicy of a service, as an escape hatch.
   * @param serviceId `namespace/name`
   */
  public policyFor(serviceId: string): ApiObject | undefined {
    return this.byService.get(serviceId);
  }

  /**
   * Any emitted NetworkPolicy by namespace and name (e.g. `catalog.v2`, `peer.cluster`),
   * as an escape hatch.
   */
  public policyNamed(namespace: string, name: string): ApiObject | undefined {
    return this.byName.get(`${namespace}/${name}`);
  }

  private emit(namespace: string, name: string, labels: Record<string, string>, spec: k8s.NetworkPolicySpec): k8s.KubeNetworkPolicy {
    const key = `${namespace}/${name}`;
    if (this.byName.has(key)) {
      throw new PhaseCapabilityError(`NetworkPolicy ${key} would be emitted twice (policy names: <service>, <service>.<version>, peer.<peer>, <service>.peer.<peer>, default-deny, allow-dns, allow-mesh-control-plane); rename the service, version or peer involved`);
    }
    const policy = new NetworkPolicyObject(this, constructId(namespace, name), { metadata: { name, namespace, labels }, spec });
    this.byName.set(key, policy);
    return policy;
  }

  /** Default-deny, DNS and the mesh control plane for every pod of each owned namespace. */
  private addNamespaceWidePolicies(model: ResolvedCatalog, controlPlane: k8s.NetworkPolicyEgressRule[]): void {
    for (const ns of model.namespaces.filter(n => n.owned)) {
      this.emit(ns.name, 'default-deny', { ...MANAGED_BY_LABELS }, { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
      this.emit(ns.name, 'allow-dns', { ...MANAGED_BY_LABELS }, { podSelector: {}, policyTypes: ['Egress'], egress: [dnsRule(model.dns)] });
      if (controlPlane.length > 0) {
        this.emit(ns.name, 'allow-mesh-control-plane', { ...MANAGED_BY_LABELS }, { podSelector: {}, policyTypes: ['Egress'], egress: controlPlane });
      }
    }
  }

  /**
   * A service's policy, and one per version with calls of its own.
   * @param namespaceWide what the namespace's own policies would allow (DNS, control plane)
   *   when the namespace has no default-deny and so no namespace-wide allows either
   */
  private addServicePolicies(
    model: ResolvedCatalog, service: ResolvedService, proxyPorts: readonly number[], namespaceWide: k8s.NetworkPolicyEgressRule[],
  ): void {
    const policy = this.emit(service.namespace, service.name, serviceLabels(service), {
      podSelector: { matchLabels: { ...service.selector } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: ingressRules(model, service, proxyPorts),
      egress: [...egressRules(model, service.calls, service.peerCalls, proxyPorts), ...namespaceWide],
    });
    this.byService.set(service.id, policy);
    // A version's own calls: egress from its pods only (the service's policy selects
    // them too, so they keep the service-wide calls).
    for (const version of service.versions) {
      const own = versionOwnCalls(service, version);
      if (own.calls.length === 0 && own.peerCalls.length === 0) {
        continue;
      }
      this.emit(service.namespace, `${service.name}.${version.name}`, serviceLabels(service), {
        podSelector: { matchLabels: { ...service.selector, ...version.labels } },
        policyTypes: ['Egress'],
        egress: egressRules(model, own.calls, own.peerCalls, proxyPorts),
      });
    }
  }

  /** A pod peer's side: one policy per namespace it lives in, or per service whose pods it selects there. */
  private addPeerPolicies(model: ResolvedCatalog, side: PeerSide, isolated: ReadonlySet<string>): void {
    const peer = side.peer;
    const policyTypes = [...(side.ingress.length > 0 ? ['Ingress'] : []), ...(side.egress.length > 0 ? ['Egress'] : [])];
    const labels = { ...MANAGED_BY_LABELS, [PEER_LABEL]: peer.name };
    const rules = {
      ...(side.ingress.length > 0 ? { ingress: side.ingress } : {}),
      ...(side.egress.length > 0 ? { egress: side.egress } : {}),
    };
    for (const ns of namespacesOf(peer, model.namespaces)) {
      if (isolated.has(ns.name)) {
        this.emit(ns.name, `peer.${peer.name}`, labels, { podSelector: labelSelector(peer.selector), policyTypes, ...rules });
        continue;
      }
      // Only our services' pods are isolated here: select the peer's pods among them
      // (a wider selector would isolate pods nothing else restricts).
      for (const service of model.services.filter(s => s.namespace === ns.name)) {
        const selector = mergeSelectors(service.selector, peer.selector);
        if (selector) {
          this.emit(ns.name, `${service.name}.peer.${peer.name}`, { ...serviceLabels(service), [PEER_LABEL]: peer.name }, {
            podSelector: { matchLabels: selector },
            policyTypes,
            ...rules,
          });
        }
      }
    }
  }
}

function labelSelector(labels: Record<string, string>): k8s.LabelSelector {
  return Object.keys(labels).length === 0 ? {} : { matchLabels: { ...labels } };
}

/** Both label sets together, or undefined when they disagree on a key (no pod has both). */
function mergeSelectors(a: Record<string, string>, b: Record<string, string>): Record<string, string> | undefined {
  if (Object.entries(b).some(([k, v]) => a[k] !== undefined && a[k] !== v)) {
    return undefined;
  }
  return { ...a, ...b };
}

function locationPeer(location: { readonly namespace: string; readonly selector: Record<string, string> }): k8s.NetworkPolicyPeer {
  // One peer with both selectors: namespace AND pods (two peers would mean OR).
  return {
    namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: location.namespace } },
    podSelector: { matchLabels: { ...location.selector } },
  };
}

/** The pods of a service, or of one of its versions. */
function servicePeer(service: ResolvedService, version?: ResolvedVersion): k8s.NetworkPolicyPeer {
  return locationPeer({ namespace: service.namespace, selector: { ...service.selector, ...version?.labels } });
}

/** A peer outside the catalog as NetworkPolicy peers (one entry, or one ipBlock per range). */
function outsidePeers(p: ResolvedPeer): k8s.NetworkPolicyPeer[] {
  if (p.kind !== 'pods') {
    return p.cidrs.map(cidr => ({ ipBlock: { cidr } }));
  }
  const namespaceSelector: k8s.LabelSelector = p.namespace !== undefined
    ? { matchLabels: { [NAMESPACE_NAME_LABEL]: p.namespace } }
    : labelSelector(p.namespaceSelector ?? {}); // {} = every namespace
  return [{ namespaceSelector, podSelector: labelSelector(p.selector) }];
}

/**
 * Whether the mesh proxy's inbound ports apply to the peer: any pod peer. Even an
 * "unmeshed" peer's scope may hold meshed pods (`cluster` holds the catalog's own), whose
 * proxies connect to the proxy port; an unmeshed pod there is still authorized by the
 * proxy, so opening it costs nothing.
 */
function reachesProxyPorts(p: ResolvedPeer): boolean {
  return p.kind === 'pods';
}

interface PortEntry {
  readonly port: number;
  readonly protocol: PortProtocol;
}

function podPortEntries(ports: readonly ResolvedPort[]): PortEntry[] {
  return ports.map(p => ({ port: p.targetPort, protocol: p.protocol }));
}

/** Ports by number (sorted, deduplicated), plus the mesh proxy's inbound ports (TCP). */
function policyPorts(ports: readonly PortEntry[], proxyPorts: readonly number[]): k8s.NetworkPolicyPort[] {
  const all = [
    ...ports.map(p => ({ port: p.port, protocol: l4Protocol(p.protocol) })),
    ...proxyPorts.map(port => ({ port, protocol: 'TCP' as const })),
  ].sort((a, b) => a.port - b.port || (a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : 0));
  const seen = new Set<string>();
  const out: k8s.NetworkPolicyPort[] = [];
  for (const { port, protocol } of all) {
    const key = `${port}/${protocol}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push({ protocol, port: k8s.IntOrString.fromNumber(port) });
    }
  }
  return out;
}

function controlPlaneRule(endpoint: MeshEndpointSpec): k8s.NetworkPolicyEgressRule {
  return {
    to: [{
      namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: endpoint.namespace } },
      podSelector: endpoint.selector ? { matchLabels: { ...endpoint.selector } } : {},
    }],
    ports: [...endpoint.ports].sort((a, b) => a - b).map(port => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) })),
  };
}

function externalPorts(ports: readonly ExternalPort[]): k8s.NetworkPolicyPort[] {
  return ports.map(p => ({ protocol: l4Protocol(p.protocol), port: k8s.IntOrString.fromNumber(p.port) }));
}

function dnsRule(dns: ResolvedLocation): k8s.NetworkPolicyEgressRule {
  return {
    to: [locationPeer(dns)],
    ports: [
      { protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) },
      { protocol: 'TCP', port: k8s.IntOrString.fromNumber(53) },
    ],
  };
}

/** Rules being built: one per counterpart (sorted by key), with the ports of every call merged. */
class RuleGroups {
  private readonly groups = new Map<string, { peers: k8s.NetworkPolicyPeer[]; ports: PortEntry[]; proxy: boolean }>();

  public add(key: string, peers: k8s.NetworkPolicyPeer[], ports: readonly PortEntry[], proxy: boolean): void {
    const entry = this.groups.get(key) ?? { peers, ports: [], proxy };
    entry.ports.push(...ports);
    this.groups.set(key, entry);
  }

  /** `[peers, ports]` pairs in key order. */
  public rules(proxyPorts: readonly number[]): Array<[k8s.NetworkPolicyPeer[], k8s.NetworkPolicyPort[]]> {
    return [...this.groups.entries()]
      .sort(([a], [b]) => compareStrings(a, b))
      .map(([, g]) => [g.peers, policyPorts(g.ports, g.proxy ? proxyPorts : [])]);
  }
}

/** `\u0000` sorts before every character: a service-wide entry comes before its versions'. */
function inboundKey(fromId: string, version?: string): string {
  return `${fromId}\u0000${version ?? ''}`;
}

function ingressRules(model: ResolvedCatalog, service: ResolvedService, proxyPorts: readonly number[]): k8s.NetworkPolicyIngressRule[] {
  // Peers first (by name; `exposed` is the ingress controller), then catalog callers.
  const peers = new RuleGroups();
  for (const caller of service.callers) {
    peers.add(caller.peer.name, outsidePeers(caller.peer), podPortEntries(caller.ports), reachesProxyPorts(caller.peer));
  }
  const services = new RuleGroups();
  for (const inbound of service.inbound) {
    const caller = model.service(inbound.fromId);
    // A version's own call admits only that version's pods, on the ports the whole
    // service does not call already.
    const version = inbound.fromVersion === undefined ? undefined : caller.versions.find(v => v.name === inbound.fromVersion);
    const ports = version ? uncoveredServicePorts(inbound.call.ports, caller.calls, service.id) : inbound.call.ports;
    if (ports.length > 0) {
      services.add(inboundKey(inbound.fromId, inbound.fromVersion), [servicePeer(caller, version)], podPortEntries(ports), true);
    }
  }
  return [...peers.rules(proxyPorts), ...services.rules(proxyPorts)].map(([from, ports]) => ({ from, ports }));
}

function egressRules(
  model: ResolvedCatalog,
  calls: readonly ResolvedCall[],
  peerCalls: readonly ResolvedPeerCall[],
  proxyPorts: readonly number[],
): k8s.NetworkPolicyEgressRule[] {
  const callees = new RuleGroups();
  const rules: k8s.NetworkPolicyEgressRule[] = [];
  for (const call of calls) {
    switch (call.kind) {
      case 'service':
        callees.add(call.targetId, [servicePeer(model.service(call.targetId))], podPortEntries(call.ports), true);
        break;
      case 'cidr':
        rules.push({
          to: [{ ipBlock: { cidr: call.cidr, except: call.except.length > 0 ? [...call.except] : undefined } }],
          ports: externalPorts(call.ports),
        });
        break;
      case 'host':
        rules.push({ to: call.cidrs.map(cidr => ({ ipBlock: { cidr } })), ports: externalPorts(call.ports) });
        break;
    }
  }
  const peers = new RuleGroups();
  for (const call of peerCalls) {
    peers.add(call.peer.name, outsidePeers(call.peer), call.ports, reachesProxyPorts(call.peer));
  }
  return [
    ...callees.rules(proxyPorts).map(([to, ports]) => ({ to, ports })),
    ...rules,
    ...peers.rules(proxyPorts).map(([to, ports]) => ({ to, ports })),
  ];
}

/** Service ports among `ports` that no call of `calls` to `targetId` names already. */
function uncoveredServicePorts(ports: readonly ResolvedPort[], calls: readonly ResolvedCall[], targetId: string): ResolvedPort[] {
  const key = (p: ResolvedPort) => `${p.port}/${p.protocol}`;
  const covered = new Set(calls.flatMap(c => (c.kind === 'service' && c.targetId === targetId ? c.ports.map(key) : [])));
  return ports.filter(p => !covered.has(key(p)));
}

/**
 * A version's calls beyond what the whole service calls: at L4 a version rule on a port
 * the service-wide rule opens already would be dead weight.
 */
function versionOwnCalls(service: ResolvedService, version: ResolvedVersion): { calls: ResolvedCall[]; peerCalls: ResolvedPeerCall[] } {
  const calls = version.calls.flatMap((call): ResolvedCall[] => {
    if (call.kind !== 'service') {
      return [call];
    }
    const ports = uncoveredServicePorts(call.ports, service.calls, call.targetId);
    return ports.length === 0 ? [] : [{ ...call, ports }];
  });
  const peerCalls = version.peerCalls.flatMap((call): ResolvedPeerCall[] => {
    const covered = new Set(service.peerCalls.filter(c => c.peer.name === call.peer.name).flatMap(c => c.ports.map(p => `${p.port}/${l4Protocol(p.protocol)}`)));
    const ports = call.ports.filter(p => !covered.has(`${p.port}/${l4Protocol(p.protocol)}`));
    return ports.length === 0 ? [] : [{ ...call, ports }];
  });
  return { calls, peerCalls };
}

/** What the pods of a pod peer need where the catalog isolates them. */
interface PeerSide {
  readonly peer: ResolvedPeer;
  /** From the services (or versions) that call the peer. */
  readonly ingress: k8s.NetworkPolicyIngressRule[];
  /** To the services the peer calls. */
  readonly egress: k8s.NetworkPolicyEgressRule[];
}

/**
 * The peer's own side of its flows, for every pod peer that calls or is called. The
 * ingress controller is left out: the analysis and the model treat it as one workload
 * outside the catalog's namespaces.
 */
function peerSides(model: ResolvedCatalog, proxyPorts: readonly number[]): PeerSide[] {
  const byPeer = new Map<string, { peer: ResolvedPeer; ingress: RuleGroups; egress: RuleGroups }>();
  const of = (p: ResolvedPeer) => {
    const entry = byPeer.get(p.name) ?? { peer: p, ingress: new RuleGroups(), egress: new RuleGroups() };
    byPeer.set(p.name, entry);
    return entry;
  };
  const relevant = (p: ResolvedPeer) => p.kind === 'pods' && p.name !== 'ingress-controller';
  for (const service of model.services) {
    // The service's pods are meshed: the peer's egress reaches their proxy ports too (see
    // reachesProxyPorts).
    for (const caller of service.callers.filter(c => relevant(c.peer))) {
      of(caller.peer).egress.add(service.id, [servicePeer(service)], podPortEntries(caller.ports), reachesProxyPorts(caller.peer));
    }
    for (const call of service.peerCalls.filter(c => relevant(c.peer))) {
      of(call.peer).ingress.add(inboundKey(service.id), [servicePeer(service)], call.ports, reachesProxyPorts(call.peer));
    }
    for (const version of service.versions) {
      for (const call of versionOwnCalls(service, version).peerCalls.filter(c => relevant(c.peer))) {
        of(call.peer).ingress.add(inboundKey(service.id, version.name), [servicePeer(service, version)], call.ports, reachesProxyPorts(call.peer));
      }
    }
  }
  return [...byPeer.values()]
    .sort((a, b) => (a.peer.name < b.peer.name ? -1 : a.peer.name > b.peer.name ? 1 : 0))
    .map(({ peer: p, ingress, egress }) => ({
      peer: p,
      ingress: ingress.rules(proxyPorts).map(([from, ports]) => ({ from, ports })),
      egress: egress.rules(proxyPorts).map(([to, ports]) => ({ to, ports })),
    }));
}

/** The catalog namespaces a pod peer's scope covers (in catalog order). */
function namespacesOf(p: ResolvedPeer, namespaces: readonly ResolvedNamespace[]): ResolvedNamespace[] {
  return namespaces.filter(ns => peerCoversNamespace(p, ns));
}

/**
 * NetworkPolicy matches addresses, not names: a `host` call without `cidrs`, or the API
 * server without its addresses, cannot be written in this phase. Refuse loudly rather
 * than drop the call.
 */
function assertExpressible(model: ResolvedCatalog, catalog: ServiceCatalog): void {
  const problems: string[] = [];
  const apiServerAdvice = (p: ResolvedPeer) =>
    `NetworkPolicy cannot name the API server: give peers[${p.name}].cidrs, its endpoint addresses (kubectl get endpoints kubernetes), e.g. peers: [{name: ${p.name}, kubeApiServer: true, cidrs: [...]}], or use the cilium phase, which matches the API server by entity`;
  const ports = (list: ReadonlyArray<{ readonly port: number }>) => list.map(p => p.port).join(',');
  for (const service of model.services) {
    const owners: Array<[string, readonly ResolvedCall[], readonly ResolvedPeerCall[]]> = [
      [service.id, service.calls, service.peerCalls],
      ...service.versions.map((v): [string, readonly ResolvedCall[], readonly ResolvedPeerCall[]] => [`${service.id} version ${v.name}`, v.calls, v.peerCalls]),
    ];
    for (const [who, calls, peerCalls] of owners) {
      for (const call of calls) {
        if (call.kind === 'host' && call.cidrs.length === 0) {
          problems.push(`${catalog._describeField(call.declaredAt)}: ${who} calls host ${call.host}:${ports(call.ports)}: NetworkPolicy matches IP addresses, not DNS names. Add "cidrs" (the host's address ranges) to the call, or use the cilium phase, which matches DNS names (toFQDNs).`);
        }
      }
      for (const call of peerCalls) {
        if (call.peer.kind === 'kube-apiserver' && call.peer.cidrs.length === 0) {
          problems.push(`${who} calls peer ${call.peer.name}:${ports(call.ports)}: ${apiServerAdvice(call.peer)}.`);
        }
      }
    }
    for (const caller of service.callers) {
      if (caller.peer.kind === 'kube-apiserver' && caller.peer.cidrs.length === 0) {
        problems.push(`peer ${caller.peer.name} calls ${service.id}:${caller.ports.map(p => p.ref).join(',')} (callers): ${apiServerAdvice(caller.peer)}.`);
      }
    }
  }
  if (problems.length > 0) {
    throw new PhaseCapabilityError(`the baseline phase cannot express ${problems.length} call(s):\n` + problems.map(p => `  - ${p}`).join('\n'));
  }
}
