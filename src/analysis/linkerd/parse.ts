/**
 * Parsing of the Linkerd manifests the analysis reads (policy.linkerd.io Server,
 * AuthorizationPolicy, MeshTLSAuthentication, NetworkAuthentication, HTTPRoute;
 * gateway.networking.k8s.io HTTPRoute and GRPCRoute; v1 Namespace) into typed config, with
 * a diagnostic for each object left out.
 *
 * - Identities: `<sa>.<ns>.serviceaccount.identity.<control-plane ns>.<trust domain>`;
 *   identity strings match exactly, `*` matches any, `*.suffix` any identity ending so;
 *   `identityRefs` of kind ServiceAccount (namespace defaults to the authentication's)
 *   or Namespace (`*.<ns>.serviceaccount...`).
 */
import { CidrBlock, parseCidr } from '../../model/cidr';
import {
  DEFAULT_INBOUND_POLICY_ANNOTATION, GATEWAY_GROUP, INJECT_ANNOTATION, namespaceIdentitySuffix, POLICY_GROUP, serviceAccountIdentity,
} from '../../model/mesh-facts/linkerd';
import { ResolvedCatalog } from '../../model/resolved';
import { LinkerdDefaultInboundPolicy } from '../../model/types';
import { apiGroup, isRecord } from '../../model/values';
import { AnalysisDiagnostic } from '../flows';
import { RequestProbe } from '../requests';
import { LabelSelector, parseLabelSelector } from '../selectors';

/** A default inbound policy (or a Server's `accessPolicy`), as the manifests spell it. */
export type LinkerdDefaultPolicy = `${LinkerdDefaultInboundPolicy}`;
const DEFAULT_POLICIES: readonly string[] = Object.values(LinkerdDefaultInboundPolicy);

export type IdentityMatcher = { readonly exact: string } | { readonly suffix: string } | { readonly any: true };

export interface NetworkMatch {
  readonly cidr: CidrBlock;
  readonly except: CidrBlock[];
}

export interface ParsedServer {
  readonly namespace: string;
  readonly name: string;
  readonly podSelector: LabelSelector;
  readonly port: number | string;
  readonly proxyProtocol: string;
  readonly accessPolicy: LinkerdDefaultPolicy;
}

