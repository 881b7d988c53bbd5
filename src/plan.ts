import { systemsIn } from './analysis/enforcement';
import { formatFlow } from './analysis/flows';
import { mergeManifests, PhaseVariant, PlanStep, planSteps, PlanVerification, Synthesize, verifyPlan, VerifyPlanOptions } from './analysis/plan';
import { formatPlanProblems, formatPlanTable, renderRunbook } from './analysis/runbook';
import { chartCatalog } from './backends';
import { proveReachability, renderGraphReport } from './catalog-analysis';
import { MeshLadderChart, MeshLadderChartOptions } from './chart';
import { ServiceCatalog } from './model/catalog';
import { Phase } from './model/phase';
import { PlanScopeError, scopeBoundaryProblems, scopeCatalogSpec } from './model/scope';
import { MeshMode } from './model/types';

/** One step of a migration plan, with its proof. */
export interface MigrationStep {
  /** Directory name, e.g. `01-add-cilium`. */
  readonly id: string;
  /** `add`, `switch`, `enforce`, `remove` or `prune`. */
  readonly kind: string;
  /** What the step does, one line. */
  readonly title: string;
  /** Objects in force after the step. */
  readonly objectCount: number;
  /** Objects the step adds or changes. */
  readonly addedCount: number;
  /** Objects the step deletes (`removed.yaml`). */
  readonly removedCount: number;
  /** Enforcement systems in force after the step, e.g. `networkpolicy + cilium`. */
  readonly enforcedBy: string;
  /** Flows the step allows. */
  readonly allowedCount: number;
  /** Declared flows the step would drop: `shop/a -> shop/b 8080/TCP`. */
  readonly missing: string[];
  /** Flows the step allows that neither end of the plan allows. */
  readonly beyond: string[];
  /**
   * Why the step breaks the plan's discipline (it removes one enforcement system while
   * adding another).
   * @default - the step keeps the discipline
   */
  readonly discipline?: string;
  /** No missing flow, nothing beyond the ends, discipline kept. */
  readonly ok: boolean;
}

/**
 * Ordered steps from one phase to another, each a complete manifest set proven to keep
 * every declared flow and to allow nothing beyond what either end allows.
 */
export class MigrationPlan {
  /**
   * Plans the move from `from` to `to` for a catalog and proves every step.
   * @param catalog the validated catalog
   * @param from the phase in force now
   * @param to the phase to reach
   * @param options each phase's options and the target platform (as given to `MeshLadderChart`), the scope, a synthesizer of your own
   */
  public static create(catalog: ServiceCatalog, from: Phase, to: Phase, options: MigrationPlanOptions = {}): MigrationPlan {
    const synthesizer = options.synthesizer;
    const synthesize: Synthesize | undefined = synthesizer
      ? (phase, variant) => synthesizer.synthesize(phase as Phase, variant === 'permissive') : undefined;
    return MigrationPlan._build(catalog, from, to, synthesize, options);
  }

  /** @internal Plans with a custom synthesis (tests, hand-edited phases) or the reference engine (`verify.exhaustive`). */
  public static _build(
    given: ServiceCatalog, from: Phase, to: Phase, synthesize?: Synthesize, options: MigrationPlanOptions = {}, verify: VerifyPlanOptions = {},
  ): MigrationPlan {
    // The phases' options become the catalog's settings, so every step is synthesized and
    // proven with them (the permissive steps keep them, but for the mode).
    const catalog = chartCatalog(given, options);
    const permissive = permissiveCatalog(catalog);
    const whole: Synthesize = synthesize ?? ((phase: string, variant: PhaseVariant) =>
      MeshLadderChart.manifests(variant === 'permissive' ? permissive : catalog, phase as Phase));
    const scope = options.namespaces !== undefined || options.namespaceLabels !== undefined
      ? checkScope(catalog, options.namespaces ?? labelled(catalog, options.namespaceLabels!), options.namespaceLabels) : undefined;
    const scoped = scope ? scopedSynthesis(catalog, from, to, scope, whole) : undefined;
    const synth = scoped?.synthesize ?? whole;
    const start = synth(from, 'enforced');
    const target = synth(to, 'enforced');
    const steps = planSteps(from, to, synth, { scopeStep: scoped?.scopeStep });
    const verification = verifyPlan({ enforced: catalog._resolved, permissive: permissive._resolved }, from, to, start, target, steps, verify);
    return new MigrationPlan(catalog, from, to, start, steps, verification, scope);
  }

