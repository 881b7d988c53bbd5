/**
 * The calls pass: each service's (and version's) calls bound to their targets, and the
 * calls a canary split derives for the callers of the split service.
 */
import { cidrWithin, parseCidr } from './cidr';
import { checkHostName, suggest } from './names';
import { checkCidr, checkCidrList, compareStrings, isMapping, Issues, Path, show } from './resolve-common';
import { lookupPeer, peerCallKey, resolveCallers } from './resolve-peers';
import { bindPortsAndRoutes, ServiceDraft } from './resolve-services';
import {
  ExternalPort,
  ResolvedCall,
  ResolvedCaller,
  ResolvedPeer,
  ResolvedPeerCall,
  ResolvedPort,
  ResolvedRoute,
  ResolvedServiceCall,
} from './resolved';
import { CallSpec, PortProtocol } from './types';

export function externalPorts(issues: Issues, path: Path, call: CallSpec, what: string): ExternalPort[] {
  const refs = [...(call.port !== undefined ? [call.port] : []), ...(call.ports ?? [])];
  if (refs.length === 0) {
    issues.error(path, `a ${what} call needs "port" or "ports"`);
    return [];
  }
  const protocol = call.protocol ?? PortProtocol.TCP;
  const out: ExternalPort[] = [];
  refs.forEach((ref, i) => {
    const field: Path = call.port !== undefined && i === 0 ? [...path, 'port'] : [...path, 'ports', call.port !== undefined ? i - 1 : i];
    const n = typeof ref === 'number' ? ref : /^\d+$/.test(ref) ? Number(ref) : NaN;
    if (!Number.isInteger(n) || n < 1 || n > 65535) {
      issues.error(field, `${what} calls need port numbers (1-65535), got ${show(ref)}`);
      return;
    }
    if (!out.some(p => p.port === n)) {
      out.push({ port: n, protocol });
    }
  });
  return out.sort((a, b) => a.port - b.port);
}


export function callKey(call: ResolvedCall): string {
  switch (call.kind) {
    case 'service':
      return `1|${call.targetId}|${call.ports.map(p => p.port).join(',')}|${call.routes.map(r => r.name).join(',')}`;
    case 'host':
      return `2|${call.host}|${call.ports.map(p => `${p.port}/${p.protocol}`).join(',')}`;
    case 'cidr':
      return `3|${call.cidr}|${call.ports.map(p => `${p.port}/${p.protocol}`).join(',')}`;
  }
}


export function resolveCall(
  issues: Issues,
  path: Path,
  call: CallSpec,
  caller: ServiceDraft,
  byId: Map<string, ServiceDraft>,
  peers: ReadonlyMap<string, ResolvedPeer>,
): ResolvedCall | ResolvedPeerCall | undefined {
  if (!isMapping(call)) {
    issues.error(path, 'each call must be a mapping');
    return undefined;
  }
  const kinds = (['service', 'peer', 'host', 'cidr'] as const).filter(k => call[k] !== undefined);
  if (kinds.length !== 1) {
    issues.error(path, kinds.length === 0 ? 'a call needs one of "service", "peer", "host" or "cidr"' : `a call names one peer; got ${kinds.join(' and ')}`);
    return undefined;
  }
  if (kinds[0] !== 'service' && call.routes !== undefined) {
    issues.error([...path, 'routes'], `routes limit calls to catalog services; a ${kinds[0]} call has none`);
  }
  if (kinds[0] !== 'cidr' && call.except !== undefined) {
    issues.error([...path, 'except'], '"except" applies to cidr calls only');
  }
  if (kinds[0] !== 'host' && call.cidrs !== undefined) {
    issues.error([...path, 'cidrs'], kinds[0] === 'peer' ? '"cidrs" of a peer belong to the peer (catalog "peers")' : '"cidrs" applies to host calls only (use "cidr" for an address range)');
  }

  if (call.peer !== undefined) {
    return resolvePeerCall(issues, path, call, caller, byId, peers);
  }
  if (call.host !== undefined) {
    const problem = checkHostName(call.host);
    if (problem) {
      issues.error([...path, 'host'], problem);
    }
    const ports = externalPorts(issues, path, call, 'host');
    const cidrs = checkCidrList(issues, [...path, 'cidrs'], call.cidrs ?? []);
    return { kind: 'host', host: call.host.toLowerCase(), wildcard: call.host.startsWith('*.'), cidrs, ports, declaredAt: [...path] };
  }
  if (call.cidr !== undefined) {
    return resolveCidrCall(issues, path, call);
  }
  return resolveServiceCall(issues, path, call, caller, byId, peers);
}

