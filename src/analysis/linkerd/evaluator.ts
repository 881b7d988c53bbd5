/**
 * Linkerd (2.16+) inbound authorization semantics over the endpoint universe, from the
 * parsed manifests (see parse.ts). Follows the policy controller and proxy sources:
 *
 * - Only meshed pods enforce; Linkerd proxies TCP only (UDP passes, the L4 layer decides)
 *   and does not restrict egress.
 * - Per pod port, the Server of the pod's namespace whose podSelector matches the pod and
 *   whose `port` is the port number or a container port name of the pod. Without one, the
 *   default inbound policy applies: the pod's (assumed, see below), else its namespace's
 *   `config.linkerd.io/default-inbound-policy`, else the cluster default
 *   (all-unauthenticated unless told). Two Servers on one port are an error.
 * - A Server's authorizations: AuthorizationPolicies targeting it (or its Namespace), plus
 *   what its `accessPolicy` (default deny) allows (authorization.ts).
 * - Routes: inbound routes are routes whose parentRef is a Server (HTTPRoutes on HTTP and
 *   detected servers, GRPCRoutes on gRPC servers). Without routes, a default route
 *   matches every request. With routes, a request must match one (else 404): the best
 *   match wins (longest matched path, then header and query match counts, then method;
 *   route-precedence.ts); it is allowed when the route's own AuthorizationPolicies or the
 *   Server's allow the client. Opaque and TLS servers authorize connections only.
 * - A connection (`allows`) passes when some probe request on it would (request probes
 *   of the destination port, see requests.ts); kubelet probe routes are not modelled.
 *
 * Assumptions: pods of a namespace emitted with `linkerd.io/inject: enabled` are meshed;
 * declared workloads in other catalog namespaces are meshed with the phase's pod
 * annotations (`meshedWorkloads`), other pods there are not; the ingress controller is
 * meshed unless told (`meshedIngress`); peers' pods are meshed as the catalog declares
 * (`peers[].meshed`), and so is any other pod a meshed peer's scope holds, while one
 * carrying an unmeshed peer's labels is not (a peer without labels, e.g. `cluster`, says
 * nothing about the pods in its scope); a version's
 * pods present the version's service account; look-alike pods in the foreign namespace are
 * meshed (the harder case: a valid identity from the wrong namespace), the foreign
 * unlabelled pod and DNS are not; the API server and the world are addresses, never
 * meshed. Pods have no address unless the universe has a pod CIDR: address-less clients
 * match only networks that cover every address.
 */
import { ALL_NETWORKS, Authorization, defaultAuthorization, ignoredPolicyDiagnostics, LinkerdDecision, policyAuthorization } from './authorization';
import { ParsedObjectIndex } from './object-index';
import { isDefaultPolicy, LinkerdDefaultPolicy, NetworkMatch, ParsedLinkerd, parseLinkerd, ParsedRoute, ParsedServer } from './parse';
import { winningRoutes } from './route-precedence';
import { CidrBlock, cidrContains, parseCidr } from '../../model/cidr';
import { DEFAULT_CLUSTER_NETWORKS, GATEWAY_GROUP, POLICY_GROUP, serviceAccountIdentity } from '../../model/mesh-facts/linkerd';
import { ResolvedCatalog, ResolvedPeer } from '../../model/resolved';
import { Endpoint, endpointMatchesPeer, Universe, usedPeers } from '../endpoints';
import { AnalysisDiagnostic, PortProbe } from '../flows';
import { FlowEvaluator } from '../reachability';
import { RequestEvaluator, RequestProbe, requestProbes, UNDECLARED_PATH } from '../requests';
import { matchesSelector } from '../selectors';
import { universeIndex } from '../universe-index';

export interface LinkerdAnalysisOptions {
  /**
   * The cluster-wide default inbound policy (`proxy.defaultInboundPolicy`).
   * @default 'all-unauthenticated'
   */
  readonly clusterDefaultPolicy?: LinkerdDefaultPolicy;
  /**
   * Declared workloads outside namespaces emitted with the injection annotation carry
   * the phase's pod annotations (injection and this default policy); false: unmeshed.
   * @default - meshed, with the default policy of the catalog's `linkerd.mode`
   */
  readonly meshedWorkloads?: boolean;
  /** @default - the catalog's `linkerd.defaultInboundPolicy` (PERMISSIVE: all-unauthenticated; ENFORCED: all-authenticated) */
  readonly workloadDefaultPolicy?: LinkerdDefaultPolicy;
  /**
   * The ingress controller runs with a proxy.
   * @default - the catalog's `linkerd.ingress.meshed` (true unless set)
   */
  readonly meshedIngress?: boolean;
  /**
   * Cluster networks (for the cluster-* policies).
   * @default DEFAULT_CLUSTER_NETWORKS (model/mesh-facts/linkerd.ts)
   */
  readonly clusterNetworks?: string[];
}

