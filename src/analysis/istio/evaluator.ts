/**
 * Istio (sidecar mode) semantics over the endpoint universe, from the emitted manifests:
 * Namespace (injection), PeerAuthentication, AuthorizationPolicy, Sidecar and
 * ServiceEntry (security.istio.io/v1, networking.istio.io/v1; v1beta1 read alike).
 *
 * A TCP connection from `from` to `to` passes Istio when
 * 1. egress: `from` has no sidecar, or its Sidecar's outbound policy is not
 *    REGISTRY_ONLY, or the destination is in the proxy's registry view: a Kubernetes
 *    service of the destination pod on that pod port, or a ServiceEntry (by host, by
 *    `addresses`, or an address-less TCP entry that passes every destination on its
 *    port), exported to the source's namespace and imported by its Sidecar `egress.hosts`
 *    (`<ns>/<dnsName>`, `*`, `.`, `*.suffix`);
 * 2. mTLS: `to` has no sidecar, or its effective PeerAuthentication mode for the port
 *    (workload port-level, then workload, then namespace, then mesh = root namespace,
 *    default PERMISSIVE; port-level only with a selector; selector policies in the root
 *    namespace are ignored) accepts the client: STRICT refuses plaintext. Meshed clients
 *    talk mTLS to meshed servers (auto mTLS) and then carry a principal
 *    `<trustDomain>/ns/<ns>/sa/<sa>`; under DISABLE they talk plaintext;
 * 3. authorization on `to` (sidecar only): policies of its namespace whose selector
 *    matches (none = all) and of the root namespace (selector across namespaces); CUSTOM
 *    is reported and not evaluated; AUDIT and dry-run (`istio.io/dry-run`) policies do
 *    not enforce; a matching DENY refuses; with no ALLOW policy the request passes;
 *    otherwise some ALLOW policy must match. A policy without rules matches nothing; a
 *    rule matches when its `from` (any source; fields ANDed, values ORed, `not*` none),
 *    `to` (operations alike) and `when` all match; `{}` matches everything. Values: exact,
 *    `prefix*`, `*suffix`, `*` (non-empty); paths also `{*}` (one segment) and `{**}`
 *    templates. Principals and namespaces need mTLS. HTTP-only fields (methods, paths,
 *    hosts, request principals, request headers) on a non-HTTP port drop the whole rule
 *    of an ALLOW policy and are ignored in a DENY policy (Istio's own translation).
 *
 * UDP is never captured by sidecars: Istio allows it, the L4 layer decides. Requests
 * (`allowsRequest`) are decided the same way with the HTTP fields evaluated; a
 * connection (`allows`) passes when some request on it could pass.
 *
 * Peers outside the catalog: pods of a peer the catalog calls sit behind Services it
 * does not know, so a sidecar reaches them on any port when it imports their whole
 * namespace (`<ns>/*`, or any namespace); the API server is the `kubernetes` Service of
 * `default` (443, forwarded to its endpoints on 6443 or 443) or the addresses of a
 * ServiceEntry.
 * Unmeshed clients (the API server, world addresses, unmeshed peer pods) talk plaintext
 * and carry no identity: only a PERMISSIVE port admits them, and only rules without
 * identity fields (`ipBlocks` by their address, or no `from`) authorize them.
 *
 * Assumptions: a pod has a sidecar when its namespace is emitted with
 * `istio-injection: enabled` (or `istio.io/rev`); in namespaces without an emitted
 * Namespace object, declared workloads, the ingress controller and the pods of peers
 * the catalog declares meshed are taken to be injected (by pod label) and other pods
 * not. The mesh-wide outbound policy is ALLOW_ANY (Istio's default).
 */
