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
import { ExternalPort, ResolvedCall, ResolvedCatalog, ResolvedPeer, ResolvedPeerCall } from '../model/resolved';

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

/** Intents already computed, per catalog, universe and options (see `intentKey`). */
const INTENTS = new WeakMap<ResolvedCatalog, WeakMap<Universe, Map<string, Intent>>>();

/** What an intent depends on besides the catalog and the universe. */
function intentKey(options: IntentOptions): string {
  const sources = options.ingressSources?.map(e => e.id).join('\u0000');
  return `${options.hostCalls ?? 'cidrs'}\u0001${sources ?? '(ingress controller)'}`;
}

/**
 * The flows `catalog` declares over `universe`. Computed once per catalog, universe and
 * options: phases that mean the same intent (e.g. the three phases over Cilium in one
 * `check --phase all`) share it. Never modify the result.
 */
export function declaredIntent(catalog: ResolvedCatalog, universe: Universe, options: IntentOptions = {}): Intent {
  let byUniverse = INTENTS.get(catalog);
  if (!byUniverse) {
    byUniverse = new WeakMap();
    INTENTS.set(catalog, byUniverse);
  }
  let byOptions = byUniverse.get(universe);
  if (!byOptions) {
    byOptions = new Map();
    byUniverse.set(universe, byOptions);
  }
  const key = intentKey(options);
  let intent = byOptions.get(key);
  if (!intent) {
    intent = computeIntent(catalog, universe, options);
    byOptions.set(key, intent);
  }
  return intent;
}

