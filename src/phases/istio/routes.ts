/**
 * The HTTP routes of a service's VirtualService. The point of the whole phase lives
 * here: Istio retries a route that has no `retries` block (2 attempts on
 * connect-failure, refused-stream, unavailable, cancelled and 503), which repeats POSTs
 * the server already processed. Every route emitted here carries an explicit `retries`:
 * - idempotent routes: the configured attempts, per-try timeout and conditions, or
 *   `attempts: 0` when none are configured;
 * - non-idempotent routes: `attempts: 0`, or only the conditions that fire before the
 *   request reached the server (connect-failure, refused-stream, reset-before-request);
 * - the catch-all route (any other request) is non-idempotent: `attempts: 0`.
 * Every route also carries a timeout (its own, or the catalog's `istio.defaultTimeout`).
 *
 * Retries cannot be set per method on one route, so routes are split by match (method,
 * path, gRPC method), most specific first, since Istio takes the first route that matches.
 *
 * Header-routed versions (`versions[].headers`) come first: per version, a copy of every
 * route (and of the catch-all) that also matches the version's headers and goes to that
 * version only, with the route's retries and the version's timeout (or the route's).
 * Copies keep the route's name (so the retry lint still knows which catalog route they
 * are) and name their matches after the version: Envoy logs `<route>.<version>`.
 */
import { CATCH_ALL_ROUTE, FAULT_ROUTE_SUFFIX, isL7, serviceHost } from './names';
import { uriMatches } from './paths';
import * as istio from '../../../imports/networking.istio.io';
import { formatSeconds } from '../../model/duration';
import { PRE_REQUEST_CONDITIONS } from '../../model/idempotency';
import { DEFAULT_PLATFORM, supports, TargetPlatform } from '../../model/releases';
import { ResolvedCatalog, ResolvedFault, ResolvedRoute, ResolvedService, ResolvedVersion } from '../../model/resolved';
import { RetryCondition } from '../../model/types';

/** Envoy `retryOn` names of the catalog's conditions (Istio passes them through). */
export const ENVOY_RETRY_ON: Readonly<Record<RetryCondition, string>> = {
  [RetryCondition.CONNECT_FAILURE]: 'connect-failure',
  [RetryCondition.REFUSED_STREAM]: 'refused-stream',
  [RetryCondition.RESET_BEFORE_REQUEST]: 'reset-before-request',
  [RetryCondition.RESET]: 'reset',
  [RetryCondition.GATEWAY_ERROR]: 'gateway-error',
  [RetryCondition.SERVER_ERROR]: '5xx',
  [RetryCondition.UNAVAILABLE]: 'unavailable',
  [RetryCondition.CANCELLED]: 'cancelled',
  [RetryCondition.DEADLINE_EXCEEDED]: 'deadline-exceeded',
  [RetryCondition.RESOURCE_EXHAUSTED]: 'resource-exhausted',
};

/** Retries switched off explicitly (Istio drops the retry policy when attempts is 0). */
export const NO_RETRIES: istio.VirtualServiceSpecHttpRetries = { attempts: 0 };

/**
 * The retry conditions of a route the targeted Istio release does not accept: istiod's
 * webhook rejects the whole VirtualService for an unknown `retryOn` value, and the service
 * then gets Istio's implicit default retries (src/model/releases.ts,
 * `istioResetBeforeRequest`: from 1.23).
 */
export function unsupportedRetryConditions(route: ResolvedRoute, platform: TargetPlatform): RetryCondition[] {
  const r = route.retries;
  if (!r || r.attempts <= 0 || supports(platform, 'istioResetBeforeRequest')) {
    return [];
  }
  return r.on.filter(c => c === RetryCondition.RESET_BEFORE_REQUEST);
}

/**
 * The explicit retry block of a route, with only the conditions the targeted Istio
 * release accepts (`attempts: 0` when none is left).
 */
export function routeRetries(route: ResolvedRoute, platform: TargetPlatform = DEFAULT_PLATFORM): istio.VirtualServiceSpecHttpRetries {
  const r = route.retries;
  if (!r || r.attempts <= 0) {
    return NO_RETRIES;
  }
  const unsupported = new Set(unsupportedRetryConditions(route, platform));
  // The model refuses unsafe conditions on non-idempotent routes; filter anyway so this
  // promise does not depend on validation elsewhere.
  const on = (route.idempotent ? r.on : r.on.filter(c => PRE_REQUEST_CONDITIONS.has(c))).filter(c => !unsupported.has(c));
  if (on.length === 0) {
    return NO_RETRIES;
  }
  return {
    attempts: r.attempts,
    ...(r.perTryTimeoutMs !== undefined && r.perTryTimeoutMs > 0 ? { perTryTimeout: formatSeconds(r.perTryTimeoutMs) } : {}),
    retryOn: [...new Set(on.map(c => ENVOY_RETRY_ON[c]))].sort().join(','),
  };
}