  /** The phase in force now. */
  public readonly from: Phase;
  /** The phase to reach. */
  public readonly to: Phase;
  /** Every step keeps every declared flow, allows nothing beyond the ends and keeps the discipline. */
  public readonly ok: boolean;
  /** The steps in order. */
  public readonly steps: MigrationStep[];
  /** Number of flows every step must allow. */
  public readonly declaredCount: number;
  /** @internal */
  public readonly _start: any[];
  /** @internal */
  public readonly _steps: PlanStep[];
  /** @internal */
  public readonly _verification: PlanVerification;
  private readonly catalog: ServiceCatalog;

  /**
   * The namespaces the plan migrates; the others stay on `from`.
   * @default - every namespace of the catalog
   */
  public readonly namespaces?: string[];

  private constructor(
    catalog: ServiceCatalog, from: Phase, to: Phase, start: any[], steps: PlanStep[], verification: PlanVerification, namespaces?: string[],
  ) {
    this.catalog = catalog;
    this.namespaces = namespaces;
    this.from = from;
    this.to = to;
    this._start = start;
    this._steps = steps;
    this._verification = verification;
    this.ok = verification.ok;
    this.declaredCount = verification.declared.length;
    this.steps = steps.map(step => {
      const v = verification.steps.find(x => x.id === step.id)!;
      return {
        id: step.id,
        kind: step.kind,
        title: step.title,
        objectCount: step.objects.length,
        addedCount: step.added.length,
        removedCount: step.removed.length,
        enforcedBy: v.evaluator,
        allowedCount: v.allowed,
        missing: v.missing.map(formatFlow),
        beyond: v.beyond.map(formatFlow),
        ...(v.discipline ? { discipline: v.discipline } : {}),
        ok: v.ok,
      };
    });
  }

  /** The full manifest set in force after a step (`00-start-<from>` for the start). */
  public manifests(stepId: string): any[] {
    return stepId === this.startId ? this._start : this.step(stepId).objects;
  }

  /** The objects a step deletes. */
  public removedManifests(stepId: string): any[] {
    return this.step(stepId).removed;
  }

  /** The objects a step creates (absent before it): what rolling the step back deletes. */
  public createdManifests(stepId: string): any[] {
    return this.step(stepId).created;
  }

  /** Directory name of the current state. */
  public get startId(): string {
    return `00-start-${this.from}`;
  }

  /** The per-step table as aligned text. */
  public get table(): string {
    return formatPlanTable(this._verification, false);
  }

  /** Every problem, one line each (`01-add-cilium: MISSING ...`). */
  public get problems(): string[] {
    return formatPlanProblems(this._verification);
  }

  /** The Markdown runbook: per step what to apply, what to watch, how to roll back; the flow table; the target's graph. */
  public get runbook(): string {
    const systemsOf = (step: PlanStep) => systemsIn(step.objects);
    const target = this._steps[this._steps.length - 1]?.objects ?? this._start;
    const graph = renderGraphReport(this.catalog, this.to, proveReachability(this.catalog, this.to, target));
    return renderRunbook(this._verification, this._steps, systemsOf, graph, this.catalog._resolved, this.namespaces);
  }

  private step(id: string): PlanStep {
    const found = this._steps.find(s => s.id === id);
    if (!found) {
      throw new Error(`no step ${id} (steps: ${this._steps.map(s => s.id).join(', ')})`);
    }
    return found;
  }
}

/**
 * Synthesizes the phases a migration plan is built from, instead of `MeshLadderChart`:
 * your own chart's output, or manifests edited by hand. The plan still proves every step
 * against the catalog's declared flows.
 */
export interface IPhaseSynthesizer {
  /**
   * The full manifest set of a phase, as plain Kubernetes objects.
   * @param phase the phase to synthesize
   * @param permissive true for a mesh phase in permissive mode (authorization audited,
   *   plaintext accepted: the steps that add or leave a mesh), false for the phase as enforced
   */
  synthesize(phase: Phase, permissive: boolean): any[];
}

/**
 * Options of a migration plan: `MeshLadderChart`'s options (each phase's settings, the
 * target platform), which every step is synthesized and proven with, and the scope.
 */
export interface MigrationPlanOptions extends MeshLadderChartOptions {
  /**
   * Synthesizes the phases of every step (your own chart, hand-edited manifests); the
   * catalog, with these options, is still what every step is proven against.
   * @default - `MeshLadderChart.manifests` of the catalog with these options
   */
  readonly synthesizer?: IPhaseSynthesizer;
  /**
   * Migrate only the services of these catalog namespaces; the others stay on the `from`
   * phase. Across the boundary each side admits the other's pods as unmeshed peers (by
   * network, on the ports they call), and every step is proven over the whole catalog.
   * @default - every namespace
   */
  readonly namespaces?: string[];
  /**
   * Migrate only the catalog namespaces carrying all these labels (the `labels` of
   * `namespaces[]` in the catalog, e.g. `team: payments`); combined with `namespaces`, both.
   * @default - no label condition
   */
  readonly namespaceLabels?: Record<string, string>;
}

