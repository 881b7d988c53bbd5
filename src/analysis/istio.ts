/**
 * Istio (sidecar mode) semantics over the endpoint universe, from the emitted manifests:
 * Namespace (injection), PeerAuthentication, AuthorizationPolicy, Sidecar and
 * ServiceEntry (security.istio.io/v1, networking.istio.io/v1; v1beta1 read alike).
 *
 * A TCP connection from `from` to `to` passes Istio when
 * 1. egress: `from` has no sidecar, or its Sidecar's outbound policy is not
 *    REGISTRY_ONLY, or the destination is in the proxy's registry view: a Kubernetes
 *    service of the destination pod on that pod port, or a ServiceEntry (by host, by
 *    `addresses`, or an address-less TCP entry that passes every destination on its
 *    port), exported to the source's namespace and imported by its Sidecar `egress.hosts`
 *    (`<ns>/<dnsName>`, `*`, `.`, `*.suffix`);
 * 2. mTLS: `to` has no sidecar, or its effective PeerAuthentication mode for the port
 *    (workload port-level, then workload, then namespace, then mesh = root namespace,
 *    default PERMISSIVE; port-level only with a selector; selector policies in the root
 *    namespace are ignored) accepts the client: STRICT refuses plaintext. Meshed clients
 *    talk mTLS to meshed servers (auto mTLS) and then carry a principal
 *    `<trustDomain>/ns/<ns>/sa/<sa>`; under DISABLE they talk plaintext;
 * 3. authorization on `to` (sidecar only): policies of its namespace whose selector
 *    matches (none = all) and of the root namespace (selector across namespaces); CUSTOM
 *    is reported and not evaluated; AUDIT and dry-run (`istio.io/dry-run`) policies do
 *    not enforce; a matching DENY refuses; with no ALLOW policy the request passes;
 *    otherwise some ALLOW policy must match. A policy without rules matches nothing; a
 *    rule matches when its `from` (any source; fields ANDed, values ORed, `not*` none),
 *    `to` (operations alike) and `when` all match; `{}` matches everything. Values: exact,
 *    `prefix*`, `*suffix`, `*` (non-empty); paths also `{*}` (one segment) and `{**}`
 *    templates. Principals and namespaces need mTLS. HTTP-only fields (methods, paths,
 *    hosts, request principals, request headers) on a non-HTTP port drop the whole rule
 *    of an ALLOW policy and are ignored in a DENY policy (Istio's own translation).
 *
 * UDP is never captured by sidecars: Istio allows it, the L4 layer decides. Requests
 * (`allowsRequest`) are decided the same way with the HTTP fields evaluated; a
 * connection (`allows`) passes when some request on it could pass.
 *
 * Peers outside the catalog: pods of a peer the catalog calls sit behind Services it
 * does not know, so a sidecar reaches them on any port when it imports their whole
 * namespace (`<ns>/*`, or any namespace); the API server is the `kubernetes` Service of
 * `default` (443, forwarded to its endpoints on 6443 or 443) or the addresses of a
 * ServiceEntry.
 * Unmeshed clients (the API server, world addresses, unmeshed peer pods) talk plaintext
 * and carry no identity: only a PERMISSIVE port admits them, and only rules without
 * identity fields (`ipBlocks` by their address, or no `from`) authorize them.
 *
 * Assumptions: a pod has a sidecar when its namespace is emitted with
 * `istio-injection: enabled` (or `istio.io/rev`); in namespaces without an emitted
 * Namespace object, declared workloads, the ingress controller and the pods of peers
 * the catalog declares meshed are taken to be injected (by pod label) and other pods
 * not. The mesh-wide outbound policy is ALLOW_ANY (Istio's default).
 */
import { CiliumEvaluator } from './cilium';
import { AllOfEvaluator } from './combined';
import { buildUniverse, Endpoint, endpointMatchesPeer, usedPeers } from './endpoints';
import { AnalysisDiagnostic, PortProbe } from './flows';
import { declaredIntent } from './intent';
import { lintManifests } from './lint';
import { NetworkPolicyEvaluator } from './networkpolicy';
import { analyzeReachability, FlowEvaluator, ReachabilityOptions, ReachabilityReport, withRequests } from './reachability';
import { analyzeRequests, RequestEvaluator, RequestProbe } from './requests';
import { CidrBlock, cidrContains, parseCidr, parseIp } from '../model/cidr';
import { ResolvedCatalog, ResolvedPeer, ResolvedService } from '../model/resolved';
import { PortProtocol } from '../model/types';

export interface IstioAnalysisOptions {
  /**
   * Istio's root namespace (mesh-wide policies).
   * @default - the catalog's `istio.controlPlaneNamespace`
   */
  readonly rootNamespace?: string;
  /**
   * The ingress controller runs with a sidecar (needed for exposed services under
   * STRICT mTLS, and what the istio phase's authorization expects).
   * @default true
   */
  readonly meshedIngress?: boolean;
}

type MtlsMode = 'UNSET' | 'DISABLE' | 'PERMISSIVE' | 'STRICT';
const MTLS_MODES: ReadonlySet<string> = new Set(['UNSET', 'DISABLE', 'PERMISSIVE', 'STRICT']);

interface ParsedPeerAuthentication {
  readonly namespace: string;
  readonly name: string;
  readonly selector?: Record<string, string>;
  readonly mode?: MtlsMode;
  readonly portModes: ReadonlyMap<number, MtlsMode>;
}

/** One field of a source/operation: values ORed, notValues none. */
interface Field {
  readonly values?: string[];
  readonly notValues?: string[];
}

interface ParsedSource {
  readonly principals: Field;
  readonly namespaces: Field;
  readonly serviceAccounts: Field;
  readonly ipBlocks: { values?: CidrBlock[]; notValues?: CidrBlock[] };
  readonly remoteIpBlocks: { values?: CidrBlock[]; notValues?: CidrBlock[] };
  /** HTTP only (JWT). */
  readonly requestPrincipals: Field;
}

