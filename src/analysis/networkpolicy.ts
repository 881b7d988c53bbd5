/**
 * Kubernetes NetworkPolicy (networking.k8s.io/v1) semantics over the endpoint universe.
 *
 * Per the Kubernetes API and the network-policies concept page:
 * - A pod is isolated for ingress (egress) iff some NetworkPolicy in its namespace selects
 *   it (`spec.podSelector`, `{}` selects all) and has that policy type. Without
 *   `policyTypes`, a policy has Ingress, plus Egress iff its `egress` list is non-empty
 *   (the API server's defaulting; an empty `egress: []` does not add Egress).
 * - Allows are a union over all rules of all selecting policies. A connection needs the
 *   source's egress (unless the source is not egress-isolated or not a pod) AND the
 *   destination's ingress (unless not ingress-isolated or not a pod; addresses outside
 *   the cluster are reached through egress rules alone).
 * - `ingress`/`egress` missing or empty: nothing allowed (isolation only). A rule's
 *   `from`/`to` missing or empty: every peer, in and outside the cluster. `ports` missing
 *   or empty: every port.
 * - Peer: `podSelector` alone = pods in the policy's namespace; `namespaceSelector` alone =
 *   every pod of matching namespaces; both in one peer = AND; several peers = OR.
 *   `ipBlock` = addresses in `cidr` and not in any `except`.
 * - Port: protocol defaults to TCP; a number (with `endPort`: a range), or a name resolved
 *   against the DESTINATION pod's container ports (same name and protocol), for ingress
 *   and egress alike; no `port` = every port of that protocol.
 *
 * Assumptions (documented, not Kubernetes rules):
 * - Pods have no address unless the universe was built with `podCidr`: ipBlocks match
 *   only external addresses (pod IPs are taken to lie outside the declared CIDRs). Most
 *   CNIs do match pod IPs against ipBlocks; pass `podCidr` to model that.
 * - The API server is an address outside the pod network: only ipBlocks match it
 *   (NetworkPolicy cannot name it), including a world range such as 0.0.0.0/0.
 * - Traffic from the node (kubelet probes) is always allowed and is not modelled.
 * - A policy the API server would reject is left out (and reported as an error).
 */
import { Bitset } from './bitset';
import { DirectionalIndex, DirectionalRule, DirectionRules as IndexedDirection } from './directional-index';
import { Endpoint, Universe } from './endpoints';
import { AnalysisDiagnostic, PortProbe } from './flows';
import { LabelSelector, MATCH_ALL, matchesSelector, parseLabelSelector } from './selectors';
import { UniverseIndex, universeIndex } from './universe-index';
import { CidrBlock, cidrContains, cidrWithin, parseCidr } from '../model/cidr';
import { isRecord } from '../model/values';

export type PolicyProtocol = 'TCP' | 'UDP' | 'SCTP';

export interface PolicyPort {
  readonly protocol: PolicyProtocol;
  /** Numeric port (start of the range with `endPort`). */
  readonly port?: number;
  /** Named port (resolved against the destination pod). */
  readonly name?: string;
  readonly endPort?: number;
}

export type PolicyPeer =
  | {
    readonly kind: 'selector';
    /** undefined: not set (every pod of the selected namespaces). */
    readonly podSelector?: LabelSelector;
    /** undefined: not set (the policy's own namespace). */
    readonly namespaceSelector?: LabelSelector;
  }
  | { readonly kind: 'ipBlock'; readonly cidr: CidrBlock; readonly except: ReadonlyArray<CidrBlock> };

export interface PolicyRule {
  /** undefined: every peer (the list was missing or empty). */
  readonly peers?: ReadonlyArray<PolicyPeer>;
  /** undefined: every port (the list was missing or empty). */
  readonly ports?: ReadonlyArray<PolicyPort>;
}

export interface ParsedNetworkPolicy {
  readonly namespace: string;
  readonly name: string;
  readonly podSelector: LabelSelector;
  readonly isolatesIngress: boolean;
  readonly isolatesEgress: boolean;
  readonly ingress: ReadonlyArray<PolicyRule>;
  readonly egress: ReadonlyArray<PolicyRule>;
}

