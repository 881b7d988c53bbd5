import { ServiceCatalog } from '../../../src/model/catalog';
import { ResolvedRoute } from '../../../src/model/resolved';
import { HttpMethod, PortProtocol, RetryCondition, RouteSpec } from '../../../src/model/types';
import { formatDropped, linkerdDuration, planRetries, timeoutAnnotations } from '../../../src/phases/linkerd/retries';

/** Resolves one route of a service with an http and a grpc port. */
function route(spec: RouteSpec): ResolvedRoute {
  const catalog = ServiceCatalog.fromSpec({
    namespace: 'shop',
    services: [{
      name: 'api',
      ports: [{ name: 'http', port: 80, protocol: PortProtocol.HTTP }, { name: 'grpc', port: 5050, protocol: PortProtocol.GRPC }],
      routes: [spec],
    }],
  });
  return catalog._resolved.service('shop/api').routes[0];
}

describe('linkerdDuration', () => {
  test('one integer and the largest exact unit, as Linkerd parses it', () => {
    expect(linkerdDuration(500)).toBe('500ms');
    expect(linkerdDuration(2000)).toBe('2s');
    expect(linkerdDuration(1500)).toBe('1500ms');
    expect(linkerdDuration(90_000)).toBe('90s');
    expect(linkerdDuration(120_000)).toBe('2m');
    expect(linkerdDuration(7_200_000)).toBe('2h');
    expect(linkerdDuration(0)).toBe('0ms');
  });
});

describe('planRetries', () => {
  test('idempotent HTTP route: 5xx and gateway-error on retry.linkerd.io/http, limit and per-try timeout', () => {
    const plan = planRetries(route({
      name: 'get',
      http: { method: HttpMethod.GET, path: '/a' },
      retries: { attempts: 3, perTryTimeout: '250ms', on: [RetryCondition.SERVER_ERROR, RetryCondition.GATEWAY_ERROR, RetryCondition.CONNECT_FAILURE] },
    }), 'http');
    expect(plan.annotations).toEqual({
      'retry.linkerd.io/http': '5xx,gateway-error',
      'retry.linkerd.io/limit': '3',
      'retry.linkerd.io/timeout': '250ms',
    });
    expect(plan.builtIn).toEqual([RetryCondition.CONNECT_FAILURE]);
    expect(plan.dropped).toEqual([]);
  });

  test('idempotent gRPC route: status codes on retry.linkerd.io/grpc, no per-try timeout when none is set', () => {
    const plan = planRetries(route({
      name: 'get',
      grpc: { service: 'shop.Api', method: 'Get' },
      idempotent: true,
      retries: {
        attempts: 2,
        on: [RetryCondition.UNAVAILABLE, RetryCondition.DEADLINE_EXCEEDED, RetryCondition.RESOURCE_EXHAUSTED, RetryCondition.CANCELLED],
      },
    }), 'grpc');
    expect(plan.annotations).toEqual({
      'retry.linkerd.io/grpc': 'cancelled,deadline-exceeded,resource-exhausted,unavailable',
      'retry.linkerd.io/limit': '2',
    });
  });

  test('default conditions: refused-stream and reset are dropped with a reason, never silently', () => {
    const http = planRetries(route({ name: 'get', http: { method: HttpMethod.GET, path: '/a' }, retries: { attempts: 1 } }), 'http');
    expect(http.annotations['retry.linkerd.io/http']).toBe('gateway-error');
    expect(http.dropped.map(d => d.condition).sort()).toEqual([RetryCondition.REFUSED_STREAM, RetryCondition.RESET]);
    expect(formatDropped(http.dropped)).toMatch(/refused-stream \(Linkerd has no retry condition/);
    const grpc = planRetries(route({ name: 'get', grpc: { service: 'shop.Api' }, idempotent: true, retries: { attempts: 1 } }), 'grpc');
    expect(grpc.annotations['retry.linkerd.io/grpc']).toBe('cancelled,unavailable');
    expect(grpc.dropped.map(d => d.condition)).toEqual([RetryCondition.REFUSED_STREAM]);
  });

  test('the annotation family follows the route object: HTTP classes are not valid on a GRPCRoute and vice versa', () => {
    const onGrpc = planRetries(route({ name: 'get', grpc: { service: 'shop.Api' }, idempotent: true, retries: { attempts: 1, on: [RetryCondition.GATEWAY_ERROR, RetryCondition.UNAVAILABLE] } }), 'grpc');
    expect(onGrpc.annotations['retry.linkerd.io/grpc']).toBe('unavailable');
    expect(onGrpc.annotations['retry.linkerd.io/http']).toBeUndefined();
    expect(onGrpc.dropped[0].reason).toMatch(/GRPCRoute takes gRPC status codes only/);
    const grpcOnHttpRoute = planRetries(route({ name: 'get', grpc: { service: 'shop.Api' }, idempotent: true, retries: { attempts: 1, on: [RetryCondition.UNAVAILABLE] } }), 'http');
    expect(grpcOnHttpRoute.annotations).toEqual({});
    expect(grpcOnHttpRoute.dropped[0].reason).toMatch(/retry.linkerd.io\/grpc is not valid/);
    const httpWithGrpcStatus = planRetries(route({ name: 'get', http: { method: HttpMethod.GET, path: '/a' }, retries: { attempts: 1, on: [RetryCondition.CANCELLED] } }), 'http');
    expect(httpWithGrpcStatus.dropped[0].reason).toMatch(/never occurs on an HTTP route/);
  });

  test('a non-idempotent route never gets a retry annotation', () => {
    const plan = planRetries(route({ name: 'post', http: { method: HttpMethod.POST, path: '/a' }, retries: { attempts: 2 } }), 'http');
    expect(plan.annotations).toEqual({});
    expect(plan.builtIn).toEqual([RetryCondition.CONNECT_FAILURE]);
    expect(plan.dropped.map(d => d.condition).sort()).toEqual([RetryCondition.REFUSED_STREAM, RetryCondition.RESET_BEFORE_REQUEST]);
    expect(plan.dropped.every(d => /not idempotent/.test(d.reason))).toBe(true);
  });

  test('no retries, or zero attempts: nothing at all', () => {
    expect(planRetries(route({ name: 'get', http: { method: HttpMethod.GET, path: '/a' } }), 'http')).toEqual({ annotations: {}, builtIn: [], dropped: [] });
    expect(planRetries(route({ name: 'get', http: { method: HttpMethod.GET, path: '/a' }, retries: { attempts: 0 } }), 'http').annotations).toEqual({});
  });
});

test('timeoutAnnotations: timeout.linkerd.io/request from the route timeout', () => {
  expect(timeoutAnnotations(route({ name: 'get', http: { method: HttpMethod.GET, path: '/a' }, timeout: '1500ms' }))).toEqual({ 'timeout.linkerd.io/request': '1500ms' });
  expect(timeoutAnnotations(route({ name: 'get', http: { method: HttpMethod.GET, path: '/a' } }))).toEqual({});
});
