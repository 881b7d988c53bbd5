import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { ALLOW_NOTHING_NAME, DRY_RUN_ANNOTATION, isProxied, PEER_POLICY_PREFIX, perServiceName, principal, slug } from './names';
import { authorizationPaths, wideningExample } from './paths';
import { peerCoversNamespace, peerMatchesPods, podSets } from './peers';
import * as sec from '../../../imports/security.istio.io';
import { constructId, MANAGED_BY_LABELS, PhaseCapabilityError, serviceLabels } from '../../emit/common';
import { bindingAt } from '../../emit/plain-api-object';
import { ServiceCatalog } from '../../model/catalog';
import { parseCidr } from '../../model/cidr';
import { compareStrings } from '../../model/compare';
import { ExternalPort, ResolvedCaller, ResolvedCatalog, ResolvedPeer, ResolvedPort, ResolvedRoute, ResolvedService } from '../../model/resolved';
import { widerEnforcementAllowed } from '../../model/route-forms';
import { RouteLimited, routesOnPort } from '../../model/routes';
import { L4Layer, MeshMode, PortProtocol } from '../../model/types';

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
  /**
   * The L4 layer under the mesh. Callers Istio cannot identify exactly (peers outside the
   * mesh without addresses, labelled pods without a service account) are allowed more
   * broadly and narrowed by it; with `L4Layer.NONE` they are refused.
   * @default - the catalog's `istio.l4`
   */
  readonly l4?: L4Layer;
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
 * Who a grant admits, as a key: `p:<principal>`, `n:<namespace>`, `i:<cidr>` (plaintext
 * clients from that range), PLAINTEXT (any plaintext client), or ANY (every source: a
 * rule without `from`).
 */
type SourceKey = string;
const ANY_SOURCE: SourceKey = '*';
const PLAINTEXT_SOURCE: SourceKey = 't:';
/** `notPrincipals: ['*']`: no mesh identity (principals are empty over plaintext). */
const NO_IDENTITY = ['*'];

/** Grants to the pods of one pod peer in one owned namespace. */
interface PeerGrants {
  readonly namespace: string;
  readonly peer: ResolvedPeer;
  readonly grants: Grants;
}

/**
 * Grants into pods of peers that catalog services call: per owned namespace and peer
 * (a policy of its own), or into the policy of a catalog service elsewhere.
 */
function peerCallGrants(
  model: ResolvedCatalog, owned: ReadonlySet<string>,
): { peerGrants: Map<string, PeerGrants>; serviceGrants: Map<string, Grants> } {
  const peerGrants = new Map<string, PeerGrants>();
  const serviceGrants = new Map<string, Grants>(model.services.map(s => [s.id, new Grants()]));
  for (const caller of model.services) {
    const calls = [
      ...caller.peerCalls.map(call => ({ call, sources: callerPrincipals(model, caller) })),
      ...caller.versions.flatMap(v => v.peerCalls.map(call => ({ call, sources: [`p:${principal(model.trustDomain, caller.namespace, v.serviceAccount)}`] }))),
    ];
    for (const { call, sources } of calls) {
      const ports = proxiedNumbers(call.ports);
      if (call.peer.kind !== 'pods' || ports.length === 0) {
        continue;
      }
      for (const ns of [...owned].filter(n => peerCoversNamespace(model, call.peer, n))) {
        const key = `${ns}|${call.peer.name}`;
        const entry = peerGrants.get(key) ?? { namespace: ns, peer: call.peer, grants: new Grants() };
        entry.grants.open(sources, ports);
        peerGrants.set(key, entry);
      }
      for (const callee of model.services.filter(s => !owned.has(s.namespace) && !s.clientOnly)) {
        if (podSets(callee).some(set => peerMatchesPods(model, call.peer, callee.namespace, set.labels, set.serviceAccount))) {
          serviceGrants.get(callee.id)!.open(sources, ports);
        }
      }
    }
  }
  return { peerGrants, serviceGrants };
}

