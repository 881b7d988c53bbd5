/**
 * Flows: an L4 connection attempt from one endpoint to another on a port. Shared by every
 * evaluator (NetworkPolicy now, Cilium/Linkerd/Istio later) and by the reports.
 */

/** Transport protocol of a probed connection (SCTP is never probed). */
export type Transport = 'TCP' | 'UDP';

export interface Flow {
  /** Endpoint id of the source, e.g. `shop/frontend`. */
  readonly from: string;
  /** Endpoint id of the destination, e.g. `shop/catalog@v2`, `cidr:10.20.0.0/16`. */
  readonly to: string;
  readonly port: number;
  readonly protocol: Transport;
}

/** A port and protocol to probe on a destination. */
export interface PortProbe {
  readonly port: number;
  readonly protocol: Transport;
}

export function flowKey(flow: Flow): string {
  return `${flow.from}\u0000${flow.to}\u0000${flow.port}\u0000${flow.protocol}`;
}

/** `shop/frontend -> shop/checkout 5050/TCP` */
export function formatFlow(flow: Flow): string {
  return `${flow.from} -> ${flow.to} ${flow.port}/${flow.protocol}`;
}

export function comparePortProbes(a: PortProbe, b: PortProbe): number {
  return a.port - b.port || (a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : 0);
}

/**
 * Orders flows by source, destination (in the given endpoint order; unknown ids after known
 * ones, alphabetically), then port and protocol.
 */
export function flowComparator(endpointOrder: ReadonlyMap<string, number>): (a: Flow, b: Flow) => number {
  const rank = (id: string) => endpointOrder.get(id) ?? Number.MAX_SAFE_INTEGER;
  const byId = (x: string, y: string) => rank(x) - rank(y) || (x < y ? -1 : x > y ? 1 : 0);
  return (a, b) => byId(a.from, b.from) || byId(a.to, b.to) || comparePortProbes(a, b);
}

/** Something the analysis noticed about its inputs. Errors make the report fail. */
export interface AnalysisDiagnostic {
  readonly severity: 'error' | 'warning';
  /** What it is about, e.g. `NetworkPolicy shop/frontend`. */
  readonly subject: string;
  readonly message: string;
}
