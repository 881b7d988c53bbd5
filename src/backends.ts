/**
 * One descriptor per backend, found in one registry: how it synthesizes (its half in
 * `phases/registry.ts`) and how the analysis proves, evaluates and migrates it (its half
 * in `analysis/backends.ts`). The layering keeps the halves apart (phases never import the
 * analysis, nor the analysis the phases); this module, above both, joins them. The chart,
 * `Reachability`, `MigrationPlan`, the `Mesh` constructs, the validation plugin and the
 * CLI look backends up here only.
 *
 * Internal (not re-exported from the package index): plain TypeScript.
 */
import { AnalysisBackend, ANALYSIS_BACKENDS, EnforcementSystem } from './analysis/backends';
import { ALL_PHASES, Phase } from './model/phase';
import { PHASE_BACKENDS, SynthesisBackend } from './phases/registry';

export { chartCatalog } from './phases/registry';
export type { BuiltPhase, PhaseBackendOptions } from './phases/registry';

/** Everything the library knows of one backend. */
export interface MeshBackend {
  readonly phase: Phase;
  /** How it synthesizes its phase. */
  readonly synthesis: SynthesisBackend;
  /** What the analysis knows of it: objects owned, injection, evaluation, intent, check, policy union. */
  readonly analysis: AnalysisBackend;
}

/** Every backend, by phase. */
export const MESH_BACKENDS: Readonly<Record<Phase, MeshBackend>> = {
  [Phase.BASELINE]: { phase: Phase.BASELINE, synthesis: PHASE_BACKENDS[Phase.BASELINE], analysis: ANALYSIS_BACKENDS[Phase.BASELINE] },
  [Phase.CILIUM]: { phase: Phase.CILIUM, synthesis: PHASE_BACKENDS[Phase.CILIUM], analysis: ANALYSIS_BACKENDS[Phase.CILIUM] },
  [Phase.LINKERD]: { phase: Phase.LINKERD, synthesis: PHASE_BACKENDS[Phase.LINKERD], analysis: ANALYSIS_BACKENDS[Phase.LINKERD] },
  [Phase.ISTIO]: { phase: Phase.ISTIO, synthesis: PHASE_BACKENDS[Phase.ISTIO], analysis: ANALYSIS_BACKENDS[Phase.ISTIO] },
};

/** The phase a manifest set is in: the highest rung whose enforcement system it configures (given as present). */
export function highestPhaseOf(systems: readonly EnforcementSystem[]): Phase | undefined {
  return [...ALL_PHASES].reverse().find(p => systems.includes(MESH_BACKENDS[p].analysis.system));
}
