/**
 * Migration plans between phases: ordered steps, each a complete manifest set, each
 * proven to keep every declared flow (no silent drops) and to allow nothing beyond what
 * either end allows.
 *
 * The recipe never removes old enforcement and adds new enforcement in the same step:
 * new enforcement is added next to the old (a mesh first in its permissive mode), then
 * tightened, and only then is the old removed. A policy object both phases emit (the
 * same Cilium policy name, say) holds the rules of both while they overlap; the last step
 * prunes the old phase's rules from it.
 */
import { backendOfPhase, backendOfSystem, ENFORCEMENT_SYSTEMS, injectionMarkers } from './backends';
import { buildUniverse, Endpoint, Universe } from './endpoints';
import { EnforcementEvaluator, EnforcementSystem, EvaluatorCache, injectedMesh, objectKey, phaseIntent, systemOf } from './enforcement';
import { Flow, flowComparator, flowKey, PortProbe } from './flows';
import { DeclaredFlow } from './intent';
import { allowedConnections } from './reachability';
import { analyzeRequests, formatRequestFlow, RequestFlow } from './requests';
import { isMeshPhase } from '../model/phase';
import { ResolvedCatalog } from '../model/resolved';

/** How the target phase is synthesized for a step. */
export type PhaseVariant = 'permissive' | 'enforced';

/**
 * What kind of change a step makes; drives the runbook. `scope` (namespace-scoped plans
 * only): the boundary rules of both parts next to the current ones; `add`: new enforcement next to
 * the old (a mesh permissive and not injected yet); `relax`: the old mesh goes permissive
 * before pods leave it; `inject`, `switch`, `uninject`: only the Namespaces' injection
 * changes (workloads restart); `enforce`: the new mesh leaves permissive mode; `remove`:
 * the old phase's objects go; `prune`: the old phase's rules go from policies both phases
 * share.
 */
export type StepKind = 'scope' | 'add' | 'relax' | 'inject' | 'switch' | 'uninject' | 'enforce' | 'remove' | 'prune';

export interface PlanStep {
  /** `01-add-cilium` etc.: the step's directory name. */
  readonly id: string;
  readonly kind: StepKind;
  readonly title: string;
  /** Synthesis of the target phase this step is built from. */
  readonly variant: PhaseVariant;
  /** The full manifest set to have applied after this step. */
  readonly objects: any[];
  /** Objects this step adds or changes, relative to the previous step. */
  readonly added: any[];
  /** Objects this step deletes, relative to the previous step. */
  readonly removed: any[];
  /** Objects new in this step (the previous step has no object of that identity). */
  readonly created: any[];
  /** Enforcement systems whose objects (or injection) this step adds or changes (a mesh in permissive mode enforces nothing). */
  readonly addsSystems: EnforcementSystem[];
  /** Enforcement systems whose objects (or injection) this step removes. */
  readonly removesSystems: EnforcementSystem[];
  /** Namespaces whose injected mesh changes: workloads there need a rollout restart. */
  readonly restartNamespaces: string[];
}

/** Synthesizes one end of the plan (the CLI passes the library's synthesis in). */
export type Synthesize = (phase: string, variant: PhaseVariant) => any[];

function byKey(objects: readonly any[]): Map<string, any> {
  return new Map(objects.map(o => [objectKey(o), o]));
}

/** Every mesh's injection markers: a merged Namespace keeps only those of the mesh that injects. */
const INJECTION = injectionMarkers();

/** A Namespace with both phases' labels and annotations, injected only by `top`'s mesh. */
function mergeNamespace(base: any, top: any): any {
  const strip = (record: Record<string, string> | undefined, keys: string[]) =>
    Object.fromEntries(Object.entries(record ?? {}).filter(([k]) => !keys.includes(k)));
  const labels = sortKeys({ ...strip(base.metadata?.labels, INJECTION.labels), ...(top.metadata?.labels ?? {}) });
  const annotations = sortKeys({ ...strip(base.metadata?.annotations, INJECTION.annotations), ...(top.metadata?.annotations ?? {}) });
  const { labels: _l, annotations: _a, ...rest } = top.metadata ?? {};
  return {
    ...top,
    metadata: {
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
      ...(Object.keys(labels).length > 0 ? { labels } : {}),
      ...rest,
    },
  };
}

