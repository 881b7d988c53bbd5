import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { LinkerdBindings, linkerdBindings } from './bindings';
import { NameRegistry, versionServiceName } from './names';
import { formatDropped, linkerdDuration, planRetries, RouteObjectStyle, timeoutAnnotations } from './retries';
import { outboundStyle, routesOn } from './server-decisions';
import * as gw from '../../../imports/gateway.networking.k8s.io';
import { constructId, l4Protocol, PhaseCapabilityError, serviceLabels } from '../../emit/common';
import { ServiceCatalog } from '../../model/catalog';
import { compareStrings } from '../../model/compare';
import { LinkerdGrpcMatch, LinkerdHttpMatch, grpcMatchOf, httpMatchOf, mayShadowGrpc, mayShadowHttp } from '../../model/linkerd-routes';
import { NOTE_ANNOTATION, PORT_LABEL, RETRY_DROPPED_ANNOTATION, ROUTE_LABEL, TIMEOUT_REQUEST_ANNOTATION, VERSION_LABEL } from '../../model/mesh-facts/linkerd';
import { supports } from '../../model/releases';
import { ResolvedPort, ResolvedRoute, ResolvedService, ResolvedVersion } from '../../model/resolved';
import { checkRequestRouting } from '../request-routing';

/** Properties of `LinkerdTraffic`. */
export interface LinkerdTrafficProps {
  /** The validated service catalog. */
  readonly catalog: ServiceCatalog;
  /**
   * Refuse routes whose retry conditions Linkerd cannot express instead of recording them.
   * @default false
   */
  readonly strictRetries?: boolean;
}

/**
 * Client-side traffic policy, as Gateway API routes whose parent is the apex Service
 * (Linkerd's outbound policy; the proxies of the callers apply it):
 * - canaries: per version a Service `<name>-<version>` (service selector plus the
 *   version's labels, same ports; a version backed by another catalog Service uses that
 *   Service), and on every HTTP/gRPC port routes whose `backendRefs` carry the versions'
 *   weights;
 * - header routes: per header-routed version a twin `...-<version>-outbound` of every
 *   route object of the port, matching the version's headers too (exact), whose only
 *   backend is the version; more header matches win at equal path and method, so those
 *   requests reach the version on every route. The version's timeout is the twin's
 *   `timeout.linkerd.io/request` (and, on HTTPRoutes, the rule's `timeouts.request`);
 * - per catalog route a route object matching its method and path (HTTPRoute) or gRPC
 *   service and method (GRPCRoute), annotated with `timeout.linkerd.io/request` and,
 *   for idempotent routes only, `retry.linkerd.io/*`. Retries live only on route
 *   objects, never on the Service: a Service annotation would apply to every route,
 *   non-idempotent ones included.
 *
 * Once any route is attached to a Service port, Linkerd routes only what the routes match
 * (anything else is a 404), so a port with route objects always gets a catch-all route
 * too, and every catalog route of the port gets its own object, so Gateway API
 * precedence (longest path, then method) keeps each request on its own route's policy.
 */
export class LinkerdTraffic extends Construct {
  /** Retry conditions dropped and canary limits, one line each. */
  public readonly warnings: string[] = [];
  /** What the catalog chose to leave out here (header-scoped faults, `l7Fallback: skip`). */
  public readonly notes: string[] = [];
  private readonly objects = new Map<string, ApiObject>();
  private readonly kinds: LinkerdBindings;
  /** The Gateway API installed has HTTPRoute `timeouts` (Linkerd 2.16/2.17's v0.7.1 has not). */
  private readonly routeTimeouts: boolean;

