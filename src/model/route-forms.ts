/**
 * Which route forms each L7 phase enforces exactly (the table of docs/routes.md). The
 * emitters and the analysis follow it: a route limit a phase can only enforce wider is
 * refused, unless the catalog opts in (`routes[].allowWiderEnforcement`, `l7Widening`).
 * Internal: not re-exported from the index.
 */
import { ResolvedCatalog, ResolvedRoute } from './resolved';
import { L7Widening } from './types';

/** How a phase enforces a route form. */
export type Enforcement =
  /** Exactly the requests the form matches. */
  | 'EXACT'
  /** A superset; `how` says which extra requests pass. */
  | 'WIDER'
  /** The phase has no way to say it. */
  | 'NOT_EXPRESSIBLE';

/** One cell of the table. */
export interface RouteFormCell {
  readonly enforcement: Enforcement;
  /** What the phase emits, and for WIDER what passes beyond the form. */
  readonly how: string;
  /** Upstream code or documentation the cell rests on (repository, path, release). */
  readonly source: string;
}

export type RouteForm = 'exact path' | 'path prefix' | 'path regex' | 'method' | 'headers' | 'gRPC service' | 'gRPC method' | 'query';
export type L7Phase = 'cilium' | 'linkerd' | 'istio';

export interface RouteFormRow {
  readonly form: RouteForm;
  /** Catalog field; undefined when the catalog does not accept the form (yet). */
  readonly catalogField?: string;
  readonly phases: Readonly<Record<L7Phase, RouteFormCell>>;
}

const CILIUM_HTTP = 'cilium/cilium pkg/policy/api/http.go (PortRuleHTTP: path and method are extended regular expressions matched against :path / :method); cilium/proxy cilium/network_policy.cc (header matchers on :path, which carries the query string)';
const LINKERD_PATH = 'linkerd/linkerd2-proxy linkerd/http/route/src/http/match/path.rs (MatchPath: Exact = string equality, Prefix = whole segments with trailing slashes trimmed, Regex = find() spanning the whole path); linkerd/linkerd2 policy-controller/grpc/src/inbound/http.rs (routes sent oldest first, then by name, each with its own authorizations)';
const LINKERD_GRPC = 'linkerd/linkerd2-proxy linkerd/http/route/src/grpc/match.rs (MatchRpc: POST only, service and method compared exactly)';
const ISTIO_PATHS = 'istio/api security/v1beta1/authorization.proto (Operation.paths: exact, prefix*, *suffix, *; `{*}`/`{**}` templates, istio/istio#50365, Istio 1.22); envoyproxy/envoy source/extensions/path/uri_template_lib/uri_template_internal.cc (`{*}` = one segment of [a-zA-Z0-9-._~%!$&\'()+,;:@]+)';

