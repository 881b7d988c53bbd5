/**
 * Istio objects among emitted manifests, parsed into typed config: PeerAuthentication,
 * AuthorizationPolicy (security.istio.io/v1, v1beta1), Sidecar and ServiceEntry
 * (networking.istio.io/v1, v1beta1, v1alpha3), and the labels of Namespace objects.
 * Invalid objects are left out with an error diagnostic; objects Istio ignores or that the
 * analysis does not evaluate get a warning.
 */
import { CidrBlock, parseCidr, parseIp } from '../../model/cidr';
import { DRY_RUN_ANNOTATION, MTLS_MODES, MtlsMode, NETWORKING_GROUP, SECURITY_GROUP } from '../../model/mesh-facts/istio';
import { isRecord } from '../../model/values';
import { AnalysisDiagnostic } from '../flows';

export interface ParsedPeerAuthentication {
  readonly namespace: string;
  readonly name: string;
  readonly selector?: Record<string, string>;
  readonly mode?: MtlsMode;
  readonly portModes: ReadonlyMap<number, MtlsMode>;
}

/** One field of a source/operation: values ORed, notValues none. */
export interface Field {
  readonly values?: string[];
  readonly notValues?: string[];
}

export interface ParsedSource {
  readonly principals: Field;
  readonly namespaces: Field;
  readonly serviceAccounts: Field;
  readonly ipBlocks: { values?: CidrBlock[]; notValues?: CidrBlock[] };
  readonly remoteIpBlocks: { values?: CidrBlock[]; notValues?: CidrBlock[] };
  /** HTTP only (JWT). */
  readonly requestPrincipals: Field;
}

export interface ParsedOperation {
  readonly ports: Field;
  /** HTTP only. */
  readonly methods: Field;
  readonly paths: Field;
  readonly hosts: Field;
}

export interface ParsedCondition {
  readonly key: string;
  readonly values?: string[];
  readonly notValues?: string[];
}

export interface ParsedRule {
  /** undefined: any source. */
  readonly from?: ParsedSource[];
  /** undefined: any operation. */
  readonly to?: ParsedOperation[];
  readonly when: ParsedCondition[];
}

export type Action = 'ALLOW' | 'DENY' | 'AUDIT' | 'CUSTOM';

export interface ParsedAuthorizationPolicy {
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

export interface ParsedSidecar {
  readonly namespace: string;
  readonly name: string;
  readonly selector?: Record<string, string>;
  /** undefined: no egress section, every service is imported. */
  readonly egress?: EgressListener[];
  readonly registryOnly: boolean;
}

export interface ParsedServiceEntry {
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

/** The API versions read (v1beta1 and v1alpha3 read like v1). */
const GROUPS = [`${SECURITY_GROUP}/v1`, `${SECURITY_GROUP}/v1beta1`, `${NETWORKING_GROUP}/v1`, `${NETWORKING_GROUP}/v1beta1`, `${NETWORKING_GROUP}/v1alpha3`];

/** One Istio object being parsed: where it lives, its spec, and where its findings go. */
interface IstioObject {
  readonly namespace: string;
  readonly name: string;
  /** `<kind> <namespace>/<name>`, the subject of its diagnostics. */
  readonly subject: string;
  readonly spec: Record<string, unknown>;
  readonly annotations: Record<string, unknown>;
  /** Problems that make the object invalid (reported as errors, the object left out). */
  readonly problems: string[];
  readonly diagnostics: AnalysisDiagnostic[];
}

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
    const object: IstioObject = { namespace, name, subject, spec, annotations, problems, diagnostics };
    switch (manifest.kind) {
      case 'PeerAuthentication':
        pushParsed(peerAuthentications, parsePeerAuthentication(object, rootNamespace));
        break;
      case 'AuthorizationPolicy':
        pushParsed(authorizationPolicies, parseAuthorizationPolicy(object));
        break;
      case 'Sidecar':
        pushParsed(sidecars, parseSidecar(object));
        break;
      case 'ServiceEntry':
        pushParsed(serviceEntries, parseServiceEntry(object));
        break;
      default:
        continue;
    }
    for (const message of problems) {
      diagnostics.push({ severity: 'error', subject, message: `${message} (invalid; left out)` });
    }
  }
  return { peerAuthentications, authorizationPolicies, sidecars, serviceEntries, namespaceLabels, diagnostics };
}

function pushParsed<T>(list: T[], parsed: T | undefined): void {
  if (parsed !== undefined) {
    list.push(parsed);
  }
}

/** A PeerAuthentication; undefined when invalid or ignored by Istio. */
function parsePeerAuthentication(object: IstioObject, rootNamespace: string): ParsedPeerAuthentication | undefined {
  const { namespace, name, subject, spec, problems, diagnostics } = object;
  const selector = isRecord(spec.selector) ? labelMap(spec.selector.matchLabels, 'spec.selector.matchLabels', problems) : undefined;
  // Checked first: Istio ignores the whole object, so its other problems do not count.
  if (selector && namespace === rootNamespace) {
    diagnostics.push({ severity: 'warning', subject, message: 'a PeerAuthentication with a selector in the root namespace is ignored by Istio' });
    return undefined;
  }
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
  return problems.length === 0 ? { namespace, name, selector, mode, portModes } : undefined;
}

/** An AuthorizationPolicy; undefined when invalid. */
function parseAuthorizationPolicy(object: IstioObject): ParsedAuthorizationPolicy | undefined {
  const { namespace, name, subject, spec, annotations, problems, diagnostics } = object;
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
  return problems.length === 0
    ? { namespace, name, selector, action, rules, dryRun: annotations[DRY_RUN_ANNOTATION] === 'true', targeted }
    : undefined;
}

/** A Sidecar; undefined when invalid. */
function parseSidecar(object: IstioObject): ParsedSidecar | undefined {
  const { namespace, name, spec, problems } = object;
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
  return problems.length === 0 ? { namespace, name, selector, egress, registryOnly: outbound === 'REGISTRY_ONLY' } : undefined;
}

/** A ServiceEntry; undefined when invalid (a bad `exportTo` is reported, the entry kept). */
function parseServiceEntry(object: IstioObject): ParsedServiceEntry | undefined {
  const { namespace, name, subject, spec, problems, diagnostics } = object;
  const hosts = stringList(spec.hosts, 'spec.hosts', problems) ?? [];
  const addresses = cidrList(stringList(spec.addresses, 'spec.addresses', problems), 'spec.addresses', problems) ?? [];
  const ports = Array.isArray(spec.ports)
    ? spec.ports.filter(isRecord).map(p => ({ number: Number(p.number), protocol: typeof p.protocol === 'string' ? p.protocol.toUpperCase() : 'TCP' }))
    : [];
  const resolution = typeof spec.resolution === 'string' ? spec.resolution : 'NONE';
  if (problems.length > 0) {
    return undefined;
  }
  const entry = { namespace, name, hosts, addresses, ports, resolution, exportTo: stringList(spec.exportTo, 'spec.exportTo', problems) };
  if (addresses.length === 0 && resolution === 'NONE' && ports.some(p => p.protocol === 'TCP')) {
    diagnostics.push({ severity: 'warning', subject, message: `TCP ports without addresses and resolution NONE pass every destination on port ${ports.filter(p => p.protocol === 'TCP').map(p => p.number).join(',')}` });
  }
  return entry;
}

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
