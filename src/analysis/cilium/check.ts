/** The cilium phase's proof: `checkCiliumReachability`. */
import { CiliumEvaluator } from './evaluator';
import { ciliumExposedFrom, ciliumIntent } from './intent';
import { ResolvedCatalog } from '../../model/resolved';
import { UniverseOptions, buildUniverse } from '../endpoints';
import { analyzeReachability, ReachabilityOptions, ReachabilityReport, withRequests } from '../reachability';
import { analyzeRequests } from '../requests';

/**
 * Proves (or refutes) that the Cilium policies among `manifests` allow exactly the flows
 * `catalog` declares (L3/L4) and exactly the declared requests on L7 ports.
 */
export function checkCiliumReachability(
  catalog: ResolvedCatalog,
  manifests: ReadonlyArray<unknown>,
  options: ReachabilityOptions & UniverseOptions = {},
): ReachabilityReport {
  const universe = buildUniverse(catalog, options);
  const intent = ciliumIntent(catalog, universe, options);
  const evaluator = new CiliumEvaluator(universe, manifests, catalog.platform.cilium);
  const report = analyzeReachability(universe, intent, evaluator, options);
  const requests = analyzeRequests(catalog, universe, evaluator, (from, to, probe) => evaluator.allows(from, to, probe), {
    exposedFrom: ciliumExposedFrom(catalog),
    toleratedConnections: intent.tolerated,
  }, options.exhaustive ? undefined : report.allowed);
  return withRequests(report, requests);
}
