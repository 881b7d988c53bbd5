/**
 * Kubernetes NetworkPolicies and Cilium policies on one cluster, as Cilium enforces them:
 * added up, not ANDed.
 *
 * Cilium is the only enforcer of CiliumNetworkPolicies, and when it is the CNI it also
 * enforces NetworkPolicies by translating each into Cilium rules of the same policy
 * repository (cilium/cilium `pkg/k8s/network_policy.go`, `ParseNetworkPolicy`, v1.15-v1.17:
 * "Returns a list of Cilium policy rules"). Every rule selecting an endpoint then counts
 * alike: a direction is default-deny when any rule of either kind isolates it, a
 * connection passes when any allow rule of either kind matches it, and deny rules
 * (Cilium only) win over every allow (docs.cilium.io, "Network Policy": "Cilium supports
 * running multiple of these policy types at the same time"; security/policy/language
 * "Deny Policies"). This is not the OR of two evaluators: a NetworkPolicy that allows the
 * egress does not lift a Cilium default-deny on the destination's ingress.
 *
 * An L4-only allow and an L7 rule for the same peer and port let every request through
 * (the L4 allow wins), so Cilium's L7 rules bite only once no NetworkPolicy allows the
 * connection.
 */
import { Bitset } from './bitset';
import { CiliumEvaluator } from './cilium';
import { Endpoint, Universe } from './endpoints';
import { AnalysisDiagnostic, PortProbe } from './flows';
import { NetworkPolicyEvaluator } from './networkpolicy';
import { FlowEvaluator, uniteCandidates } from './reachability';
import { RequestEvaluator, RequestProbe } from './requests';
import { cidrContains, parseCidr } from '../model/cidr';
import { ResolvedCatalog } from '../model/resolved';

/**
 * A host call is one connection to a DNS name and to an address at once; the universe
 * has an endpoint for each. An address-matching layer (NetworkPolicy) is asked about the
 * addresses the catalog declares for a name, a name-matching layer (Cilium `toFQDNs`)
 * about the name of an address it declares.
 */
export class HostAliases {
  private readonly hosts: ReadonlyArray<{ host: string; blocks: ReturnType<typeof parseCidr>[] }>;

  public constructor(private readonly universe: Universe, catalog: ResolvedCatalog) {
    this.hosts = catalog.services.flatMap(s => s.calls).flatMap(c => (c.kind === 'host' ? [{ host: c.host, blocks: c.cidrs.map(x => parseCidr(x)) }] : []));
  }

  /** Alternative readings of `to` for a layer matching addresses or names; each reading is a set of endpoints that must all be allowed. */
  public readings(to: Endpoint, matches: 'address' | 'name'): Endpoint[][] {
    if (matches === 'address' && to.kind === 'fqdn') {
      const blocks = this.hosts.filter(h => h.host === to.host).flatMap(h => h.blocks).filter(b => b !== undefined);
      const addresses = this.universe.endpoints.filter(e => e.kind === 'ip' && e.ip && blocks.some(b => cidrContains(b!, e.ip!)));
      return addresses.length > 0 ? [addresses] : [];
    }
    if (matches === 'name' && to.kind === 'ip' && to.ip) {
      const names = this.hosts.filter(h => h.blocks.some(b => b !== undefined && cidrContains(b, to.ip!))).map(h => h.host);
      return this.universe.endpoints.filter(e => e.kind === 'fqdn' && names.includes(e.host ?? '')).map(e => [e]);
    }
    return [];
  }
}

type Direction = 'ingress' | 'egress';

/** NetworkPolicies and Cilium policies added up per direction, as Cilium enforces both. */
export class CiliumDatapathEvaluator implements FlowEvaluator, RequestEvaluator {
  public readonly name = 'NetworkPolicy + Cilium (Cilium adds them up)';

  public constructor(
    private readonly networkPolicies: NetworkPolicyEvaluator,
    private readonly cilium: CiliumEvaluator,
    private readonly aliases: HostAliases,
  ) {}

  public get diagnostics(): ReadonlyArray<AnalysisDiagnostic> {
    return [...this.networkPolicies.diagnostics, ...this.cilium.diagnostics];
  }

  public allows(from: Endpoint, to: Endpoint, probe: PortProbe): boolean {
    return this.directionAllows('egress', from, to, probe) && this.directionAllows('ingress', from, to, probe);
  }

