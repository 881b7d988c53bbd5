/**
 * Linkerd (2.16+) inbound authorization semantics over the endpoint universe, from the
 * emitted manifests (policy.linkerd.io Server, AuthorizationPolicy,
 * MeshTLSAuthentication, NetworkAuthentication, HTTPRoute; gateway.networking.k8s.io
 * HTTPRoute and GRPCRoute; v1 Namespace), combined (AND) with the L4 layer underneath.
 * Follows the policy controller and proxy sources:
 *
 * - Only meshed pods enforce; Linkerd proxies TCP only (UDP passes, the L4 layer decides)
 *   and does not restrict egress.
 * - Per pod port, the Server of the pod's namespace whose podSelector matches the pod and
 *   whose `port` is the port number or a container port name of the pod. Without one, the
 *   default inbound policy applies: the pod's (assumed, see below), else its namespace's
 *   `config.linkerd.io/default-inbound-policy`, else the cluster default
 *   (all-unauthenticated unless told). Two Servers on one port are an error.
 * - A Server's authorizations: AuthorizationPolicies targeting it (or its Namespace), plus
 *   what its `accessPolicy` (default deny) allows. An AuthorizationPolicy needs ALL its
 *   authentications: at most one MeshTLSAuthentication or ServiceAccount (client identity,
 *   which requires mTLS) and at most one NetworkAuthentication (client address in a
 *   network and not in its `except`); none of a kind = no requirement of that kind. A
 *   policy referring to a missing authentication is ignored.
 * - Identities: `<sa>.<ns>.serviceaccount.identity.<control-plane ns>.<trust domain>`;
 *   identity strings match exactly, `*` matches any, `*.suffix` any identity ending so;
 *   `identityRefs` of kind ServiceAccount (namespace defaults to the authentication's)
 *   or Namespace (`*.<ns>.serviceaccount...`).
 * - Routes: inbound routes are routes whose parentRef is a Server (HTTPRoutes on HTTP and
 *   detected servers, GRPCRoutes on gRPC servers). Without routes, a default route
 *   matches every request. With routes, a request must match one (else 404): the best
 *   match wins (longest matched path, then header and query match counts, then method);
 *   it is allowed when the route's own AuthorizationPolicies or the Server's allow the
 *   client. Opaque and TLS servers authorize connections only.
 * - Defaults: all-unauthenticated / audit allow all; all-authenticated requires mTLS;
 *   cluster-* additionally (or only) a client address in the cluster networks; deny
 *   nothing. Audit authorizations allow but are flagged: the report lists them as
 *   `audit` (tolerated with a warning), not as unexpected.
 * - A connection (`allows`) passes when some probe request on it would (request probes
 *   of the destination port, see requests.ts); kubelet probe routes are not modelled.
 *
 * L4: meshed clients dial a meshed server's proxy on 4143 rather than the app port, so a
 * meshed-to-meshed TCP flow needs the L4 layer to allow both 4143 and the app port.
 *
 * Outbound routes (HTTPRoute/GRPCRoute with a Service parent) are checked for canary
 * routing (`canaryRoutingProblems`): requests, with and without a header-routed version's
 * headers, must win rules whose backends are the versions (weights) or that version (and
 * its timeout); rules match headers exactly or by regular expression, names
 * case-insensitively, and more header matches win at equal path and method.
 *
 * Assumptions: pods of a namespace emitted with `linkerd.io/inject: enabled` are meshed;
 * declared workloads in other catalog namespaces are meshed with the phase's pod
 * annotations (`meshedWorkloads`), other pods there are not; the ingress controller is
 * meshed unless told (`meshedIngress`); peers' pods are meshed as the catalog declares
 * (`peers[].meshed`), and so is any other pod a meshed peer's scope holds, while one
 * carrying an unmeshed peer's labels is not (a peer without labels, e.g. `cluster`, says
 * nothing about the pods in its scope); a version's
 * pods present the version's service account; look-alike pods in the foreign namespace are
 * meshed (the harder case: a valid identity from the wrong namespace), the foreign
 * unlabelled pod and DNS are not; the API server and the world are addresses, never
 * meshed. Pods have no address unless the universe has a pod CIDR: address-less clients
 * match only networks that cover every address. Requests on a connection the intent
 * tolerates (the API server inside a world peer's ranges) are tolerated too.
 */
import { Bitset } from './bitset';
import { CiliumEvaluator, ciliumExposedFrom, ciliumIntent, isCiliumPolicy } from './cilium';
import { isRequestEvaluator } from './combined';
import { buildUniverse, Endpoint, endpointMatchesPeer, Universe, UniverseOptions, usedPeers } from './endpoints';
import { AnalysisDiagnostic, Flow, flowComparator, flowKey, formatFlow, PortProbe } from './flows';
import { declaredIntent, Intent } from './intent';
import { isNetworkPolicy, NetworkPolicyEvaluator } from './networkpolicy';
import { analyzeReachability, FlowEvaluator, intersectCandidates, ReachabilityOptions, ReachabilityReport, withRequests } from './reachability';
import { analyzeRequests, formatRequestFlow, RequestEvaluator, RequestFlow, RequestProbe, requestProbes, routeMatches, sampleRequest, UNDECLARED_PATH } from './requests';
import { LabelSelector, matchesSelector, parseLabelSelector } from './selectors';
import { universeIndex } from './universe-index';
import { CidrBlock, cidrContains, parseCidr } from '../model/cidr';
import { ResolvedCatalog, ResolvedPeer, ResolvedRoute, ResolvedService } from '../model/resolved';
import { isL7Port } from '../model/routes';
import { L4Layer, MeshMode, PortProtocol } from '../model/types';

/** Linkerd's cluster networks default (clusterNetworks), for the cluster-* policies. */
export const DEFAULT_CLUSTER_NETWORKS: readonly string[] = ['10.0.0.0/8', '100.64.0.0/10', '172.16.0.0/12', '192.168.0.0/16', 'fd00::/8'];
/** The proxy's inbound port. */
export const LINKERD_PROXY_INBOUND_PORT = 4143;

const INJECT_ANNOTATION = 'linkerd.io/inject';
const DEFAULT_POLICY_ANNOTATION = 'config.linkerd.io/default-inbound-policy';
const POLICY_GROUP = 'policy.linkerd.io';
const GATEWAY_GROUP = 'gateway.networking.k8s.io';
const RETRY_ANNOTATION_PREFIX = 'retry.linkerd.io/';
const DEFAULT_POLICIES = ['all-unauthenticated', 'all-authenticated', 'cluster-authenticated', 'cluster-unauthenticated', 'deny', 'audit'] as const;
export type LinkerdDefaultPolicy = typeof DEFAULT_POLICIES[number];

export interface LinkerdAnalysisOptions {
  /**
   * The cluster-wide default inbound policy (`proxy.defaultInboundPolicy`).
   * @default 'all-unauthenticated'
   */
  readonly clusterDefaultPolicy?: LinkerdDefaultPolicy;
  /**
   * Declared workloads outside namespaces emitted with the injection annotation carry
   * the phase's pod annotations (injection and this default policy); false: unmeshed.
   * @default - meshed, with the default policy of the catalog's `linkerd.mode`
   */
  readonly meshedWorkloads?: boolean;
  /** @default - PERMISSIVE: all-unauthenticated; ENFORCED: all-authenticated */
  readonly workloadDefaultPolicy?: LinkerdDefaultPolicy;
  /**
   * The ingress controller runs with a proxy.
   * @default true
   */
  readonly meshedIngress?: boolean;
  /**
   * Cluster networks (for the cluster-* policies).
   * @default DEFAULT_CLUSTER_NETWORKS
   */
  readonly clusterNetworks?: string[];
}

export interface LinkerdReachabilityOptions extends ReachabilityOptions, UniverseOptions, LinkerdAnalysisOptions {
  /**
   * The L4 layer to evaluate under Linkerd.
   * @default - from the manifests: CiliumNetworkPolicies and/or NetworkPolicies present, else none
   */
  readonly l4?: L4Layer;
}

// ---------------------------------------------------------------------------------------
// Parsing

type IdentityMatcher = { readonly exact: string } | { readonly suffix: string } | { readonly any: true };

interface NetworkMatch {
  readonly cidr: CidrBlock;
  readonly except: CidrBlock[];
}