/**
 * Linkerd's verdicts over a universe. `allows` and `allowsRequest` are Linkerd alone (no
 * L4 layer); `LinkerdMeshEvaluator` combines it with the L4 layer.
 */
export class LinkerdEvaluator implements FlowEvaluator, RequestEvaluator {
  public readonly name = 'Linkerd';
  public readonly diagnostics: ReadonlyArray<AnalysisDiagnostic>;
  private readonly catalog: ResolvedCatalog;
  private readonly parsed: ParsedLinkerd;
  private readonly objects: ParsedObjectIndex;
  private readonly options: Required<Omit<LinkerdAnalysisOptions, 'clusterNetworks'>>;
  private readonly clusterNetworks: NetworkMatch[];
  /** The unmeshed ingress controller's networks (`linkerd.ingress.networks`), as CIDR texts. */
  private readonly ingressNetworks: ReadonlySet<string>;
  private readonly serverCache = new Map<string, ParsedServer | undefined>();
  /** Pod peers the catalog uses (the ingress controller has its own option). */
  private readonly podPeers: ResolvedPeer[];
  private readonly probeCache = new Map<string, RequestProbe[]>();
  /** Per namespace, Server and route: what only the manifests decide, computed once. */
  private readonly memos = {
    /** The Servers selecting each pod of the universe (by position), in manifest order. */
    selecting: undefined as ParsedServer[][] | undefined,
    inboundRoutes: new Map<ParsedServer, ParsedRoute[]>(),
    serverAuthorizations: new Map<ParsedServer, Authorization[]>(),
    routeAuthorizations: new Map<ParsedRoute, Authorization[]>(),
  };

  public constructor(
    private readonly universe: Universe,
    catalog: ResolvedCatalog,
    manifests: ReadonlyArray<unknown>,
    options: LinkerdAnalysisOptions = {},
  ) {
    this.catalog = catalog;
    this.parsed = parseLinkerd(catalog, manifests);
    this.objects = new ParsedObjectIndex(this.parsed);
    this.options = {
      clusterDefaultPolicy: options.clusterDefaultPolicy ?? 'all-unauthenticated',
      meshedWorkloads: options.meshedWorkloads ?? true,
      // The phase's settings, not assumptions: the default policy its pod annotations carry
      // and whether its ingress controller is meshed (`linkerd.defaultInboundPolicy`, `linkerd.ingress.meshed`).
      workloadDefaultPolicy: options.workloadDefaultPolicy ?? catalog.linkerd.defaultInboundPolicy,
      meshedIngress: options.meshedIngress ?? catalog.linkerd.ingress.meshed,
    };
    this.podPeers = usedPeers(catalog).filter(p => p.kind === 'pods' && p.name !== 'ingress-controller');
    this.ingressNetworks = new Set(catalog.linkerd.ingress.networks.map(c => parseCidr(c)?.text).filter((t): t is string => t !== undefined));
    this.clusterNetworks = (options.clusterNetworks ?? [...DEFAULT_CLUSTER_NETWORKS])
      .map(c => parseCidr(c)).filter((b): b is CidrBlock => b !== undefined).map(cidr => ({ cidr, except: [] }));
    this.diagnostics = [...this.parsed.diagnostics, ...this.duplicateServerDiagnostics(), ...ignoredPolicyDiagnostics(this.parsed)];
  }

