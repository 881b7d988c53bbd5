import { App, Chart, ChartProps } from 'cdk8s';
import { Construct } from 'constructs';
import { ServiceCatalog } from './model/catalog';
import { BaselinePhaseOptions } from './phases/baseline/options';
import { Phase } from './phases/phase';
import { PHASE_BACKENDS } from './phases/registry';

/** Options of `MeshLadderChart` besides the catalog and the phase. */
export interface MeshLadderChartOptions {
  /**
   * Options of the baseline phase.
   * @default - defaults of `BaselinePhase`
   */
  readonly baseline?: BaselinePhaseOptions;
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
    const app = new App();
    const chart = new MeshLadderChart(app, phase, { ...options, catalog, phase });
    return chart.toJson();
  }

  /** The phase this chart synthesizes. */
  public readonly phase: Phase;
  /** The backend construct that emitted the phase's objects. */
  public readonly backend: Construct;

  public constructor(scope: Construct, id: string, props: MeshLadderChartProps) {
    super(scope, id, {
      ...props,
      labels: { 'mesh-ladder.dev/phase': props.phase, ...props.labels },
    });
    this.phase = props.phase;
    this.backend = PHASE_BACKENDS[props.phase](this, props.phase, props.catalog, { baseline: props.baseline });
  }
}
