/**
 * Catalog rules on exposure and peers (all warnings, suppressible per service except
 * `unused-peer`):
 * - `exposed-without-route-restriction`: the ingress controller may send any request to an
 *   HTTP port although the phase could limit it to routes;
 * - `exposed-all-ports`: `exposed: true` on a service with several ports (metrics, admin);
 * - `world-caller`: the whole world (not a partner range) may call a service directly;
 * - `metrics-port-exposed`: a metrics port is open to the ingress controller or the world;
 * - `unused-peer`: a declared peer nobody calls or is called by.
 */
import { CatalogLintRule } from './rule';
import { ResolvedCaller, ResolvedPeer, ResolvedPort, ResolvedService } from '../../model/resolved';
import { isL7Port } from '../../model/routes';

function describePort(port: ResolvedPort): string {
  return port.name ? `${port.name} (${port.port})` : String(port.port);
}

/** The ingress controller's caller entries (`exposed: true` or `callers`), split ones left out (their split service has them). */
function ingressCallers(service: ResolvedService): ResolvedCaller[] {
  return service.callers.filter(c => c.peer.name === 'ingress-controller' && c.source !== 'split');
}

/** A world peer that covers every address (0.0.0.0/0 or ::/0), not a partner range. */
function isWholeWorld(peer: ResolvedPeer): boolean {
  return peer.kind === 'world' && peer.cidrs.some(c => c === '0.0.0.0/0' || c === '::/0');
}

export const exposedWithoutRoutes: CatalogLintRule = {
  id: 'exposed-without-route-restriction',
  severity: 'warning',
  description: 'the ingress controller may send any request to an HTTP port in a phase that could limit it to declared routes',
  check(ctx) {
    if (ctx.phase === 'baseline') {
      return [];
    }
    return ctx.catalog.services.filter(s => !s.clientOnly).flatMap(s => ingressCallers(s)
      .filter(c => c.routes.length === 0 && c.ports.some(isL7Port))
      .map(c => {
        const l7 = c.ports.filter(isL7Port);
        const served = s.routes.filter(r => r.ports.some(p => l7.includes(p))).map(r => r.name);
        const how = c.source === 'exposed' ? 'exposed: true' : 'its callers entry';
        return {
          rule: this.id,
          severity: this.severity,
          subject: `service ${s.id}`,
          service: s.id,
          message: served.length === 0
            ? `exposed to the ingress with no routes: the ${ctx.phase} phase could limit outside traffic to declared methods and paths, but lets every request through`
            : `${how} lets the ingress controller send any request to ${l7.map(describePort).join(', ')}, although the service declares routes (${served.join(', ')}) the ${ctx.phase} phase could limit it to`,
          fix: served.length === 0
            ? 'declare the routes the outside may call (routes: [{ name, http: { method, path } }]) and list them: callers: [{ peer: ingress-controller, routes: [...] }]'
            : `limit the ingress to the routes the outside needs: callers: [{ peer: ingress-controller, routes: [${served.join(', ')}] }]${c.source === 'exposed' ? ' instead of exposed: true' : ''}`,
        };
      }));
  },
};

export const exposedAllPorts: CatalogLintRule = {
  id: 'exposed-all-ports',
  severity: 'warning',
  description: 'exposed: true opens every port of a service with several ports (metrics and admin ports included) to the ingress controller',
  check(ctx) {
    return ctx.catalog.services.filter(s => !s.clientOnly && s.ports.length > 1 && s.callers.some(c => c.source === 'exposed')).map(s => {
      const metrics = s.ports.filter(p => p.metrics);
      const outward = s.ports.filter(p => !p.metrics);
      const suggested = outward.filter(isL7Port).length > 0 ? outward.filter(isL7Port) : outward.slice(0, 1);
      return {
        rule: this.id,
        severity: this.severity,
        subject: `service ${s.id}`,
        service: s.id,
        message: `exposed: true lets the ingress controller call every port: ${s.ports.map(describePort).join(', ')}`
          + (metrics.length > 0 ? ` (the metrics port${metrics.length > 1 ? 's' : ''} ${metrics.map(describePort).join(', ')} included)` : ''),
        fix: `replace exposed: true by the ports (or routes) the outside needs: callers: [{ peer: ingress-controller, ports: [${suggested.map(p => p.ref).join(', ')}] }]`,
      };
    });
  },
};

