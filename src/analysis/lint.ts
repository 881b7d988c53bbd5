/**
 * Lint of emitted manifests: rules that catch configurations that work in the happy path
 * and hurt in production. Each rule has an id, a severity (errors fail), and findings
 * that name the object and route, say what goes wrong, and how to fix it.
 *
 * The rules read the EMITTED objects (hand-edited or from any generator), optionally with
 * the catalog to know which routes are idempotent (otherwise the HTTP method decides).
 *
 * Istio rules (VirtualService http routes):
 * - `implicit-default-retries` (error): a route without a `retries` block. Istio then
 *   retries twice on connect-failure, refused-stream, unavailable, cancelled and 503, also
 *   when the server already processed the request: a POST may run three times.
 * - `retry-non-idempotent` (error): a route whose requests are not idempotent retries on a
 *   condition that can fire after the request reached the server.
 * - `fault-with-retries-or-timeout` (warning): fault injection on a route that also has
 *   retries or a timeout; Istio turns both off on a route with a fault, so real traffic on
 *   that route silently loses them.
 * - `retry-budget-exceeds-timeout` (warning): attempts x perTryTimeout exceeds the route
 *   timeout: the last retries can never happen.
 */
import { parseDuration } from '../model/duration';
import { IDEMPOTENT_METHODS } from '../model/idempotency';
import { ResolvedCatalog, ResolvedRoute, ResolvedService } from '../model/resolved';
import { HttpMethod } from '../model/types';

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

export interface LintRule {
  readonly id: string;
  readonly severity: LintSeverity;
  /** One line: what the rule catches. */
  readonly description: string;
  check(context: LintContext): LintFinding[];
}

export interface LintReport {
  /** Sorted: errors first, then by subject and rule. */
  readonly findings: LintFinding[];
  /** No error finding. */
  readonly ok: boolean;
}

/** Retry conditions that fire before the server saw the request (safe for any request). */
export const PRE_REQUEST_RETRY_ON: ReadonlySet<string> = new Set(['connect-failure', 'refused-stream', 'reset-before-request']);
/** What Istio retries on when a route has no `retries` block, or no `retryOn`. */
export const ISTIO_DEFAULT_RETRY_ON = 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes';
export const ISTIO_DEFAULT_ATTEMPTS = 2;
/** Suffix of the header-scoped fault routes the istio phase emits. */
const FAULT_ROUTE_SUFFIX = '-fault-injection';