import { Peer, policyMatches, Query } from './authorization';
import { exportedTo, hostCovers, sidecarImports } from './matching';
import { ParsedIstioConfig, parseIstioConfig, ParsedPeerAuthentication, ParsedServiceEntry, ParsedSidecar } from './parse';
import { CidrBlock, cidrContains, parseCidr } from '../../model/cidr';
import {
  INJECTION_DISABLED, INJECTION_ENABLED, INJECTION_LABEL, KUBE_APISERVER_SERVICE_PORTS, MtlsMode, principal, REVISION_LABEL,
} from '../../model/mesh-facts/istio';
import { labelsMatch } from '../../model/peers';
import { ResolvedCatalog, ResolvedPeer, ResolvedService } from '../../model/resolved';
import { PortProtocol } from '../../model/types';
import { Endpoint, endpointMatchesPeer, usedPeers } from '../endpoints';
import { AnalysisDiagnostic, PortProbe } from '../flows';
import { FlowEvaluator } from '../reachability';
import { RequestEvaluator, RequestProbe } from '../requests';

export interface IstioAnalysisOptions {
  /**
   * Istio's root namespace (mesh-wide policies).
   * @default - the catalog's `istio.controlPlaneNamespace`
   */
  readonly rootNamespace?: string;
  /**
   * The ingress controller runs with a sidecar (needed for exposed services under
   * STRICT mTLS, and what the istio phase's authorization expects).
   * @default true
   */
  readonly meshedIngress?: boolean;
}

/** Ports of the API server through the `kubernetes` Service: the Service port and its endpoints'. */
const KUBE_APISERVER_PORTS: ReadonlySet<number> = new Set(KUBE_APISERVER_SERVICE_PORTS);

/**
 * Evaluates the Istio objects of a manifest set over a universe. Build one per
 * (universe, manifests).
 */
export class IstioEvaluator implements FlowEvaluator, RequestEvaluator {
  public readonly name = 'Istio';
  public readonly diagnostics: ReadonlyArray<AnalysisDiagnostic>;
  public readonly config: ParsedIstioConfig;
  private readonly catalog: ResolvedCatalog;
  private readonly rootNamespace: string;
  private readonly meshedIngress: boolean;
  /** Catalog host names whose declared `cidrs` contain an address. */
  private readonly hostAddresses: ReadonlyArray<{ host: string; block: CidrBlock }>;
  /** Pod peers the catalog declares meshed (their pods carry a sidecar). */
  private readonly meshedPeers: ReadonlyArray<ResolvedPeer>;
  /** Pod peers catalog services call (their pods sit behind Services the catalog does not know). */
  private readonly calledPeers: ReadonlyArray<ResolvedPeer>;
  /** Per endpoint (by identity): what depends on the endpoint alone, computed once. */
  private readonly endpointMemo = new WeakMap<Endpoint, Map<string, unknown>>();
  /** Per namespace: the objects and services there, so per-endpoint lookups scan only those. */
  private readonly namespaceMemo = new Map<string, unknown>();

  public constructor(catalog: ResolvedCatalog, manifests: ReadonlyArray<unknown>, options: IstioAnalysisOptions = {}) {
    this.catalog = catalog;
    this.rootNamespace = options.rootNamespace ?? catalog.istio.controlPlaneNamespace;
    this.meshedIngress = options.meshedIngress ?? true;
    this.config = parseIstioConfig(manifests, this.rootNamespace);
    this.diagnostics = [...this.config.diagnostics, ...unscopedSidecarConflicts(this.config.sidecars)];
    this.hostAddresses = catalogHostAddresses(catalog);
    const podPeers = usedPeers(catalog).filter(p => p.kind === 'pods' && p.name !== 'ingress-controller');
    this.meshedPeers = podPeers.filter(p => p.meshed);
    const called = new Set(catalog.services.flatMap(s => [...s.peerCalls, ...s.versions.flatMap(v => v.peerCalls)]).map(c => c.peer.name));
    this.calledPeers = podPeers.filter(p => called.has(p.name));
  }

  /** Whether the pod runs with a sidecar. */
  public isMeshed(endpoint: Endpoint): boolean {
    return this.perEndpoint(endpoint, 'meshed', () => this.computeIsMeshed(endpoint));
  }

