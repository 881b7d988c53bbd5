/**
 * Enforcement systems stacked on one path: a flow (or a request) gets through only if
 * every layer lets it through. Used for a mesh over its L4 layer and for migration steps
 * where several systems are in force at once.
 */
import { Bitset } from './bitset';
import { Endpoint } from './endpoints';
import { AnalysisDiagnostic, PortProbe } from './flows';
import { FlowEvaluator, intersectCandidates } from './reachability';
import { RequestEvaluator, RequestProbe } from './requests';

/** Whether an evaluator also decides individual requests. */
export function isRequestEvaluator(e: unknown): e is RequestEvaluator {
  return typeof (e as RequestEvaluator).allowsRequest === 'function';
}

/** The AND of several evaluators; layers that do not judge requests let them through. */
export class AllOfEvaluator implements FlowEvaluator, RequestEvaluator {
  public readonly name: string;

  public constructor(
    public readonly layers: ReadonlyArray<FlowEvaluator>,
    private readonly notes: ReadonlyArray<AnalysisDiagnostic> = [],
    name?: string,
  ) {
    this.name = name ?? layers.map(l => l.name).join(' + ');
  }

  public get diagnostics(): ReadonlyArray<AnalysisDiagnostic> {
    return [...this.notes, ...this.layers.flatMap(l => [...l.diagnostics])];
  }

  public allows(from: Endpoint, to: Endpoint, probe: PortProbe): boolean {
    return this.layers.every(l => l.allows(from, to, probe));
  }

  public allowsRequest(from: Endpoint, to: Endpoint, probe: PortProbe, request: RequestProbe): boolean {
    return this.layers.every(l => !isRequestEvaluator(l) || l.allowsRequest(from, to, probe, request));
  }

  public isEgressRestricted(endpoint: Endpoint): boolean {
    return this.layers.some(l => l.isEgressRestricted(endpoint));
  }

  /** Every layer must allow: the intersection of the layers' candidates. */
  public candidateSources(to: Endpoint, probe: PortProbe): Bitset | undefined {
    return intersectCandidates(this.layers, to, probe);
  }
}
