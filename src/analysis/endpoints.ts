/**
 * The endpoint universe: every party a flow can start or end at, derived from the model
 * (the declaration), never from the emitted manifests. Evaluators of any backend decide
 * which flows between these endpoints the manifests allow.
 *
 * Besides the declared workloads (one endpoint per version with pods of its own) it holds
 * the peers the catalog uses: a pod of each pod peer (in its namespace, or in a namespace
 * carrying its namespace selector's labels), the API server as an address, and addresses
 * inside partner ranges. And it contains probes that expose over-permission:
 * an unlabelled pod in every relevant namespace, a pod in a namespace the catalog does
 * not know, look-alike pods (a workload's labels in that foreign namespace, which catch a
 * peer that forgot its namespace selector), addresses inside every declared range and
 * inside every `except`, and public "world" addresses.
 */
import { comparePortProbes, PortProbe, Transport } from './flows';
import { addressAt, CidrBlock, cidrContains, IpAddress, parseCidr, parseIp, sampleAddress } from '../model/cidr';
import { labelsMatch, NAMESPACE_NAME_LABEL, peerCoversNamespace } from '../model/peers';
import { ResolvedCatalog, ResolvedPeer, ResolvedService } from '../model/resolved';
import { PortProtocol } from '../model/types';

export { NAMESPACE_NAME_LABEL };

/** How an endpoint is addressed: a pod (labels, namespace), an IP address, or a DNS name. */
export type EndpointKind = 'pod' | 'ip' | 'fqdn';

export type EndpointRole =
  /** A service's pods (one endpoint per version) or a client-only workload. */
  | 'workload'
  | 'ingress-controller'
  | 'dns'
  /** An unlabelled pod that no declaration mentions. */
  | 'other-pod'
  /** A pod carrying the labels of another endpoint, in the foreign namespace. */
  | 'lookalike'
  /** An address inside a declared CIDR (cidr call or host-call cidrs). */
  | 'cidr'
  /** An address inside an `except` of a cidr call. */
  | 'except'
  /** A public address outside every declared CIDR. */
  | 'world'
  /** A DNS name of a host call. */
  | 'host'
  /** Pods of a peer outside the catalog (`peers`, e.g. the monitoring scraper). */
  | 'peer'
  /** The Kubernetes API server (an address). */
  | 'kube-apiserver';

export interface ContainerPort {
  readonly name?: string;
  readonly port: number;
  readonly protocol: Transport;
}

export interface WorkloadRef {
  /** `namespace/name` of the service or client-only workload. */
  readonly serviceId: string;
  readonly version?: string;
  readonly clientOnly: boolean;
}

export interface Endpoint {
  /** Unique, human-readable id used in reports: `shop/frontend`, `shop/catalog@v2`, `world`. */
  readonly id: string;
  readonly kind: EndpointKind;
  readonly role: EndpointRole;
  /** Namespace of a pod. */
  readonly namespace?: string;
  /** Pod labels (empty for non-pods). */
  readonly labels: Readonly<Record<string, string>>;
  /**
   * Service account of a pod (its mesh identity with the namespace): the workload's (its
   * version's), the ingress controller's, a peer's, the original's for a look-alike,
   * `default` for other pods; unknown for DNS.
   */
  readonly serviceAccount?: string;
  /** Named container ports of a pod (what named policy ports resolve against). */
  readonly containerPorts: ReadonlyArray<ContainerPort>;
  /** Address of an `ip` endpoint; of a pod only with the `podCidr` option. */
  readonly ip?: IpAddress;
  /** DNS name of a `host` endpoint. */
  readonly host?: string;
  /** The declared workload this pod set is. */
  readonly workload?: WorkloadRef;
  /** Labels of a pod's namespace (what namespace selectors match). */
  readonly namespaceLabels?: Readonly<Record<string, string>>;
  /** The peer (by name) this endpoint stands for: `peer` and `kube-apiserver` endpoints. */
  readonly peer?: string;
  /**
   * Set on peer endpoints: whether the catalog says the peer's pods are in the mesh.
   * Other pods' mesh membership is decided by each mesh evaluator from the manifests.
   */
  readonly meshed?: boolean;
  /** The pod lives in a namespace of the catalog. */
  readonly inCatalogNamespace: boolean;
  /**
   * The catalog makes promises about this endpoint's traffic: a declared workload, or any
   * pod in a namespace the catalog owns (default-deny). Other endpoints are probes whose
   * traffic nothing in the catalog governs.
   */
  readonly governed: boolean;
}

