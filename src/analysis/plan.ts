/**
 * Migration plans between phases: ordered steps, each a complete manifest set, each
 * proven to keep every declared flow (no silent drops) and to allow nothing beyond what
 * either end allows.
 *
 * The recipe never removes old enforcement and adds new enforcement in the same step:
 * new enforcement is added next to the old (in the permissive mode of a mesh), then
 * tightened, and only then is the old removed.
 */
import { objectKey, systemOf } from './enforcement';

/** How a phase is synthesized for a step. */
export type PhaseVariant = 'permissive' | 'enforced';

/** Phases whose proxies are injected into pods (one mesh per pod at a time). */
export const MESH_PHASES: ReadonlySet<string> = new Set(['linkerd', 'istio']);

/** What kind of change a step makes; drives the runbook. */
export type StepKind = 'add' | 'switch' | 'enforce' | 'remove';

export interface PlanStep {
  /** `01-add-cilium` etc. */
  readonly id: string;
  readonly kind: StepKind;
  readonly title: string;
  /** The full manifest set to have applied after this step. */
  readonly objects: any[];
  /** Objects this step adds or changes, relative to the previous step. */
  readonly added: any[];
  /** Objects this step deletes, relative to the previous step. */
  readonly removed: any[];
}

/** Synthesizes one end of the plan (the CLI passes the library's synthesis in). */
export type Synthesize = (phase: string, variant: PhaseVariant) => any[];

function byKey(objects: readonly any[]): Map<string, any> {
  return new Map(objects.map(o => [objectKey(o), o]));
}

/**
 * Both phases' objects together. Where both emit the same object, the newer phase's
 * wins, except Namespaces: their labels and annotations come from `namespacesFrom`
 * (whichever mesh is injecting during the step) over the other's.
 */
export function mergeManifests(older: readonly any[], newer: readonly any[], namespacesFrom: 'older' | 'newer'): any[] {
  const merged = byKey(older);
  for (const obj of newer) {
    const key = objectKey(obj);
    const existing = merged.get(key);
    if (existing && obj.kind === 'Namespace') {
      const [base, top] = namespacesFrom === 'newer' ? [existing, obj] : [obj, existing];
      merged.set(key, withoutInjection(base, top));
    } else {
      merged.set(key, obj);
    }
  }
  return [...merged.values()];
}

/** Injection markers of every mesh, so only one mesh injects during a step. */
const INJECTION_LABELS = ['istio-injection', 'istio.io/rev'];
const INJECTION_ANNOTATIONS = ['linkerd.io/inject'];

function withoutInjection(base: any, top: any): any {
  const strip = (record: Record<string, string> | undefined, keys: string[]) =>
    Object.fromEntries(Object.entries(record ?? {}).filter(([k]) => !keys.includes(k)));
  const labels = { ...strip(base.metadata?.labels, INJECTION_LABELS), ...(top.metadata?.labels ?? {}) };
  const annotations = { ...strip(base.metadata?.annotations, INJECTION_ANNOTATIONS), ...(top.metadata?.annotations ?? {}) };
  return {
    ...top,
    metadata: {
      ...top.metadata,
      ...(Object.keys(labels).length > 0 ? { labels } : {}),
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
    },
  };
}

/** The step sequence from one phase to another. */
export function planSteps(from: string, to: string, synthesize: Synthesize): PlanStep[] {
  if (from === to) {
    throw new Error(`from and to are the same phase (${from}): nothing to plan`);
  }
  const start = synthesize(from, 'enforced');
  const recipe: Array<{ kind: StepKind; title: string; objects: any[] }> = [];
  if (MESH_PHASES.has(to)) {
    const permissive = synthesize(to, 'permissive');
    const enforced = synthesize(to, 'enforced');
    if (MESH_PHASES.has(from)) {
      recipe.push({ kind: 'add', title: `Add ${to}'s configuration next to ${from} (still injected by ${from})`, objects: mergeManifests(start, permissive, 'older') });
      recipe.push({ kind: 'switch', title: `Inject ${to} in permissive mode (restart workloads); ${from}'s objects stay`, objects: mergeManifests(start, permissive, 'newer') });
    } else {
      recipe.push({ kind: 'add', title: `Inject ${to} in permissive mode next to ${from}'s enforcement`, objects: mergeManifests(start, permissive, 'newer') });
    }
    recipe.push({ kind: 'enforce', title: `Enforce ${to} (mTLS and authorization)`, objects: mergeManifests(start, enforced, 'newer') });
    recipe.push({ kind: 'remove', title: `Remove what ${to} now owns: ${from}'s objects`, objects: enforced });
  } else {
    const target = synthesize(to, 'enforced');
    recipe.push({ kind: 'add', title: `Add ${to}'s policies next to ${from}'s`, objects: mergeManifests(start, target, MESH_PHASES.has(from) ? 'older' : 'newer') });
    recipe.push({ kind: 'remove', title: `Remove ${from}'s objects`, objects: target });
  }

  const steps: PlanStep[] = [];
  let previous = start;
  recipe.forEach((r, i) => {
    const before = byKey(previous);
    const after = byKey(r.objects);
    const added = r.objects.filter(o => JSON.stringify(before.get(objectKey(o))) !== JSON.stringify(o));
    const removed = previous.filter(o => !after.has(objectKey(o)));
    steps.push({ id: `${String(i + 1).padStart(2, '0')}-${r.kind}-${r.kind === 'remove' ? from : to}`, kind: r.kind, title: r.title, objects: r.objects, added, removed });
    previous = r.objects;
  });
  return steps;
}

/**
 * The discipline of a step: it must not remove objects of one enforcement system while
 * adding or changing objects of another. Returns the violation, if any.
 */
export function stepDisciplineViolation(step: PlanStep): string | undefined {
  const enforcing = (objects: any[]) => [...new Set(objects.map(systemOf).filter(s => s !== undefined))].sort();
  const removedSystems = enforcing(step.removed);
  const addedSystems = enforcing(step.added);
  // Removing a system while another one changes in the same step.
  const clash = removedSystems.some(r => addedSystems.some(a => a !== r));
  return clash ? `step ${step.id} removes ${removedSystems.join(', ')} enforcement while adding or changing ${addedSystems.join(', ')} enforcement` : undefined;
}