interface ParsedOperation {
  readonly ports: Field;
  /** HTTP only. */
  readonly methods: Field;
  readonly paths: Field;
  readonly hosts: Field;
}

interface ParsedCondition {
  readonly key: string;
  readonly values?: string[];
  readonly notValues?: string[];
}

interface ParsedRule {
  /** undefined: any source. */
  readonly from?: ParsedSource[];
  /** undefined: any operation. */
  readonly to?: ParsedOperation[];
  readonly when: ParsedCondition[];
}

type Action = 'ALLOW' | 'DENY' | 'AUDIT' | 'CUSTOM';

interface ParsedAuthorizationPolicy {
  readonly namespace: string;
  readonly name: string;
  readonly selector?: Record<string, string>;
  readonly action: Action;
  readonly rules: ParsedRule[];
  readonly dryRun: boolean;
  /** Has targetRef(s): applies to waypoints/gateways, not to sidecars. */
  readonly targeted: boolean;
}

interface EgressListener {
  /** Service port the listener is limited to. */
  readonly port?: number;
  readonly hosts: ReadonlyArray<{ readonly namespace: string; readonly host: string }>;
}

interface ParsedSidecar {
  readonly namespace: string;
  readonly name: string;
  readonly selector?: Record<string, string>;
  /** undefined: no egress section, every service is imported. */
  readonly egress?: EgressListener[];
  readonly registryOnly: boolean;
}

interface ParsedServiceEntry {
  readonly namespace: string;
  readonly name: string;
  readonly hosts: string[];
  readonly addresses: CidrBlock[];
  readonly ports: ReadonlyArray<{ readonly number: number; readonly protocol: string }>;
  readonly resolution: string;
  /** undefined: exported everywhere. */
  readonly exportTo?: string[];
}