  /** Whether the endpoint runs a Linkerd proxy (see the module notes for the assumptions). */
  public isMeshed(endpoint: Endpoint): boolean {
    if (endpoint.kind !== 'pod' || endpoint.role === 'dns') {
      return false;
    }
    if (endpoint.role === 'ingress-controller') {
      return this.options.meshedIngress;
    }
    if (endpoint.role === 'peer') {
      return endpoint.meshed === true; // as the catalog declares the peer
    }
    if (this.parsed.namespaces.get(endpoint.namespace!)?.inject === 'enabled') {
      return true;
    }
    if (endpoint.role === 'workload') {
      return this.options.meshedWorkloads;
    }
    // Other pods a peer declares are as the peer says: meshed (e.g. any pod of a meshed
    // namespace peer's namespace), or unmeshed when they carry an unmeshed peer's labels.
    // A scope without labels (`cluster`) says nothing about the pods in it.
    const peers = this.podPeers.filter(peer => endpointMatchesPeer(peer, endpoint));
    if (peers.some(peer => peer.meshed)) {
      return true;
    }
    if (peers.some(peer => Object.keys(peer.selector).length > 0)) {
      return false;
    }
    return endpoint.role === 'lookalike';
  }

  /** The mTLS identity of a meshed endpoint. */
  public identity(endpoint: Endpoint): string | undefined {
    if (!this.isMeshed(endpoint)) {
      return undefined;
    }
    const { linkerd, trustDomain } = this.catalog;
    return serviceAccountIdentity(this.serviceAccountOf(endpoint), endpoint.namespace!, linkerd.controlPlaneNamespace, trustDomain);
  }

  /** A pod's service account: a version's own for a version's pods. */
  private serviceAccountOf(endpoint: Endpoint): string {
    if (endpoint.role === 'ingress-controller') {
      return this.catalog.ingressController.serviceAccount;
    }
    const workload = endpoint.workload;
    if (endpoint.role === 'workload' && workload?.version !== undefined) {
      const version = this.catalog.service(workload.serviceId).versions.find(v => v.name === workload.version);
      if (version && version.backend === undefined) {
        return version.serviceAccount;
      }
    }
    return endpoint.serviceAccount ?? 'default';
  }

  /** Linkerd alone never restricts egress. */
  public isEgressRestricted(): boolean {
    return false;
  }

  /** Whether Linkerd lets some probe request (or the connection, on opaque ports) through. */
  public allows(from: Endpoint, to: Endpoint, probe: PortProbe): boolean {
    return this.decideConnection(from, to, probe).allowed;
  }

  public allowsRequest(from: Endpoint, to: Endpoint, probe: PortProbe, request: RequestProbe): boolean {
    return this.decideRequest(from, to, probe, request).allowed;
  }

  /** Linkerd's verdict on a connection: allowed when some probe request would be. */
  public decideConnection(from: Endpoint, to: Endpoint, probe: PortProbe): LinkerdDecision {
    const early = this.notEnforced(to, probe);
    if (early) {
      return early;
    }
    const server = this.serverFor(to, probe.port);
    if (server && (server.proxyProtocol === 'opaque' || server.proxyProtocol === 'TLS')) {
      return this.authorize(from, this.serverAuthorizations(server), `Server ${server.namespace}/${server.name}`);
    }
    let audited: LinkerdDecision | undefined;
    let denied: LinkerdDecision | undefined;
    for (const request of this.probesFor(to, probe.port)) {
      const d = this.decideRequest(from, to, probe, request);
      if (d.allowed && !d.audit) {
        return d;
      }
      if (d.allowed) {
        audited = audited ?? d;
      } else {
        denied = denied ?? d;
      }
    }
    return audited ?? denied ?? { allowed: false, audit: false, reason: 'no request' };
  }

  /** Linkerd's verdict on one request. */
  public decideRequest(from: Endpoint, to: Endpoint, probe: PortProbe, request: RequestProbe): LinkerdDecision {
    const early = this.notEnforced(to, probe);
    if (early) {
      return early;
    }
    const server = this.serverFor(to, probe.port);
    if (!server) {
      const policy = this.defaultPolicyOf(to);
      const authz = defaultAuthorization(policy, this.clusterNetworks);
      return this.authorize(from, authz ? [authz] : [], 'default inbound policy');
    }
    const subject = `Server ${server.namespace}/${server.name}`;
    const serverAuthz = this.serverAuthorizations(server);
    if (server.proxyProtocol === 'opaque' || server.proxyProtocol === 'TLS') {
      return this.authorize(from, serverAuthz, subject);
    }
    const routes = this.inboundRoutes(server);
    if (routes.length === 0) {
      return this.authorize(from, serverAuthz, subject);
    }
    const winners = winningRoutes(routes, request);
    if (winners.length === 0) {
      return { allowed: false, audit: false, reason: `${subject}: no route matches (404)` };
    }
    // Ties go by creation time: the request passes only if every tied route lets it.
    let result: LinkerdDecision | undefined;
    for (const route of winners) {
      const d = this.authorize(from, [...this.routeAuthorizations(route), ...serverAuthz], `${subject}, ${route.kind} ${route.namespace}/${route.name}`);
      if (!d.allowed) {
        return d;
      }
      result = result && !result.audit ? result : d;
    }
    return result!;
  }

