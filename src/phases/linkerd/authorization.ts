import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { LinkerdBindings, linkerdBindings } from './bindings';
import { NameRegistry } from './names';
import { ALL_NETWORKS, identityString, isEmptyGrant, NetworkGrant, Principals, RouteGrant } from './principals';
import { decideServers, ServerDecision } from './server-decisions';
import * as gw from '../../../imports/gateway.networking.k8s.io';
import * as l5d from '../../../imports/policy.linkerd.io';
import { constructId, MANAGED_BY_LABELS, PhaseCapabilityError, serviceLabels } from '../../emit/common';
import { ServiceCatalog } from '../../model/catalog';
import { compareStrings } from '../../model/compare';
import { grpcMatchOf, httpMatchOf } from '../../model/linkerd-routes';
import {
  DEFAULT_PROBE_NETWORKS, GATEWAY_GROUP, GRPC_HEALTH_SERVICE, NOTE_ANNOTATION, PORT_LABEL, POLICY_GROUP, PROBE_NETWORKS_NAME, ROUTE_LABEL,
} from '../../model/mesh-facts/linkerd';
import { ResolvedRoute } from '../../model/resolved';
import { L4Layer, LinkerdIngressOptions, LinkerdProbeOptions, MeshMode } from '../../model/types';

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
  /**
   * The L4 layer under Linkerd. Without one (NONE), a network grant wider than its peer
   * (every address, for peers without known addresses) or a namespace-wide identity grant
   * for labelled pods would let others in, so the phase refuses those.
   * @default - the catalog's `linkerd.l4`
   */
  readonly l4?: L4Layer;
}

/**
 * Linkerd authorization, per service port (policy.linkerd.io):
 * - a `Server` (v1beta3) per pod port selecting the service's pods, with the
 *   `proxyProtocol` of the port (HTTP/1, HTTP/2, gRPC; opaque for tcp and tls; UDP is
 *   not proxied and gets none) and `accessPolicy` deny (ENFORCED) or audit (PERMISSIVE);
 * - callers allowed every request: a `MeshTLSAuthentication` naming their identities
 *   (catalog callers' service accounts, the meshed ingress controller's, meshed peers' by
 *   service account or namespace) and an `AuthorizationPolicy` binding it to the Server;
 *   callers without identity (unmeshed peers: the monitoring scraper, the API server, the
 *   world; an unmeshed ingress controller; plaintext ports) a `NetworkAuthentication` of
 *   their addresses (every address when unknown: the L4 layer narrows it) and one
 *   AuthorizationPolicy per network;
 * - route-limited callers (calls and peers): per route an inbound route (policy.linkerd.io
 *   HTTPRoute, or a Gateway API GRPCRoute on gRPC Servers) whose parent is the Server,
 *   with its own authentications and AuthorizationPolicies. Once a route is attached,
 *   requests matching none get 404, so callers allowed everything get a catch-all route,
 *   and kubelet probe paths a probe route authorized by a `NetworkAuthentication` (Linkerd
 *   drops its automatic probe routes on such ports).
 */
export class LinkerdAuthorization extends Construct {
  /** Things the user must know or still do (e.g. probe paths to declare). */
  public readonly warnings: string[] = [];
  private readonly objects = new Map<string, ApiObject>();
  private readonly kinds: LinkerdBindings;
  private readonly names: NameRegistry;
  /** NetworkAuthentications to emit, by namespace and name. */
  private readonly networkAuths = new Map<string, Map<string, NetworkGrant>>();
  private readonly controlPlaneNamespace: string;
  private readonly trustDomain: string;