function sortKeys(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * One policy holding the rules of two versions of it, as the system owning it adds its
 * policies up (`AnalysisBackend.unionPolicies`); undefined when they cannot be combined.
 */
function unionPolicy(older: any, newer: any): any | undefined {
  const system = systemOf(newer);
  return system === undefined ? undefined : backendOfSystem(system).unionPolicies?.(older, newer);
}

/**
 * Both phases' objects together. Where both emit the same object, the newer phase's wins,
 * except policies (their rules are combined) and Namespaces (labels of both; only the mesh
 * of `injectFrom` injects).
 */
export function mergeManifests(older: readonly any[], newer: readonly any[], injectFrom: 'older' | 'newer'): any[] {
  const merged = byKey(older);
  for (const obj of newer) {
    const key = objectKey(obj);
    const existing = merged.get(key);
    if (existing && obj.kind === 'Namespace' && existing.kind === 'Namespace') {
      merged.set(key, injectFrom === 'newer' ? mergeNamespace(existing, obj) : mergeNamespace(obj, existing));
    } else if (existing) {
      merged.set(key, JSON.stringify(existing) === JSON.stringify(obj) ? obj : unionPolicy(existing, obj) ?? obj);
    } else {
      merged.set(key, obj);
    }
  }
  return [...merged.values()];
}

/**
 * `overlap` without the objects only `older` has; Namespaces as `newer` emits them; in
 * `newer`'s order (objects both phases emit, like the certificates, keep the target's place).
 */
function withoutOlderOnly(overlap: readonly any[], newer: readonly any[]): any[] {
  const kept = byKey(overlap);
  return newer.filter(o => kept.has(objectKey(o))).map(o => (o.kind === 'Namespace' ? o : kept.get(objectKey(o))));
}

interface RecipeStep {
  readonly kind: StepKind;
  readonly phase: string;
  readonly title: string;
  readonly variant: PhaseVariant;
  readonly objects: any[];
}

/**
 * The recipe, before empty steps are dropped. Every change of injection has a step of its
 * own (`inject`, `switch`, `uninject`) that changes nothing but the Namespaces, taken
 * while every mesh injecting before or after is permissive and both L4 layers (with the
 * mesh's proxy port and control-plane allowances) are in force: pods restart one by one,
 * so meshed and unmeshed pods talk to each other until the rollout ends. Allowances a
 * rollout needs are added the step before it and removed the step after it.
 */
function recipe(from: string, to: string, synthesize: Synthesize, options: PlanStepsOptions): { start: any[]; steps: RecipeStep[] } {
  const start = synthesize(from, 'enforced');
  const target = synthesize(to, 'enforced');
  const fromMesh = isMeshPhase(from);
  const toMesh = isMeshPhase(to);
  const steps: RecipeStep[] = [];
  let base = start;
  if (options.scopeStep) {
    base = options.scopeStep;
    steps.push({
      kind: 'scope',
      phase: from,
      variant: 'enforced',
      objects: base,
      title: `Admit the pods across the boundary of the namespaces that move as peers (by network, on the ports they call), next to ${from}'s rules`,
    });
  }
  // The target's objects while it is added: a mesh starts permissive.
  const incoming = toMesh ? synthesize(to, 'permissive') : target;
  steps.push({
    kind: 'add',
    phase: to,
    variant: toMesh ? 'permissive' : 'enforced',
    objects: mergeManifests(base, incoming, fromMesh || toMesh ? 'older' : 'newer'),
    title: toMesh
      ? `Add ${to}'s configuration in permissive mode (authorization audited, plaintext accepted) and its L4 allowances next to ${from}'s; nothing injects ${to} yet`
      : `Add ${to}'s policies next to ${from}'s${fromMesh ? ` (${from} still injects and enforces)` : ''}`,
  });
  // The old phase's objects while injection changes: a mesh relaxed to permissive first.
  let outgoing = base;
  if (fromMesh) {
    outgoing = synthesize(from, 'permissive');
    steps.push({
      kind: 'relax',
      phase: from,
      variant: 'permissive',
      objects: mergeManifests(outgoing, incoming, 'older'),
      title: `Relax ${from} to permissive mode (authorization audited, plaintext accepted) so that pods restarted ${toMesh ? `into ${to}` : 'without a proxy'} still reach the others; ${from} still injects`,
    });
  }
  if (fromMesh || toMesh) {
    const kind: StepKind = fromMesh && toMesh ? 'switch' : toMesh ? 'inject' : 'uninject';
    const title = kind === 'switch'
      ? `Inject ${to} instead of ${from} (restart workloads); both stay permissive, ${from}'s objects and L4 allowances stay`
      : kind === 'inject'
        ? `Inject ${to} (restart workloads), still permissive; ${from}'s policies stay`
        : `Stop injecting ${from} (restart workloads); ${from}'s objects and its L4 allowances stay until no pod has a proxy`;
    steps.push({ kind, phase: toMesh ? to : from, variant: 'permissive', objects: mergeManifests(outgoing, incoming, 'newer'), title });
  }
  const enforced = mergeManifests(outgoing, target, 'newer');
  if (toMesh) {
    steps.push({ kind: 'enforce', phase: to, variant: 'enforced', title: `Enforce ${to}: mTLS required, authorization enforced`, objects: enforced });
  }
  steps.push({
    kind: 'remove',
    phase: from,
    variant: 'enforced',
    objects: withoutOlderOnly(enforced, target),
    title: fromMesh ? `Remove ${from}'s objects (no pod runs its proxy any more)` : `Remove ${from}'s objects that ${to} does not use`,
  });
  steps.push({ kind: 'prune', phase: from, variant: 'enforced', title: `Prune ${from}'s rules from the policies ${to} shares (what ${to} now owns)`, objects: target });
  return { start, steps };
}

/** The enforcement system of a phase whose pods run a mesh proxy; undefined for the others. */
function meshSystemOf(phase: string): EnforcementSystem | undefined {
  const backend = backendOfPhase(phase);
  return backend?.injection !== undefined ? backend.system : undefined;
}

function injectionByNamespace(objects: readonly any[]): Map<string, EnforcementSystem | 'none'> {
  return new Map(objects.filter(o => o?.kind === 'Namespace').map(o => [String(o.metadata?.name), injectedMesh(o) ?? 'none']));
}

/** The step sequence from one phase to another; steps that change nothing are left out. */
/** Options of `planSteps`. */
export interface PlanStepsOptions {
  /**
   * A namespace-scoped plan's first step: the current objects with the boundary rules of
   * both parts added (the synthesis's `from`/permissive must build on it).
   */
  readonly scopeStep?: any[];
}

export function planSteps(from: string, to: string, synthesize: Synthesize, options: PlanStepsOptions = {}): PlanStep[] {
  if (from === to) {
    throw new Error(`from and to are the same phase (${from}): nothing to plan`);
  }
  const { start, steps: raw } = recipe(from, to, synthesize, options);
  const steps: PlanStep[] = [];
  let previous = start;
  for (const r of raw) {
    const before = byKey(previous);
    const after = byKey(r.objects);
    const added = r.objects.filter(o => JSON.stringify(before.get(objectKey(o))) !== JSON.stringify(o));
    const removed = previous.filter(o => !after.has(objectKey(o)));
    if (added.length === 0 && removed.length === 0) {
      continue;
    }
    const injectedBefore = injectionByNamespace(previous);
    const injectedAfter = injectionByNamespace(r.objects);
    const restartNamespaces = [...injectedAfter.keys()].filter(ns => (injectedBefore.get(ns) ?? 'none') !== injectedAfter.get(ns)).sort();
    const addsSystems = new Set<EnforcementSystem>();
    const removesSystems = new Set<EnforcementSystem>();
    added.forEach(o => { const s = systemOf(o); if (s) addsSystems.add(s); });
    removed.forEach(o => { const s = systemOf(o); if (s) removesSystems.add(s); });
    for (const ns of restartNamespaces) {
      const was = injectedBefore.get(ns);
      const now = injectedAfter.get(ns);
      if (was !== undefined && was !== 'none') removesSystems.add(was);
      if (now !== undefined && now !== 'none') addsSystems.add(now);
    }
    const toMesh = meshSystemOf(to);
    const fromMesh = meshSystemOf(from);
    // A mesh in permissive mode audits and accepts plaintext: it enforces nothing yet.
    if (r.variant === 'permissive' && toMesh) {
      addsSystems.delete(toMesh);
    }
    // Relaxing a mesh to permissive takes its enforcement away; it adds none.
    if (r.kind === 'relax' && fromMesh) {
      addsSystems.delete(fromMesh);
      removesSystems.add(fromMesh);
    }
    const order = (s: Set<EnforcementSystem>) => ENFORCEMENT_SYSTEMS.filter(x => s.has(x));
    steps.push({
      id: `${String(steps.length + 1).padStart(2, '0')}-${r.kind}-${r.phase}`,
      kind: r.kind,
      title: r.title,
      variant: r.variant,
      objects: r.objects,
      added,
      removed,
      created: added.filter(o => !before.has(objectKey(o))),
      addsSystems: order(addsSystems),
      removesSystems: order(removesSystems),
      restartNamespaces,
    });
    previous = r.objects;
  }
  // The last step holds exactly the target, in the target's order, even when the prune
  // step was left out because an earlier step had reached the same objects.
  const target = raw[raw.length - 1].objects;
  const last = steps[steps.length - 1];
  if (last && last.objects !== target && sameObjects(last.objects, target)) {
    steps[steps.length - 1] = { ...last, objects: target };
  }
  return steps;
}

function sameObjects(a: readonly any[], b: readonly any[]): boolean {
  const keyed = byKey(b);
  return a.length === b.length && a.every(o => JSON.stringify(keyed.get(objectKey(o))) === JSON.stringify(o));
}

/**
 * The discipline of a step: it must not remove one enforcement system (objects or
 * injection) while adding or changing another; and a step that changes injection (pods
 * restart one by one, meshed and unmeshed pods meet) changes nothing but the Namespaces,
 * with every mesh permissive: what the rollout needs was added the step before and goes
 * the step after. Returns the violation, if any.
 */
export function stepDisciplineViolation(step: PlanStep): string | undefined {
  const clash = step.removesSystems.some(r => step.addsSystems.some(a => a !== r));
  if (clash) {
    return `step ${step.id} removes ${step.removesSystems.join(', ')} enforcement while adding or changing ${step.addsSystems.join(', ')} enforcement`;
  }
  if (step.restartNamespaces.length > 0) {
    const others = [...step.added.filter(o => o?.kind !== 'Namespace'), ...step.removed].map(o => `${o?.kind} ${o?.metadata?.namespace ? o.metadata.namespace + '/' : ''}${o?.metadata?.name}`);
    if (others.length > 0) {
      return `step ${step.id} changes injection in ${step.restartNamespaces.join(', ')} and other objects too (${others.slice(0, 3).join(', ')}${others.length > 3 ? ', ...' : ''}): a rollout step changes only Namespaces`;
    }
    if (step.variant !== 'permissive') {
      return `step ${step.id} changes injection in ${step.restartNamespaces.join(', ')} while a mesh enforces: pods mid-rollout would be refused`;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------
// Proof

/** What one step (or one end) allows, against the plan's declared flows. */
export interface StepVerdict {
  readonly id: string;
  readonly objects: number;
  readonly added: number;
  readonly removed: number;
  /** Enforcement systems in force, in ladder order (`networkpolicy + cilium`). */
  readonly evaluator: string;
  readonly declared: number;
  readonly allowed: number;
  /** Declared flows the step does not allow: calls that would silently fail. */
  readonly missing: Flow[];
  /** Flows the step allows that neither end allows. */
  readonly beyond: Flow[];
  readonly discipline?: string;
  /**
   * Declared requests the step refuses although their connection is allowed (e.g. a
   * client already on Istio calling a server Linkerd still enforces: the connection
   * reaches a port some network-authorized route opens, but the call's own route refuses
   * it). A failure like `missing`.
   */
  readonly missingRequests: RequestFlow[];
  /** L7 counts: declared requests refused, undeclared requests let through (information). */
  readonly requests?: { readonly probed: number; readonly refusedDeclared: number; readonly allowedUndeclared: number };
  /**
   * Rolling the step back (`kubectl apply -k <previous step>`, then deleting the step's
   * `created.yaml`) passes through the previous step's objects plus the ones this step
   * created; that state, when it is neither the step's nor the previous one's.
   */
  readonly rollback?: { readonly missing: Flow[]; readonly missingRequests: RequestFlow[]; readonly beyond: Flow[]; readonly ok: boolean };
  /**
   * A step that changes injection in several namespaces, mid-rollout: each proper subset
   * of them already restarted, the others not (pods of different namespaces in different
   * states). Pods of one namespace in different states meet too; the discipline (only
   * Namespaces change, every mesh permissive, both L4 layers in force) is what makes those
   * pairs safe: a permissive mesh accepts plaintext and the L4 layers admit both ports.
   */
  readonly rollout?: {
    readonly states: number; readonly missing: Flow[]; readonly missingRequests: RequestFlow[]; readonly beyond: Flow[]; readonly ok: boolean;
  };
  readonly ok: boolean;
}

export interface PlanVerification {
  readonly from: string;
  readonly to: string;
  /** Flows every step must allow: what both ends declare, and what one end declares that the other allows too. */
  readonly declared: DeclaredFlow[];
  /** Declared by one end only and refused by the other: handed over by design (e.g. host calls by name instead of by address). */
  readonly handover: Flow[];
  readonly start: StepVerdict;
  readonly steps: StepVerdict[];
  readonly ok: boolean;
}

/**
 * The states a step that changes injection in several namespaces passes through: each
 * proper, non-empty subset of them restarted (Namespaces as the step emits them), the
 * others not yet (Namespaces as before). At most 2^4 - 2 states.
 */
function midRollout(step: PlanStep, previous: readonly any[]): Array<{ label: string; objects: any[] }> {
  const namespaces = step.restartNamespaces.slice(0, 4);
  if (namespaces.length < 2) {
    return [];
  }
  const before = new Map(previous.filter(o => o?.kind === 'Namespace').map(o => [String(o.metadata?.name), o]));
  const states: Array<{ label: string; objects: any[] }> = [];
  // Every split of the namespaces into restarted and waiting, both non-empty.
  const splits = namespaces.reduce<string[][]>((acc, ns) => [...acc, ...acc.map(subset => [...subset, ns])], [[]])
    .filter(restarted => restarted.length > 0 && restarted.length < namespaces.length);
  for (const restarted of splits) {
    const waiting = new Set(namespaces.filter(n => !restarted.includes(n)));
    const objects = step.objects.map(o => (o?.kind === 'Namespace' && waiting.has(String(o.metadata?.name)) ? before.get(String(o.metadata?.name)) ?? o : o));
    states.push({ label: `${namespaces.filter(n => !waiting.has(n)).join(', ')} restarted, ${[...waiting].join(', ')} not yet`, objects });
  }
  return states;
}

export interface VerifyPlanOptions {
  /**
   * Ask every pair of the universe (the reference engine, for differential tests).
   * @default false
   */
  readonly exhaustive?: boolean;
}

/** Resolved catalogs per variant (permissive steps judge Linkerd's defaults by the permissive catalog). */
export type CatalogVariants = Record<PhaseVariant, ResolvedCatalog>;

/** The flows a step's objects allow, in report order, with their keys. */
interface StepFlows {
  readonly evaluator: EnforcementEvaluator;
  readonly flows: Flow[];
  readonly keys: Set<string>;
}

/**
 * Every connection a plan probes that the objects allow: each endpoint to each
 * destination's probes where one end is in a catalog namespace, and the flows either end
 * declares (`allowedConnections`), in report order.
 */
function allowedFlows(
  catalog: ResolvedCatalog, universe: Universe, objects: readonly any[], extra: readonly Flow[], exhaustive: boolean, cache: EvaluatorCache,
): StepFlows {
  const evaluator = new EnforcementEvaluator(catalog, universe, objects, cache);
  const flows = allowedConnections(universe, evaluator, extra, exhaustive).sort(flowComparator(universe.order));
  return { evaluator, flows, keys: new Set(flows.map(flowKey)) };
}

/**
 * The flows every step must allow: what both ends declare, and what one end declares that
 * the other allows too (reasons merged); the rest is handed over by design (declared by one
 * end only and refused by the other, e.g. host calls by name instead of by address).
 */
function declaredAcrossEnds(
  fromIntent: readonly DeclaredFlow[], toIntent: readonly DeclaredFlow[], startKeys: ReadonlySet<string>, targetKeys: ReadonlySet<string>,
  compare: (a: Flow, b: Flow) => number,
): { declared: DeclaredFlow[]; handover: Flow[] } {
  const fromKeys = new Set(fromIntent.map(flowKey));
  const toKeys = new Set(toIntent.map(flowKey));
  const declaredByKey = new Map<string, DeclaredFlow>();
  const handover: Flow[] = [];
  for (const flow of [...fromIntent, ...toIntent]) {
    const key = flowKey(flow);
    const both = fromKeys.has(key) && toKeys.has(key);
    const kept = both || (fromKeys.has(key) ? targetKeys.has(key) : startKeys.has(key));
    if (kept) {
      const existing = declaredByKey.get(key);
      declaredByKey.set(key, existing ? { ...existing, reasons: [...new Set([...existing.reasons, ...flow.reasons])].sort() } : flow);
    } else if (!handover.some(f => flowKey(f) === key)) {
      handover.push(flow);
    }
  }
  return { declared: [...declaredByKey.values()].sort(compare), handover };
}

/**
 * Proves every step of a plan: allowed ⊇ declared (no silent drops) and allowed ⊆
 * allowed(from) ∪ allowed(to) (never more than the union of the ends), at L3/L4, with
 * the enforcement systems of the step combined as the data path does; and no declared
 * request refused on an allowed connection (a route-level refusal is a silent drop too).
 * Undeclared requests let through are counted, not failed: the ends differ in what they
 * can enforce at L7 (baseline none at all).
 */
export function verifyPlan(
  catalogs: CatalogVariants, from: string, to: string, start: readonly any[], target: readonly any[], steps: readonly PlanStep[],
  options: VerifyPlanOptions = {},
): PlanVerification {
  const exhaustive = options.exhaustive ?? false;
  const catalog = catalogs.enforced;
  const universe = buildUniverse(catalog);
  const fromIntent = phaseIntent(catalog, universe, from, start).declared;
  const toIntent = phaseIntent(catalog, universe, to, target).declared;
  const everything = [...fromIntent, ...toIntent];
  // Steps share most objects: L4 evaluators (and their indexes) are built once per object set.
  const cache = new EvaluatorCache(universe);
  const evaluators = () => (exhaustive ? new EvaluatorCache(universe) : cache); // the reference shares nothing
  const startKeys = allowedFlows(catalog, universe, start, everything, exhaustive, evaluators()).keys;
  const targetKeys = allowedFlows(catalog, universe, target, everything, exhaustive, evaluators()).keys;
  const { declared, handover } = declaredAcrossEnds(fromIntent, toIntent, startKeys, targetKeys, flowComparator(universe.order));
  const union = new Set([...startKeys, ...targetKeys]);

  const judge = (id: string, objects: readonly any[], added: number, removed: number, variant: PhaseVariant, discipline?: string): StepVerdict => {
    const { evaluator, flows, keys } = allowedFlows(catalogs[variant], universe, objects, everything, exhaustive, evaluators());
    const missing = declared.filter(f => !keys.has(flowKey(f)));
    const beyond = flows.filter(f => !union.has(flowKey(f)));
    const l4 = (a: Endpoint, b: Endpoint, p: PortProbe) => evaluator.allows(a, b, p);
    const requests = analyzeRequests(catalogs[variant], universe, evaluator, l4, {}, exhaustive ? undefined : flows);
    return {
      id,
      objects: objects.length,
      added,
      removed,
      evaluator: evaluator.name,
      declared: declared.length,
      allowed: flows.length,
      missing,
      missingRequests: requests.missing,
      beyond,
      ...(discipline ? { discipline } : {}),
      ...(requests.probed.length > 0
        ? { requests: { probed: requests.probed.length, refusedDeclared: requests.missing.length, allowedUndeclared: requests.unexpected.length } }
        : {}),
      ok: missing.length === 0 && beyond.length === 0 && discipline === undefined && requests.missing.length === 0,
    };
  };
  const startVerdict = judge(`00-start-${from}`, start, 0, 0, 'enforced');
  const verdicts = steps.map((s, i) => {
    const previous = i === 0 ? start : steps[i - 1].objects;
    let verdict = judge(s.id, s.objects, s.added.length, s.removed.length, s.variant, stepDisciplineViolation(s));
    const states = midRollout(s, previous);
    if (states.length > 0) {
      const judged = states.map(({ label, objects }) => judge(`${s.id} (rollout: ${label})`, objects, 0, 0, s.variant));
      const unique = (flows: Flow[]) => flows.filter((f, j) => flows.findIndex(x => flowKey(x) === flowKey(f)) === j);
      const missing = unique(judged.flatMap(v => v.missing));
      const beyond = unique(judged.flatMap(v => v.beyond));
      const missingRequests = judged.flatMap(v => v.missingRequests)
        .filter((r, j, all) => all.findIndex(x => formatRequestFlow(x) === formatRequestFlow(r)) === j);
      const ok = missing.length === 0 && missingRequests.length === 0 && beyond.length === 0;
      const rollout = { states: states.length, missing, missingRequests, beyond, ok };
      verdict = { ...verdict, rollout, ok: verdict.ok && rollout.ok };
    }
    const changedOrRemoved = s.added.length > s.created.length || s.removed.length > 0;
    if (s.created.length === 0 || !changedOrRemoved) {
      return verdict; // the rollback passes through the previous step's state or this one's: both judged
    }
    const back = judge(`${s.id} (rollback)`, [...previous, ...s.created], 0, 0, i === 0 ? 'enforced' : steps[i - 1].variant);
    const rollback = {
      missing: back.missing,
      missingRequests: back.missingRequests,
      beyond: back.beyond,
      ok: back.missing.length === 0 && back.missingRequests.length === 0 && back.beyond.length === 0,
    };
    return { ...verdict, rollback, ok: verdict.ok && rollback.ok };
  });
  return { from, to, declared, handover, start: startVerdict, steps: verdicts, ok: startVerdict.ok && verdicts.every(v => v.ok) };
}
