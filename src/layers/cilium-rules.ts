/**
 * The rules of the cilium layer's policies: ports (pod ports, external ports, the mesh
 * proxy's), L7 HTTP rules per set of routes, the ingress and egress rules of a service,
 * the DNS and control-plane allows, and pod peers' sides of their flows. Internal: not
 * re-exported from the index.
 */
import { httpRuleOf } from './cilium-http';
import { authenticates, CILIUM_NAMESPACE_LABEL, EgressRule, egressPeer, IngressRule, ingressPeer, peerSelector, RulePeer, rulePeer } from './cilium-peers';
import { MeshEndpointSpec } from './mesh-options';
import * as cilium from '../../imports/cilium.io';
import { compareStrings } from '../model/compare';
import { peerCoversNamespace } from '../model/peers';
import {
  ExternalPort,
  ResolvedCatalog,
  ResolvedCall,
  ResolvedLocation,
  ResolvedPeer,
  ResolvedPeerCall,
  ResolvedPort,
  ResolvedRoute,
  ResolvedService,
} from '../model/resolved';
import { routesOnPort } from '../model/routes';
import { PortProtocol } from '../model/types';

/** The resolved settings the rules depend on. */
export interface LayerSettings {
  readonly l7: boolean;
  readonly mutualAuth: boolean;
  readonly proxyPorts: readonly number[];
  readonly ingressFromWorld: boolean;
}

type PortsEntry = cilium.CiliumNetworkPolicySpecEgressToPortsPorts;
type IngressToPorts = cilium.CiliumNetworkPolicySpecIngressToPorts;

export function defaultDenySpec(hasEnableDefaultDeny: boolean): cilium.CiliumNetworkPolicySpec {
  // `{}` rules select the direction and allow nothing; `enableDefaultDeny: true` restates
  // Cilium's default, said where the release has the field (1.16 on).
  const restated = hasEnableDefaultDeny ? { enableDefaultDeny: { ingress: true, egress: true } } : {};
  return { endpointSelector: {}, ingress: [{}], egress: [{}], ...restated };
}

function ciliumProtocol(protocol: PortProtocol): cilium.CiliumNetworkPolicySpecEgressToPortsPortsProtocol {
  return protocol === PortProtocol.UDP
    ? cilium.CiliumNetworkPolicySpecEgressToPortsPortsProtocol.UDP
    : cilium.CiliumNetworkPolicySpecEgressToPortsPortsProtocol.TCP;
}

/** Sorted, de-duplicated port entries. */
function portEntries(ports: ReadonlyArray<{ port: number; protocol: cilium.CiliumNetworkPolicySpecEgressToPortsPortsProtocol }>): PortsEntry[] {
  const seen = new Set<string>();
  return [...ports]
    .sort((a, b) => a.port - b.port || (a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : 0))
    .filter(p => {
      const key = `${p.port}/${p.protocol}`;
      return seen.has(key) ? false : (seen.add(key), true);
    })
    .map(p => ({ port: String(p.port), protocol: p.protocol }));
}

/** The bindings type ingress and egress port protocols as distinct (identical) enums. */
function asIngressPorts(ports: PortsEntry[]): cilium.CiliumNetworkPolicySpecIngressToPortsPorts[] {
  return ports as unknown as cilium.CiliumNetworkPolicySpecIngressToPortsPorts[];
}

function podPorts(ports: readonly ResolvedPort[], proxyPorts: readonly number[]): PortsEntry[] {
  return portEntries([
    ...ports.map(p => ({ port: p.targetPort, protocol: ciliumProtocol(p.protocol) })),
    ...proxyPorts.map(port => ({ port, protocol: cilium.CiliumNetworkPolicySpecEgressToPortsPortsProtocol.TCP })),
  ]);
}

function externalPorts(ports: readonly ExternalPort[], proxyPorts: readonly number[] = []): PortsEntry[] {
  return portEntries([
    ...ports.map(p => ({ port: p.port, protocol: ciliumProtocol(p.protocol) })),
    ...proxyPorts.map(port => ({ port, protocol: cilium.CiliumNetworkPolicySpecEgressToPortsPortsProtocol.TCP })),
  ]);
}

