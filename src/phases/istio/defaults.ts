import { ResolvedTrafficPolicy } from '../../model/resolved';

/**
 * The library's connection pool and outlier detection defaults. Outlier detection
 * follows Istio's own documented defaults (5 consecutive 5xx, 10s sweeps, 30s ejection,
 * at most 10% of hosts); the pool limits are set so one misbehaving client cannot hold
 * unbounded connections (Istio's are effectively unlimited).
 */
export const DEFAULT_TRAFFIC_POLICY: Required<ResolvedTrafficPolicy> = {
  maxConnections: 1024,
  connectTimeoutMs: 5_000,
  http1MaxPendingRequests: 1024,
  http2MaxRequests: 1024,
  maxRequestsPerConnection: 0,
  maxRetries: 64,
  idleTimeoutMs: 3_600_000,
  consecutive5xxErrors: 5,
  intervalMs: 10_000,
  baseEjectionTimeMs: 30_000,
  maxEjectionPercent: 10,
};
