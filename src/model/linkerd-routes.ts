/**
 * Relations between the request matches of inbound routes under linkerd2-proxy's route
 * precedence (`linkerd/http/route/src/http/match/path.rs`, `http/match.rs`,
 * `grpc/match.rs`): which route can win requests of another, which contains another.
 * Beside the model's route types (routes.ts) so the emitter and the analysis share one algebra.
 */
import { ResolvedRoute } from './resolved';
import { topLevelAlternatives } from './routes';
import { HttpMethod } from './types';

/** A route's request match as an HTTPRoute match (method, path). */
export interface LinkerdHttpMatch {
  readonly method?: HttpMethod;
  readonly path?: { readonly type: 'Exact' | 'PathPrefix' | 'RegularExpression'; readonly value: string };
}

/** A route's request match as a GRPCRoute match (service, method). */
export interface LinkerdGrpcMatch {
  readonly service: string;
  readonly method?: string;
}

/** HTTP/2 framing (gRPC) on an HTTPRoute: gRPC requests are POSTs to `/<service>/<method>`. */
export function httpMatchOf(route: ResolvedRoute): LinkerdHttpMatch {
  if (route.kind === 'grpc') {
    const grpc = route.grpc!;
    return grpc.method !== undefined
      ? { method: HttpMethod.POST, path: { type: 'Exact', value: `/${grpc.service}/${grpc.method}` } }
      : { method: HttpMethod.POST, path: { type: 'PathPrefix', value: `/${grpc.service}` } };
  }
  const http = route.http ?? {};
  const path = http.path !== undefined ? { type: 'Exact' as const, value: http.path }
    : http.pathPrefix !== undefined ? { type: 'PathPrefix' as const, value: http.pathPrefix }
      : http.pathRegex !== undefined ? { type: 'RegularExpression' as const, value: http.pathRegex }
        : undefined;
  return { ...(http.method ? { method: http.method } : {}), ...(path ? { path } : {}) };
}

export function grpcMatchOf(route: ResolvedRoute): LinkerdGrpcMatch {
  const grpc = route.grpc!;
  return { service: grpc.service, ...(grpc.method !== undefined ? { method: grpc.method } : {}) };
}

/** Trims trailing slashes the way Linkerd compares path prefixes. */
/** A path without trailing slashes (`/` stays `/`): how Gateway API compares prefixes. */
export function trimSlashes(path: string): string {
  return path === '/' ? '/' : path.replace(/\/+$/, '');
}

/** Whether `prefix` covers `path` segment-wise (Gateway API PathPrefix). */
export function prefixCovers(prefix: string, path: string): boolean {
  const p = trimSlashes(prefix);
  if (p === '/') {
    return true;
  }
  const rest = trimSlashes(path);
  return rest === p || rest.startsWith(p + '/');
}

/**
 * Whether a retried route `q` can win (or tie) Gateway API precedence for some request
 * of the non-idempotent route `n`. Linkerd ranks matches by matched path length, then
 * method presence; a tie is resolved by creation time, which the phase cannot control,
 * so a tie counts as a loss. Conservative: when unsure (regular expressions), true.
 */
export function mayShadowHttp(q: LinkerdHttpMatch, n: LinkerdHttpMatch): boolean {
  if (q.method !== undefined && n.method !== undefined && q.method !== n.method) {
    return false;
  }
  const nWinsTies = n.method !== undefined && q.method === undefined;
  const qp = q.path;
  const np = n.path;
  if (np === undefined || (np.type === 'PathPrefix' && trimSlashes(np.value) === '/')) {
    // n matches every path at length 1: any longer q path wins on it.
    return qp === undefined || (qp.type === 'PathPrefix' && trimSlashes(qp.value) === '/') ? !nWinsTies : true;
  }
  if (qp === undefined) {
    // q matches at length 1: it ties only with an exact "/".
    return np.type === 'Exact' && np.value === '/' && !nWinsTies;
  }
  if (qp.type === 'RegularExpression' || np.type === 'RegularExpression') {
    if (qp.type === 'Exact' && np.type === 'RegularExpression') {
      return safeRegex(np.value)?.test(qp.value) ?? true;
    }
    if (np.type === 'Exact' && qp.type === 'RegularExpression') {
      const re = safeRegex(qp.value);
      return re === undefined || (re.test(np.value) && !nWinsTies);
    }
    if (qp.type === 'PathPrefix' && np.type === 'RegularExpression' && literalPrefix(np.value).length > trimSlashes(qp.value).length) {
      // A regex match ranks by the whole path, which is at least its literal prefix: longer
      // than the prefix's rank, so the regex always wins (path.rs).
      return false;
    }
    // Every match starts with the pattern's literal prefix: prefixes that disagree cannot
    // both match one path.
    const qLiteral = qp.type === 'RegularExpression' ? literalPrefix(qp.value) : qp.value;
    const nLiteral = np.type === 'RegularExpression' ? literalPrefix(np.value) : np.value;
    return qLiteral.startsWith(nLiteral) || nLiteral.startsWith(qLiteral);
  }
  if (np.type === 'Exact') {
    if (qp.type === 'Exact') {
      return qp.value === np.value && !nWinsTies;
    }
    return prefixCovers(qp.value, np.value) && (trimSlashes(qp.value).length < trimSlashes(np.value).length ? false : !nWinsTies);
  }
  // n is a prefix.
  if (qp.type === 'Exact') {
    return prefixCovers(np.value, qp.value) && (qp.value.length > trimSlashes(np.value).length || !nWinsTies);
  }
  const ql = trimSlashes(qp.value).length;
  const nl = trimSlashes(np.value).length;
  if (prefixCovers(np.value, qp.value) && ql > nl) {
    return true; // q is deeper inside n
  }
  if (prefixCovers(qp.value, np.value)) {
    return ql === nl ? !nWinsTies : false;
  }
  return false;
}