function resolvePeerCall(
  issues: Issues, path: Path, call: CallSpec, caller: ServiceDraft, byId: Map<string, ServiceDraft>, peers: ReadonlyMap<string, ResolvedPeer>,
): ResolvedPeerCall | undefined {
  const peer = lookupPeer(issues, [...path, 'peer'], call.peer!, peers, byId, caller.namespace, 'call');
  if (!peer) {
    return undefined;
  }
  if (peer.name === 'ingress-controller') {
    issues.error([...path, 'peer'], 'catalog services do not call the ingress controller; it calls them (use "exposed" or "callers")');
    return undefined;
  }
  const given = call.port !== undefined || call.ports !== undefined;
  if (!given && peer.ports.length === 0) {
    issues.error(path, `a call to peer "${peer.name}" needs "port" or "ports" (numbers)`);
    return undefined;
  }
  const ports = given ? externalPorts(issues, path, call, 'peer') : peer.ports.map(p => ({ port: p.port, protocol: call.protocol ?? p.protocol }));
  return ports.length > 0 ? { kind: 'peer', peer, ports } : undefined;
}

/** An address range outside the cluster, with exclusions strictly inside it. */
function resolveCidrCall(issues: Issues, path: Path, call: CallSpec): ResolvedCall | undefined {
  const cidr = checkCidr(issues, [...path, 'cidr'], call.cidr!);
  const except = checkCidrList(issues, [...path, 'except'], call.except ?? []);
  if (cidr) {
    except.forEach((text, i) => {
      const inner = parseCidr(text)!;
      if (!cidrWithin(inner, cidr) || inner.prefix === cidr.prefix) {
        issues.error([...path, 'except', i], `"${text}" must lie strictly inside ${cidr.text}`);
      }
    });
  }
  const ports = externalPorts(issues, path, call, 'cidr');
  return cidr ? { kind: 'cidr', cidr: cidr.text, except, ports } : undefined;
}

/** A catalog service: `name` or `namespace/name`, on its ports and routes. */
function resolveServiceCall(
  issues: Issues, path: Path, call: CallSpec, caller: ServiceDraft, byId: Map<string, ServiceDraft>, peers: ReadonlyMap<string, ResolvedPeer>,
): ResolvedServiceCall | undefined {
  const ref = call.service!;
  const parts = ref.split('/');
  if (parts.length > 2 || parts.some(p => p === '')) {
    issues.error([...path, 'service'], `"${ref}" is not a service reference (use "name" or "namespace/name")`);
    return undefined;
  }
  const targetId = parts.length === 2 ? ref : `${caller.namespace}/${ref}`;
  const target = byId.get(targetId);
  if (!target) {
    const hint = suggest(targetId, [...byId.keys()]) ?? suggest(ref, [...byId.values()].map(d => d.name));
    const peerHint = peers.has(ref) ? `; "${ref}" is a peer: use "peer: ${ref}"` : '';
    issues.error([...path, 'service'], `unknown service "${ref}" (resolved as ${targetId})${hint ? `; did you mean "${hint}"?` : peerHint}`);
    return undefined;
  }
  if (target.clientOnly) {
    issues.error([...path, 'service'], `"${targetId}" is client-only (no Service): it cannot be called`);
    return undefined;
  }
  if (call.protocol !== undefined) {
    issues.error([...path, 'protocol'], 'the protocol of a service call comes from the callee\'s port; remove "protocol"');
  }
  const bound = bindPortsAndRoutes(issues, path, call, target, targetId);
  if (!bound) {
    return undefined;
  }
  return { kind: 'service', targetId, ports: bound.ports, routes: bound.routes };
}


export function dedupeCalls(calls: ResolvedCall[]): ResolvedCall[] {
  const unique = new Map(calls.map(c => [callKey(c), c]));
  return [...unique.entries()].sort(([x], [y]) => compareStrings(x, y)).map(([, c]) => c);
}

