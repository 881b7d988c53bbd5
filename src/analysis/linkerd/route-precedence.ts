/**
 * Request matching of HTTPRoute and GRPCRoute rules, and which rules win a request under
 * linkerd2-proxy's precedence (matched path length, headers, query, method). Applies to
 * emitted route objects and concrete requests; the model's relations between catalog
 * routes under the same precedence are in `src/model/linkerd-routes.ts`.
 */
import { compareStrings } from '../../model/compare';
import { prefixCovers, trimSlashes } from '../../model/linkerd-routes';
import { RequestProbe } from '../requests';
import { GrpcRuleMatch, HeaderMatch, HttpRuleMatch, ParsedRoute, RoutedRequest } from './parse';

/** Score of a match; compare lexicographically. */
type Score = readonly number[];

function compareScores(a: Score, b: Score): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) {
      return d;
    }
  }
  return 0;
}

function pathScore(type: string, value: string, path: string): number | undefined {
  switch (type) {
    case 'Exact':
      return path === value ? value.length : undefined;
    case 'RegularExpression':
      // linkerd2-proxy path.rs: `re.find(path)` (leftmost-first, unanchored) must span the
      // whole path; it then ranks by the whole path's length.
      try {
        const m = new RegExp(value.replace(/\(\?P</g, '(?<')).exec(path);
        return m !== null && m.index === 0 && m[0].length === path.length ? path.length : undefined;
      } catch {
        return undefined;
      }
    default: {
      // Segment-wise, as the model reasons about catalog routes (model/linkerd-routes.ts).
      return prefixCovers(value, path) ? trimSlashes(value).length : undefined;
    }
  }
}

/** Whether the request carries every header the match asks for. */
function headersMatch(matches: readonly HeaderMatch[], request: RoutedRequest): boolean {
  return matches.every(h => {
    const value = request.headers?.[h.name];
    if (value === undefined) {
      return false;
    }
    if (h.type === 'RegularExpression') {
      try {
        return new RegExp(`^(?:${h.value})$`).test(value);
      } catch {
        return false;
      }
    }
    return value === h.value;
  });
}

function httpMatchScore(m: HttpRuleMatch, request: RoutedRequest): Score | undefined {
  if (m.method !== undefined && m.method !== request.method) {
    return undefined;
  }
  if (m.queryParams > 0 || !headersMatch(m.headers, request)) {
    return undefined; // probes carry no query parameters
  }
  const length = m.path ? pathScore(m.path.type, m.path.value, request.path) : 1;
  // linkerd2-proxy http/match.rs RequestMatch ordering: path, headers, query params, method.
  return length === undefined ? undefined : [length, m.headers.length, 0, m.method !== undefined ? 1 : 0];
}

/**
 * `POST /<service>/<method>` → service and method; otherwise not a gRPC request. As
 * linkerd2-proxy `linkerd/http/route/src/grpc/match.rs` reads them: the first two path
 * segments (more segments are ignored, an empty method is a method).
 */
function grpcParts(request: RequestProbe): { service: string; method: string } | undefined {
  const parts = request.path.split('/');
  return request.method === 'POST' && parts[0] === '' && parts.length >= 3 ? { service: parts[1], method: parts[2] } : undefined;
}

function grpcMatchScore(m: GrpcRuleMatch, request: RoutedRequest): Score | undefined {
  const parts = grpcParts(request);
  if (!parts || !headersMatch(m.headers, request)) {
    return undefined;
  }
  const test = (pattern: string | undefined, value: string) => {
    if (pattern === undefined) {
      return true;
    }
    if (m.type === 'RegularExpression') {
      try {
        return new RegExp(`^(?:${pattern})$`).test(value);
      } catch {
        return false;
      }
    }
    return pattern === value;
  };
  if (!test(m.service, parts.service) || !test(m.method, parts.method)) {
    return undefined;
  }
  return [m.service !== undefined ? parts.service.length : 0, m.method !== undefined ? parts.method.length : 0, m.headers.length];
}

/**
 * Best score of each rule of a route for a request. A rule without matches matches every
 * request, gRPC or not (the proxy's implicit default match), at the lowest score.
 */
function ruleScores(route: ParsedRoute, request: RoutedRequest): Array<Score | undefined> {
  return route.rules.map(rule => {
    const scores: Array<Score | undefined> = route.kind === 'GRPCRoute'
      ? (rule.grpc ?? [undefined]).map(m => (m ? grpcMatchScore(m, request) : [0, 0]))
      : (rule.http ?? [undefined]).map(m => (m ? httpMatchScore(m, request) : [1, 0]));
    let best: Score | undefined;
    for (const sc of scores) {
      if (sc && (!best || compareScores(sc, best) > 0)) {
        best = sc;
      }
    }
    return best;
  });
}

/** A rule of a route that wins a request. */
export interface WinningRule {
  readonly route: ParsedRoute;
  readonly rule: number;
}

/**
 * The rules that win a request (several when tied: Linkerd then goes by creation time,
 * which manifests do not fix), sorted by route name and rule. Empty when none matches.
 */
export function winningRules(routes: ReadonlyArray<ParsedRoute>, request: RoutedRequest): WinningRule[] {
  let best: Score | undefined;
  let winners: WinningRule[] = [];
  for (const route of routes) {
    ruleScores(route, request).forEach((score, rule) => {
      if (!score) {
        return;
      }
      const c = best ? compareScores(score, best) : 1;
      if (c > 0) {
        best = score;
        winners = [{ route, rule }];
      } else if (c === 0) {
        winners.push({ route, rule });
      }
    });
  }
  return winners.sort((a, b) => compareStrings(a.route.name, b.route.name) || a.rule - b.rule);
}

/** The routes that win a request (see `winningRules`). */
export function winningRoutes(routes: ReadonlyArray<ParsedRoute>, request: RoutedRequest): ParsedRoute[] {
  return [...new Set(winningRules(routes, request).map(w => w.route))];
}