export interface ParsedNetworkPolicies {
  /** Valid policies, in input order. */
  readonly policies: ParsedNetworkPolicy[];
  readonly diagnostics: AnalysisDiagnostic[];
}

const PROTOCOLS: ReadonlySet<string> = new Set(['TCP', 'UDP', 'SCTP']);
/** IANA service name: 1-15 chars, lowercase alphanumerics and '-', a letter, no '--', no '-' at the ends. */
const PORT_NAME = /^(?!-)(?!.*--)[a-z0-9-]{1,15}(?<!-)$/;

/** `null` and missing are the same in Kubernetes JSON. */
function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function parsePort(raw: unknown, at: string, problems: string[]): PolicyPort | undefined {
  if (!isRecord(raw)) {
    problems.push(`${at}: must be an object`);
    return undefined;
  }
  const protocol = present(raw.protocol) ? raw.protocol : 'TCP';
  if (typeof protocol !== 'string' || !PROTOCOLS.has(protocol)) {
    problems.push(`${at}.protocol: must be TCP, UDP or SCTP, got ${JSON.stringify(raw.protocol)}`);
    return undefined;
  }
  const out: { protocol: PolicyProtocol; port?: number; name?: string; endPort?: number } = { protocol: protocol as PolicyProtocol };
  if (present(raw.port)) {
    if (typeof raw.port === 'number') {
      if (!Number.isInteger(raw.port) || raw.port < 1 || raw.port > 65535) {
        problems.push(`${at}.port: must be 1-65535, got ${raw.port}`);
        return undefined;
      }
      out.port = raw.port;
    } else if (typeof raw.port === 'string') {
      // A string is a port name even when it looks like a number (IntOrString).
      if (!PORT_NAME.test(raw.port) || !/[a-z]/.test(raw.port)) {
        problems.push(`${at}.port: ${JSON.stringify(raw.port)} is neither a port number nor a valid port name`);
        return undefined;
      }
      out.name = raw.port;
    } else {
      problems.push(`${at}.port: must be a number or a name`);
      return undefined;
    }
  }
  if (present(raw.endPort)) {
    if (out.port === undefined) {
      problems.push(`${at}.endPort: needs a numeric port`);
      return undefined;
    }
    if (typeof raw.endPort !== 'number' || !Number.isInteger(raw.endPort) || raw.endPort < out.port || raw.endPort > 65535) {
      problems.push(`${at}.endPort: must be a number from port (${out.port}) to 65535`);
      return undefined;
    }
    out.endPort = raw.endPort;
  }
  return out;
}

function parsePeer(raw: unknown, at: string, problems: string[]): PolicyPeer | undefined {
  if (!isRecord(raw)) {
    problems.push(`${at}: must be an object`);
    return undefined;
  }
  const hasSelectors = present(raw.podSelector) || present(raw.namespaceSelector);
  if (present(raw.ipBlock)) {
    if (hasSelectors) {
      problems.push(`${at}: ipBlock cannot be combined with podSelector or namespaceSelector`);
      return undefined;
    }
    const block = raw.ipBlock;
    if (!isRecord(block) || typeof block.cidr !== 'string') {
      problems.push(`${at}.ipBlock: needs a cidr`);
      return undefined;
    }
    const cidr = parseCidr(block.cidr);
    if (!cidr) {
      problems.push(`${at}.ipBlock.cidr: not a CIDR: ${JSON.stringify(block.cidr)}`);
      return undefined;
    }
    const except: CidrBlock[] = [];
    const rawExcept = present(block.except) ? block.except : [];
    if (!Array.isArray(rawExcept)) {
      problems.push(`${at}.ipBlock.except: must be a list`);
      return undefined;
    }
    for (const [i, text] of rawExcept.entries()) {
      const parsed = typeof text === 'string' ? parseCidr(text) : undefined;
      if (!parsed) {
        problems.push(`${at}.ipBlock.except[${i}]: not a CIDR: ${JSON.stringify(text)}`);
        return undefined;
      }
      if (!cidrWithin(parsed, cidr) || parsed.prefix <= cidr.prefix) {
        problems.push(`${at}.ipBlock.except[${i}]: ${parsed.text} must lie strictly inside ${cidr.text}`);
        return undefined;
      }
      except.push(parsed);
    }
    return { kind: 'ipBlock', cidr, except };
  }
  if (!hasSelectors) {
    problems.push(`${at}: a peer needs podSelector, namespaceSelector or ipBlock`);
    return undefined;
  }
  const before = problems.length;
  const podSelector = present(raw.podSelector) ? parseLabelSelector(raw.podSelector, `${at}.podSelector`, problems) : undefined;
  const namespaceSelector = present(raw.namespaceSelector) ? parseLabelSelector(raw.namespaceSelector, `${at}.namespaceSelector`, problems) : undefined;
  return problems.length > before ? undefined : { kind: 'selector', podSelector, namespaceSelector };
}