/** The route timeout, or the catalog default; undefined only for a zero (disabled) timeout. */
export function routeTimeout(catalog: ResolvedCatalog, route: ResolvedRoute | undefined): string | undefined {
  const ms = route?.timeoutMs ?? catalog.istio.defaultTimeoutMs;
  return ms > 0 ? formatSeconds(ms) : undefined;
}

/** Where one version's traffic goes: its subset, or the Service that backs it (no subset). */
export function versionDestination(
  catalog: ResolvedCatalog,
  service: ResolvedService,
  version: ResolvedVersion,
): istio.VirtualServiceSpecHttpRouteDestination {
  if (version.backend !== undefined) {
    return { host: serviceHost(catalog, catalog.service(version.backend)) };
  }
  return { host: serviceHost(catalog, service), subset: version.name };
}

/** Weighted destinations: one per canary version (subset or backend Service), or the plain host. */
export function routeDestinations(catalog: ResolvedCatalog, service: ResolvedService): istio.VirtualServiceSpecHttpRoute[] {
  const versions = service.versions.filter(v => v.weight > 0);
  if (versions.length === 0) {
    return [{ destination: { host: serviceHost(catalog, service) } }];
  }
  if (versions.length === 1) {
    return [{ destination: versionDestination(catalog, service, versions[0]) }];
  }
  return versions.map(v => ({ destination: versionDestination(catalog, service, v), weight: v.weight }));
}

/**
 * Versions reached by headers, in the order Istio must try them: more headers first (a
 * request carrying both `a` and `b` goes to the version that asks for both), then by name.
 */
export function headerVersions(service: ResolvedService): ResolvedVersion[] {
  return service.versions
    .filter(v => Object.keys(v.headers).length > 0)
    .sort((a, b) => Object.keys(b.headers).length - Object.keys(a.headers).length || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Sort key: exact paths before regular expressions before (longer) prefixes before any path. */
function specificity(route: ResolvedRoute, l7PortCount: number): Array<number | string> {
  let pathRank = 3;
  let prefixLength = 0;
  if (route.grpc) {
    pathRank = route.grpc.method !== undefined ? 0 : 2;
    prefixLength = route.grpc.service.length + 2;
  } else if (route.http?.path !== undefined) {
    pathRank = 0;
  } else if (route.http?.pathRegex !== undefined) {
    pathRank = 1;
  } else if (route.http?.pathPrefix !== undefined) {
    pathRank = 2;
    prefixLength = route.http.pathPrefix.replace(/\/+$/, '').length + 1;
  }
  const hasMethod = route.http?.method !== undefined || route.grpc !== undefined ? 0 : 1;
  const portLimited = route.ports.length < l7PortCount ? 0 : 1;
  return [pathRank, -prefixLength, hasMethod, portLimited, route.name];
}

function compareKeys(a: Array<number | string>, b: Array<number | string>): number {
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) {
      return a[i] < b[i] ? -1 : 1;
    }
  }
  return 0;
}

/** The routes of a service in the order Istio must try them. */
export function orderedRoutes(service: ResolvedService): ResolvedRoute[] {
  const l7PortCount = service.ports.filter(p => isL7(p.protocol)).length;
  return [...service.routes].sort((a, b) => compareKeys(specificity(a, l7PortCount), specificity(b, l7PortCount)));
}

/**
 * The `match` list of a route (entries are ORed), or undefined when the route matches
 * every request. A route served on only some of the service's HTTP ports matches on
 * those (service) ports.
 */
export function routeMatches(
  service: ResolvedService,
  route: ResolvedRoute,
  headers: Record<string, string> = {},
  matchName?: string,
): istio.VirtualServiceSpecHttpMatch[] | undefined {
  const l7Ports = service.ports.filter(p => isL7(p.protocol));
  const ports: Array<number | undefined> = route.ports.length < l7Ports.length ? route.ports.map(p => p.port) : [undefined];
  const method = route.grpc ? undefined : route.http?.method;
  const headerMatch = Object.keys(headers).length > 0 ? headerMatches(headers) : undefined;
  const matches: istio.VirtualServiceSpecHttpMatch[] = [];
  for (const port of ports) {
    for (const uri of uriMatches(route)) {
      const m: istio.VirtualServiceSpecHttpMatch = {
        ...(uri ? { uri: { ...uri } } : {}),
        ...(method ? { method: { exact: method } } : {}),
        ...(port !== undefined ? { port } : {}),
        ...(headerMatch ? { headers: headerMatch } : {}),
        ...(matchName !== undefined ? { name: matchName } : {}),
      };
      matches.push(m);
    }
  }
  return matches.every(m => Object.keys(m).length === 0) ? undefined : matches;
}