interface ParsedServer {
  readonly namespace: string;
  readonly name: string;
  readonly podSelector: LabelSelector;
  readonly port: number | string;
  readonly proxyProtocol: string;
  readonly accessPolicy: LinkerdDefaultPolicy;
}

interface ObjectRef {
  readonly group: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

interface ParsedAuthorizationPolicy {
  readonly namespace: string;
  readonly name: string;
  readonly target: ObjectRef;
  readonly refs: ObjectRef[];
}

/** A header match of a route rule (name lower-cased: header names match case-insensitively). */
interface HeaderMatch {
  readonly name: string;
  readonly type: string;
  readonly value: string;
}

interface HttpRuleMatch {
  readonly method?: string;
  readonly path?: { readonly type: string; readonly value: string };
  readonly headers: HeaderMatch[];
  readonly queryParams: number;
}

interface GrpcRuleMatch {
  readonly type: string;
  readonly service?: string;
  readonly method?: string;
  readonly headers: HeaderMatch[];
}

/** A backend of an outbound route rule. */
export interface RouteBackend {
  readonly name: string;
  readonly port?: number;
  readonly weight?: number;
}

/** A request as routing sees it: a request probe, optionally with headers (lower-case names). */
export interface RoutedRequest extends RequestProbe {
  readonly headers?: Readonly<Record<string, string>>;
}

export interface RouteParent {
  readonly group: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  readonly port?: number;
}

/** A parsed HTTPRoute or GRPCRoute (inbound: parent Server; outbound: parent Service). */
export interface ParsedRoute {
  readonly group: string;
  readonly kind: 'HTTPRoute' | 'GRPCRoute';
  readonly namespace: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly parents: ReadonlyArray<RouteParent>;
  /** Per rule, its matches (a rule without matches matches everything) and backends. */
  readonly rules: ReadonlyArray<{ readonly http?: HttpRuleMatch[]; readonly grpc?: GrpcRuleMatch[]; readonly backends: RouteBackend[] }>;
}

interface ParsedLinkerd {
  readonly namespaces: Map<string, { inject?: string; defaultPolicy?: string }>;
  readonly servers: ParsedServer[];
  readonly meshTls: Map<string, IdentityMatcher[]>;
  readonly networks: Map<string, NetworkMatch[]>;
  readonly policies: ParsedAuthorizationPolicy[];
  readonly routes: ParsedRoute[];
  readonly diagnostics: AnalysisDiagnostic[];
}

function isRecord(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function groupOf(apiVersion: unknown): string {
  return typeof apiVersion === 'string' && apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
}

function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isRecord(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (typeof v === 'string') {
        out[k] = v;
      }
    }
  }
  return out;
}

function isDefaultPolicy(value: unknown): value is LinkerdDefaultPolicy {
  return typeof value === 'string' && (DEFAULT_POLICIES as readonly string[]).includes(value);
}

/** Identity strings: exact, `*` (any), `*.suffix`. */
function identityMatcher(text: string): IdentityMatcher {
  if (text === '*') {
    return { any: true };
  }
  return text.startsWith('*.') ? { suffix: text.slice(1) } : { exact: text };
}

function parseNetworks(raw: unknown, problems: string[]): NetworkMatch[] {
  const out: NetworkMatch[] = [];
  (Array.isArray(raw) ? raw : []).forEach((n: unknown, i: number) => {
    const cidr = isRecord(n) && typeof n.cidr === 'string' ? parseCidr(n.cidr) : undefined;
    if (!cidr) {
      problems.push(`networks[${i}].cidr is not a CIDR`);
      return;
    }
    const except = (isRecord(n) && Array.isArray(n.except) ? n.except : [])
      .map((e: unknown) => (typeof e === 'string' ? parseCidr(e) : undefined))
      .filter((b: CidrBlock | undefined): b is CidrBlock => b !== undefined);
    out.push({ cidr, except });
  });
  return out;
}

function parseRef(raw: unknown): ObjectRef | undefined {
  if (!isRecord(raw) || typeof raw.kind !== 'string' || typeof raw.name !== 'string') {
    return undefined;
  }
  return {
    group: typeof raw.group === 'string' ? raw.group : '',
    kind: raw.kind,
    name: raw.name,
    ...(typeof raw.namespace === 'string' && raw.namespace !== '' ? { namespace: raw.namespace } : {}),
  };
}

function parseHttpMatches(raw: unknown): HttpRuleMatch[] | undefined {
  if (!Array.isArray(raw) || raw.length === 0) {
    return undefined;
  }
  return raw.filter(isRecord).map(m => ({
    ...(typeof m.method === 'string' ? { method: m.method } : {}),
    ...(isRecord(m.path) ? { path: { type: typeof m.path.type === 'string' ? m.path.type : 'PathPrefix', value: typeof m.path.value === 'string' ? m.path.value : '/' } } : {}),
    headers: parseHeaderMatches(m.headers),
    queryParams: Array.isArray(m.queryParams) ? m.queryParams.length : 0,
  }));
}

function parseHeaderMatches(raw: unknown): HeaderMatch[] {
  return (Array.isArray(raw) ? raw : []).filter(isRecord).map(h => ({
    name: typeof h.name === 'string' ? h.name.toLowerCase() : '',
    type: typeof h.type === 'string' ? h.type : 'Exact',
    value: typeof h.value === 'string' ? h.value : '',
  }));
}

function parseBackends(raw: unknown): RouteBackend[] {
  return (Array.isArray(raw) ? raw : []).filter(isRecord).filter(b => typeof b.name === 'string').map(b => ({
    name: b.name as string,
    ...(typeof b.port === 'number' ? { port: b.port } : {}),
    ...(typeof b.weight === 'number' ? { weight: b.weight } : {}),
  }));
}

function parseGrpcMatches(raw: unknown): GrpcRuleMatch[] | undefined {
  if (!Array.isArray(raw) || raw.length === 0) {
    return undefined;
  }
  return raw.filter(isRecord).map(m => {
    const method = isRecord(m.method) ? m.method : {};
    return {
      type: typeof method.type === 'string' ? method.type : 'Exact',
      ...(typeof method.service === 'string' ? { service: method.service } : {}),
      ...(typeof method.method === 'string' ? { method: method.method } : {}),
      headers: parseHeaderMatches(m.headers),
    };
  });
}

