/**
 * Cilium policy semantics (cilium.io/v2 CiliumNetworkPolicy and
 * CiliumClusterwideNetworkPolicy) over the endpoint universe, at L3/L4 and for HTTP
 * requests.
 *
 * Per the Cilium policy language:
 * - A rule (`spec`, or each of `specs`) applies to the pods its `endpointSelector`
 *   selects: in the policy's namespace for a CiliumNetworkPolicy, in every namespace for a
 *   clusterwide one. A pod is default-allow per direction until a selecting rule has that
 *   direction (a non-empty `ingress`/`ingressDeny`, `egress`/`egressDeny`) with
 *   `enableDefaultDeny` not false for it; then only allowed traffic passes. A flow needs
 *   the source's egress AND the destination's ingress (non-pods enforce nothing).
 * - Deny rules (`ingressDeny`, `egressDeny`) win over every allow, whatever the
 *   default-deny mode.
 * - Selectors: keys may carry a source prefix (`k8s:`, `any:`, `reserved:`); none means
 *   any source. Pods carry their labels plus `io.kubernetes.pod.namespace`,
 *   `io.cilium.k8s.namespace.labels.<key>` and `io.cilium.k8s.policy.serviceaccount`.
 *   In a namespaced policy, `fromEndpoints`/`toEndpoints` selectors that name neither the
 *   pod namespace nor a namespace label (`io.cilium.k8s.namespace.labels.*`) match the
 *   policy's own namespace only (`{}` = every pod there); naming either crosses
 *   namespaces. In a clusterwide policy, selectors that do not name the pod namespace
 *   match pods (of every namespace) only: Cilium adds an `Exists` on the namespace key.
 *   Selectors with a `reserved:` key are taken as written.
 * - Entities: `world` = everything outside the cluster (addresses and DNS names) but the
 *   API server, `cluster` = every pod, `all` = everything, `kube-apiserver` = the API
 *   server; `host`, `remote-node`, `health`, `init`, `ingress`, `unmanaged` and `none`
 *   match no modelled endpoint. DNS names are destinations only: as sources they match
 *   nothing (sources outside the cluster are the address endpoints).
 * - The API server (the `kube-apiserver` endpoint) carries the `reserved:kube-apiserver`
 *   identity. Cilium gives an API server outside the cluster the world label as well, and
 *   one on the control-plane nodes the node's; the analysis counts it as neither `world`
 *   nor `cluster` (the intent tolerates it where a world peer is concerned) and lets CIDR
 *   rules covering its address match it, as for an API server outside the cluster.
 * - CIDR rules (`toCIDR`, `toCIDRSet` with `except`, and the `from` forms) match addresses
 *   outside the cluster only, never pods.
 * - `toFQDNs` (`matchName`, `matchPattern` with `*` inside one label, or `*` alone for
 *   every name) match DNS-name endpoints, and only when the source's DNS lookups of that
 *   name are allowed through a rule with `rules.dns` that matches it (the DNS proxy is
 *   what learns the addresses).
 * - A rule with no peer field matches every peer when it has `toPorts`, nothing
 *   otherwise (`ingress: [{}]` is a default-deny). `toPorts` missing: every port.
 *   Protocol defaults to ANY; port `0` or missing = every port; named ports resolve
 *   against the destination pod's container ports; `endPort` makes a range.
 * - L7: a request passes when some matching allow rule on that port has no HTTP rules, or
 *   one of its `rules.http` entries matches (method and path as regular expressions
 *   matched in full; the path includes any query string). A refused request gets a 403:
 *   counted as not allowed.
 * - `authentication.mode: required` passes between Cilium-managed pods (SPIRE assumed
 *   healthy) and drops anything else; `test-always-fail` drops everything.
 *
 * Not modelled (reported as warnings): `toServices`, `toNodes`/`fromNodes`, `toGroups`,
 * host policies (`nodeSelector`), ICMP rules, non-HTTP L7 rules other than DNS.
 * `fromRequires`/`toRequires` constrain only the rule they appear in.
 */
import { Bitset } from './bitset';
import { buildCiliumIndex, CiliumIndex, ciliumLabelIndex, selectorSuperset } from './cilium-index';
import { Endpoint, NAMESPACE_NAME_LABEL, Universe, UniverseOptions, buildUniverse, transportOf } from './endpoints';
import { AnalysisDiagnostic, flowComparator, flowKey, PortProbe } from './flows';
import { DeclaredFlow, declaredIntent, Intent } from './intent';
import { analyzeReachability, ReachabilityOptions, ReachabilityReport, withRequests } from './reachability';
import { analyzeRequests, RequestEvaluator, RequestProbe } from './requests';
import { SelectorOperator } from './selectors';
import { universeIndex } from './universe-index';
import { CidrBlock, cidrContains, parseCidr } from '../model/cidr';
import { ciliumNamespaceLabelsCrossNamespaces, DEFAULT_PLATFORM } from '../model/releases';
import { ResolvedCatalog, ResolvedPeer } from '../model/resolved';

const POD_NAMESPACE_KEY = 'io.kubernetes.pod.namespace';
const NAMESPACE_LABELS_PREFIX = 'io.cilium.k8s.namespace.labels.';
const SERVICE_ACCOUNT_KEY = 'io.cilium.k8s.policy.serviceaccount';
const KUBE_APISERVER_LABEL = 'kube-apiserver';
const CLUSTER_KEY = 'io.cilium.k8s.policy.cluster';
const KNOWN_SOURCES: ReadonlySet<string> = new Set(['k8s', 'any', 'reserved', 'container', 'unspec', 'cidr', 'fqdn', 'cilium-generated']);
const ENTITIES: ReadonlySet<string> = new Set(['all', 'world', 'cluster', 'host', 'init', 'ingress', 'unmanaged', 'remote-node', 'health', 'none', 'kube-apiserver']);
/** Label of a DNS name the universe declares as a wildcard (`*.example.com`). */
const WILDCARD_SAMPLE_LABEL = 'mesh-ladder-probe';