export interface UniverseNamespace {
  readonly name: string;
  /** Display name (`(other namespace)` for the foreign one). */
  readonly displayName: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly inCatalog: boolean;
  readonly owned: boolean;
}

export interface UniverseOptions {
  /**
   * Pod address range. When given, every pod gets an address inside it, and `ipBlock`
   * rules match pods too (as most CNIs do for in-cluster addresses). By default pods have
   * no address: the analysis assumes pod IPs lie outside every declared external CIDR.
   * @default - pods do not match ipBlocks
   */
  readonly podCidr?: string;
}

export interface Universe {
  /** Canonical order: workloads, ingress controller, DNS, other pods, look-alikes, external. */
  readonly endpoints: ReadonlyArray<Endpoint>;
  readonly namespaces: ReadonlyArray<UniverseNamespace>;
  /** Ports probed on every destination, both protocols each. */
  readonly probes: ReadonlyArray<PortProbe>;
  /** Things the universe could not represent (e.g. a range fully excluded by `except`). */
  readonly notes: ReadonlyArray<string>;
  /** Position of every endpoint id in `endpoints`. */
  readonly order: ReadonlyMap<string, number>;
  endpoint(id: string): Endpoint;
  namespace(name: string): UniverseNamespace | undefined;
  /** The endpoints (one per version) of a service or client-only workload. */
  workloadEndpoints(serviceId: string): Endpoint[];
  /** Ports probed on `destination`. */
  probesFor(destination: Endpoint): ReadonlyArray<PortProbe>;
}

/** Port probed on every destination that nothing declares (catches "all ports" rules). */
export const UNUSED_PROBE_PORT = 65000;
/** Candidate "world" addresses (documentation ranges, RFC 5737 / RFC 3849). */
const WORLD_V4 = '203.0.113.10';
const WORLD_V6 = '2001:db8:ffff::10';
const FOREIGN_NAMESPACE = 'mesh-ladder-foreign';
const DNS_CONTAINER_PORTS: ContainerPort[] = [
  { name: 'dns', port: 53, protocol: 'UDP' },
  { name: 'dns-tcp', port: 53, protocol: 'TCP' },
];

export function transportOf(protocol: PortProtocol): Transport {
  return protocol === PortProtocol.UDP ? 'UDP' : 'TCP';
}

/** Endpoint id of a service's pods, or of one version of them. */
export function workloadId(serviceId: string, version?: string): string {
  return version === undefined ? serviceId : `${serviceId}@${version}`;
}
export const INGRESS_CONTROLLER_NAME = 'ingress-controller';
export const DNS_NAME = 'dns';
export const FOREIGN_POD_ID = '(other namespace)';
export function otherPodId(namespace: string): string {
  return `${namespace}/(other pod)`;
}
export function lookalikeId(of: string): string {
  return `${FOREIGN_POD_ID} like ${of}`;
}
export function cidrEndpointId(cidr: string, except: ReadonlyArray<string> = []): string {
  return except.length === 0 ? `cidr:${cidr}` : `cidr:${cidr} (except ${except.join(',')})`;
}
export function exceptEndpointId(cidr: string): string {
  return `except:${cidr}`;
}
export function hostEndpointId(host: string): string {
  return `host:${host}`;
}
export const WORLD_ID = 'world';
export const WORLD6_ID = 'world6';
/** Endpoint id of a peer's pods or address. */
export function peerEndpointId(name: string): string {
  return `peer:${name}`;
}
/** Address of the API server when its peer gives no `cidrs` (TEST-NET-1, RFC 5737). */
const KUBE_APISERVER_FALLBACK = '192.0.2.1';

