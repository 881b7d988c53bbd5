/**
 * Reachability: decide every (source, destination, port, protocol) of the universe with an
 * evaluator and compare the allowed flows to the declared intent.
 *
 * Engine: per destination and probe, the evaluator names a superset of the sources it can
 * allow (`FlowEvaluator.candidateSources`, a bitset computed from its rules, e.g.
 * `DirectionalIndex`); only those are asked `allows`. Every other source would be refused
 * by `allows` too, so the allowed flows are exactly those of probing every pair, which
 * `exhaustive` still does (the reference the differential tests compare against).
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
import { Bitset } from './bitset';
import { buildUniverse, Endpoint, Universe, UniverseOptions } from './endpoints';
import { AnalysisDiagnostic, Flow, flowComparator, flowKey, PortProbe } from './flows';
import { DeclaredFlow, declaredIntent, Intent, IntentOptions } from './intent';
import { NetworkPolicyEvaluator } from './networkpolicy';
import { RequestReport } from './requests';
import { universeIndex } from './universe-index';
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
  /**
   * A superset of the sources `allows(source, to, probe)` can accept, as a bitset over
   * the positions of the universe's endpoints (the caller may modify it); undefined: any
   * source (every one is asked). Absent: no pruning.
   */
  candidateSources?(to: Endpoint, probe: PortProbe): Bitset | undefined;
}

/** The intersection of the candidate sources of several evaluators (undefined: any). */
export function intersectCandidates(layers: ReadonlyArray<FlowEvaluator>, to: Endpoint, probe: PortProbe): Bitset | undefined {
  let out: Bitset | undefined;
  for (const layer of layers) {
    const sources = layer.candidateSources?.(to, probe);
    if (sources !== undefined) {
      out = out === undefined ? sources : out.andWith(sources);
    }
  }
  return out;
}

/** The union of candidate sources (undefined when one of them is any source). */
export function uniteCandidates(sets: ReadonlyArray<() => Bitset | undefined>): Bitset | undefined {
  let out: Bitset | undefined;
  for (const next of sets) {
    const sources = next();
    if (sources === undefined) {
      return undefined;
    }
    out = out === undefined ? sources : out.orWith(sources);
  }
  return out;
}

/**
 * Every flow `evaluator` allows among the universe's probes (each endpoint to each
 * destination's probes, where one end is in a catalog namespace) and `extra` flows
 * (declared flows are decided even on ports outside the probe set), unsorted, each once.
 * Only candidate sources are asked unless `exhaustive`.
 */
export function allowedConnections(universe: Universe, evaluator: FlowEvaluator, extra: ReadonlyArray<Flow> = [], exhaustive = false): Flow[] {
  const index = universeIndex(universe);
  const endpoints = universe.endpoints;
  const allowed: Flow[] = [];
  // Each (source, destination, probe) comes once from the loop below.
  const decide = (from: Endpoint, to: Endpoint, p: PortProbe) => {
    if (evaluator.allows(from, to, p)) {
      allowed.push({ from: from.id, to: to.id, port: p.port, protocol: p.protocol });
    }
  };
  for (const to of endpoints) {
    // In scope: at least one end is a pod in a catalog namespace.
    const scope = to.inCatalogNamespace ? undefined : index.inCatalogNamespace;
    for (const p of universe.probesFor(to)) {
      let sources = exhaustive ? undefined : evaluator.candidateSources?.(to, p);
      if (sources !== undefined && scope !== undefined) {
        sources.andWith(scope);
      }
      sources = sources ?? scope;
      if (sources === undefined) {
        endpoints.forEach(from => decide(from, to, p));
      } else {
        sources.forEach(i => decide(endpoints[i], to, p));
      }
    }
  }
  const keys = new Set(allowed.map(flowKey));
  for (const flow of extra) {
    const key = flowKey(flow);
    const from = universe.endpoint(flow.from);
    const to = universe.endpoint(flow.to);
    if (!keys.has(key) && evaluator.allows(from, to, flow)) {
      keys.add(key);
      allowed.push({ from: from.id, to: to.id, port: flow.port, protocol: flow.protocol });
    }
  }
  return allowed;
}