/** A label as Cilium sees it: source, key, value. */
export interface CiliumLabel {
  readonly source: string;
  readonly key: string;
  readonly value: string;
}

export interface SelectorTerm {
  readonly source: string;
  readonly key: string;
}

export interface CiliumSelector {
  readonly matchLabels: ReadonlyArray<SelectorTerm & { readonly value: string }>;
  readonly matchExpressions: ReadonlyArray<SelectorTerm & { readonly operator: SelectorOperator; readonly values: string[] }>;
  /** Names the pod namespace itself (then no implicit namespace is added). */
  readonly namesNamespace: boolean;
  /** Names a namespace label (a namespaced policy then adds no namespace either). */
  readonly namesNamespaceLabels: boolean;
  /** Has a `reserved:` key: Cilium leaves such selectors as written (no namespace added). */
  readonly reserved: boolean;
}

export type CiliumProtocol = 'TCP' | 'UDP' | 'SCTP' | 'ANY';

export interface CiliumPort {
  readonly protocol: CiliumProtocol;
  /** undefined: every port. */
  readonly port?: number;
  readonly name?: string;
  readonly endPort?: number;
}

export interface HttpMatcher {
  readonly method?: RegExp;
  readonly path?: RegExp;
}

export interface DnsMatcher {
  readonly matches: (name: string) => boolean;
}

export interface CiliumPortRule {
  /** undefined: every port. */
  readonly ports?: ReadonlyArray<CiliumPort>;
  /** undefined: no HTTP rules (every request). */
  readonly http?: ReadonlyArray<HttpMatcher>;
  /** undefined: no DNS rules. */
  readonly dns?: ReadonlyArray<DnsMatcher>;
}

export interface CidrPeer {
  readonly cidr: CidrBlock;
  readonly except: ReadonlyArray<CidrBlock>;
}

/** One ingress/egress (allow or deny) rule. */
export interface PeerRule {
  readonly endpoints?: ReadonlyArray<CiliumSelector>;
  readonly requires?: ReadonlyArray<CiliumSelector>;
  readonly entities?: ReadonlyArray<string>;
  readonly cidrs?: ReadonlyArray<CidrPeer>;
  readonly fqdns?: ReadonlyArray<DnsMatcher>;
  /** Peer kinds present that are not modelled (they match nothing here). */
  readonly unmodelled: boolean;
  /** undefined: every port. */
  readonly toPorts?: ReadonlyArray<CiliumPortRule>;
  readonly authentication?: string;
}

export interface ParsedCiliumRule {
  /** `CiliumNetworkPolicy shop/frontend` (with `specs[i]` when from a list). */
  readonly subject: string;
  readonly clusterwide: boolean;
  /** Namespace of a namespaced policy. */
  readonly namespace?: string;
  readonly endpointSelector: CiliumSelector;
  readonly ingress: ReadonlyArray<PeerRule>;
  readonly ingressDeny: ReadonlyArray<PeerRule>;
  readonly egress: ReadonlyArray<PeerRule>;
  readonly egressDeny: ReadonlyArray<PeerRule>;
  readonly enforcesIngress: boolean;
  readonly enforcesEgress: boolean;
}