/** The peers a catalog uses (as callers or callees), sorted by name. */
export function usedPeers(catalog: ResolvedCatalog): ResolvedPeer[] {
  const names = new Set<string>();
  for (const service of catalog.services) {
    service.callers.forEach(c => names.add(c.peer.name));
    service.peerCalls.forEach(c => names.add(c.peer.name));
    service.versions.forEach(v => v.peerCalls.forEach(c => names.add(c.peer.name)));
  }
  return catalog.peers.filter(p => names.has(p.name));
}

/**
 * Whether an endpoint is one of a peer's: a pod in the peer's namespace scope carrying its
 * labels, an address inside a world peer's ranges, or the API server. The ingress
 * controller peer is the ingress-controller endpoint (and pods looking like it in its
 * namespace). Addresses of the API server are not "the world" (Cilium gives it its own
 * identity); evaluators that cannot tell them apart show up as tolerated flows.
 */
export function endpointMatchesPeer(peer: ResolvedPeer, endpoint: Endpoint): boolean {
  switch (peer.kind) {
    case 'kube-apiserver':
      return endpoint.role === 'kube-apiserver' && endpoint.peer === peer.name;
    case 'world': {
      if (endpoint.kind !== 'ip' || endpoint.role === 'kube-apiserver' || !endpoint.ip) {
        return false;
      }
      return peer.cidrs.some(text => {
        const block = parseCidr(text);
        return block !== undefined && cidrContains(block, endpoint.ip!);
      });
    }
    case 'pods': {
      if (endpoint.kind !== 'pod' || endpoint.namespace === undefined) {
        return false;
      }
      const inScope = peerCoversNamespace(peer, { name: endpoint.namespace, labels: endpoint.namespaceLabels });
      // A service account narrows the peer to the pods running as it (its mesh identity).
      const account = peer.serviceAccount === undefined || endpoint.serviceAccount === peer.serviceAccount;
      return inScope && account && labelsMatch(peer.selector, endpoint.labels);
    }
  }
}

/**
 * Pods a peer's labels and namespace scope select although they run as another service
 * account: L4 layers (which see labels, not accounts) may let them through, mesh
 * identity does not. Neither is a problem.
 */
export function endpointResemblesPeer(peer: ResolvedPeer, endpoint: Endpoint): boolean {
  return peer.kind === 'pods' && peer.serviceAccount !== undefined && !endpointMatchesPeer(peer, endpoint)
    && endpointMatchesPeer({ ...peer, serviceAccount: undefined }, endpoint);
}

type MutableEndpoint = { -readonly [K in keyof Endpoint]: Endpoint[K] };

function containerPortsOf(service: ResolvedService): ContainerPort[] {
  const seen = new Set<string>();
  const ports: ContainerPort[] = [];
  for (const p of service.ports) {
    const port: ContainerPort = { name: p.name, port: p.targetPort, protocol: transportOf(p.protocol) };
    const key = `${port.name ?? ''}/${port.port}/${port.protocol}`;
    if (!seen.has(key)) {
      seen.add(key);
      ports.push(port);
    }
  }
  return ports;
}

/** The namespaces of a universe: the catalog's, DNS, ingress and peer ones, and the foreign one. */
interface UniverseNamespaces {
  readonly namespaces: Map<string, UniverseNamespace>;
  /** The namespace made up for each peer in labelled namespaces or anywhere. */
  readonly peerHome: ReadonlyMap<string, string>;
  /** The namespace the catalog does not know (look-alikes live there). */
  readonly foreign: string;
}

