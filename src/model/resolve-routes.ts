/** Routes of a service: request matches, idempotency, timeouts, retries, faults. */
import {
  DEFAULT_GRPC_RETRY_ON,
  DEFAULT_HTTP_RETRY_ON,
  DEFAULT_NON_IDEMPOTENT_RETRY_ON,
  isIdempotentMethod,
  unsafeConditions,
} from './idempotency';
import { checkDns1123Label } from './names';
import { checkPercent, describePorts, findPort, Issues, L7_PROTOCOLS, optionalDuration, Path, show, sortedRecord } from './resolve-common';
import { IdempotencySource, ResolvedFault, ResolvedPort, ResolvedRetries, ResolvedRoute } from './resolved';
import { FaultSpec, PortProtocol, RouteSpec } from './types';

export function resolveRoute(issues: Issues, path: Path, spec: RouteSpec, ports: readonly ResolvedPort[]): ResolvedRoute | undefined {
  const nameProblem = checkDns1123Label(spec.name ?? '');
  if (nameProblem) {
    issues.error([...path, 'name'], nameProblem);
  }
  if ((spec.http === undefined) === (spec.grpc === undefined)) {
    issues.error(path, `route "${spec.name}" needs exactly one of "http" and "grpc"`);
    return undefined;
  }
  const kind: 'http' | 'grpc' = spec.http ? 'http' : 'grpc';
  checkRouteMatch(issues, path, spec);
  const served = routePorts(issues, path, spec, kind, ports);
  if (!served) {
    return undefined;
  }
  const { idempotent, idempotentSource } = routeIdempotency(spec);
  const timeoutMs = optionalDuration(issues, [...path, 'timeout'], spec.timeout, 'timeout');
  const retries = spec.retries ? resolveRetries(issues, path, spec, kind, idempotent, idempotentSource) : undefined;
  const fault = spec.fault ? resolveFault(issues, [...path, 'fault'], spec.fault, kind) : undefined;
  return {
    name: spec.name,
    kind,
    fault,
    http: spec.http ? { ...spec.http } : undefined,
    grpc: spec.grpc ? { ...spec.grpc } : undefined,
    ports: served,
    idempotent,
    idempotentSource,
    timeoutMs,
    retries,
    ...(spec.allowWiderEnforcement !== undefined ? { allowWiderEnforcement: spec.allowWiderEnforcement } : {}),
  };
}

/** An HTTP match: at most one path form, paths absolute, a valid regular expression; a gRPC match: valid names. */
function checkRouteMatch(issues: Issues, path: Path, spec: RouteSpec): void {
  if (spec.http) {
    const given = (['path', 'pathPrefix', 'pathRegex'] as const).filter(k => spec.http![k] !== undefined);
    if (given.length > 1) {
      issues.error([...path, 'http'], `give at most one of path, pathPrefix and pathRegex (got ${given.join(', ')})`);
    }
    for (const k of ['path', 'pathPrefix'] as const) {
      const value = spec.http[k];
      if (value !== undefined && !value.startsWith('/')) {
        issues.error([...path, 'http', k], `"${value}" must start with "/"`);
      }
    }
    if (spec.http.pathRegex !== undefined) {
      try {
        new RegExp(spec.http.pathRegex);
      } catch (e) {
        issues.error([...path, 'http', 'pathRegex'], `invalid regular expression: ${(e as Error).message}`);
      }
    }
  } else if (spec.grpc) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(spec.grpc.service ?? '')) {
      issues.error([...path, 'grpc', 'service'], `"${spec.grpc.service}" is not a fully qualified gRPC service name (e.g. shop.Checkout)`);
    }
    if (spec.grpc.method !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(spec.grpc.method)) {
      issues.error([...path, 'grpc', 'method'], `"${spec.grpc.method}" is not a gRPC method name`);
    }
  }
}

/** The ports that serve the route: the one it names, or every port that can carry it. */
function routePorts(issues: Issues, path: Path, spec: RouteSpec, kind: 'http' | 'grpc', ports: readonly ResolvedPort[]): ResolvedPort[] | undefined {
  // Ports that can carry the route: gRPC needs HTTP/2 framing.
  const fits = (p: ResolvedPort) => (kind === 'grpc' ? p.protocol === PortProtocol.GRPC || p.protocol === PortProtocol.HTTP2 : p.protocol === PortProtocol.HTTP || p.protocol === PortProtocol.HTTP2);
  if (spec.port !== undefined) {
    const port = findPort(ports, spec.port);
    if (!port) {
      issues.error([...path, 'port'], `unknown port "${spec.port}" (ports: ${describePorts(ports)})`);
      return undefined;
    }
    if (!L7_PROTOCOLS.has(port.protocol)) {
      issues.error([...path, 'port'], `port "${spec.port}" speaks ${port.protocol}; routes need an http, http2 or grpc port`);
      return undefined;
    }
    return [port];
  }
  const served = ports.filter(fits);
  if (served.length === 0) {
    issues.error(path, `route "${spec.name}" is ${kind === 'grpc' ? 'a gRPC' : 'an HTTP'} route but the service has no ${kind === 'grpc' ? 'grpc or http2' : 'http or http2'} port`);
    return undefined;
  }
  return served;
}

