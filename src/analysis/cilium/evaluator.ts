/**
 * The Cilium evaluator: L3/L4 verdicts (`allows`), HTTP requests (`allowsRequest`) and
 * the candidate sources of a destination, over the parsed rules (see index.ts for the
 * semantics).
 */
import { Bitset } from '../bitset';
import { buildCiliumIndex, CiliumIndex, ciliumLabelIndex, selectorSuperset } from './candidates';
import { CiliumLabel, CiliumSelector, ciliumLabelsOf, labelsMatch } from './labels';
import { authenticationPasses, entityMatches, portRulesMatch, representativeName } from './match';
import { ParsedCiliumRule, parseCiliumPolicies } from './parse';
import { PeerRule } from './peers';
import { CiliumPortRule } from './ports';
import { cidrContains } from '../../model/cidr';
import { ciliumNamespaceLabelsCrossNamespaces, DEFAULT_PLATFORM } from '../../model/releases';
import { Endpoint, Universe } from '../endpoints';
import { AnalysisDiagnostic, PortProbe } from '../flows';
import { RequestEvaluator, RequestProbe } from '../requests';
import { universeIndex } from '../universe-index';

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
   * over the universe's endpoint positions (see `DirectionalIndex`, `candidates.ts`);
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
    const labels = ciliumLabelsOf(endpoint, this.universe);
    this.labelCache.set(endpoint.id, labels);
    return labels;
  }
}