function computeIntent(catalog: ResolvedCatalog, universe: Universe, options: IntentOptions): Intent {
  const hostCalls = options.hostCalls ?? 'cidrs';
  const declared = new Map<string, MutableDeclared>();
  const tolerated = new Map<string, Flow>();

  const declare = (from: Endpoint, to: Endpoint, probe: PortProbe, reason: string, routes?: ReadonlyArray<string>) => {
    const flow: Flow = { from: from.id, to: to.id, port: probe.port, protocol: probe.protocol };
    const key = flowKey(flow);
    const unrestricted = routes === undefined || routes.length === 0;
    const existing = declared.get(key);
    if (!existing) {
      declared.set(key, { flow, reasons: new Set([reason]), routes: unrestricted ? undefined : new Set(routes) });
      return;
    }
    existing.reasons.add(reason);
    if (unrestricted) {
      existing.routes = undefined;
    } else if (existing.routes) {
      routes.forEach(r => existing.routes!.add(r));
    }
  };
  const tolerate = (from: Endpoint, to: Endpoint, probe: PortProbe) => {
    const flow: Flow = { from: from.id, to: to.id, port: probe.port, protocol: probe.protocol };
    tolerated.set(flowKey(flow), flow);
  };

  const addressEndpoints = universe.endpoints.filter(e => e.kind === 'ip');
  const inRange = (block: CidrBlock, except: ReadonlyArray<CidrBlock>) =>
    addressEndpoints.filter(e => e.ip && cidrContains(block, e.ip) && !except.some(x => cidrContains(x, e.ip!)));
  const blocks = (texts: ReadonlyArray<string>) => texts.map(t => parseCidr(t)).filter((b): b is CidrBlock => b !== undefined);
  const dnsEndpoint = universe.endpoints.find(e => e.role === 'dns')!;
  const ingressEndpoint = universe.endpoints.find(e => e.role === 'ingress-controller')!;
  const dnsProbes: PortProbe[] = [{ port: 53, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }];
  const externalProbes = (ports: ReadonlyArray<ExternalPort>): PortProbe[] => ports.map(p => ({ port: p.port, protocol: transportOf(p.protocol) }));

  // Per peer, once: every caller entry and peer call of a peer reads the same endpoints
  // (a scan of the universe per call made intent quadratic at thousands of services).
  const memoByPeer = (pick: (peer: ResolvedPeer, e: Endpoint) => boolean) => {
    const memo = new Map<ResolvedPeer, Endpoint[]>();
    return (peer: ResolvedPeer): Endpoint[] => {
      let found = memo.get(peer);
      if (!found) {
        found = universe.endpoints.filter(e => pick(peer, e));
        memo.set(peer, found);
      }
      return found;
    };
  };
  const peerEndpoints = memoByPeer(endpointMatchesPeer);
  const resemblingPeer = memoByPeer(endpointResemblesPeer);
  const hostEndpoints = new Map(universe.endpoints.filter(e => e.role === 'host' && e.host !== undefined).map(e => [e.host!, e] as const));
  const apiServers = universe.endpoints.filter(e => e.role === 'kube-apiserver');

  const declareCalls = (
    service: { readonly id: string },
    callers: readonly Endpoint[],
    calls: readonly ResolvedCall[],
    peerCalls: readonly ResolvedPeerCall[],
  ) => {
    for (const call of calls) {
      if (call.kind === 'service') {
        const callees = universe.workloadEndpoints(call.targetId);
        const reason = call.via ? `call ${service.id} -> ${call.via} (split to ${call.targetId})` : `call ${service.id} -> ${call.targetId}`;
        const routes = call.routes.map(r => r.name);
        for (const from of callers) {
          for (const to of callees) {
            for (const port of call.ports) {
              declare(from, to, { port: port.targetPort, protocol: transportOf(port.protocol) }, reason, routes);
            }
          }
        }
      } else if (call.kind === 'cidr') {
        const block = parseCidr(call.cidr);
        if (!block) {
          continue;
        }
        const targets = inRange(block, blocks(call.except));
        for (const from of callers) {
          for (const to of targets) {
            for (const probe of externalProbes(call.ports)) {
              declare(from, to, probe, `cidr ${call.cidr}`);
            }
          }
        }
      } else {
        const byName = hostEndpoints.get(call.host);
        const addressTargets = blocks(call.cidrs).flatMap(b => inRange(b, []));
        // In `cidrs` mode the addresses carry the call and the name is tolerated (an
        // allow-all egress reaching the name is not over-permission for this caller);
        // without cidrs the name itself is declared, so NetworkPolicy reports it missing
        // instead of the call disappearing silently.
        const nameDeclared = hostCalls === 'fqdn' || call.cidrs.length === 0;
        for (const from of callers) {
          for (const probe of externalProbes(call.ports)) {
            for (const to of addressTargets) {
              if (hostCalls === 'cidrs') {
                declare(from, to, probe, `host ${call.host}`);
              } else {
                tolerate(from, to, probe);
              }
            }
            if (byName) {
              if (nameDeclared) {
                declare(from, byName, probe, `host ${call.host}`);
              } else {
                tolerate(from, byName, probe);
              }
            }
          }
        }
      }
    }
    for (const call of peerCalls) {
      const targets = peerEndpoints(call.peer);
      // See the world-caller note below: the API server may or may not count as the world.
      // Evaluators that match names (Cilium's `world` entity covers every DNS name) may let a
      // call to the whole world reach the catalog's host names too: not a problem either.
      const everywhere = call.peer.kind === 'world' && call.peer.cidrs.some(c => parseCidr(c)?.prefix === 0);
      const maybeWorld = call.peer.kind === 'world'
        ? universe.endpoints.filter(e => e.role === 'kube-apiserver' || (everywhere && e.role === 'host'))
        : resemblingPeer(call.peer);
      for (const from of callers) {
        for (const probe of externalProbes(call.ports)) {
          targets.forEach(to => declare(from, to, probe, `peer ${service.id} -> ${call.peer.name}`));
          maybeWorld.forEach(to => tolerate(from, to, probe));
        }
      }
    }
  };

  for (const service of catalog.services) {
    const callers = universe.workloadEndpoints(service.id);
    declareCalls(service, callers, service.calls, service.peerCalls);
    for (const version of service.versions) {
      const pods = callers.filter(e => e.workload?.version === version.name);
      declareCalls(service, pods, version.calls, version.peerCalls);
    }
    for (const caller of service.callers) {
      const viaIngress = caller.source === 'exposed' || caller.peer.name === 'ingress-controller';
      const sources = viaIngress ? options.ingressSources ?? [ingressEndpoint] : peerEndpoints(caller.peer);
      const reason = (caller.source === 'exposed' ? `exposed ${service.id}` : `${caller.source} ${caller.peer.name} -> ${service.id}`)
        + (viaIngress && options.ingressSources ? ' (from outside the cluster)' : '');
      const routes = caller.routes.map(r => r.name);
      for (const from of sources) {
        for (const to of callers) {
          for (const port of caller.ports) {
            declare(from, to, { port: port.targetPort, protocol: transportOf(port.protocol) }, reason, routes);
          }
        }
      }
      // Pods with the peer's labels but another service account: see endpointResemblesPeer.
      for (const from of resemblingPeer(caller.peer)) {
        for (const to of callers) {
          for (const port of caller.ports) {
            tolerate(from, to, { port: port.targetPort, protocol: transportOf(port.protocol) });
          }
        }
      }
      // A world peer's ranges may hold the API server's address: whether an evaluator
      // counts it as the world (NetworkPolicy ipBlocks) or not (Cilium) is not a problem.
      if (caller.peer.kind === 'world') {
        for (const from of apiServers) {
          for (const to of callers) {
            for (const port of caller.ports) {
              tolerate(from, to, { port: port.targetPort, protocol: transportOf(port.protocol) });
            }
          }
        }
      }
    }
    for (const from of callers) {
      for (const probe of dnsProbes) {
        declare(from, dnsEndpoint, probe, 'dns');
      }
    }
  }

  // Owned namespaces get a namespace-wide DNS allow: DNS from their other pods is fine.
  // The ingress controller resolves names wherever it runs.
  for (const e of universe.endpoints) {
    if (e.kind === 'pod' && ((e.governed && !e.workload) || e.role === 'ingress-controller')) {
      dnsProbes.forEach(p => tolerate(e, dnsEndpoint, p));
    }
  }

  const compare = flowComparator(universe.order);
  const declaredFlows: DeclaredFlow[] = [...declared.values()]
    .map(d => ({
      ...d.flow,
      reasons: [...d.reasons].sort(),
      ...(d.routes ? { routes: [...d.routes].sort() } : {}),
    }))
    .sort(compare);
  const toleratedFlows = [...tolerated.entries()].filter(([k]) => !declared.has(k)).map(([, f]) => f).sort(compare);
  return { declared: declaredFlows, tolerated: toleratedFlows };
}