  public constructor(scope: Construct, id: string, props: LinkerdAuthorizationProps) {
    super(scope, id);
    this.kinds = linkerdBindings(props.catalog._resolved.platform);
    const model = props.catalog._resolved;
    this.names = NameRegistry.of(this);
    this.controlPlaneNamespace = model.linkerd.controlPlaneNamespace;
    this.trustDomain = model.trustDomain;
    const mode = props.mode ?? model.linkerd.mode;
    const ingressMeshed = props.ingress?.meshed ?? true;
    const ingressNetworks = props.ingress?.networks ?? [];
    const ingressCallers = model.services.filter(s => s.callers.some(c => c.peer.name === 'ingress-controller'));
    if (!ingressMeshed && ingressNetworks.length === 0 && ingressCallers.length > 0) {
      throw new PhaseCapabilityError(`the linkerd phase cannot authorize an unmeshed ingress controller without its networks (it calls ${ingressCallers.map(s => s.id).join(', ')}): set ingress.networks (its pod CIDR, or the node CIDRs for a hostNetwork controller), or mesh the controller (ingress.meshed: true)`);
    }
    const probeNetworks = props.probes?.networks ?? [...DEFAULT_PROBE_NETWORKS];
    const decisions = decideServers(model, {
      ingressMeshed,
      ingressNetworks,
      exposedFromWorld: props.exposedFromWorld ?? false,
      l4: props.l4 ?? model.linkerd.l4,
    });

    const emission: ServerEmission = { mode, probes: props.probes, probeNetworks };
    decisions.forEach(decision => this.emitServer(decision, emission));
    this.emitNetworkAuthentications();
  }

  /** The Server of one decision, its authorizations, and its inbound routes (declared, catch-all, probes). */
  private emitServer(decision: ServerDecision, emission: ServerEmission): void {
    const ns = decision.service.namespace;
    const owner = `${decision.service.id} port ${decision.podPort}`;
    const labels = { ...serviceLabels(decision.service), [PORT_LABEL]: decision.ports[0].ref };
    const server: Principals = decision.plaintext
      ? {
        ...decision.server,
        networks: mergeNetworks(decision.server.networks, {
          network: ALL_NETWORKS,
          reasons: ['plaintext port'],
          kinds: {},
          reaches: { pods: true, apiserver: true, addresses: true },
        }),
      }
      : decision.server;
    const serverWide = !isEmptyGrant(server);
    // The catalog's `probes` describe the pods; the options fill in what it does not say.
    const declared = decision.service.probes;
    const probePaths = emission.probes?.servicePaths?.[decision.service.id] ?? declared.httpPaths ?? emission.probes?.paths;
    const grpcProbes = declared.grpc ?? emission.probes?.grpcHealth;
    const grpcHealth = decision.routeStyle === 'grpc' && (grpcProbes ?? false);
    const routed = decision.routeStyle !== 'none' && (decision.routeGrants.length > 0 || grpcHealth);
    const notes: string[] = [];
    // Unknown probes warn; probes declared absent (`httpPaths: []`, `grpc: false`) need nothing.
    if (routed && decision.routeStyle === 'http' && probePaths === undefined && emission.mode === MeshMode.ENFORCED) {
      notes.push(`route-level authorization on pod port ${decision.podPort} replaces Linkerd's automatic probe authorization: HTTP kubelet probes on this port fail unless the catalog gives their paths (services[].probes.httpPaths; [] when there are none)`);
    }
    if (decision.routeStyle === 'grpc' && grpcProbes === undefined && emission.mode === MeshMode.ENFORCED) {
      notes.push(`kubelet-native gRPC probes on pod port ${decision.podPort} are not authorized unless declared (Linkerd authorizes HTTP probes only): set services[].probes.grpc: true to authorize grpc.health.v1.Health from the probe networks, or false when the pods probe with an exec command (localhost is always allowed)`);
    }
    notes.forEach(n => this.warnings.push(`${decision.service.id}: ${n}`));
    decision.overlaps.forEach(o => this.warnings.push(`${decision.service.id} pod port ${decision.podPort}: ${o}`));

    this.add(new this.kinds.Server(this, constructId(ns, 'server', decision.name), {
      metadata: {
        name: this.names.claim('Server', ns, decision.name, owner),
        namespace: ns,
        labels,
        ...(notes.length > 0 ? { annotations: { [NOTE_ANNOTATION]: notes.join(' | ') } } : {}),
      },
      spec: {
        podSelector: { matchLabels: { ...decision.service.selector } },
        port: decision.podPort,
        proxyProtocol: decision.proxyProtocol,
        accessPolicy: emission.mode === MeshMode.PERMISSIVE ? 'audit' : 'deny',
      },
    }));
    this.grant(owner, ns, decision.name, labels, { group: POLICY_GROUP, kind: 'Server', name: decision.name }, server);
    if (!routed) {
      return;
    }
    for (const routeGrant of decision.routeGrants) {
      const name = `${decision.name}-${routeGrant.route.name}`;
      const routeLabels = { ...labels, [ROUTE_LABEL]: routeGrant.route.name };
      const target = this.inboundRoute(owner, decision, name, routeLabels, routeRules(decision, routeGrant));
      this.grant(owner, ns, name, routeLabels, target, routeGrant.principals);
    }
    const grantMatchesAll = decision.routeStyle === 'http' && decision.routeGrants.some(g => {
      const m = httpMatchOf(g.route);
      return m.method === undefined && (m.path === undefined || (m.path.type === 'PathPrefix' && m.path.value === '/'));
    });
    if ((serverWide || emission.mode === MeshMode.PERMISSIVE) && !grantMatchesAll) {
      // Server-level authorizations apply to every route; this route gives them one
      // to match for requests outside the declared routes.
      this.inboundRoute(owner, decision, `${decision.name}-all`, labels, decision.routeStyle === 'grpc' ? [{}] : [{ matches: [{ path: { type: l5d.HttpRouteV1Beta3SpecRulesMatchesPathType.PATH_PREFIX, value: '/' } }] }]);
    }
    const probeRules = probeRouteRules(decision, grpcHealth, probePaths);
    if (probeRules) {
      const name = `${decision.name}-probes`;
      const target = this.inboundRoute(owner, decision, name, labels, probeRules);
      this.policy(owner, ns, name, labels, target, [this.networkRef(ns, { name: PROBE_NETWORKS_NAME, cidrs: emission.probeNetworks })]);
    }
  }