  public constructor(scope: Construct, id: string, props: LinkerdTrafficProps) {
    super(scope, id);
    this.kinds = linkerdBindings(props.catalog._resolved.platform);
    this.routeTimeouts = supports(props.catalog._resolved.platform, 'gatewayHttpRouteTimeouts');
    const model = props.catalog._resolved;
    const names = NameRegistry.of(this);
    const serviceNames = new Set(model.services.map(s => `${s.namespace}/${s.name}`));
    // Header routes are expressed below; header-scoped faults (a deliberate test of some
    // requests) are refused or, with `l7Fallback: skip`, left out and noted.
    this.notes.push(...checkRequestRouting(model, { phase: 'linkerd', reason: 'Linkerd has no fault injection', headerRoutes: true, faults: false }));

    for (const service of model.services.filter(s => !s.clientOnly)) {
      const ns = service.namespace;
      for (const version of service.versions.filter(v => v.backend === undefined)) {
        const name = versionServiceName(service, version.name);
        if (serviceNames.has(`${ns}/${name}`)) {
          throw new PhaseCapabilityError(`${service.id}: the Service of canary version "${version.name}" would be named ${name}, which is also a catalog service in ${ns}; rename the version or the service`);
        }
        this.add(new k8s.KubeService(this, constructId(ns, 'service', name), {
          metadata: {
            name: names.claim('Service', ns, name, service.id),
            namespace: ns,
            labels: { ...serviceLabels(service), [VERSION_LABEL]: version.name },
          },
          spec: {
            selector: { ...service.selector, ...version.labels },
            ports: service.ports.map(p => ({
              ...(p.name !== undefined ? { name: p.name } : {}),
              port: p.port,
              targetPort: k8s.IntOrString.fromNumber(p.targetPort),
              protocol: l4Protocol(p.protocol),
            })),
          },
        }));
      }
      if (service.versions.length > 0) {
        const unsplit = service.ports.filter(p => outboundStyle(service, p) === 'none');
        if (unsplit.length > 0) {
          const backends = service.versions.filter(v => v.backend !== undefined).map(v => v.backend!);
          const headerRouted = service.versions.some(v => Object.keys(v.headers).length > 0);
          this.warnings.push(`${service.id}: canary weights${headerRouted ? ' and header routes' : ''} apply to HTTP and gRPC ports only; on ${unsplit.map(p => `${p.ref} (${p.protocol})`).join(', ')} traffic spreads over every version's pods${backends.length > 0 ? ` (${backends.length === 1 ? `the backend ${backends[0]} gets` : `the backends ${backends.join(', ')} get`} none of it)` : ''} (Linkerd splits opaque and UDP traffic by no route)`);
        }
      }
      for (const route of service.routes.filter(r => r.fault)) {
        if (Object.keys(route.fault!.headers).length > 0) {
          continue; // checked above
        }
        this.warnings.push(`${service.id} route ${route.name}: fault injection is not emitted (the linkerd phase has no fault injection; use the istio phase to test with faults)`);
      }
      if (Object.keys(service.trafficPolicy).length > 0) {
        this.warnings.push(`${service.id}: trafficPolicy is not emitted (Linkerd has no connection pools; its failure accrual is configured with balancer.linkerd.io/* annotations on your Service)`);
      }
      for (const port of service.ports) {
        const style = outboundStyle(service, port);
        if (style !== 'none') {
          this.emitPort(names, service, port, style, props.strictRetries ?? false);
        }
      }
    }
  }

  /**
   * An emitted object, as an escape hatch.
   * @param kind `Service`, `HTTPRoute` or `GRPCRoute`
   * @param namespace its namespace
   * @param name its name
   */
  public object(kind: string, namespace: string, name: string): ApiObject | undefined {
    return this.objects.get(`${kind}/${namespace}/${name}`);
  }

  private add(obj: ApiObject): void {
    this.objects.set(`${obj.kind}/${obj.metadata.namespace}/${obj.name}`, obj);
  }

  private emitPort(names: NameRegistry, service: ResolvedService, port: ResolvedPort, style: RouteObjectStyle, strict: boolean): void {
    const routes = routesOn(service, [port]);
    const outbound = this.outboundSettings(service, routes, style, strict);
    const needed = service.versions.length > 0 || outbound.some(p => Object.keys(p.annotations).length > 0);
    if (!needed) {
      return;
    }
    const retried = outbound.filter(p => Object.keys(p.retry.annotations).length > 0).map(p => p.route);
    assertNoRetryShadowing(service, port, style, retried, routes.filter(r => !r.idempotent));

    const ns = service.namespace;
    const parentRefs = [{ group: 'core', kind: 'Service', name: service.name, port: port.port }];
    // A version backed by another Service sends its share there (same port number).
    const backendOf = (v: ResolvedVersion) => (v.backend !== undefined ? v.backend.split('/')[1] : versionServiceName(service, v.name));
    const backendRefs = service.versions.length > 0
      ? service.versions.map(v => ({ name: backendOf(v), port: port.port, weight: v.weight }))
      : [{ name: service.name, port: port.port }];
    const base = `${service.name}-${port.ref}`;
    const labels = { ...serviceLabels(service), [PORT_LABEL]: port.ref };
    const owner = `${service.id} port ${port.ref}`;

    const objects: RouteObject[] = [{
      name: `${base}-outbound`,
      owner: `${owner} (catch-all)`,
      labels,
      annotations: { [NOTE_ANNOTATION]: 'catch-all: requests outside the catalog routes keep working once routes are attached' },
      backendRefs,
    }];
    for (const setting of outbound) {
      const annotations: Record<string, string> = { ...setting.annotations };
      if (setting.retry.dropped.length > 0) {
        annotations[RETRY_DROPPED_ANNOTATION] = formatDropped(setting.retry.dropped);
      }
      objects.push({
        name: `${base}-${setting.route.name}-outbound`,
        owner: `${owner} route ${setting.route.name}`,
        labels: { ...labels, [ROUTE_LABEL]: setting.route.name },
        annotations,
        match: setting.route,
        backendRefs,
      });
    }
    const twins = headerTwins(service, port, objects, backendOf);
    const target: PortTarget = { namespace: ns, style, parentRefs };
    [...objects, ...twins].forEach(o => this.emitRouteObject(names, target, o));
  }