  /** UDP, unmeshed destinations: Linkerd does not decide. */
  private notEnforced(to: Endpoint, probe: PortProbe): LinkerdDecision | undefined {
    if (probe.protocol !== 'TCP') {
      return { allowed: true, audit: false, reason: 'UDP is not proxied' };
    }
    if (!this.isMeshed(to)) {
      return { allowed: true, audit: false, reason: 'destination not meshed' };
    }
    return undefined;
  }

  private defaultPolicyOf(pod: Endpoint): LinkerdDefaultPolicy {
    const ns = this.parsed.namespaces.get(pod.namespace!);
    if (ns?.inject !== 'enabled' && pod.role === 'workload' && this.options.meshedWorkloads) {
      return this.options.workloadDefaultPolicy; // the pod template annotation
    }
    return isDefaultPolicy(ns?.defaultPolicy) ? ns!.defaultPolicy as LinkerdDefaultPolicy : this.options.clusterDefaultPolicy;
  }

  /** Two Servers selecting one pod port: the policy controller keeps one arbitrarily. */
  private duplicateServerDiagnostics(): AnalysisDiagnostic[] {
    const diagnostics: AnalysisDiagnostic[] = [];
    for (const e of this.universe.endpoints.filter(x => x.kind === 'pod')) {
      const ports = new Set([...e.containerPorts.map(p => p.port), ...this.parsed.servers.filter(s => typeof s.port === 'number').map(s => s.port as number)]);
      for (const port of ports) {
        const servers = this.serversFor(e, port);
        if (servers.length > 1) {
          diagnostics.push({ severity: 'error', subject: `Server ${e.namespace}/${servers.map(s => s.name).join(', ')}`, message: `several Servers select port ${port} of ${e.id}; Linkerd uses one of them arbitrarily` });
        }
      }
    }
    return diagnostics;
  }

  private serversFor(pod: Endpoint, port: number): ParsedServer[] {
    return this.serversSelecting(pod).filter(s => (typeof s.port === 'number' ? s.port === port : pod.containerPorts.some(c => c.name === s.port && c.port === port && c.protocol === 'TCP')));
  }

  /** The Servers of the pod's namespace whose podSelector matches it, in manifest order. */
  private serversSelecting(pod: Endpoint): ParsedServer[] {
    const index = universeIndex(this.universe);
    if (!index.owns(pod)) {
      return this.parsed.servers.filter(s => s.namespace === pod.namespace && matchesSelector(s.podSelector, pod.labels));
    }
    if (!this.memos.selecting) {
      const selecting: ParsedServer[][] = Array.from({ length: index.size }, () => []);
      for (const server of this.parsed.servers) {
        index.podsIn(server.namespace).clone().andWith(index.podLabels.matching(server.podSelector)).forEach(i => selecting[i].push(server));
      }
      this.memos.selecting = selecting;
    }
    return this.memos.selecting[index.position(pod)];
  }

  private serverFor(pod: Endpoint, port: number): ParsedServer | undefined {
    const cacheKey = `${pod.id}\u0000${port}`;
    if (!this.serverCache.has(cacheKey)) {
      const servers = this.serversFor(pod, port).sort((a, b) => (a.name < b.name ? -1 : 1));
      this.serverCache.set(cacheKey, servers[0]);
    }
    return this.serverCache.get(cacheKey);
  }

  private inboundRoutes(server: ParsedServer): ParsedRoute[] {
    return this.memo(this.memos.inboundRoutes, server, () => {
      const grpc = server.proxyProtocol === 'gRPC';
      return this.objects.routesWithParent(server.namespace, server.name)
        .filter(r => r.namespace === server.namespace
        && (grpc ? r.kind === 'GRPCRoute' : r.kind === 'HTTPRoute')
        && r.parents.some(p => p.group === POLICY_GROUP && p.kind === 'Server' && p.name === server.name && p.namespace === server.namespace));
    });
  }

