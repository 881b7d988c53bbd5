/**
 * `checkIstioReachability`: the istio phase's proof. Istio AND the L4 layer found among
 * the manifests must allow exactly the declared flows and, on L7 ports, exactly the
 * declared requests; the retry and fault lint is part of the proof.
 */
import { IstioAnalysisOptions, IstioEvaluator } from './evaluator';
import { ResolvedCatalog } from '../../model/resolved';
import { CiliumEvaluator, isCiliumPolicy } from '../cilium';
import { AllOfEvaluator } from '../combined';
import { buildUniverse } from '../endpoints';
import { AnalysisDiagnostic } from '../flows';
import { declaredIntent } from '../intent';
import { lintManifests } from '../lint';
import { isNetworkPolicy, NetworkPolicyEvaluator } from '../networkpolicy';
import { analyzeReachability, FlowEvaluator, ReachabilityOptions, ReachabilityReport, withRequests } from '../reachability';
import { analyzeRequests } from '../requests';

/** The L4 layer under the mesh, recognised from the manifests. */
export type IstioL4Layer = 'cilium' | 'networkpolicy' | 'none';

export function detectL4Layer(manifests: ReadonlyArray<unknown>): IstioL4Layer {
  if (manifests.some(isCiliumPolicy)) {
    return 'cilium';
  }
  return manifests.some(isNetworkPolicy) ? 'networkpolicy' : 'none';
}

export interface IstioReachabilityOptions extends ReachabilityOptions, IstioAnalysisOptions {}

/**
 * Proves (or refutes) that the istio phase's manifests allow exactly the declared flows
 * (Istio AND the L4 layer found among them) and, on L7 ports, exactly the declared
 * requests. Host calls are judged by DNS name unless the L4 layer is NetworkPolicy (which
 * only knows addresses: then by the call's `cidrs`).
 */
export function checkIstioReachability(
  catalog: ResolvedCatalog,
  manifests: ReadonlyArray<unknown>,
  options: IstioReachabilityOptions = {},
): ReachabilityReport {
  const l4 = detectL4Layer(manifests);
  const universe = buildUniverse(catalog, options);
  const intent = declaredIntent(catalog, universe, { ...options, hostCalls: options.hostCalls ?? (l4 === 'networkpolicy' ? 'cidrs' : 'fqdn') });
  const istio = new IstioEvaluator(catalog, manifests, options);
  const layers: FlowEvaluator[] = [istio];
  if (l4 === 'networkpolicy') {
    layers.push(new NetworkPolicyEvaluator(universe, manifests));
  } else if (l4 === 'cilium') {
    layers.push(new CiliumEvaluator(universe, manifests, catalog.platform.cilium));
  }
  const notes: AnalysisDiagnostic[] = [];
  if (l4 === 'none') {
    notes.push({ severity: 'warning', subject: 'istio', message: 'no L4 layer: UDP and pods without a sidecar are governed by nothing' });
  }
  const dryRun = istio.config.authorizationPolicies.filter(p => p.dryRun).length;
  if (dryRun > 0) {
    notes.push({ severity: 'warning', subject: 'istio', message: `${dryRun} AuthorizationPolicies are dry-run (PERMISSIVE mode): logged, not enforced` });
  }
  // The retry and fault lint is part of the proof: an implicit retry on a POST is an error.
  for (const finding of lintManifests(manifests, { catalog }).findings) {
    notes.push({ severity: finding.severity, subject: finding.subject, message: `[${finding.rule}] ${finding.message}. Fix: ${finding.fix}` });
  }
  const evaluator = new AllOfEvaluator(layers, notes);
  const report = analyzeReachability(universe, intent, evaluator, options);
  // Requests on connections the intent tolerates (e.g. the API server into a world
  // caller's ports) are neither declared nor unexpected.
  const requests = analyzeRequests(catalog, universe, istio, (from, to, probe) => evaluator.allows(from, to, probe), {
    toleratedConnections: intent.tolerated,
  }, options.exhaustive ? undefined : report.allowed);
  return withRequests(report, requests);
}