  /** Each route's retry and timeout annotations; conditions Linkerd cannot express warn, or refuse under strictRetries. */
  private outboundSettings(service: ResolvedService, routes: readonly ResolvedRoute[], style: RouteObjectStyle, strict: boolean) {
    return routes.map(route => {
      const retry = planRetries(route, style);
      // Default conditions mean "what this mesh retries safely": only a condition the
      // catalog listed and Linkerd cannot express is worth a warning (or a refusal).
      if (retry.dropped.length > 0 && route.retries!.conditionsDeclared) {
        const message = `${service.id} route ${route.name}: retry conditions Linkerd cannot express: ${formatDropped(retry.dropped)}`;
        if (strict) {
          throw new PhaseCapabilityError(`${message}. Remove them from the route's retries.on, or drop strictRetries to emit the rest.`);
        }
        this.warnings.push(message);
      }
      return { route, retry, annotations: { ...timeoutAnnotations(route), ...retry.annotations } };
    });
  }

  /** An HTTPRoute or GRPCRoute for one route object, its name claimed in the chart. */
  private emitRouteObject(names: NameRegistry, target: PortTarget, o: RouteObject): void {
    const metadata = {
      name: o.name,
      namespace: target.namespace,
      labels: o.labels,
      ...(Object.keys(o.annotations).length > 0 ? { annotations: o.annotations } : {}),
    };
    const headers = Object.entries(o.headers ?? {}).sort(([a], [b]) => compareStrings(a, b));
    if (target.style === 'grpc') {
      names.claim('GRPCRoute', target.namespace, o.name, o.owner);
      const grpcHeaders = headers.map(([name, value]) => ({ type: gw.GrpcRouteSpecRulesMatchesHeadersType.EXACT, name, value }));
      const matches = o.match || headers.length > 0
        ? [{ ...(o.match ? grpcMatch(grpcMatchOf(o.match)) : {}), ...(headers.length > 0 ? { headers: grpcHeaders } : {}) }]
        : undefined;
      this.add(new this.kinds.GrpcRoute(this, constructId(target.namespace, 'grpcroute', o.name), {
        metadata,
        spec: { parentRefs: target.parentRefs, rules: [{ ...(matches ? { matches } : {}), backendRefs: o.backendRefs }] },
      }));
    } else {
      names.claim('HTTPRoute', target.namespace, o.name, o.owner);
      const httpHeaders = headers.map(([name, value]) => ({ type: gw.HttpRouteSpecRulesMatchesHeadersType.EXACT, name, value }));
      this.add(new this.kinds.HttpRoute(this, constructId(target.namespace, 'httproute', o.name), {
        metadata,
        spec: {
          parentRefs: target.parentRefs,
          rules: [{
            matches: [{
              ...(o.match ? httpMatch(httpMatchOf(o.match)) : { path: { type: gw.HttpRouteSpecRulesMatchesPathType.PATH_PREFIX, value: '/' } }),
              ...(headers.length > 0 ? { headers: httpHeaders } : {}),
            }],
            backendRefs: o.backendRefs,
            // The Gateway API field where the installed Gateway API has it; Linkerd reads
            // the annotation (linkerd2#14713), which the route carries on every release.
            ...(o.timeoutMs !== undefined && this.routeTimeouts ? { timeouts: { request: linkerdDuration(o.timeoutMs) } } : {}),
          }],
        },
      }));
    }
  }
}