function key(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

function parseLinkerd(catalog: ResolvedCatalog, manifests: ReadonlyArray<unknown>): ParsedLinkerd {
  const parsed: ParsedLinkerd = {
    namespaces: new Map(),
    servers: [],
    meshTls: new Map(),
    networks: new Map(),
    policies: [],
    routes: [],
    diagnostics: [],
  };
  const controlPlane = catalog.linkerd.controlPlaneNamespace;
  const identityOf = (sa: string, ns: string) => `${sa}.${ns}.serviceaccount.identity.${controlPlane}.${catalog.trustDomain}`;
  for (const manifest of manifests) {
    if (!isRecord(manifest) || !isRecord(manifest.metadata)) {
      continue;
    }
    const group = groupOf(manifest.apiVersion);
    const metadata = manifest.metadata;
    const name = typeof metadata.name === 'string' ? metadata.name : '';
    const namespace = typeof metadata.namespace === 'string' && metadata.namespace !== '' ? metadata.namespace : 'default';
    const spec = isRecord(manifest.spec) ? manifest.spec : {};
    const subject = `${manifest.kind} ${namespace}/${name}`;
    const problems: string[] = [];
    if (manifest.apiVersion === 'v1' && manifest.kind === 'Namespace') {
      const annotations = stringMap(metadata.annotations);
      parsed.namespaces.set(name, { inject: annotations[INJECT_ANNOTATION], defaultPolicy: annotations[DEFAULT_POLICY_ANNOTATION] });
      if (annotations[DEFAULT_POLICY_ANNOTATION] !== undefined && !isDefaultPolicy(annotations[DEFAULT_POLICY_ANNOTATION])) {
        parsed.diagnostics.push({ severity: 'error', subject: `Namespace ${name}`, message: `${DEFAULT_POLICY_ANNOTATION}: unknown policy ${JSON.stringify(annotations[DEFAULT_POLICY_ANNOTATION])}` });
      }
      continue;
    }
    if (group === POLICY_GROUP && manifest.kind === 'Server') {
      const port = spec.port;
      if (!(typeof port === 'number' || typeof port === 'string') || !isRecord(spec.podSelector)) {
        parsed.diagnostics.push({ severity: 'error', subject, message: 'needs a port and a podSelector (left out)' });
        continue;
      }
      const podSelector = parseLabelSelector(spec.podSelector, 'spec.podSelector', problems);
      const accessPolicy = spec.accessPolicy ?? 'deny';
      if (!isDefaultPolicy(accessPolicy)) {
        problems.push(`spec.accessPolicy: unknown policy ${JSON.stringify(accessPolicy)}`);
      }
      if (problems.length > 0) {
        problems.forEach(message => parsed.diagnostics.push({ severity: 'error', subject, message: `${message} (left out)` }));
        continue;
      }
      parsed.servers.push({
        namespace,
        name,
        podSelector,
        port,
        proxyProtocol: typeof spec.proxyProtocol === 'string' ? spec.proxyProtocol : 'unknown',
        accessPolicy: accessPolicy as LinkerdDefaultPolicy,
      });
      continue;
    }
    if (group === POLICY_GROUP && manifest.kind === 'MeshTLSAuthentication') {
      const matchers: IdentityMatcher[] = [];
      for (const id of Array.isArray(spec.identities) ? spec.identities : []) {
        if (typeof id === 'string') {
          matchers.push(identityMatcher(id));
        }
      }
      for (const ref of (Array.isArray(spec.identityRefs) ? spec.identityRefs : []).map(parseRef)) {
        if (!ref) {
          continue;
        }
        if (ref.kind === 'ServiceAccount' && (ref.group === '' || ref.group === 'core')) {
          matchers.push({ exact: identityOf(ref.name, ref.namespace ?? namespace) });
        } else if (ref.kind === 'Namespace' && (ref.group === '' || ref.group === 'core')) {
          matchers.push({ suffix: `.${ref.name}.serviceaccount.identity.${controlPlane}.${catalog.trustDomain}` });
        } else {
          parsed.diagnostics.push({ severity: 'error', subject, message: `identityRefs: unsupported kind ${ref.kind} (the authentication is rejected)` });
        }
      }
      if (matchers.length === 0) {
        parsed.diagnostics.push({ severity: 'error', subject, message: 'names no identity (the policy controller rejects it)' });
        continue;
      }
      parsed.meshTls.set(key(namespace, name), matchers);
      continue;
    }
    if (group === POLICY_GROUP && manifest.kind === 'NetworkAuthentication') {
      const networks = parseNetworks(spec.networks, problems);
      problems.forEach(message => parsed.diagnostics.push({ severity: 'error', subject, message }));
      parsed.networks.set(key(namespace, name), networks);
      continue;
    }
    if (group === POLICY_GROUP && manifest.kind === 'AuthorizationPolicy') {
      const target = parseRef(spec.targetRef);
      if (!target) {
        parsed.diagnostics.push({ severity: 'error', subject, message: 'needs a targetRef (left out)' });
        continue;
      }
      const refs = (Array.isArray(spec.requiredAuthenticationRefs) ? spec.requiredAuthenticationRefs : []).map(parseRef);
      if (refs.some(r => r === undefined)) {
        parsed.diagnostics.push({ severity: 'error', subject, message: 'a requiredAuthenticationRef lacks kind or name (left out)' });
        continue;
      }
      parsed.policies.push({ namespace, name, target, refs: refs as ObjectRef[] });
      continue;
    }
    if ((group === POLICY_GROUP && manifest.kind === 'HTTPRoute') || (group === GATEWAY_GROUP && (manifest.kind === 'HTTPRoute' || manifest.kind === 'GRPCRoute'))) {
      const kind = manifest.kind as 'HTTPRoute' | 'GRPCRoute';
      const parents = (Array.isArray(spec.parentRefs) ? spec.parentRefs : []).filter(isRecord).map((p: Record<string, any>) => ({
        group: typeof p.group === 'string' ? p.group : GATEWAY_GROUP,
        kind: typeof p.kind === 'string' ? p.kind : 'Gateway',
        name: typeof p.name === 'string' ? p.name : '',
        namespace: typeof p.namespace === 'string' ? p.namespace : namespace,
        ...(typeof p.port === 'number' ? { port: p.port } : {}),
      }));
      const rules = (Array.isArray(spec.rules) ? spec.rules : [{}]).filter(isRecord).map((r: Record<string, any>) => ({
        ...(kind === 'GRPCRoute' ? { grpc: parseGrpcMatches(r.matches) } : { http: parseHttpMatches(r.matches) }),
        backends: parseBackends(r.backendRefs),
      }));
      const labels = stringMap(metadata.labels);
      parsed.routes.push({ group, kind, namespace, name, labels, annotations: stringMap(metadata.annotations), parents, rules });
    }
  }
  return parsed;
}

// ---------------------------------------------------------------------------------------
// Request matching (Linkerd's precedence: matched path length, headers, query, method)

/** Score of a match; compare lexicographically. */
type Score = readonly number[];

function compareScores(a: Score, b: Score): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) {
      return d;
    }
  }
  return 0;
}

function trimSlashes(path: string): string {
  return path === '/' ? '/' : path.replace(/\/+$/, '');
}