export interface ParsedCiliumPolicies {
  readonly rules: ParsedCiliumRule[];
  readonly diagnostics: AnalysisDiagnostic[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function parseKey(raw: string): SelectorTerm {
  const colon = raw.indexOf(':');
  if (colon > 0) {
    const source = raw.slice(0, colon);
    if (KNOWN_SOURCES.has(source)) {
      return { source, key: raw.slice(colon + 1) };
    }
  }
  return { source: 'any', key: raw };
}

const OPERATORS: ReadonlySet<string> = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);

function parseSelector(raw: unknown, at: string, problems: string[]): CiliumSelector | undefined {
  if (!isRecord(raw)) {
    problems.push(`${at}: a selector must be an object`);
    return undefined;
  }
  const matchLabels: Array<SelectorTerm & { value: string }> = [];
  if (present(raw.matchLabels)) {
    if (!isRecord(raw.matchLabels)) {
      problems.push(`${at}.matchLabels: must be an object`);
      return undefined;
    }
    for (const [key, value] of Object.entries(raw.matchLabels)) {
      if (typeof value !== 'string') {
        problems.push(`${at}.matchLabels.${key}: label values are strings`);
        return undefined;
      }
      matchLabels.push({ ...parseKey(key), value });
    }
  }
  const matchExpressions: Array<SelectorTerm & { operator: SelectorOperator; values: string[] }> = [];
  if (present(raw.matchExpressions)) {
    if (!Array.isArray(raw.matchExpressions)) {
      problems.push(`${at}.matchExpressions: must be a list`);
      return undefined;
    }
    for (const [i, expr] of raw.matchExpressions.entries()) {
      if (!isRecord(expr) || typeof expr.key !== 'string' || typeof expr.operator !== 'string' || !OPERATORS.has(expr.operator)) {
        problems.push(`${at}.matchExpressions[${i}]: needs a key and an operator (In, NotIn, Exists, DoesNotExist)`);
        return undefined;
      }
      const values = Array.isArray(expr.values) ? expr.values.filter((v): v is string => typeof v === 'string') : [];
      if ((expr.operator === 'In' || expr.operator === 'NotIn') && values.length === 0) {
        problems.push(`${at}.matchExpressions[${i}]: ${expr.operator} needs at least one value`);
        return undefined;
      }
      matchExpressions.push({ ...parseKey(expr.key), operator: expr.operator as SelectorOperator, values });
    }
  }
  const fromK8s = (t: SelectorTerm) => t.source === 'k8s' || t.source === 'any';
  const names = (t: SelectorTerm) => t.key === POD_NAMESPACE_KEY && fromK8s(t);
  const namesLabels = (t: SelectorTerm) => t.key.startsWith(NAMESPACE_LABELS_PREFIX) && fromK8s(t);
  return {
    matchLabels,
    matchExpressions,
    namesNamespace: matchLabels.some(names) || matchExpressions.some(names),
    namesNamespaceLabels: matchLabels.some(namesLabels) || matchExpressions.some(namesLabels),
    reserved: matchLabels.some(t => t.source === 'reserved') || matchExpressions.some(t => t.source === 'reserved'),
  };
}

function labelsMatch(selector: CiliumSelector, labels: ReadonlyArray<CiliumLabel>): boolean {
  const find = (term: SelectorTerm) => labels.filter(l => l.key === term.key && (term.source === 'any' || term.source === l.source));
  for (const term of selector.matchLabels) {
    if (!find(term).some(l => l.value === term.value)) {
      return false;
    }
  }
  for (const req of selector.matchExpressions) {
    const found = find(req);
    switch (req.operator) {
      case 'In':
        if (!found.some(l => req.values.includes(l.value))) {
          return false;
        }
        break;
      case 'NotIn':
        if (found.some(l => req.values.includes(l.value))) {
          return false;
        }
        break;
      case 'Exists':
        if (found.length === 0) {
          return false;
        }
        break;
      case 'DoesNotExist':
        if (found.length > 0) {
          return false;
        }
        break;
    }
  }
  return true;
}

/** A regular expression (RE2 syntax as far as JavaScript shares it) matched in full. */
function compileFull(source: string, at: string, problems: string[]): RegExp | undefined {
  try {
    return new RegExp(`^(?:${source.replace(/\(\?P</g, '(?<')})$`);
  } catch (e) {
    problems.push(`${at}: invalid regular expression ${JSON.stringify(source)}: ${(e as Error).message}`);
    return undefined;
  }
}

function normalizeName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/** Cilium DNS name matching: `matchName` exact; `matchPattern` with `*` within one label, or `*` for all. */
function parseDnsMatcher(raw: unknown, at: string, problems: string[]): DnsMatcher | undefined {
  if (!isRecord(raw)) {
    problems.push(`${at}: must be an object`);
    return undefined;
  }
  if (typeof raw.matchName === 'string' && raw.matchName !== '') {
    const wanted = normalizeName(raw.matchName);
    return { matches: name => normalizeName(name) === wanted };
  }
  if (typeof raw.matchPattern === 'string' && raw.matchPattern !== '') {
    const pattern = normalizeName(raw.matchPattern);
    if (pattern === '*') {
      return { matches: () => true };
    }
    const regex = new RegExp('^' + pattern.split('*').map(part => part.replace(/[.+?^${}()|[\]\\]/g, ch => `\\${ch}`)).join('[-a-z0-9_]*') + '$');
    return { matches: name => regex.test(normalizeName(name)) };
  }
  problems.push(`${at}: needs matchName or matchPattern`);
  return undefined;
}

function parsePort(raw: unknown, at: string, problems: string[]): CiliumPort | undefined {
  if (!isRecord(raw)) {
    problems.push(`${at}: must be an object`);
    return undefined;
  }
  const protocol = present(raw.protocol) ? raw.protocol : 'ANY';
  if (typeof protocol !== 'string' || !['TCP', 'UDP', 'SCTP', 'ANY'].includes(protocol)) {
    problems.push(`${at}.protocol: TCP, UDP, SCTP or ANY expected, got ${JSON.stringify(raw.protocol)}`);
    return undefined;
  }
  const out: { protocol: CiliumProtocol; port?: number; name?: string; endPort?: number } = { protocol: protocol as CiliumProtocol };
  if (present(raw.port)) {
    const text = String(raw.port);
    if (/^\d+$/.test(text)) {
      const port = Number(text);
      if (port > 65535) {
        problems.push(`${at}.port: ${text} is out of range`);
        return undefined;
      }
      if (port !== 0) {
        out.port = port;
      }
    } else if (/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(text) && text.length <= 15) {
      out.name = text;
    } else {
      problems.push(`${at}.port: ${JSON.stringify(raw.port)} is neither a port number nor a port name`);
      return undefined;
    }
  }
  if (present(raw.endPort)) {
    if (typeof raw.endPort !== 'number' || out.port === undefined || raw.endPort < out.port || raw.endPort > 65535) {
      problems.push(`${at}.endPort: needs a numeric port and a value from it to 65535`);
      return undefined;
    }
    out.endPort = raw.endPort;
  }
  return out;
}

function parsePortRules(raw: unknown, at: string, direction: 'ingress' | 'egress', problems: string[], warnings: string[]): CiliumPortRule[] | undefined {
  if (!present(raw)) {
    return undefined;
  }
  if (!Array.isArray(raw)) {
    problems.push(`${at}: must be a list`);
    return [];
  }
  if (raw.length === 0) {
    return undefined;
  }
  return raw.map((entry: unknown, i: number): CiliumPortRule => {
    const entryAt = `${at}[${i}]`;
    if (!isRecord(entry)) {
      problems.push(`${entryAt}: must be an object`);
      return { ports: [] };
    }
    let ports: CiliumPort[] | undefined;
    if (present(entry.ports)) {
      if (!Array.isArray(entry.ports)) {
        problems.push(`${entryAt}.ports: must be a list`);
      } else if (entry.ports.length > 0) {
        ports = entry.ports.map((p: unknown, j: number) => parsePort(p, `${entryAt}.ports[${j}]`, problems)).filter((p): p is CiliumPort => !!p);
      }
    }
    let http: HttpMatcher[] | undefined;
    let dns: DnsMatcher[] | undefined;
    const rules = entry.rules;
    if (isRecord(rules)) {
      if (Array.isArray(rules.http) && rules.http.length > 0) {
        http = rules.http.map((h: unknown, j: number): HttpMatcher => {
          const hAt = `${entryAt}.rules.http[${j}]`;
          if (!isRecord(h)) {
            problems.push(`${hAt}: must be an object`);
            return { method: /(?!)/ };
          }
          if (present(h.host) || present(h.headers) || present(h.headerMatches)) {
            warnings.push(`${hAt}: host and header matches are not modelled (requests are judged by method and path)`);
          }
          const method = typeof h.method === 'string' && h.method !== '' ? compileFull(h.method, `${hAt}.method`, problems) : undefined;
          const path = typeof h.path === 'string' && h.path !== '' ? compileFull(h.path, `${hAt}.path`, problems) : undefined;
          return { method, path };
        });
      }
      if (Array.isArray(rules.dns) && rules.dns.length > 0) {
        if (direction === 'ingress') {
          problems.push(`${entryAt}.rules.dns: DNS rules apply to egress only`);
        }
        dns = rules.dns.map((d: unknown, j: number) => parseDnsMatcher(d, `${entryAt}.rules.dns[${j}]`, problems)).filter((d): d is DnsMatcher => !!d);
      }
      for (const other of ['kafka', 'l7', 'l7proto']) {
        if (present(rules[other])) {
          warnings.push(`${entryAt}.rules.${other}: not modelled`);
        }
      }
    }
    return { ports, http, dns };
  });
}

function parseCidrList(raw: unknown, at: string, problems: string[]): CidrPeer[] {
  if (!Array.isArray(raw)) {
    problems.push(`${at}: must be a list`);
    return [];
  }
  const out: CidrPeer[] = [];
  raw.forEach((entry: unknown, i: number) => {
    const text = typeof entry === 'string' ? entry : isRecord(entry) ? entry.cidr : undefined;
    if (isRecord(entry) && !present(entry.cidr)) {
      problems.push(`${at}[${i}]: only "cidr" is modelled (cidrGroupRef/cidrGroupSelector match nothing here)`);
      return;
    }
    const cidr = typeof text === 'string' ? parseCidr(text) : undefined;
    if (!cidr) {
      problems.push(`${at}[${i}]: not a CIDR: ${JSON.stringify(text)}`);
      return;
    }
    const except: CidrBlock[] = [];
    if (isRecord(entry) && Array.isArray(entry.except)) {
      for (const [j, e] of entry.except.entries()) {
        const block = typeof e === 'string' ? parseCidr(e) : undefined;
        if (!block) {
          problems.push(`${at}[${i}].except[${j}]: not a CIDR: ${JSON.stringify(e)}`);
          continue;
        }
        except.push(block);
      }
    }
    out.push({ cidr, except });
  });
  return out;
}

function parsePeerRules(raw: unknown, at: string, direction: 'ingress' | 'egress', deny: boolean, problems: string[], warnings: string[]): PeerRule[] {
  if (!present(raw)) {
    return [];
  }
  if (!Array.isArray(raw)) {
    problems.push(`${at}: must be a list`);
    return [];
  }
  const side = direction === 'ingress' ? 'from' : 'to';
  return raw.map((rule: unknown, i: number): PeerRule => {
    const ruleAt = `${at}[${i}]`;
    if (!isRecord(rule)) {
      problems.push(`${ruleAt}: must be an object`);
      return { unmodelled: true };
    }
    const selectors = (field: string): CiliumSelector[] | undefined => {
      const value = rule[field];
      if (!present(value)) {
        return undefined;
      }
      if (!Array.isArray(value)) {
        problems.push(`${ruleAt}.${field}: must be a list`);
        return [];
      }
      return value.map((s: unknown, j: number) => parseSelector(s, `${ruleAt}.${field}[${j}]`, problems)).filter((s): s is CiliumSelector => !!s);
    };
    const endpoints = selectors(`${side}Endpoints`);
    const requires = selectors(`${side}Requires`);
    let entities: string[] | undefined;
    const rawEntities = rule[`${side}Entities`];
    if (present(rawEntities)) {
      if (!Array.isArray(rawEntities) || rawEntities.some(e => typeof e !== 'string' || !ENTITIES.has(e))) {
        problems.push(`${ruleAt}.${side}Entities: unknown entity in ${JSON.stringify(rawEntities)}`);
      } else {
        entities = rawEntities as string[];
      }
    }
    let cidrs: CidrPeer[] | undefined;
    for (const field of [`${side}CIDR`, `${side}CIDRSet`]) {
      if (present(rule[field])) {
        cidrs = [...(cidrs ?? []), ...parseCidrList(rule[field], `${ruleAt}.${field}`, problems)];
      }
    }
    let fqdns: DnsMatcher[] | undefined;
    if (direction === 'egress' && present(rule.toFQDNs)) {
      if (deny) {
        problems.push(`${ruleAt}.toFQDNs: not allowed in deny rules`);
      } else if (!Array.isArray(rule.toFQDNs)) {
        problems.push(`${ruleAt}.toFQDNs: must be a list`);
      } else {
        fqdns = rule.toFQDNs.map((f: unknown, j: number) => parseDnsMatcher(f, `${ruleAt}.toFQDNs[${j}]`, problems)).filter((f): f is DnsMatcher => !!f);
      }
    }
    const unmodelledFields = [`${side}Services`, `${side}Nodes`, `${side}Groups`].filter(f => present(rule[f]));
    if (unmodelledFields.length > 0) {
      warnings.push(`${ruleAt}: ${unmodelledFields.join(', ')} not modelled (treated as matching no endpoint)`);
    }
    if (present(rule.icmps)) {
      warnings.push(`${ruleAt}.icmps: ICMP is not modelled`);
    }
    const toPorts = parsePortRules(rule.toPorts, `${ruleAt}.toPorts`, direction, problems, warnings);
    if (deny && toPorts?.some(p => p.http || p.dns)) {
      problems.push(`${ruleAt}.toPorts: deny rules take no L7 rules`);
    }
    let authentication: string | undefined;
    if (isRecord(rule.authentication) && typeof rule.authentication.mode === 'string') {
      authentication = rule.authentication.mode;
    }
    return { endpoints, requires, entities, cidrs, fqdns, unmodelled: unmodelledFields.length > 0, toPorts, authentication };
  });
}

/** True for CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy objects (cilium.io/v2). */
export function isCiliumPolicy(manifest: unknown): boolean {
  return isRecord(manifest) && manifest.apiVersion === 'cilium.io/v2'
    && (manifest.kind === 'CiliumNetworkPolicy' || manifest.kind === 'CiliumClusterwideNetworkPolicy');
}

/**
 * Extracts and validates the Cilium policies among `manifests` (other kinds are ignored).
 * A rule with errors is left out, as Cilium would reject it.
 */
export function parseCiliumPolicies(manifests: ReadonlyArray<unknown>): ParsedCiliumPolicies {
  const rules: ParsedCiliumRule[] = [];
  const diagnostics: AnalysisDiagnostic[] = [];
  const seen = new Set<string>();
  manifests.forEach((manifest, index) => {
    if (!isCiliumPolicy(manifest)) {
      return;
    }
    const object = manifest as Record<string, unknown>;
    const clusterwide = object.kind === 'CiliumClusterwideNetworkPolicy';
    const metadata = isRecord(object.metadata) ? object.metadata : {};
    const name = typeof metadata.name === 'string' ? metadata.name : `#${index}`;
    let namespace: string | undefined;
    if (!clusterwide) {
      namespace = typeof metadata.namespace === 'string' && metadata.namespace !== '' ? metadata.namespace : undefined;
    }
    const subject = `${object.kind} ${namespace ? `${namespace}/` : ''}${name}`;
    if (typeof metadata.name !== 'string') {
      diagnostics.push({ severity: 'error', subject, message: 'metadata.name is missing' });
      return;
    }
    if (!clusterwide && namespace === undefined) {
      diagnostics.push({ severity: 'warning', subject, message: 'metadata.namespace is missing; it lands in the namespace kubectl targets (assumed "default")' });
      namespace = 'default';
    }
    if (seen.has(`${object.kind}/${namespace}/${name}`)) {
      diagnostics.push({ severity: 'error', subject, message: 'defined more than once (the later one replaces the earlier)' });
    }
    seen.add(`${object.kind}/${namespace}/${name}`);
    const specs: Array<{ raw: unknown; at: string }> = [];
    if (present(object.spec)) {
      specs.push({ raw: object.spec, at: 'spec' });
    }
    if (Array.isArray(object.specs)) {
      object.specs.forEach((raw, i) => specs.push({ raw, at: `specs[${i}]` }));
    }
    if (specs.length === 0) {
      diagnostics.push({ severity: 'error', subject, message: 'has neither spec nor specs (rejected)' });
      return;
    }
    for (const { raw, at } of specs) {
      const problems: string[] = [];
      const warnings: string[] = [];
      if (!isRecord(raw)) {
        diagnostics.push({ severity: 'error', subject, message: `${at}: must be an object` });
        continue;
      }
      if (present(raw.nodeSelector)) {
        diagnostics.push({ severity: 'warning', subject, message: `${at}: host policies (nodeSelector) are not modelled; rule left out` });
        continue;
      }
      if (!present(raw.endpointSelector)) {
        diagnostics.push({ severity: 'error', subject, message: `${at}: needs endpointSelector or nodeSelector (rejected)` });
        continue;
      }
      const endpointSelector = parseSelector(raw.endpointSelector, `${at}.endpointSelector`, problems);
      const ingress = parsePeerRules(raw.ingress, `${at}.ingress`, 'ingress', false, problems, warnings);
      const ingressDeny = parsePeerRules(raw.ingressDeny, `${at}.ingressDeny`, 'ingress', true, problems, warnings);
      const egress = parsePeerRules(raw.egress, `${at}.egress`, 'egress', false, problems, warnings);
      const egressDeny = parsePeerRules(raw.egressDeny, `${at}.egressDeny`, 'egress', true, problems, warnings);
      const defaultDeny = isRecord(raw.enableDefaultDeny) ? raw.enableDefaultDeny : {};
      for (const w of warnings) {
        diagnostics.push({ severity: 'warning', subject, message: w });
      }
      if (problems.length > 0 || !endpointSelector) {
        for (const message of problems) {
          diagnostics.push({ severity: 'error', subject, message: `${message} (Cilium rejects the rule; left out)` });
        }
        continue;
      }
      const hasIngress = ingress.length > 0 || ingressDeny.length > 0;
      const hasEgress = egress.length > 0 || egressDeny.length > 0;
      rules.push({
        subject: specs.length > 1 ? `${subject} ${at}` : subject,
        clusterwide,
        namespace,
        endpointSelector,
        ingress,
        ingressDeny,
        egress,
        egressDeny,
        enforcesIngress: hasIngress && defaultDeny.ingress !== false,
        enforcesEgress: hasEgress && defaultDeny.egress !== false,
      });
    }
  });
  return { rules, diagnostics };
}

/** The rules that govern one direction of one endpoint. */
interface DirectionRules {
  /** Whether the direction is default-deny. */
  readonly enforced: boolean;
  readonly allow: ReadonlyArray<{ rule: ParsedCiliumRule; peer: PeerRule }>;
  readonly deny: ReadonlyArray<{ rule: ParsedCiliumRule; peer: PeerRule }>;
}

const UNRESTRICTED: DirectionRules = { enforced: false, allow: [], deny: [] };

/** What allows one direction of a connection (see `matchingAllows`). */
type MatchedAllows = 'unrestricted' | ReadonlyArray<CiliumPortRule | undefined> | undefined;

/**
 * Decides Cilium reachability between endpoints of a universe, at L3/L4 (`allows`) and
 * for HTTP requests (`allowsRequest`). Build one per (universe, manifests).
 */
export class CiliumEvaluator implements RequestEvaluator {
  public readonly name = 'Cilium';
  public readonly rules: ReadonlyArray<ParsedCiliumRule>;
  public readonly diagnostics: ReadonlyArray<AnalysisDiagnostic>;
  private readonly universe: Universe;
  private readonly labelCache = new Map<string, CiliumLabel[]>();
  private readonly ingressCache = new Map<string, DirectionRules>();
  private readonly egressCache = new Map<string, DirectionRules>();
  private indexed?: CiliumIndex;
  /** `matchingAllows` per direction and `flowNumber` (requests ask the same connection again and again). */
  private readonly verdicts = { ingress: new Map<number, MatchedAllows>(), egress: new Map<number, MatchedAllows>() };
  /** Per selector and rule scope (`*` clusterwide, else the namespace): the universe's endpoints it matches. */
  private readonly selectorMatches = new Map<CiliumSelector, Map<string, Bitset>>();