/** Istio's fault block of a catalog fault. */
export function routeFault(fault: ResolvedFault): istio.VirtualServiceSpecHttpFault {
  const delay = fault.delay && fault.delay.fixedDelayMs > 0
    ? { fixedDelay: formatSeconds(fault.delay.fixedDelayMs), percentage: { value: fault.delay.percent } }
    : undefined;
  const abort = fault.abort
    ? {
      ...(fault.abort.httpStatus !== undefined ? { httpStatus: fault.abort.httpStatus } : {}),
      ...(fault.abort.grpcStatus !== undefined ? { grpcStatus: fault.abort.grpcStatus } : {}),
      percentage: { value: fault.abort.percent },
    }
    : undefined;
  return { ...(delay ? { delay } : {}), ...(abort ? { abort } : {}) };
}

/**
 * Every HTTP route of a service's VirtualService: first, per header-routed version, its
 * copy of the routes below, then per declared route (most specific first) an optional
 * header-scoped fault route and the route itself, then the catch-all.
 *
 * A fault turns Istio's retries and timeout off on its route, so a header-scoped fault
 * gets a route of its own (no retries, no timeout) and normal traffic keeps both. A
 * fault without headers stays on the route (and on its header-routed copies);
 * `mesh-ladder lint` flags it.
 */
export function serviceHttpRoutes(catalog: ResolvedCatalog, service: ResolvedService): istio.VirtualServiceSpecHttp[] {
  const out: istio.VirtualServiceSpecHttp[] = [];
  for (const version of headerVersions(service)) {
    out.push(...routeBlock(catalog, service, [{ destination: versionDestination(catalog, service, version) }], version));
  }
  out.push(...routeBlock(catalog, service, routeDestinations(catalog, service)));
  return out;
}

/** The routes of a service to `destinations`; with a version, only for requests carrying its headers. */
function routeBlock(
  catalog: ResolvedCatalog,
  service: ResolvedService,
  destinations: istio.VirtualServiceSpecHttpRoute[],
  version?: ResolvedVersion,
): istio.VirtualServiceSpecHttp[] {
  const headers = version?.headers ?? {};
  const matchName = version?.name;
  const versionTimeout = version?.timeoutMs !== undefined && version.timeoutMs > 0 ? formatSeconds(version.timeoutMs) : undefined;
  const out: istio.VirtualServiceSpecHttp[] = [];
  for (const r of orderedRoutes(service)) {
    const match = routeMatches(service, r, headers, matchName);
    const faultHeaders = r.fault?.headers ?? {};
    if (r.fault && Object.keys(faultHeaders).length > 0) {
      // Unless the fault's headers contradict the version's: no request carries both.
      if (Object.entries(faultHeaders).every(([k, v]) => headers[k] === undefined || headers[k] === v)) {
        out.push({
          name: `${r.name}${FAULT_ROUTE_SUFFIX}`,
          match: routeMatches(service, r, { ...headers, ...faultHeaders }, matchName),
          fault: routeFault(r.fault),
          route: clone(destinations),
          retries: { ...NO_RETRIES },
        });
      }
    }
    const timeout = versionTimeout ?? routeTimeout(catalog, r);
    out.push({
      name: r.name,
      ...(match ? { match } : {}),
      ...(r.fault && Object.keys(faultHeaders).length === 0 ? { fault: routeFault(r.fault) } : {}),
      route: clone(destinations),
      retries: routeRetries(r, catalog.platform),
      ...(timeout ? { timeout } : {}),
    });
  }
  const names = new Set(service.routes.map(r => r.name));
  let catchAll = CATCH_ALL_ROUTE;
  while (names.has(catchAll)) {
    catchAll += '-route';
  }
  const timeout = versionTimeout ?? routeTimeout(catalog, undefined);
  out.push({
    name: catchAll,
    ...(version ? { match: [{ headers: headerMatches(headers), name: matchName }] } : {}),
    route: clone(destinations),
    retries: { ...NO_RETRIES },
    ...(timeout ? { timeout } : {}),
  });
  return out;
}

function headerMatches(headers: Record<string, string>): Record<string, istio.VirtualServiceSpecHttpMatchHeaders> {
  return Object.fromEntries(Object.entries(headers).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, { exact: v }]));
}

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value));
}
