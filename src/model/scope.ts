/**
 * Part of a catalog, for a migration that moves some namespaces while the rest stays:
 * the services of the namespaces in scope, with every service outside the scope they
 * call or are called by turned into a peer (its namespace, pod labels and service
 * account, unmeshed). A phase synthesized from the part then admits the services across
 * the boundary the way it admits any unmeshed pod peer (by network, on the ports they
 * call, plaintext accepted there), because across the boundary the other side runs
 * another phase.
 */
import { labelsMatch, peerCoversNamespace } from './peers';
import { ResolvedCall, ResolvedCatalog, ResolvedService, ResolvedServiceCall } from './resolved';
import { CallerSpec, CallSpec, CatalogSpec, PeerSpec, PortProtocol, ServiceSpec, VersionSpec } from './types';

/** A plan's namespace scope names no catalog namespace with services (the CLI exits 2). */
export class PlanScopeError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'PlanScopeError';
  }
}

/**
 * What a scope cannot split, one line each: a pod peer a service uses that also covers
 * pods of the catalog's namespaces on the other side of the scope (`cluster`, or labels the
 * catalog's workloads there carry: each part would admit only its own side's share of
 * it), and a canary version backed by a Service on the other side. Empty when the scope
 * can be planned.
 */
export function scopeBoundaryProblems(resolved: ResolvedCatalog, inScope: (namespace: string) => boolean): string[] {
  const problems: string[] = [];
  const namespaces = resolved.namespaces.filter(n => resolved.services.some(s => s.namespace === n.name));
  for (const service of resolved.services) {
    const side = inScope(service.namespace);
    const uses = [
      ...service.peerCalls.map(c => ({ peer: c.peer, how: 'calls' })),
      ...service.versions.flatMap(v => v.peerCalls.map(c => ({ peer: c.peer, how: `(version ${v.name}) calls` }))),
      ...service.callers.map(c => ({ peer: c.peer, how: 'is called by' })),
    ];
    for (const { peer, how } of uses) {
      // A peer without pod labels covers every pod there (the catalog's too); one with labels
      // only pods carrying them, which matters when catalog workloads do.
      const coversPodsThere = (ns: string) => Object.keys(peer.selector).length === 0
        || resolved.services.some(o => o.namespace === ns && labelsMatch(peer.selector, o.selector));
      const across = namespaces.filter(n => inScope(n.name) !== side && peerCoversNamespace(peer, n) && coversPodsThere(n.name)).map(n => n.name);
      if (across.length > 0) {
        problems.push(`${service.id} ${how} peer "${peer.name}", which also covers pods of ${across.join(', ')} across the scope: move those namespaces together`);
      }
    }
    for (const version of service.versions.filter(v => v.backend !== undefined)) {
      if (inScope(resolved.service(version.backend!).namespace) !== side) {
        problems.push(`${service.id} version ${version.name} is backed by ${version.backend}, across the scope: move both namespaces together`);
      }
    }
  }
  return [...new Set(problems)];
}

/** Name of the peer standing for a service outside the scope. */
export function boundaryPeerName(service: { readonly namespace: string; readonly name: string }): string {
  return `boundary-${service.namespace}-${service.name}`.slice(0, 63).replace(/-+$/, '');
}

function callTarget(call: CallSpec, callerNamespace: string): string | undefined {
  if (call.service === undefined) {
    return undefined;
  }
  return call.service.includes('/') ? call.service : `${callerNamespace}/${call.service}`;
}

/** Peer calls (pod ports, by transport) replacing a service call to `target`, outside the scope. */
function peerCalls(calls: readonly ResolvedServiceCall[], target: ResolvedService): CallSpec[] {
  const ports = [...new Set(calls.flatMap(c => c.ports))];
  const byTransport = new Map<PortProtocol, number[]>();
  for (const port of ports) {
    const transport = port.protocol === PortProtocol.UDP ? PortProtocol.UDP : PortProtocol.TCP;
    byTransport.set(transport, [...new Set([...(byTransport.get(transport) ?? []), port.targetPort])].sort((a, b) => a - b));
  }
  return [...byTransport.entries()].map(([protocol, numbers]) => ({
    peer: boundaryPeerName(target),
    ...(numbers.length === 1 ? { port: numbers[0] } : { ports: numbers }),
    ...(protocol === PortProtocol.UDP ? { protocol } : {}),
  }));
}