  /** A value computed once per key (parsed objects never change). */
  private memo<K, V>(cache: Map<K, V>, at: K, compute: () => V): V {
    if (!cache.has(at)) {
      cache.set(at, compute());
    }
    return cache.get(at)!;
  }

  private serverAuthorizations(server: ParsedServer): Authorization[] {
    return this.memo(this.memos.serverAuthorizations, server, () => this.computeServerAuthorizations(server));
  }

  private computeServerAuthorizations(server: ParsedServer): Authorization[] {
    const out = this.objects.policyCandidates(server.namespace, server.name)
      .filter(p => p.namespace === server.namespace
        && ((p.target.kind === 'Server' && p.target.group === POLICY_GROUP && p.target.name === server.name)
          || (p.target.kind === 'Namespace' && (p.target.group === '' || p.target.group === 'core'))))
      .map(p => policyAuthorization(this.parsed, this.catalog, p))
      .filter((a): a is Authorization => a !== undefined);
    const access = defaultAuthorization(server.accessPolicy, this.clusterNetworks);
    return access ? [...out, { ...access, name: `accessPolicy ${server.accessPolicy}` }] : out;
  }

  private routeAuthorizations(route: ParsedRoute): Authorization[] {
    return this.memo(this.memos.routeAuthorizations, route, () => this.objects.policyCandidates(route.namespace, route.name)
      .filter(p => p.namespace === route.namespace && p.target.kind === route.kind && p.target.name === route.name
        && (p.target.group === route.group || (route.group === GATEWAY_GROUP && p.target.group === GATEWAY_GROUP)))
      .map(p => policyAuthorization(this.parsed, this.catalog, p))
      .filter((a): a is Authorization => a !== undefined));
  }

  private clientMatches(from: Endpoint, authz: Authorization): boolean {
    if (authz.identities) {
      const id = this.identity(from);
      if (id === undefined || !authz.identities.some(m => ('any' in m) || ('exact' in m ? m.exact === id : id.endsWith(m.suffix)))) {
        return false;
      }
    }
    const networks = authz.networks ?? ALL_NETWORKS;
    return networks.some(n => this.inNetwork(from, n));
  }

  private inNetwork(from: Endpoint, network: NetworkMatch): boolean {
    if (from.ip) {
      return cidrContains(network.cidr, from.ip) && !network.except.some(e => cidrContains(e, from.ip!));
    }
    if (from.kind === 'pod' && this.clusterNetworks.some(c => c.cidr === network.cidr)) {
      return true; // address-less pods are in the cluster networks
    }
    if (from.role === 'ingress-controller' && !this.options.meshedIngress && this.ingressNetworks.has(network.cidr.text) && network.except.length === 0) {
      return true; // and an unmeshed ingress controller's in the networks the catalog gives it
    }
    return network.cidr.prefix === 0 && network.except.length === 0;
  }

  private authorize(from: Endpoint, authorizations: Authorization[], subject: string): LinkerdDecision {
    const matching = authorizations.filter(a => this.clientMatches(from, a));
    const firm = matching.find(a => !a.audit);
    if (firm) {
      return { allowed: true, audit: false, reason: `${subject}: ${firm.name}` };
    }
    if (matching.length > 0) {
      return { allowed: true, audit: true, reason: `${subject}: ${matching[0].name}` };
    }
    return { allowed: false, audit: false, reason: `${subject}: no authorization matches` };
  }

  /** Requests tried on a connection: the destination port's request probes, else generic ones. */
  private probesFor(to: Endpoint, port: number): RequestProbe[] {
    const cacheKey = `${to.workload?.serviceId ?? to.id}\u0000${port}`;
    let probes = this.probeCache.get(cacheKey);
    if (!probes) {
      probes = [];
      if (to.workload && !to.workload.clientOnly) {
        const service = this.catalog.service(to.workload.serviceId);
        for (const p of service.ports.filter(sp => sp.targetPort === port)) {
          probes.push(...requestProbes(service, p));
        }
      }
      probes.push({ method: 'GET', path: UNDECLARED_PATH }, { method: 'POST', path: '/mesh.ladder.Undeclared/MeshLadderUndeclared' });
      this.probeCache.set(cacheKey, probes);
    }
    return probes;
  }
}