function parseRules(raw: unknown, peerField: 'from' | 'to', at: string, problems: string[]): PolicyRule[] {
  if (!present(raw)) {
    return [];
  }
  if (!Array.isArray(raw)) {
    problems.push(`${at}: must be a list`);
    return [];
  }
  return raw.map((rule: unknown, i: number) => {
    const ruleAt = `${at}[${i}]`;
    if (!isRecord(rule)) {
      problems.push(`${ruleAt}: must be an object`);
      return {};
    }
    let peers: PolicyPeer[] | undefined;
    const rawPeers = rule[peerField];
    if (present(rawPeers)) {
      if (!Array.isArray(rawPeers)) {
        problems.push(`${ruleAt}.${peerField}: must be a list`);
      } else if (rawPeers.length > 0) {
        peers = rawPeers.map((p: unknown, j: number) => parsePeer(p, `${ruleAt}.${peerField}[${j}]`, problems)).filter((p): p is PolicyPeer => !!p);
      }
    }
    let ports: PolicyPort[] | undefined;
    if (present(rule.ports)) {
      if (!Array.isArray(rule.ports)) {
        problems.push(`${ruleAt}.ports: must be a list`);
      } else if (rule.ports.length > 0) {
        ports = rule.ports.map((p: unknown, j: number) => parsePort(p, `${ruleAt}.ports[${j}]`, problems)).filter((p): p is PolicyPort => !!p);
      }
    }
    return { peers, ports };
  });
}

/** True for a networking.k8s.io/v1 NetworkPolicy object. */
export function isNetworkPolicy(manifest: unknown): boolean {
  return isRecord(manifest) && manifest.kind === 'NetworkPolicy' && manifest.apiVersion === 'networking.k8s.io/v1';
}

/**
 * Extracts and validates the NetworkPolicies among `manifests` (other kinds are ignored).
 * A policy with errors is left out, as the API server would reject it.
 */