/**
 * Istio authorization, deny by default:
 * - per owned namespace, `allow-nothing`: an ALLOW policy without rules, so every
 *   workload there refuses what no other ALLOW policy admits;
 * - per service, an ALLOW policy selecting its pods, with one rule per distinct grant:
 *   the calling services' identities (`<trustDomain>/ns/<ns>/sa/<sa>`: every service
 *   account of the caller, or the version's for calls only a version makes) on the called
 *   pod ports, and for route-limited calls only those routes (methods and paths; gRPC
 *   paths `/<package.Service>/<Method>`); and the service's peer callers (`callers`,
 *   `exposed`, metrics ports), limited alike;
 * - per owned namespace and pod peer that catalog services call there, `peer-<name>`: an
 *   ALLOW policy selecting the peer's pods that admits those callers on the called ports.
 *
 * Peer callers: a meshed peer by identity (`principals` for a service account,
 * `namespaces` for a namespace, any authenticated principal for every namespace; labelled
 * pods without a service account only with an L4 layer below, which narrows the
 * namespace to the labels). An unmeshed peer has no identity: plaintext clients
 * (`notPrincipals: ['*']`, so sidecars of other callers never borrow the grant) from its
 * address ranges (`ipBlocks`: the address of the connection's peer, which a client
 * cannot forge, unlike `remoteIpBlocks`, read from X-Forwarded-For) when it has some,
 * else from anywhere, which only an L4 layer below narrows (refused with `l4: none`);
 * its pods that do carry a sidecar (in an injected namespace, or catalog workloads) are
 * admitted by identity too. A meshed namespaceSelector peer is refused: Istio names
 * namespaces, it does not select them by label.
 *
 * Identities exist only over mTLS: plaintext clients match no identity rule. UDP is not
 * proxied and left to the L4 layer. Path regular expressions Istio cannot express become
 * the tightest superset (`{*}` segments or a prefix); see `approximatedPaths`.
 */
export class IstioAuthorizationPolicies extends Construct {
  /**
   * Routes whose regular expression is authorized through a broader path (only those
   * whose widening the catalog allows: the others are refused).
   */
  public readonly approximatedPaths: ApproximatedPath[] = [];
  /** The widenings the catalog allows, one line each with the extra requests allowed. */
  public readonly warnings: string[] = [];
  /** Route limits enforced wider, by `service|route`: who is limited to them. */
  private readonly widened = new Map<string, { service: ResolvedService; route: ResolvedRoute; paths: string[]; callers: Set<string> }>();
  private readonly byService = new Map<string, ApiObject>();
  private readonly byNamespace = new Map<string, ApiObject>();
  private readonly byPeer = new Map<string, ApiObject>();