export interface ObjectRef {
  readonly group: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

export interface ParsedAuthorizationPolicy {
  readonly namespace: string;
  readonly name: string;
  readonly target: ObjectRef;
  readonly refs: ObjectRef[];
}

/** A header match of a route rule (name lower-cased: header names match case-insensitively). */
export interface HeaderMatch {
  readonly name: string;
  readonly type: string;
  readonly value: string;
}

export interface HttpRuleMatch {
  readonly method?: string;
  readonly path?: { readonly type: string; readonly value: string };
  readonly headers: HeaderMatch[];
  readonly queryParams: number;
}

export interface GrpcRuleMatch {
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

export interface ParsedLinkerd {
  readonly namespaces: Map<string, { inject?: string; defaultPolicy?: string }>;
  readonly servers: ParsedServer[];
  readonly meshTls: Map<string, IdentityMatcher[]>;
  readonly networks: Map<string, NetworkMatch[]>;
  readonly policies: ParsedAuthorizationPolicy[];
  readonly routes: ParsedRoute[];
  readonly diagnostics: AnalysisDiagnostic[];
}

/** One manifest object as the parsers of its kind read it. */
interface ManifestObject {
  readonly group: string;
  readonly kind: unknown;
  readonly name: string;
  /** `default` when the object names none. */
  readonly namespace: string;
  readonly metadata: Record<string, unknown>;
  readonly spec: Record<string, unknown>;
  /** `<kind> <namespace>/<name>`, for diagnostics. */
  readonly subject: string;
}

export function stringMap(value: unknown): Record<string, string> {
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

export function isDefaultPolicy(value: unknown): value is LinkerdDefaultPolicy {
  return typeof value === 'string' && DEFAULT_POLICIES.includes(value);
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

export function key(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** The Linkerd objects among `manifests`, parsed; objects that cannot be read are left out with a diagnostic. */
export function parseLinkerd(catalog: ResolvedCatalog, manifests: ReadonlyArray<unknown>): ParsedLinkerd {
  const parsed: ParsedLinkerd = {
    namespaces: new Map(),
    servers: [],
    meshTls: new Map(),
    networks: new Map(),
    policies: [],
    routes: [],
    diagnostics: [],
  };
  for (const manifest of manifests) {
    if (!isRecord(manifest) || !isRecord(manifest.metadata)) {
      continue;
    }
    const object = manifestObject(manifest, manifest.metadata);
    const { group, kind } = object;
    if (manifest.apiVersion === 'v1' && kind === 'Namespace') {
      parseNamespace(parsed, object);
    } else if (group === POLICY_GROUP && kind === 'Server') {
      parseServer(parsed, object);
    } else if (group === POLICY_GROUP && kind === 'MeshTLSAuthentication') {
      parseMeshTlsAuthentication(parsed, object, catalog);
    } else if (group === POLICY_GROUP && kind === 'NetworkAuthentication') {
      const problems: string[] = [];
      const networks = parseNetworks(object.spec.networks, problems);
      problems.forEach(message => parsed.diagnostics.push({ severity: 'error', subject: object.subject, message }));
      parsed.networks.set(key(object.namespace, object.name), networks);
    } else if (group === POLICY_GROUP && kind === 'AuthorizationPolicy') {
      parseAuthorizationPolicy(parsed, object);
    } else if ((group === POLICY_GROUP && kind === 'HTTPRoute') || (group === GATEWAY_GROUP && (kind === 'HTTPRoute' || kind === 'GRPCRoute'))) {
      parsed.routes.push(parseRoute(object));
    }
  }
  return parsed;
}

function manifestObject(manifest: Record<string, unknown>, metadata: Record<string, unknown>): ManifestObject {
  const name = typeof metadata.name === 'string' ? metadata.name : '';
  const namespace = typeof metadata.namespace === 'string' && metadata.namespace !== '' ? metadata.namespace : 'default';
  return {
    group: apiGroup(manifest.apiVersion),
    kind: manifest.kind,
    name,
    namespace,
    metadata,
    spec: isRecord(manifest.spec) ? manifest.spec : {},
    subject: `${String(manifest.kind)} ${namespace}/${name}`,
  };
}

function parseNamespace(parsed: ParsedLinkerd, { name, metadata }: ManifestObject): void {
  const annotations = stringMap(metadata.annotations);
  parsed.namespaces.set(name, { inject: annotations[INJECT_ANNOTATION], defaultPolicy: annotations[DEFAULT_INBOUND_POLICY_ANNOTATION] });
  if (annotations[DEFAULT_INBOUND_POLICY_ANNOTATION] !== undefined && !isDefaultPolicy(annotations[DEFAULT_INBOUND_POLICY_ANNOTATION])) {
    parsed.diagnostics.push({ severity: 'error', subject: `Namespace ${name}`, message: `${DEFAULT_INBOUND_POLICY_ANNOTATION}: unknown policy ${JSON.stringify(annotations[DEFAULT_INBOUND_POLICY_ANNOTATION])}` });
  }
}

function parseServer(parsed: ParsedLinkerd, { name, namespace, spec, subject }: ManifestObject): void {
  const problems: string[] = [];
  const port = spec.port;
  if (!(typeof port === 'number' || typeof port === 'string') || !isRecord(spec.podSelector)) {
    parsed.diagnostics.push({ severity: 'error', subject, message: 'needs a port and a podSelector (left out)' });
    return;
  }
  const podSelector = parseLabelSelector(spec.podSelector, 'spec.podSelector', problems);
  const accessPolicy = spec.accessPolicy ?? 'deny';
  if (!isDefaultPolicy(accessPolicy)) {
    problems.push(`spec.accessPolicy: unknown policy ${JSON.stringify(accessPolicy)}`);
  }
  if (problems.length > 0) {
    problems.forEach(message => parsed.diagnostics.push({ severity: 'error', subject, message: `${message} (left out)` }));
    return;
  }
  parsed.servers.push({
    namespace,
    name,
    podSelector,
    port,
    proxyProtocol: typeof spec.proxyProtocol === 'string' ? spec.proxyProtocol : 'unknown',
    accessPolicy: accessPolicy as LinkerdDefaultPolicy,
  });
}

function parseMeshTlsAuthentication(parsed: ParsedLinkerd, { name, namespace, spec, subject }: ManifestObject, catalog: ResolvedCatalog): void {
  const controlPlane = catalog.linkerd.controlPlaneNamespace;
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
      matchers.push({ exact: serviceAccountIdentity(ref.name, ref.namespace ?? namespace, controlPlane, catalog.trustDomain) });
    } else if (ref.kind === 'Namespace' && (ref.group === '' || ref.group === 'core')) {
      matchers.push({ suffix: namespaceIdentitySuffix(ref.name, controlPlane, catalog.trustDomain) });
    } else {
      parsed.diagnostics.push({ severity: 'error', subject, message: `identityRefs: unsupported kind ${ref.kind} (the authentication is rejected)` });
    }
  }
  if (matchers.length === 0) {
    parsed.diagnostics.push({ severity: 'error', subject, message: 'names no identity (the policy controller rejects it)' });
    return;
  }
  parsed.meshTls.set(key(namespace, name), matchers);
}

function parseAuthorizationPolicy(parsed: ParsedLinkerd, { name, namespace, spec, subject }: ManifestObject): void {
  const target = parseRef(spec.targetRef);
  if (!target) {
    parsed.diagnostics.push({ severity: 'error', subject, message: 'needs a targetRef (left out)' });
    return;
  }
  const refs = (Array.isArray(spec.requiredAuthenticationRefs) ? spec.requiredAuthenticationRefs : []).map(parseRef);
  if (refs.some(r => r === undefined)) {
    parsed.diagnostics.push({ severity: 'error', subject, message: 'a requiredAuthenticationRef lacks kind or name (left out)' });
    return;
  }
  parsed.policies.push({ namespace, name, target, refs: refs as ObjectRef[] });
}

function parseRoute({ group, kind: rawKind, name, namespace, metadata, spec }: ManifestObject): ParsedRoute {
  const kind = rawKind as 'HTTPRoute' | 'GRPCRoute';
  const parents = (Array.isArray(spec.parentRefs) ? spec.parentRefs : []).filter(isRecord).map(p => ({
    group: typeof p.group === 'string' ? p.group : GATEWAY_GROUP,
    kind: typeof p.kind === 'string' ? p.kind : 'Gateway',
    name: typeof p.name === 'string' ? p.name : '',
    namespace: typeof p.namespace === 'string' ? p.namespace : namespace,
    ...(typeof p.port === 'number' ? { port: p.port } : {}),
  }));
  const rules = (Array.isArray(spec.rules) ? spec.rules : [{}]).filter(isRecord).map(r => ({
    ...(kind === 'GRPCRoute' ? { grpc: parseGrpcMatches(r.matches) } : { http: parseHttpMatches(r.matches) }),
    backends: parseBackends(r.backendRefs),
  }));
  const labels = stringMap(metadata.labels);
  return { group, kind, namespace, name, labels, annotations: stringMap(metadata.annotations), parents, rules };
}