  /** Namespace labels in a namespaced policy's peer selectors reach other namespaces. */
  private readonly namespaceLabelsCross: boolean;

  /**
   * @param ciliumRelease the targeted Cilium release (`platform.cilium`), whose selector
   *   semantics apply
   */
  public constructor(universe: Universe, manifests: ReadonlyArray<unknown>, ciliumRelease: string = DEFAULT_PLATFORM.cilium) {
    this.universe = universe;
    this.namespaceLabelsCross = ciliumNamespaceLabelsCrossNamespaces(ciliumRelease, false);
    const parsed = parseCiliumPolicies(manifests);
    this.rules = parsed.rules;
    const diagnostics = [...parsed.diagnostics];
    for (const rule of parsed.rules) {
      if (rule.namespace !== undefined && !universe.namespace(rule.namespace)) {
        diagnostics.push({
          severity: 'warning',
          subject: rule.subject,
          message: `namespace ${rule.namespace} is neither a catalog namespace nor the DNS or ingress one; the policy affects no modelled pod`,
        });
      }
    }
    this.diagnostics = diagnostics;
  }

  /** Whether `from` may open a connection to `to` on `probe`. */
  public allows(from: Endpoint, to: Endpoint, probe: PortProbe): boolean {
    return this.matchingAllows('egress', from, to, probe) !== undefined && this.matchingAllows('ingress', from, to, probe) !== undefined;
  }