function pathScore(type: string, value: string, path: string): number | undefined {
  switch (type) {
    case 'Exact':
      return path === value ? value.length : undefined;
    case 'RegularExpression':
      // linkerd2-proxy path.rs: `re.find(path)` (leftmost-first, unanchored) must span the
      // whole path; it then ranks by the whole path's length.
      try {
        const m = new RegExp(value.replace(/\(\?P</g, '(?<')).exec(path);
        return m !== null && m.index === 0 && m[0].length === path.length ? path.length : undefined;
      } catch {
        return undefined;
      }
    default: {
      const prefix = trimSlashes(value);
      if (prefix === '/') {
        return 1;
      }
      const rest = trimSlashes(path);
      return rest === prefix || rest.startsWith(prefix + '/') ? prefix.length : undefined;
    }
  }
}

/** Whether the request carries every header the match asks for. */
function headersMatch(matches: readonly HeaderMatch[], request: RoutedRequest): boolean {
  return matches.every(h => {
    const value = request.headers?.[h.name];
    if (value === undefined) {
      return false;
    }
    if (h.type === 'RegularExpression') {
      try {
        return new RegExp(`^(?:${h.value})$`).test(value);
      } catch {
        return false;
      }
    }
    return value === h.value;
  });
}

function httpMatchScore(m: HttpRuleMatch, request: RoutedRequest): Score | undefined {
  if (m.method !== undefined && m.method !== request.method) {
    return undefined;
  }
  if (m.queryParams > 0 || !headersMatch(m.headers, request)) {
    return undefined; // probes carry no query parameters
  }
  const length = m.path ? pathScore(m.path.type, m.path.value, request.path) : 1;
  // linkerd2-proxy http/match.rs RequestMatch ordering: path, headers, query params, method.
  return length === undefined ? undefined : [length, m.headers.length, 0, m.method !== undefined ? 1 : 0];
}

/**
 * `POST /<service>/<method>` → service and method; otherwise not a gRPC request. As
 * linkerd2-proxy `linkerd/http/route/src/grpc/match.rs` reads them: the first two path
 * segments (more segments are ignored, an empty method is a method).
 */
function grpcParts(request: RequestProbe): { service: string; method: string } | undefined {
  const parts = request.path.split('/');
  return request.method === 'POST' && parts[0] === '' && parts.length >= 3 ? { service: parts[1], method: parts[2] } : undefined;
}

function grpcMatchScore(m: GrpcRuleMatch, request: RoutedRequest): Score | undefined {
  const parts = grpcParts(request);
  if (!parts || !headersMatch(m.headers, request)) {
    return undefined;
  }
  const test = (pattern: string | undefined, value: string) => {
    if (pattern === undefined) {
      return true;
    }
    if (m.type === 'RegularExpression') {
      try {
        return new RegExp(`^(?:${pattern})$`).test(value);
      } catch {
        return false;
      }
    }
    return pattern === value;
  };
  if (!test(m.service, parts.service) || !test(m.method, parts.method)) {
    return undefined;
  }
  return [m.service !== undefined ? parts.service.length : 0, m.method !== undefined ? parts.method.length : 0, m.headers.length];
}

/**
 * Best score of each rule of a route for a request. A rule without matches matches every
 * request, gRPC or not (the proxy's implicit default match), at the lowest score.
 */
function ruleScores(route: ParsedRoute, request: RoutedRequest): Array<Score | undefined> {
  return route.rules.map(rule => {
    const scores: Array<Score | undefined> = route.kind === 'GRPCRoute'
      ? (rule.grpc ?? [undefined]).map(m => (m ? grpcMatchScore(m, request) : [0, 0]))
      : (rule.http ?? [undefined]).map(m => (m ? httpMatchScore(m, request) : [1, 0]));
    let best: Score | undefined;
    for (const sc of scores) {
      if (sc && (!best || compareScores(sc, best) > 0)) {
        best = sc;
      }
    }
    return best;
  });
}

/** A rule of a route that wins a request. */
export interface WinningRule {
  readonly route: ParsedRoute;
  readonly rule: number;
}

/**
 * The rules that win a request (several when tied: Linkerd then goes by creation time,
 * which manifests do not fix), sorted by route name and rule. Empty when none matches.
 */
export function winningRules(routes: ReadonlyArray<ParsedRoute>, request: RoutedRequest): WinningRule[] {
  let best: Score | undefined;
  let winners: WinningRule[] = [];
  for (const route of routes) {
    ruleScores(route, request).forEach((score, rule) => {
      if (!score) {
        return;
      }
      const c = best ? compareScores(score, best) : 1;
      if (c > 0) {
        best = score;
        winners = [{ route, rule }];
      } else if (c === 0) {
        winners.push({ route, rule });
      }
    });
  }
  return winners.sort((a, b) => compareText(a.route.name, b.route.name) || a.rule - b.rule);
}

/** The routes that win a request (see `winningRules`). */
export function winningRoutes(routes: ReadonlyArray<ParsedRoute>, request: RoutedRequest): ParsedRoute[] {
  return [...new Set(winningRules(routes, request).map(w => w.route))];
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------------------------------
// The evaluator

/** Verdict of Linkerd on one request or connection. */
export interface LinkerdDecision {
  readonly allowed: boolean;
  /** Allowed only by an audit authorization (accessPolicy or default policy `audit`). */
  readonly audit: boolean;
  /** What decided, e.g. `Server shop/checkout-grpc, route shop/checkout-grpc-place-order`. */
  readonly reason: string;
}

interface Authorization {
  readonly identities?: IdentityMatcher[];
  readonly networks?: NetworkMatch[];
  readonly audit: boolean;
  readonly name: string;
}

const ALL_NETWORKS: NetworkMatch[] = [
  { cidr: parseCidr('0.0.0.0/0')!, except: [] },
  { cidr: parseCidr('::/0')!, except: [] },
];

/** The authorization a default (or access) policy stands for; none for deny. */
function defaultAuthorization(policy: LinkerdDefaultPolicy, clusterNetworks: NetworkMatch[]): Authorization | undefined {
  switch (policy) {
    case 'all-unauthenticated':
      return { audit: false, name: policy };
    case 'audit':
      return { audit: true, name: policy };
    case 'all-authenticated':
      return { identities: [{ any: true }], audit: false, name: policy };
    case 'cluster-authenticated':
      return { identities: [{ any: true }], networks: clusterNetworks, audit: false, name: policy };
    case 'cluster-unauthenticated':
      return { networks: clusterNetworks, audit: false, name: policy };
    default:
      return undefined;
  }
}

/**
 * Linkerd's verdicts over a universe. `allows` and `allowsRequest` are Linkerd alone (no
 * L4 layer); `LinkerdMeshEvaluator` combines it with the L4 layer.
 */
export class LinkerdEvaluator implements FlowEvaluator, RequestEvaluator {
  public readonly name = 'Linkerd';
  public readonly diagnostics: ReadonlyArray<AnalysisDiagnostic>;
  private readonly catalog: ResolvedCatalog;
  private readonly parsed: ParsedLinkerd;
  private readonly options: Required<Omit<LinkerdAnalysisOptions, 'clusterNetworks'>>;
  private readonly clusterNetworks: NetworkMatch[];
  private readonly serverCache = new Map<string, ParsedServer | undefined>();
  /** Pod peers the catalog uses (the ingress controller has its own option). */
  private readonly podPeers: ResolvedPeer[];
  private readonly probeCache = new Map<string, RequestProbe[]>();
  /** Per namespace, Server and route: what only the manifests decide, computed once. */
  private readonly memos = {
    indexes: new Map<string, unknown>(),
    /** The Servers selecting each pod of the universe (by position), in manifest order. */
    selecting: undefined as ParsedServer[][] | undefined,
    inboundRoutes: new Map<ParsedServer, ParsedRoute[]>(),
    serverAuthorizations: new Map<ParsedServer, Authorization[]>(),
    routeAuthorizations: new Map<ParsedRoute, Authorization[]>(),
  };

  public constructor(
    private readonly universe: Universe,
    catalog: ResolvedCatalog,
    manifests: ReadonlyArray<unknown>,
    options: LinkerdAnalysisOptions = {},
  ) {
    this.catalog = catalog;
    this.parsed = parseLinkerd(catalog, manifests);
    this.options = {
      clusterDefaultPolicy: options.clusterDefaultPolicy ?? 'all-unauthenticated',
      meshedWorkloads: options.meshedWorkloads ?? true,
      workloadDefaultPolicy: options.workloadDefaultPolicy ?? (catalog.linkerd.mode === MeshMode.PERMISSIVE ? 'all-unauthenticated' : 'all-authenticated'),
      meshedIngress: options.meshedIngress ?? true,
    };
    this.podPeers = usedPeers(catalog).filter(p => p.kind === 'pods' && p.name !== 'ingress-controller');
    this.clusterNetworks = (options.clusterNetworks ?? [...DEFAULT_CLUSTER_NETWORKS])
      .map(c => parseCidr(c)).filter((b): b is CidrBlock => b !== undefined).map(cidr => ({ cidr, except: [] }));
    const diagnostics = [...this.parsed.diagnostics];
    // Two Servers selecting one pod port: the policy controller keeps one arbitrarily.
    for (const e of universe.endpoints.filter(x => x.kind === 'pod')) {
      const ports = new Set([...e.containerPorts.map(p => p.port), ...this.parsed.servers.filter(s => typeof s.port === 'number').map(s => s.port as number)]);
      for (const port of ports) {
        const servers = this.serversFor(e, port);
        if (servers.length > 1) {
          diagnostics.push({ severity: 'error', subject: `Server ${e.namespace}/${servers.map(s => s.name).join(', ')}`, message: `several Servers select port ${port} of ${e.id}; Linkerd uses one of them arbitrarily` });
        }
      }
    }
    for (const policy of this.parsed.policies) {
      const problem = this.authorizationProblem(policy);
      if (problem) {
        diagnostics.push({ severity: 'warning', subject: `AuthorizationPolicy ${policy.namespace}/${policy.name}`, message: `${problem}; Linkerd ignores the policy` });
      }
    }
    this.diagnostics = diagnostics;
  }

  /** Whether the endpoint runs a Linkerd proxy (see the module notes for the assumptions). */
  public isMeshed(endpoint: Endpoint): boolean {
    if (endpoint.kind !== 'pod' || endpoint.role === 'dns') {
      return false;
    }
    if (endpoint.role === 'ingress-controller') {
      return this.options.meshedIngress;
    }
    if (endpoint.role === 'peer') {
      return endpoint.meshed === true; // as the catalog declares the peer
    }
    if (this.parsed.namespaces.get(endpoint.namespace!)?.inject === 'enabled') {
      return true;
    }
    if (endpoint.role === 'workload') {
      return this.options.meshedWorkloads;
    }
    // Other pods a peer declares are as the peer says: meshed (e.g. any pod of a meshed
    // namespace peer's namespace), or unmeshed when they carry an unmeshed peer's labels.
    // A scope without labels (`cluster`) says nothing about the pods in it.
    const peers = this.podPeers.filter(peer => endpointMatchesPeer(peer, endpoint));
    if (peers.some(peer => peer.meshed)) {
      return true;
    }
    if (peers.some(peer => Object.keys(peer.selector).length > 0)) {
      return false;
    }
    return endpoint.role === 'lookalike';
  }

  /** The mTLS identity of a meshed endpoint. */
  public identity(endpoint: Endpoint): string | undefined {
    if (!this.isMeshed(endpoint)) {
      return undefined;
    }
    return `${this.serviceAccountOf(endpoint)}.${endpoint.namespace}.serviceaccount.identity.${this.catalog.linkerd.controlPlaneNamespace}.${this.catalog.trustDomain}`;
  }

  /** A pod's service account: a version's own for a version's pods. */
  private serviceAccountOf(endpoint: Endpoint): string {
    if (endpoint.role === 'ingress-controller') {
      return this.catalog.ingressController.serviceAccount;
    }
    const workload = endpoint.workload;
    if (endpoint.role === 'workload' && workload?.version !== undefined) {
      const version = this.catalog.service(workload.serviceId).versions.find(v => v.name === workload.version);
      if (version && version.backend === undefined) {
        return version.serviceAccount;
      }
    }
    return endpoint.serviceAccount ?? 'default';
  }

  /** Linkerd alone never restricts egress. */
  public isEgressRestricted(): boolean {
    return false;
  }

  /** Whether Linkerd lets some probe request (or the connection, on opaque ports) through. */
  public allows(from: Endpoint, to: Endpoint, probe: PortProbe): boolean {
    return this.decideConnection(from, to, probe).allowed;
  }

  public allowsRequest(from: Endpoint, to: Endpoint, probe: PortProbe, request: RequestProbe): boolean {
    return this.decideRequest(from, to, probe, request).allowed;
  }

  /** Linkerd's verdict on a connection: allowed when some probe request would be. */
  public decideConnection(from: Endpoint, to: Endpoint, probe: PortProbe): LinkerdDecision {
    const early = this.notEnforced(to, probe);
    if (early) {
      return early;
    }
    const server = this.serverFor(to, probe.port);
    if (server && (server.proxyProtocol === 'opaque' || server.proxyProtocol === 'TLS')) {
      return this.authorize(from, this.serverAuthorizations(server), `Server ${server.namespace}/${server.name}`);
    }
    let audited: LinkerdDecision | undefined;
    let denied: LinkerdDecision | undefined;
    for (const request of this.probesFor(to, probe.port)) {
      const d = this.decideRequest(from, to, probe, request);
      if (d.allowed && !d.audit) {
        return d;
      }
      if (d.allowed) {
        audited = audited ?? d;
      } else {
        denied = denied ?? d;
      }
    }
    return audited ?? denied ?? { allowed: false, audit: false, reason: 'no request' };
  }

  /** Linkerd's verdict on one request. */
  public decideRequest(from: Endpoint, to: Endpoint, probe: PortProbe, request: RequestProbe): LinkerdDecision {
    const early = this.notEnforced(to, probe);
    if (early) {
      return early;
    }
    const server = this.serverFor(to, probe.port);
    if (!server) {
      const policy = this.defaultPolicyOf(to);
      const authz = defaultAuthorization(policy, this.clusterNetworks);
      return this.authorize(from, authz ? [authz] : [], 'default inbound policy');
    }
    const subject = `Server ${server.namespace}/${server.name}`;
    const serverAuthz = this.serverAuthorizations(server);
    if (server.proxyProtocol === 'opaque' || server.proxyProtocol === 'TLS') {
      return this.authorize(from, serverAuthz, subject);
    }
    const routes = this.inboundRoutes(server);
    if (routes.length === 0) {
      return this.authorize(from, serverAuthz, subject);
    }
    const winners = winningRoutes(routes, request);
    if (winners.length === 0) {
      return { allowed: false, audit: false, reason: `${subject}: no route matches (404)` };
    }
    // Ties go by creation time: the request passes only if every tied route lets it.
    let result: LinkerdDecision | undefined;
    for (const route of winners) {
      const d = this.authorize(from, [...this.routeAuthorizations(route), ...serverAuthz], `${subject}, ${route.kind} ${route.namespace}/${route.name}`);
      if (!d.allowed) {
        return d;
      }
      result = result && !result.audit ? result : d;
    }
    return result!;
  }

  /** UDP, unmeshed destinations: Linkerd does not decide. */
  private notEnforced(to: Endpoint, probe: PortProbe): LinkerdDecision | undefined {
    if (probe.protocol !== 'TCP') {
      return { allowed: true, audit: false, reason: 'UDP is not proxied' };
    }
    if (!this.isMeshed(to)) {
      return { allowed: true, audit: false, reason: 'destination not meshed' };
    }
    return undefined;
  }

  private defaultPolicyOf(pod: Endpoint): LinkerdDefaultPolicy {
    const ns = this.parsed.namespaces.get(pod.namespace!);
    if (ns?.inject !== 'enabled' && pod.role === 'workload' && this.options.meshedWorkloads) {
      return this.options.workloadDefaultPolicy; // the pod template annotation
    }
    return isDefaultPolicy(ns?.defaultPolicy) ? ns!.defaultPolicy as LinkerdDefaultPolicy : this.options.clusterDefaultPolicy;
  }

  private serversFor(pod: Endpoint, port: number): ParsedServer[] {
    return this.serversSelecting(pod).filter(s => (typeof s.port === 'number' ? s.port === port : pod.containerPorts.some(c => c.name === s.port && c.port === port && c.protocol === 'TCP')));
  }

  /** The Servers of the pod's namespace whose podSelector matches it, in manifest order. */
  private serversSelecting(pod: Endpoint): ParsedServer[] {
    const index = universeIndex(this.universe);
    if (!index.owns(pod)) {
      return this.parsed.servers.filter(s => s.namespace === pod.namespace && matchesSelector(s.podSelector, pod.labels));
    }
    if (!this.memos.selecting) {
      const selecting: ParsedServer[][] = Array.from({ length: index.size }, () => []);
      for (const server of this.parsed.servers) {
        index.podsIn(server.namespace).clone().andWith(index.podLabels.matching(server.podSelector)).forEach(i => selecting[i].push(server));
      }
      this.memos.selecting = selecting;
    }
    return this.memos.selecting[index.position(pod)];
  }

  private serverFor(pod: Endpoint, port: number): ParsedServer | undefined {
    const cacheKey = `${pod.id}\u0000${port}`;
    if (!this.serverCache.has(cacheKey)) {
      const servers = this.serversFor(pod, port).sort((a, b) => (a.name < b.name ? -1 : 1));
      this.serverCache.set(cacheKey, servers[0]);
    }
    return this.serverCache.get(cacheKey);
  }

  private inboundRoutes(server: ParsedServer): ParsedRoute[] {
    return this.memo(this.memos.inboundRoutes, server, () => {
      const grpc = server.proxyProtocol === 'gRPC';
      return this.indexed('routes', this.parsed.routes, r => r.parents.map(p => `${r.namespace}\u0000${p.name}`), `${server.namespace}\u0000${server.name}`)
        .filter(r => r.namespace === server.namespace
        && (grpc ? r.kind === 'GRPCRoute' : r.kind === 'HTTPRoute')
        && r.parents.some(p => p.group === POLICY_GROUP && p.kind === 'Server' && p.name === server.name && p.namespace === server.namespace));
    });
  }

  /** A value computed once per key (parsed objects never change). */
  private memo<K, V>(cache: Map<K, V>, at: K, compute: () => V): V {
    if (!cache.has(at)) {
      cache.set(at, compute());
    }
    return cache.get(at)!;
  }

  private serverAuthorizations(server: ParsedServer): Authorization[] {
    return this.memo(this.memos.serverAuthorizations, server, () => this.computeServerAuthorizations(server));
  }

  /**
   * The items of `all` filed under `key` by `keysOf`, in their order in `all` (each once):
   * candidates the callers filter exactly as they would filter `all`.
   */
  private indexed<T>(name: string, all: ReadonlyArray<T>, keysOf: (item: T) => string[], wanted: string): T[] {
    let byKey = this.memos.indexes.get(name) as Map<string, number[]> | undefined;
    if (!byKey) {
      const built = new Map<string, number[]>();
      all.forEach((item, i) => {
        for (const k of new Set(keysOf(item))) {
          const list = built.get(k);
          if (list) {
            list.push(i);
          } else {
            built.set(k, [i]);
          }
        }
      });
      this.memos.indexes.set(name, built);
      byKey = built;
    }
    return (byKey.get(wanted) ?? []).map(i => all[i]);
  }

  /** Policies by `<namespace>\0<target name>`, and Namespace-targeted ones by `<namespace>\0` too. */
  private policyCandidates(namespace: string, targetName: string): ParsedAuthorizationPolicy[] {
    const keysOf = (p: ParsedAuthorizationPolicy) => [`${p.namespace}\u0000${p.target.name}`, ...(p.target.kind === 'Namespace' ? [`${p.namespace}\u0000`] : [])];
    const named = this.indexed('policies', this.parsed.policies, keysOf, `${namespace}\u0000${targetName}`);
    const namespaceWide = this.indexed('policies', this.parsed.policies, keysOf, `${namespace}\u0000`);
    if (namespaceWide.length === 0) {
      return named;
    }
    let order = this.memos.indexes.get('policy-order') as Map<ParsedAuthorizationPolicy, number> | undefined;
    if (!order) {
      order = new Map(this.parsed.policies.map((p, i) => [p, i]));
      this.memos.indexes.set('policy-order', order);
    }
    const rank = order;
    return [...new Set([...named, ...namespaceWide])].sort((a, b) => rank.get(a)! - rank.get(b)!);
  }

  private computeServerAuthorizations(server: ParsedServer): Authorization[] {
    const out = this.policyCandidates(server.namespace, server.name)
      .filter(p => p.namespace === server.namespace
        && ((p.target.kind === 'Server' && p.target.group === POLICY_GROUP && p.target.name === server.name)
          || (p.target.kind === 'Namespace' && (p.target.group === '' || p.target.group === 'core'))))
      .map(p => this.policyAuthorization(p))
      .filter((a): a is Authorization => a !== undefined);
    const access = defaultAuthorization(server.accessPolicy, this.clusterNetworks);
    return access ? [...out, { ...access, name: `accessPolicy ${server.accessPolicy}` }] : out;
  }

  private routeAuthorizations(route: ParsedRoute): Authorization[] {
    return this.memo(this.memos.routeAuthorizations, route, () => this.policyCandidates(route.namespace, route.name)
      .filter(p => p.namespace === route.namespace && p.target.kind === route.kind && p.target.name === route.name
        && (p.target.group === route.group || (route.group === GATEWAY_GROUP && p.target.group === GATEWAY_GROUP)))
      .map(p => this.policyAuthorization(p))
      .filter((a): a is Authorization => a !== undefined));
  }

  private authorizationProblem(policy: ParsedAuthorizationPolicy): string | undefined {
    let identities = 0;
    let networks = 0;
    for (const ref of policy.refs) {
      const ns = ref.namespace ?? policy.namespace;
      if (ref.kind === 'MeshTLSAuthentication') {
        identities++;
        if (!this.parsed.meshTls.has(key(ns, ref.name))) {
          return `MeshTLSAuthentication ${ns}/${ref.name} does not exist`;
        }
      } else if (ref.kind === 'NetworkAuthentication') {
        networks++;
        if (!this.parsed.networks.has(key(ns, ref.name))) {
          return `NetworkAuthentication ${ns}/${ref.name} does not exist`;
        }
      } else if (ref.kind === 'ServiceAccount') {
        identities++;
      } else {
        return `unsupported authentication kind ${ref.kind}`;
      }
    }
    if (identities > 1 || networks > 1) {
      return 'more than one identity or network authentication';
    }
    return undefined;
  }

  private policyAuthorization(policy: ParsedAuthorizationPolicy): Authorization | undefined {
    if (this.authorizationProblem(policy)) {
      return undefined;
    }
    let identities: IdentityMatcher[] | undefined;
    let networks: NetworkMatch[] | undefined;
    for (const ref of policy.refs) {
      const ns = ref.namespace ?? policy.namespace;
      if (ref.kind === 'MeshTLSAuthentication') {
        identities = this.parsed.meshTls.get(key(ns, ref.name));
      } else if (ref.kind === 'ServiceAccount') {
        identities = [{ exact: `${ref.name}.${ns}.serviceaccount.identity.${this.catalog.linkerd.controlPlaneNamespace}.${this.catalog.trustDomain}` }];
      } else {
        networks = this.parsed.networks.get(key(ns, ref.name));
      }
    }
    return { identities, networks, audit: false, name: `AuthorizationPolicy ${policy.namespace}/${policy.name}` };
  }

  private clientMatches(from: Endpoint, authz: Authorization): boolean {
    if (authz.identities) {
      const id = this.identity(from);
      if (id === undefined || !authz.identities.some(m => ('any' in m) || ('exact' in m ? m.exact === id : id.endsWith(m.suffix)))) {
        return false;
      }
    }
    const networks = authz.networks ?? ALL_NETWORKS;
    return networks.some(n => this.inNetwork(from, n));
  }

  private inNetwork(from: Endpoint, network: NetworkMatch): boolean {
    if (from.ip) {
      return cidrContains(network.cidr, from.ip) && !network.except.some(e => cidrContains(e, from.ip!));
    }
    if (from.kind === 'pod' && this.clusterNetworks.some(c => c.cidr === network.cidr)) {
      return true; // address-less pods are in the cluster networks
    }
    return network.cidr.prefix === 0 && network.except.length === 0;
  }

  private authorize(from: Endpoint, authorizations: Authorization[], subject: string): LinkerdDecision {
    const matching = authorizations.filter(a => this.clientMatches(from, a));
    const firm = matching.find(a => !a.audit);
    if (firm) {
      return { allowed: true, audit: false, reason: `${subject}: ${firm.name}` };
    }
    if (matching.length > 0) {
      return { allowed: true, audit: true, reason: `${subject}: ${matching[0].name}` };
    }
    return { allowed: false, audit: false, reason: `${subject}: no authorization matches` };
  }

  /** Requests tried on a connection: the destination port's request probes, else generic ones. */
  private probesFor(to: Endpoint, port: number): RequestProbe[] {
    const cacheKey = `${to.workload?.serviceId ?? to.id}\u0000${port}`;
    let probes = this.probeCache.get(cacheKey);
    if (!probes) {
      probes = [];
      if (to.workload && !to.workload.clientOnly) {
        const service = this.catalog.service(to.workload.serviceId);
        for (const p of service.ports.filter(sp => sp.targetPort === port)) {
          probes.push(...requestProbes(service, p));
        }
      }
      probes.push({ method: 'GET', path: UNDECLARED_PATH }, { method: 'POST', path: '/mesh.ladder.Undeclared/MeshLadderUndeclared' });
      this.probeCache.set(cacheKey, probes);
    }
    return probes;
  }
}

// ---------------------------------------------------------------------------------------
// Linkerd + L4

/** Allows everything: the L4 layer `none`. */
class NoL4Evaluator implements FlowEvaluator {
  public readonly name = 'no L4 layer';
  public readonly diagnostics: ReadonlyArray<AnalysisDiagnostic> = [];
  public allows(): boolean {
    return true;
  }
  public isEgressRestricted(): boolean {
    return false;
  }
}

/**
 * Linkerd AND the L4 layer(s): a flow must pass every L4 evaluator (on the app port, and
 * between meshed pods also on the proxy's inbound port 4143) and Linkerd.
 */
export class LinkerdMeshEvaluator implements FlowEvaluator, RequestEvaluator {
  public readonly name: string;
  public readonly linkerd: LinkerdEvaluator;
  private readonly l4: FlowEvaluator[];

  public constructor(linkerd: LinkerdEvaluator, l4: FlowEvaluator[]) {
    this.linkerd = linkerd;
    this.l4 = l4.length > 0 ? l4 : [new NoL4Evaluator()];
    this.name = `Linkerd + ${this.l4.map(e => e.name).join(' + ')}`;
  }

  public get diagnostics(): ReadonlyArray<AnalysisDiagnostic> {
    return [...this.l4.flatMap(e => e.diagnostics), ...this.linkerd.diagnostics];
  }

  public l4Allows(from: Endpoint, to: Endpoint, probe: PortProbe): boolean {
    const proxied = probe.protocol === 'TCP' && this.linkerd.isMeshed(from) && this.linkerd.isMeshed(to);
    const probes = proxied ? [probe, { port: LINKERD_PROXY_INBOUND_PORT, protocol: 'TCP' as const }] : [probe];
    return this.l4.every(e => probes.every(p => e.allows(from, to, p)));
  }

  public allows(from: Endpoint, to: Endpoint, probe: PortProbe): boolean {
    return this.l4Allows(from, to, probe) && this.linkerd.allows(from, to, probe);
  }

  public allowsRequest(from: Endpoint, to: Endpoint, probe: PortProbe, request: RequestProbe): boolean {
    const l4Requests = this.l4.every(e => !isRequestEvaluator(e) || e.allowsRequest(from, to, probe, request));
    return this.l4Allows(from, to, probe) && l4Requests && this.linkerd.allowsRequest(from, to, probe, request);
  }

  public isEgressRestricted(endpoint: Endpoint): boolean {
    return this.l4.some(e => e.isEgressRestricted(endpoint));
  }

  /** Every L4 layer must allow the probe itself (and Linkerd names no candidates). */
  public candidateSources(to: Endpoint, probe: PortProbe): Bitset | undefined {
    return intersectCandidates(this.l4, to, probe);
  }
}


// ---------------------------------------------------------------------------------------
// Retry safety

/**
 * Retry safety of the outbound routes among `manifests`, one line per problem:
 * - a route object with retry annotations must carry only idempotent catalog routes: each
 *   of its matches is checked against the catalog routes of its parent port, by sample
 *   request, and a label `mesh-ladder.dev/route` naming a non-idempotent route fails;
 * - every sample request of a non-idempotent catalog route must be won (Gateway API
 *   precedence, ties counted against) by route objects without retry annotations;
 * - a Service serving a non-idempotent route carries no retry annotation.
 */
export function retrySafetyProblems(catalog: ResolvedCatalog, manifests: ReadonlyArray<unknown>): string[] {
  const problems: string[] = [];
  const routes = parseLinkerd(catalog, manifests).routes;
  const hasRetries = (annotations: Readonly<Record<string, string>>) => Object.keys(annotations).some(k => k.startsWith(RETRY_ANNOTATION_PREFIX));
  const services = new Map(catalog.services.map(s => [key(s.namespace, s.name), s]));

  for (const manifest of manifests) {
    if (!isRecord(manifest) || manifest.apiVersion !== 'v1' || manifest.kind !== 'Service' || !isRecord(manifest.metadata)) {
      continue;
    }
    const ns = typeof manifest.metadata.namespace === 'string' ? manifest.metadata.namespace : 'default';
    const service = services.get(key(ns, String(manifest.metadata.name)));
    if (service && hasRetries(stringMap(manifest.metadata.annotations)) && service.routes.some(r => !r.idempotent)) {
      problems.push(`Service ${ns}/${service.name} carries retry annotations but serves non-idempotent routes (${service.routes.filter(r => !r.idempotent).map(r => r.name).join(', ')})`);
    }
  }

  for (const service of catalog.services.filter(s => !s.clientOnly)) {
    for (const port of service.ports) {
      const attached = outboundRoutesFor(routes, service, port.port);
      if (attached.length === 0) {
        continue;
      }
      const served = service.routes.filter(r => r.ports.includes(port));
      for (const route of attached.filter(r => hasRetries(r.annotations))) {
        const labelled = route.labels['mesh-ladder.dev/route'];
        const named = labelled !== undefined ? service.routes.find(r => r.name === labelled) : undefined;
        if (named && !named.idempotent) {
          problems.push(`${route.kind} ${route.namespace}/${route.name} retries requests of the non-idempotent route ${named.name}`);
        }
      }
      for (const route of served.filter(r => !r.idempotent)) {
        for (const request of nonIdempotentSamples(route)) {
          const winners = winningRoutes(attached, request);
          const retried = winners.filter(w => hasRetries(w.annotations));
          if (retried.length > 0) {
            problems.push(`${service.id} port ${port.ref}: ${request.method} ${request.path} (non-idempotent route ${route.name}) can be won by ${retried.map(r => `${r.kind} ${r.name}`).join(', ')}, which retries`);
          }
        }
      }
    }
  }
  return problems;
}

/** Route objects attached to a Service port; GRPCRoutes take precedence over HTTPRoutes. */
/** Routes by `<namespace>\0<parent name>`, in their order (built once per route list). */
const ROUTES_BY_PARENT = new WeakMap<ReadonlyArray<ParsedRoute>, Map<string, ParsedRoute[]>>();

function outboundRoutesFor(routes: ReadonlyArray<ParsedRoute>, service: ResolvedService, port: number): ParsedRoute[] {
  let byParent = ROUTES_BY_PARENT.get(routes);
  if (!byParent) {
    byParent = new Map();
    for (const r of routes) {
      for (const parent of new Set(r.parents.map(p => `${r.namespace}\u0000${p.name}`))) {
        byParent.set(parent, [...(byParent.get(parent) ?? []), r]);
      }
    }
    ROUTES_BY_PARENT.set(routes, byParent);
  }
  // Candidates filed under the service's name, filtered as every route would be.
  const candidates = byParent.get(`${service.namespace}\u0000${service.name}`) ?? [];
  const attached = candidates.filter(r => r.namespace === service.namespace && r.parents.some(p =>
    p.kind === 'Service' && (p.group === '' || p.group === 'core') && p.name === service.name && p.namespace === service.namespace
    && (p.port === undefined || p.port === port)));
  return attached.some(r => r.kind === 'GRPCRoute') ? attached.filter(r => r.kind === 'GRPCRoute') : attached;
}

/** Requests of a non-idempotent route: its sample, and for method-less routes other methods. */
function nonIdempotentSamples(route: ResolvedRoute): RequestProbe[] {
  const sample = sampleRequest(route);
  if (!sample) {
    return [];
  }
  const out = [sample];
  if (route.kind === 'http' && route.http?.method === undefined) {
    for (const method of ['POST', 'PATCH', 'DELETE']) {
      const probe = { ...sample, method };
      if (routeMatches(route, probe)) {
        out.push(probe);
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Canary routing

const TIMEOUT_REQUEST_ANNOTATION = 'timeout.linkerd.io/request';

/** Milliseconds of a Linkerd duration (`500ms`, `2s`, `1m`, `1h`); undefined when unparsable. */
export function parseLinkerdDuration(text: string): number | undefined {
  const m = /^\s*(\d+)(ms|s|m|h)\s*$/.exec(text);
  if (!m) {
    return undefined;
  }
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  return Number(m[1]) * unit;
}

function selectorKey(selector: Readonly<Record<string, string>>): string {
  return JSON.stringify(Object.entries(selector).sort(([a], [b]) => compareText(a, b)));
}

/**
 * Canary routing of the outbound routes among `manifests`, one line per problem: on every
 * HTTP/gRPC port of a split service, a sample request of each catalog route (and one of
 * no route) must be won by rules whose backends are the versions with their weights
 * (version Services select the service's pods plus the version's labels; backend versions
 * are their Service); the same request with a version's headers must be won by rules whose
 * only backend is that version, with the version's timeout when it has one.
 */
export function canaryRoutingProblems(catalog: ResolvedCatalog, manifests: ReadonlyArray<unknown>): string[] {
  const problems: string[] = [];
  const routes = parseLinkerd(catalog, manifests).routes;
  const emittedSelectors = new Map<string, Record<string, string>>();
  for (const m of manifests) {
    if (isRecord(m) && m.apiVersion === 'v1' && m.kind === 'Service' && isRecord(m.metadata) && isRecord(m.spec)) {
      emittedSelectors.set(key(typeof m.metadata.namespace === 'string' ? m.metadata.namespace : 'default', String(m.metadata.name)), stringMap(m.spec.selector));
    }
  }
  for (const service of catalog.services.filter(s => !s.clientOnly && s.versions.length > 0)) {
    const selectorOf = (name: string): string | undefined => {
      const emitted = emittedSelectors.get(key(service.namespace, name));
      if (emitted) {
        return selectorKey(emitted);
      }
      const catalogService = catalog.services.find(x => x.namespace === service.namespace && x.name === name);
      return catalogService ? selectorKey(catalogService.selector) : undefined;
    };
    const versionSelector = (v: ResolvedService['versions'][number]) => selectorKey(v.backend !== undefined
      ? catalog.service(v.backend).selector
      : { ...service.selector, ...v.labels });
    const weighted = service.versions.map(v => `${versionSelector(v)}*${v.weight}`).sort().join(' ');
    for (const port of service.ports.filter(isL7Port)) {
      const attached = outboundRoutesFor(routes, service, port.port);
      const subject = `${service.id} port ${port.ref}`;
      if (attached.length === 0) {
        problems.push(`${subject}: no route object on the port, so no canary split`);
        continue;
      }
      const grpcStyle = attached.some(r => r.kind === 'GRPCRoute');
      const samples: RoutedRequest[] = [
        ...service.routes.filter(r => r.ports.includes(port)).map(sampleRequest).filter((r): r is RequestProbe => r !== undefined),
        grpcStyle ? { method: 'POST', path: '/mesh.ladder.Undeclared/MeshLadderUndeclared' } : { method: 'GET', path: UNDECLARED_PATH },
      ];
      const backendsOf = (w: WinningRule) => w.route.rules[w.rule].backends;
      for (const sample of samples) {
        const label = `${sample.method} ${sample.path}`;
        const plain = winningRules(attached, sample);
        if (plain.length === 0) {
          problems.push(`${subject}: ${label} matches no route object`);
        }
        for (const w of plain) {
          const got = backendsOf(w).map(b => `${selectorOf(b.name) ?? `unknown Service ${b.name}`}*${b.weight ?? 1}`).sort().join(' ');
          if (got !== weighted) {
            problems.push(`${subject}: ${label} is routed by ${w.route.kind} ${w.route.name} to ${backendsOf(w).map(b => b.name).join(', ') || 'no backend'}, not to the versions with their weights`);
          }
        }
        for (const version of service.versions.filter(v => Object.keys(v.headers).length > 0)) {
          const request: RoutedRequest = { ...sample, headers: version.headers };
          const winners = winningRules(attached, request);
          const headerLabel = `${label} with the headers of version ${version.name}`;
          if (winners.length === 0) {
            problems.push(`${subject}: ${headerLabel} matches no route object`);
          }
          for (const w of winners) {
            const backends = backendsOf(w);
            if (backends.length !== 1 || selectorOf(backends[0].name) !== versionSelector(version)) {
              problems.push(`${subject}: ${headerLabel} is routed by ${w.route.kind} ${w.route.name} to ${backends.map(b => b.name).join(', ') || 'no backend'}, not to that version only`);
            }
            const timeout = w.route.annotations[TIMEOUT_REQUEST_ANNOTATION];
            if (version.timeoutMs !== undefined && (timeout === undefined || parseLinkerdDuration(timeout) !== version.timeoutMs)) {
              problems.push(`${subject}: ${headerLabel} gets timeout ${timeout ?? 'none'} from ${w.route.kind} ${w.route.name}, not the version's ${version.timeoutMs}ms`);
            }
          }
        }
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------
// The check

/** The L4 evaluators the manifests call for (or `l4` says). */
function l4Evaluators(universe: Universe, manifests: ReadonlyArray<unknown>, l4?: L4Layer): FlowEvaluator[] {
  const hasCilium = l4 === undefined ? manifests.some(isCiliumPolicy) : l4 === L4Layer.CILIUM;
  const hasNetworkPolicy = l4 === undefined ? manifests.some(isNetworkPolicy) : l4 === L4Layer.NETWORK_POLICY;
  return [
    ...(hasNetworkPolicy ? [new NetworkPolicyEvaluator(universe, manifests)] : []),
    ...(hasCilium ? [new CiliumEvaluator(universe, manifests)] : []),
  ];
}

/**
 * Proves (or refutes) that the linkerd phase's manifests authorize exactly the declared
 * flows and requests: Linkerd AND its L4 layer. Flows and requests allowed only by audit
 * (PERMISSIVE mode) are reported as tolerated with an `audit` warning each, since
 * ENFORCED mode would refuse them. Retry-safety problems are errors.
 */
export function checkLinkerdReachability(
  catalog: ResolvedCatalog,
  manifests: ReadonlyArray<unknown>,
  options: LinkerdReachabilityOptions = {},
): ReachabilityReport {
  const universe = buildUniverse(catalog, options);
  const l4 = l4Evaluators(universe, manifests, options.l4);
  const usesCilium = l4.some(e => e instanceof CiliumEvaluator);
  const intent: Intent = usesCilium ? ciliumIntent(catalog, universe, options) : declaredIntent(catalog, universe, { ...options, hostCalls: l4.length === 0 ? 'fqdn' : 'cidrs' });
  const linkerd = new LinkerdEvaluator(universe, catalog, manifests, options);
  const evaluator = new LinkerdMeshEvaluator(linkerd, l4);
  const base = analyzeReachability(universe, intent, evaluator, options);

  // Audit: allowed, undeclared, and Linkerd allowed it only by audit.
  const auditedFlow = (f: Flow) => linkerd.decideConnection(universe.endpoint(f.from), universe.endpoint(f.to), f).audit;
  const auditFlows = base.unexpected.filter(auditedFlow);
  const compare = flowComparator(universe.order);
  const unexpected = base.unexpected.filter(f => !auditFlows.includes(f));
  const tolerated = [...base.tolerated, ...auditFlows].sort(compare);
  const diagnostics: AnalysisDiagnostic[] = [
    ...base.diagnostics,
    ...auditFlows.map(f => ({ severity: 'warning' as const, subject: 'audit', message: `${formatFlow(f)} is allowed only by audit; ENFORCED mode denies it` })),
    ...retrySafetyProblems(catalog, manifests).map(message => ({ severity: 'error' as const, subject: 'retries', message })),
    ...canaryRoutingProblems(catalog, manifests).map(message => ({ severity: 'error' as const, subject: 'routing', message })),
  ];
  const report: ReachabilityReport = {
    ...base,
    unexpected,
    tolerated,
    diagnostics,
    ok: base.missing.length === 0 && unexpected.length === 0 && !diagnostics.some(d => d.severity === 'error'),
  };

  const analyzed = analyzeRequests(catalog, universe, evaluator, (from, to, probe) => evaluator.allows(from, to, probe), {
    exposedFrom: usesCilium ? ciliumExposedFrom(catalog) : undefined,
  }, options.exhaustive ? undefined : base.allowed);
  // A call to a pod peer declares any request to the pods it holds on the call's ports
  // (requestDeclared reads service calls and callers only).
  const byPeerCall = (f: RequestFlow) => peerCallDeclares(catalog, universe.endpoint(f.from), universe.endpoint(f.to), f.port);
  const peerDeclared = analyzed.unexpected.filter(byPeerCall);
  const probeOrder = new Map(analyzed.probed.map((f, i) => [f, i]));
  const requests = peerDeclared.length === 0 ? analyzed : {
    ...analyzed,
    declared: [...analyzed.declared, ...peerDeclared].sort((a, b) => probeOrder.get(a)! - probeOrder.get(b)!),
    unexpected: analyzed.unexpected.filter(f => !peerDeclared.includes(f)),
  };
  const auditedRequest = (f: RequestFlow) => linkerd.decideRequest(universe.endpoint(f.from), universe.endpoint(f.to), f, f).audit;
  // Requests on a tolerated connection (e.g. the API server inside a world peer's ranges) are tolerated too.
  const toleratedFlows = new Set(base.tolerated.map(flowKey));
  const onTolerated = (f: RequestFlow) => toleratedFlows.has(flowKey({ from: f.from, to: f.to, port: f.port, protocol: f.protocol }));
  const auditRequests = requests.unexpected.filter(f => !onTolerated(f) && auditedRequest(f));
  const withAudit: ReachabilityReport = {
    ...report,
    diagnostics: [
      ...report.diagnostics,
      ...auditRequests.map(f => ({ severity: 'warning' as const, subject: 'audit', message: `${formatRequestFlow(f)} is allowed only by audit; ENFORCED mode denies it` })),
    ],
  };
  return withRequests(withAudit, { ...requests, unexpected: requests.unexpected.filter(f => !onTolerated(f) && !auditRequests.includes(f)) });
}

/** Whether a call of `from`'s service (or version) to a pod peer holding `to` names `port` over TCP. */
function peerCallDeclares(catalog: ResolvedCatalog, from: Endpoint, to: Endpoint, port: number): boolean {
  if (!from.workload) {
    return false;
  }
  const caller = catalog.service(from.workload.serviceId);
  const version = caller.versions.find(v => v.name === from.workload!.version);
  return [...caller.peerCalls, ...(version?.peerCalls ?? [])].some(call => call.peer.kind === 'pods'
    && call.ports.some(p => p.port === port && p.protocol !== PortProtocol.UDP)
    && endpointMatchesPeer(call.peer, to));
}

/** Flow keys, for tests. */
export function flowKeys(flows: ReadonlyArray<Flow>): Set<string> {
  return new Set(flows.map(flowKey));
}
