/**
 * Route-limited authorization under linkerd2-proxy's route precedence: which callers each
 * inbound route must carry so that a caller limited to some routes gets exactly their
 * requests (or the catalog's allowed widening is reported).
 */
import { Principal, PrincipalSet, principalWho } from './principals';
import { PhaseCapabilityError } from '../../emit/common';
import { compareStrings } from '../../model/compare';
import { covers, describeMatch, httpMatchOf, mayShadow } from '../../model/linkerd-routes';
import { ResolvedCatalog, ResolvedRoute } from '../../model/resolved';
import { widerEnforcementAllowed } from '../../model/route-forms';

/**
 * Makes route-limited authorization exact under the proxy's route precedence, in place,
 * and returns the widenings the catalog allowed (one line each).
 *
 * linkerd2-proxy dispatches a request to ONE route of the Server, the best match
 * (`linkerd/http/route/src/lib.rs` find/best; ordering in `http/match.rs`: path match
 * length — exact and regex by the whole path, prefix by the prefix — then headers, query
 * parameters, method; `grpc/match.rs`: service then method length), and authorizes it by
 * that route's policies only. The catalog declares a request for a caller when ANY of the
 * caller's routes matches it (as Cilium and Istio enforce it). So:
 * - route `u` is authorized for the callers of every route `v` that covers it (each
 *   request `u` wins is a request of `v`): exact;
 * - callers of `v` are never added to a route `u` that merely overlaps `v`: when `u` can
 *   win a request of `v` without being contained in it, the callers of `v` would lose
 *   that request (declared but denied) or, if added, gain all of `u`. That is refused,
 *   naming service, routes and callers, unless `v` allows wider enforcement: then they
 *   are added to `u` and the widening is reported.
 * `mayShadow` over-approximates (unsure = may win), `covers` under-approximates (unsure =
 * does not cover), so an accepted decision is exact.
 */
export function authorizeByPrecedence(
  model: ResolvedCatalog,
  where: string,
  served: readonly ResolvedRoute[],
  limited: Map<string, { route: ResolvedRoute; set: PrincipalSet; principals: Principal[] }>,
  serverWho: ReadonlySet<string>,
  style: 'http' | 'grpc',
): { widenings: string[]; widenedInto: Map<string, Set<string>> } {
  const own = new Map([...limited.entries()].map(([name, item]) => [name, { route: item.route, principals: [...item.principals] }]));
  const routes = served.filter(r => own.has(r.name));
  const whoOf = (name: string) => new Set([...own.get(name)!.principals.map(principalWho)].filter(w => !serverWho.has(w)));
  const grantTo = (u: ResolvedRoute, principals: readonly Principal[]) => {
    const item = limited.get(u.name)!;
    item.set.addAll(principals);
    item.principals.push(...principals);
  };
  const twins = style === 'http' ? splitByMethod(served, routes, own, limited, style) : new Set<string>();
  // Closure over covering routes first, so the check below sees the final callers.
  for (const u of routes) {
    for (const v of routes.filter(r => r !== u && covers(r, u, style))) {
      grantTo(u, own.get(v.name)!.principals);
    }
  }
  const widened: string[] = [];
  const widenedInto = new Map<string, Set<string>>();
  const refused: string[] = [];
  for (const v of routes) {
    const callers = whoOf(v.name);
    const method = style === 'http' ? httpMatchOf(v).method : undefined;
    // A method twin of `u` takes every request of `u` with the method of `v`.
    const wins = (r: ResolvedRoute) => r !== v && !covers(v, r, style) && mayShadow(r, v, style) && !twins.has(`${r.name}|${method}`);
    for (const u of routes.filter(wins)) {
      const authorized = new Set(limited.get(u.name)!.principals.map(principalWho));
      const losing = [...callers].filter(w => !authorized.has(w)).sort(compareStrings);
      if (losing.length === 0) {
        continue;
      }
      const what = `route "${u.name}" (${describeMatch(u, style)}) can win requests of route "${v.name}" (${describeMatch(v, style)}) without being contained in it`;
      if (widerEnforcementAllowed(model, v)) {
        grantTo(u, own.get(v.name)!.principals.filter(p => losing.includes(principalWho(p))));
        widenedInto.set(v.name, (widenedInto.get(v.name) ?? new Set<string>()).add(u.name));
        widened.push(`${what}: ${losing.join(', ')}, limited to "${v.name}", are also allowed the requests of "${u.name}" that "${v.name}" does not match (allowWiderEnforcement)`);
      } else {
        refused.push(`${what}; ${losing.join(', ')}, limited to "${v.name}", would be denied those requests, or allowed all of "${u.name}"`);
      }
    }
  }
  if (refused.length > 0) {
    throw new PhaseCapabilityError(`${where}: the linkerd phase cannot enforce these route limits exactly: ${refused.join('; ')}. The proxy authorizes a request by the one route it dispatches to (longest path match, then method). Make the routes nested or disjoint, or set allowWiderEnforcement: true on the route (or l7Widening: allow) to accept the wider limit`);
  }
  return { widenings: widened, widenedInto };
}

/**
 * Exact method twins, in place: a method-less HTTP route `u` whose path lies inside the
 * path of a route `v` limited to method `m` (and which can win requests of `v`) gets a
 * twin `<u>-<m>`: same path, method `m`. The proxy prefers the twin for method-`m`
 * requests (same path rank, a method match ranks higher: linkerd2-proxy
 * `http/match.rs`), and the twin is contained in `v`, so it carries the callers of `v`
 * while `u` keeps the other methods. Returns `<u>|<m>` for every twin made.
 */
function splitByMethod(
  served: readonly ResolvedRoute[],
  routes: ResolvedRoute[],
  own: Map<string, { route: ResolvedRoute; principals: Principal[] }>,
  limited: Map<string, { route: ResolvedRoute; set: PrincipalSet; principals: Principal[] }>,
  style: 'http' | 'grpc',
): Set<string> {
  const twins = new Set<string>();
  for (const u of [...routes]) {
    if (u.kind !== 'http' || u.http?.method !== undefined) {
      continue;
    }
    for (const v of [...routes]) {
      const method = v.kind === 'http' ? v.http?.method : undefined;
      if (v === u || method === undefined || twins.has(`${u.name}|${method}`) || covers(v, u, style) || !mayShadow(u, v, style)) {
        continue;
      }
      const pathOfV: ResolvedRoute = { ...v, http: { ...v.http, method: undefined } };
      const name = `${u.name}-${method.toLowerCase()}`;
      if (!covers(pathOfV, u, style) || served.some(r => r.name === name) || own.has(name)) {
        continue;
      }
      const twin: ResolvedRoute = { ...u, name, http: { ...u.http, method } };
      const principals = [...own.get(u.name)!.principals];
      routes.push(twin);
      own.set(name, { route: twin, principals });
      const set = new PrincipalSet();
      set.addAll(principals);
      limited.set(name, { route: twin, set, principals: [...principals] });
      twins.add(`${u.name}|${method}`);
    }
  }
  return twins;
}
