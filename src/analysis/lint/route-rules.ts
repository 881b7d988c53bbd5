/**
 * Catalog route rules: retries, timeouts and faults of the catalog's routes (all
 * warnings): what the phase will make of them, before anything is emitted.
 */
import { CatalogLintRule, formatMs, LintFinding } from './rule';
import { isMeshPhase } from '../../model/phase';
import { ResolvedCatalog, ResolvedRoute, ResolvedService } from '../../model/resolved';

function routeFinding(rule: CatalogLintRule, service: ResolvedService, route: ResolvedRoute, message: string, fix: string): LintFinding {
  return { rule: rule.id, severity: rule.severity, subject: `service ${service.id} route ${route.name}`, service: service.id, route: route.name, message, fix };
}

function servedRoutes(catalog: ResolvedCatalog): Array<{ service: ResolvedService; route: ResolvedRoute }> {
  return catalog.services.filter(s => !s.clientOnly).flatMap(service => service.routes.map(route => ({ service, route })));
}

export const retriesOnNonIdempotentRoute: CatalogLintRule = {
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

export const retriesWithoutPerTryTimeout: CatalogLintRule = {
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

export const retryBudgetOverTimeout: CatalogLintRule = {
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

export const routeWithoutTimeout: CatalogLintRule = {
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

export const faultWithRetriesOrTimeoutRoute: CatalogLintRule = {
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