  /** Whether an HTTP request passes both ends' L7 rules (the connection must be allowed too). */
  public allowsRequest(from: Endpoint, to: Endpoint, probe: PortProbe, request: RequestProbe): boolean {
    return (['egress', 'ingress'] as const).every(direction => this.directionAllowsRequest(direction, from, to, probe, request));
  }

  /**
   * One direction of a connection, as its subject (the source for egress, the
   * destination for ingress) sees it: `denied` by a deny rule, `unrestricted` when no rule
   * puts the direction into default-deny, `allowed` by an allow rule, else `refused`.
   * Lets NetworkPolicies be added up with Cilium's rules (see `CiliumDatapathEvaluator`).
   */
  public directionVerdict(direction: 'ingress' | 'egress', from: Endpoint, to: Endpoint, probe: PortProbe): 'denied' | 'unrestricted' | 'allowed' | 'refused' {
    if (this.denies(direction, from, to, probe)) {
      return 'denied';
    }
    const rules = this.matchingAllows(direction, from, to, probe);
    return rules === 'unrestricted' ? 'unrestricted' : rules === undefined ? 'refused' : 'allowed';
  }

  /** Whether a request passes one direction's L7 rules (and the direction allows the connection). */
  public directionAllowsRequest(direction: 'ingress' | 'egress', from: Endpoint, to: Endpoint, probe: PortProbe, request: RequestProbe): boolean {
    const rules = this.matchingAllows(direction, from, to, probe);
    if (rules === undefined) {
      return false;
    }
    return rules === 'unrestricted' || rules.some(portRule => portRule === undefined || portRule.http === undefined
      || portRule.http.some(h => (!h.method || h.method.test(request.method)) && (!h.path || h.path.test(request.path))));
  }

