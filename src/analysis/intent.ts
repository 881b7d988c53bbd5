/**
 * The declared intent: the flows the catalog says must work, computed from the model over
 * the endpoint universe. Independent of any backend.
 *
 * - service call: every caller pod set -> every callee pod set, on each called port's
 *   pod port (targetPort) and transport;
 * - callers (peers, incl. `exposed` = the ingress controller, metrics ports = the
 *   monitoring peer): every endpoint of the peer -> the service's pod sets, on the pod
 *   ports of the entry;
 * - peer call: caller -> every endpoint of the peer, on the call's ports;
 * - a version's own calls: from that version's pods only;
 * - cidr call: caller -> every address endpoint inside the range (minus `except`);
 * - host call: by its `cidrs` (NetworkPolicy) or by its DNS name (`hostCalls: 'fqdn'`);
 * - DNS: every workload -> the DNS pod on 53/UDP and 53/TCP.
 *
 * Some flows are tolerated rather than declared: they may be allowed or not without being
 * a problem (e.g. DNS from unlabelled pods of an owned namespace, which a namespace-wide
 * DNS allow permits by design).
 */
import { Endpoint, endpointMatchesPeer, endpointResemblesPeer, transportOf, Universe } from './endpoints';
import { Flow, flowComparator, flowKey, PortProbe } from './flows';
import { cidrContains, CidrBlock, parseCidr } from '../model/cidr';
import { ExternalPort, ResolvedCall, ResolvedCatalog, ResolvedPeer, ResolvedPeerCall, ResolvedService } from '../model/resolved';
import { PortProtocol } from '../model/types';

export interface DeclaredFlow extends Flow {
  /** Why the flow is declared, e.g. `call shop/frontend -> shop/checkout`, `dns`. */
  readonly reasons: ReadonlyArray<string>;
  /**
   * L7 routes (names on the callee) the flow is limited to; undefined means any request.
   * Carried for L7-capable evaluators; L4 evaluators ignore it.
   */
  readonly routes?: ReadonlyArray<string>;
}

export interface IntentOptions {
  /**
   * How host calls are reached: `cidrs` (the address ranges given with the call; a host
   * call without any then needs its DNS name, which NetworkPolicy cannot express) or
   * `fqdn` (by DNS name, for evaluators that match names, e.g. Cilium `toFQDNs`).
   * @default 'cidrs'
   */
  readonly hostCalls?: 'cidrs' | 'fqdn';
  /**
   * Where the ingress controller's caller entries (`exposed`, limited exposure) come from
   * when not from the ingress controller itself: e.g. the addresses outside the cluster
   * for Cilium's `ingressFromWorld` (reasons then say `(from outside the cluster)`).
   * @default - the ingress controller
   */
  readonly ingressSources?: ReadonlyArray<Endpoint>;
}

export interface Intent {
  /** Flows that must be allowed, in canonical order. */
  readonly declared: ReadonlyArray<DeclaredFlow>;
  /** Flows that may be allowed or denied without being a problem. */
  readonly tolerated: ReadonlyArray<Flow>;
}

interface MutableDeclared {
  readonly flow: Flow;
  readonly reasons: Set<string>;
  /** undefined: any request. */
  routes?: Set<string>;
}

/** The endpoints the intent reads, found once per universe. */
class IntentEndpoints {
  public readonly addresses: Endpoint[];
  public readonly dns: Endpoint;
  public readonly ingressController: Endpoint;
  public readonly apiServers: Endpoint[];
  public readonly hosts: ReadonlyMap<string, Endpoint>;
  /** Every endpoint of a peer (see `endpointMatchesPeer`). */
  public readonly ofPeer: (peer: ResolvedPeer) => Endpoint[];
  /** Pods resembling a peer (see `endpointResemblesPeer`). */
  public readonly resembling: (peer: ResolvedPeer) => Endpoint[];

  public constructor(private readonly universe: Universe) {
    this.addresses = universe.endpoints.filter(e => e.kind === 'ip');
    this.dns = universe.endpoints.find(e => e.role === 'dns')!;
    this.ingressController = universe.endpoints.find(e => e.role === 'ingress-controller')!;
    this.apiServers = universe.endpoints.filter(e => e.role === 'kube-apiserver');
    this.hosts = new Map(universe.endpoints.filter(e => e.role === 'host' && e.host !== undefined).map(e => [e.host!, e] as const));
    this.ofPeer = this.memoByPeer(endpointMatchesPeer);
    this.resembling = this.memoByPeer(endpointResemblesPeer);
  }

  /** Address endpoints inside `block` and outside every `except`. */
  public inRange(block: CidrBlock, except: ReadonlyArray<CidrBlock>): Endpoint[] {
    return this.addresses.filter(e => e.ip && cidrContains(block, e.ip) && !except.some(x => cidrContains(x, e.ip!)));
  }