/** The Istio objects among a set of manifests. */
export interface ParsedIstioConfig {
  readonly peerAuthentications: ReadonlyArray<ParsedPeerAuthentication>;
  readonly authorizationPolicies: ReadonlyArray<ParsedAuthorizationPolicy>;
  readonly sidecars: ReadonlyArray<ParsedSidecar>;
  readonly serviceEntries: ReadonlyArray<ParsedServiceEntry>;
  /** Labels of emitted Namespace objects. */
  readonly namespaceLabels: ReadonlyMap<string, Readonly<Record<string, string>>>;
  readonly diagnostics: AnalysisDiagnostic[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringList(raw: unknown, at: string, problems: string[]): string[] | undefined {
  if (raw === undefined || raw === null) {
    return undefined;
  }
  if (!Array.isArray(raw) || raw.some(v => typeof v !== 'string')) {
    problems.push(`${at}: must be a list of strings`);
    return undefined;
  }
  return raw.length > 0 ? [...raw] : undefined;
}

function labelMap(raw: unknown, at: string, problems: string[]): Record<string, string> | undefined {
  if (raw === undefined || raw === null) {
    return undefined;
  }
  if (!isRecord(raw) || Object.values(raw).some(v => typeof v !== 'string')) {
    problems.push(`${at}: must map label names to strings`);
    return undefined;
  }
  return { ...(raw as Record<string, string>) };
}

function cidrList(raw: string[] | undefined, at: string, problems: string[]): CidrBlock[] | undefined {
  if (!raw) {
    return undefined;
  }
  const out: CidrBlock[] = [];
  for (const text of raw) {
    const block = parseCidr(text.includes('/') ? text : `${text}/${text.includes(':') ? 128 : 32}`);
    if (!block || !parseIp(text.split('/')[0])) {
      problems.push(`${at}: not an address or CIDR: ${JSON.stringify(text)}`);
      continue;
    }
    out.push(block);
  }
  return out;
}

const GROUPS = ['security.istio.io/v1', 'security.istio.io/v1beta1', 'networking.istio.io/v1', 'networking.istio.io/v1beta1', 'networking.istio.io/v1alpha3'];

/** Parses the Istio objects (and Namespace labels) among `manifests`; other kinds are ignored. */
export function parseIstioConfig(manifests: ReadonlyArray<unknown>, rootNamespace: string): ParsedIstioConfig {
  const peerAuthentications: ParsedPeerAuthentication[] = [];
  const authorizationPolicies: ParsedAuthorizationPolicy[] = [];
  const sidecars: ParsedSidecar[] = [];
  const serviceEntries: ParsedServiceEntry[] = [];
  const namespaceLabels = new Map<string, Record<string, string>>();
  const diagnostics: AnalysisDiagnostic[] = [];

  for (const manifest of manifests) {
    if (!isRecord(manifest)) {
      continue;
    }
    const metadata = isRecord(manifest.metadata) ? manifest.metadata : {};
    const name = typeof metadata.name === 'string' ? metadata.name : '(unnamed)';
    if (manifest.kind === 'Namespace' && manifest.apiVersion === 'v1') {
      const labels = isRecord(metadata.labels) ? metadata.labels as Record<string, string> : {};
      namespaceLabels.set(name, { ...labels });
      continue;
    }
    if (typeof manifest.apiVersion !== 'string' || !GROUPS.includes(manifest.apiVersion)) {
      continue;
    }
    const namespace = typeof metadata.namespace === 'string' && metadata.namespace !== '' ? metadata.namespace : 'default';
    const subject = `${manifest.kind} ${namespace}/${name}`;
    const spec = isRecord(manifest.spec) ? manifest.spec : {};
    const problems: string[] = [];
    const annotations = isRecord(metadata.annotations) ? metadata.annotations : {};
    switch (manifest.kind) {
      case 'PeerAuthentication': {
        const selector = isRecord(spec.selector) ? labelMap(spec.selector.matchLabels, 'spec.selector.matchLabels', problems) : undefined;
        const modeOf = (raw: unknown, at: string): MtlsMode | undefined => {
          if (!isRecord(raw) || raw.mode === undefined) {
            return undefined;
          }
          if (typeof raw.mode !== 'string' || !MTLS_MODES.has(raw.mode)) {
            problems.push(`${at}.mode: must be UNSET, DISABLE, PERMISSIVE or STRICT`);
            return undefined;
          }
          return raw.mode as MtlsMode;
        };
        const mode = modeOf(spec.mtls, 'spec.mtls');
        const portModes = new Map<number, MtlsMode>();
        if (isRecord(spec.portLevelMtls)) {
          for (const [port, setting] of Object.entries(spec.portLevelMtls)) {
            const m = modeOf(setting, `spec.portLevelMtls.${port}`);
            if (m) {
              portModes.set(Number(port), m);
            }
          }
          if (!selector && portModes.size > 0) {
            diagnostics.push({ severity: 'warning', subject, message: 'portLevelMtls without a workload selector is ignored by Istio' });
            portModes.clear();
          }
        }
        if (selector && namespace === rootNamespace) {
          diagnostics.push({ severity: 'warning', subject, message: 'a PeerAuthentication with a selector in the root namespace is ignored by Istio' });
          continue;
        }
        if (problems.length === 0) {
          peerAuthentications.push({ namespace, name, selector, mode, portModes });
        }
        break;
      }
      case 'AuthorizationPolicy': {
        const action = (spec.action ?? 'ALLOW') as Action;
        if (!['ALLOW', 'DENY', 'AUDIT', 'CUSTOM'].includes(action)) {
          problems.push('spec.action: must be ALLOW, DENY, AUDIT or CUSTOM');
        }
        const selector = isRecord(spec.selector) ? labelMap(spec.selector.matchLabels, 'spec.selector.matchLabels', problems) : undefined;
        const rules = parseRules(spec.rules, problems, diagnostics, subject);
        const targeted = spec.targetRef !== undefined || spec.targetRefs !== undefined;
        if (targeted) {
          diagnostics.push({ severity: 'warning', subject, message: 'targetRef policies apply to waypoints and gateways, not to sidecars: not evaluated' });
        }
        if (action === 'CUSTOM') {
          diagnostics.push({ severity: 'warning', subject, message: 'CUSTOM policies delegate to an external authorizer: not evaluated (assumed to allow)' });
        }
        if (problems.length === 0) {
          authorizationPolicies.push({ namespace, name, selector, action, rules, dryRun: annotations['istio.io/dry-run'] === 'true', targeted });
        }
        break;
      }
      case 'Sidecar': {
        const selector = isRecord(spec.workloadSelector) ? labelMap(spec.workloadSelector.labels, 'spec.workloadSelector.labels', problems) : undefined;
        let egress: EgressListener[] | undefined;
        if (Array.isArray(spec.egress) && spec.egress.length > 0) {
          egress = spec.egress.map((l: unknown, i: number) => {
            const listener = isRecord(l) ? l : {};
            const hosts = (stringList(listener.hosts, `spec.egress[${i}].hosts`, problems) ?? []).map(h => {
              const slash = h.indexOf('/');
              if (slash < 0) {
                problems.push(`spec.egress[${i}].hosts: "${h}" must be <namespace>/<dnsName>`);
                return { namespace: '~', host: h };
              }
              const ns = h.slice(0, slash);
              return { namespace: ns === '.' ? namespace : ns, host: h.slice(slash + 1) };
            });
            const port = isRecord(listener.port) && typeof listener.port.number === 'number' ? listener.port.number : undefined;
            return { port, hosts };
          });
        }
        const outbound = isRecord(spec.outboundTrafficPolicy) ? spec.outboundTrafficPolicy.mode : undefined;
        if (problems.length === 0) {
          sidecars.push({ namespace, name, selector, egress, registryOnly: outbound === 'REGISTRY_ONLY' });
        }
        break;
      }
      case 'ServiceEntry': {
        const hosts = stringList(spec.hosts, 'spec.hosts', problems) ?? [];
        const addresses = cidrList(stringList(spec.addresses, 'spec.addresses', problems), 'spec.addresses', problems) ?? [];
        const ports = Array.isArray(spec.ports)
          ? spec.ports.filter(isRecord).map(p => ({ number: Number(p.number), protocol: typeof p.protocol === 'string' ? p.protocol.toUpperCase() : 'TCP' }))
          : [];
        const resolution = typeof spec.resolution === 'string' ? spec.resolution : 'NONE';
        if (problems.length === 0) {
          serviceEntries.push({ namespace, name, hosts, addresses, ports, resolution, exportTo: stringList(spec.exportTo, 'spec.exportTo', problems) });
          if (addresses.length === 0 && resolution === 'NONE' && ports.some(p => p.protocol === 'TCP')) {
            diagnostics.push({ severity: 'warning', subject, message: `TCP ports without addresses and resolution NONE pass every destination on port ${ports.filter(p => p.protocol === 'TCP').map(p => p.number).join(',')}` });
          }
        }
        break;
      }
      default:
        continue;
    }
    for (const message of problems) {
      diagnostics.push({ severity: 'error', subject, message: `${message} (invalid; left out)` });
    }
  }
  return { peerAuthentications, authorizationPolicies, sidecars, serviceEntries, namespaceLabels, diagnostics };
}

const HTTP_ONLY_CONDITIONS = /^(request\.|remote\.ip$)/;
const KNOWN_CONDITIONS = /^(source\.(ip|namespace|principal)|remote\.ip|destination\.port|request\.(headers\[.+\]|auth\..+))$/;

function parseRules(raw: unknown, problems: string[], diagnostics: AnalysisDiagnostic[], subject: string): ParsedRule[] {
  if (raw === undefined || raw === null) {
    return [];
  }
  if (!Array.isArray(raw)) {
    problems.push('spec.rules: must be a list');
    return [];
  }
  return raw.map((r: unknown, i: number): ParsedRule => {
    const rule = isRecord(r) ? r : {};
    const at = `spec.rules[${i}]`;
    const field = (obj: Record<string, unknown>, key: string, base: string): Field => {
      const notKey = `not${key[0].toUpperCase()}${key.slice(1)}`;
      return { values: stringList(obj[key], `${base}.${key}`, problems), notValues: stringList(obj[notKey], `${base}.${notKey}`, problems) };
    };
    const blocks = (obj: Record<string, unknown>, key: string, base: string) => {
      const f = field(obj, key, base);
      return { values: cidrList(f.values, `${base}.${key}`, problems), notValues: cidrList(f.notValues, `${base}.${key}`, problems) };
    };
    let from: ParsedSource[] | undefined;
    if (Array.isArray(rule.from) && rule.from.length > 0) {
      from = rule.from.map((f: unknown, j: number) => {
        const source = isRecord(f) && isRecord(f.source) ? f.source : {};
        const base = `${at}.from[${j}].source`;
        return {
          principals: field(source, 'principals', base),
          namespaces: field(source, 'namespaces', base),
          serviceAccounts: field(source, 'serviceAccounts', base),
          ipBlocks: blocks(source, 'ipBlocks', base),
          remoteIpBlocks: blocks(source, 'remoteIpBlocks', base),
          requestPrincipals: field(source, 'requestPrincipals', base),
        };
      });
    }
    let to: ParsedOperation[] | undefined;
    if (Array.isArray(rule.to) && rule.to.length > 0) {
      to = rule.to.map((t: unknown, j: number) => {
        const operation = isRecord(t) && isRecord(t.operation) ? t.operation : {};
        const base = `${at}.to[${j}].operation`;
        return {
          ports: field(operation, 'ports', base),
          methods: field(operation, 'methods', base),
          paths: field(operation, 'paths', base),
          hosts: field(operation, 'hosts', base),
        };
      });
    }
    const when: ParsedCondition[] = [];
    if (Array.isArray(rule.when)) {
      rule.when.forEach((w: unknown, j: number) => {
        const c = isRecord(w) ? w : {};
        if (typeof c.key !== 'string') {
          problems.push(`${at}.when[${j}].key: required`);
          return;
        }
        if (!KNOWN_CONDITIONS.test(c.key)) {
          diagnostics.push({ severity: 'warning', subject, message: `${at}.when[${j}]: condition "${c.key}" is not modelled; the rule is taken never to match` });
        }
        when.push({ key: c.key, values: stringList(c.values, `${at}.when[${j}].values`, problems), notValues: stringList(c.notValues, `${at}.when[${j}].notValues`, problems) });
      });
    }
    return { from, to, when };
  });
}

/** Istio string matching: exact, `prefix*`, `*suffix`, `*` (any non-empty value). */
export function istioValueMatches(pattern: string, value: string): boolean {
  if (pattern === '*') {
    return value.length > 0;
  }
  if (pattern.startsWith('*')) {
    return value.endsWith(pattern.slice(1));
  }
  if (pattern.endsWith('*')) {
    return value.startsWith(pattern.slice(0, -1));
  }
  return value === pattern;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Characters of one path segment in an Envoy URI template (`{*}` = one or more of them,
 * `{**}` = any of them or `/`): RFC 3986 pchar without `=` and `*`. envoyproxy/envoy
 * source/extensions/path/uri_template_lib/uri_template_internal.cc (kLiteral).
 */
const TEMPLATE_SEGMENT = "[a-zA-Z0-9\\-._~%!$&'()+,;:@]";

/**
 * Istio path matching: value forms, plus templates (istio/istio#50365, Istio 1.22: a path
 * with `{*}` or `{**}` is an Envoy URI template).
 */
export function istioPathMatches(pattern: string, path: string): boolean {
  const p = path.split('?')[0];
  if (pattern.includes('{*}') || pattern.includes('{**}')) {
    const regex = escapeRegex(pattern).replace(/\\\{\\\*\\\*\\\}/g, `(?:${TEMPLATE_SEGMENT}|/)*`).replace(/\\\{\\\*\\\}/g, `${TEMPLATE_SEGMENT}+`);
    return new RegExp(`^${regex}$`).test(p);
  }
  return istioValueMatches(pattern, p);
}

/** True for `*`, `*.suffix` patterns covering `host` (which may be a wildcard itself). */
function hostCovers(pattern: string, host: string | undefined): boolean {
  if (pattern === '*') {
    return true;
  }
  if (host === undefined) {
    return false;
  }
  if (pattern.startsWith('*.')) {
    return host === pattern || host.endsWith(pattern.slice(1));
  }
  return pattern === host;
}

function fieldMatches(field: Field, value: string | undefined, match: (pattern: string, value: string) => boolean): boolean {
  if (field.values && (value === undefined || !field.values.some(p => match(p, value)))) {
    return false;
  }
  if (field.notValues && value !== undefined && field.notValues.some(p => match(p, value))) {
    return false;
  }
  return true;
}

function blocksMatch(field: { values?: CidrBlock[]; notValues?: CidrBlock[] }, endpoint: Endpoint): boolean {
  const ip = endpoint.ip;
  if (field.values && (ip === undefined || !field.values.some(b => cidrContains(b, ip)))) {
    return false;
  }
  if (field.notValues && ip !== undefined && field.notValues.some(b => cidrContains(b, ip))) {
    return false;
  }
  return true;
}

/** Who is connecting, as the destination's sidecar sees it. */
interface Peer {
  readonly endpoint: Endpoint;
  /** Set over mTLS only. */
  readonly principal?: string;
  readonly namespace?: string;
}

/** The shape of a decision: one request, or "some request" on the connection. */
interface Query {
  readonly port: number;
  /** The port speaks HTTP (HTTP-only fields apply). */
  readonly http: boolean;
  /** undefined: is there a request that passes? */
  readonly request?: RequestProbe;
}

/** Ports of the API server through the `kubernetes` Service: the Service port and its endpoints'. */
const KUBE_APISERVER_PORTS: ReadonlySet<number> = new Set([443, 6443]);

function hasHttpOnlyFields(rule: ParsedRule): boolean {
  const set = (f: Field) => f.values !== undefined || f.notValues !== undefined;
  return (rule.to ?? []).some(o => set(o.methods) || set(o.paths) || set(o.hosts))
    || (rule.from ?? []).some(s => set(s.requestPrincipals))
    || rule.when.some(c => HTTP_ONLY_CONDITIONS.test(c.key));
}

/**
 * Evaluates the Istio objects of a manifest set over a universe. Build one per
 * (universe, manifests).
 */
export class IstioEvaluator implements FlowEvaluator, RequestEvaluator {
  public readonly name = 'Istio';
  public readonly diagnostics: ReadonlyArray<AnalysisDiagnostic>;
  public readonly config: ParsedIstioConfig;
  private readonly catalog: ResolvedCatalog;
  private readonly rootNamespace: string;
  private readonly meshedIngress: boolean;
  /** Catalog host names whose declared `cidrs` contain an address. */
  private readonly hostAddresses: ReadonlyArray<{ host: string; block: CidrBlock }>;
  /** Pod peers the catalog declares meshed (their pods carry a sidecar). */
  private readonly meshedPeers: ReadonlyArray<ResolvedPeer>;
  /** Pod peers catalog services call (their pods sit behind Services the catalog does not know). */
  private readonly calledPeers: ReadonlyArray<ResolvedPeer>;
  /** Per endpoint (by identity): what depends on the endpoint alone, computed once. */
  private readonly endpointMemo = new WeakMap<Endpoint, Map<string, unknown>>();
  /** Per namespace: the objects and services there, so per-endpoint lookups scan only those. */
  private readonly namespaceMemo = new Map<string, unknown>();

  public constructor(catalog: ResolvedCatalog, manifests: ReadonlyArray<unknown>, options: IstioAnalysisOptions = {}) {
    this.catalog = catalog;
    this.rootNamespace = options.rootNamespace ?? catalog.istio.controlPlaneNamespace;
    this.meshedIngress = options.meshedIngress ?? true;
    this.config = parseIstioConfig(manifests, this.rootNamespace);
    const diagnostics = [...this.config.diagnostics];
    const byScope = new Map<string, string[]>();
    for (const s of this.config.sidecars.filter(x => !x.selector)) {
      byScope.set(s.namespace, [...(byScope.get(s.namespace) ?? []), s.name]);
    }
    for (const [ns, names] of byScope) {
      if (names.length > 1) {
        diagnostics.push({ severity: 'error', subject: `Sidecar ${ns}`, message: `${names.length} Sidecars without workloadSelector (${names.join(', ')}): Istio's behaviour is undefined` });
      }
    }
    this.diagnostics = diagnostics;
    const addresses: Array<{ host: string; block: CidrBlock }> = [];
    for (const service of catalog.services) {
      for (const call of service.calls) {
        if (call.kind === 'host') {
          for (const text of call.cidrs) {
            const block = parseCidr(text);
            if (block) {
              addresses.push({ host: call.host, block });
            }
          }
        }
      }
    }
    this.hostAddresses = addresses;
    const podPeers = usedPeers(catalog).filter(p => p.kind === 'pods' && p.name !== 'ingress-controller');
    this.meshedPeers = podPeers.filter(p => p.meshed);
    const called = new Set(catalog.services.flatMap(s => [...s.peerCalls, ...s.versions.flatMap(v => v.peerCalls)]).map(c => c.peer.name));
    this.calledPeers = podPeers.filter(p => called.has(p.name));
  }

  /** Whether the pod runs with a sidecar. */
  public isMeshed(endpoint: Endpoint): boolean {
    return this.perEndpoint(endpoint, 'meshed', () => this.computeIsMeshed(endpoint));
  }

  private computeIsMeshed(endpoint: Endpoint): boolean {
    if (endpoint.kind !== 'pod' || endpoint.namespace === undefined) {
      return false;
    }
    const labels = this.config.namespaceLabels.get(endpoint.namespace);
    if (labels) {
      return labels['istio-injection'] === 'enabled' || (labels['istio.io/rev'] !== undefined && labels['istio-injection'] !== 'disabled');
    }
    if (endpoint.role === 'workload') {
      return true;
    }
    if (endpoint.role === 'ingress-controller') {
      return this.meshedIngress;
    }
    return (endpoint.role === 'peer' && endpoint.meshed === true) || this.meshedPeers.some(p => endpointMatchesPeer(p, endpoint));
  }

  public allows(from: Endpoint, to: Endpoint, probe: PortProbe): boolean {
    if (probe.protocol !== 'TCP') {
      return true; // sidecars do not capture UDP
    }
    return this.egressAllows(from, to, probe) && this.inboundAllows(from, to, { port: probe.port, http: this.isHttpPort(to, probe.port) });
  }

  /**
   * Whether an HTTP request from `from` reaches `to` on `probe`: the connection passes
   * and the destination's authorization admits the request (methods, paths).
   */
  public allowsRequest(from: Endpoint, to: Endpoint, probe: PortProbe, request: RequestProbe): boolean {
    if (probe.protocol !== 'TCP') {
      return true;
    }
    return this.egressAllows(from, to, probe)
      && this.inboundAllows(from, to, { port: probe.port, http: this.isHttpPort(to, probe.port), request });
  }

  public isEgressRestricted(endpoint: Endpoint): boolean {
    return this.isMeshed(endpoint) && (this.sidecarFor(endpoint)?.registryOnly ?? false);
  }

  /** The effective mTLS mode of a destination pod's port (PERMISSIVE when nothing applies). */
  public mtlsMode(to: Endpoint, port: number): MtlsMode {
    return this.perEndpoint(to, `mtls:${port}`, () => this.computeMtlsMode(to, port));
  }

  private computeMtlsMode(to: Endpoint, port: number): MtlsMode {
    const pick = (list: ParsedPeerAuthentication[]) => [...list].sort((a, b) => (a.name < b.name ? -1 : 1))[0];
    const pas = this.config.peerAuthentications;
    const local = this.inNamespace('peerAuthentications', to.namespace, pas);
    const workload = pick(local.filter(p => p.namespace === to.namespace && p.selector && selectorMatches(p.selector, to.labels)));
    const ns = pick(local.filter(p => p.namespace === to.namespace && !p.selector));
    const mesh = pick(pas.filter(p => p.namespace === this.rootNamespace && !p.selector));
    const set = (m: MtlsMode | undefined): m is MtlsMode => m !== undefined && m !== 'UNSET';
    const portMode = workload?.portModes.get(port);
    for (const m of [portMode, workload?.mode, ns?.mode, mesh?.mode]) {
      if (set(m)) {
        return m;
      }
    }
    return 'PERMISSIVE';
  }

  private isHttpPort(to: Endpoint, port: number): boolean {
    return this.servicesOf(to).some(s => s.ports.some(p => p.targetPort === port
      && (p.protocol === PortProtocol.HTTP || p.protocol === PortProtocol.HTTP2 || p.protocol === PortProtocol.GRPC)));
  }

  /** Catalog services (with a Kubernetes Service) whose selector picks the pod. */
  private servicesOf(endpoint: Endpoint): ResolvedService[] {
    if (endpoint.kind !== 'pod') {
      return [];
    }
    return this.perEndpoint(endpoint, 'services', () => this.inNamespace('services', endpoint.namespace, this.catalog.services)
      .filter(s => !s.clientOnly && s.namespace === endpoint.namespace && selectorMatches(s.selector, endpoint.labels)));
  }

  /** A value that depends on the endpoint alone (and the parsed manifests), computed once. */
  private perEndpoint<T>(endpoint: Endpoint, key: string, compute: () => T): T {
    let memo = this.endpointMemo.get(endpoint);
    if (!memo) {
      memo = new Map();
      this.endpointMemo.set(endpoint, memo);
    }
    if (!memo.has(key)) {
      memo.set(key, compute());
    }
    return memo.get(key) as T;
  }

  /** The items of `all` in `namespace` (in order), grouped once per list. */
  private inNamespace<T extends { readonly namespace: string }>(list: string, namespace: string | undefined, all: ReadonlyArray<T>): T[] {
    let byNamespace = this.namespaceMemo.get(list) as Map<string, T[]> | undefined;
    if (!byNamespace) {
      byNamespace = new Map();
      for (const item of all) {
        byNamespace.set(item.namespace, [...(byNamespace.get(item.namespace) ?? []), item]);
      }
      this.namespaceMemo.set(list, byNamespace);
    }
    return namespace === undefined ? [] : byNamespace.get(namespace) ?? [];
  }

  private sidecarFor(endpoint: Endpoint): ParsedSidecar | undefined {
    return this.perEndpoint(endpoint, 'sidecar', () => this.computeSidecarFor(endpoint));
  }

  private computeSidecarFor(endpoint: Endpoint): ParsedSidecar | undefined {
    const byName = (a: ParsedSidecar, b: ParsedSidecar) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    const sidecars = this.config.sidecars;
    const local = this.inNamespace('sidecars', endpoint.namespace, sidecars);
    return [...local.filter(s => s.namespace === endpoint.namespace && s.selector && selectorMatches(s.selector, endpoint.labels))].sort(byName)[0]
      ?? [...local.filter(s => s.namespace === endpoint.namespace && !s.selector)].sort(byName)[0]
      ?? [...sidecars.filter(s => s.namespace === this.rootNamespace && !s.selector)].sort(byName)[0];
  }

  /** Whether the sidecar's egress imports `host` of `namespace` (on service port `port`, if known). */
  private imports(sidecar: ParsedSidecar, namespace: string, host: string | undefined, servicePort?: number): boolean {
    if (!sidecar.egress) {
      return true;
    }
    return sidecar.egress.some(l => (l.port === undefined || servicePort === undefined || l.port === servicePort)
      && l.hosts.some(h => (h.namespace === '*' || h.namespace === namespace) && hostCovers(h.host, host)));
  }

  private egressAllows(from: Endpoint, to: Endpoint, probe: PortProbe): boolean {
    if (probe.protocol !== 'TCP' || !this.isMeshed(from)) {
      return true;
    }
    const sidecar = this.sidecarFor(from);
    if (!sidecar || !sidecar.registryOnly) {
      return true; // ALLOW_ANY: unknown destinations pass through
    }
    if (to.kind === 'pod') {
      const services = this.servicesOf(to);
      if (services.some(s => s.ports.some(p => p.targetPort === probe.port && p.protocol !== PortProtocol.UDP
        && this.imports(sidecar, s.namespace, `${s.name}.${s.namespace}.svc.${this.catalog.clusterDomain}`, p.port)))) {
        return true;
      }
      // Pods of a called peer are behind Services the catalog does not know, on any port.
      if (to.namespace !== undefined && this.calledPeers.some(p => endpointMatchesPeer(p, to)) && this.imports(sidecar, to.namespace, undefined)) {
        return true;
      }
      // DNS and the ingress controller are behind Services whose names the catalog does
      // not know: only `<namespace>/*` imports them, on the ports their pods serve.
      if ((to.role === 'dns' || to.role === 'ingress-controller') && to.namespace !== undefined) {
        const served = to.containerPorts.length === 0 || to.containerPorts.some(c => c.port === probe.port && c.protocol === 'TCP');
        return served && this.imports(sidecar, to.namespace, undefined);
      }
      return false;
    }
    // The API server behind the `kubernetes` Service (in the registry like any Service).
    if (to.role === 'kube-apiserver' && KUBE_APISERVER_PORTS.has(probe.port)
      && this.imports(sidecar, 'default', `kubernetes.default.svc.${this.catalog.clusterDomain}`, 443)) {
      return true;
    }
    const visible = this.config.serviceEntries.filter(e => this.exported(e, from.namespace!)
      && e.ports.some(p => p.number === probe.port && p.protocol !== 'UDP'));
    const imported = (e: ParsedServiceEntry, host: string) => this.imports(sidecar, e.namespace, host, probe.port);
    if (to.kind === 'fqdn') {
      return visible.some(e => e.hosts.some(h => hostCovers(h, to.host) && imported(e, h)));
    }
    const ip = to.ip;
    if (ip === undefined) {
      return false;
    }
    return visible.some(e => e.hosts.some(h => imported(e, h)) && (
      (e.addresses.length > 0 && e.addresses.some(b => cidrContains(b, ip)))
      // An address-less TCP entry without resolution passes any destination on its port.
      || (e.addresses.length === 0 && e.resolution === 'NONE' && e.ports.some(p => p.number === probe.port && p.protocol === 'TCP'))
      // An address the catalog declares for a host the entry names: the client dialled that host.
      || (e.addresses.length === 0 && this.hostAddresses.some(a => cidrContains(a.block, ip) && e.hosts.some(h => hostCovers(h, a.host))))));
  }

  private exported(entry: ParsedServiceEntry, namespace: string): boolean {
    const to = entry.exportTo;
    return to === undefined || to.includes('*') || to.includes(namespace) || (to.includes('.') && entry.namespace === namespace);
  }

  private inboundAllows(from: Endpoint, to: Endpoint, query: Query): boolean {
    if (!this.isMeshed(to)) {
      return true;
    }
    const mode = this.mtlsMode(to, query.port);
    const meshedClient = this.isMeshed(from);
    if (mode === 'STRICT' && !meshedClient) {
      return false;
    }
    const mtls = meshedClient && mode !== 'DISABLE';
    const peer: Peer = mtls
      ? { endpoint: from, principal: this.principalOf(from), namespace: from.namespace }
      : { endpoint: from };
    return this.authorizes(to, peer, query);
  }

  private principalOf(endpoint: Endpoint): string {
    let sa = endpoint.serviceAccount;
    if (sa === undefined && endpoint.role === 'ingress-controller') {
      sa = this.catalog.ingressController.serviceAccount;
    } else if (sa === undefined && endpoint.role === 'dns') {
      sa = this.catalog.dns.serviceAccount;
    }
    return `${this.catalog.trustDomain}/ns/${endpoint.namespace}/sa/${sa ?? 'default'}`;
  }

  private authorizes(to: Endpoint, peer: Peer, query: Query): boolean {
    // Only whether some policy matches counts: the order of the applying ones does not.
    const applying = this.perEndpoint(to, 'authorizationPolicies', () => {
      const policies = this.config.authorizationPolicies;
      const scopes = to.namespace === this.rootNamespace ? [to.namespace] : [to.namespace, this.rootNamespace];
      return scopes.flatMap(ns => this.inNamespace('authorizationPolicies', ns, policies))
        .filter(p => !p.targeted && !p.dryRun && (!p.selector || selectorMatches(p.selector, to.labels)));
    });
    const deny = applying.filter(p => p.action === 'DENY');
    if (deny.some(p => this.policyMatches(p, peer, query))) {
      return false;
    }
    const allow = applying.filter(p => p.action === 'ALLOW');
    return allow.length === 0 || allow.some(p => this.policyMatches(p, peer, query));
  }

  private policyMatches(policy: ParsedAuthorizationPolicy, peer: Peer, query: Query): boolean {
    return policy.rules.some(rule => {
      if (!query.http && hasHttpOnlyFields(rule)) {
        if (policy.action === 'ALLOW') {
          return false; // Istio drops the rule for TCP traffic
        }
        return this.ruleMatches(policy, stripHttpOnly(rule), peer, query);
      }
      if (query.http && query.request === undefined && policy.action === 'DENY' && hasHttpOnlyFields(rule)) {
        return false; // denies some requests, not the connection
      }
      return this.ruleMatches(policy, rule, peer, query);
    });
  }

  private ruleMatches(policy: ParsedAuthorizationPolicy, rule: ParsedRule, peer: Peer, query: Query): boolean {
    const sourceOk = rule.from === undefined || rule.from.some(s => this.sourceMatches(policy, s, peer));
    const operationOk = rule.to === undefined || rule.to.some(o => operationMatches(o, query));
    return sourceOk && operationOk && rule.when.every(c => this.conditionMatches(c, peer, query));
  }

  private sourceMatches(policy: ParsedAuthorizationPolicy, source: ParsedSource, peer: Peer): boolean {
    const saMatch = (pattern: string, principal: string) => {
      const [ns, sa] = pattern.includes('/') ? pattern.split('/', 2) : [policy.namespace, pattern];
      return new RegExp(`/ns/${escapeRegex(ns)}/(.+/|)sa/${escapeRegex(sa)}(/.+)?$`).test(principal);
    };
    const nsMatch = (pattern: string, namespace: string) => istioValueMatches(pattern, namespace);
    return fieldMatches(source.principals, peer.principal, istioValueMatches)
      && fieldMatches(source.namespaces, peer.namespace, nsMatch)
      && fieldMatches(source.serviceAccounts, peer.principal, saMatch)
      && blocksMatch(source.ipBlocks, peer.endpoint)
      && blocksMatch(source.remoteIpBlocks, peer.endpoint)
      // No JWTs in the model: a request never carries a request principal.
      && fieldMatches(source.requestPrincipals, undefined, istioValueMatches);
  }

  private conditionMatches(condition: ParsedCondition, peer: Peer, query: Query): boolean {
    let value: string | undefined;
    let match: (pattern: string, value: string) => boolean = istioValueMatches;
    switch (condition.key) {
      case 'source.principal': value = peer.principal; break;
      case 'source.namespace': value = peer.namespace; break;
      case 'destination.port': value = String(query.port); break;
      case 'source.ip':
      case 'remote.ip': {
        const ip = peer.endpoint.ip;
        const within = (pattern: string) => {
          const block = parseCidr(pattern.includes('/') ? pattern : `${pattern}/${pattern.includes(':') ? 128 : 32}`);
          return ip !== undefined && block !== undefined && cidrContains(block, ip);
        };
        return (condition.values === undefined || condition.values.some(within))
          && (condition.notValues === undefined || !condition.notValues.some(within));
      }
      default:
        if (condition.key.startsWith('request.headers[') || condition.key.startsWith('request.auth.')) {
          value = undefined; // the model's requests carry no headers or tokens
          match = istioValueMatches;
          break;
        }
        return false;
    }
    return fieldMatches({ values: condition.values, notValues: condition.notValues }, value, match);
  }
}

function stripHttpOnly(rule: ParsedRule): ParsedRule {
  const none: Field = {};
  return {
    from: rule.from?.map(s => ({ ...s, requestPrincipals: none })),
    to: rule.to?.map(o => ({ ...o, methods: none, paths: none, hosts: none })),
    when: rule.when.filter(c => !HTTP_ONLY_CONDITIONS.test(c.key)),
  };
}

function operationMatches(operation: ParsedOperation, query: Query): boolean {
  if (!fieldMatches(operation.ports, String(query.port), (p, v) => p === v)) {
    return false;
  }
  if (!query.http) {
    return true; // HTTP fields were handled by the caller
  }
  const request = query.request;
  if (request === undefined) {
    // Some request: any method, path and host can be chosen to satisfy the fields.
    return true;
  }
  // Probes carry no Host header: `hosts` is taken to be satisfiable.
  return fieldMatches(operation.methods, request.method, istioValueMatches)
    && fieldMatches(operation.paths, request.path, istioPathMatches);
}

function selectorMatches(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** The L4 layer under the mesh, recognised from the manifests. */
export type IstioL4Layer = 'cilium' | 'networkpolicy' | 'none';

export function detectL4Layer(manifests: ReadonlyArray<unknown>): IstioL4Layer {
  const kinds = new Set(manifests.filter(isRecord).map(m => `${m.apiVersion}/${m.kind}`));
  if (kinds.has('cilium.io/v2/CiliumNetworkPolicy') || kinds.has('cilium.io/v2/CiliumClusterwideNetworkPolicy')) {
    return 'cilium';
  }
  return kinds.has('networking.k8s.io/v1/NetworkPolicy') ? 'networkpolicy' : 'none';
}

export interface IstioReachabilityOptions extends ReachabilityOptions, IstioAnalysisOptions {}

/**
 * Proves (or refutes) that the istio phase's manifests allow exactly the declared flows
 * (Istio AND the L4 layer found among them) and, on L7 ports, exactly the declared
 * requests. Host calls are judged by DNS name unless the L4 layer is NetworkPolicy (which
 * only knows addresses: then by the call's `cidrs`).
 */
export function checkIstioReachability(
  catalog: ResolvedCatalog,
  manifests: ReadonlyArray<unknown>,
  options: IstioReachabilityOptions = {},
): ReachabilityReport {
  const l4 = detectL4Layer(manifests);
  const universe = buildUniverse(catalog, options);
  const intent = declaredIntent(catalog, universe, { ...options, hostCalls: options.hostCalls ?? (l4 === 'networkpolicy' ? 'cidrs' : 'fqdn') });
  const istio = new IstioEvaluator(catalog, manifests, options);
  const layers: FlowEvaluator[] = [istio];
  if (l4 === 'networkpolicy') {
    layers.push(new NetworkPolicyEvaluator(universe, manifests));
  } else if (l4 === 'cilium') {
    layers.push(new CiliumEvaluator(universe, manifests, catalog.platform.cilium));
  }
  const notes: AnalysisDiagnostic[] = [];
  if (l4 === 'none') {
    notes.push({ severity: 'warning', subject: 'istio', message: 'no L4 layer: UDP and pods without a sidecar are governed by nothing' });
  }
  const dryRun = istio.config.authorizationPolicies.filter(p => p.dryRun).length;
  if (dryRun > 0) {
    notes.push({ severity: 'warning', subject: 'istio', message: `${dryRun} AuthorizationPolicies are dry-run (PERMISSIVE mode): logged, not enforced` });
  }
  // The retry and fault lint is part of the proof: an implicit retry on a POST is an error.
  for (const finding of lintManifests(manifests, { catalog }).findings) {
    notes.push({ severity: finding.severity, subject: finding.subject, message: `[${finding.rule}] ${finding.message}. Fix: ${finding.fix}` });
  }
  const evaluator = new AllOfEvaluator(layers, notes);
  const report = analyzeReachability(universe, intent, evaluator, options);
  // Requests on connections the intent tolerates (e.g. the API server into a world
  // caller's ports) are neither declared nor unexpected.
  const requests = analyzeRequests(catalog, universe, istio, (from, to, probe) => evaluator.allows(from, to, probe), {
    toleratedConnections: intent.tolerated,
  }, options.exhaustive ? undefined : report.allowed);
  return withRequests(report, requests);
}
