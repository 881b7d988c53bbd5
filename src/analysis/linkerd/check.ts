/**
 * The linkerd phase's proof: Linkerd AND its L4 layer over the endpoint universe, against
 * the declared intent, with audit-only flows and requests tolerated (with a warning each)
 * and the outbound route checks (route-checks.ts) as errors. Requests on a connection the
 * intent tolerates (the API server inside a world peer's ranges) are tolerated too.
 */
import { LinkerdAnalysisOptions, LinkerdEvaluator } from './evaluator';
import { LinkerdMeshEvaluator } from './mesh-evaluator';
import { canaryRoutingProblems, retrySafetyProblems } from './route-checks';
import { ResolvedCatalog } from '../../model/resolved';
import { L4Layer, PortProtocol } from '../../model/types';
import { CiliumEvaluator, ciliumExposedFrom, ciliumIntent, isCiliumPolicy } from '../cilium';
import { buildUniverse, Endpoint, endpointMatchesPeer, Universe, UniverseOptions } from '../endpoints';
import { AnalysisDiagnostic, Flow, flowComparator, flowKey, formatFlow } from '../flows';
import { declaredIntent, Intent } from '../intent';
import { isNetworkPolicy, NetworkPolicyEvaluator } from '../networkpolicy';
import { analyzeReachability, FlowEvaluator, ReachabilityOptions, ReachabilityReport, withRequests } from '../reachability';
import { analyzeRequests, formatRequestFlow, RequestFlow, RequestReport } from '../requests';

export interface LinkerdReachabilityOptions extends ReachabilityOptions, UniverseOptions, LinkerdAnalysisOptions {
  /**
   * The L4 layer to evaluate under Linkerd.
   * @default - from the manifests: CiliumNetworkPolicies and/or NetworkPolicies present, else none
   */
  readonly l4?: L4Layer;
}

/** The L4 evaluators the manifests call for (or `l4` says). */
function l4Evaluators(universe: Universe, manifests: ReadonlyArray<unknown>, l4?: L4Layer): FlowEvaluator[] {
  const hasCilium = l4 === undefined ? manifests.some(isCiliumPolicy) : l4 === L4Layer.CILIUM;
  const hasNetworkPolicy = l4 === undefined ? manifests.some(isNetworkPolicy) : l4 === L4Layer.NETWORK_POLICY;
  return [
    ...(hasNetworkPolicy ? [new NetworkPolicyEvaluator(universe, manifests)] : []),
    ...(hasCilium ? [new CiliumEvaluator(universe, manifests)] : []),
  ];
}

/**
 * Proves (or refutes) that the linkerd phase's manifests authorize exactly the declared
 * flows and requests: Linkerd AND its L4 layer. Flows and requests allowed only by audit
 * (PERMISSIVE mode) are reported as tolerated with an `audit` warning each, since
 * ENFORCED mode would refuse them. Retry-safety problems are errors.
 */
export function checkLinkerdReachability(
  catalog: ResolvedCatalog,
  manifests: ReadonlyArray<unknown>,
  options: LinkerdReachabilityOptions = {},
): ReachabilityReport {
  const universe = buildUniverse(catalog, options);
  const l4 = l4Evaluators(universe, manifests, options.l4);
  const usesCilium = l4.some(e => e instanceof CiliumEvaluator);
  const intent: Intent = usesCilium ? ciliumIntent(catalog, universe, options) : declaredIntent(catalog, universe, { ...options, hostCalls: l4.length === 0 ? 'fqdn' : 'cidrs' });
  const linkerd = new LinkerdEvaluator(universe, catalog, manifests, options);
  const evaluator = new LinkerdMeshEvaluator(linkerd, l4);
  const base = analyzeReachability(universe, intent, evaluator, options);
  const report = withAuditedFlows(catalog, manifests, universe, linkerd, base);

  const analyzed = analyzeRequests(catalog, universe, evaluator, (from, to, probe) => evaluator.allows(from, to, probe), {
    exposedFrom: usesCilium ? ciliumExposedFrom(catalog) : undefined,
  }, options.exhaustive ? undefined : base.allowed);
  return withAuditedRequests(catalog, universe, linkerd, report, base.tolerated, analyzed);
}

/**
 * The flow report with flows allowed only by audit tolerated (a warning each) and the
 * route checks' problems as errors.
 */
