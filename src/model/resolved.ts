/**
 * The resolved model: a validated catalog with every default applied, every reference
 * bound and everything in canonical order. Backends and the analysis read only this.
 *
 * Internal (not part of the jsii API): plain TypeScript types, free to use unions.
 */
import { HttpMethod, L4Layer, MeshMode, PortProtocol, RetryCondition } from './types';

/** A service port with defaults applied. */
export interface ResolvedPort {
  /** Port name, if any. */
  readonly name?: string;
  /** Service port. */
  readonly port: number;
  /** Pod port: what policies name. */
  readonly targetPort: number;
  readonly protocol: PortProtocol;
  /** How the model refers to the port: its name, or its number as a string. */
  readonly ref: string;
  /** Accepts plaintext from outside the mesh (mTLS exception in mesh phases). */
  readonly plaintext: boolean;
}

export interface ResolvedRetries {
  readonly attempts: number;
  /** Per-try timeout in milliseconds, if set. */
  readonly perTryTimeoutMs?: number;
  readonly on: RetryCondition[];
}

export interface ResolvedHttpMatch {
  readonly method?: HttpMethod;
  readonly path?: string;
  readonly pathPrefix?: string;
  readonly pathRegex?: string;
}

export interface ResolvedGrpcMatch {
  readonly service: string;
  readonly method?: string;
}

/** Why a route is (non-)idempotent. */
export type IdempotencySource = 'declared' | 'method' | 'default';

export interface ResolvedRoute {
  readonly name: string;
  readonly kind: 'http' | 'grpc';
  readonly http?: ResolvedHttpMatch;
  readonly grpc?: ResolvedGrpcMatch;
  /** Ports that serve the route (non-empty). */
  readonly ports: ResolvedPort[];
  readonly idempotent: boolean;
  readonly idempotentSource: IdempotencySource;
  /** Route timeout in milliseconds, if set. */
  readonly timeoutMs?: number;
  readonly retries?: ResolvedRetries;
  /** Fault injection, only when the catalog asks for it. */
  readonly fault?: ResolvedFault;
}

export interface ResolvedFault {
  readonly delay?: { readonly fixedDelayMs: number; readonly percent: number };
  readonly abort?: { readonly httpStatus?: number; readonly grpcStatus?: string; readonly percent: number };
  /** Exact header matches that scope the fault; empty = every request of the route. */
  readonly headers: Record<string, string>;
}

/** Connection pool and outlier detection; only the fields that were set. Durations in ms. */
export interface ResolvedTrafficPolicy {
  readonly maxConnections?: number;
  readonly connectTimeoutMs?: number;
  readonly http1MaxPendingRequests?: number;
  readonly http2MaxRequests?: number;
  readonly maxRequestsPerConnection?: number;
  readonly maxRetries?: number;
  readonly idleTimeoutMs?: number;
  readonly consecutive5xxErrors?: number;
  readonly intervalMs?: number;
  readonly baseEjectionTimeMs?: number;
  readonly maxEjectionPercent?: number;
}

export interface ResolvedVersion {
  readonly name: string;
  /** Extra labels of this version (added to the service selector). */
  readonly labels: Record<string, string>;
  readonly weight: number;
}

export interface ResolvedCertificate {
  readonly secretName: string;
  readonly dnsNames: string[];
  readonly durationMs: number;
  readonly renewBeforeMs: number;
}

/** A numbered port of an external peer (host or CIDR). */
export interface ExternalPort {
  readonly port: number;
  readonly protocol: PortProtocol;
}

export interface ResolvedServiceCall {
  readonly kind: 'service';
  /** `namespace/name` of the callee (look it up with `ResolvedCatalog.service`). */
  readonly targetId: string;
  /** Callee ports the call may use (non-empty). */
  readonly ports: ResolvedPort[];
  /** Routes the call is limited to; empty means any request on those ports. */
  readonly routes: ResolvedRoute[];
}

export interface ResolvedHostCall {
  readonly kind: 'host';
  readonly host: string;
  /** True for `*.example.com` patterns. */
  readonly wildcard: boolean;
  /** Address ranges declared for phases without DNS matching; may be empty. */
  readonly cidrs: string[];
  readonly ports: ExternalPort[];
}

export interface ResolvedCidrCall {
  readonly kind: 'cidr';
  readonly cidr: string;
  readonly except: string[];
  readonly ports: ExternalPort[];
}

export type ResolvedCall = ResolvedServiceCall | ResolvedHostCall | ResolvedCidrCall;

/** An incoming service call, seen from the callee. */
export interface ResolvedInbound {
  /** `namespace/name` of the caller. */
  readonly fromId: string;
  readonly call: ResolvedServiceCall;
}