  private computeIsMeshed(endpoint: Endpoint): boolean {
    if (endpoint.kind !== 'pod' || endpoint.namespace === undefined) {
      return false;
    }
    const labels = this.config.namespaceLabels.get(endpoint.namespace);
    if (labels) {
      return labels[INJECTION_LABEL] === INJECTION_ENABLED
        || (labels[REVISION_LABEL] !== undefined && labels[INJECTION_LABEL] !== INJECTION_DISABLED);
    }
    if (endpoint.role === 'workload') {
      return true;
    }
    if (endpoint.role === 'ingress-controller') {
      return this.meshedIngress;
    }
    return (endpoint.role === 'peer' && endpoint.meshed === true) || this.meshedPeers.some(p => endpointMatchesPeer(p, endpoint));
  }

  public allows(from: Endpoint, to: Endpoint, probe: PortProbe): boolean {
    if (probe.protocol !== 'TCP') {
      return true; // sidecars do not capture UDP
    }
    return this.egressAllows(from, to, probe) && this.inboundAllows(from, to, { port: probe.port, http: this.isHttpPort(to, probe.port) });
  }

  /**
   * Whether an HTTP request from `from` reaches `to` on `probe`: the connection passes
   * and the destination's authorization admits the request (methods, paths).
   */
  public allowsRequest(from: Endpoint, to: Endpoint, probe: PortProbe, request: RequestProbe): boolean {
    if (probe.protocol !== 'TCP') {
      return true;
    }
    return this.egressAllows(from, to, probe)
      && this.inboundAllows(from, to, { port: probe.port, http: this.isHttpPort(to, probe.port), request });
  }

  public isEgressRestricted(endpoint: Endpoint): boolean {
    return this.isMeshed(endpoint) && (this.sidecarFor(endpoint)?.registryOnly ?? false);
  }

  /** The effective mTLS mode of a destination pod's port (PERMISSIVE when nothing applies). */
  public mtlsMode(to: Endpoint, port: number): MtlsMode {
    return this.perEndpoint(to, `mtls:${port}`, () => this.computeMtlsMode(to, port));
  }

  private computeMtlsMode(to: Endpoint, port: number): MtlsMode {
    const pick = (list: ParsedPeerAuthentication[]) => [...list].sort((a, b) => (a.name < b.name ? -1 : 1))[0];
    const pas = this.config.peerAuthentications;
    const local = this.inNamespace('peerAuthentications', to.namespace, pas);
    const workload = pick(local.filter(p => p.namespace === to.namespace && p.selector && labelsMatch(p.selector, to.labels)));
    const ns = pick(local.filter(p => p.namespace === to.namespace && !p.selector));
    const mesh = pick(pas.filter(p => p.namespace === this.rootNamespace && !p.selector));
    const set = (m: MtlsMode | undefined): m is MtlsMode => m !== undefined && m !== 'UNSET';
    const portMode = workload?.portModes.get(port);
    for (const m of [portMode, workload?.mode, ns?.mode, mesh?.mode]) {
      if (set(m)) {
        return m;
      }
    }
    return 'PERMISSIVE';
  }

  private isHttpPort(to: Endpoint, port: number): boolean {
    return this.servicesOf(to).some(s => s.ports.some(p => p.targetPort === port
      && (p.protocol === PortProtocol.HTTP || p.protocol === PortProtocol.HTTP2 || p.protocol === PortProtocol.GRPC)));
  }

  /** Catalog services (with a Kubernetes Service) whose selector picks the pod. */
  private servicesOf(endpoint: Endpoint): ResolvedService[] {
    if (endpoint.kind !== 'pod') {
      return [];
    }
    return this.perEndpoint(endpoint, 'services', () => this.inNamespace('services', endpoint.namespace, this.catalog.services)
      .filter(s => !s.clientOnly && s.namespace === endpoint.namespace && labelsMatch(s.selector, endpoint.labels)));
  }

  /** A value that depends on the endpoint alone (and the parsed manifests), computed once. */
  private perEndpoint<T>(endpoint: Endpoint, key: string, compute: () => T): T {
    let memo = this.endpointMemo.get(endpoint);
    if (!memo) {
      memo = new Map();
      this.endpointMemo.set(endpoint, memo);
    }
    if (!memo.has(key)) {
      memo.set(key, compute());
    }
    return memo.get(key) as T;
  }

