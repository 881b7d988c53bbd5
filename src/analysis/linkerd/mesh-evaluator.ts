/**
 * Linkerd AND the L4 layer underneath. Meshed clients dial a meshed server's proxy on
 * 4143 rather than the app port, so a meshed-to-meshed TCP flow needs the L4 layer to
 * allow both 4143 and the app port.
 */
import { LinkerdEvaluator } from './evaluator';
import { PROXY_INBOUND_PORT } from '../../model/mesh-facts/linkerd';
import { Bitset } from '../bitset';
import { isRequestEvaluator } from '../combined';
import { Endpoint } from '../endpoints';
import { AnalysisDiagnostic, PortProbe } from '../flows';
import { FlowEvaluator, intersectCandidates } from '../reachability';
import { RequestEvaluator, RequestProbe } from '../requests';

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
    const probes = proxied ? [probe, { port: PROXY_INBOUND_PORT, protocol: 'TCP' as const }] : [probe];
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
