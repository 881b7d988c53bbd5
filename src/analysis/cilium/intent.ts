/**
 * The declared intent as the cilium phase means it (host calls by DNS name, the whole
 * world reaching every DNS name, the ingress controller's callers from outside the
 * cluster under `cilium.ingressFromWorld`).
 */
import { entityMatches } from './match';
import { CidrBlock, parseCidr } from '../../model/cidr';
import { ResolvedCatalog, ResolvedPeer } from '../../model/resolved';
import { Endpoint, Universe, transportOf } from '../endpoints';
import { flowComparator, flowKey } from '../flows';
import { DeclaredFlow, declaredIntent, Intent } from '../intent';
import { ReachabilityOptions } from '../reachability';

/** A world peer that is the whole address space: what the `world` entity stands for. */
function isWholeWorld(peer: ResolvedPeer): boolean {
  const blocks = peer.cidrs.map(c => parseCidr(c)).filter((b): b is CidrBlock => b !== undefined);
  return peer.kind === 'world' && [4, 6].every(family => blocks.some(b => b.family === family && b.prefix === 0));
}

/**
 * Sources the ingress controller's caller entries stand for under
 * `cilium.ingressFromWorld` (everything the `world` entity covers), or undefined when the
 * ingress controller itself calls. For `RequestDeclarationOptions.exposedFrom`.
 */
export function ciliumExposedFrom(catalog: ResolvedCatalog): ((endpoint: Endpoint) => boolean) | undefined {
  return catalog.cilium.ingressFromWorld ? (e: Endpoint) => e.kind === 'ip' && entityMatches('world', e) : undefined;
}

/**
 * The declared intent as the cilium phase means it: host calls by DNS name; calls to the
 * whole world reach every DNS name too (the `world` entity covers their addresses); and
 * with `cilium.ingressFromWorld` the ingress controller's caller entries (`exposed`,
 * limited exposure) are reached from outside the cluster (every address the `world` entity
 * covers: not the API server) instead of from the ingress controller.
 */
export function ciliumIntent(catalog: ResolvedCatalog, universe: Universe, options: ReachabilityOptions = {}): Intent {
  const fromOutside = ciliumExposedFrom(catalog);
  const intent = declaredIntent(catalog, universe, {
    ...options,
    hostCalls: 'fqdn',
    ...(fromOutside ? { ingressSources: universe.endpoints.filter(fromOutside) } : {}),
  });
  const byKey = new Map<string, DeclaredFlow>(intent.declared.map(f => [flowKey(f), f]));
  const add = (flow: DeclaredFlow) => {
    const existing = byKey.get(flowKey(flow));
    if (!existing) {
      byKey.set(flowKey(flow), flow);
      return;
    }
    // Any request on either side: any request together.
    const { routes: _routes, ...rest } = existing;
    const routes = existing.routes && flow.routes ? [...new Set([...existing.routes, ...flow.routes])].sort() : undefined;
    byKey.set(flowKey(flow), { ...rest, reasons: [...new Set([...existing.reasons, ...flow.reasons])].sort(), ...(routes ? { routes } : {}) });
  };
  const names = universe.endpoints.filter(e => e.kind === 'fqdn');
  for (const service of catalog.services) {
    const pods = universe.workloadEndpoints(service.id);
    const sources = [
      { from: pods, calls: service.peerCalls },
      ...service.versions.map(v => ({ from: pods.filter(e => e.workload?.version === v.name), calls: v.peerCalls })),
    ];
    for (const { from, calls } of sources) {
      for (const call of calls.filter(c => isWholeWorld(c.peer))) {
        for (const source of from) {
          for (const name of names) {
            for (const port of call.ports) {
              add({ from: source.id, to: name.id, port: port.port, protocol: transportOf(port.protocol), reasons: [`peer ${service.id} -> ${call.peer.name}`] });
            }
          }
        }
      }
    }
  }
  const declared = [...byKey.values()].sort(flowComparator(universe.order));
  const tolerated = intent.tolerated.filter(f => !byKey.has(flowKey(f)));
  return { declared, tolerated };
}