function foreignNamespace(name: string, displayName: string, labels: Record<string, string> = {}): UniverseNamespace {
  return { name, displayName, labels: { ...labels, [NAMESPACE_NAME_LABEL]: name }, inCatalog: false, owned: false };
}

/** A name not taken yet: `name`, `name-x`, `name-x-x`, ... */
function freeName(namespaces: ReadonlyMap<string, UniverseNamespace>, name: string): string {
  let free = name;
  while (namespaces.has(free)) {
    free += '-x';
  }
  return free;
}

/** Namespaces: the catalog's, then the DNS and ingress ones and the peers', then a foreign one. */
function universeNamespaces(catalog: ResolvedCatalog, peers: readonly ResolvedPeer[]): UniverseNamespaces {
  const namespaces = new Map<string, UniverseNamespace>();
  for (const ns of catalog.namespaces) {
    const labels = { ...ns.labels, [NAMESPACE_NAME_LABEL]: ns.name };
    namespaces.set(ns.name, { name: ns.name, displayName: ns.name, labels, inCatalog: true, owned: ns.owned });
  }
  const peerNamespaces = peers.filter(p => p.kind === 'pods' && p.namespace !== undefined).map(p => p.namespace!);
  for (const name of [catalog.ingressController.namespace, catalog.dns.namespace, ...peerNamespaces]) {
    if (!namespaces.has(name)) {
      namespaces.set(name, foreignNamespace(name, name));
    }
  }
  // Peers in labelled namespaces or anywhere get a namespace of their own (the foreign
  // namespace below stays unlabelled: it must not match a namespace selector).
  const peerHome = new Map<string, string>();
  for (const peer of peers) {
    if (peer.kind === 'pods' && peer.namespace === undefined) {
      const name = freeName(namespaces, `mesh-ladder-peer-${peer.name}`);
      const labels = peer.namespaceSelector ?? {};
      const displayName = peer.namespaceSelector
        ? `(namespace ${Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',')})`
        : '(any namespace)';
      namespaces.set(name, foreignNamespace(name, displayName, labels));
      peerHome.set(peer.name, name);
    }
  }
  const foreign = freeName(namespaces, FOREIGN_NAMESPACE);
  namespaces.set(foreign, foreignNamespace(foreign, FOREIGN_POD_ID));
  return { namespaces, peerHome, foreign };
}

type PodFactory = (
  id: string, role: EndpointRole, namespace: string, labels: Record<string, string>, extra?: Partial<MutableEndpoint>,
) => MutableEndpoint;

function podFactory(namespaces: ReadonlyMap<string, UniverseNamespace>): PodFactory {
  return (id, role, namespace, labels, extra = {}) => {
    const info = namespaces.get(namespace)!;
    return {
      id,
      kind: 'pod',
      role,
      namespace,
      labels,
      namespaceLabels: info.labels,
      containerPorts: [],
      inCatalogNamespace: info.inCatalog,
      governed: role === 'workload' || (info.inCatalog && info.owned),
      ...extra,
    };
  };
}

/** One pod endpoint per service, or per version with pods of its own. */
function workloadPods(catalog: ResolvedCatalog, pod: PodFactory): MutableEndpoint[] {
  const pods: MutableEndpoint[] = [];
  for (const service of catalog.services) {
    const base = { serviceAccount: service.serviceAccount, containerPorts: containerPortsOf(service) };
    if (service.versions.length === 0) {
      pods.push(pod(workloadId(service.id), 'workload', service.namespace, { ...service.selector }, {
        ...base,
        workload: { serviceId: service.id, clientOnly: service.clientOnly },
      }));
      continue;
    }
    // A version backed by another Service has no pods of its own (the backend's are its).
    for (const version of service.versions.filter(v => v.backend === undefined)) {
      pods.push(pod(workloadId(service.id, version.name), 'workload', service.namespace, { ...service.selector, ...version.labels }, {
        ...base,
        serviceAccount: version.serviceAccount,
        workload: { serviceId: service.id, version: version.name, clientOnly: service.clientOnly },
      }));
    }
  }
  return pods;
}

