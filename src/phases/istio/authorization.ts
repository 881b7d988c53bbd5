import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { ALLOW_NOTHING_NAME, DRY_RUN_ANNOTATION, isProxied, perServiceName, principal, servicePrincipal } from './names';
import { authorizationPaths } from './paths';
import * as sec from '../../../imports/security.istio.io';
import { ServiceCatalog } from '../../model/catalog';
import { ResolvedCatalog, ResolvedPort, ResolvedRoute, ResolvedService } from '../../model/resolved';
import { routesOnPort } from '../../model/routes';
import { MeshMode } from '../../model/types';
import { constructId, MANAGED_BY_LABELS, serviceLabels } from '../common';

/** Properties of `IstioAuthorizationPolicies`. */
export interface IstioAuthorizationPoliciesProps {
  /** The validated service catalog. */
  readonly catalog: ServiceCatalog;
  /**
   * ENFORCED: policies enforced; PERMISSIVE: every policy carries `istio.io/dry-run`, so
   * Istio evaluates and logs it without enforcing (authorization audited while plaintext
   * clients still exist).
   * @default - the catalog's `istio.mode`
   */
  readonly mode?: MeshMode;
}

/** A route the analysis and docs can name: a path Istio can only approximate. */
export interface ApproximatedPath {
  /** `namespace/name` of the service. */
  readonly serviceId: string;
  readonly route: string;
  readonly regex: string;
  /** The broader authorization paths emitted instead. */
  readonly paths: string[];
}

/**
 * Istio authorization, deny by default:
 * - per owned namespace, `allow-nothing`: an ALLOW policy without rules, so every
 *   workload there refuses what no other ALLOW policy admits;
 * - per service, an ALLOW policy selecting its pods, with one rule per distinct grant:
 *   the callers' identities (`<trustDomain>/ns/<ns>/sa/<sa>`) on the called pod ports,
 *   and for route-limited calls only those routes (methods and paths; gRPC paths
 *   `/<package.Service>/<Method>`); `exposed` services admit the ingress controller's
 *   identity on every port.
 *
 * Identities exist only over mTLS: plaintext clients match no rule. UDP is not proxied
 * and left to the L4 layer. Path regular expressions Istio cannot express become the
 * tightest superset (`{*}` segments or a prefix); see `approximatedPaths`.
 */
export class IstioAuthorizationPolicies extends Construct {
  /** Routes whose regular expression is authorized through a broader path. */
  public readonly approximatedPaths: ApproximatedPath[] = [];
  private readonly byService = new Map<string, ApiObject>();
  private readonly byNamespace = new Map<string, ApiObject>();

  public constructor(scope: Construct, id: string, props: IstioAuthorizationPoliciesProps) {
    super(scope, id);
    const model = props.catalog._resolved;
    const dryRun = (props.mode ?? model.istio.mode) !== MeshMode.ENFORCED;
    const annotations = dryRun ? { [DRY_RUN_ANNOTATION]: 'true' } : undefined;

    for (const ns of model.namespaces.filter(n => n.owned)) {
      this.byNamespace.set(ns.name, new sec.AuthorizationPolicy(this, constructId(ns.name, ALLOW_NOTHING_NAME), {
        metadata: { name: ALLOW_NOTHING_NAME, namespace: ns.name, labels: { ...MANAGED_BY_LABELS }, ...(annotations ? { annotations } : {}) },
        spec: { action: sec.AuthorizationPolicySpecAction.ALLOW },
      }));
    }
    for (const service of model.services) {
      const rules = this.serviceRules(model, service);
      this.byService.set(service.id, new sec.AuthorizationPolicy(this, constructId(service.id), {
        metadata: {
          name: perServiceName(service, [ALLOW_NOTHING_NAME]),
          namespace: service.namespace,
          labels: serviceLabels(service),
          ...(annotations ? { annotations } : {}),
        },
        spec: {
          selector: { matchLabels: { ...service.selector } },
          action: sec.AuthorizationPolicySpecAction.ALLOW,
          ...(rules.length > 0 ? { rules } : {}),
        },
      }));
    }
  }

  /** The `allow-nothing` policy of an owned namespace. */
  public namespacePolicy(namespace: string): ApiObject | undefined {
    return this.byNamespace.get(namespace);
  }