/** Binds a version's backing service: another service of the catalog in the same namespace. */
export function bindBackend(issues: Issues, path: Path, ref: string, owner: ServiceDraft, byId: Map<string, ServiceDraft>): string | undefined {
  const parts = ref.split('/');
  const id = parts.length === 2 ? ref : `${owner.namespace}/${ref}`;
  const backend = byId.get(id);
  if (!backend) {
    const hint = suggest(id, [...byId.keys()]);
    issues.error(path, `unknown service "${ref}" (resolved as ${id})${hint ? `; did you mean "${hint}"?` : ''}`);
    return undefined;
  }
  if (backend.namespace !== owner.namespace) {
    issues.error(path, `"${id}" is in another namespace: a split's backends live in the namespace of the split service (${owner.namespace})`);
    return undefined;
  }
  if (backend.id === owner.id) {
    issues.error(path, 'a version cannot be backed by its own service (give it labels instead)');
    return undefined;
  }
  if (backend.clientOnly) {
    issues.error(path, `"${id}" is client-only (no Service): it cannot take traffic`);
    return undefined;
  }
  if (backend.versions.length > 0) {
    issues.error(path, `"${id}" has versions of its own: splits do not nest`);
    return undefined;
  }
  const missing = owner.ports.filter(p => !backend.ports.some(q => q.port === p.port && q.protocol === p.protocol));
  if (missing.length > 0) {
    issues.error(path, `"${id}" must serve every port of ${owner.id} with the same protocol; missing ${missing.map(p => `${p.port}/${p.protocol}`).join(', ')}`);
    return undefined;
  }
  return id;
}

/** The backend's ports (by service port number) and routes (by name) matching a call to the split service. */
export function mapToBackend(
  issues: Issues,
  path: Path,
  ports: readonly ResolvedPort[],
  routes: readonly ResolvedRoute[],
  backend: ServiceDraft,
  who: string,
): { ports: ResolvedPort[]; routes: ResolvedRoute[] } | undefined {
  const mappedPorts = ports.map(p => backend.ports.find(q => q.port === p.port)).filter((p): p is ResolvedPort => p !== undefined);
  const mappedRoutes: ResolvedRoute[] = [];
  for (const route of routes) {
    const same = backend.routes.find(r => r.name === route.name);
    if (!same) {
      issues.error(path, `${who} limited to route "${route.name}", which backend ${backend.id} does not declare (a backend serves the routes its split service's callers use)`);
      return undefined;
    }
    mappedRoutes.push(same);
  }
  return mappedPorts.length > 0 ? { ports: [...new Set(mappedPorts)], routes: mappedRoutes } : undefined;
}


/** Everything the calls pass binds, by service id (and version name). */
export interface BoundCalls {
  readonly callsById: Map<string, ResolvedCall[]>;
  readonly peerCallsById: Map<string, ResolvedPeerCall[]>;
  /** Version calls, by service id and version name. */
  readonly versionCalls: Map<string, Map<string, ResolvedCall[]>>;
  readonly versionPeerCalls: Map<string, Map<string, ResolvedPeerCall[]>>;
  readonly callersById: Map<string, ResolvedCaller[]>;
  /** Backing service id of each backed version, by service id and version name. */
  readonly backends: Map<string, Map<string, string>>;
}

/**
 * The calls pass: each service's and version's calls bound to their targets (services,
 * peers, hosts, CIDRs), each service's callers, and each version's backing service.
 */
export function bindCalls(issues: Issues, byId: Map<string, ServiceDraft>, peers: ReadonlyMap<string, ResolvedPeer>): BoundCalls {
  const bound: BoundCalls = {
    callsById: new Map(), peerCallsById: new Map(), versionCalls: new Map(), versionPeerCalls: new Map(), callersById: new Map(), backends: new Map(),
  };
  const callList = (specs: CallSpec[] | undefined, path: Path, draft: ServiceDraft) => resolveCallList(issues, specs, path, draft, byId, peers);
  for (const draft of byId.values()) {
    const [calls, peerCalls] = callList(draft.spec.calls, ['services', draft.index, 'calls'], draft);
    bound.callsById.set(draft.id, calls);
    bound.peerCallsById.set(draft.id, peerCalls);
    bound.callersById.set(draft.id, resolveCallers(issues, draft, peers, byId));
    const own = new Map<string, ResolvedCall[]>();
    const ownPeers = new Map<string, ResolvedPeerCall[]>();
    const backed = new Map<string, string>();
    for (const version of draft.versions) {
      const path: Path = ['services', draft.index, 'versions', version.index];
      if (version.spec.calls !== undefined) {
        const [vCalls, vPeerCalls] = callList(version.spec.calls, [...path, 'calls'], draft);
        own.set(version.name, vCalls);
        ownPeers.set(version.name, vPeerCalls);
      }
      if (version.spec.service !== undefined) {
        const backendId = bindBackend(issues, [...path, 'service'], version.spec.service, draft, byId);
        if (backendId) {
          backed.set(version.name, backendId);
        }
      }
    }
    bound.versionCalls.set(draft.id, own);
    bound.versionPeerCalls.set(draft.id, ownPeers);
    bound.backends.set(draft.id, backed);
  }
  return bound;
}