/** The ingress controller, DNS and a pod of each pod peer. */
function specialPods(
  catalog: ResolvedCatalog, peers: readonly ResolvedPeer[], peerHome: ReadonlyMap<string, string>, pod: PodFactory,
): MutableEndpoint[] {
  const ingress = pod(`${catalog.ingressController.namespace}/${INGRESS_CONTROLLER_NAME}`, 'ingress-controller',
    catalog.ingressController.namespace, { ...catalog.ingressController.selector }, { serviceAccount: catalog.ingressController.serviceAccount });
  const dns = pod(`${catalog.dns.namespace}/${DNS_NAME}`, 'dns', catalog.dns.namespace, { ...catalog.dns.selector }, {
    containerPorts: DNS_CONTAINER_PORTS,
  });
  const specials = [ingress, dns];
  for (const peer of peers) {
    if (peer.kind === 'pods' && peer.name !== 'ingress-controller') {
      specials.push(pod(peerEndpointId(peer.name), 'peer', peer.namespace ?? peerHome.get(peer.name)!, { ...peer.selector }, {
        serviceAccount: peer.serviceAccount ?? 'default',
        peer: peer.name,
        meshed: peer.meshed,
      }));
    }
  }
  return specials;
}

/** The probes among pods: an unlabelled pod per namespace, and look-alikes in the foreign one. */
function probePods(named: UniverseNamespaces, originals: readonly MutableEndpoint[], pod: PodFactory): MutableEndpoint[] {
  const pods: MutableEndpoint[] = [];
  for (const ns of named.namespaces.values()) {
    if (ns.name !== named.foreign) {
      pods.push(pod(otherPodId(ns.name), 'other-pod', ns.name, {}, { serviceAccount: 'default' }));
    }
  }
  pods.push(pod(FOREIGN_POD_ID, 'other-pod', named.foreign, {}, { serviceAccount: 'default' }));
  for (const original of originals) {
    if (original.role === 'peer' && Object.keys(original.labels).length === 0) {
      continue; // the foreign namespace's other pod is that look-alike already
    }
    pods.push(pod(lookalikeId(original.id), 'lookalike', named.foreign, { ...original.labels }, {
      containerPorts: original.containerPorts,
      serviceAccount: original.serviceAccount,
    }));
  }
  return pods;
}

function assignPodAddresses(pods: MutableEndpoint[], podCidr: string): void {
  const block = parseCidr(podCidr);
  if (!block) {
    throw new Error(`podCidr: not a CIDR: ${podCidr}`);
  }
  pods.forEach((p, i) => {
    const ip = addressAt(block, BigInt(i + 1));
    if (!ip) {
      throw new Error(`podCidr ${podCidr} is too small for ${pods.length} pods`);
    }
    p.ip = ip;
  });
}

/** External endpoints collected without duplicates, and every declared range (the world lies outside them). */
class ExternalEndpoints {
  public readonly list: MutableEndpoint[] = [];
  public readonly declaredBlocks: CidrBlock[] = [];
  public readonly hosts = new Set<string>();
  private readonly ids = new Set<string>();

  public addIp(id: string, role: EndpointRole, ip: IpAddress, extra: Partial<MutableEndpoint> = {}): void {
    if (!this.ids.has(id)) {
      this.ids.add(id);
      this.list.push({ id, kind: 'ip', role, labels: {}, containerPorts: [], ip, inCatalogNamespace: false, governed: false, ...extra });
    }
  }
}