  /** The NetworkAuthentications the Servers' grants collected, per namespace, sorted. */
  private emitNetworkAuthentications(): void {
    for (const [ns, byName] of [...this.networkAuths.entries()].sort(([a], [b]) => compareStrings(a, b))) {
      for (const [name, network] of [...byName.entries()].sort(([a], [b]) => compareStrings(a, b))) {
        this.add(new this.kinds.NetworkAuthentication(this, constructId(ns, 'networkauthentication', name), {
          metadata: { name: this.names.claim('NetworkAuthentication', ns, name, `namespace ${ns}`), namespace: ns, labels: { ...MANAGED_BY_LABELS } },
          spec: { networks: [...network.cidrs].sort().map(cidr => ({ cidr })) },
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

  private networkRef(ns: string, network: NetworkGrant): l5d.AuthorizationPolicySpecRequiredAuthenticationRefs {
    const byName = this.networkAuths.get(ns) ?? new Map<string, NetworkGrant>();
    byName.set(network.name, network);
    this.networkAuths.set(ns, byName);
    return { group: POLICY_GROUP, kind: 'NetworkAuthentication', name: network.name };
  }

  /**
   * Authorizes `principals` on a target: one MeshTLSAuthentication and policy `<name>` for
   * the identities, one policy `<name>-<network>` per network.
   */
  private grant(
    owner: string,
    ns: string,
    name: string,
    labels: Record<string, string>,
    target: l5d.AuthorizationPolicySpecTargetRef,
    principals: Principals,
  ): void {
    if (principals.accounts.length > 0 || principals.patterns.length > 0) {
      this.meshTls(owner, ns, name, labels, principals);
      this.policy(owner, ns, name, labels, target, [{ group: POLICY_GROUP, kind: 'MeshTLSAuthentication', name }]);
    }
    for (const { network, reasons } of principals.networks) {
      this.policy(owner, ns, `${name}-${network.name}`, labels, target, [this.networkRef(ns, network)], `without identity: ${reasons.join(', ')}`);
    }
  }

  private meshTls(owner: string, ns: string, name: string, labels: Record<string, string>, principals: Principals): void {
    // identities and identityRefs are exclusive: wildcards need identity strings throughout.
    const spec: l5d.MeshTlsAuthenticationSpec = principals.patterns.length > 0
      ? {
        identities: [
          ...principals.accounts.map(id => identityString(id, this.controlPlaneNamespace, this.trustDomain)),
          ...principals.patterns,
        ].sort(compareStrings),
      }
      : { identityRefs: principals.accounts.map(id => ({ kind: 'ServiceAccount', name: id.serviceAccount, namespace: id.namespace })) };
    this.add(new this.kinds.MeshTlsAuthentication(this, constructId(ns, 'meshtls', name), {
      metadata: { name: this.names.claim('MeshTLSAuthentication', ns, name, owner), namespace: ns, labels },
      spec,
    }));
  }

  private policy(
    owner: string,
    ns: string,
    name: string,
    labels: Record<string, string>,
    targetRef: l5d.AuthorizationPolicySpecTargetRef,
    refs: l5d.AuthorizationPolicySpecRequiredAuthenticationRefs[],
    note?: string,
  ): void {
    this.add(new this.kinds.AuthorizationPolicy(this, constructId(ns, 'authorizationpolicy', name), {
      metadata: { name: this.names.claim('AuthorizationPolicy', ns, name, owner), namespace: ns, labels, ...(note ? { annotations: { [NOTE_ANNOTATION]: note } } : {}) },
      spec: { targetRef, requiredAuthenticationRefs: refs },
    }));
  }

  /** An inbound route attached to the Server; returns the AuthorizationPolicy target. */
  private inboundRoute(
    owner: string,
    decision: ServerDecision,
    name: string,
    labels: Record<string, string>,
    rules: InboundRules,
  ): l5d.AuthorizationPolicySpecTargetRef {
    const ns = decision.service.namespace;
    const parentRefs = [{ group: POLICY_GROUP, kind: 'Server', name: decision.name }];
    if (decision.routeStyle === 'grpc') {
      this.add(new this.kinds.GrpcRoute(this, constructId(ns, 'grpcroute', name), {
        metadata: { name: this.names.claim('GRPCRoute', ns, name, owner), namespace: ns, labels },
        spec: { parentRefs, rules: rules as gw.GrpcRouteSpecRules[] },
      }));
      return { group: GATEWAY_GROUP, kind: 'GRPCRoute', name };
    }
    this.add(new this.kinds.PolicyHttpRoute(this, constructId(ns, 'httproute', name), {
      metadata: { name: this.names.claim('HTTPRoute', ns, name, owner), namespace: ns, labels },
      spec: { parentRefs, rules: rules as l5d.HttpRouteV1Beta3SpecRules[] },
    }));
    return { group: POLICY_GROUP, kind: 'HTTPRoute', name };
  }
}

type InboundRules = l5d.HttpRouteV1Beta3SpecRules[] | gw.GrpcRouteSpecRules[];

/** What every Server of a chart is emitted with. */
interface ServerEmission {
  readonly mode: MeshMode;
  readonly probes?: LinkerdProbeOptions;
  readonly probeNetworks: string[];
}

/** The rules of a Server's probe route: gRPC health checks, or GET on the declared probe paths; none without either. */
function probeRouteRules(decision: ServerDecision, grpcHealth: boolean, probePaths: readonly string[] | undefined): InboundRules | undefined {
  return grpcHealth
    ? [{ matches: [{ method: { type: gw.GrpcRouteSpecRulesMatchesMethodType.EXACT, service: GRPC_HEALTH_SERVICE } }] }]
    : decision.routeStyle === 'http' && probePaths !== undefined && probePaths.length > 0
      ? [{
        matches: [...probePaths].sort().map(value => ({
          method: l5d.HttpRouteV1Beta3SpecRulesMatchesMethod.GET,
          path: { type: l5d.HttpRouteV1Beta3SpecRulesMatchesPathType.EXACT, value },
        })),
      }]
      : undefined;
}

function routeRules(decision: ServerDecision, grant: RouteGrant): InboundRules {
  return decision.routeStyle === 'grpc' ? [grpcRule(grant.route)] : [httpRule(grant.route)];
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

/** Adds a network to a grant's networks (reasons merged), keeping them sorted by name. */
function mergeNetworks(
  networks: Principals['networks'],
  extra: Principals['networks'][number],
): Principals['networks'] {
  const existing = networks.find(n => n.network.name === extra.network.name);
  if (existing) {
    return networks.map(n => (n === existing
      ? {
        network: n.network,
        reasons: [...new Set([...n.reasons, ...extra.reasons])].sort(compareStrings),
        kinds: { ...n.kinds, ...extra.kinds },
        reaches: {
          pods: n.reaches.pods || extra.reaches.pods,
          apiserver: n.reaches.apiserver || extra.reaches.apiserver,
          addresses: n.reaches.addresses || extra.reaches.addresses,
        },
      }
      : n));
  }
  return [...networks, extra].sort((a, b) => compareStrings(a.network.name, b.network.name));
}
