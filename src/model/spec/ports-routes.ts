/**
 * Ports and routes of a service: what a port speaks, the request classes (HTTP method and
 * path, gRPC service and method) a service serves, and each route's timeout, retries and
 * fault injection. Re-exported by ../types.ts, the one entry point of the catalog types.
 */

/** Application protocol spoken on a port. */
export enum PortProtocol {
  /** HTTP/1.1 (L7 rules possible). */
  HTTP = 'http',
  /** HTTP/2 cleartext (L7 rules possible). */
  HTTP2 = 'http2',
  /** gRPC over HTTP/2 (L7 rules possible). */
  GRPC = 'grpc',
  /** Opaque TCP. */
  TCP = 'tcp',
  /** UDP. */
  UDP = 'udp',
  /** TLS terminated by the application (opaque to the mesh). */
  TLS = 'tls',
}

/** HTTP request methods (RFC 9110 §9). */
export enum HttpMethod {
  GET = 'GET',
  HEAD = 'HEAD',
  POST = 'POST',
  PUT = 'PUT',
  DELETE = 'DELETE',
  PATCH = 'PATCH',
  OPTIONS = 'OPTIONS',
  TRACE = 'TRACE',
  CONNECT = 'CONNECT',
}

/**
 * Conditions under which a request may be retried.
 *
 * Only `connect-failure`, `refused-stream` and `reset-before-request` fire before the
 * server has seen the request; they are the only ones allowed on non-idempotent routes.
 */
export enum RetryCondition {
  /** The connection could not be established. Safe for any request. */
  CONNECT_FAILURE = 'connect-failure',
  /** The server refused the HTTP/2 stream (REFUSED_STREAM). Safe for any request. */
  REFUSED_STREAM = 'refused-stream',
  /** The connection was reset before the request was sent. Safe for any request. */
  RESET_BEFORE_REQUEST = 'reset-before-request',
  /** Any reset, including after the request was sent. Idempotent routes only. */
  RESET = 'reset',
  /** 502, 503 and 504 responses. Idempotent routes only. */
  GATEWAY_ERROR = 'gateway-error',
  /** Any 5xx response. Idempotent routes only. */
  SERVER_ERROR = '5xx',
  /** gRPC status UNAVAILABLE. Idempotent routes only. */
  UNAVAILABLE = 'unavailable',
  /** gRPC status CANCELLED. Idempotent routes only. */
  CANCELLED = 'cancelled',
  /** gRPC status DEADLINE_EXCEEDED. Idempotent routes only. */
  DEADLINE_EXCEEDED = 'deadline-exceeded',
  /** gRPC status RESOURCE_EXHAUSTED. Idempotent routes only. */
  RESOURCE_EXHAUSTED = 'resource-exhausted',
}

/** A port of a service. */
export interface PortSpec {
  /**
   * Port name (DNS-1123 label, at most 15 characters). Calls and routes refer to a port
   * by this name or by its number.
   * @default - unnamed: referred to by number
   */
  readonly name?: string;
  /** Service port that clients dial (1-65535). */
  readonly port: number;
  /**
   * Container port the pods listen on. Policies are written against this port.
   * @default - same as `port`
   */
  readonly targetPort?: number;
  /**
   * Application protocol.
   * @default PortProtocol.TCP
   */
  readonly protocol?: PortProtocol;
  /**
   * The port must accept plaintext from outside the mesh (e.g. a metrics scrape by a
   * non-meshed Prometheus): mesh phases make a port-level mTLS exception for it.
   * @default false
   */
  readonly plaintext?: boolean;
  /**
   * The port serves metrics: the `monitoring` peer (Prometheus) may call it, and only it.
   * An unmeshed scraper (the default) makes the port accept plaintext in mesh phases.
   * @default false
   */
  readonly metrics?: boolean;
}