  /**
   * A request passes a direction that a NetworkPolicy allows (an L4 allow admits every
   * request) or whose Cilium L7 rules admit it.
   */
  public allowsRequest(from: Endpoint, to: Endpoint, probe: PortProbe, request: RequestProbe): boolean {
    return (['egress', 'ingress'] as const).every(d => {
      if (!this.directionAllows(d, from, to, probe)) {
        return false;
      }
      if (this.networkPolicyAllows(d, from, to, probe)) {
        return true;
      }
      const readings = [[to], ...(d === 'egress' ? this.aliases.readings(to, 'name') : [])];
      return readings.some(r => r.every(e => this.cilium.directionAllowsRequest(d, from, e, probe, request)));
    });
  }

  public isEgressRestricted(endpoint: Endpoint): boolean {
    return this.networkPolicies.isEgressRestricted(endpoint) || this.cilium.isEgressRestricted(endpoint);
  }

  /**
   * Both directions must pass. Ingress passes through an isolating system's allow rules
   * (or everywhere when neither isolates); egress through either system's egress (whose
   * candidates hold its non-isolated sources), for `to` or for an alias of it.
   */
  public candidateSources(to: Endpoint, probe: PortProbe): Bitset | undefined {
    const egress = this.egressCandidates(to, probe);
    const ingress = this.ingressCandidates(to, probe);
    return egress === undefined ? ingress : ingress === undefined ? egress : egress.andWith(ingress);
  }

  private ingressCandidates(to: Endpoint, probe: PortProbe): Bitset | undefined {
    const np = this.networkPolicies.isIngressRestricted(to);
    const cilium = this.cilium.isIngressRestricted(to);
    if (!np && !cilium) {
      return undefined;
    }
    return uniteCandidates([
      ...(np ? [() => this.networkPolicies.directionSources('ingress', to, probe)] : []),
      ...(cilium ? [() => this.cilium.directionSources('ingress', to, probe)] : []),
    ]);
  }

  private egressCandidates(to: Endpoint, probe: PortProbe): Bitset | undefined {
    const addresses = this.aliases.readings(to, 'address');
    const names = this.aliases.readings(to, 'name');
    if ([...addresses, ...names].some(r => r.length === 0)) {
      return undefined; // an empty reading passes every source
    }
    return uniteCandidates([
      ...[to, ...addresses.map(r => r[0])].map(e => () => this.networkPolicies.directionSources('egress', e, probe)),
      ...[to, ...names.map(r => r[0])].map(e => () => this.cilium.directionSources('egress', e, probe)),
    ]);
  }

  private directionAllows(d: Direction, from: Endpoint, to: Endpoint, probe: PortProbe): boolean {
    if (this.cilium.directionVerdict(d, from, to, probe) === 'denied') {
      return false;
    }
    const subject = d === 'egress' ? from : to;
    const npIsolates = d === 'egress' ? this.networkPolicies.isEgressRestricted(subject) : this.networkPolicies.isIngressRestricted(subject);
    const ciliumIsolates = d === 'egress' ? this.cilium.isEgressRestricted(subject) : this.cilium.isIngressRestricted(subject);
    if (!npIsolates && !ciliumIsolates) {
      return true;
    }
    return (npIsolates && this.networkPolicyAllows(d, from, to, probe)) || (ciliumIsolates && this.ciliumAllows(d, from, to, probe));
  }

  /** An allow rule of a NetworkPolicy isolating the direction matches (addresses of a host name count). */
  private networkPolicyAllows(d: Direction, from: Endpoint, to: Endpoint, probe: PortProbe): boolean {
    const one = (e: Endpoint) => (d === 'egress'
      ? this.networkPolicies.isEgressRestricted(from) && this.networkPolicies.egressAllows(from, e, probe)
      : this.networkPolicies.isIngressRestricted(e) && this.networkPolicies.ingressAllows(from, e, probe));
    return one(to) || (d === 'egress' && this.aliases.readings(to, 'address').some(r => r.every(one)));
  }

  /** An allow rule of a Cilium policy matches (the name of a declared address counts). */
  private ciliumAllows(d: Direction, from: Endpoint, to: Endpoint, probe: PortProbe): boolean {
    const one = (e: Endpoint) => this.cilium.directionVerdict(d, from, e, probe) === 'allowed';
    return one(to) || (d === 'egress' && this.aliases.readings(to, 'name').some(r => r.every(one)));
  }
}