/** A call list resolved, without duplicates, in canonical order: [other calls, peer calls]. */
function resolveCallList(
  issues: Issues, specs: CallSpec[] | undefined, path: Path, draft: ServiceDraft,
  byId: Map<string, ServiceDraft>, peers: ReadonlyMap<string, ResolvedPeer>,
): [ResolvedCall[], ResolvedPeerCall[]] {
  const unique = new Map<string, ResolvedCall>();
  const uniquePeers = new Map<string, ResolvedPeerCall>();
  (specs ?? []).forEach((call, c) => {
    const resolved = resolveCall(issues, [...path, c], call, draft, byId, peers);
    if (resolved?.kind === 'peer') {
      uniquePeers.set(peerCallKey(resolved), resolved);
    } else if (resolved) {
      unique.set(callKey(resolved), resolved);
    }
  });
  return [
    [...unique.entries()].sort(([x], [y]) => compareStrings(x, y)).map(([, call]) => call),
    [...uniquePeers.entries()].sort(([x], [y]) => compareStrings(x, y)).map(([, call]) => call),
  ];
}

/**
 * The split pass: callers of a split service also call the services that back its
 * versions (meshed peers too: their proxy picks the version).
 */
export function deriveSplitCalls(issues: Issues, byId: Map<string, ServiceDraft>, bound: BoundCalls): void {
  for (const draft of byId.values()) {
    for (const [versionName, backendId] of bound.backends.get(draft.id) ?? []) {
      const backend = byId.get(backendId)!;
      const path: Path = ['services', draft.index, 'versions', draft.versions.find(v => v.name === versionName)!.index, 'service'];
      const mapCall = (callerId: string) => (call: ResolvedServiceCall): ResolvedServiceCall | undefined => {
        const mapped = mapToBackend(issues, path, call.ports, call.routes, backend, `${callerId} calls ${draft.id}`);
        return mapped && { kind: 'service', targetId: backendId, ports: mapped.ports, routes: mapped.routes, via: draft.id };
      };
      const derive = (callerId: string, calls: ResolvedCall[]) => dedupeCalls([
        ...calls.filter((c): c is ResolvedServiceCall => c.kind === 'service' && c.targetId === draft.id && c.via === undefined)
          .map(mapCall(callerId)).filter((c): c is ResolvedServiceCall => c !== undefined),
        ...calls,
      ]);
      for (const [callerId, calls] of bound.callsById) {
        bound.callsById.set(callerId, derive(callerId, calls));
      }
      for (const [callerId, byVersion] of bound.versionCalls) {
        for (const [name, calls] of byVersion) {
          byVersion.set(name, derive(`${callerId}@${name}`, calls));
        }
      }
      // Only meshed clients go through the split (an unmeshed peer's connection reaches the
      // split service's pods directly: no proxy on its side picks a version).
      const extra = (bound.callersById.get(draft.id) ?? []).filter(caller => caller.peer.meshed).map((caller): ResolvedCaller | undefined => {
        const mapped = mapToBackend(issues, path, caller.ports, caller.routes, backend, `peer ${caller.peer.name} calls ${draft.id}`);
        return mapped && { peer: caller.peer, ports: mapped.ports, routes: mapped.routes, source: 'split' };
      }).filter((c): c is ResolvedCaller => c !== undefined);
      bound.callersById.set(backendId, [...(bound.callersById.get(backendId) ?? []), ...extra]);
    }
  }
}
