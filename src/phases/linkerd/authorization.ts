import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import {
  ALL_NETWORKS_NAME, DEFAULT_PROBE_NETWORKS, GATEWAY_GROUP, GRPC_HEALTH_SERVICE, INGRESS_NETWORKS_NAME, NOTE_ANNOTATION, PORT_LABEL, POLICY_GROUP,
  PROBE_NETWORKS_NAME, ROUTE_LABEL,
} from './constants';
import { LinkerdIngressOptions, LinkerdProbeOptions } from './options';
import { grpcMatchOf, httpMatchOf, Identity, NameRegistry, planServers, RouteGrant, ServerPlan } from './plan';
import * as gw from '../../../imports/gateway.networking.k8s.io';
import * as l5d from '../../../imports/policy.linkerd.io';
import { ServiceCatalog } from '../../model/catalog';
import { ResolvedRoute } from '../../model/resolved';
import { MeshMode } from '../../model/types';
import { constructId, MANAGED_BY_LABELS, PhaseCapabilityError, serviceLabels } from '../common';

/** Properties of `LinkerdAuthorization`. */
export interface LinkerdAuthorizationProps {
  /** The validated service catalog. */
  readonly catalog: ServiceCatalog;
  /**
   * PERMISSIVE: Servers in `audit` (unauthorized traffic passes and is flagged) and a
   * catch-all route on every route-restricted port, so nothing 404s; ENFORCED: Servers
   * deny what no AuthorizationPolicy allows.
   * @default - the catalog's `linkerd.mode`
   */
  readonly mode?: MeshMode;
  /**
   * The ingress controller's place in the mesh.
   * @default - meshed
   */
  readonly ingress?: LinkerdIngressOptions;
  /**
   * Kubelet probe authorization.
   * @default - Linkerd's automatic HTTP probe routes only
   */
  readonly probes?: LinkerdProbeOptions;
  /**
   * Exposed services take traffic straight from outside the cluster (the Cilium layer's
   * `ingressFromWorld`): authorize every network on their ports, without identity.
   * @default false
   */
  readonly exposedFromWorld?: boolean;
}

type NetworkAuthName = typeof PROBE_NETWORKS_NAME | typeof ALL_NETWORKS_NAME | typeof INGRESS_NETWORKS_NAME;

/**
 * Linkerd authorization, per service port (policy.linkerd.io):
 * - a `Server` (v1beta3) per pod port selecting the service's pods, with the
 *   `proxyProtocol` of the port (HTTP/1, HTTP/2, gRPC; opaque for tcp and tls; UDP is
 *   not proxied and gets none) and `accessPolicy` deny (ENFORCED) or audit (PERMISSIVE);
 * - callers allowed every request: a `MeshTLSAuthentication` naming their service
 *   accounts (and the meshed ingress controller's for exposed services) and an
 *   `AuthorizationPolicy` binding it to the Server;
 * - route-limited callers: per route an inbound route (policy.linkerd.io HTTPRoute, or a
 *   Gateway API GRPCRoute on gRPC Servers) whose parent is the Server, with its own
 *   MeshTLSAuthentication and AuthorizationPolicy. Once a route is attached, requests
 *   matching none get 404, so callers allowed everything get a catch-all route, and
 *   kubelet probe paths a probe route authorized by a `NetworkAuthentication` (Linkerd
 *   drops its automatic probe routes on such ports).
 */
export class LinkerdAuthorization extends Construct {
  /** Things the user must know or still do (e.g. probe paths to declare). */
  public readonly warnings: string[] = [];
  private readonly objects = new Map<string, ApiObject>();
  private readonly names: NameRegistry;
  private readonly networkAuths = new Map<string, Set<NetworkAuthName>>();