function isRecord(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function subjectOf(r: LintHttpRoute): string {
  return `VirtualService ${r.virtualService} route ${r.name ?? `#${r.index}`}`;
}

function base(r: LintHttpRoute): Pick<LintFinding, 'subject' | 'service' | 'route'> {
  return {
    subject: subjectOf(r),
    ...(r.service ? { service: r.service.id } : {}),
    ...(r.name !== undefined ? { route: r.name } : {}),
  };
}

/**
 * Whether every request the route matches is idempotent: the catalog's declaration when
 * the route is known, else every match entry must name an idempotent method (a route
 * without a method match takes any method). The catch-all route never is.
 */
export function routeIsIdempotent(r: LintHttpRoute): boolean {
  if (r.catchAll) {
    return false;
  }
  if (r.catalogRoute) {
    return r.catalogRoute.idempotent;
  }
  const matches = Array.isArray(r.route.match) ? r.route.match : [];
  return matches.length > 0 && matches.every((m: any) => isRecord(m) && isRecord(m.method)
    && typeof m.method.exact === 'string' && IDEMPOTENT_METHODS.has(m.method.exact as HttpMethod));
}

/** The effective retries of a route: attempts and conditions (Istio's defaults filled in). */
export function effectiveRetries(route: Record<string, any>): { attempts: number; retryOn: string[]; implicit: boolean } {
  const retries = route.retries;
  if (!isRecord(retries)) {
    return { attempts: ISTIO_DEFAULT_ATTEMPTS, retryOn: ISTIO_DEFAULT_RETRY_ON.split(','), implicit: true };
  }
  const attempts = typeof retries.attempts === 'number' ? retries.attempts : 0;
  const retryOn = typeof retries.retryOn === 'string' && retries.retryOn.trim() !== ''
    ? retries.retryOn.split(',').map((s: string) => s.trim()).filter((s: string) => s !== '')
    : ISTIO_DEFAULT_RETRY_ON.split(',');
  return { attempts: Math.max(0, attempts), retryOn, implicit: false };
}

const implicitDefaultRetries: LintRule = {
  id: 'implicit-default-retries',
  severity: 'error',
  description: 'an HTTP route without a retries block gets Istio\'s default retries (2 attempts, also after the server processed the request)',
  check: ctx => ctx.httpRoutes.filter(r => !isRecord(r.route.retries)).map(r => ({
    rule: 'implicit-default-retries',
    severity: 'error' as const,
    ...base(r),
    message: `no retries block: Istio retries ${ISTIO_DEFAULT_ATTEMPTS} times on ${ISTIO_DEFAULT_RETRY_ON.replace(/,/g, ', ')} (503), `
      + 'including after the server may have processed the request; a POST can run three times',
    fix: routeIsIdempotent(r)
      ? 'add an explicit retries block: the attempts, perTryTimeout and retryOn this idempotent route may use, or attempts: 0'
      : 'add retries: { attempts: 0 } (or only connect-failure, refused-stream, reset-before-request)',
  })),
};

const retryNonIdempotent: LintRule = {
  id: 'retry-non-idempotent',
  severity: 'error',
  description: 'a route whose requests are not idempotent retries on a condition that fires after the request reached the server',
  check: ctx => ctx.httpRoutes.flatMap(r => {
    const retries = effectiveRetries(r.route);
    if (retries.implicit || retries.attempts === 0 || routeIsIdempotent(r)) {
      return [];
    }
    const unsafe = retries.retryOn.filter(c => !PRE_REQUEST_RETRY_ON.has(c));
    if (unsafe.length === 0) {
      return [];
    }
    const why = r.catchAll
      ? 'the catch-all route takes any request'
      : r.catalogRoute ? 'the catalog declares it non-idempotent' : 'its match admits non-idempotent methods (gRPC and method-less matches count as POST)';
    return [{
      rule: 'retry-non-idempotent',
      severity: 'error' as const,
      ...base(r),
      message: `retries ${retries.attempts} time(s) on ${unsafe.join(', ')}${isRecord(r.route.retries) && r.route.retries.retryOn === undefined ? ' (Istio\'s default retryOn)' : ''}, `
        + `but ${why}: a request the server already processed runs again`,
      fix: 'set attempts: 0, or retry only on connect-failure, refused-stream, reset-before-request; if repeating it is harmless, '
        + 'declare the route idempotent in the catalog and lint with it',
    }];
  }),
};

const faultWithRetriesOrTimeout: LintRule = {
  id: 'fault-with-retries-or-timeout',
  severity: 'warning',
  description: 'fault injection on a route that also has retries or a timeout (Istio turns both off on that route)',
  check: ctx => ctx.httpRoutes.flatMap(r => {
    if (!isRecord(r.route.fault)) {
      return [];
    }
    const retries = effectiveRetries(r.route);
    const parts = [
      ...(retries.attempts > 0 ? [`retries (${retries.attempts} attempts${retries.implicit ? ', Istio\'s default' : ''})`] : []),
      ...(r.route.timeout !== undefined ? [`timeout ${r.route.timeout}`] : []),
    ];
    if (parts.length === 0) {
      return [];
    }
    return [{
      rule: 'fault-with-retries-or-timeout',
      severity: 'warning' as const,
      ...base(r),
      message: `fault injection with ${parts.join(' and ')}: Istio disables retries and timeouts on a route with a fault, so every request of this route silently loses them`,
      fix: 'scope the fault to test traffic (fault headers): it then gets a route of its own with retries: { attempts: 0 } and no timeout, and normal traffic keeps both',
    }];
  }),
};

const retryBudgetExceedsTimeout: LintRule = {
  id: 'retry-budget-exceeds-timeout',
  severity: 'warning',
  description: 'attempts x perTryTimeout exceeds the route timeout, so the last retries never happen',
  check: ctx => ctx.httpRoutes.flatMap(r => {
    const retries = r.route.retries;
    if (!isRecord(retries) || typeof retries.attempts !== 'number' || retries.attempts <= 0
      || typeof retries.perTryTimeout !== 'string' || typeof r.route.timeout !== 'string') {
      return [];
    }
    const perTry = parseDuration(retries.perTryTimeout);
    const timeout = parseDuration(r.route.timeout);
    if (perTry === undefined || timeout === undefined || timeout === 0 || retries.attempts * perTry <= timeout) {
      return [];
    }
    return [{
      rule: 'retry-budget-exceeds-timeout',
      severity: 'warning' as const,
      ...base(r),
      message: `${retries.attempts} attempts x perTryTimeout ${retries.perTryTimeout} = ${retries.attempts * perTry}ms exceeds the route timeout ${r.route.timeout}: the request times out before the last retries`,
      fix: `lower attempts or perTryTimeout, or raise the timeout (at least ${retries.attempts * perTry}ms; the first try also counts against it)`,
    }];
  }),
};

/** Every rule, in report order. Later issues add theirs here. */
export const LINT_RULES: ReadonlyArray<LintRule> = [
  implicitDefaultRetries,
  retryNonIdempotent,
  faultWithRetriesOrTimeout,
  retryBudgetExceedsTimeout,
];

/** The catalog service a VirtualService host names (`name`, `name.ns`, `name.ns.svc[.domain]`). */
function serviceForHost(catalog: ResolvedCatalog, host: string, namespace: string): ResolvedService | undefined {
  const parts = host.split('.');
  const name = parts[0];
  const ns = parts.length > 1 ? parts[1] : namespace;
  const full = `${name}.${ns}.svc.${catalog.clusterDomain}`;
  if (parts.length > 2 && host !== full && host !== `${name}.${ns}.svc`) {
    return undefined;
  }
  return catalog.services.find(s => s.name === name && s.namespace === ns && !s.clientOnly);
}

/** Every HTTP route of the VirtualServices among `manifests`, mapped to the catalog when given. */
export function collectHttpRoutes(manifests: ReadonlyArray<unknown>, catalog?: ResolvedCatalog): LintHttpRoute[] {
  const out: LintHttpRoute[] = [];
  for (const m of manifests) {
    if (!isRecord(m) || m.kind !== 'VirtualService' || typeof m.apiVersion !== 'string' || !m.apiVersion.startsWith('networking.istio.io/')) {
      continue;
    }
    const namespace = isRecord(m.metadata) && typeof m.metadata.namespace === 'string' ? m.metadata.namespace : 'default';
    const name = isRecord(m.metadata) && typeof m.metadata.name === 'string' ? m.metadata.name : '(unnamed)';
    const spec = isRecord(m.spec) ? m.spec : {};
    const hosts: string[] = Array.isArray(spec.hosts) ? spec.hosts.filter((h: unknown) => typeof h === 'string') : [];
    const service = catalog ? hosts.map(h => serviceForHost(catalog, h, namespace)).find(s => s !== undefined) : undefined;
    const http: unknown[] = Array.isArray(spec.http) ? spec.http : [];
    http.forEach((route, index) => {
      if (!isRecord(route)) {
        return;
      }
      const routeName = typeof route.name === 'string' ? route.name : undefined;
      const baseName = routeName?.endsWith(FAULT_ROUTE_SUFFIX) ? routeName.slice(0, -FAULT_ROUTE_SUFFIX.length) : routeName;
      const catalogRoute = service && baseName !== undefined ? service.routes.find(r => r.name === baseName) : undefined;
      const matches = Array.isArray(route.match) ? route.match : [];
      const catchAll = !catalogRoute && (matches.length === 0 || matches.every((x: unknown) => isRecord(x) && Object.keys(x).length === 0));
      out.push({ virtualService: `${namespace}/${name}`, index, name: routeName, route, service, catalogRoute, catchAll });
    });
  }
  return out;
}

/** Runs the rules over the manifests. */
export function lintManifests(
  manifests: ReadonlyArray<unknown>,
  options: { readonly catalog?: ResolvedCatalog; readonly rules?: ReadonlyArray<LintRule> } = {},
): LintReport {
  const context: LintContext = { manifests, catalog: options.catalog, httpRoutes: collectHttpRoutes(manifests, options.catalog) };
  const findings = (options.rules ?? LINT_RULES).flatMap(rule => rule.check(context));
  const rank = (f: LintFinding) => (f.severity === 'error' ? 0 : 1);
  const compare = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  findings.sort((a, b) => rank(a) - rank(b) || compare(a.subject, b.subject) || compare(a.rule, b.rule));
  return { findings, ok: !findings.some(f => f.severity === 'error') };
}

/** `error retry-non-idempotent VirtualService shop/cart route add-item: ... Fix: ...` */
export function formatLintFinding(f: LintFinding): string {
  return `${f.severity} ${f.rule} ${f.subject}: ${f.message}. Fix: ${f.fix}.`;
}

/** The findings one per line, then a summary line. */
export function formatLintText(report: LintReport): string {
  const errors = report.findings.filter(f => f.severity === 'error').length;
  const warnings = report.findings.length - errors;
  return [...report.findings.map(formatLintFinding), `lint: ${errors} error(s), ${warnings} warning(s): ${report.ok ? 'OK' : 'FAIL'}`].join('\n') + '\n';
}
