/**
 * The analysis of a `ServiceCatalog`, as the CLI and the public classes (`Reachability`,
 * `MigrationPlan`, `MeshLadderValidation`) both ask for it: proofs, lint, graphs and the
 * assessment, with their structured reports (plain TypeScript, not jsii types: the CLI
 * formats them as text, JSON, Markdown or SARIF). The one module above the model through
 * which the CLI reaches the resolved catalog: the CLI never reads `_resolved` itself.
 *
 * Internal (not re-exported from the package index).
 */
import { assess, Assessment, AssessOptions } from './analysis/assess';
import { CatalogDelta, compareCatalogs, DeltaSide } from './analysis/diff-delta';
import { buildUniverse } from './analysis/endpoints';
import { renderDot, renderGraphMarkdown, renderMermaid } from './analysis/graph';
import { LintReport, lintPhase } from './analysis/lint';
import { ReachabilityOptions, ReachabilityReport } from './analysis/reachability';
import { formatMatrixMarkdown } from './analysis/report';
import { MESH_BACKENDS } from './backends';
import { ServiceCatalog } from './model/catalog';
import { Phase } from './model/phase';
import { TargetPlatform } from './model/releases';

/** Proves that `manifests` of `phase` allow exactly the flows the catalog declares (the phase's own check). */
export function proveReachability(
  catalog: ServiceCatalog, phase: Phase, manifests: ReadonlyArray<unknown>, options?: ReachabilityOptions,
): ReachabilityReport {
  return MESH_BACKENDS[phase].analysis.check(catalog._resolved, manifests, options);
}

/** Lint of the catalog for `phase` and of the phase's objects. */
export function lintOutput(catalog: ServiceCatalog, phase: Phase, manifests: ReadonlyArray<unknown>): LintReport {
  return lintPhase(catalog._resolved, phase, manifests);
}

/** The service graph of `phase` as Mermaid or DOT. */
export function renderGraph(catalog: ServiceCatalog, phase: Phase, format: 'mermaid' | 'dot'): string {
  return format === 'mermaid' ? renderMermaid(catalog._resolved, phase) : renderDot(catalog._resolved, phase);
}

/** The service graph of `phase` as Markdown, with the flow matrix of a proof of its manifests. */
export function renderGraphReport(catalog: ServiceCatalog, phase: Phase, report: ReachabilityReport): string {
  return renderGraphMarkdown(catalog._resolved, phase, formatMatrixMarkdown(report));
}

/** The readiness assessment of the catalog (recommended phase, costs). */
export function assessCatalog(catalog: ServiceCatalog, options: AssessOptions): Assessment {
  return assess(catalog._resolved, options);
}

/** The releases the catalog targets (its `platform` section over the defaults). */
export function targetPlatform(catalog: ServiceCatalog): TargetPlatform {
  return catalog._resolved.platform;
}

/** The namespace of services that name none. */
export function defaultNamespace(catalog: ServiceCatalog): string {
  return catalog._resolved.defaultNamespace;
}

/** Where the catalog's CA lives (certificate chains are read from there). */
export function caNamespace(catalog: ServiceCatalog): string {
  return catalog._resolved.certificates.caNamespace;
}

/** Istio's root namespace (mesh-wide policies live there). */
export function istioRootNamespace(catalog: ServiceCatalog): string {
  return catalog._resolved.istio.controlPlaneNamespace;
}

/** One side of a diff as the delta proof reads it: the resolved catalog, its objects and its universe. */
export function deltaSideOf(catalog: ServiceCatalog, objects: any[]): DeltaSide {
  return { catalog: catalog._resolved, objects, universe: buildUniverse(catalog._resolved) };
}

/** What differs between two catalogs for the delta proof (services, endpoints, other sections). */
export function compareCatalogsOf(base: ServiceCatalog, head: ServiceCatalog): CatalogDelta {
  return compareCatalogs(base._resolved, head._resolved);
}
