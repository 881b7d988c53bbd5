import { formatProblems, formatReportText, formatSummary } from './analysis/report';
import { chartCatalog } from './backends';
import { proveReachability } from './catalog-analysis';
import { MeshLadderChart, MeshLadderChartOptions } from './chart';
import { ServiceCatalog } from './model/catalog';
import { Phase } from './model/phase';

/** The outcome of proving a phase's manifests against the catalog's declared flows. */
export interface ReachabilityResult {
  /** True when the manifests allow exactly the declared flows. */
  readonly ok: boolean;
  /** Number of declared flows (source, destination, port, protocol). */
  readonly declaredCount: number;
  /** Number of probed flows the manifests allow. */
  readonly allowedCount: number;
  /** Every problem, one line each: `MISSING a -> b 8080/TCP`, `UNEXPECTED ...`, invalid objects. */
  readonly problems: string[];
  /** One-line summary. */
  readonly summary: string;
  /** The full text report: flow matrix, problems, summary. */
  readonly report: string;
}

/**
 * Proof that emitted manifests allow exactly what the catalog declares: the policies
 * are evaluated with the enforcing system's semantics over every pod the catalog
 * declares, plus probes (strangers, other namespaces, the world, unused ports).
 */
export class Reachability {
  /**
   * Checks manifests of a phase against a catalog.
   * @param catalog the validated catalog
   * @param phase the phase the manifests belong to
   * @param manifests plain Kubernetes objects; default: the phase synthesized from the catalog
   * @param options the options the manifests were (or are to be) synthesized with, as given
   *   to `MeshLadderChart`: the proof reads its assumptions (e.g. whether Linkerd's ingress
   *   controller is meshed) from the same settings
   */
  public static check(catalog: ServiceCatalog, phase: Phase, manifests?: any[], options?: MeshLadderChartOptions): ReachabilityResult {
    const configured = chartCatalog(catalog, options);
    const objects = manifests ?? MeshLadderChart.manifests(configured, phase);
    const report = proveReachability(configured, phase, objects);
    return {
      ok: report.ok,
      declaredCount: report.declared.length,
      allowedCount: report.allowed.length,
      problems: formatProblems(report),
      summary: formatSummary(report),
      report: formatReportText(report),
    };
  }

  private constructor() {}
}