/** The table: route forms x phases. */
export const ROUTE_FORMS: readonly RouteFormRow[] = [
  {
    form: 'exact path',
    catalogField: 'routes[].http.path',
    phases: {
      cilium: { enforcement: 'EXACT', how: 'path `^<escaped path>(\\?.*)?$`', source: CILIUM_HTTP },
      linkerd: { enforcement: 'EXACT', how: 'HTTPRoute path type Exact; authorization on the route the proxy dispatches to (see overlapping routes)', source: LINKERD_PATH },
      istio: { enforcement: 'EXACT', how: 'AuthorizationPolicy `paths: [<path>]`', source: ISTIO_PATHS },
    },
  },
  {
    form: 'path prefix',
    catalogField: 'routes[].http.pathPrefix',
    phases: {
      cilium: { enforcement: 'EXACT', how: 'path `^<prefix>(/[^?]*)?(\\?.*)?$` (segment-wise)', source: CILIUM_HTTP },
      linkerd: { enforcement: 'EXACT', how: 'HTTPRoute path type PathPrefix (segment-wise, like the catalog)', source: LINKERD_PATH },
      istio: { enforcement: 'EXACT', how: '`paths: [<prefix>, <prefix>/*]` (Istio `*` suffixes are plain string prefixes, so the segment boundary is written out)', source: ISTIO_PATHS },
    },
  },
  {
    form: 'path regex',
    catalogField: 'routes[].http.pathRegex',
    phases: {
      cilium: { enforcement: 'EXACT', how: 'path `^(?:<regex>)(\\?.*)?$`', source: CILIUM_HTTP },
      linkerd: { enforcement: 'EXACT', how: 'HTTPRoute path type RegularExpression (whole path); ranked by the full path length', source: LINKERD_PATH },
      istio: {
        enforcement: 'WIDER',
        how: 'AuthorizationPolicy has no regular expressions: a regex with a small finite language is split into its exact paths, a `[^/]+` segment becoming the template `{*}` (exact for segments of URI path characters); any other regex gets the tightest superset (`{*}` per segment, else its literal prefix plus `*`), so other paths pass. Refused unless allowWiderEnforcement',
        source: ISTIO_PATHS,
      },
    },
  },
  {
    form: 'method',
    catalogField: 'routes[].http.method',
    phases: {
      cilium: { enforcement: 'EXACT', how: 'method `^<METHOD>$`', source: CILIUM_HTTP },
      linkerd: { enforcement: 'EXACT', how: 'HTTPRoute match method (ranks after path length, headers and query)', source: 'linkerd/linkerd2-proxy linkerd/http/route/src/http/match.rs (RequestMatch ordering: path, headers, query params, method)' },
      istio: { enforcement: 'EXACT', how: 'AuthorizationPolicy `methods: [<METHOD>]`', source: ISTIO_PATHS },
    },
  },
  {
    form: 'gRPC service',
    catalogField: 'routes[].grpc.service',
    phases: {
      cilium: { enforcement: 'EXACT', how: 'method `^POST$`, path `^/<service>/[^/]+$`', source: CILIUM_HTTP },
      linkerd: { enforcement: 'EXACT', how: 'GRPCRoute method {type: Exact, service}; a per-method route of the same service always outranks it', source: LINKERD_GRPC },
      istio: { enforcement: 'EXACT', how: '`methods: [POST]`, `paths: [/<service>/{*}]` (one segment: gRPC method names are identifiers)', source: ISTIO_PATHS },
    },
  },
  {
    form: 'gRPC method',
    catalogField: 'routes[].grpc.method',
    phases: {
      cilium: { enforcement: 'EXACT', how: 'method `^POST$`, path `^/<service>/<method>$`', source: CILIUM_HTTP },
      linkerd: { enforcement: 'EXACT', how: 'GRPCRoute method {type: Exact, service, method}', source: LINKERD_GRPC },
      istio: { enforcement: 'EXACT', how: '`methods: [POST]`, `paths: [/<service>/<method>]`', source: ISTIO_PATHS },
    },
  },
  {
    form: 'headers',
    phases: {
      cilium: { enforcement: 'EXACT', how: 'PortRuleHTTP `headers` / `headerMatches` (not emitted: the catalog has no header route limits)', source: CILIUM_HTTP },
      linkerd: { enforcement: 'EXACT', how: 'HTTPRoute `headers` (not emitted)', source: 'linkerd/linkerd2-proxy linkerd/http/route/src/http/match/header.rs' },
      istio: { enforcement: 'EXACT', how: '`when: request.headers[<name>]` exact values (not emitted)', source: 'istio/api security/v1beta1/authorization.proto (Condition keys)' },
    },
  },
  {
    form: 'query',
    phases: {
      cilium: { enforcement: 'EXACT', how: 'part of the path regex (not emitted: routes ignore the query string)', source: CILIUM_HTTP },
      linkerd: { enforcement: 'EXACT', how: 'HTTPRoute `queryParams` (not emitted)', source: 'linkerd/linkerd2-proxy linkerd/http/route/src/http/match/query_param.rs' },
      istio: { enforcement: 'NOT_EXPRESSIBLE', how: 'AuthorizationPolicy paths ignore the query string and no condition key reads it', source: ISTIO_PATHS },
    },
  },
];

/** The cell of a form in a phase. */
export function routeFormCell(form: RouteForm, phase: L7Phase): RouteFormCell {
  return ROUTE_FORMS.find(r => r.form === form)!.phases[phase];
}

/** Whether the catalog lets phases enforce the limit to `route` wider than declared. */
export function widerEnforcementAllowed(catalog: Pick<ResolvedCatalog, 'l7Widening'>, route: Pick<ResolvedRoute, 'allowWiderEnforcement'>): boolean {
  return route.allowWiderEnforcement ?? catalog.l7Widening === L7Widening.ALLOW;
}