/** An address inside each declared cidr call range and each of its excepts, and each host call's ranges. */
function addCallAddresses(catalog: ResolvedCatalog, external: ExternalEndpoints, notes: string[]): void {
  for (const service of catalog.services) {
    for (const call of [...service.calls, ...service.versions.flatMap(v => v.calls)]) {
      if (call.kind === 'cidr') {
        const block = parseCidr(call.cidr);
        const excepts = call.except.map(e => parseCidr(e)).filter((b): b is CidrBlock => b !== undefined);
        if (!block) {
          notes.push(`${service.id}: cannot parse cidr ${call.cidr}`);
          continue;
        }
        external.declaredBlocks.push(block);
        const sample = sampleAddress(block, excepts);
        if (sample) {
          external.addIp(cidrEndpointId(call.cidr, call.except), 'cidr', sample);
        } else {
          notes.push(`${service.id}: every address of ${call.cidr} is excluded by except`);
        }
        for (const e of excepts) {
          external.addIp(exceptEndpointId(e.text), 'except', sampleAddress(e, [])!);
        }
      } else if (call.kind === 'host') {
        external.hosts.add(call.host);
        for (const cidr of call.cidrs) {
          const block = parseCidr(cidr);
          if (!block) {
            notes.push(`${service.id}: cannot parse cidr ${cidr} of host ${call.host}`);
            continue;
          }
          external.declaredBlocks.push(block);
          external.addIp(cidrEndpointId(cidr), 'cidr', sampleAddress(block, [])!);
        }
      }
    }
  }
}

/** An address inside each world peer's ranges; the API server's address per kube-apiserver peer. */
function addPeerAddresses(peers: readonly ResolvedPeer[], external: ExternalEndpoints): void {
  for (const peer of peers) {
    if (peer.kind !== 'pods') {
      for (const cidr of peer.cidrs) {
        const block = parseCidr(cidr);
        if (!block || block.prefix === 0) {
          continue; // the world endpoints stand for everything
        }
        external.declaredBlocks.push(block);
        if (peer.kind === 'world') {
          external.addIp(cidrEndpointId(cidr), 'cidr', sampleAddress(block, [])!);
        }
      }
    }
  }
  for (const peer of peers.filter(p => p.kind === 'kube-apiserver')) {
    const block = peer.cidrs.map(c => parseCidr(c)).find((b): b is CidrBlock => b !== undefined);
    const ip = block ? sampleAddress(block, [])! : parseIp(KUBE_APISERVER_FALLBACK)!;
    external.addIp(peerEndpointId(peer.name), 'kube-apiserver', ip, { peer: peer.name, meshed: false });
    if (!block) {
      external.declaredBlocks.push(parseCidr(`${KUBE_APISERVER_FALLBACK}/32`)!);
    }
  }
}

/** A public address per family outside every declared range, and each host call's name. */
function addWorldAndHosts(external: ExternalEndpoints): void {
  const worldAddress = (preferred: string, everything: string): IpAddress | undefined => {
    const candidate = parseIp(preferred)!;
    if (!external.declaredBlocks.some(b => cidrContains(b, candidate))) {
      return candidate;
    }
    return sampleAddress(parseCidr(everything)!, external.declaredBlocks);
  };
  const world4 = worldAddress(WORLD_V4, '0.0.0.0/0');
  if (world4) {
    external.addIp(WORLD_ID, 'world', world4);
  }
  const world6 = worldAddress(WORLD_V6, '::/0');
  if (world6) {
    external.addIp(WORLD6_ID, 'world', world6);
  }
  for (const host of [...external.hosts].sort()) {
    external.list.push({ id: hostEndpointId(host), kind: 'fqdn', role: 'host', labels: {}, containerPorts: [], host, inCatalogNamespace: false, governed: false });
  }
}