/** HTTP request match of a route. Give at most one of `path`, `pathPrefix`, `pathRegex`. */
export interface HttpMatchSpec {
  /**
   * Request method. Decides whether the route is idempotent (RFC 9110 §9.2.2).
   * @default - any method (the route is then non-idempotent unless declared)
   */
  readonly method?: HttpMethod;
  /**
   * Exact request path.
   * @default - no exact path
   */
  readonly path?: string;
  /**
   * Path prefix (segment-wise, like Gateway API `PathPrefix`).
   * @default - no prefix
   */
  readonly pathPrefix?: string;
  /**
   * Path regular expression (RE2 syntax, matched against the whole path).
   * @default - no regular expression
   */
  readonly pathRegex?: string;
}

/** gRPC request match of a route. */
export interface GrpcMatchSpec {
  /** Fully qualified gRPC service, e.g. `shop.Checkout`. */
  readonly service: string;
  /**
   * Method name, e.g. `PlaceOrder`.
   * @default - every method of the service
   */
  readonly method?: string;
}

/** Retry policy of a route. */
export interface RetrySpec {
  /** Number of retries after the first try (0 disables retries). */
  readonly attempts: number;
  /**
   * Timeout of each try.
   * @default - the route timeout
   */
  readonly perTryTimeout?: string;
  /**
   * Conditions that trigger a retry.
   * @default - idempotent routes: connect-failure, refused-stream, unavailable, cancelled, gateway-error; others: connect-failure, refused-stream, reset-before-request
   */
  readonly on?: RetryCondition[];
}

/** A named request class of a service: HTTP method and path, or gRPC service/method. */
export interface RouteSpec {
  /** Route name (DNS-1123 label), unique within the service. */
  readonly name: string;
  /**
   * HTTP match. Give exactly one of `http` and `grpc`.
   * @default - not an HTTP route
   */
  readonly http?: HttpMatchSpec;
  /**
   * gRPC match. Give exactly one of `http` and `grpc`.
   * @default - not a gRPC route
   */
  readonly grpc?: GrpcMatchSpec;
  /**
   * Port (name or number) that serves this route.
   * @default - every HTTP, HTTP/2 or gRPC port of the service that fits the route kind
   */
  readonly port?: string | number;
  /**
   * Whether repeating the request is harmless.
   * @default - derived from the HTTP method (GET, HEAD, OPTIONS, TRACE, PUT, DELETE are idempotent); gRPC and method-less routes are not
   */
  readonly idempotent?: boolean;
  /**
   * Overall request timeout.
   * @default - no route timeout (mesh phases apply their own default)
   */
  readonly timeout?: string;
  /**
   * Retry policy.
   * @default - no retries
   */
  readonly retries?: RetrySpec;
  /**
   * Fault injection for testing (phases that support it). Never on unless set here.
   * @default - no fault injection
   */
  readonly fault?: FaultSpec;
  /**
   * Let a phase that cannot enforce the limit to this route exactly enforce it wider
   * (e.g. Istio authorization paths for a regular expression, or a Linkerd route that
   * wins some of this route's requests): synthesis warns, listing the extra requests the
   * callers limited to this route are allowed, and `check` reports them as tolerated.
   * Without it such a phase refuses to synthesize. See docs/routes.md.
   * @default - the catalog's `l7Widening`
   */
  readonly allowWiderEnforcement?: boolean;
}

/** Injected delay. */
export interface FaultDelaySpec {
  /** Delay before forwarding the request. */
  readonly fixedDelay: string;
  /** Share of requests delayed, in percent (0-100). */
  readonly percent: number;
}

/** Injected failure. Give exactly one of `httpStatus` and `grpcStatus`. */
export interface FaultAbortSpec {
  /**
   * HTTP status returned.
   * @default - not an HTTP abort
   */
  readonly httpStatus?: number;
  /**
   * gRPC status name returned (e.g. `UNAVAILABLE`).
   * @default - not a gRPC abort
   */
  readonly grpcStatus?: string;
  /** Share of requests aborted, in percent (0-100). */
  readonly percent: number;
}

/** Fault injection of a route, for testing resilience. */
export interface FaultSpec {
  /**
   * Delay some requests.
   * @default - no delay
   */
  readonly delay?: FaultDelaySpec;
  /**
   * Fail some requests.
   * @default - no abort
   */
  readonly abort?: FaultAbortSpec;
  /**
   * Only requests with these exact header values are affected.
   * @default - every request of the route
   */
  readonly headers?: Record<string, string>;
}
