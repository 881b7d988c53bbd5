/**
 * Manifest rules: Istio VirtualService http routes (and DestinationRules) as emitted,
 * hand-edited or from any generator, with the catalog when given to know which routes
 * are idempotent (otherwise the HTTP method decides).
 *
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
import { LintFinding, LintHttpRoute, LintRule } from './rule';
import { parseDuration } from '../../model/duration';
import { IDEMPOTENT_METHODS, PRE_REQUEST_CONDITIONS } from '../../model/idempotency';
import { ISTIO_DEFAULT_ATTEMPTS, ISTIO_DEFAULT_RETRY_ON } from '../../model/mesh-facts/istio';
import { HttpMethod } from '../../model/types';
import { isRecord } from '../../model/values';

/** Retry conditions that fire before the server saw the request (safe for any request). */
export const PRE_REQUEST_RETRY_ON: ReadonlySet<string> = PRE_REQUEST_CONDITIONS;

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

export const implicitDefaultRetries: LintRule = {
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

export const retryNonIdempotent: LintRule = {
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

export const faultWithRetriesOrTimeout: LintRule = {
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

export const retryBudgetExceedsTimeout: LintRule = {
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

/** An emitted DestinationRule's spec, as far as `maxRetriesByHost` reads it (untyped JSON). */
interface DestinationRuleSpec {
  readonly trafficPolicy?: { readonly connectionPool?: { readonly http?: { readonly maxRetries?: unknown } } };
}

/** `<namespace>/<name>` of an emitted object (`default` when it names no namespace). */
function namespacedName(manifest: Record<string, unknown>): string {
  const metadata = manifest.metadata as { readonly namespace?: string; readonly name?: string } | undefined;
  return `${metadata?.namespace ?? 'default'}/${metadata?.name}`;
}

/** `maxRetries` of each DestinationRule host, as emitted. */
function maxRetriesByHost(manifests: ReadonlyArray<unknown>): Map<string, { rule: string; maxRetries: number }> {
  const out = new Map<string, { rule: string; maxRetries: number }>();
  for (const m of manifests) {
    if (!isRecord(m) || m.kind !== 'DestinationRule' || !isRecord(m.spec) || typeof m.spec.host !== 'string') {
      continue;
    }
    const maxRetries = (m.spec as DestinationRuleSpec).trafficPolicy?.connectionPool?.http?.maxRetries;
    if (typeof maxRetries === 'number') {
      out.set(m.spec.host, { rule: namespacedName(m), maxRetries });
    }
  }
  return out;
}

export const maxRetriesCapsRouteRetries: LintRule = {
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
        retriedByVs.set(namespacedName(m), { host, routes: [...new Set(routes)] });
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