  /** The items of `all` in `namespace` (in order), grouped once per list. */
  private inNamespace<T extends { readonly namespace: string }>(list: string, namespace: string | undefined, all: ReadonlyArray<T>): T[] {
    let byNamespace = this.namespaceMemo.get(list) as Map<string, T[]> | undefined;
    if (!byNamespace) {
      byNamespace = new Map();
      for (const item of all) {
        byNamespace.set(item.namespace, [...(byNamespace.get(item.namespace) ?? []), item]);
      }
      this.namespaceMemo.set(list, byNamespace);
    }
    return namespace === undefined ? [] : byNamespace.get(namespace) ?? [];
  }

  private sidecarFor(endpoint: Endpoint): ParsedSidecar | undefined {
    return this.perEndpoint(endpoint, 'sidecar', () => this.computeSidecarFor(endpoint));
  }

  private computeSidecarFor(endpoint: Endpoint): ParsedSidecar | undefined {
    const byName = (a: ParsedSidecar, b: ParsedSidecar) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    const sidecars = this.config.sidecars;
    const local = this.inNamespace('sidecars', endpoint.namespace, sidecars);
    return [...local.filter(s => s.namespace === endpoint.namespace && s.selector && labelsMatch(s.selector, endpoint.labels))].sort(byName)[0]
      ?? [...local.filter(s => s.namespace === endpoint.namespace && !s.selector)].sort(byName)[0]
      ?? [...sidecars.filter(s => s.namespace === this.rootNamespace && !s.selector)].sort(byName)[0];
  }

  private egressAllows(from: Endpoint, to: Endpoint, probe: PortProbe): boolean {
    if (probe.protocol !== 'TCP' || !this.isMeshed(from)) {
      return true;
    }
    const sidecar = this.sidecarFor(from);
    if (!sidecar || !sidecar.registryOnly) {
      return true; // ALLOW_ANY: unknown destinations pass through
    }
    if (to.kind === 'pod') {
      const services = this.servicesOf(to);
      if (services.some(s => s.ports.some(p => p.targetPort === probe.port && p.protocol !== PortProtocol.UDP
        && sidecarImports(sidecar, s.namespace, `${s.name}.${s.namespace}.svc.${this.catalog.clusterDomain}`, p.port)))) {
        return true;
      }
      // Pods of a called peer are behind Services the catalog does not know, on any port.
      if (to.namespace !== undefined && this.calledPeers.some(p => endpointMatchesPeer(p, to)) && sidecarImports(sidecar, to.namespace, undefined)) {
        return true;
      }
      // DNS and the ingress controller are behind Services whose names the catalog does
      // not know: only `<namespace>/*` imports them, on the ports their pods serve.
      if ((to.role === 'dns' || to.role === 'ingress-controller') && to.namespace !== undefined) {
        const served = to.containerPorts.length === 0 || to.containerPorts.some(c => c.port === probe.port && c.protocol === 'TCP');
        return served && sidecarImports(sidecar, to.namespace, undefined);
      }
      return false;
    }
    // The API server behind the `kubernetes` Service (in the registry like any Service).
    if (to.role === 'kube-apiserver' && KUBE_APISERVER_PORTS.has(probe.port)
      && sidecarImports(sidecar, 'default', `kubernetes.default.svc.${this.catalog.clusterDomain}`, 443)) {
      return true;
    }
    const visible = this.config.serviceEntries.filter(e => exportedTo(e, from.namespace!)
      && e.ports.some(p => p.number === probe.port && p.protocol !== 'UDP'));
    const imported = (e: ParsedServiceEntry, host: string) => sidecarImports(sidecar, e.namespace, host, probe.port);
    if (to.kind === 'fqdn') {
      return visible.some(e => e.hosts.some(h => hostCovers(h, to.host) && imported(e, h)));
    }
    const ip = to.ip;
    if (ip === undefined) {
      return false;
    }
    return visible.some(e => e.hosts.some(h => imported(e, h)) && (
      (e.addresses.length > 0 && e.addresses.some(b => cidrContains(b, ip)))
      // An address-less TCP entry without resolution passes any destination on its port.
      || (e.addresses.length === 0 && e.resolution === 'NONE' && e.ports.some(p => p.number === probe.port && p.protocol === 'TCP'))
      // An address the catalog declares for a host the entry names: the client dialled that host.
      || (e.addresses.length === 0 && this.hostAddresses.some(a => cidrContains(a.block, ip) && e.hosts.some(h => hostCovers(h, a.host))))));
  }