  // Per peer, once: every caller entry and peer call of a peer reads the same endpoints
  // (a scan of the universe per call made intent quadratic at thousands of services).
  private memoByPeer(pick: (peer: ResolvedPeer, e: Endpoint) => boolean): (peer: ResolvedPeer) => Endpoint[] {
    const memo = new Map<ResolvedPeer, Endpoint[]>();
    return (peer: ResolvedPeer): Endpoint[] => {
      let found = memo.get(peer);
      if (!found) {
        found = this.universe.endpoints.filter(e => pick(peer, e));
        memo.set(peer, found);
      }
      return found;
    };
  }
}

const DNS_PROBES: readonly PortProbe[] = [{ port: 53, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }];

function blocks(texts: ReadonlyArray<string>): CidrBlock[] {
  return texts.map(t => parseCidr(t)).filter((b): b is CidrBlock => b !== undefined);
}

function externalProbes(ports: ReadonlyArray<ExternalPort>): PortProbe[] {
  return ports.map(p => ({ port: p.port, protocol: transportOf(p.protocol) }));
}

function podPortProbe(port: { readonly targetPort: number; readonly protocol: PortProtocol }): PortProbe {
  return { port: port.targetPort, protocol: transportOf(port.protocol) };
}

/** Collects declared and tolerated flows; a flow declared twice keeps every reason and the union of its routes. */
class IntentBuilder {
  private readonly declared = new Map<string, MutableDeclared>();
  private readonly tolerated = new Map<string, Flow>();
  private readonly endpoints: IntentEndpoints;
  private readonly hostCalls: 'cidrs' | 'fqdn';

  public constructor(private readonly universe: Universe, private readonly options: IntentOptions) {
    this.endpoints = new IntentEndpoints(universe);
    this.hostCalls = options.hostCalls ?? 'cidrs';
  }

  public declare(from: Endpoint, to: Endpoint, probe: PortProbe, reason: string, routes?: ReadonlyArray<string>): void {
    const flow: Flow = { from: from.id, to: to.id, port: probe.port, protocol: probe.protocol };
    const key = flowKey(flow);
    const unrestricted = routes === undefined || routes.length === 0;
    const existing = this.declared.get(key);
    if (!existing) {
      this.declared.set(key, { flow, reasons: new Set([reason]), routes: unrestricted ? undefined : new Set(routes) });
      return;
    }
    existing.reasons.add(reason);
    if (unrestricted) {
      existing.routes = undefined;
    } else if (existing.routes) {
      routes.forEach(r => existing.routes!.add(r));
    }
  }

  public tolerate(from: Endpoint, to: Endpoint, probe: PortProbe): void {
    const flow: Flow = { from: from.id, to: to.id, port: probe.port, protocol: probe.protocol };
    this.tolerated.set(flowKey(flow), flow);
  }

  /** A service's (or one version's) calls, from `callers`. */
  public declareCalls(
    service: { readonly id: string }, callers: readonly Endpoint[], calls: readonly ResolvedCall[], peerCalls: readonly ResolvedPeerCall[],
  ): void {
    for (const call of calls) {
      if (call.kind === 'service') {
        this.declareServiceCall(service, callers, call);
      } else if (call.kind === 'cidr') {
        this.declareCidrCall(callers, call);
      } else {
        this.declareHostCall(callers, call);
      }
    }
    peerCalls.forEach(call => this.declarePeerCall(service, callers, call));
  }

  /** Every caller (entry) of a service: its peer's endpoints to the service's pods. */
  public declareCallers(service: ResolvedService, pods: readonly Endpoint[]): void {
    for (const caller of service.callers) {
      const viaIngress = caller.source === 'exposed' || caller.peer.name === 'ingress-controller';
      const sources = viaIngress ? this.options.ingressSources ?? [this.endpoints.ingressController] : this.endpoints.ofPeer(caller.peer);
      const reason = (caller.source === 'exposed' ? `exposed ${service.id}` : `${caller.source} ${caller.peer.name} -> ${service.id}`)
        + (viaIngress && this.options.ingressSources ? ' (from outside the cluster)' : '');
      const routes = caller.routes.map(r => r.name);
      this.each(sources, pods, caller.ports.map(podPortProbe), (from, to, probe) => this.declare(from, to, probe, reason, routes));
      // Pods with the peer's labels but another service account: see endpointResemblesPeer.
      this.each(this.endpoints.resembling(caller.peer), pods, caller.ports.map(podPortProbe), (from, to, probe) => this.tolerate(from, to, probe));
      // A world peer's ranges may hold the API server's address: whether an evaluator
      // counts it as the world (NetworkPolicy ipBlocks) or not (Cilium) is not a problem.
      if (caller.peer.kind === 'world') {
        this.each(this.endpoints.apiServers, pods, caller.ports.map(podPortProbe), (from, to, probe) => this.tolerate(from, to, probe));
      }
    }
  }

  public declareDns(pods: readonly Endpoint[]): void {
    this.each(pods, [this.endpoints.dns], DNS_PROBES, (from, to, probe) => this.declare(from, to, probe, 'dns'));
  }