export function parseNetworkPolicies(manifests: ReadonlyArray<unknown>): ParsedNetworkPolicies {
  const policies: ParsedNetworkPolicy[] = [];
  const diagnostics: AnalysisDiagnostic[] = [];
  const seen = new Set<string>();
  manifests.forEach((manifest, index) => {
    if (!isNetworkPolicy(manifest)) {
      return;
    }
    const object = manifest as Record<string, unknown>;
    const metadata = isRecord(object.metadata) ? object.metadata : {};
    const name = typeof metadata.name === 'string' ? metadata.name : `#${index}`;
    let namespace = typeof metadata.namespace === 'string' && metadata.namespace !== '' ? metadata.namespace : undefined;
    const warn = (message: string) => diagnostics.push({ severity: 'warning', subject: `NetworkPolicy ${namespace ?? 'default'}/${name}`, message });
    if (typeof metadata.name !== 'string') {
      diagnostics.push({ severity: 'error', subject: `NetworkPolicy ${name}`, message: 'metadata.name is missing' });
      return;
    }
    if (namespace === undefined) {
      warn('metadata.namespace is missing; it lands in the namespace kubectl targets (assumed "default")');
      namespace = 'default';
    }
    const subject = `NetworkPolicy ${namespace}/${name}`;
    if (seen.has(subject)) {
      diagnostics.push({ severity: 'error', subject, message: 'defined more than once (the later one replaces the earlier)' });
    }
    seen.add(subject);
    const problems: string[] = [];
    const spec = isRecord(object.spec) ? object.spec : {};
    if (!isRecord(object.spec)) {
      warn('spec is missing: the policy selects every pod and isolates it for ingress');
    }
    let podSelector: LabelSelector = MATCH_ALL;
    if (present(spec.podSelector)) {
      podSelector = parseLabelSelector(spec.podSelector, 'spec.podSelector', problems);
    } else {
      warn('spec.podSelector is missing: it selects every pod of the namespace');
    }
    const ingress = parseRules(spec.ingress, 'from', 'spec.ingress', problems);
    const egress = parseRules(spec.egress, 'to', 'spec.egress', problems);
    let isolatesIngress = true;
    let isolatesEgress = egress.length > 0;
    if (present(spec.policyTypes)) {
      if (!Array.isArray(spec.policyTypes) || spec.policyTypes.some(t => t !== 'Ingress' && t !== 'Egress')) {
        problems.push('spec.policyTypes: must list Ingress and/or Egress');
      } else if (spec.policyTypes.length > 0) {
        isolatesIngress = spec.policyTypes.includes('Ingress');
        isolatesEgress = spec.policyTypes.includes('Egress');
      }
    }
    if (problems.length > 0) {
      for (const message of problems) {
        diagnostics.push({ severity: 'error', subject, message: `${message} (the API server rejects the policy; left out)` });
      }
      return;
    }
    if (!isolatesIngress && ingress.length > 0) {
      warn('has ingress rules but policyTypes omits Ingress: they have no effect');
    }
    if (!isolatesEgress && egress.length > 0) {
      warn('has egress rules but policyTypes omits Egress: they have no effect');
    }
    policies.push({ namespace, name, podSelector, isolatesIngress, isolatesEgress, ingress, egress });
  });
  return { policies, diagnostics };
}

/** A rule together with the namespace of the policy it belongs to. */
interface ScopedRule {
  readonly namespace: string;
  readonly rule: PolicyRule;
}

/** The rules that govern one direction of one pod; undefined when the pod is not isolated. */
type DirectionRules = ReadonlyArray<ScopedRule> | undefined;

/**
 * Decides NetworkPolicy reachability between endpoints of a universe. Results per
 * endpoint are cached; build one evaluator per (universe, manifests).
 */
export class NetworkPolicyEvaluator {
  public readonly name = 'NetworkPolicy';
  public readonly policies: ReadonlyArray<ParsedNetworkPolicy>;
  public readonly diagnostics: ReadonlyArray<AnalysisDiagnostic>;
  private readonly universe: Universe;
  private readonly ingressCache = new Map<string, DirectionRules>();
  private readonly egressCache = new Map<string, DirectionRules>();
  private indexed?: { readonly selecting: ParsedNetworkPolicy[][]; readonly directions: DirectionalIndex };

  public constructor(universe: Universe, manifests: ReadonlyArray<unknown>) {
    this.universe = universe;
    const parsed = parseNetworkPolicies(manifests);
    this.policies = parsed.policies;
    const diagnostics = [...parsed.diagnostics];
    for (const policy of parsed.policies) {
      if (!universe.namespace(policy.namespace)) {
        diagnostics.push({
          severity: 'warning',
          subject: `NetworkPolicy ${policy.namespace}/${policy.name}`,
          message: `namespace ${policy.namespace} is neither a catalog namespace nor the DNS or ingress one; the policy affects no modelled pod`,
        });
      }
    }
    this.diagnostics = diagnostics;
  }

