/**
 * Checks of the outbound routes (HTTPRoute/GRPCRoute with a Service parent) among the
 * manifests: retry safety (`retrySafetyProblems`) and canary routing
 * (`canaryRoutingProblems`): requests, with and without a header-routed version's
 * headers, must win rules whose backends are the versions (weights) or that version (and
 * its timeout); rules match headers exactly or by regular expression, names
 * case-insensitively, and more header matches win at equal path and method
 * (route-precedence.ts).
 */
import { key, parseLinkerd, ParsedRoute, RoutedRequest, stringMap } from './parse';
import { WinningRule, winningRoutes, winningRules } from './route-precedence';
import { compareStrings } from '../../model/compare';
import { RETRY_ANNOTATION_PREFIX, ROUTE_LABEL, TIMEOUT_REQUEST_ANNOTATION } from '../../model/mesh-facts/linkerd';
import { ResolvedCatalog, ResolvedRoute, ResolvedService } from '../../model/resolved';
import { isL7Port } from '../../model/routes';
import { isRecord } from '../../model/values';
import { RequestProbe, routeMatches, sampleRequest, UNDECLARED_PATH } from '../requests';

// ---------------------------------------------------------------------------------------
// Retry safety

/**
 * Retry safety of the outbound routes among `manifests`, one line per problem:
 * - a route object with retry annotations must carry only idempotent catalog routes: each
 *   of its matches is checked against the catalog routes of its parent port, by sample
 *   request, and a label `mesh-ladder.dev/route` naming a non-idempotent route fails;
 * - every sample request of a non-idempotent catalog route must be won (Gateway API
 *   precedence, ties counted against) by route objects without retry annotations;
 * - a Service serving a non-idempotent route carries no retry annotation.
 */
export function retrySafetyProblems(catalog: ResolvedCatalog, manifests: ReadonlyArray<unknown>): string[] {
  const problems: string[] = serviceRetryProblems(catalog, manifests);
  const routes = parseLinkerd(catalog, manifests).routes;
  for (const service of catalog.services.filter(s => !s.clientOnly)) {
    for (const port of service.ports) {
      const attached = outboundRoutesFor(routes, service, port.port);
      if (attached.length === 0) {
        continue;
      }
      const served = service.routes.filter(r => r.ports.includes(port));
      for (const route of attached.filter(r => hasRetries(r.annotations))) {
        const labelled = route.labels[ROUTE_LABEL];
        const named = labelled !== undefined ? service.routes.find(r => r.name === labelled) : undefined;
        if (named && !named.idempotent) {
          problems.push(`${route.kind} ${route.namespace}/${route.name} retries requests of the non-idempotent route ${named.name}`);
        }
      }
      for (const route of served.filter(r => !r.idempotent)) {
        for (const request of nonIdempotentSamples(route)) {
          const winners = winningRoutes(attached, request);
          const retried = winners.filter(w => hasRetries(w.annotations));
          if (retried.length > 0) {
            problems.push(`${service.id} port ${port.ref}: ${request.method} ${request.path} (non-idempotent route ${route.name}) can be won by ${retried.map(r => `${r.kind} ${r.name}`).join(', ')}, which retries`);
          }
        }
      }
    }
  }
  return problems;
}

function hasRetries(annotations: Readonly<Record<string, string>>): boolean {
  return Object.keys(annotations).some(k => k.startsWith(RETRY_ANNOTATION_PREFIX));
}

/** Emitted catalog Services that carry retry annotations but serve non-idempotent routes. */
function serviceRetryProblems(catalog: ResolvedCatalog, manifests: ReadonlyArray<unknown>): string[] {
  const problems: string[] = [];
  const services = new Map(catalog.services.map(s => [key(s.namespace, s.name), s]));
  for (const manifest of manifests) {
    if (!isRecord(manifest) || manifest.apiVersion !== 'v1' || manifest.kind !== 'Service' || !isRecord(manifest.metadata)) {
      continue;
    }
    const ns = typeof manifest.metadata.namespace === 'string' ? manifest.metadata.namespace : 'default';
    const service = services.get(key(ns, String(manifest.metadata.name)));
    if (service && hasRetries(stringMap(manifest.metadata.annotations)) && service.routes.some(r => !r.idempotent)) {
      problems.push(`Service ${ns}/${service.name} carries retry annotations but serves non-idempotent routes (${service.routes.filter(r => !r.idempotent).map(r => r.name).join(', ')})`);
    }
  }
  return problems;
}