  public constructor(scope: Construct, id: string, props: LinkerdAuthorizationProps) {
    super(scope, id);
    const model = props.catalog._resolved;
    this.names = NameRegistry.of(this);
    const mode = props.mode ?? model.linkerd.mode;
    const ingressMeshed = props.ingress?.meshed ?? true;
    if (!ingressMeshed && (props.ingress?.networks ?? []).length === 0 && model.services.some(s => s.exposed)) {
      throw new PhaseCapabilityError('the linkerd phase cannot authorize an unmeshed ingress controller without its networks: set ingress.networks (its pod CIDR, or the node CIDRs for a hostNetwork controller), or mesh the controller (ingress.meshed: true)');
    }
    const ingressIdentity: Identity = { namespace: model.ingressController.namespace, serviceAccount: model.ingressController.serviceAccount };
    const probeNetworks = props.probes?.networks ?? [...DEFAULT_PROBE_NETWORKS];

    for (const plan of planServers(model)) {
      const ns = plan.service.namespace;
      const owner = `${plan.service.id} port ${plan.podPort}`;
      const labels = { ...serviceLabels(plan.service), [PORT_LABEL]: plan.ports[0].ref };
      const serverIdentities = [...plan.clients, ...(plan.ingress && ingressMeshed ? [ingressIdentity] : [])];
      const serverWide = serverIdentities.length > 0 || (plan.ingress && (!ingressMeshed || (props.exposedFromWorld ?? false))) || plan.plaintext;
      const probePaths = props.probes?.servicePaths?.[plan.service.id] ?? props.probes?.paths ?? [];
      const grpcHealth = plan.routeStyle === 'grpc' && (props.probes?.grpcHealth ?? false);
      const routed = plan.routeStyle !== 'none' && (plan.routeGrants.length > 0 || grpcHealth);
      const notes: string[] = [];
      if (routed && plan.routeStyle === 'http' && probePaths.length === 0 && mode === MeshMode.ENFORCED) {
        notes.push(`route-level authorization on pod port ${plan.podPort} replaces Linkerd's automatic probe authorization: HTTP kubelet probes on this port fail unless their paths are given (probes.paths or probes.servicePaths["${plan.service.id}"])`);
      }
      if (plan.routeStyle === 'grpc' && !grpcHealth && mode === MeshMode.ENFORCED) {
        notes.push(`kubelet-native gRPC probes on pod port ${plan.podPort} are not authorized (Linkerd authorizes HTTP probes only); set probes.grpcHealth, or probe with an exec command (localhost is always allowed)`);
      }
      notes.forEach(n => this.warnings.push(`${plan.service.id}: ${n}`));
      plan.overlaps.forEach(o => this.warnings.push(`${plan.service.id} pod port ${plan.podPort}: ${o}`));

      this.add(new l5d.ServerV1Beta3(this, constructId(ns, 'server', plan.name), {
        metadata: {
          name: this.names.claim('Server', ns, plan.name, owner),
          namespace: ns,
          labels,
          ...(notes.length > 0 ? { annotations: { [NOTE_ANNOTATION]: notes.join(' | ') } } : {}),
        },
        spec: {
          podSelector: { matchLabels: { ...plan.service.selector } },
          port: plan.podPort,
          proxyProtocol: plan.proxyProtocol,
          accessPolicy: mode === MeshMode.PERMISSIVE ? 'audit' : 'deny',
        },
      }));
      const serverRef = { group: POLICY_GROUP, kind: 'Server', name: plan.name };

      if (serverIdentities.length > 0) {
        this.meshTls(owner, ns, plan.name, labels, serverIdentities);
        this.policy(owner, ns, plan.name, labels, serverRef, [{ group: POLICY_GROUP, kind: 'MeshTLSAuthentication', name: plan.name }]);
      }
      if (plan.ingress && !ingressMeshed) {
        this.policy(owner, ns, `${plan.name}-ingress`, labels, serverRef, [this.networkRef(ns, INGRESS_NETWORKS_NAME)]);
      }
      if (plan.ingress && props.exposedFromWorld) {
        this.policy(owner, ns, `${plan.name}-world`, labels, serverRef, [this.networkRef(ns, ALL_NETWORKS_NAME)]);
      }
      if (plan.plaintext) {
        this.policy(owner, ns, `${plan.name}-plaintext`, labels, serverRef, [this.networkRef(ns, ALL_NETWORKS_NAME)]);
      }
      if (!routed) {
        continue;
      }
      for (const grant of plan.routeGrants) {
        const name = `${plan.name}-${grant.route.name}`;
        const routeLabels = { ...labels, [ROUTE_LABEL]: grant.route.name };
        const target = this.inboundRoute(owner, plan, name, routeLabels, routeRules(plan, grant));
        this.meshTls(owner, ns, name, routeLabels, grant.identities);
        this.policy(owner, ns, name, routeLabels, target, [{ group: POLICY_GROUP, kind: 'MeshTLSAuthentication', name }]);
      }
      const grantMatchesAll = plan.routeStyle === 'http' && plan.routeGrants.some(g => {
        const m = httpMatchOf(g.route);
        return m.method === undefined && (m.path === undefined || (m.path.type === 'PathPrefix' && m.path.value === '/'));
      });
      if ((serverWide || mode === MeshMode.PERMISSIVE) && !grantMatchesAll) {
        // Server-level authorizations apply to every route; this route gives them one
        // to match for requests outside the declared routes.
        this.inboundRoute(owner, plan, `${plan.name}-all`, labels, plan.routeStyle === 'grpc' ? [{}] : [{ matches: [{ path: { type: l5d.HttpRouteV1Beta3SpecRulesMatchesPathType.PATH_PREFIX, value: '/' } }] }]);
      }
      const probeRules = grpcHealth
        ? [{ matches: [{ method: { type: gw.GrpcRouteSpecRulesMatchesMethodType.EXACT, service: GRPC_HEALTH_SERVICE } }] }]
        : plan.routeStyle === 'http' && probePaths.length > 0
          ? [{
            matches: [...probePaths].sort().map(value => ({
              method: l5d.HttpRouteV1Beta3SpecRulesMatchesMethod.GET,
              path: { type: l5d.HttpRouteV1Beta3SpecRulesMatchesPathType.EXACT, value },
            })),
          }]
          : undefined;
      if (probeRules) {
        const name = `${plan.name}-probes`;
        const target = this.inboundRoute(owner, plan, name, labels, probeRules);
        this.policy(owner, ns, name, labels, target, [this.networkRef(ns, PROBE_NETWORKS_NAME)]);
      }
    }

    const networks: Record<NetworkAuthName, string[]> = {
      [PROBE_NETWORKS_NAME]: probeNetworks,
      [ALL_NETWORKS_NAME]: ['0.0.0.0/0', '::/0'],
      [INGRESS_NETWORKS_NAME]: props.ingress?.networks ?? [],
    };
    for (const [ns, names] of [...this.networkAuths.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      for (const name of [...names].sort()) {
        this.add(new l5d.NetworkAuthentication(this, constructId(ns, 'networkauthentication', name), {
          metadata: { name: this.names.claim('NetworkAuthentication', ns, name, `namespace ${ns}`), namespace: ns, labels: { ...MANAGED_BY_LABELS } },
          spec: { networks: [...networks[name]].sort().map(cidr => ({ cidr })) },
        }));
      }
    }
  }

  /**
   * An emitted object, as an escape hatch.
   * @param kind `Server`, `MeshTLSAuthentication`, `AuthorizationPolicy`,
   *   `NetworkAuthentication`, `HTTPRoute` or `GRPCRoute`
   * @param namespace its namespace
   * @param name its name (Servers are `<service>-<port name or number>`)
   */
  public object(kind: string, namespace: string, name: string): ApiObject | undefined {
    return this.objects.get(`${kind}/${namespace}/${name}`);
  }

  private add(obj: ApiObject): ApiObject {
    this.objects.set(`${obj.kind}/${obj.metadata.namespace}/${obj.name}`, obj);
    return obj;
  }

  private networkRef(ns: string, name: NetworkAuthName): l5d.AuthorizationPolicySpecRequiredAuthenticationRefs {
    const set = this.networkAuths.get(ns) ?? new Set<NetworkAuthName>();
    set.add(name);
    this.networkAuths.set(ns, set);
    return { group: POLICY_GROUP, kind: 'NetworkAuthentication', name };
  }

  private meshTls(owner: string, ns: string, name: string, labels: Record<string, string>, identities: Identity[]): void {
    this.add(new l5d.MeshTlsAuthentication(this, constructId(ns, 'meshtls', name), {
      metadata: { name: this.names.claim('MeshTLSAuthentication', ns, name, owner), namespace: ns, labels },
      spec: {
        identityRefs: identities.map(id => ({ kind: 'ServiceAccount', name: id.serviceAccount, namespace: id.namespace })),
      },
    }));
  }

  private policy(
    owner: string,
    ns: string,
    name: string,
    labels: Record<string, string>,
    targetRef: l5d.AuthorizationPolicySpecTargetRef,
    refs: l5d.AuthorizationPolicySpecRequiredAuthenticationRefs[],
  ): void {
    this.add(new l5d.AuthorizationPolicy(this, constructId(ns, 'authorizationpolicy', name), {
      metadata: { name: this.names.claim('AuthorizationPolicy', ns, name, owner), namespace: ns, labels },
      spec: { targetRef, requiredAuthenticationRefs: refs },
    }));
  }

  /** An inbound route attached to the Server; returns the AuthorizationPolicy target. */
  private inboundRoute(
    owner: string,
    plan: ServerPlan,
    name: string,
    labels: Record<string, string>,
    rules: InboundRules,
  ): l5d.AuthorizationPolicySpecTargetRef {
    const ns = plan.service.namespace;
    const parentRefs = [{ group: POLICY_GROUP, kind: 'Server', name: plan.name }];
    if (plan.routeStyle === 'grpc') {
      this.add(new gw.GrpcRoute(this, constructId(ns, 'grpcroute', name), {
        metadata: { name: this.names.claim('GRPCRoute', ns, name, owner), namespace: ns, labels },
        spec: { parentRefs, rules: rules as gw.GrpcRouteSpecRules[] },
      }));
      return { group: GATEWAY_GROUP, kind: 'GRPCRoute', name };
    }
    this.add(new l5d.HttpRouteV1Beta3(this, constructId(ns, 'httproute', name), {
      metadata: { name: this.names.claim('HTTPRoute', ns, name, owner), namespace: ns, labels },
      spec: { parentRefs, rules: rules as l5d.HttpRouteV1Beta3SpecRules[] },
    }));
    return { group: POLICY_GROUP, kind: 'HTTPRoute', name };
  }
}

type InboundRules = l5d.HttpRouteV1Beta3SpecRules[] | gw.GrpcRouteSpecRules[];

function routeRules(plan: ServerPlan, grant: RouteGrant): InboundRules {
  return plan.routeStyle === 'grpc' ? [grpcRule(grant.route)] : [httpRule(grant.route)];
}

function grpcRule(route: ResolvedRoute): gw.GrpcRouteSpecRules {
  const m = grpcMatchOf(route);
  const method = { type: gw.GrpcRouteSpecRulesMatchesMethodType.EXACT, service: m.service, ...(m.method !== undefined ? { method: m.method } : {}) };
  return { matches: [{ method }] };
}

function httpRule(route: ResolvedRoute): l5d.HttpRouteV1Beta3SpecRules {
  const m = httpMatchOf(route);
  return {
    matches: [{
      ...(m.method ? { method: m.method as unknown as l5d.HttpRouteV1Beta3SpecRulesMatchesMethod } : {}),
      ...(m.path ? { path: { type: m.path.type as l5d.HttpRouteV1Beta3SpecRulesMatchesPathType, value: m.path.value } } : {}),
    }],
  };
}