  /** True when some rule puts the endpoint's outgoing traffic into default-deny (never for non-pods). */
  public isEgressRestricted(endpoint: Endpoint): boolean {
    return this.directionRules('egress', endpoint).enforced;
  }

  /** True when some rule puts the endpoint's incoming traffic into default-deny (never for non-pods). */
  public isIngressRestricted(endpoint: Endpoint): boolean {
    return this.directionRules('ingress', endpoint).enforced;
  }

  /** The rules selecting a pod (either direction). */
  public selecting(endpoint: Endpoint): ParsedCiliumRule[] {
    if (endpoint.kind !== 'pod') {
      return [];
    }
    const index = universeIndex(this.universe);
    if (index.owns(endpoint)) {
      return [...this.fast().selecting[index.position(endpoint)]];
    }
    return this.rules.filter(r => this.selects(r, endpoint));
  }

  /**
   * A superset of the sources this evaluator allows to reach `to` on `probe`, as a bitset
   * over the universe's endpoint positions (see `DirectionalIndex`, `cilium-index.ts`);
   * undefined for an endpoint of another universe.
   */
  public candidateSources(to: Endpoint, probe: PortProbe): Bitset | undefined {
    return universeIndex(this.universe).owns(to) ? this.fast().directions.sources(to, probe) : undefined;
  }

  /** `candidateSources` for one direction (undefined: any source). */
  public directionSources(direction: 'ingress' | 'egress', to: Endpoint, probe: PortProbe): Bitset | undefined {
    if (!universeIndex(this.universe).owns(to)) {
      return undefined;
    }
    const d = this.fast().directions;
    return direction === 'ingress' ? d.ingressSources(to, probe) : d.egressSources(to, probe);
  }

  private selects(rule: ParsedCiliumRule, pod: Endpoint): boolean {
    return (rule.clusterwide || rule.namespace === pod.namespace) && labelsMatch(rule.endpointSelector, this.labelsOf(pod));
  }

  private fast(): CiliumIndex {
    this.indexed ??= buildCiliumIndex(this.universe, {
      rules: this.rules,
      labelsOf: e => this.labelsOf(e),
      selects: (rule, pod) => this.selects(rule, pod),
      entityMatches,
      portsAdmit: (peer, to, probe) => portRulesMatch(peer.toPorts, to, probe) !== undefined,
    });
    return this.indexed;
  }