/** Routes by `<namespace>\0<parent name>`, in their order (built once per route list). */
const ROUTES_BY_PARENT = new WeakMap<ReadonlyArray<ParsedRoute>, Map<string, ParsedRoute[]>>();

/** Route objects attached to a Service port; GRPCRoutes take precedence over HTTPRoutes. */
function outboundRoutesFor(routes: ReadonlyArray<ParsedRoute>, service: ResolvedService, port: number): ParsedRoute[] {
  let byParent = ROUTES_BY_PARENT.get(routes);
  if (!byParent) {
    byParent = new Map();
    for (const r of routes) {
      for (const parent of new Set(r.parents.map(p => `${r.namespace}\u0000${p.name}`))) {
        byParent.set(parent, [...(byParent.get(parent) ?? []), r]);
      }
    }
    ROUTES_BY_PARENT.set(routes, byParent);
  }
  // Candidates filed under the service's name, filtered as every route would be.
  const candidates = byParent.get(`${service.namespace}\u0000${service.name}`) ?? [];
  const attached = candidates.filter(r => r.namespace === service.namespace && r.parents.some(p =>
    p.kind === 'Service' && (p.group === '' || p.group === 'core') && p.name === service.name && p.namespace === service.namespace
    && (p.port === undefined || p.port === port)));
  return attached.some(r => r.kind === 'GRPCRoute') ? attached.filter(r => r.kind === 'GRPCRoute') : attached;
}