  /**
   * Owned namespaces get a namespace-wide DNS allow: DNS from their other pods is fine.
   * The ingress controller resolves names wherever it runs.
   */
  public tolerateDnsOfOtherPods(): void {
    for (const e of this.universe.endpoints) {
      if (e.kind === 'pod' && ((e.governed && !e.workload) || e.role === 'ingress-controller')) {
        DNS_PROBES.forEach(p => this.tolerate(e, this.endpoints.dns, p));
      }
    }
  }

  public intent(): Intent {
    const compare = flowComparator(this.universe.order);
    const declared: DeclaredFlow[] = [...this.declared.values()]
      .map(d => ({
        ...d.flow,
        reasons: [...d.reasons].sort(),
        ...(d.routes ? { routes: [...d.routes].sort() } : {}),
      }))
      .sort(compare);
    const tolerated = [...this.tolerated.entries()].filter(([k]) => !this.declared.has(k)).map(([, f]) => f).sort(compare);
    return { declared, tolerated };
  }

  /** Calls `visit` for every (from, to, probe), in that nesting order. */
  private each(
    froms: readonly Endpoint[], tos: readonly Endpoint[], probes: readonly PortProbe[],
    visit: (from: Endpoint, to: Endpoint, probe: PortProbe) => void,
  ): void {
    for (const from of froms) {
      for (const to of tos) {
        for (const probe of probes) {
          visit(from, to, probe);
        }
      }
    }
  }

  private declareServiceCall(service: { readonly id: string }, callers: readonly Endpoint[], call: ResolvedCall & { kind: 'service' }): void {
    const reason = call.via ? `call ${service.id} -> ${call.via} (split to ${call.targetId})` : `call ${service.id} -> ${call.targetId}`;
    const routes = call.routes.map(r => r.name);
    const callees = this.universe.workloadEndpoints(call.targetId);
    this.each(callers, callees, call.ports.map(podPortProbe), (from, to, probe) => this.declare(from, to, probe, reason, routes));
  }

  private declareCidrCall(callers: readonly Endpoint[], call: ResolvedCall & { kind: 'cidr' }): void {
    const block = parseCidr(call.cidr);
    if (block) {
      this.each(callers, this.endpoints.inRange(block, blocks(call.except)), externalProbes(call.ports), (from, to, probe) => this.declare(from, to, probe, `cidr ${call.cidr}`));
    }
  }

  private declareHostCall(callers: readonly Endpoint[], call: ResolvedCall & { kind: 'host' }): void {
    const byName = this.endpoints.hosts.get(call.host);
    const addressTargets = blocks(call.cidrs).flatMap(b => this.endpoints.inRange(b, []));
    // In `cidrs` mode the addresses carry the call and the name is tolerated (an
    // allow-all egress reaching the name is not over-permission for this caller);
    // without cidrs the name itself is declared, so NetworkPolicy reports it missing
    // instead of the call disappearing silently.
    const nameDeclared = this.hostCalls === 'fqdn' || call.cidrs.length === 0;
    for (const from of callers) {
      for (const probe of externalProbes(call.ports)) {
        for (const to of addressTargets) {
          if (this.hostCalls === 'cidrs') {
            this.declare(from, to, probe, `host ${call.host}`);
          } else {
            this.tolerate(from, to, probe);
          }
        }
        if (byName) {
          if (nameDeclared) {
            this.declare(from, byName, probe, `host ${call.host}`);
          } else {
            this.tolerate(from, byName, probe);
          }
        }
      }
    }
  }

  private declarePeerCall(service: { readonly id: string }, callers: readonly Endpoint[], call: ResolvedPeerCall): void {
    const targets = this.endpoints.ofPeer(call.peer);
    // See the world-caller note in declareCallers: the API server may or may not count as the world.
    // Evaluators that match names (Cilium's `world` entity covers every DNS name) may let a
    // call to the whole world reach the catalog's host names too: not a problem either.
    const everywhere = call.peer.kind === 'world' && call.peer.cidrs.some(c => parseCidr(c)?.prefix === 0);
    const maybeWorld = call.peer.kind === 'world'
      ? this.universe.endpoints.filter(e => e.role === 'kube-apiserver' || (everywhere && e.role === 'host'))
      : this.endpoints.resembling(call.peer);
    for (const from of callers) {
      for (const probe of externalProbes(call.ports)) {
        targets.forEach(to => this.declare(from, to, probe, `peer ${service.id} -> ${call.peer.name}`));
        maybeWorld.forEach(to => this.tolerate(from, to, probe));
      }
    }
  }
}

export function declaredIntent(catalog: ResolvedCatalog, universe: Universe, options: IntentOptions = {}): Intent {
  const intent = new IntentBuilder(universe, options);
  for (const service of catalog.services) {
    const pods = universe.workloadEndpoints(service.id);
    intent.declareCalls(service, pods, service.calls, service.peerCalls);
    for (const version of service.versions) {
      intent.declareCalls(service, pods.filter(e => e.workload?.version === version.name), version.calls, version.peerCalls);
    }
    intent.declareCallers(service, pods);
    intent.declareDns(pods);
  }
  intent.tolerateDnsOfOtherPods();
  return intent.intent();
}
