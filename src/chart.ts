import { App, Chart, ChartProps } from 'cdk8s';
import { Construct } from 'constructs';
import { chartCatalog, MESH_BACKENDS } from './backends';
import { degradationsUnder } from './emit/common';
import { renderChartJson } from './emit/plain-api-object';
import { ServiceCatalog } from './model/catalog';
import { Phase } from './model/phase';
import { PlatformSpec } from './model/types';
import { BaselinePhaseOptions } from './phases/baseline/options';
import { CiliumPhaseOptions } from './phases/cilium/options';
import { IstioPhaseOptions } from './phases/istio/options';
import { LinkerdPhaseOptions } from './phases/linkerd/options';

/** Options of `MeshLadderChart` besides the catalog and the phase. */
export interface MeshLadderChartOptions {
  /**
   * Options of the baseline phase.
   * @default - defaults of `BaselinePhase`
   */
  readonly baseline?: BaselinePhaseOptions;
  /**
   * Options of the cilium phase.
   * @default - defaults of `CiliumPhase`
   */
  readonly cilium?: CiliumPhaseOptions;
  /**
   * Options of the istio phase.
   * @default - defaults of `IstioPhase`
   */
  readonly istio?: IstioPhaseOptions;
  /**
   * Options of the linkerd phase.
   * @default - defaults of `LinkerdPhase`
   */
  readonly linkerd?: LinkerdPhaseOptions;
  /**
   * The releases to target, field by field over the catalog's `platform` section.
   * @default - the catalog's `platform` (the current stable of each project where it says nothing)
   */
  readonly platform?: PlatformSpec;
}

/** Objects of one synthesized phase, with the backend's warnings and notes. */
export interface PhaseSynthesis {
  /** Plain Kubernetes objects in emission order. */
  readonly objects: any[];
  /** What the backend could express only partly (each begins with the service id). */
  readonly warnings: string[];
  /**
   * What the catalog chose to leave out of this phase (e.g. header routes with
   * `l7Fallback: skip`): expected, so `synth` counts them and `check` lists them.
   */
  readonly notes: string[];
  /**
   * What the targeted releases cannot express and is emitted in a safer, narrower form
   * (each names the object or route, the release and what was emitted instead).
   */
  readonly degradations: string[];
}

/** Properties of `MeshLadderChart`. */
export interface MeshLadderChartProps extends ChartProps, MeshLadderChartOptions {
  /** The validated service catalog. */
  readonly catalog: ServiceCatalog;
  /** The phase to synthesize. */
  readonly phase: Phase;
}

/**
 * One chart for one rung of the ladder: give it the catalog and a phase, and it emits
 * that phase's manifests. Every object carries the label `mesh-ladder.dev/phase`.
 */
export class MeshLadderChart extends Chart {
  /**
   * Synthesizes one phase of a catalog in memory and returns the objects as plain JSON,
   * in emission order (what the CLI writes and the analysis reads).
   */
  public static manifests(catalog: ServiceCatalog, phase: Phase, options?: MeshLadderChartOptions): any[] {
    return MeshLadderChart.synthesize(catalog, phase, options).objects;
  }

  /** Like `manifests`, with the backend's warnings (things it could express only partly). */
  public static synthesize(catalog: ServiceCatalog, phase: Phase, options?: MeshLadderChartOptions): PhaseSynthesis {
    const app = new App();
    const chart = new MeshLadderChart(app, phase, { ...options, catalog, phase });
    return { objects: chart.toJson(), warnings: chart.warnings, notes: chart.notes, degradations: chart.degradations };
  }

  /** The phase this chart synthesizes. */
  public readonly phase: Phase;
  /** The backend construct that emitted the phase's objects. */
  public readonly backend: Construct;
  /** Warnings of the backend: what it could express only partly (never silently). */
  public readonly warnings: string[];
  /** Notes of the backend: what the catalog chose to leave out of this phase. */
  public readonly notes: string[];
  /** What the targeted releases cannot express, emitted in a safer form instead. */
  public readonly degradations: string[];
  /** The catalog as synthesized (with the `platform` option and the phases' options applied). */
  public readonly catalog: ServiceCatalog;

  public constructor(scope: Construct, id: string, props: MeshLadderChartProps) {
    super(scope, id, {
      ...props,
      labels: { 'mesh-ladder.dev/phase': props.phase, ...props.labels },
    });
    this.phase = props.phase;
    // The phases' options are catalog settings, laid over the catalog's: the chart's
    // catalog is what was synthesized (and what `Reachability`/`MigrationPlan` prove).
    this.catalog = chartCatalog(props.catalog, props);
    const built = MESH_BACKENDS[props.phase].synthesis.build(this, props.phase, this.catalog, {
      baseline: props.baseline,
      cilium: props.cilium,
      istio: props.istio,
      linkerd: props.linkerd,
    });
    this.backend = built.construct;
    this.warnings = [...built.warnings];
    this.notes = [...built.notes];
    // Every construct that had to degrade for a targeted release recorded it (`reportDegradation`).
    this.degradations = degradationsUnder(this);
  }

  /**
   * Renders the chart's objects, as `Chart.toJson` does (same output, byte for byte),
   * skipping cdk8s's per-value resolution for objects built from plain data.
   */
  public toJson(): any[] {
    return renderChartJson(this, () => super.toJson());
  }
}