/**
 * The catalog part for the namespaces `inScope` accepts; the rest of the catalog appears
 * only as boundary peers. `resolved` is the whole catalog, resolved.
 */
export function scopeCatalogSpec(spec: CatalogSpec, resolved: ResolvedCatalog, inScope: (namespace: string) => boolean): CatalogSpec {
  const defaultNamespace = spec.namespace ?? 'default';
  const peers = new Map<string, PeerSpec>();
  const boundary = (service: ResolvedService): string => {
    const name = boundaryPeerName(service);
    peers.set(name, { name, namespace: service.namespace, selector: service.selector, serviceAccount: service.serviceAccount, meshed: false });
    return name;
  };

  const rewriteCalls = (
    calls: readonly CallSpec[] | undefined, caller: ResolvedService, resolvedCalls: readonly ResolvedCall[],
  ): CallSpec[] | undefined => {
    if (calls === undefined) {
      return undefined;
    }
    return calls.flatMap(call => {
      const target = callTarget(call, caller.namespace);
      if (target === undefined || inScope(resolved.service(target).namespace)) {
        return [call];
      }
      const callee = resolved.service(target);
      boundary(callee);
      const serviceCalls = resolvedCalls.filter((c): c is ResolvedServiceCall => c.kind === 'service');
      // Calls a canary split derives from this one go to the backends (on the callee's side, or refused by scopeBoundaryProblems).
      const backends = [...new Set(serviceCalls.filter(c => c.via === target).map(c => c.targetId))].map(id => resolved.service(id));
      return [
        ...peerCalls(serviceCalls.filter(c => c.targetId === target), callee),
        ...backends.flatMap(b => {
          boundary(b);
          return peerCalls(serviceCalls.filter(c => c.via === target && c.targetId === b.id), b);
        }),
      ];
    });
  };

  /** Callers outside the scope, as boundary peers limited to the ports (and routes) they call. */
  const boundaryCallers = (service: ResolvedService): CallerSpec[] => {
    const byCaller = new Map<string, ResolvedServiceCall[]>();
    for (const inbound of service.inbound) {
      if (!inScope(resolved.service(inbound.fromId).namespace)) {
        byCaller.set(inbound.fromId, [...(byCaller.get(inbound.fromId) ?? []), inbound.call]);
      }
    }
    return [...byCaller.entries()].map(([fromId, calls]) => {
      const ports = [...new Set(calls.flatMap(c => c.ports))];
      const anyRequest = calls.some(c => c.routes.length === 0);
      const routes = anyRequest ? [] : [...new Set(calls.flatMap(c => c.routes.map(r => r.name)))];
      return {
        peer: boundary(resolved.service(fromId)),
        ports: ports.map(p => p.name ?? p.port),
        ...(routes.length > 0 ? { routes } : {}),
      };
    });
  };

  const services: ServiceSpec[] = spec.services
    .filter(s => inScope(s.namespace ?? defaultNamespace))
    .map(s => {
      const model = resolved.service(`${s.namespace ?? defaultNamespace}/${s.name}`);
      const callers = [...(s.callers ?? []), ...boundaryCallers(model)];
      // A version's own calls resolve with that version (found by name; a version backed by another Service has none).
      const versions = s.versions?.map((v): VersionSpec => (v.calls
        ? { ...v, calls: rewriteCalls(v.calls, model, model.versions.find(r => r.name === v.name)?.calls ?? []) }
        : v));
      const calls = rewriteCalls(s.calls, model, model.calls);
      return {
        ...s,
        ...(calls !== undefined ? { calls } : {}),
        ...(callers.length > 0 ? { callers } : {}),
        ...(versions !== undefined ? { versions } : {}),
      };
    });
  return {
    ...spec,
    services,
    ...(spec.namespaces ? { namespaces: spec.namespaces.filter(n => inScope(n.name)) } : {}),
    peers: [...(spec.peers ?? []), ...[...peers.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))],
  };
}