  /** Whether `from` may open a connection to `to` on `probe`. */
  public allows(from: Endpoint, to: Endpoint, probe: PortProbe): boolean {
    return this.egressAllows(from, to, probe) && this.ingressAllows(from, to, probe);
  }

  /** True when some policy isolates the endpoint's outgoing traffic (never for non-pods). */
  public isEgressRestricted(endpoint: Endpoint): boolean {
    return this.egressRules(endpoint) !== undefined;
  }

  /** True when some policy isolates the endpoint's incoming traffic (never for non-pods). */
  public isIngressRestricted(endpoint: Endpoint): boolean {
    return this.ingressRules(endpoint) !== undefined;
  }

  public egressAllows(from: Endpoint, to: Endpoint, probe: PortProbe): boolean {
    const rules = this.egressRules(from);
    return rules === undefined || rules.some(r => this.peersMatch(r, to) && portsMatch(r.rule.ports, to, probe));
  }

  public ingressAllows(from: Endpoint, to: Endpoint, probe: PortProbe): boolean {
    const rules = this.ingressRules(to);
    return rules === undefined || rules.some(r => this.peersMatch(r, from) && portsMatch(r.rule.ports, to, probe));
  }

  /** The policies that select a pod (either direction). */
  public selecting(endpoint: Endpoint): ParsedNetworkPolicy[] {
    if (endpoint.kind !== 'pod') {
      return [];
    }
    if (this.ownEndpoint(endpoint)) {
      return [...this.fast().selecting[universeIndex(this.universe).position(endpoint)]];
    }
    return this.policies.filter(p => p.namespace === endpoint.namespace && matchesSelector(p.podSelector, endpoint.labels));
  }

  /**
   * A superset of the sources this evaluator allows to reach `to` on `probe`, as a bitset
   * over the universe's endpoint positions (see `DirectionalIndex`); undefined for an
   * endpoint of another universe.
   */
  public candidateSources(to: Endpoint, probe: PortProbe): Bitset | undefined {
    return this.ownEndpoint(to) ? this.fast().directions.sources(to, probe) : undefined;
  }

  /** `candidateSources` for one direction (undefined: any source). */
  public directionSources(direction: 'ingress' | 'egress', to: Endpoint, probe: PortProbe): Bitset | undefined {
    if (!this.ownEndpoint(to)) {
      return undefined;
    }
    const d = this.fast().directions;
    return direction === 'ingress' ? d.ingressSources(to, probe) : d.egressSources(to, probe);
  }

  private ownEndpoint(endpoint: Endpoint): boolean {
    return universeIndex(this.universe).owns(endpoint);
  }

  /** Which pods each policy selects and the directional index, built once. */
  private fast(): { readonly selecting: ParsedNetworkPolicy[][]; readonly directions: DirectionalIndex } {
    if (!this.indexed) {
      const index = universeIndex(this.universe);
      const selected = this.policies.map(p => index.podsIn(p.namespace).clone().andWith(index.podLabels.matching(p.podSelector)));
      const selecting: ParsedNetworkPolicy[][] = Array.from({ length: index.size }, () => []);
      this.policies.forEach((p, k) => selected[k].forEach(i => selecting[i].push(p)));
      type Of<T> = (p: ParsedNetworkPolicy) => T;
      const direction = (isolates: Of<boolean>, rulesOf: Of<ReadonlyArray<PolicyRule>>): IndexedDirection => {
        const isolated = new Bitset(index.size);
        const rules: DirectionalRule[] = [];
        this.policies.forEach((p, k) => {
          if (isolates(p)) {
            isolated.orWith(selected[k]);
            for (const rule of rulesOf(p)) {
              const peers = this.peerSet(index, rule, p.namespace);
              rules.push({ subjects: selected[k], peers, portsAdmit: (to, probe) => portsMatch(rule.ports, to, probe) });
            }
          }
        });
        return { isolated, rules };
      };
      const ingress = direction(p => p.isolatesIngress, p => p.ingress);
      const directions = new DirectionalIndex(index, ingress, direction(p => p.isolatesEgress, p => p.egress));
      this.indexed = { selecting, directions };
    }
    return this.indexed;
  }