  /**
   * The port rules that allow the connection in one direction: `unrestricted` when the
   * direction is not enforced (and nothing denies), undefined when denied or not allowed;
   * otherwise the matching port rules (undefined entries: a rule without `toPorts`).
   */
  private matchingAllows(direction: 'ingress' | 'egress', from: Endpoint, to: Endpoint, probe: PortProbe): MatchedAllows {
    const key = universeIndex(this.universe).flowNumber(from, to, probe);
    if (key === undefined) {
      return this.computeMatchingAllows(direction, from, to, probe);
    }
    const memo = this.verdicts[direction];
    if (!memo.has(key)) {
      memo.set(key, this.computeMatchingAllows(direction, from, to, probe));
    }
    return memo.get(key);
  }

  private computeMatchingAllows(direction: 'ingress' | 'egress', from: Endpoint, to: Endpoint, probe: PortProbe): MatchedAllows {
    if (this.denies(direction, from, to, probe)) {
      return undefined;
    }
    const subject = direction === 'ingress' ? to : from;
    const peer = direction === 'ingress' ? from : to;
    const rules = this.directionRules(direction, subject);
    if (!rules.enforced) {
      return 'unrestricted';
    }
    const matched: Array<CiliumPortRule | undefined> = [];
    for (const { rule, peer: r } of rules.allow) {
      if (!this.peerMatches(direction, rule, r, peer, subject) || !authenticationPasses(r, peer)) {
        continue;
      }
      const ports = portRulesMatch(r.toPorts, to, probe);
      if (ports !== undefined) {
        matched.push(...ports);
      }
    }
    return matched.length > 0 ? matched : undefined;
  }

  /** Whether a deny rule of the subject refuses the connection in one direction (deny rules win over every allow). */
  private denies(direction: 'ingress' | 'egress', from: Endpoint, to: Endpoint, probe: PortProbe): boolean {
    const subject = direction === 'ingress' ? to : from;
    const peer = direction === 'ingress' ? from : to;
    return this.directionRules(direction, subject).deny.some(({ rule, peer: r }) =>
      this.peerMatches(direction, rule, r, peer, subject) && portRulesMatch(r.toPorts, to, probe) !== undefined);
  }

  private directionRules(direction: 'ingress' | 'egress', endpoint: Endpoint): DirectionRules {
    if (endpoint.kind !== 'pod') {
      return UNRESTRICTED;
    }
    const cache = direction === 'ingress' ? this.ingressCache : this.egressCache;
    const cached = cache.get(endpoint.id);
    if (cached) {
      return cached;
    }
    const selecting = this.selecting(endpoint);
    const result: DirectionRules = {
      enforced: selecting.some(r => (direction === 'ingress' ? r.enforcesIngress : r.enforcesEgress)),
      allow: selecting.flatMap(rule => (direction === 'ingress' ? rule.ingress : rule.egress).map(peer => ({ rule, peer }))),
      deny: selecting.flatMap(rule => (direction === 'ingress' ? rule.ingressDeny : rule.egressDeny).map(peer => ({ rule, peer }))),
    };
    cache.set(endpoint.id, result);
    return result;
  }

  private peerMatches(direction: 'ingress' | 'egress', rule: ParsedCiliumRule, peerRule: PeerRule, peer: Endpoint, subject: Endpoint): boolean {
    if (direction === 'ingress' && peer.kind === 'fqdn') {
      // A DNS name is a destination; sources outside the cluster are the address endpoints.
      return false;
    }
    if (peerRule.requires && !peerRule.requires.every(s => this.endpointSelectorMatches(rule, s, peer))) {
      return false;
    }
    const hasPeerField = peerRule.endpoints !== undefined || peerRule.entities !== undefined || peerRule.cidrs !== undefined
      || peerRule.fqdns !== undefined || peerRule.unmodelled;
    if (!hasPeerField) {
      // No L3 part: every peer on the given ports; an empty rule matches nothing.
      return peerRule.toPorts !== undefined;
    }
    if (peerRule.endpoints?.some(s => this.endpointSelectorMatches(rule, s, peer))) {
      return true;
    }
    if (peerRule.entities?.some(e => entityMatches(e, peer))) {
      return true;
    }
    if (peer.kind === 'ip' && peer.ip && peerRule.cidrs?.some(c => cidrContains(c.cidr, peer.ip!) && !c.except.some(x => cidrContains(x, peer.ip!)))) {
      return true;
    }
    if (direction === 'egress' && peer.kind === 'fqdn' && peerRule.fqdns) {
      const name = representativeName(peer.host ?? '');
      return peerRule.fqdns.some(f => f.matches(name)) && this.dnsLookupAllowed(subject, name);
    }
    return false;
  }

  /** The DNS proxy must see (and allow) the source's lookup of `name` for toFQDNs to work. */
  private dnsLookupAllowed(source: Endpoint, name: string): boolean {
    const dns = this.universe.endpoints.find(e => e.role === 'dns');
    if (!dns) {
      return false;
    }
    return (['UDP', 'TCP'] as const).some(protocol => {
      const probe: PortProbe = { port: 53, protocol };
      const egress = this.matchingAllows('egress', source, dns, probe);
      if (egress === undefined || egress === 'unrestricted' || this.matchingAllows('ingress', source, dns, probe) === undefined) {
        return false;
      }
      return egress.some(r => r?.dns?.some(d => d.matches(name)));
    });
  }

