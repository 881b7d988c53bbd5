/**
 * Cilium L7 HTTP rules of catalog routes. Internal: not re-exported from the index.
 *
 * Cilium hands `method` and `path` to its Envoy proxy as regular expressions matched
 * against the whole `:method` and `:path` (the path includes the query string). The rules
 * are anchored anyway, so they mean the same under full and partial matching.
 */
import { ResolvedRoute } from '../model/resolved';

/** Method and path regular expressions; a missing field matches anything. */
export interface CiliumHttpRule {
  readonly method?: string;
  readonly path?: string;
}

/** RE2 escape of a literal. */
export function escapeRegex(text: string): string {
  return text.replace(/[\\.+*?()|[\]{}^$]/g, ch => `\\${ch}`);
}

/** An optional query string after the path. */
const QUERY = '(\\?.*)?';

/** The Cilium HTTP rule of a route; gRPC is `POST /<package.Service>/<Method>`. */
export function httpRuleOf(route: ResolvedRoute): CiliumHttpRule {
  if (route.kind === 'grpc' && route.grpc) {
    const method = route.grpc.method !== undefined ? escapeRegex(route.grpc.method) : '[^/]+';
    return { method: '^POST$', path: `^/${escapeRegex(route.grpc.service)}/${method}$` };
  }
  const http = route.http ?? {};
  let path: string | undefined;
  if (http.path !== undefined) {
    path = `^${escapeRegex(http.path)}${QUERY}$`;
  } else if (http.pathPrefix !== undefined) {
    // Segment-wise: `/products` matches `/products` and `/products/...`, not `/productsx`.
    const prefix = http.pathPrefix.replace(/\/+$/, '');
    path = prefix === '' ? '^/.*$' : `^${escapeRegex(prefix)}(/[^?]*)?${QUERY}$`;
  } else if (http.pathRegex !== undefined) {
    path = `^(?:${http.pathRegex})${QUERY}$`;
  }
  return {
    ...(http.method !== undefined ? { method: `^${http.method}$` } : {}),
    ...(path !== undefined ? { path } : {}),
  };
}