export function dnsRule(dns: ResolvedLocation): EgressRule {
  return {
    toEndpoints: [peerSelector(dns)],
    toPorts: [{
      ports: [{ port: '53', protocol: cilium.CiliumNetworkPolicySpecEgressToPortsPortsProtocol.ANY }],
      // The DNS proxy learns name -> IP mappings here; toFQDNs rules depend on it.
      rules: { dns: [{ matchPattern: '*' }] },
    }],
  };
}

export function controlPlaneRule(endpoint: MeshEndpointSpec): EgressRule {
  return {
    toEndpoints: [{ matchLabels: { ...endpoint.selector, [CILIUM_NAMESPACE_LABEL]: endpoint.namespace } }],
    toPorts: [{
      ports: portEntries(endpoint.ports.map(port => ({ port, protocol: cilium.CiliumNetworkPolicySpecEgressToPortsPortsProtocol.TCP }))),
    }],
  };
}

/** Ports with the routes they are limited to: a service call or a peer's caller entry. */
interface PortsAndRoutes {
  readonly ports: readonly ResolvedPort[];
  readonly routes: readonly ResolvedRoute[];
}

/** Per source: for every allowed pod port, the routes (undefined = any request). */
interface PortRoutes {
  readonly port: ResolvedPort;
  routes?: Map<string, ResolvedRoute>;
}

function portRoutes(entries: readonly PortsAndRoutes[], l7: boolean): Map<string, PortRoutes> {
  const byPort = new Map<string, PortRoutes>();
  for (const entry of entries) {
    for (const port of entry.ports) {
      const key = `${port.targetPort}/${ciliumProtocol(port.protocol)}`;
      const limited = l7 ? routesOnPort(entry, port) : undefined;
      const existing = byPort.get(key);
      if (!existing) {
        byPort.set(key, { port, routes: limited ? new Map(limited.map(r => [r.name, r])) : undefined });
      } else if (!limited) {
        existing.routes = undefined;
      } else if (existing.routes) {
        limited.forEach(r => existing.routes!.set(r.name, r));
      }
    }
  }
  return byPort;
}

/**
 * The `toPorts` of one source's ingress rule: its L4-only ports (plus the mesh proxy's,
 * for meshed sources) in one entry, then one entry per set of routes (L7 rules).
 */
