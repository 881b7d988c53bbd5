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
 * - `max-retries-caps-route-retries` (warning): a DestinationRule `maxRetries` below
 *   MAX_RETRIES_LINT_FLOOR on a host whose routes retry (a cap on concurrent retries
 *   across all callers, not per request).
 */
import { CERTIFICATE_LINT_RULES } from './lint-certificates';
import { parseDuration } from '../model/duration';
import { IDEMPOTENT_METHODS } from '../model/idempotency';
import { isMeshPhase } from '../model/phase';
import { ResolvedCaller, ResolvedCatalog, ResolvedPeer, ResolvedPort, ResolvedRoute, ResolvedService } from '../model/resolved';
import { isL7Port } from '../model/routes';
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

export interface LintRule {
  readonly id: string;
  readonly severity: LintSeverity;
  /** One line: what the rule catches. */
  readonly description: string;
  check(context: LintContext): LintFinding[];
}

export interface LintReport {
  /** Sorted: errors first, then by subject and rule; suppressed findings last. */
  readonly findings: LintFinding[];
  /** No error finding that is not suppressed. */
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

/**
 * Below this many concurrent retries a DestinationRule's `maxRetries` starts to bite in
 * ordinary load: Envoy's circuit breaker counts outstanding retries across every caller
 * of the host (envoyproxy/envoy api/envoy/config/cluster/v3/circuit_breaker.proto,
 * `max_retries`; Istio's `connectionPool.http.maxRetries`), not per request.
 */
export const MAX_RETRIES_LINT_FLOOR = 10;

/** `maxRetries` of each DestinationRule host, as emitted. */
function maxRetriesByHost(manifests: ReadonlyArray<unknown>): Map<string, { rule: string; maxRetries: number }> {
  const out = new Map<string, { rule: string; maxRetries: number }>();
  for (const m of manifests) {
    if (!isRecord(m) || m.kind !== 'DestinationRule' || !isRecord(m.spec) || typeof m.spec.host !== 'string') {
      continue;
    }
    const maxRetries = m.spec.trafficPolicy?.connectionPool?.http?.maxRetries;
    if (typeof maxRetries === 'number') {
      out.set(m.spec.host, { rule: `${m.metadata?.namespace ?? 'default'}/${m.metadata?.name}`, maxRetries });
    }
  }
  return out;
}

const maxRetriesCapsRouteRetries: LintRule = {
  id: 'max-retries-caps-route-retries',
  severity: 'warning',
  description: `a DestinationRule's maxRetries below ${MAX_RETRIES_LINT_FLOOR} on a host whose routes retry: it caps concurrent retries across all callers, so under load retries are silently skipped`,
  check: ctx => {
    const byHost = maxRetriesByHost(ctx.manifests);
    const retriedByVs = new Map<string, { host: string; routes: string[] }>();
    for (const m of ctx.manifests) {
      if (!isRecord(m) || m.kind !== 'VirtualService' || !isRecord(m.spec) || !Array.isArray(m.spec.hosts) || !Array.isArray(m.spec.http)) {
        continue;
      }
      const routes = m.spec.http.filter((r: unknown) => isRecord(r) && isRecord(r.retries) && typeof r.retries.attempts === 'number' && r.retries.attempts > 0)
        .map((r: Record<string, any>) => String(r.name ?? '(unnamed)'));
      const host = m.spec.hosts.find((h: unknown) => typeof h === 'string' && byHost.has(h));
      if (host !== undefined && routes.length > 0) {
        retriedByVs.set(`${m.metadata?.namespace ?? 'default'}/${m.metadata?.name}`, { host, routes: [...new Set(routes)] });
      }
    }
    return [...retriedByVs.values()].flatMap(({ host, routes }) => {
      const dr = byHost.get(host)!;
      if (dr.maxRetries >= MAX_RETRIES_LINT_FLOOR) {
        return [];
      }
      const service = ctx.catalog?.services.find(s => host.startsWith(`${s.name}.${s.namespace}.`));
      return [{
        rule: 'max-retries-caps-route-retries',
        severity: 'warning' as const,
        subject: `DestinationRule ${dr.rule}`,
        ...(service ? { service: service.id } : {}),
        message: `maxRetries ${dr.maxRetries} is Envoy's cap on retries in flight to ${host} from all callers at once, not a per-request count: `
          + `under load, retries of ${routes.join(', ')} beyond ${dr.maxRetries} concurrent ones are skipped without a trace`,
        fix: 'raise trafficPolicy.maxRetries (the istio phase\'s default is 64), or leave it unset; the retries per request are each route\'s retries.attempts',
      }];
    });
  },
};

/** Every rule, in report order. Later issues add theirs here. */
export const LINT_RULES: ReadonlyArray<LintRule> = [
  implicitDefaultRetries,
  retryNonIdempotent,
  faultWithRetriesOrTimeout,
  retryBudgetExceedsTimeout,
  maxRetriesCapsRouteRetries,
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
  return `${f.suppressed !== undefined ? `suppressed ${f.severity}` : f.severity} ${f.rule} ${f.subject}: ${f.message}. Fix: ${f.fix}.`
    + (f.suppressed !== undefined ? ` Suppressed: ${f.suppressed}` : '');
}

/** The findings one per line, then a summary line. */
export function formatLintText(report: LintReport): string {
  const active = report.findings.filter(f => f.suppressed === undefined);
  const errors = active.filter(f => f.severity === 'error').length;
  const warnings = active.length - errors;
  const suppressed = report.findings.length - active.length;
  return [...report.findings.map(formatLintFinding),
    `lint: ${errors} error(s), ${warnings} warning(s)${suppressed > 0 ? `, ${suppressed} suppressed` : ''}: ${report.ok ? 'OK' : 'FAIL'}`].join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------
// Catalog rules: read the resolved catalog and the phase (what the phase will make of it).
//
// Exposure and peers (all warnings, suppressible per service except `unused-peer`):
// - `exposed-without-route-restriction`: the ingress controller may send any request to an
//   HTTP port although the phase could limit it to routes;
// - `exposed-all-ports`: `exposed: true` on a service with several ports (metrics, admin);
// - `world-caller`: the whole world (not a partner range) may call a service directly;
// - `metrics-port-exposed`: a metrics port is open to the ingress controller or the world;
// - `unused-peer`: a declared peer nobody calls or is called by;
// - `peer-without-identity`: mesh phases: a meshed, labelled peer without serviceAccount
//   can only be authorized by namespace;
// - `version-calls-shared-identity`: mesh phases: a version with calls of its own shares
//   its service account with other pods, which then get the mesh grant too.

/** What catalog rules see. */
export interface CatalogLintContext {
  readonly catalog: ResolvedCatalog;
  readonly phase: string;
}

export interface CatalogLintRule {
  readonly id: string;
  readonly severity: LintSeverity;
  readonly description: string;
  check(context: CatalogLintContext): LintFinding[];
}


function formatMs(ms: number): string {
  if (ms % 3_600_000 === 0) {
    return `${ms / 3_600_000}h`;
  }
  if (ms % 1000 === 0) {
    return `${ms / 1000}s`;
  }
  return `${ms}ms`;
}

function routeFinding(rule: CatalogLintRule, service: ResolvedService, route: ResolvedRoute, message: string, fix: string): LintFinding {
  return { rule: rule.id, severity: rule.severity, subject: `service ${service.id} route ${route.name}`, service: service.id, route: route.name, message, fix };
}

function servedRoutes(catalog: ResolvedCatalog): Array<{ service: ResolvedService; route: ResolvedRoute }> {
  return catalog.services.filter(s => !s.clientOnly).flatMap(service => service.routes.map(route => ({ service, route })));
}

const retriesOnNonIdempotentRoute: CatalogLintRule = {
  id: 'retry-non-idempotent-route',
  severity: 'warning',
  description: 'a route that is not idempotent retries (the catalog already refuses conditions that fire after the request was sent)',
  check(ctx) {
    return servedRoutes(ctx.catalog).filter(({ route }) => !route.idempotent && route.retries && route.retries.attempts > 0)
      .map(({ service, route }) => routeFinding(this, service, route,
        `not idempotent (${route.idempotentSource === 'declared' ? 'declared so' : route.idempotentSource === 'method' ? `${route.http?.method}` : 'gRPC and method-less routes are non-idempotent by default'}) `
        + `but retries ${route.retries!.attempts} time(s) on ${route.retries!.on.join(', ')}: safe only while every proxy honours these pre-request conditions exactly`,
        'drop the retries, or declare the route idempotent: true if repeating it is harmless (e.g. the API deduplicates on an idempotency key)'));
  },
};

const retriesWithoutPerTryTimeout: CatalogLintRule = {
  id: 'retry-without-per-try-timeout',
  severity: 'warning',
  description: 'a route retries without a perTryTimeout, so one slow try can use the whole route timeout',
  check(ctx) {
    return servedRoutes(ctx.catalog).filter(({ route }) => route.retries && route.retries.attempts > 0 && route.retries.perTryTimeoutMs === undefined)
      .map(({ service, route }) => routeFinding(this, service, route,
        `retries ${route.retries!.attempts} time(s) without a perTryTimeout: a hanging first try consumes ${route.timeoutMs !== undefined ? `the whole ${formatMs(route.timeoutMs)} timeout` : 'the request\'s whole deadline'} and no retry happens`,
        `set retries.perTryTimeout (at most timeout / (attempts + 1)${route.timeoutMs !== undefined ? `, here ${formatMs(Math.floor(route.timeoutMs / (route.retries!.attempts + 1)))}` : ''})`));
  },
};

const retryBudgetOverTimeout: CatalogLintRule = {
  id: 'retry-budget-over-timeout',
  severity: 'warning',
  description: 'attempts x perTryTimeout exceeds the route timeout, so the last retries never happen',
  check(ctx) {
    return servedRoutes(ctx.catalog).filter(({ route }) => route.retries && route.retries.attempts > 0 && route.retries.perTryTimeoutMs !== undefined
      && route.timeoutMs !== undefined && route.timeoutMs > 0 && route.retries.attempts * route.retries.perTryTimeoutMs > route.timeoutMs)
      .map(({ service, route }) => {
        const budget = route.retries!.attempts * route.retries!.perTryTimeoutMs!;
        return routeFinding(this, service, route,
          `${route.retries!.attempts} attempts x perTryTimeout ${formatMs(route.retries!.perTryTimeoutMs!)} = ${formatMs(budget)} exceeds the route timeout ${formatMs(route.timeoutMs!)}: the request times out before the last retries`,
          `lower attempts or perTryTimeout, or raise the timeout to at least ${formatMs(budget)}`);
      });
  },
};

const routeWithoutTimeout: CatalogLintRule = {
  id: 'route-without-timeout',
  severity: 'warning',
  description: 'a route has no timeout in a mesh phase (the proxy then waits as long as the client does)',
  check(ctx) {
    if (!isMeshPhase(ctx.phase) || (ctx.phase === 'istio' && ctx.catalog.istio.defaultTimeoutMs > 0)) {
      return [];
    }
    return servedRoutes(ctx.catalog).filter(({ route }) => route.timeoutMs === undefined)
      .map(({ service, route }) => routeFinding(this, service, route,
        `no timeout in the ${ctx.phase} phase: a hanging backend holds the caller's connection and retries never start`,
        ctx.phase === 'istio' ? 'set the route\'s timeout, or istio.defaultTimeout for every route' : 'set the route\'s timeout'));
  },
};

const faultWithRetriesOrTimeoutRoute: CatalogLintRule = {
  id: 'fault-on-route-with-retries-or-timeout',
  severity: 'warning',
  description: 'a route injects faults into every request and also has retries or a timeout (a mesh turns both off on a faulty route)',
  check(ctx) {
    return servedRoutes(ctx.catalog).filter(({ route }) => route.fault && Object.keys(route.fault.headers).length === 0
      && ((route.retries?.attempts ?? 0) > 0 || route.timeoutMs !== undefined))
      .map(({ service, route }) => routeFinding(this, service, route,
        `fault injection on every request together with ${[(route.retries?.attempts ?? 0) > 0 ? 'retries' : '', route.timeoutMs !== undefined ? `timeout ${formatMs(route.timeoutMs)}` : ''].filter(x => x).join(' and ')}: `
        + 'Istio disables retries and timeouts on a route with a fault, so real traffic loses them',
        'scope the fault to test traffic with fault.headers (it then gets a route of its own), or drop the retries and timeout while testing'));
  },
};

function certificatesOf(catalog: ResolvedCatalog): Array<{ subject: string; service?: string; durationMs: number; renewBeforeMs: number }> {
  if (!catalog.certificates.enabled) {
    return [];
  }
  return [
    { subject: 'certificates (catalog defaults)', durationMs: catalog.certificates.durationMs, renewBeforeMs: catalog.certificates.renewBeforeMs },
    ...catalog.services.filter(s => s.certificate).map(s => ({ subject: `service ${s.id} certificate ${s.certificate!.secretName}`, service: s.id, durationMs: s.certificate!.durationMs, renewBeforeMs: s.certificate!.renewBeforeMs })),
  ];
}

const certificateRenewalWindow: CatalogLintRule = {
  id: 'certificate-renew-window',
  severity: 'warning',
  description: 'a certificate\'s renewBefore is under a third of its duration, leaving little time to notice a failed renewal',
  check(ctx) {
    return certificatesOf(ctx.catalog).filter(c => c.renewBeforeMs * 3 < c.durationMs).map(c => ({
      rule: this.id,
      severity: this.severity,
      subject: c.subject,
      ...(c.service ? { service: c.service } : {}),
      message: `renewBefore ${formatMs(c.renewBeforeMs)} is less than a third of the duration ${formatMs(c.durationMs)}: a renewal that fails (issuer down, rate limit) leaves little time before expiry`,
      fix: `set renewBefore to at least ${formatMs(Math.ceil(c.durationMs / 3))} (cert-manager's default is a third of the lifetime)`,
    }));
  },
};

const caOutlivesLeaves: CatalogLintRule = {
  id: 'ca-shorter-than-leaf',
  severity: 'error',
  description: 'the generated CA\'s lifetime is shorter than a leaf\'s duration plus renewBefore, so leaves outlive their CA',
  check(ctx) {
    const certs = ctx.catalog.certificates;
    if (!certs.enabled || certs.issuerRef) {
      return [];
    }
    return certificatesOf(ctx.catalog).filter(c => certs.caDurationMs < c.durationMs + c.renewBeforeMs).map(c => ({
      rule: this.id,
      severity: this.severity,
      subject: c.subject,
      ...(c.service ? { service: c.service } : {}),
      message: `the CA ${certs.caName} lives ${formatMs(certs.caDurationMs)}, less than the leaf's duration ${formatMs(c.durationMs)} + renewBefore ${formatMs(c.renewBeforeMs)}: leaves signed late in the CA's life outlive it and fail validation`,
      fix: `raise certificates.caDuration above ${formatMs(c.durationMs + c.renewBeforeMs)} (or shorten the leaf's duration)`,
    }));
  },
};

function describePort(port: ResolvedPort): string {
  return port.name ? `${port.name} (${port.port})` : String(port.port);
}

/** The ingress controller's caller entries (`exposed: true` or `callers`), split ones left out (their split service has them). */
function ingressCallers(service: ResolvedService): ResolvedCaller[] {
  return service.callers.filter(c => c.peer.name === 'ingress-controller' && c.source !== 'split');
}

/** A world peer that covers every address (0.0.0.0/0 or ::/0), not a partner range. */
function isWholeWorld(peer: ResolvedPeer): boolean {
  return peer.kind === 'world' && peer.cidrs.some(c => c === '0.0.0.0/0' || c === '::/0');
}

const exposedWithoutRoutes: CatalogLintRule = {
  id: 'exposed-without-route-restriction',
  severity: 'warning',
  description: 'the ingress controller may send any request to an HTTP port in a phase that could limit it to declared routes',
  check(ctx) {
    if (ctx.phase === 'baseline') {
      return [];
    }
    return ctx.catalog.services.filter(s => !s.clientOnly).flatMap(s => ingressCallers(s)
      .filter(c => c.routes.length === 0 && c.ports.some(isL7Port))
      .map(c => {
        const l7 = c.ports.filter(isL7Port);
        const served = s.routes.filter(r => r.ports.some(p => l7.includes(p))).map(r => r.name);
        const how = c.source === 'exposed' ? 'exposed: true' : 'its callers entry';
        return {
          rule: this.id,
          severity: this.severity,
          subject: `service ${s.id}`,
          service: s.id,
          message: served.length === 0
            ? `exposed to the ingress with no routes: the ${ctx.phase} phase could limit outside traffic to declared methods and paths, but lets every request through`
            : `${how} lets the ingress controller send any request to ${l7.map(describePort).join(', ')}, although the service declares routes (${served.join(', ')}) the ${ctx.phase} phase could limit it to`,
          fix: served.length === 0
            ? 'declare the routes the outside may call (routes: [{ name, http: { method, path } }]) and list them: callers: [{ peer: ingress-controller, routes: [...] }]'
            : `limit the ingress to the routes the outside needs: callers: [{ peer: ingress-controller, routes: [${served.join(', ')}] }]${c.source === 'exposed' ? ' instead of exposed: true' : ''}`,
        };
      }));
  },
};

const exposedAllPorts: CatalogLintRule = {
  id: 'exposed-all-ports',
  severity: 'warning',
  description: 'exposed: true opens every port of a service with several ports (metrics and admin ports included) to the ingress controller',
  check(ctx) {
    return ctx.catalog.services.filter(s => !s.clientOnly && s.ports.length > 1 && s.callers.some(c => c.source === 'exposed')).map(s => {
      const metrics = s.ports.filter(p => p.metrics);
      const outward = s.ports.filter(p => !p.metrics);
      const suggested = outward.filter(isL7Port).length > 0 ? outward.filter(isL7Port) : outward.slice(0, 1);
      return {
        rule: this.id,
        severity: this.severity,
        subject: `service ${s.id}`,
        service: s.id,
        message: `exposed: true lets the ingress controller call every port: ${s.ports.map(describePort).join(', ')}`
          + (metrics.length > 0 ? ` (the metrics port${metrics.length > 1 ? 's' : ''} ${metrics.map(describePort).join(', ')} included)` : ''),
        fix: `replace exposed: true by the ports (or routes) the outside needs: callers: [{ peer: ingress-controller, ports: [${suggested.map(p => p.ref).join(', ')}] }]`,
      };
    });
  },
};

const worldCaller: CatalogLintRule = {
  id: 'world-caller',
  severity: 'warning',
  description: 'a service is callable from every address outside the cluster, not through the ingress controller',
  check(ctx) {
    return ctx.catalog.services.flatMap(s => s.callers.filter(c => c.source !== 'split' && isWholeWorld(c.peer)).map(c => ({
      rule: this.id,
      severity: this.severity,
      subject: `service ${s.id} caller ${c.peer.name}`,
      service: s.id,
      message: `peer ${c.peer.name} (${c.peer.cidrs.join(', ')}) may call ${c.ports.map(describePort).join(', ')}${c.routes.length > 0 ? ` (routes ${c.routes.map(r => r.name).join(', ')})` : ''} `
        + 'straight from outside the cluster: no ingress controller terminates, authenticates or rate-limits that traffic, and no mesh identity exists for it',
      fix: 'route outside traffic through the ingress controller (callers: [{ peer: ingress-controller, ports/routes }]); '
        + 'if a partner calls directly, declare its ranges (peers: [{ name: partner, world: true, cidrs: [...] }]) and name that peer instead',
    })));
  },
};

const unusedPeer: CatalogLintRule = {
  id: 'unused-peer',
  severity: 'warning',
  description: 'a declared peer that no service calls and that calls no service',
  check(ctx) {
    const used = new Set<string>();
    for (const s of ctx.catalog.services) {
      s.callers.forEach(c => used.add(c.peer.name));
      s.peerCalls.forEach(c => used.add(c.peer.name));
      s.versions.forEach(v => v.peerCalls.forEach(c => used.add(c.peer.name)));
    }
    return ctx.catalog.peers.filter(p => !p.builtIn && !used.has(p.name)).map(p => ({
      rule: this.id,
      severity: this.severity,
      subject: `peer ${p.name}`,
      message: `declared in peers but no service lists it in callers or calls: it has no effect${p.name === 'monitoring' ? ' (no port is marked metrics: true)' : ''}`,
      fix: p.name === 'monitoring'
        ? 'mark the ports Prometheus scrapes with metrics: true, or remove the peer'
        : `name it where it is meant to apply (callers: [{ peer: ${p.name} }] or calls: [{ peer: ${p.name}, port }]), or remove it`,
    }));
  },
};

const metricsPortExposed: CatalogLintRule = {
  id: 'metrics-port-exposed',
  severity: 'warning',
  description: 'a metrics port is also open to the ingress controller or to the world',
  check(ctx) {
    return ctx.catalog.services.flatMap(s => s.ports.filter(p => p.metrics).flatMap(port => {
      const outside = s.callers.filter(c => c.source !== 'split' && (c.peer.name === 'ingress-controller' || c.peer.kind === 'world') && c.ports.includes(port));
      if (outside.length === 0) {
        return [];
      }
      const names = [...new Set(outside.map(c => c.peer.name))].sort();
      return [{
        rule: this.id,
        severity: this.severity,
        subject: `service ${s.id} port ${port.ref}`,
        service: s.id,
        message: `metrics port ${describePort(port)} is open to ${names.join(' and ')}${outside.some(c => c.source === 'exposed') ? ' (exposed: true opens every port)' : ''}: `
          + 'metrics reveal internals (versions, paths, load) to outside callers',
        fix: `leave ${port.ref} to the monitoring peer: limit ${names.join(' and ')} to the other ports (callers: [{ peer: ${names[0]}, ports: [...] }])${outside.some(c => c.source === 'exposed') ? ' instead of exposed: true' : ''}`,
      }];
    }));
  },
};

const peerWithoutIdentity: CatalogLintRule = {
  id: 'peer-without-identity',
  severity: 'warning',
  description: 'a meshed peer selected by pod labels has no serviceAccount: mesh phases can only authorize its namespace(s), not its pods',
  check(ctx) {
    if (!isMeshPhase(ctx.phase)) {
      return [];
    }
    return ctx.catalog.services.flatMap(s => s.callers.filter(c => {
      const p = c.peer;
      return c.source !== 'split' && p.kind === 'pods' && p.meshed && p.serviceAccount === undefined
        && Object.keys(p.selector).length > 0 && p.namespaceSelector === undefined;
    }).map(c => {
      const p = c.peer;
      const labels = Object.entries(p.selector).map(([k, v]) => `${k}=${v}`).join(',');
      const scope = p.namespace !== undefined ? `every workload in namespace ${p.namespace}` : 'every meshed workload of the cluster';
      return {
        rule: this.id,
        severity: this.severity,
        subject: `service ${s.id} caller ${p.name}`,
        service: s.id,
        message: `peer ${p.name} is the pods labelled ${labels}${p.namespace !== undefined ? ` in ${p.namespace}` : ''}, but mesh identity is per service account: the ${ctx.phase} phase authorizes ${scope}, `
          + 'and only the L4 layer below narrows it to the labels',
        fix: p.namespace !== undefined
          ? `give the peer's service account (peers: [{ name: ${p.name}, namespace: ${p.namespace}, serviceAccount: ... }])`
          : 'give the peer a namespace and its service account, or keep an L4 layer under the mesh',
      };
    }));
  },
};

const versionCallsSharedIdentity: CatalogLintRule = {
  id: 'version-calls-shared-identity',
  severity: 'warning',
  description: 'a canary version calls services on its own but shares its service account with other versions: mesh authorization (per identity) grants those calls to them too',
  check(ctx) {
    if (!isMeshPhase(ctx.phase)) {
      return [];
    }
    return ctx.catalog.services.flatMap(s => s.versions.filter(v => v.calls.some(c => c.kind === 'service')).flatMap(v => {
      const sharing = s.versions.filter(o => o !== v && o.backend === undefined && o.serviceAccount === v.serviceAccount).map(o => o.name);
      if (sharing.length === 0) {
        return [];
      }
      const callees = [...new Set(v.calls.flatMap(c => (c.kind === 'service' ? [c.targetId] : [])))].sort();
      return [{
        rule: this.id,
        severity: this.severity,
        subject: `service ${s.id} version ${v.name}`,
        service: s.id,
        message: `version ${v.name} alone calls ${callees.join(', ')}, but runs as service account ${v.serviceAccount} like version(s) ${sharing.join(', ')}: `
          + `the ${ctx.phase} phase authorizes the identity, so their pods may make those calls too as far as the mesh is concerned (the L4 layer below still separates them by labels)`,
        fix: `give the version its own service account (versions: [{ name: ${v.name}, serviceAccount: ${s.name}-${v.name} }])`,
      }];
    }));
  },
};

const meshMtlsNotStrict: CatalogLintRule = {
  id: 'mtls-not-strict',
  // A warning: permissive mode is a legitimate migration step (mesh-ladder plan uses it).
  severity: 'warning',
  description: 'a mesh phase in permissive mode: plaintext accepted and authorization only audited (a migration step, not an end state)',
  check(ctx) {
    if (!isMeshPhase(ctx.phase)) {
      return [];
    }
    const mode = ctx.phase === 'linkerd' ? ctx.catalog.linkerd.mode : ctx.catalog.istio.mode;
    if (mode !== 'permissive') {
      return [];
    }
    const namespaces = [...new Set(ctx.catalog.services.map(s => s.namespace))].sort();
    return namespaces.map(ns => ({
      rule: this.id,
      severity: this.severity,
      subject: `namespace ${ns}`,
      message: `${ctx.phase}.mode is permissive: pods in ${ns} accept plaintext and authorization is ${ctx.phase === 'istio' ? 'dry-run' : 'audited'}, not enforced`,
      fix: `set ${ctx.phase}.mode: enforced once the permissive step shows no denials (mesh-ladder plan does this in order)`,
    }));
  },
};

const ciliumWithoutMutualAuth: CatalogLintRule = {
  id: 'cilium-without-mutual-auth',
  severity: 'warning',
  description: 'the catalog needs compliance mTLS but the cilium phase does not require mutual authentication',
  check(ctx) {
    if (ctx.phase !== 'cilium' || ctx.catalog.cilium.mutualAuth || !ctx.catalog.readiness.complianceMtls) {
      return [];
    }
    return [...new Set(ctx.catalog.services.map(s => s.namespace))].sort().map(ns => ({
      rule: this.id,
      severity: this.severity,
      subject: `namespace ${ns}`,
      message: 'readiness.complianceMtls is set but cilium.mutualAuth is off: workloads are not mutually authenticated',
      fix: 'set cilium.mutualAuth: true (needs SPIRE; encryption comes from WireGuard or IPsec), or move on to a mesh phase',
    }));
  },
};

const hostCallInBaseline: CatalogLintRule = {
  id: 'host-call-in-baseline',
  severity: 'warning',
  description: 'a call to a DNS name in the baseline phase, which can only allow the addresses the catalog lists for it',
  check(ctx) {
    if (ctx.phase !== 'baseline') {
      return [];
    }
    return ctx.catalog.services.flatMap(s => s.calls.flatMap(c => (c.kind === 'host' ? [{
      rule: this.id,
      severity: this.severity,
      subject: `service ${s.id} call ${c.host}`,
      service: s.id,
      message: `calls ${c.host}: NetworkPolicy only allows its listed addresses (${c.cidrs.join(', ') || 'none'}); when the provider moves the name, the call silently fails`,
      fix: 'keep the cidrs in sync with the provider\'s published ranges, or use the cilium phase (toFQDNs matches the name)',
    }] : [])));
  },
};

/** The catalog rules, in report order. */
export const CATALOG_LINT_RULES: ReadonlyArray<CatalogLintRule> = [
  retriesOnNonIdempotentRoute,
  retriesWithoutPerTryTimeout,
  retryBudgetOverTimeout,
  routeWithoutTimeout,
  faultWithRetriesOrTimeoutRoute,
  certificateRenewalWindow,
  caOutlivesLeaves,
  exposedWithoutRoutes,
  exposedAllPorts,
  worldCaller,
  metricsPortExposed,
  unusedPeer,
  peerWithoutIdentity,
  versionCallsSharedIdentity,
  meshMtlsNotStrict,
  ciliumWithoutMutualAuth,
  hostCallInBaseline,
  ...CERTIFICATE_LINT_RULES,
];

/** Every rule id a suppression may name. */
export function lintRuleIds(): string[] {
  return [...LINT_RULES.map(r => r.id), ...CATALOG_LINT_RULES.map(r => r.id)].sort();
}

function sortFindings(findings: LintFinding[]): LintFinding[] {
  const rank = (f: LintFinding) => (f.suppressed !== undefined ? 2 : f.severity === 'error' ? 0 : 1);
  const compare = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return findings.sort((a, b) => rank(a) - rank(b) || compare(a.subject, b.subject) || compare(a.rule, b.rule));
}

/**
 * The whole lint of one phase: catalog rules, manifest rules over the phase's emitted
 * objects, and the catalog's suppressions (each service's `suppress` entries; an unknown
 * rule id is itself an error).
 */
export function lintPhase(catalog: ResolvedCatalog, phase: string, manifests: ReadonlyArray<unknown>): LintReport {
  const found = [
    ...CATALOG_LINT_RULES.flatMap(rule => rule.check({ catalog, phase })),
    ...lintManifests(manifests, { catalog }).findings,
  ];
  const known = new Set(lintRuleIds());
  const unknown: LintFinding[] = catalog.services.flatMap(s => s.suppressions.filter(x => !known.has(x.rule)).map(x => ({
    rule: 'unknown-lint-rule',
    severity: 'error' as const,
    subject: `service ${s.id} suppress ${x.rule}`,
    service: s.id,
    message: `suppresses "${x.rule}", which is no lint rule`,
    fix: `name one of: ${[...known].join(', ')}`,
  })));
  const findings = [...found, ...unknown].map(f => {
    const service = f.service !== undefined ? catalog.services.find(s => s.id === f.service) : undefined;
    const suppression = f.rule === 'unknown-lint-rule' ? undefined : service?.suppressions.find(x => x.rule === f.rule);
    return suppression ? { ...f, suppressed: suppression.reason } : f;
  });
  return { findings: sortFindings(findings), ok: !findings.some(f => f.severity === 'error' && f.suppressed === undefined) };
}