export interface ResolvedService {
  readonly name: string;
  readonly namespace: string;
  /** `namespace/name`: unique key. */
  readonly id: string;
  readonly selector: Record<string, string>;
  readonly serviceAccount: string;
  /** Sorted by port number. */
  readonly ports: ResolvedPort[];
  /** Sorted by name. */
  readonly routes: ResolvedRoute[];
  /** Sorted canonically (kind, target, ports). */
  readonly calls: ResolvedCall[];
  /** Calls into this service, sorted by caller id. */
  readonly inbound: ResolvedInbound[];
  readonly exposed: boolean;
  /** Empty when the service has no canary versions. */
  readonly versions: ResolvedVersion[];
  readonly clientOnly: boolean;
  /** Undefined when certificates are off for this service. */
  readonly certificate?: ResolvedCertificate;
  /** Per-service overrides (empty when none). */
  readonly trafficPolicy: ResolvedTrafficPolicy;
  /** Pods of the service (all versions together). */
  readonly replicas: number;
  /** Lint rules switched off for this service, with reasons; sorted by rule. */
  readonly suppressions: ReadonlyArray<{ readonly rule: string; readonly reason: string }>;
}

export interface ResolvedLocation {
  readonly namespace: string;
  readonly selector: Record<string, string>;
  /** Service account of the pods (mesh identity). */
  readonly serviceAccount: string;
}

export interface ResolvedReadiness {
  readonly complianceMtls: boolean;
  readonly multiCluster: boolean;
  readonly tracedServices: number;
  readonly proxyExperts: number;
  readonly platformTeam: boolean;
  readonly controlPlaneRunbooks: boolean;
}

export interface ResolvedCiliumSettings {
  readonly mutualAuth: boolean;
  readonly clusterwideDefaultDeny: boolean;
  readonly defaultDeny: boolean;
  readonly ingressFromWorld: boolean;
}

export interface ResolvedLinkerdSettings {
  readonly mode: MeshMode;
  readonly l4: L4Layer;
  readonly controlPlaneNamespace: string;
}

export interface ResolvedIstioSettings {
  readonly mode: MeshMode;
  readonly l4: L4Layer;
  readonly controlPlaneNamespace: string;
  readonly defaultTimeoutMs: number;
  /** Catalog-wide overrides of the phase's connection pool / outlier defaults. */
  readonly trafficPolicy: ResolvedTrafficPolicy;
  /** Tracing sampling percentage; undefined = no Telemetry object. */
  readonly tracingSampling?: number;
}

export interface ResolvedCertificateDefaults {
  readonly enabled: boolean;
  /** Set when an existing issuer is used instead of a generated CA chain. */
  readonly issuerRef?: { readonly name: string; readonly kind: string; readonly group: string };
  readonly durationMs: number;
  readonly renewBeforeMs: number;
  readonly caDurationMs: number;
  readonly caRenewBeforeMs: number;
  readonly caNamespace: string;
  readonly caName: string;
  readonly trustBundle: boolean;
  readonly expiryAlert: boolean;
  readonly expiryAlertBeforeMs: number;
}

export interface ResolvedNamespace {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly owned: boolean;
}

export interface ResolvedCatalog {
  readonly defaultNamespace: string;
  readonly clusterDomain: string;
  readonly trustDomain: string;
  readonly dns: ResolvedLocation;
  readonly ingressController: ResolvedLocation;
  readonly certificates: ResolvedCertificateDefaults;
  /** Every namespace services live in plus those declared; sorted by name. */
  readonly namespaces: ResolvedNamespace[];
  /** Sorted by id. */
  readonly services: ResolvedService[];
  readonly readiness: ResolvedReadiness;
  readonly cilium: ResolvedCiliumSettings;
  readonly linkerd: ResolvedLinkerdSettings;
  readonly istio: ResolvedIstioSettings;
  /** Look up a service by `namespace/name`. */
  service(id: string): ResolvedService;
}

/** A finding about the model: an error stops synthesis, a warning does not. */
export interface ModelIssue {
  readonly severity: 'error' | 'warning';
  /** Field path, e.g. `['services', 2, 'calls', 0, 'service']`. */
  readonly path: Array<string | number>;
  readonly message: string;
}

/** Renders a field path as `services[2].calls[0].service`. */
export function formatPath(path: ReadonlyArray<string | number>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') {
      out += `[${part}]`;
    } else {
      out += out === '' ? part : `.${part}`;
    }
  }
  return out === '' ? '(catalog)' : out;
}