  /**
   * The ALLOW policy of a service.
   * @param serviceId `namespace/name`
   */
  public servicePolicy(serviceId: string): ApiObject | undefined {
    return this.byService.get(serviceId);
  }

  private serviceRules(model: ResolvedCatalog, service: ResolvedService): sec.AuthorizationPolicySpecRules[] {
    // Per source: pod ports open to any request, and per route operation the ports it is
    // limited to. Overlapping calls of one source merge, so no rule is redundant.
    type RouteGrant = { op: sec.AuthorizationPolicySpecRulesToOperation; ports: Set<number> };
    const sources = new Map<string, { open: Set<number>; routes: Map<string, RouteGrant> }>();
    const sourceOf = (who: string) => {
      const entry = sources.get(who) ?? { open: new Set<number>(), routes: new Map() };
      sources.set(who, entry);
      return entry;
    };
    if (service.exposed) {
      const ingress = model.ingressController;
      podPorts(service.ports).forEach(p => sourceOf(principal(model.trustDomain, ingress.namespace, ingress.serviceAccount)).open.add(p));
    }
    for (const inbound of service.inbound) {
      const source = sourceOf(servicePrincipal(model, model.service(inbound.fromId)));
      const call = inbound.call;
      // Ports where the call is limited to routes get one operation per route; the other
      // called ports (opaque, or serving none of the routes) admit any request.
      podPorts(call.ports.filter(p => routesOnPort(call, p) === undefined)).forEach(p => source.open.add(p));
      for (const route of call.routes) {
        const ports = podPorts(call.ports.filter(p => routesOnPort(call, p)?.includes(route)));
        const op = this.routeOperation(service, route);
        const key = JSON.stringify(op);
        const entry = source.routes.get(key) ?? { op, ports: new Set<number>() };
        ports.forEach(p => entry.ports.add(p));
        source.routes.set(key, entry);
      }
    }
    // Sources with the same grants share a rule. Istio drops a whole rule on TCP ports when
    // any of its operations has HTTP fields, so port-only grants get rules of their own.
    const grants = new Map<string, { to: sec.AuthorizationPolicySpecRulesTo[]; principals: Set<string> }>();
    const grant = (who: string, to: sec.AuthorizationPolicySpecRulesTo[]) => {
      if (to.length === 0) {
        return;
      }
      const key = JSON.stringify(to);
      const entry = grants.get(key) ?? { to, principals: new Set<string>() };
      entry.principals.add(who);
      grants.set(key, entry);
    };
    const portList = (ports: Iterable<number>) => [...ports].sort((a, b) => a - b).map(String);
    for (const [who, source] of sources) {
      if (source.open.size > 0) {
        grant(who, [{ operation: { ports: portList(source.open) } }]);
      }
      const routeOps = [...source.routes.values()]
        .map(({ op, ports }) => ({ ...op, ports: portList([...ports].filter(p => !source.open.has(p))) }))
        .filter(op => op.ports.length > 0)
        .map(op => ({ operation: op }))
        .sort((a, b) => compareText(JSON.stringify(a), JSON.stringify(b)));
      grant(who, routeOps);
    }
    return [...grants.entries()]
      .sort(([a], [b]) => compareText(a, b))
      .map(([, g]) => ({
        from: [{ source: { principals: [...g.principals].sort() } }],
        to: g.to,
      }));
  }

  /** The methods and paths of a route (ports are added by the caller). */
  private routeOperation(service: ResolvedService, route: ResolvedRoute): sec.AuthorizationPolicySpecRulesToOperation {
    const { paths, exact } = authorizationPaths(route);
    if (!exact && route.http?.pathRegex !== undefined && !this.approximatedPaths.some(a => a.serviceId === service.id && a.route === route.name)) {
      this.approximatedPaths.push({ serviceId: service.id, route: route.name, regex: route.http.pathRegex, paths: paths ?? [] });
    }
    // gRPC is always POST; an HTTP route without a method admits every method.
    const methods = route.grpc ? ['POST'] : route.http?.method !== undefined ? [route.http.method] : undefined;
    return {
      ...(methods ? { methods } : {}),
      ...(paths ? { paths } : {}),
    };
  }
}

/** Proxied pod ports of the given ports, sorted and unique. */
function podPorts(ports: ReadonlyArray<ResolvedPort>): number[] {
  return [...new Set(ports.filter(p => isProxied(p.protocol)).map(p => p.targetPort))].sort((a, b) => a - b);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