  public constructor(scope: Construct, id: string, props: IstioAuthorizationPoliciesProps) {
    super(scope, id);
    const AuthorizationPolicyAtRelease = bindingAt(props.catalog._resolved.platform, 'AuthorizationPolicy.security.istio.io', sec.AuthorizationPolicy);
    const model = props.catalog._resolved;
    const dryRun = (props.mode ?? model.istio.mode) !== MeshMode.ENFORCED;
    const l4 = props.l4 ?? model.istio.l4;
    const annotations = dryRun ? { [DRY_RUN_ANNOTATION]: 'true' } : undefined;
    const owned = new Set(model.namespaces.filter(n => n.owned).map(n => n.name));

    const { peerGrants, serviceGrants } = peerCallGrants(model, owned);
    const peerPolicyName = (peer: ResolvedPeer) => `${PEER_POLICY_PREFIX}${slug(peer.name, 63 - PEER_POLICY_PREFIX.length)}`;
    const reserved = (namespace: string) => [ALLOW_NOTHING_NAME,
      ...[...peerGrants.values()].filter(g => g.namespace === namespace).map(g => peerPolicyName(g.peer))];

    for (const ns of [...owned].sort()) {
      this.byNamespace.set(ns, new AuthorizationPolicyAtRelease(this, constructId(ns, ALLOW_NOTHING_NAME), {
        metadata: { name: ALLOW_NOTHING_NAME, namespace: ns, labels: { ...MANAGED_BY_LABELS }, ...(annotations ? { annotations } : {}) },
        spec: { action: sec.AuthorizationPolicySpecAction.ALLOW },
      }));
    }
    const problems: string[] = [];
    const context: PeerContext = { model, l4, owned };
    for (const service of model.services) {
      const grants = serviceGrants.get(service.id)!;
      this.serviceGrants(context, service, grants, problems);
      const rules = grants.rules();
      this.byService.set(service.id, new AuthorizationPolicyAtRelease(this, constructId(service.id), {
        metadata: {
          name: perServiceName(service, reserved(service.namespace)),
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
    this.reportWidenedRoutes(model, problems);
    if (problems.length > 0) {
      throw new PhaseCapabilityError(`the istio phase cannot authorize ${problems.length} caller(s) exactly:\n` + problems.map(p => `  - ${p}`).join('\n'));
    }
    this.addPeerPolicies(AuthorizationPolicyAtRelease, peerGrants, peerPolicyName, annotations);
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

  /**
   * The ALLOW policy that admits catalog services into a peer's pods in an owned namespace.
   * @param namespace the owned namespace
   * @param peer peer name
   */
  public peerPolicy(namespace: string, peer: string): ApiObject | undefined {
    return this.byPeer.get(`${namespace}/${peer}`);
  }

  /** Adds the grants of a service's callers: catalog services, then peers. */
  private serviceGrants(context: PeerContext, service: ResolvedService, grants: Grants, problems: string[]): void {
    const model = context.model;
    for (const inbound of service.inbound) {
      const caller = model.service(inbound.fromId);
      const version = inbound.fromVersion !== undefined ? caller.versions.find(v => v.name === inbound.fromVersion) : undefined;
      const sources = version
        ? [`p:${principal(model.trustDomain, caller.namespace, version.serviceAccount)}`]
        : callerPrincipals(model, caller);
      this.addEntry(service, grants, sources, inbound.call.ports, inbound.call, version ? `${caller.id} (version ${version.name})` : caller.id);
    }
    for (const caller of service.callers) {
      const sources = peerSources(context, service, caller, problems);
      if (sources) {
        this.addEntry(service, grants, sources, caller.ports, caller, `peer ${caller.peer.name}`);
      }
    }
  }

  /** Ports where the entry is limited to routes get one operation per route; other ports any request. */
  private addEntry(
    service: ResolvedService,
    grants: Grants,
    sources: SourceKey[],
    ports: ReadonlyArray<ResolvedPort>,
    limited: RouteLimited,
    callerName: string,
  ): void {
    grants.open(sources, podPorts(ports.filter(p => routesOnPort(limited, p) === undefined)));
    for (const route of limited.routes) {
      const routePorts = podPorts(ports.filter(p => routesOnPort(limited, p)?.includes(route)));
      const { paths, exact } = authorizationPaths(route);
      if (!exact && route.http?.pathRegex !== undefined && routePorts.length > 0) {
        const key = `${service.id}|${route.name}`;
        const entry = this.widened.get(key) ?? { service, route, paths: paths ?? [], callers: new Set<string>() };
        entry.callers.add(callerName);
        this.widened.set(key, entry);
      }
      grants.route(sources, this.routeOperation(route), routePorts);
    }
  }

  /** The methods and paths of a route (ports are added by the caller). */
  private routeOperation(route: ResolvedRoute): sec.AuthorizationPolicySpecRulesToOperation {
    const { paths } = authorizationPaths(route);
    // gRPC is always POST; an HTTP route without a method admits every method.
    const methods = route.grpc ? ['POST'] : route.http?.method !== undefined ? [route.http.method] : undefined;
    return {
      ...(methods ? { methods } : {}),
      ...(paths ? { paths } : {}),
    };
  }

  /** Routes enforced wider than their regex: a warning when the catalog allows it, else a problem. */
  private reportWidenedRoutes(model: ResolvedCatalog, problems: string[]): void {
    for (const { service, route, paths, callers } of [...this.widened.values()].sort((a, b) => compareStrings(`${a.service.id}|${a.route.name}`, `${b.service.id}|${b.route.name}`))) {
      const who = [...callers].sort(compareStrings).join(', ');
      const example = wideningExample(paths, route.http!.pathRegex!);
      const extra = `${route.http?.method ?? 'any'} requests to paths matching ${paths.join(' or ')} that the regex ${route.http!.pathRegex} does not match${example ? ` (e.g. ${example})` : ''}`;
      if (widerEnforcementAllowed(model, route)) {
        this.approximatedPaths.push({ serviceId: service.id, route: route.name, regex: route.http!.pathRegex!, paths });
        this.warnings.push(`${service.id} route "${route.name}": the istio phase enforces it wider (allowWiderEnforcement): ${who} may also send ${extra} (AuthorizationPolicy paths have no regular expressions)`);
      } else {
        problems.push(`${service.id} route "${route.name}" (pathRegex ${route.http!.pathRegex}), limited for ${who}: AuthorizationPolicy paths have no regular expressions; the tightest paths Istio can say (${paths.join(', ')}) would also let them send ${extra}. Make the regex a literal path, \`[^/]+\` segments or alternatives of those, or set allowWiderEnforcement: true on the route (or l7Widening: allow) to accept the wider limit`);
      }
    }
  }

  /** One policy per owned namespace and pod peer that catalog services call. */
  private addPeerPolicies(
    AuthorizationPolicyAtRelease: typeof sec.AuthorizationPolicy, peerGrants: ReadonlyMap<string, PeerGrants>,
    peerPolicyName: (peer: ResolvedPeer) => string, annotations: Record<string, string> | undefined,
  ): void {
    const peerScope = new Construct(this, 'peers');
    for (const { namespace, peer, grants } of [...peerGrants.values()].sort((a, b) => compareStrings(`${a.namespace}|${a.peer.name}`, `${b.namespace}|${b.peer.name}`))) {
      const name = peerPolicyName(peer);
      this.byPeer.set(`${namespace}/${peer.name}`, new AuthorizationPolicyAtRelease(peerScope, constructId(namespace, peer.name), {
        metadata: { name, namespace, labels: { ...MANAGED_BY_LABELS }, ...(annotations ? { annotations } : {}) },
        spec: {
          ...(Object.keys(peer.selector).length > 0 ? { selector: { matchLabels: { ...peer.selector } } } : {}),
          action: sec.AuthorizationPolicySpecAction.ALLOW,
          rules: grants.rules(),
        },
      }));
    }
  }
}

/** What one source may do: pod ports open to any request, and route operations with their ports. */
interface SourceGrants {
  readonly open: Set<number>;
  readonly routes: Map<string, { op: sec.AuthorizationPolicySpecRulesToOperation; ports: Set<number> }>;
}

/**
 * Per source, the pod ports open to any request and, per route operation, the ports it is
 * limited to. Overlapping grants of one source merge, so no rule is redundant; sources
 * with the same grants share a rule.
 */
class Grants {
  private readonly sources = new Map<SourceKey, SourceGrants>();

  public open(sources: ReadonlyArray<SourceKey>, ports: ReadonlyArray<number>): void {
    if (ports.length > 0) {
      sources.forEach(s => ports.forEach(p => this.of(s).open.add(p)));
    }
  }

  public route(sources: ReadonlyArray<SourceKey>, op: sec.AuthorizationPolicySpecRulesToOperation, ports: ReadonlyArray<number>): void {
    const key = JSON.stringify(op);
    for (const s of sources) {
      const routes = this.of(s).routes;
      const entry = routes.get(key) ?? { op, ports: new Set<number>() };
      ports.forEach(p => entry.ports.add(p));
      routes.set(key, entry);
    }
  }

  /**
   * The rules. Istio drops a whole rule on TCP ports when any of its operations has HTTP
   * fields, so port-only grants get rules of their own.
   */
  public rules(): sec.AuthorizationPolicySpecRules[] {
    const grants = new Map<string, { to: sec.AuthorizationPolicySpecRulesTo[]; sources: Set<SourceKey> }>();
    const grant = (who: SourceKey, to: sec.AuthorizationPolicySpecRulesTo[]) => {
      if (to.length === 0) {
        return;
      }
      const key = JSON.stringify(to);
      const entry = grants.get(key) ?? { to, sources: new Set<SourceKey>() };
      entry.sources.add(who);
      grants.set(key, entry);
    };
    for (const [who, source] of this.sources) {
      if (source.open.size > 0) {
        grant(who, [{ operation: { ports: portList(source.open) } }]);
      }
      const routeOps = [...source.routes.values()]
        .map(({ op, ports }) => ({ ...op, ports: portList([...ports].filter(p => !source.open.has(p))) }))
        .filter(op => op.ports.length > 0)
        .map(op => ({ operation: op }))
        .sort((a, b) => compareStrings(JSON.stringify(a), JSON.stringify(b)));
      grant(who, routeOps);
    }
    return [...grants.entries()]
      .sort(([a], [b]) => compareStrings(a, b))
      .map(([, g]) => {
        const from = fromOf(g.sources);
        return { ...(from ? { from } : {}), to: g.to };
      });
  }

  private of(source: SourceKey): SourceGrants {
    const entry = this.sources.get(source) ?? { open: new Set<number>(), routes: new Map() };
    this.sources.set(source, entry);
    return entry;
  }
}

/** The `from` of a rule (entries are ORed), or undefined for any source. */
function fromOf(sources: ReadonlySet<SourceKey>): sec.AuthorizationPolicySpecRulesFrom[] | undefined {
  const values = (prefix: string) => [...sources].filter(s => s.startsWith(prefix)).map(s => s.slice(prefix.length)).sort();
  let principals = values('p:');
  if (principals.includes('*')) {
    principals = ['*']; // any authenticated principal covers the others
  }
  const plaintext = sources.has(PLAINTEXT_SOURCE);
  if (sources.has(ANY_SOURCE) || (plaintext && principals.includes('*'))) {
    return undefined;
  }
  const namespaces = values('n:');
  const ipBlocks = values('i:');
  return [
    ...(principals.length > 0 ? [{ source: { principals } }] : []),
    ...(namespaces.length > 0 ? [{ source: { namespaces } }] : []),
    // Any plaintext client covers those of some ranges.
    ...(plaintext ? [{ source: { notPrincipals: [...NO_IDENTITY] } }] : []),
    ...(!plaintext && ipBlocks.length > 0 ? [{ source: { ipBlocks, notPrincipals: [...NO_IDENTITY] } }] : []),
  ];
}

/** Every identity of a catalog service's pods (one per service account, shared ones once). */
function callerPrincipals(model: ResolvedCatalog, caller: ResolvedService): SourceKey[] {
  return [...new Set(caller.serviceAccounts)].map(sa => `p:${principal(model.trustDomain, caller.namespace, sa)}`);
}

/** What peer authorization depends on besides the caller entry. */
interface PeerContext {
  readonly model: ResolvedCatalog;
  readonly l4: L4Layer;
  /** Owned namespaces (their pods get sidecars by injection). */
  readonly owned: ReadonlySet<string>;
}

/** How Istio can recognise a peer caller; undefined (and a problem) when it cannot. */
function peerSources(context: PeerContext, service: ResolvedService, caller: ResolvedCaller, problems: string[]): SourceKey[] | undefined {
  const { model, l4 } = context;
  const peer = caller.peer;
  const where = `${service.id} callers[peer ${peer.name}]`;
  const narrowed = l4 !== L4Layer.NONE;
  const keepL4 = 'keep an L4 layer under the mesh (istio.l4: cilium or networkpolicy), which narrows it';
  const ports = caller.ports.map(p => p.ref).join(',');
  switch (peer.kind) {
    case 'pods': {
      if (!peer.meshed) {
        if (!narrowed) {
          problems.push(`${where}: peer "${peer.name}" is not in the mesh, so it presents no identity, and pods have no fixed addresses: Istio can only allow port ${ports} to plaintext clients from anywhere, and istio.l4: none leaves nothing to narrow that. ${capitalize(keepL4)}, or mesh the peer (meshed: true, with its serviceAccount).`);
          return undefined;
        }
        return unmeshedPodSources(context, peer);
      }
      if (peer.namespaceSelector !== undefined) {
        problems.push(`${where}: peer "${peer.name}" selects its namespaces by label (namespaceSelector) and is meshed, but Istio authorizes mesh identities by namespace name or service account, never by namespace label. Declare one peer per namespace ("namespace", with its "serviceAccount" when known), or mark it meshed: false to allow it by port under the L4 layer.`);
        return undefined;
      }
      if (peer.namespace !== undefined && peer.serviceAccount !== undefined) {
        return [`p:${principal(model.trustDomain, peer.namespace, peer.serviceAccount)}`];
      }
      const scope = peer.namespace !== undefined ? `namespace ${peer.namespace}` : 'every namespace';
      if (Object.keys(peer.selector).length > 0 && !narrowed) {
        const labels = Object.entries(peer.selector).map(([k, v]) => `${k}=${v}`).join(',');
        problems.push(`${where}: peer "${peer.name}" is the pods labelled ${labels} in ${scope}, but mesh identity is per service account: Istio could only admit every pod of ${scope}, and istio.l4: none leaves nothing to narrow that to the labels. Give peers[${peer.name}].serviceAccount${peer.namespace === undefined ? ' (with its namespace)' : ''}, or ${keepL4}.`);
        return undefined;
      }
      // Every identity of the namespace, or any authenticated principal.
      return [peer.namespace !== undefined ? `n:${peer.namespace}` : 'p:*'];
    }
    case 'world':
    case 'kube-apiserver': {
      if (peer.cidrs.length === 0) {
        if (!narrowed) {
          problems.push(`${where}: peer "${peer.name}" (the API server) is not in the mesh and gives no addresses: Istio can only allow port ${ports} to plaintext clients from anywhere, and istio.l4: none leaves nothing to narrow that. Give peers[${peer.name}].cidrs (its endpoint addresses: kubectl get endpoints kubernetes), or ${keepL4}.`);
          return undefined;
        }
        return [PLAINTEXT_SOURCE];
      }
      if (!narrowed && peer.cidrs.some(c => parseCidr(c)?.prefix === 0)) {
        problems.push(`${where}: peer "${peer.name}" ranges ${peer.cidrs.join(', ')} contain every address, the cluster's pods included: ipBlocks cannot tell the world from the cluster, and istio.l4: none leaves nothing to do it. Give peers[${peer.name}].cidrs (the clients' real ranges), or ${keepL4} (Cilium's world entity excludes the cluster).`);
        return undefined;
      }
      return [...peer.cidrs].sort().map(c => `i:${c}`);
    }
  }
}

/**
 * Sources of an unmeshed pod peer: plaintext clients, plus the identities of its pods
 * that carry a sidecar anyway: in an injected (owned) namespace or one a meshed peer
 * covers (by service account, else the namespace), and catalog workloads it selects. A
 * peer spanning namespaces may hold any identity: every source.
 */
/** Sources of each unmeshed pod peer, per catalog: every service's callers may ask (keep it linear). */
const UNMESHED_SOURCES = new WeakMap<ResolvedCatalog, Map<string, SourceKey[]>>();

function unmeshedPodSources(context: PeerContext, peer: ResolvedPeer): SourceKey[] {
  const byPeer = UNMESHED_SOURCES.get(context.model) ?? new Map<string, SourceKey[]>();
  UNMESHED_SOURCES.set(context.model, byPeer);
  const key = `${peer.name}|${[...context.owned].sort().join(',')}`;
  const cached = byPeer.get(key);
  if (cached) {
    return [...cached];
  }
  const keys = computeUnmeshedPodSources(context, peer);
  byPeer.set(key, keys);
  return [...keys];
}

function computeUnmeshedPodSources(context: PeerContext, peer: ResolvedPeer): SourceKey[] {
  const { model, owned } = context;
  if (peer.namespace === undefined) {
    return [ANY_SOURCE];
  }
  const keys: SourceKey[] = [PLAINTEXT_SOURCE];
  const namespace = peer.namespace;
  const injected = owned.has(namespace) || model.peers.some(q => q.kind === 'pods' && q.meshed && q.name !== peer.name && peerCoversNamespace(model, q, namespace));
  if (injected) {
    keys.push(peer.serviceAccount !== undefined ? `p:${principal(model.trustDomain, namespace, peer.serviceAccount)}` : `n:${namespace}`);
  }
  for (const service of model.services) {
    for (const set of podSets(service)) {
      if (peerMatchesPods(model, peer, service.namespace, set.labels, set.serviceAccount)) {
        keys.push(`p:${principal(model.trustDomain, service.namespace, set.serviceAccount)}`);
      }
    }
  }
  return keys;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Proxied pod ports of the given ports, sorted and unique. */
function podPorts(ports: ReadonlyArray<ResolvedPort>): number[] {
  return [...new Set(ports.filter(p => isProxied(p.protocol)).map(p => p.targetPort))].sort((a, b) => a - b);
}

/** Proxied port numbers of a peer call, sorted and unique. */
function proxiedNumbers(ports: ReadonlyArray<ExternalPort>): number[] {
  return [...new Set(ports.filter(p => p.protocol !== PortProtocol.UDP).map(p => p.port))].sort((a, b) => a - b);
}

function portList(ports: Iterable<number>): string[] {
  return [...ports].sort((a, b) => a - b).map(String);
}