/** Declared, else derived from the HTTP method (RFC 9110 §9.2.2), else not idempotent. */
function routeIdempotency(spec: RouteSpec): { idempotent: boolean; idempotentSource: IdempotencySource } {
  if (spec.idempotent !== undefined) {
    return { idempotent: spec.idempotent, idempotentSource: 'declared' };
  }
  if (spec.http?.method !== undefined) {
    return { idempotent: isIdempotentMethod(spec.http.method), idempotentSource: 'method' };
  }
  return { idempotent: false, idempotentSource: 'default' };
}

/** A route's retries: conditions defaulted by kind; a non-idempotent route never retries after the server saw the request. */
function resolveRetries(
  issues: Issues, path: Path, spec: RouteSpec, kind: 'http' | 'grpc', idempotent: boolean, idempotentSource: IdempotencySource,
): ResolvedRetries {
  const r = spec.retries!;
  if (!Number.isInteger(r.attempts) || r.attempts < 0 || r.attempts > 10) {
    issues.error([...path, 'retries', 'attempts'], `attempts ${show(r.attempts)} must be an integer from 0 to 10`);
  }
  const perTryTimeoutMs = optionalDuration(issues, [...path, 'retries', 'perTryTimeout'], r.perTryTimeout, 'perTryTimeout');
  const on = r.on ?? (idempotent ? (kind === 'grpc' ? DEFAULT_GRPC_RETRY_ON : DEFAULT_HTTP_RETRY_ON) : DEFAULT_NON_IDEMPOTENT_RETRY_ON);
  if (r.on !== undefined && r.on.length === 0 && r.attempts > 0) {
    issues.error([...path, 'retries', 'on'], 'retries with attempts > 0 need at least one condition');
  }
  if (!idempotent && r.attempts > 0) {
    const unsafe = unsafeConditions(on);
    if (unsafe.length > 0) {
      const why = idempotentSource === 'method' ? `${spec.http!.method} is not idempotent` : idempotentSource === 'declared' ? 'it is declared non-idempotent' : `${kind === 'grpc' ? 'gRPC' : 'method-less'} routes are non-idempotent unless declared`;
      issues.error([...path, 'retries', 'on'], `route "${spec.name}" is not idempotent (${why}): retrying on ${unsafe.join(', ')} can repeat a request the server already processed; use only connect-failure, refused-stream, reset-before-request, or declare "idempotent: true" if repeating it is harmless`);
    }
  }
  return { attempts: r.attempts, perTryTimeoutMs, on: [...new Set(on)].sort(), conditionsDeclared: r.on !== undefined };
}

/** gRPC status names (google.rpc.Code) accepted by fault aborts. */
export const GRPC_STATUS_NAMES = new Set([
  'OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE',
  'DATA_LOSS', 'UNAUTHENTICATED',
]);

/** HTTP field names are RFC 9110 tokens; meshes match them lower-cased. */
export const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;


export function checkHeaders(issues: Issues, path: Path, headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (!HEADER_NAME.test(name)) {
      issues.error([...path, name], `"${name}" is not a lower-case HTTP header name`);
    }
    if (typeof value !== 'string') {
      issues.error([...path, name], `header values are strings, got ${show(value)}`);
    }
    out[name] = value;
  }
  return sortedRecord(out);
}

export function resolveFault(issues: Issues, path: Path, spec: FaultSpec, kind: 'http' | 'grpc'): ResolvedFault | undefined {
  if (!spec.delay && !spec.abort) {
    issues.error(path, 'a fault needs "delay" or "abort"');
    return undefined;
  }
  let delay: ResolvedFault['delay'];
  if (spec.delay) {
    const fixedDelayMs = optionalDuration(issues, [...path, 'delay', 'fixedDelay'], spec.delay.fixedDelay, 'fixedDelay') ?? 0;
    delay = { fixedDelayMs, percent: checkPercent(issues, [...path, 'delay', 'percent'], spec.delay.percent) };
  }
  let abort: ResolvedFault['abort'];
  if (spec.abort) {
    const a = spec.abort;
    if ((a.httpStatus === undefined) === (a.grpcStatus === undefined)) {
      issues.error([...path, 'abort'], 'an abort needs exactly one of "httpStatus" and "grpcStatus"');
    } else if (a.httpStatus !== undefined && (!Number.isInteger(a.httpStatus) || a.httpStatus < 200 || a.httpStatus > 599)) {
      issues.error([...path, 'abort', 'httpStatus'], `httpStatus ${show(a.httpStatus)} must be an HTTP status from 200 to 599`);
    } else if (a.grpcStatus !== undefined && !GRPC_STATUS_NAMES.has(a.grpcStatus)) {
      issues.error([...path, 'abort', 'grpcStatus'], `"${a.grpcStatus}" is not a gRPC status name (e.g. UNAVAILABLE, INTERNAL)`);
    } else if (a.grpcStatus !== undefined && kind !== 'grpc') {
      issues.error([...path, 'abort', 'grpcStatus'], 'a gRPC status can only be injected on a gRPC route');
    }
    abort = { httpStatus: a.httpStatus, grpcStatus: a.grpcStatus, percent: checkPercent(issues, [...path, 'abort', 'percent'], a.percent) };
  }
  return { delay, abort, headers: checkHeaders(issues, [...path, 'headers'], spec.headers) };
}


export { BUILT_IN_PEERS, CATALOG_DEFAULTS } from './resolve-common';
export { resolvePlatformSection } from './resolve-settings';

