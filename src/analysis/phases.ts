/**
 * Which evaluator proves which phase: each backend's `check` in `backends.ts`. Reads only
 * emitted manifests and the declared model.
 */
import { ANALYSIS_BACKENDS } from './backends';
import { ReachabilityOptions, ReachabilityReport } from './reachability';
import { Phase } from '../model/phase';
import { ResolvedCatalog } from '../model/resolved';

/** Proves that the manifests of `phase` allow exactly the flows the catalog declares. */
export function checkPhaseReachability(
  catalog: ResolvedCatalog,
  phase: Phase,
  manifests: ReadonlyArray<unknown>,
  options?: ReachabilityOptions,
): ReachabilityReport {
  return ANALYSIS_BACKENDS[phase].check(catalog, manifests, options);
}