/** Requests of a non-idempotent route: its sample, and for method-less routes other methods. */
function nonIdempotentSamples(route: ResolvedRoute): RequestProbe[] {
  const sample = sampleRequest(route);
  if (!sample) {
    return [];
  }
  const out = [sample];
  if (route.kind === 'http' && route.http?.method === undefined) {
    for (const method of ['POST', 'PATCH', 'DELETE']) {
      const probe = { ...sample, method };
      if (routeMatches(route, probe)) {
        out.push(probe);
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Canary routing

/** Milliseconds of a Linkerd duration (`500ms`, `2s`, `1m`, `1h`); undefined when unparsable. */
export function parseLinkerdDuration(text: string): number | undefined {
  const m = /^\s*(\d+)(ms|s|m|h)\s*$/.exec(text);
  if (!m) {
    return undefined;
  }
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  return Number(m[1]) * unit;
}

function selectorKey(selector: Readonly<Record<string, string>>): string {
  return JSON.stringify(Object.entries(selector).sort(([a], [b]) => compareStrings(a, b)));
}

/**
 * Canary routing of the outbound routes among `manifests`, one line per problem: on every
 * HTTP/gRPC port of a split service, a sample request of each catalog route (and one of
 * no route) must be won by rules whose backends are the versions with their weights
 * (version Services select the service's pods plus the version's labels; backend versions
 * are their Service); the same request with a version's headers must be won by rules whose
 * only backend is that version, with the version's timeout when it has one.
 */
export function canaryRoutingProblems(catalog: ResolvedCatalog, manifests: ReadonlyArray<unknown>): string[] {
  const problems: string[] = [];
  const routes = parseLinkerd(catalog, manifests).routes;
  const emittedSelectors = emittedServiceSelectors(manifests);
  for (const service of catalog.services.filter(s => !s.clientOnly && s.versions.length > 0)) {
    const selectors = canarySelectors(catalog, service, emittedSelectors);
    for (const port of service.ports.filter(isL7Port)) {
      const attached = outboundRoutesFor(routes, service, port.port);
      const subject = `${service.id} port ${port.ref}`;
      if (attached.length === 0) {
        problems.push(`${subject}: no route object on the port, so no canary split`);
        continue;
      }
      const grpcStyle = attached.some(r => r.kind === 'GRPCRoute');
      const samples: RoutedRequest[] = [
        ...service.routes.filter(r => r.ports.includes(port)).map(sampleRequest).filter((r): r is RequestProbe => r !== undefined),
        grpcStyle ? { method: 'POST', path: '/mesh.ladder.Undeclared/MeshLadderUndeclared' } : { method: 'GET', path: UNDECLARED_PATH },
      ];
      for (const sample of samples) {
        problems.push(...canarySampleProblems(attached, service, subject, sample, selectors));
      }
    }
  }
  return problems;
}

/** The selector of each emitted v1 Service, by `<namespace>/<name>`. */
function emittedServiceSelectors(manifests: ReadonlyArray<unknown>): Map<string, Record<string, string>> {
  const emittedSelectors = new Map<string, Record<string, string>>();
  for (const m of manifests) {
    if (isRecord(m) && m.apiVersion === 'v1' && m.kind === 'Service' && isRecord(m.metadata) && isRecord(m.spec)) {
      emittedSelectors.set(key(typeof m.metadata.namespace === 'string' ? m.metadata.namespace : 'default', String(m.metadata.name)), stringMap(m.spec.selector));
    }
  }
  return emittedSelectors;
}

/** What a split service's backends must select: its versions' pods, with their weights. */
interface CanarySelectors {
  /** The selector (key) of a backend Service of the service's namespace, emitted or declared. */
  readonly selectorOf: (name: string) => string | undefined;
  readonly versionSelector: (v: ResolvedService['versions'][number]) => string;
  /** Every version's selector with its weight, sorted: what a weighted rule must send to. */
  readonly weighted: string;
}

function canarySelectors(
  catalog: ResolvedCatalog,
  service: ResolvedService,
  emittedSelectors: ReadonlyMap<string, Record<string, string>>,
): CanarySelectors {
  const selectorOf = (name: string): string | undefined => {
    const emitted = emittedSelectors.get(key(service.namespace, name));
    if (emitted) {
      return selectorKey(emitted);
    }
    const catalogService = catalog.services.find(x => x.namespace === service.namespace && x.name === name);
    return catalogService ? selectorKey(catalogService.selector) : undefined;
  };
  const versionSelector = (v: ResolvedService['versions'][number]) => selectorKey(v.backend !== undefined
    ? catalog.service(v.backend).selector
    : { ...service.selector, ...v.labels });
  const weighted = service.versions.map(v => `${versionSelector(v)}*${v.weight}`).sort().join(' ');
  return { selectorOf, versionSelector, weighted };
}

/** Problems of one sample request on a split port: plain, it goes to the versions by weight; with a version's headers, to that version. */
function canarySampleProblems(
  attached: ParsedRoute[],
  service: ResolvedService,
  subject: string,
  sample: RoutedRequest,
  selectors: CanarySelectors,
): string[] {
  const { selectorOf, versionSelector, weighted } = selectors;
  const problems: string[] = [];
  const backendsOf = (w: WinningRule) => w.route.rules[w.rule].backends;
  const label = `${sample.method} ${sample.path}`;
  const plain = winningRules(attached, sample);
  if (plain.length === 0) {
    problems.push(`${subject}: ${label} matches no route object`);
  }
  for (const w of plain) {
    const got = backendsOf(w).map(b => `${selectorOf(b.name) ?? `unknown Service ${b.name}`}*${b.weight ?? 1}`).sort().join(' ');
    if (got !== weighted) {
      problems.push(`${subject}: ${label} is routed by ${w.route.kind} ${w.route.name} to ${backendsOf(w).map(b => b.name).join(', ') || 'no backend'}, not to the versions with their weights`);
    }
  }
  for (const version of service.versions.filter(v => Object.keys(v.headers).length > 0)) {
    const request: RoutedRequest = { ...sample, headers: version.headers };
    const winners = winningRules(attached, request);
    const headerLabel = `${label} with the headers of version ${version.name}`;
    if (winners.length === 0) {
      problems.push(`${subject}: ${headerLabel} matches no route object`);
    }
    for (const w of winners) {
      const backends = backendsOf(w);
      if (backends.length !== 1 || selectorOf(backends[0].name) !== versionSelector(version)) {
        problems.push(`${subject}: ${headerLabel} is routed by ${w.route.kind} ${w.route.name} to ${backends.map(b => b.name).join(', ') || 'no backend'}, not to that version only`);
      }
      const timeout = w.route.annotations[TIMEOUT_REQUEST_ANNOTATION];
      if (version.timeoutMs !== undefined && (timeout === undefined || parseLinkerdDuration(timeout) !== version.timeoutMs)) {
        problems.push(`${subject}: ${headerLabel} gets timeout ${timeout ?? 'none'} from ${w.route.kind} ${w.route.name}, not the version's ${version.timeoutMs}ms`);
      }
    }
  }
  return problems;
}
