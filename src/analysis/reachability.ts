/**
 * Reachability: probe every (source, destination, port, protocol) of the universe with an
 * evaluator and compare the allowed flows to the declared intent.
 *
 * Scope: a pair is probed when at least one end is a pod in a catalog namespace. Flows
 * entirely outside them (the world reaching the ingress controller, a foreign pod
 * reaching DNS) are governed by nothing the catalog emits and are not judged.
 *
 * Verdicts, per probed flow:
 * - declared and not allowed: `missing` (a call that silently fails);
 * - allowed and not declared: `unexpected`, unless tolerated (see `Intent.tolerated`, and
 *   `ignoreUnisolatedSources`).
 */
import { buildUniverse, Endpoint, Universe, UniverseOptions } from './endpoints';
import { AnalysisDiagnostic, Flow, flowComparator, flowKey, PortProbe } from './flows';
import { DeclaredFlow, declaredIntent, Intent, IntentOptions } from './intent';
import { NetworkPolicyEvaluator } from './networkpolicy';
import { RequestReport } from './requests';
import { ResolvedCatalog } from '../model/resolved';

/** What every backend's evaluator provides. */
export interface FlowEvaluator {
  /** Shown in reports, e.g. `NetworkPolicy`. */
  readonly name: string;
  /** Problems found in the manifests while building the evaluator. */
  readonly diagnostics: ReadonlyArray<AnalysisDiagnostic>;
  /** Whether the manifests let `from` open a connection to `to` on `probe`. */
  allows(from: Endpoint, to: Endpoint, probe: PortProbe): boolean;
  /** Whether any policy restricts the endpoint's outgoing traffic (false for non-pods). */
  isEgressRestricted(endpoint: Endpoint): boolean;
}

export interface ReachabilityOptions extends UniverseOptions, IntentOptions {
  /**
   * Tolerate undeclared flows from sources no policy restricts (unisolated pods and
   * addresses outside the cluster) when neither end is governed by the catalog, i.e.
   * neither is a declared workload nor a pod of an owned namespace. Those are flows of
   * pods in namespaces the catalog does not own, which get no default-deny by design.
   *
   * Off by default: the catalog does not declare such flows, so they are reported as
   * unexpected. Flows touching a workload or an owned namespace are never tolerated.
   * @default false
   */
  readonly ignoreUnisolatedSources?: boolean;
}

export interface ReachabilityReport {
  /** The evaluator that decided (e.g. `NetworkPolicy`). */
  readonly evaluator: string;
  /** Endpoint ids in canonical order (the order of every flow list). */
  readonly endpoints: string[];
  /** Every probed flow the manifests allow. */
  readonly allowed: Flow[];
  /** Every flow the catalog declares. */
  readonly declared: DeclaredFlow[];
  /** Declared but not allowed: calls that would silently fail. */
  readonly missing: DeclaredFlow[];
  /** Allowed but not declared (and not tolerated). */
  readonly unexpected: Flow[];
  /** Allowed, not declared, but tolerated. */
  readonly tolerated: Flow[];
  readonly diagnostics: AnalysisDiagnostic[];
  /** L7 request results, for evaluators that decide requests (absent otherwise). */
  readonly requests?: RequestReport;
  /** No missing, no unexpected flow or request and no error diagnostic. */
  readonly ok: boolean;
}

/** The report with L7 request results added; `ok` also requires no missing or unexpected request. */
export function withRequests(report: ReachabilityReport, requests: RequestReport): ReachabilityReport {
  return { ...report, requests, ok: report.ok && requests.missing.length === 0 && requests.unexpected.length === 0 };
}

function inScope(from: Endpoint, to: Endpoint): boolean {
  return from.inCatalogNamespace || to.inCatalogNamespace;
}

/** Probes the universe with `evaluator` and compares with `intent`. */
export function analyzeReachability(
  universe: Universe,
  intent: Intent,
  evaluator: FlowEvaluator,
  options: ReachabilityOptions = {},
): ReachabilityReport {
  const allowed: Flow[] = [];
  const allowedKeys = new Set<string>();
  const probe = (from: Endpoint, to: Endpoint, p: PortProbe) => {
    const flow: Flow = { from: from.id, to: to.id, port: p.port, protocol: p.protocol };
    const key = flowKey(flow);
    if (!allowedKeys.has(key) && evaluator.allows(from, to, p)) {
      allowedKeys.add(key);
      allowed.push(flow);
    }
  };
  for (const from of universe.endpoints) {
    for (const to of universe.endpoints) {
      if (inScope(from, to)) {
        for (const p of universe.probesFor(to)) {
          probe(from, to, p);
        }
      }
    }
  }
  // Declared flows are always decided, even on ports outside the probe set.
  for (const flow of intent.declared) {
    probe(universe.endpoint(flow.from), universe.endpoint(flow.to), flow);
  }

  const declaredKeys = new Set(intent.declared.map(flowKey));
  const toleratedKeys = new Set(intent.tolerated.map(flowKey));
  const missing = intent.declared.filter(f => !allowedKeys.has(flowKey(f)));
  const unexpected: Flow[] = [];
  const tolerated: Flow[] = [];
  for (const flow of allowed) {
    const key = flowKey(flow);
    if (declaredKeys.has(key)) {
      continue;
    }
    if (toleratedKeys.has(key) || (options.ignoreUnisolatedSources && isUnisolatedUngoverned(universe, evaluator, flow))) {
      tolerated.push(flow);
    } else {
      unexpected.push(flow);
    }
  }

  const compare = flowComparator(universe.order);
  const diagnostics: AnalysisDiagnostic[] = [
    ...universe.notes.map(message => ({ severity: 'warning' as const, subject: 'catalog', message })),
    ...evaluator.diagnostics,
  ];
  return {
    evaluator: evaluator.name,
    endpoints: universe.endpoints.map(e => e.id),
    allowed: allowed.sort(compare),
    declared: [...intent.declared],
    missing,
    unexpected: unexpected.sort(compare),
    tolerated: tolerated.sort(compare),
    diagnostics,
    ok: missing.length === 0 && unexpected.length === 0 && !diagnostics.some(d => d.severity === 'error'),
  };
}

function isUnisolatedUngoverned(universe: Universe, evaluator: FlowEvaluator, flow: Flow): boolean {
  const from = universe.endpoint(flow.from);
  const to = universe.endpoint(flow.to);
  return !from.governed && !to.governed && !evaluator.isEgressRestricted(from);
}

/**
 * Proves (or refutes) that the NetworkPolicies among `manifests` allow exactly the flows
 * `catalog` declares, over the endpoint universe of the catalog.
 *
 * @param manifests plain Kubernetes objects (`Testing.synth(chart)`, `chart.toJson()`, or
 *   parsed YAML documents); objects other than NetworkPolicies are ignored.
 */
export function checkNetworkPolicyReachability(
  catalog: ResolvedCatalog,
  manifests: ReadonlyArray<unknown>,
  options: ReachabilityOptions = {},
): ReachabilityReport {
  const universe = buildUniverse(catalog, options);
  const intent = declaredIntent(catalog, universe, options);
  return analyzeReachability(universe, intent, new NetworkPolicyEvaluator(universe, manifests), options);
}