function withAuditedFlows(
  catalog: ResolvedCatalog,
  manifests: ReadonlyArray<unknown>,
  universe: Universe,
  linkerd: LinkerdEvaluator,
  base: ReachabilityReport,
): ReachabilityReport {
  // Audit: allowed, undeclared, and Linkerd allowed it only by audit.
  const auditedFlow = (f: Flow) => linkerd.decideConnection(universe.endpoint(f.from), universe.endpoint(f.to), f).audit;
  const auditFlows = base.unexpected.filter(auditedFlow);
  const compare = flowComparator(universe.order);
  const unexpected = base.unexpected.filter(f => !auditFlows.includes(f));
  const tolerated = [...base.tolerated, ...auditFlows].sort(compare);
  const diagnostics: AnalysisDiagnostic[] = [
    ...base.diagnostics,
    ...auditFlows.map(f => ({ severity: 'warning' as const, subject: 'audit', message: `${formatFlow(f)} is allowed only by audit; ENFORCED mode denies it` })),
    ...retrySafetyProblems(catalog, manifests).map(message => ({ severity: 'error' as const, subject: 'retries', message })),
    ...canaryRoutingProblems(catalog, manifests).map(message => ({ severity: 'error' as const, subject: 'routing', message })),
  ];
  return {
    ...base,
    unexpected,
    tolerated,
    diagnostics,
    ok: base.missing.length === 0 && unexpected.length === 0 && !diagnostics.some(d => d.severity === 'error'),
  };
}

/**
 * `report` with the request analysis: requests to pod peers a call declares are declared,
 * requests on tolerated connections are tolerated, and requests allowed only by audit get
 * a warning each instead of counting as unexpected.
 */
function withAuditedRequests(
  catalog: ResolvedCatalog,
  universe: Universe,
  linkerd: LinkerdEvaluator,
  report: ReachabilityReport,
  toleratedConnections: ReadonlyArray<Flow>,
  analyzed: RequestReport,
): ReachabilityReport {
  // A call to a pod peer declares any request to the pods it holds on the call's ports
  // (requestDeclared reads service calls and callers only).
  const byPeerCall = (f: RequestFlow) => peerCallDeclares(catalog, universe.endpoint(f.from), universe.endpoint(f.to), f.port);
  const peerDeclared = analyzed.unexpected.filter(byPeerCall);
  const probeOrder = new Map(analyzed.probed.map((f, i) => [f, i]));
  const requests = peerDeclared.length === 0 ? analyzed : {
    ...analyzed,
    declared: [...analyzed.declared, ...peerDeclared].sort((a, b) => probeOrder.get(a)! - probeOrder.get(b)!),
    unexpected: analyzed.unexpected.filter(f => !peerDeclared.includes(f)),
  };
  const auditedRequest = (f: RequestFlow) => linkerd.decideRequest(universe.endpoint(f.from), universe.endpoint(f.to), f, f).audit;
  // Requests on a tolerated connection (e.g. the API server inside a world peer's ranges) are tolerated too.
  const toleratedFlows = new Set(toleratedConnections.map(flowKey));
  const onTolerated = (f: RequestFlow) => toleratedFlows.has(flowKey({ from: f.from, to: f.to, port: f.port, protocol: f.protocol }));
  const auditRequests = requests.unexpected.filter(f => !onTolerated(f) && auditedRequest(f));
  const withAudit: ReachabilityReport = {
    ...report,
    diagnostics: [
      ...report.diagnostics,
      ...auditRequests.map(f => ({ severity: 'warning' as const, subject: 'audit', message: `${formatRequestFlow(f)} is allowed only by audit; ENFORCED mode denies it` })),
    ],
  };
  return withRequests(withAudit, { ...requests, unexpected: requests.unexpected.filter(f => !onTolerated(f) && !auditRequests.includes(f)) });
}

/** Whether a call of `from`'s service (or version) to a pod peer holding `to` names `port` over TCP. */
function peerCallDeclares(catalog: ResolvedCatalog, from: Endpoint, to: Endpoint, port: number): boolean {
  if (!from.workload) {
    return false;
  }
  const caller = catalog.service(from.workload.serviceId);
  const version = caller.versions.find(v => v.name === from.workload!.version);
  return [...caller.peerCalls, ...(version?.peerCalls ?? [])].some(call => call.peer.kind === 'pods'
    && call.ports.some(p => p.port === port && p.protocol !== PortProtocol.UDP)
    && endpointMatchesPeer(call.peer, to));
}
