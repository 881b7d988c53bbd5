/**
 * Which evaluator proves which phase. Reads only emitted manifests and the declared
 * model; adding a phase adds its evaluator here.
 */
import { checkCiliumReachability } from './cilium';
import { checkIstioReachability } from './istio';
import { checkLinkerdReachability } from './linkerd';
import { checkNetworkPolicyReachability, ReachabilityOptions, ReachabilityReport } from './reachability';
import { Phase } from '../model/phase';
import { ResolvedCatalog } from '../model/resolved';

type PhaseCheck = (catalog: ResolvedCatalog, manifests: ReadonlyArray<unknown>, options?: ReachabilityOptions) => ReachabilityReport;

const PHASE_CHECKS: Record<Phase, PhaseCheck> = {
  [Phase.BASELINE]: checkNetworkPolicyReachability,
  [Phase.CILIUM]: checkCiliumReachability,
  [Phase.LINKERD]: checkLinkerdReachability,
  [Phase.ISTIO]: checkIstioReachability,
};

/** Proves that the manifests of `phase` allow exactly the flows the catalog declares. */
export function checkPhaseReachability(
  catalog: ResolvedCatalog,
  phase: Phase,
  manifests: ReadonlyArray<unknown>,
  options?: ReachabilityOptions,
): ReachabilityReport {
  return PHASE_CHECKS[phase](catalog, manifests, options);
}