/**
 * A part of the flows to decide: every flow from `sources`, to `destinations`, and on
 * `probes` (keys `port/protocol`) between any pair. The others are left out: a caller
 * that knows their verdicts elsewhere (a diff's delta proof, see `diff-delta.ts`)
 * decides only these.
 */
export interface FlowScope {
  readonly sources: ReadonlySet<string>;
  readonly destinations: ReadonlySet<string>;
  readonly probes: ReadonlySet<string>;
}

export function probeKey(probe: PortProbe): string {
  return `${probe.port}/${probe.protocol}`;
}

/**
 * `allowedConnections` within `scope`: the same decisions, restricted to its flows (a
 * destination's candidate sources still prune; a source row asks every destination).
 */
function scopedConnections(universe: Universe, evaluator: FlowEvaluator, extra: ReadonlyArray<Flow>, scope: FlowScope): Flow[] {
  const index = universeIndex(universe);
  const endpoints = universe.endpoints;
  const sources = Bitset.where(endpoints.length, i => scope.sources.has(endpoints[i].id));
  const allowed: Flow[] = [];
  const decide = (from: Endpoint, to: Endpoint, p: PortProbe) => {
    if (evaluator.allows(from, to, p)) {
      allowed.push({ from: from.id, to: to.id, port: p.port, protocol: p.protocol });
    }
  };
  // Three disjoint parts: columns of `destinations` (every source), rows of `sources` (other
  // destinations), `probes` (other pairs); each in scope as in `allowedConnections`.
  for (const to of endpoints) {
    const column = scope.destinations.has(to.id);
    const scopeOf = to.inCatalogNamespace ? undefined : index.inCatalogNamespace;
    for (const p of universe.probesFor(to)) {
      if (!column && !scope.probes.has(probeKey(p))) {
        continue;
      }
      let candidates = evaluator.candidateSources?.(to, p);
      if (candidates !== undefined && scopeOf !== undefined) {
        candidates.andWith(scopeOf);
      }
      candidates = candidates ?? scopeOf?.clone() ?? Bitset.full(endpoints.length);
      if (!column) {
        candidates.andNotWith(sources);
      }
      candidates.forEach(i => decide(endpoints[i], to, p));
    }
  }
  sources.forEach(i => {
    const from = endpoints[i];
    for (const to of endpoints) {
      if (scope.destinations.has(to.id) || (!from.inCatalogNamespace && !to.inCatalogNamespace)) {
        continue;
      }
      universe.probesFor(to).forEach(p => decide(from, to, p));
    }
  });
  const keys = new Set(allowed.map(flowKey));
  for (const flow of extra) {
    const key = flowKey(flow);
    const inScope = scope.sources.has(flow.from) || scope.destinations.has(flow.to) || scope.probes.has(probeKey(flow));
    if (inScope && !keys.has(key) && evaluator.allows(universe.endpoint(flow.from), universe.endpoint(flow.to), flow)) {
      keys.add(key);
      allowed.push({ from: flow.from, to: flow.to, port: flow.port, protocol: flow.protocol });
    }
  }
  return allowed;
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
  /**
   * Ask the evaluator about every pair instead of its candidate sources only: the
   * reference engine (same verdicts, quadratic cost), for differential tests.
   * @default false
   */
  readonly exhaustive?: boolean;
  /**
   * Decide only the flows in this scope (and probe requests on those): `allowed` and
   * `requests` hold exactly the allowed ones among them; the verdict lists and `ok` are
   * then about those alone. For a diff's delta proof of the base (see `diff-delta.ts`).
   * @default - every flow
   */
  readonly scope?: FlowScope;
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

/** Probes the universe with `evaluator` and compares with `intent`. */
export function analyzeReachability(
  universe: Universe,
  intent: Intent,
  evaluator: FlowEvaluator,
  options: ReachabilityOptions = {},
): ReachabilityReport {
  // Declared flows are always decided, even on ports outside the probe set.
  const allowed = options.scope !== undefined
    ? scopedConnections(universe, evaluator, intent.declared, options.scope)
    : allowedConnections(universe, evaluator, intent.declared, options.exhaustive);
  const allowedKeys = new Set(allowed.map(flowKey));

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
