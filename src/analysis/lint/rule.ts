/**
 * What a lint rule is: its finding, the context it reads (emitted manifests, or the
 * resolved catalog and the phase), and the report the engine (./engine.ts) makes of the
 * findings. Manifest rules and catalog rules share one shape (`LintRuleOf`).
 */
import { ResolvedCatalog, ResolvedRoute, ResolvedService } from '../../model/resolved';

export type LintSeverity = 'error' | 'warning';

export interface LintFinding {
  /** Rule id, e.g. `retry-non-idempotent`. */
  readonly rule: string;
  readonly severity: LintSeverity;
  /** The object and part it is about, e.g. `VirtualService shop/cart route add-item`. */
  readonly subject: string;
  /** `namespace/name` of the catalog service, when known. */
  readonly service?: string;
  /** Route name, when the finding is about one. */
  readonly route?: string;
  /** What is wrong and what it causes. */
  readonly message: string;
  /** How to fix it. */
  readonly fix: string;
  /**
   * The reason the service's catalog entry gives for switching the rule off; a suppressed
   * finding is listed but does not fail.
   */
  readonly suppressed?: string;
}

/** One HTTP route of an emitted VirtualService, with where it came from. */
export interface LintHttpRoute {
  /** `namespace/name` of the VirtualService. */
  readonly virtualService: string;
  readonly index: number;
  readonly name?: string;
  readonly route: Record<string, any>;
  /** The catalog service whose host the VirtualService names, if any. */
  readonly service?: ResolvedService;
  /** The catalog route the HTTP route implements, if known. */
  readonly catalogRoute?: ResolvedRoute;
  /** True for the catch-all route the istio phase appends. */
  readonly catchAll: boolean;
}

/** What rules see. */
export interface LintContext {
  readonly manifests: ReadonlyArray<unknown>;
  readonly catalog?: ResolvedCatalog;
  /** Every HTTP route of every VirtualService, in manifest order. */
  readonly httpRoutes: ReadonlyArray<LintHttpRoute>;
}

/** What catalog rules see. */
export interface CatalogLintContext {
  readonly catalog: ResolvedCatalog;
  readonly phase: string;
}

/** A rule over what `C` gives it; `suppressed` is set by the engine, never by a rule. */
export interface LintRuleOf<C> {
  readonly id: string;
  readonly severity: LintSeverity;
  /** One line: what the rule catches. */
  readonly description: string;
  check(context: C): LintFinding[];
}

/** A rule over the emitted manifests. */
export type LintRule = LintRuleOf<LintContext>;

/** A rule over the resolved catalog and the phase (what the phase will make of it). */
export type CatalogLintRule = LintRuleOf<CatalogLintContext>;

export interface LintReport {
  /** Sorted: errors first, then by subject and rule; suppressed findings last. */
  readonly findings: LintFinding[];
  /** No error finding that is not suppressed. */
  readonly ok: boolean;
}

/** Milliseconds as the rules' texts write them: whole hours, whole seconds, or ms. */
export function formatMs(ms: number): string {
  if (ms % 3_600_000 === 0) {
    return `${ms / 3_600_000}h`;
  }
  if (ms % 1000 === 0) {
    return `${ms / 1000}s`;
  }
  return `${ms}ms`;
}