  private endpointSelectorMatches(rule: ParsedCiliumRule, selector: CiliumSelector, peer: Endpoint): boolean {
    const index = universeIndex(this.universe);
    if (!index.owns(peer)) {
      return this.selectorMatchesEndpoint(rule, selector, peer);
    }
    // Exactly the endpoints `selectorMatchesEndpoint` accepts, from the label index's superset.
    const scope = rule.clusterwide ? '*' : rule.namespace ?? '';
    let byScope = this.selectorMatches.get(selector);
    if (!byScope) {
      byScope = new Map();
      this.selectorMatches.set(selector, byScope);
    }
    let matching = byScope.get(scope);
    if (!matching) {
      const exact = new Bitset(index.size);
      selectorSuperset(ciliumLabelIndex(this.universe, e => this.labelsOf(e)), selector).forEach(i => {
        if (this.selectorMatchesEndpoint(rule, selector, this.universe.endpoints[i])) {
          exact.add(i);
        }
      });
      matching = exact;
      byScope.set(scope, matching);
    }
    return matching.has(index.position(peer));
  }

  private selectorMatchesEndpoint(rule: ParsedCiliumRule, selector: CiliumSelector, peer: Endpoint): boolean {
    if (!selector.namesNamespace && !selector.reserved) {
      if (rule.clusterwide) {
        // Clusterwide: Cilium requires the namespace key, i.e. a pod.
        if (peer.kind !== 'pod') {
          return false;
        }
      } else if (!(selector.namesNamespaceLabels && this.namespaceLabelsCross) && peer.namespace !== rule.namespace) {
        // Namespaced policies add their own namespace to selectors that name none, and to
        // those naming only namespace labels (src/model/releases.ts, per release).
        return false;
      }
    }
    return labelsMatch(selector, this.labelsOf(peer));
  }

  private labelsOf(endpoint: Endpoint): CiliumLabel[] {
    const cached = this.labelCache.get(endpoint.id);
    if (cached) {
      return cached;
    }
    // Addresses and names outside the cluster carry the world identity's label only; the
    // API server its own.
    const labels: CiliumLabel[] = endpoint.kind === 'pod'
      ? Object.entries(endpoint.labels).map(([key, value]) => ({ source: 'k8s', key, value }))
      : [{ source: 'reserved', key: endpoint.role === 'kube-apiserver' ? KUBE_APISERVER_LABEL : 'world', value: '' }];
    if (endpoint.kind === 'pod' && endpoint.namespace !== undefined) {
      labels.push({ source: 'k8s', key: POD_NAMESPACE_KEY, value: endpoint.namespace });
      const ns = this.universe.namespace(endpoint.namespace);
      for (const [key, value] of Object.entries(ns?.labels ?? { [NAMESPACE_NAME_LABEL]: endpoint.namespace })) {
        labels.push({ source: 'k8s', key: `${NAMESPACE_LABELS_PREFIX}${key}`, value });
      }
      if (endpoint.serviceAccount !== undefined) {
        labels.push({ source: 'k8s', key: SERVICE_ACCOUNT_KEY, value: endpoint.serviceAccount });
      }
      labels.push({ source: 'k8s', key: CLUSTER_KEY, value: 'default' });
    }
    this.labelCache.set(endpoint.id, labels);
    return labels;
  }
}

/** The name a DNS-name endpoint stands for (a wildcard gets a sample first label). */
function representativeName(host: string): string {
  return host.startsWith('*.') ? `${WILDCARD_SAMPLE_LABEL}${host.slice(1)}` : host;
}

/** Whether a Cilium entity covers an endpoint of the universe. */
export function entityMatches(entity: string, endpoint: Endpoint): boolean {
  switch (entity) {
    case 'all':
      return true;
    case 'world':
      return endpoint.kind !== 'pod' && endpoint.role !== 'kube-apiserver';
    case 'cluster':
      return endpoint.kind === 'pod';
    case 'kube-apiserver':
      return endpoint.role === 'kube-apiserver';
    default:
      return false;
  }
}

function authenticationPasses(rule: PeerRule, peer: Endpoint): boolean {
  switch (rule.authentication) {
    case undefined:
    case 'disabled':
      return true;
    case 'required':
      return peer.kind === 'pod';
    default:
      return false;
  }
}

/** The port rules matching the probe (undefined: none; `[undefined]`: no `toPorts`, every port). */
function portRulesMatch(
  toPorts: ReadonlyArray<CiliumPortRule> | undefined,
  destination: Endpoint,
  probe: PortProbe,
): Array<CiliumPortRule | undefined> | undefined {
  if (toPorts === undefined) {
    return [undefined];
  }
  const matched = toPorts.filter(r => r.ports === undefined || r.ports.some(p => portMatches(p, destination, probe)));
  return matched.length > 0 ? matched : undefined;
}

function portMatches(port: CiliumPort, destination: Endpoint, probe: PortProbe): boolean {
  if (port.protocol !== 'ANY' && port.protocol !== probe.protocol) {
    return false;
  }
  if (port.name !== undefined) {
    return destination.containerPorts.some(c => c.name === port.name && c.port === probe.port && (port.protocol === 'ANY' || c.protocol === probe.protocol));
  }
  if (port.port === undefined) {
    return true;
  }
  return port.endPort === undefined ? probe.port === port.port : probe.port >= port.port && probe.port <= port.endPort;
}

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

/**
 * Proves (or refutes) that the Cilium policies among `manifests` allow exactly the flows
 * `catalog` declares (L3/L4) and exactly the declared requests on L7 ports.
 */
export function checkCiliumReachability(
  catalog: ResolvedCatalog,
  manifests: ReadonlyArray<unknown>,
  options: ReachabilityOptions & UniverseOptions = {},
): ReachabilityReport {
  const universe = buildUniverse(catalog, options);
  const intent = ciliumIntent(catalog, universe, options);
  const evaluator = new CiliumEvaluator(universe, manifests, catalog.platform.cilium);
  const report = analyzeReachability(universe, intent, evaluator, options);
  const requests = analyzeRequests(catalog, universe, evaluator, (from, to, probe) => evaluator.allows(from, to, probe), {
    exposedFrom: ciliumExposedFrom(catalog),
    toleratedConnections: intent.tolerated,
  }, options.exhaustive ? undefined : report.allowed);
  return withRequests(report, requests);
}