/** One outbound route object of a service port: the catch-all, a route's, or a version's header twin. */
interface RouteObject {
  readonly name: string;
  readonly owner: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly match?: ResolvedRoute;
  readonly headers?: Record<string, string>;
  readonly backendRefs: Array<{ name: string; port: number; weight?: number }>;
  readonly timeoutMs?: number;
}

/** Where a port's route objects attach. */
interface PortTarget {
  readonly namespace: string;
  readonly style: RouteObjectStyle;
  readonly parentRefs: Array<{ group: string; kind: string; name: string; port: number }>;
}

/**
 * Header routes: a twin of every route object that also matches the version's
 * headers. More header matches win Gateway API precedence at equal path and method,
 * so requests with the headers reach the version on every route, keeping the route's
 * retries; the version's timeout replaces the route's (an annotation: Linkerd ignores
 * rule timeouts on gateway.networking.k8s.io routes).
 */
function headerTwins(
  service: ResolvedService, port: ResolvedPort, objects: readonly RouteObject[], backendOf: (v: ResolvedVersion) => string,
): RouteObject[] {
  const twins: RouteObject[] = [];
  for (const version of service.versions.filter(v => Object.keys(v.headers).length > 0)) {
    for (const o of objects) {
      const annotations: Record<string, string> = o.match
        ? { ...o.annotations }
        : { [NOTE_ANNOTATION]: `header route: requests with ${formatHeaders(version.headers)} go to version ${version.name}` };
      if (version.timeoutMs !== undefined) {
        annotations[TIMEOUT_REQUEST_ANNOTATION] = linkerdDuration(version.timeoutMs);
      }
      twins.push({
        name: o.name.replace(/-outbound$/, `-${version.name}-outbound`),
        owner: `${o.owner} version ${version.name}`,
        labels: { ...o.labels, [VERSION_LABEL]: version.name },
        annotations,
        match: o.match,
        headers: version.headers,
        backendRefs: [{ name: backendOf(version), port: port.port }],
        timeoutMs: version.timeoutMs,
      });
    }
  }
  return twins;
}

/** `x-canary=v2, x-user=test`: headers for messages. */
function formatHeaders(headers: Record<string, string>): string {
  return Object.entries(headers).sort(([a], [b]) => compareStrings(a, b)).map(([k, v]) => `${k}=${v}`).join(', ');
}

function httpMatch(m: LinkerdHttpMatch): gw.HttpRouteSpecRulesMatches {
  return {
    ...(m.method ? { method: m.method as unknown as gw.HttpRouteSpecRulesMatchesMethod } : {}),
    ...(m.path ? { path: { type: m.path.type as gw.HttpRouteSpecRulesMatchesPathType, value: m.path.value } } : {}),
  };
}

function grpcMatch(m: LinkerdGrpcMatch): gw.GrpcRouteSpecRulesMatches {
  const method = { type: gw.GrpcRouteSpecRulesMatchesMethodType.EXACT, service: m.service, ...(m.method !== undefined ? { method: m.method } : {}) };
  return { method };
}

/**
 * Refuses a port where a retried route could capture requests of a non-idempotent route
 * (equal or better precedence): those requests would be retried.
 */
function assertNoRetryShadowing(
  service: ResolvedService,
  port: ResolvedPort,
  style: RouteObjectStyle,
  retried: ResolvedRoute[],
  nonIdempotent: ResolvedRoute[],
): void {
  const problems: string[] = [];
  for (const q of [...retried].sort((a, b) => compareStrings(a.name, b.name))) {
    for (const n of nonIdempotent) {
      const shadows = style === 'grpc'
        ? mayShadowGrpc(grpcMatchOf(q), grpcMatchOf(n))
        : mayShadowHttp(httpMatchOf(q), httpMatchOf(n));
      if (shadows) {
        problems.push(`route "${q.name}" (retried) can match requests of the non-idempotent route "${n.name}" with equal or higher precedence`);
      }
    }
  }
  if (problems.length > 0) {
    throw new PhaseCapabilityError(`${service.id} port ${port.ref}: ${problems.join('; ')}. Linkerd would retry those requests. Make the matches disjoint (e.g. give the retried route a method or a longer path), or remove its retries.`);
  }
}