  /** Exactly the endpoints a rule's peers match (`peerMatches`); undefined: every endpoint. */
  private peerSet(index: UniverseIndex, rule: PolicyRule, policyNamespace: string): Bitset | undefined {
    if (rule.peers === undefined) {
      return undefined;
    }
    const out = new Bitset(index.size);
    for (const peer of rule.peers) {
      if (peer.kind === 'ipBlock') {
        const key = `ipBlock:${peer.cidr.text}:${peer.except.map(e => e.text).join(',')}`;
        out.orWith(index.where(key, e => this.peerMatches(peer, policyNamespace, e)));
        continue;
      }
      const namespaces = peer.namespaceSelector ? index.namespaceLabels.matching(peer.namespaceSelector) : index.podsIn(policyNamespace).clone();
      out.orWith(namespaces.andWith(peer.podSelector ? index.podLabels.matching(peer.podSelector) : index.pods));
    }
    return out;
  }

  private ingressRules(endpoint: Endpoint): DirectionRules {
    return this.directionRules(endpoint, this.ingressCache, p => p.isolatesIngress, p => p.ingress);
  }

  private egressRules(endpoint: Endpoint): DirectionRules {
    return this.directionRules(endpoint, this.egressCache, p => p.isolatesEgress, p => p.egress);
  }

  private directionRules(
    endpoint: Endpoint,
    cache: Map<string, DirectionRules>,
    isolates: (p: ParsedNetworkPolicy) => boolean,
    rulesOf: (p: ParsedNetworkPolicy) => ReadonlyArray<PolicyRule>,
  ): DirectionRules {
    if (cache.has(endpoint.id)) {
      return cache.get(endpoint.id);
    }
    const applying = this.selecting(endpoint).filter(isolates);
    const result = applying.length === 0 ? undefined : applying.flatMap(p => rulesOf(p).map(rule => ({ namespace: p.namespace, rule })));
    cache.set(endpoint.id, result);
    return result;
  }

  private peersMatch(scoped: ScopedRule, peer: Endpoint): boolean {
    const peers = scoped.rule.peers;
    return peers === undefined || peers.some(p => this.peerMatches(p, scoped.namespace, peer));
  }

  private peerMatches(peer: PolicyPeer, policyNamespace: string, endpoint: Endpoint): boolean {
    if (peer.kind === 'ipBlock') {
      const ip = endpoint.ip;
      return ip !== undefined && cidrContains(peer.cidr, ip) && !peer.except.some(e => cidrContains(e, ip));
    }
    if (endpoint.kind !== 'pod' || endpoint.namespace === undefined) {
      return false;
    }
    if (peer.namespaceSelector) {
      // The pod's namespace labels (a peer's synthetic namespace carries its selector's).
      const labels = endpoint.namespaceLabels ?? this.universe.namespace(endpoint.namespace)?.labels;
      if (!labels || !matchesSelector(peer.namespaceSelector, labels)) {
        return false;
      }
    } else if (endpoint.namespace !== policyNamespace) {
      return false;
    }
    return peer.podSelector === undefined || matchesSelector(peer.podSelector, endpoint.labels);
  }
}

function portsMatch(ports: ReadonlyArray<PolicyPort> | undefined, destination: Endpoint, probe: PortProbe): boolean {
  return ports === undefined || ports.some(p => portMatches(p, destination, probe));
}

function portMatches(port: PolicyPort, destination: Endpoint, probe: PortProbe): boolean {
  if (port.protocol !== probe.protocol) {
    return false;
  }
  if (port.name !== undefined) {
    return destination.containerPorts.some(c => c.name === port.name && c.protocol === probe.protocol && c.port === probe.port);
  }
  if (port.port === undefined) {
    return true;
  }
  return port.endPort === undefined ? probe.port === port.port : probe.port >= port.port && probe.port <= port.endPort;
}