  private inboundAllows(from: Endpoint, to: Endpoint, query: Query): boolean {
    if (!this.isMeshed(to)) {
      return true;
    }
    const mode = this.mtlsMode(to, query.port);
    const meshedClient = this.isMeshed(from);
    if (mode === 'STRICT' && !meshedClient) {
      return false;
    }
    const mtls = meshedClient && mode !== 'DISABLE';
    const peer: Peer = mtls
      ? { endpoint: from, principal: this.principalOf(from), namespace: from.namespace }
      : { endpoint: from };
    return this.authorizes(to, peer, query);
  }

  private principalOf(endpoint: Endpoint): string {
    let sa = endpoint.serviceAccount;
    if (sa === undefined && endpoint.role === 'ingress-controller') {
      sa = this.catalog.ingressController.serviceAccount;
    } else if (sa === undefined && endpoint.role === 'dns') {
      sa = this.catalog.dns.serviceAccount;
    }
    return principal(this.catalog.trustDomain, endpoint.namespace!, sa ?? 'default');
  }

  private authorizes(to: Endpoint, peer: Peer, query: Query): boolean {
    // Only whether some policy matches counts: the order of the applying ones does not.
    const applying = this.perEndpoint(to, 'authorizationPolicies', () => {
      const policies = this.config.authorizationPolicies;
      const scopes = to.namespace === this.rootNamespace ? [to.namespace] : [to.namespace, this.rootNamespace];
      return scopes.flatMap(ns => this.inNamespace('authorizationPolicies', ns, policies))
        .filter(p => !p.targeted && !p.dryRun && (!p.selector || labelsMatch(p.selector, to.labels)));
    });
    const deny = applying.filter(p => p.action === 'DENY');
    if (deny.some(p => policyMatches(p, peer, query))) {
      return false;
    }
    const allow = applying.filter(p => p.action === 'ALLOW');
    return allow.length === 0 || allow.some(p => policyMatches(p, peer, query));
  }
}

/** Namespaces with more than one Sidecar without a workloadSelector (Istio's behaviour is undefined). */
function unscopedSidecarConflicts(sidecars: ReadonlyArray<ParsedSidecar>): AnalysisDiagnostic[] {
  const diagnostics: AnalysisDiagnostic[] = [];
  const byScope = new Map<string, string[]>();
  for (const s of sidecars.filter(x => !x.selector)) {
    byScope.set(s.namespace, [...(byScope.get(s.namespace) ?? []), s.name]);
  }
  for (const [ns, names] of byScope) {
    if (names.length > 1) {
      diagnostics.push({ severity: 'error', subject: `Sidecar ${ns}`, message: `${names.length} Sidecars without workloadSelector (${names.join(', ')}): Istio's behaviour is undefined` });
    }
  }
  return diagnostics;
}

/** The addresses the catalog declares (`cidrs`) for the hosts its services call. */
function catalogHostAddresses(catalog: ResolvedCatalog): Array<{ host: string; block: CidrBlock }> {
  const addresses: Array<{ host: string; block: CidrBlock }> = [];
  for (const service of catalog.services) {
    for (const call of service.calls) {
      if (call.kind === 'host') {
        for (const text of call.cidrs) {
          const block = parseCidr(text);
          if (block) {
            addresses.push({ host: call.host, block });
          }
        }
      }
    }
  }
  return addresses;
}