function safeRegex(source: string): RegExp | undefined {
  try {
    return new RegExp(`^(?:${source})$`);
  } catch {
    return undefined;
  }
}

export function mayShadowGrpc(q: LinkerdGrpcMatch, n: LinkerdGrpcMatch): boolean {
  if (q.service !== n.service) {
    return false;
  }
  if (q.method !== undefined && n.method !== undefined) {
    return q.method === n.method;
  }
  // A method match is more specific than a service-only one.
  return q.method !== undefined || n.method === undefined;
}

/** Whether route `q` can win (or tie) precedence for some request of route `n`. */
export function mayShadow(q: ResolvedRoute, n: ResolvedRoute, style: 'http' | 'grpc'): boolean {
  if (style === 'grpc') {
    return q.kind === 'grpc' && n.kind === 'grpc' && mayShadowGrpc(grpcMatchOf(q), grpcMatchOf(n));
  }
  return mayShadowHttp(httpMatchOf(q), httpMatchOf(n));
}


/** The leading literal of a regular expression (what every full match starts with). */
function literalPrefix(regex: string): string {
  if (topLevelAlternatives(regex).length > 1) {
    return ''; // an alternative may start otherwise
  }
  const m = /^\^?([^.[\](){}*+?|^$\\]*)/.exec(regex);
  const literal = m ? m[1] : '';
  // A quantifier applies to the last literal character: it is not certain.
  return /^[*+?{]/.test(regex.slice((m?.[0].length ?? 0))) ? literal.slice(0, -1) : literal;
}

/**
 * Whether every request route `b` matches is also a request of route `a` (conservative:
 * false when unsure).
 */
export function covers(a: ResolvedRoute, b: ResolvedRoute, style: 'http' | 'grpc'): boolean {
  if (style === 'grpc' || (a.kind === 'grpc' && b.kind === 'grpc')) {
    const ga = grpcMatchOf(a);
    const gb = grpcMatchOf(b);
    return a.kind === 'grpc' && b.kind === 'grpc' && ga.service === gb.service && (ga.method === undefined || ga.method === gb.method);
  }
  const ma = httpMatchOf(a);
  const mb = httpMatchOf(b);
  if (ma.method !== undefined && ma.method !== mb.method) {
    return false;
  }
  const pa = ma.path;
  const pb = mb.path;
  if (pa === undefined || (pa.type === 'PathPrefix' && trimSlashes(pa.value) === '/')) {
    return true;
  }
  if (pb === undefined) {
    return false;
  }
  if (pa.type === pb.type && pa.value === pb.value) {
    return true; // the same path match (e.g. a method twin)
  }
  if (pa.type === 'PathPrefix') {
    if (pb.type === 'RegularExpression') {
      const literal = literalPrefix(pb.value);
      return literal.startsWith(trimSlashes(pa.value) + '/');
    }
    return prefixCovers(pa.value, pb.value) && (pb.type === 'Exact' || trimSlashes(pb.value).length >= trimSlashes(pa.value).length);
  }
  if (pa.type === 'Exact') {
    return pb.type === 'Exact' && pb.value === pa.value;
  }
  return pb.type === 'Exact' && (safeRegex(pa.value)?.test(pb.value) ?? false);
}

/** `GET /products/[a-z0-9-]+ (regex)`, `shop.Checkout/PlaceOrder`. */
export function describeMatch(route: ResolvedRoute, style: 'http' | 'grpc'): string {
  if (style === 'grpc') {
    const g = grpcMatchOf(route);
    return `${g.service}/${g.method ?? '*'}`;
  }
  const m = httpMatchOf(route);
  const path = m.path ? `${m.path.value} (${m.path.type === 'Exact' ? 'exact' : m.path.type === 'PathPrefix' ? 'prefix' : 'regex'})` : 'any path';
  return `${m.method ?? 'any method'} ${path}`;
}
