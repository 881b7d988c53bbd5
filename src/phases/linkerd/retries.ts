/**
 * Retries and timeouts as Linkerd route annotations (linkerd.io/2/reference/retries,
 * /timeouts). Linkerd retries on response classes only:
 * - `retry.linkerd.io/http` (HTTPRoute): status codes, ranges, `5xx`, `gateway-error`;
 * - `retry.linkerd.io/grpc` (GRPCRoute): cancelled, deadline-exceeded, internal,
 *   resource-exhausted, unavailable;
 * - `retry.linkerd.io/limit` (default 1) and `retry.linkerd.io/timeout` (per try);
 * and never for a request whose body exceeds 64 KiB (it cannot be buffered).
 *
 * Connection failures never reach a request: Linkerd's balancer dispatches only to
 * endpoints with an established connection (linkerd2#491), so `connect-failure` needs no
 * annotation. Resets and REFUSED_STREAM have no Linkerd condition: they are dropped and
 * recorded, never silently. Non-idempotent routes never get retry annotations: Linkerd
 * cannot limit a retry to failures that happened before the request was sent.
 */
import { RETRY_GRPC_ANNOTATION, RETRY_HTTP_ANNOTATION, RETRY_LIMIT_ANNOTATION, RETRY_TIMEOUT_ANNOTATION, TIMEOUT_REQUEST_ANNOTATION } from '../../model/mesh-facts/linkerd';
import { ResolvedRoute } from '../../model/resolved';
import { RetryCondition } from '../../model/types';

/** Which annotation family a route object takes: HTTPRoute (`http`) or GRPCRoute (`grpc`). */
export type RouteObjectStyle = 'http' | 'grpc';

/** A retry condition the phase could not express, and why. */
export interface DroppedRetryCondition {
  readonly condition: RetryCondition;
  readonly reason: string;
}

/** What a route's retry policy becomes under Linkerd. */
export interface LinkerdRetryPlan {
  /** Annotations for the route object (empty: no retries). */
  readonly annotations: Record<string, string>;
  /** Conditions Linkerd covers without configuration. */
  readonly builtIn: RetryCondition[];
  /** Conditions that cannot be expressed. */
  readonly dropped: DroppedRetryCondition[];
}

const HTTP_VALUES: Partial<Record<RetryCondition, string>> = {
  [RetryCondition.SERVER_ERROR]: '5xx',
  [RetryCondition.GATEWAY_ERROR]: 'gateway-error',
};

const GRPC_VALUES: Partial<Record<RetryCondition, string>> = {
  [RetryCondition.UNAVAILABLE]: 'unavailable',
  [RetryCondition.CANCELLED]: 'cancelled',
  [RetryCondition.DEADLINE_EXCEEDED]: 'deadline-exceeded',
  [RetryCondition.RESOURCE_EXHAUSTED]: 'resource-exhausted',
};

const NO_LINKERD_CONDITION: Partial<Record<RetryCondition, string>> = {
  [RetryCondition.REFUSED_STREAM]: 'Linkerd has no retry condition for REFUSED_STREAM resets',
  [RetryCondition.RESET_BEFORE_REQUEST]: 'Linkerd has no retry condition for resets before the request was sent',
  [RetryCondition.RESET]: 'Linkerd retries on response status only, not on connection resets',
};

/**
 * Formats milliseconds as Linkerd parses durations: one integer and one unit
 * (`ms`, `s`, `m`, `h`), e.g. `500ms`, `2s`, `90s`.
 */
export function linkerdDuration(ms: number): string {
  const value = Math.round(ms);
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (value > 0 && value % size === 0) {
      return `${value / size}${unit}`;
    }
  }
  return `${value}ms`;
}

/** The retry annotations of one route object, with what could not be expressed. */
export function planRetries(route: ResolvedRoute, style: RouteObjectStyle): LinkerdRetryPlan {
  const retries = route.retries;
  if (!retries || retries.attempts === 0) {
    return { annotations: {}, builtIn: [], dropped: [] };
  }
  const builtIn: RetryCondition[] = [];
  const dropped: DroppedRetryCondition[] = [];
  const values = new Set<string>();
  for (const condition of retries.on) {
    if (condition === RetryCondition.CONNECT_FAILURE) {
      builtIn.push(condition);
      continue;
    }
    if (!route.idempotent) {
      dropped.push({ condition, reason: 'the route is not idempotent and Linkerd cannot limit a retry to failures before the request was sent' });
      continue;
    }
    const noCondition = NO_LINKERD_CONDITION[condition];
    if (noCondition) {
      dropped.push({ condition, reason: noCondition });
      continue;
    }
    const table = style === 'grpc' ? GRPC_VALUES : HTTP_VALUES;
    const value = table[condition];
    if (value !== undefined) {
      values.add(value);
    } else if (style === 'grpc') {
      dropped.push({ condition, reason: `${condition} is an HTTP status class; a GRPCRoute takes gRPC status codes only (retry.linkerd.io/http is not valid there)` });
    } else if (route.kind === 'grpc') {
      dropped.push({ condition, reason: `${condition} is a gRPC status; this gRPC route is served on a port routed with an HTTPRoute, where retry.linkerd.io/grpc is not valid (declare the port as grpc)` });
    } else {
      dropped.push({ condition, reason: `${condition} is a gRPC status and never occurs on an HTTP route` });
    }
  }
  const annotations: Record<string, string> = {};
  if (values.size > 0) {
    annotations[style === 'grpc' ? RETRY_GRPC_ANNOTATION : RETRY_HTTP_ANNOTATION] = [...values].sort().join(',');
    annotations[RETRY_LIMIT_ANNOTATION] = String(retries.attempts);
    if (retries.perTryTimeoutMs !== undefined) {
      annotations[RETRY_TIMEOUT_ANNOTATION] = linkerdDuration(retries.perTryTimeoutMs);
    }
  }
  return { annotations, builtIn, dropped };
}

/** The timeout annotation of a route object (empty when the route has no timeout). */
export function timeoutAnnotations(route: ResolvedRoute): Record<string, string> {
  return route.timeoutMs === undefined ? {} : { [TIMEOUT_REQUEST_ANNOTATION]: linkerdDuration(route.timeoutMs) };
}

/** `refused-stream (reason); reset (reason)`: the dropped-conditions annotation value. */
export function formatDropped(dropped: readonly DroppedRetryCondition[]): string {
  return dropped.map(d => `${d.condition} (${d.reason})`).join('; ');
}
