/**
 * Idempotency and retry safety.
 *
 * Retrying a request the server may already have processed duplicates its effect (the
 * classic double-charged POST). Only idempotent requests may be retried after they were
 * sent; any request may be retried when the retry condition proves it never reached
 * the server.
 */
import { HttpMethod, RetryCondition } from './types';

/** RFC 9110 §9.2.2: methods whose repetition has the same effect as one request. */
export const IDEMPOTENT_METHODS: ReadonlySet<HttpMethod> = new Set([
  HttpMethod.GET,
  HttpMethod.HEAD,
  HttpMethod.OPTIONS,
  HttpMethod.TRACE,
  HttpMethod.PUT,
  HttpMethod.DELETE,
]);

/** Conditions that fire before the server has seen the request. */
export const PRE_REQUEST_CONDITIONS: ReadonlySet<RetryCondition> = new Set([
  RetryCondition.CONNECT_FAILURE,
  RetryCondition.REFUSED_STREAM,
  RetryCondition.RESET_BEFORE_REQUEST,
]);

/** Default retry conditions for idempotent HTTP routes. */
export const DEFAULT_HTTP_RETRY_ON: readonly RetryCondition[] = [
  RetryCondition.CONNECT_FAILURE,
  RetryCondition.REFUSED_STREAM,
  RetryCondition.RESET,
  RetryCondition.GATEWAY_ERROR,
];

/** Default retry conditions for idempotent gRPC routes. */
export const DEFAULT_GRPC_RETRY_ON: readonly RetryCondition[] = [
  RetryCondition.CONNECT_FAILURE,
  RetryCondition.REFUSED_STREAM,
  RetryCondition.UNAVAILABLE,
  RetryCondition.CANCELLED,
];

/** Default retry conditions for non-idempotent routes that opted into retries. */
export const DEFAULT_NON_IDEMPOTENT_RETRY_ON: readonly RetryCondition[] = [
  RetryCondition.CONNECT_FAILURE,
  RetryCondition.REFUSED_STREAM,
  RetryCondition.RESET_BEFORE_REQUEST,
];

/** Whether a request with this method (undefined: any method) is idempotent. */
export function isIdempotentMethod(method: HttpMethod | undefined): boolean {
  return method !== undefined && IDEMPOTENT_METHODS.has(method);
}

/** The retry conditions that are unsafe for a non-idempotent route. */
export function unsafeConditions(conditions: readonly RetryCondition[]): RetryCondition[] {
  return conditions.filter(c => !PRE_REQUEST_CONDITIONS.has(c));
}