/** Addresses: declared ranges, then exclusions, then the world, then names; by family and address. */
function externalEndpoints(catalog: ResolvedCatalog, peers: readonly ResolvedPeer[], notes: string[]): MutableEndpoint[] {
  const external = new ExternalEndpoints();
  addCallAddresses(catalog, external, notes);
  addPeerAddresses(peers, external);
  addWorldAndHosts(external);
  const roleRank: Partial<Record<EndpointRole, number>> = { 'kube-apiserver': 0, 'cidr': 1, 'except': 2, 'world': 3, 'host': 4 };
  return external.list.sort((a, b) => (roleRank[a.role]! - roleRank[b.role]!)
    || ((a.ip?.family ?? 0) - (b.ip?.family ?? 0))
    || (a.ip && b.ip && a.ip.value !== b.ip.value ? (a.ip.value < b.ip.value ? -1 : 1) : 0)
    || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * Probe ports: every declared pod and service port, every external call port, DNS, and
 * one unused port; each on both protocols so a protocol mix-up shows too.
 */
function probePorts(catalog: ResolvedCatalog): PortProbe[] {
  const portNumbers = new Set<number>([53]);
  for (const service of catalog.services) {
    for (const p of service.ports) {
      portNumbers.add(p.port);
      portNumbers.add(p.targetPort);
    }
    for (const call of [...service.calls, ...service.versions.flatMap(v => v.calls)]) {
      if (call.kind !== 'service') {
        call.ports.forEach(p => portNumbers.add(p.port));
      }
    }
    for (const call of [...service.peerCalls, ...service.versions.flatMap(v => v.peerCalls)]) {
      call.ports.forEach(p => portNumbers.add(p.port));
    }
  }
  let unused = UNUSED_PROBE_PORT;
  while (portNumbers.has(unused)) {
    unused++;
  }
  portNumbers.add(unused);
  const probes: PortProbe[] = [];
  for (const port of portNumbers) {
    probes.push({ port, protocol: 'TCP' }, { port, protocol: 'UDP' });
  }
  return probes.sort(comparePortProbes);
}

/** The universe's lookups over its endpoints, namespaces and probes. */
function universeOf(endpoints: Endpoint[], namespaces: ReadonlyMap<string, UniverseNamespace>, probes: PortProbe[], notes: string[]): Universe {
  const order = new Map<string, number>();
  endpoints.forEach((e, i) => {
    if (order.has(e.id)) {
      throw new Error(`duplicate endpoint id ${e.id}`);
    }
    order.set(e.id, i);
  });
  const byWorkload = new Map<string, Endpoint[]>();
  for (const e of endpoints) {
    if (e.workload) {
      const list = byWorkload.get(e.workload.serviceId) ?? [];
      list.push(e);
      byWorkload.set(e.workload.serviceId, list);
    }
  }
  return {
    endpoints,
    namespaces: [...namespaces.values()],
    probes,
    notes,
    order,
    endpoint(id: string): Endpoint {
      const index = order.get(id);
      if (index === undefined) {
        throw new Error(`unknown endpoint ${id}`);
      }
      return endpoints[index];
    },
    namespace(name: string) {
      return namespaces.get(name);
    },
    workloadEndpoints(serviceId: string) {
      return byWorkload.get(serviceId) ?? [];
    },
    probesFor() {
      return probes;
    },
  };
}

/** Builds the endpoint universe of a catalog. */
export function buildUniverse(catalog: ResolvedCatalog, options: UniverseOptions = {}): Universe {
  const notes: string[] = [];
  const peers = usedPeers(catalog);
  const named = universeNamespaces(catalog, peers);
  const pod = podFactory(named.namespaces);
  const workloadsAndSpecials = [...workloadPods(catalog, pod), ...specialPods(catalog, peers, named.peerHome, pod)];
  const pods = [...workloadsAndSpecials, ...probePods(named, workloadsAndSpecials, pod)];
  if (options.podCidr !== undefined) {
    assignPodAddresses(pods, options.podCidr);
  }
  return universeOf([...pods, ...externalEndpoints(catalog, peers, notes)], named.namespaces, probePorts(catalog), notes);
}