export const worldCaller: CatalogLintRule = {
  id: 'world-caller',
  severity: 'warning',
  description: 'a service is callable from every address outside the cluster, not through the ingress controller',
  check(ctx) {
    return ctx.catalog.services.flatMap(s => s.callers.filter(c => c.source !== 'split' && isWholeWorld(c.peer)).map(c => ({
      rule: this.id,
      severity: this.severity,
      subject: `service ${s.id} caller ${c.peer.name}`,
      service: s.id,
      message: `peer ${c.peer.name} (${c.peer.cidrs.join(', ')}) may call ${c.ports.map(describePort).join(', ')}${c.routes.length > 0 ? ` (routes ${c.routes.map(r => r.name).join(', ')})` : ''} `
        + 'straight from outside the cluster: no ingress controller terminates, authenticates or rate-limits that traffic, and no mesh identity exists for it',
      fix: 'route outside traffic through the ingress controller (callers: [{ peer: ingress-controller, ports/routes }]); '
        + 'if a partner calls directly, declare its ranges (peers: [{ name: partner, world: true, cidrs: [...] }]) and name that peer instead',
    })));
  },
};

export const unusedPeer: CatalogLintRule = {
  id: 'unused-peer',
  severity: 'warning',
  description: 'a declared peer that no service calls and that calls no service',
  check(ctx) {
    const used = new Set<string>();
    for (const s of ctx.catalog.services) {
      s.callers.forEach(c => used.add(c.peer.name));
      s.peerCalls.forEach(c => used.add(c.peer.name));
      s.versions.forEach(v => v.peerCalls.forEach(c => used.add(c.peer.name)));
    }
    return ctx.catalog.peers.filter(p => !p.builtIn && !used.has(p.name)).map(p => ({
      rule: this.id,
      severity: this.severity,
      subject: `peer ${p.name}`,
      message: `declared in peers but no service lists it in callers or calls: it has no effect${p.name === 'monitoring' ? ' (no port is marked metrics: true)' : ''}`,
      fix: p.name === 'monitoring'
        ? 'mark the ports Prometheus scrapes with metrics: true, or remove the peer'
        : `name it where it is meant to apply (callers: [{ peer: ${p.name} }] or calls: [{ peer: ${p.name}, port }]), or remove it`,
    }));
  },
};

export const metricsPortExposed: CatalogLintRule = {
  id: 'metrics-port-exposed',
  severity: 'warning',
  description: 'a metrics port is also open to the ingress controller or to the world',
  check(ctx) {
    return ctx.catalog.services.flatMap(s => s.ports.filter(p => p.metrics).flatMap(port => {
      const outside = s.callers.filter(c => c.source !== 'split' && (c.peer.name === 'ingress-controller' || c.peer.kind === 'world') && c.ports.includes(port));
      if (outside.length === 0) {
        return [];
      }
      const names = [...new Set(outside.map(c => c.peer.name))].sort();
      return [{
        rule: this.id,
        severity: this.severity,
        subject: `service ${s.id} port ${port.ref}`,
        service: s.id,
        message: `metrics port ${describePort(port)} is open to ${names.join(' and ')}${outside.some(c => c.source === 'exposed') ? ' (exposed: true opens every port)' : ''}: `
          + 'metrics reveal internals (versions, paths, load) to outside callers',
        fix: `leave ${port.ref} to the monitoring peer: limit ${names.join(' and ')} to the other ports (callers: [{ peer: ${names[0]}, ports: [...] }])${outside.some(c => c.source === 'exposed') ? ' instead of exposed: true' : ''}`,
      }];
    }));
  },
};
