/**
 * One L4 layer read through the host aliases of the catalog: a flow to a host the catalog
 * names is allowed when the layer allows it to the host's address or name, as the layer
 * matches it (NetworkPolicy by address, Cilium by DNS name; see `HostAliases`).
 */
import { Bitset } from './bitset';
import { isRequestEvaluator } from './combined';
import { HostAliases } from './datapath';
import { Endpoint } from './endpoints';
import { AnalysisDiagnostic, PortProbe } from './flows';
import { FlowEvaluator, uniteCandidates } from './reachability';
import { RequestEvaluator, RequestProbe } from './requests';

/** One L4 layer read through the host aliases of the catalog (see `HostAliases`). */
export class HostAliasEvaluator implements FlowEvaluator, RequestEvaluator {
  public readonly name: string;
  public readonly diagnostics: ReadonlyArray<AnalysisDiagnostic>;

  public constructor(private readonly inner: FlowEvaluator, private readonly aliases: HostAliases, private readonly matches: 'address' | 'name') {
    this.name = inner.name;
    this.diagnostics = inner.diagnostics;
  }

  public allows(from: Endpoint, to: Endpoint, probe: PortProbe): boolean {
    return this.inner.allows(from, to, probe)
      || this.aliases.readings(to, this.matches).some(alias => alias.every(e => this.inner.allows(from, e, probe)));
  }

  public allowsRequest(from: Endpoint, to: Endpoint, probe: PortProbe, request: RequestProbe): boolean {
    return !isRequestEvaluator(this.inner) || this.inner.allowsRequest(from, to, probe, request);
  }

  public isEgressRestricted(endpoint: Endpoint): boolean {
    return this.inner.isEgressRestricted(endpoint);
  }

  /** The inner layer's candidates for `to` and for the first endpoint of each reading (all of a reading must pass). */
  public candidateSources(to: Endpoint, probe: PortProbe): Bitset | undefined {
    const readings = this.aliases.readings(to, this.matches);
    if (readings.some(r => r.length === 0)) {
      return undefined; // an empty reading passes every source
    }
    return uniteCandidates([to, ...readings.map(r => r[0])].map(e => () => this.inner.candidateSources?.(e, probe)));
  }
}