function ingressToPorts(entries: readonly PortsAndRoutes[], l7: boolean, proxyPorts: readonly number[]): IngressToPorts[] {
  const l4Only: ResolvedPort[] = [];
  // L7 ports grouped by identical route sets, so each set is written once.
  const l7Groups = new Map<string, { ports: ResolvedPort[]; routes: ResolvedRoute[] }>();
  for (const { port, routes } of portRoutes(entries, l7).values()) {
    if (!routes) {
      l4Only.push(port);
      continue;
    }
    const sorted = [...routes.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const key = sorted.map(r => r.name).join(',');
    const group = l7Groups.get(key) ?? { ports: [], routes: sorted };
    group.ports.push(port);
    l7Groups.set(key, group);
  }
  const toPorts: IngressToPorts[] = [];
  if (l4Only.length > 0 || proxyPorts.length > 0) {
    toPorts.push({ ports: asIngressPorts(podPorts(l4Only, proxyPorts)) });
  }
  for (const key of [...l7Groups.keys()].sort()) {
    const group = l7Groups.get(key)!;
    toPorts.push({ ports: asIngressPorts(podPorts(group.ports, [])), rules: { http: group.routes.map(httpRuleOf) } });
  }
  return toPorts;
}

const REQUIRED = { authentication: { mode: cilium.CiliumNetworkPolicySpecIngressAuthenticationMode.REQUIRED } };

export function ingressRules(model: ResolvedCatalog, service: ResolvedService, settings: LayerSettings): IngressRule[] {
  const rules: IngressRule[] = [];

  // Peers (the ingress controller, monitoring, declared peers), in the order of
  // `callers`; entries that name the same sources share one rule.
  const groups = new Map<string, { peer: RulePeer; meshed: boolean; authenticated: boolean; entries: PortsAndRoutes[] }>();
  for (const caller of service.callers) {
    const fromWorld = settings.ingressFromWorld && caller.peer.name === 'ingress-controller';
    const peer = fromWorld ? { entities: ['world' as const] } : rulePeer(caller.peer);
    // The mesh proxy's inbound ports are for pod sources (not the world): even an unmeshed
    // peer's scope may hold meshed pods (`cluster`), and the proxy authorizes the rest.
    const meshed = !fromWorld && caller.peer.kind === 'pods';
    const authenticated = settings.mutualAuth && !fromWorld && authenticates(caller.peer);
    const key = JSON.stringify([peer, meshed, authenticated]);
    const group = groups.get(key) ?? { peer, meshed, authenticated, entries: [] };
    group.entries.push(caller);
    groups.set(key, group);
  }
  for (const group of groups.values()) {
    rules.push({
      ...ingressPeer(group.peer),
      toPorts: ingressToPorts(group.entries, settings.l7, group.meshed ? settings.proxyPorts : []),
      ...(group.authenticated ? REQUIRED : {}),
    });
  }

  // Catalog services: one rule per caller, and one per caller version with calls of its own.
  const byCaller = new Map<string, { fromId: string; version?: string; calls: PortsAndRoutes[] }>();
  for (const inbound of service.inbound) {
    const key = `${inbound.fromId}@${inbound.fromVersion ?? ''}`;
    const entry = byCaller.get(key) ?? { fromId: inbound.fromId, version: inbound.fromVersion, calls: [] };
    entry.calls.push(inbound.call);
    byCaller.set(key, entry);
  }
  const ordered = [...byCaller.values()].sort((a, b) => compareStrings(a.fromId, b.fromId) || compareStrings(a.version ?? '', b.version ?? ''));
  for (const { fromId, version, calls } of ordered) {
    const caller = model.service(fromId);
    let entries = calls;
    let labels: Record<string, string> = {};
    if (version !== undefined) {
      labels = caller.versions.find(v => v.name === version)?.labels ?? {};
      // What the whole service may do already, the version need not repeat.
      entries = uncovered(calls, byCaller.get(`${fromId}@`)?.calls ?? [], settings.l7);
      if (entries.length === 0) {
        continue;
      }
    }
    rules.push({
      fromEndpoints: [peerSelector({ namespace: caller.namespace, selector: { ...caller.selector, ...labels } })],
      toPorts: ingressToPorts(entries, settings.l7, settings.proxyPorts),
      ...(settings.mutualAuth ? REQUIRED : {}),
    });
  }
  return rules;
}

/** The ports (with their routes) of `entries` that `base` does not already allow. */
function uncovered(entries: readonly PortsAndRoutes[], base: readonly PortsAndRoutes[], l7: boolean): PortsAndRoutes[] {
  const allowed = portRoutes(base, l7);
  const out: PortsAndRoutes[] = [];
  for (const [key, { port, routes }] of portRoutes(entries, l7)) {
    const have = allowed.get(key);
    const covered = have !== undefined && (have.routes === undefined || (routes !== undefined && [...routes.keys()].every(r => have.routes!.has(r))));
    if (!covered) {
      out.push({ ports: [port], routes: routes ? [...routes.values()] : [] });
    }
  }
  return out;
}

export function egressRules(
  model: ResolvedCatalog,
  calls: readonly ResolvedCall[],
  peerCalls: readonly ResolvedPeerCall[],
  proxyPorts: readonly number[],
): EgressRule[] {
  const callees = new Map<string, ResolvedPort[]>();
  const external: EgressRule[] = [];
  for (const call of calls) {
    switch (call.kind) {
      case 'service':
        callees.set(call.targetId, [...(callees.get(call.targetId) ?? []), ...call.ports]);
        break;
      case 'cidr':
        external.push({
          toCidrSet: [{ cidr: call.cidr, ...(call.except.length > 0 ? { except: [...call.except] } : {}) }],
          toPorts: [{ ports: externalPorts(call.ports) }],
        });
        break;
      case 'host':
        external.push({
          toFqdNs: [call.wildcard ? { matchPattern: call.host } : { matchName: call.host }],
          toPorts: [{ ports: externalPorts(call.ports) }],
        });
        break;
    }
  }
  const serviceRules = [...callees.keys()].sort().map((targetId): EgressRule => ({
    toEndpoints: [peerSelector(model.service(targetId))],
    toPorts: [{ ports: podPorts(callees.get(targetId)!, proxyPorts) }],
  }));
  // Meshed pod peers receive through their proxy: its inbound ports too.
  const peerRules = peerCalls.map((call): EgressRule => ({
    ...egressPeer(rulePeer(call.peer)),
    toPorts: [{ ports: externalPorts(call.ports, call.peer.kind === 'pods' ? proxyPorts : []) }],
  }));
  return [...serviceRules, ...external, ...peerRules];
}

/** A pod peer's side of its flows in one catalog namespace. */
export interface PeerSide {
  readonly peer: ResolvedPeer;
  readonly namespace: string;
  readonly ingress: IngressRule[];
  readonly egress: EgressRule[];
}

/**
 * The pod peers' sides in catalog namespaces that we restrict (owned ones, and those with
 * catalog workloads): egress from the peer's pods to the services they may call, and
 * ingress to them from the services (or versions) that call them.
 */
export function peerSides(model: ResolvedCatalog, settings: LayerSettings): PeerSide[] {
  const servicesIn = new Set(model.services.map(s => s.namespace));
  const restricted = model.namespaces.filter(n => n.owned || servicesIn.has(n.name));
  const sides: PeerSide[] = [];
  for (const peer of model.peers.filter(p => p.kind === 'pods')) {
    // Egress: the services this peer may call, with the ports of every entry.
    const callees = new Map<string, ResolvedPort[]>();
    for (const service of model.services) {
      for (const caller of service.callers) {
        const fromWorld = settings.ingressFromWorld && caller.peer.name === 'ingress-controller';
        if (caller.peer.name === peer.name && !fromWorld) {
          callees.set(service.id, [...(callees.get(service.id) ?? []), ...caller.ports]);
        }
      }
    }
    // Ingress: the services (and versions) that call this peer.
    const callers = new Map<string, { service: ResolvedService; labels: Record<string, string>; ports: ExternalPort[] }>();
    for (const service of model.services) {
      const sources = [
        { version: '', labels: {}, calls: service.peerCalls },
        ...service.versions.map(v => ({ version: v.name, labels: v.labels, calls: v.peerCalls })),
      ];
      for (const { version, labels, calls } of sources) {
        for (const call of calls.filter(c => c.peer.name === peer.name)) {
          const key = `${service.id}@${version}`;
          const entry = callers.get(key) ?? { service, labels, ports: [] };
          entry.ports.push(...call.ports);
          callers.set(key, entry);
        }
      }
    }
    if (callees.size === 0 && callers.size === 0) {
      continue;
    }
    const proxyPorts = peer.kind === 'pods' ? settings.proxyPorts : [];
    const egress = [...callees.keys()].sort().map((targetId): EgressRule => ({
      toEndpoints: [peerSelector(model.service(targetId))],
      toPorts: [{ ports: podPorts(callees.get(targetId)!, proxyPorts) }],
    }));
    const ingress = [...callers.keys()].sort().map((key): IngressRule => {
      const { service, labels, ports } = callers.get(key)!;
      return {
        fromEndpoints: [peerSelector({ namespace: service.namespace, selector: { ...service.selector, ...labels } })],
        toPorts: [{ ports: asIngressPorts(externalPorts(ports, proxyPorts)) }],
        ...(settings.mutualAuth && authenticates(peer) ? REQUIRED : {}),
      };
    });
    for (const namespace of restricted.filter(n => peerCoversNamespace(peer, n))) {
      sides.push({ peer, namespace: namespace.name, ingress, egress });
    }
  }
  return sides.sort((a, b) => compareStrings(a.namespace, b.namespace) || compareStrings(a.peer.name, b.peer.name));
}