/** Catalog namespaces carrying every one of these labels. */
function labelled(catalog: ServiceCatalog, labels: Record<string, string>): string[] {
  return catalog._resolved.namespaces.filter(n => Object.entries(labels).every(([k, v]) => n.labels[k] === v)).map(n => n.name);
}

/** The scope, checked: catalog namespaces with services (and the labels), sorted, at least one. */
function checkScope(catalog: ServiceCatalog, namespaces: readonly string[], labels?: Record<string, string>): string[] {
  const known = [...new Set(catalog._resolved.services.map(s => s.namespace))].sort();
  const unknown = namespaces.filter(n => !known.includes(n));
  const chosen = labels ? namespaces.filter(n => labelled(catalog, labels).includes(n)) : [...namespaces];
  if (chosen.length === 0 || unknown.length > 0) {
    const by = labels ? ` labelled ${Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',')}` : '';
    throw new PlanScopeError(`namespaces to migrate must be catalog namespaces with services (${known.join(', ')})${by}${unknown.length > 0 ? `; unknown: ${unknown.join(', ')}` : ''}`);
  }
  const problems = scopeBoundaryProblems(catalog._resolved, ns => chosen.includes(ns));
  if (problems.length > 0) {
    throw new PlanScopeError(`the scope ${[...new Set(chosen)].sort().join(', ')} cannot be split from the rest: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? `; and ${problems.length - 5} more` : ''}`);
  }
  return [...new Set(chosen)].sort();
}

/** The namespace an object lives in (a Namespace: its own name); undefined when cluster-scoped. */
function namespaceOf(obj: any): string | undefined {
  return obj?.kind === 'Namespace' ? obj?.metadata?.name : obj?.metadata?.namespace;
}

/**
 * The synthesis of a namespace-scoped plan: the end `to` is the migrated part in `to`
 * next to the rest in `from`; the end `from` is the whole catalog in `from` as it is now,
 * and while it is relaxed, the migrated part relaxed next to the rest as it stays. Each
 * part is synthesized from its own catalog (the other part as boundary peers) and keeps
 * its own namespaces' objects; objects elsewhere (cluster-scoped, other namespaces) come
 * from both.
 */
function scopedSynthesis(
  catalog: ServiceCatalog, from: Phase, to: Phase, scope: readonly string[], whole: Synthesize,
): { synthesize: Synthesize; scopeStep: any[] } {
  const inScope = (ns: string) => scope.includes(ns);
  const catalogNamespaces = new Set(catalog._resolved.services.map(s => s.namespace));
  const part = (keep: (ns: string) => boolean) => ServiceCatalog.fromSpec(scopeCatalogSpec(catalog.spec, catalog._resolved, keep));
  const moving = part(inScope);
  const staying = part(ns => !inScope(ns));
  const side = (objects: readonly any[], keep: (ns: string) => boolean) => objects.filter(o => {
    const ns = namespaceOf(o);
    return ns === undefined || !catalogNamespaces.has(ns) || keep(ns);
  });
  const rest = side(MeshLadderChart.manifests(staying, from), ns => !inScope(ns));
  const mixed = (phase: Phase, variant: PhaseVariant) =>
    mergeManifests(rest, side(MeshLadderChart.manifests(variant === 'permissive' ? permissiveCatalog(moving) : moving, phase), inScope), 'newer');
  const start = whole(from, 'enforced');
  // Both forms of the current phase's rules: the whole catalog's and the two parts'.
  const scopeStep = mergeManifests(start, mixed(from, 'enforced'), 'older');
  const synthesize = (phase: string, variant: PhaseVariant) => {
    if (phase === to) {
      return mixed(to, variant);
    }
    return variant === 'enforced' ? start : mergeManifests(scopeStep, mixed(from, variant), 'newer');
  };
  return { synthesize, scopeStep };
}

/** The catalog with both meshes in permissive mode (the first steps into a mesh). */
function permissiveCatalog(catalog: ServiceCatalog): ServiceCatalog {
  const spec = catalog.spec;
  return ServiceCatalog.fromSpec({
    ...spec,
    linkerd: { ...spec.linkerd, mode: MeshMode.PERMISSIVE },
    istio: { ...spec.istio, mode: MeshMode.PERMISSIVE },
  });
}
