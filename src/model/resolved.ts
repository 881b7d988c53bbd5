/**
 * The resolved model: a validated catalog with every default applied, every reference
 * bound and everything in canonical order. Backends and the analysis read only this.
 *
 * Internal (not part of the jsii API): plain TypeScript types, free to use unions.
 */
import { TargetPlatform } from './releases';
import {
  HttpMethod, L4Layer, L7Fallback, L7Widening, LinkerdDefaultInboundPolicy, MeshMode, PortProtocol, RetryCondition, RootRotationStage, SidecarScope,
} from './types';

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
  /**
   * Accepts plaintext from outside the mesh (mTLS exception in mesh phases): declared, or
   * called by an unmeshed peer (the API server, the world, an unmeshed scraper).
   */
  readonly plaintext: boolean;
  /** The catalog declares `plaintext: true` (any client, from any network). */
  readonly plaintextDeclared: boolean;
  /** Serves metrics (the `monitoring` peer calls it). */
  readonly metrics: boolean;
}

export interface ResolvedRetries {
  readonly attempts: number;
  /** Per-try timeout in milliseconds, if set. */
  readonly perTryTimeoutMs?: number;
  readonly on: RetryCondition[];
  /**
   * The catalog listed `on` itself. When false, `on` holds the defaults for the route's
   * kind, and a phase keeps the subset its mesh can express without a warning.
   */
  readonly conditionsDeclared: boolean;
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
  /** The route's own `allowWiderEnforcement`, when set (see `widerEnforcementAllowed`). */
  readonly allowWiderEnforcement?: boolean;
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
  /** Extra labels of this version (added to the service selector); empty when `backend` is set. */
  readonly labels: Record<string, string>;
  readonly weight: number;
  /** `namespace/name` of another catalog service that backs this version (no pods of its own). */
  readonly backend?: string;
  /** Exact header matches that route a request to this version; empty = weight only. */
  readonly headers: Record<string, string>;
  /** Service account of the version's pods (the backend's for a backend version). */
  readonly serviceAccount: string;
  /** Calls only this version's pods make (on top of the service's); empty for backends. */
  readonly calls: ResolvedCall[];
  /** Peer calls only this version's pods make. */
  readonly peerCalls: ResolvedPeerCall[];
  /** Timeout of header-routed requests to this version, in milliseconds. */
  readonly timeoutMs?: number;
}

/**
 * A party outside the catalog. Pod peers are selected by namespace scope and pod labels;
 * `world` and `kube-apiserver` peers are addresses.
 */
export interface ResolvedPeer {
  /** `ingress-controller`, `monitoring`, `kube-apiserver`, `world`, `cluster` or a declared name. */
  readonly name: string;
  readonly kind: 'pods' | 'world' | 'kube-apiserver';
  /** Pods: exactly one of `namespace`, `namespaceSelector` and `allNamespaces`. */
  readonly namespace?: string;
  readonly namespaceSelector?: Record<string, string>;
  readonly allNamespaces: boolean;
  /** Pod labels (empty: every pod in scope). */
  readonly selector: Record<string, string>;
  /** Mesh identity of the pods (only with `namespace`). */
  readonly serviceAccount?: string;
  /** The pods present a mesh identity (always false for addresses). */
  readonly meshed: boolean;
  /** world: its ranges (default 0.0.0.0/0 and ::/0); kube-apiserver: its addresses (may be empty). */
  readonly cidrs: string[];
  /** Default ports as a callee (kube-apiserver: 443, 6443). */
  readonly ports: ExternalPort[];
  /** Not declared in the catalog (a default). */
  readonly builtIn: boolean;
}

/** An outgoing call to a peer. */
export interface ResolvedPeerCall {
  readonly kind: 'peer';
  readonly peer: ResolvedPeer;
  readonly ports: ExternalPort[];
}

/** Why a peer may call a service. */
export type CallerSource = 'caller' | 'exposed' | 'metrics' | 'split';

/** A peer allowed to call a service. */
export interface ResolvedCaller {
  readonly peer: ResolvedPeer;
  /** Ports of the service the peer may call (non-empty). */
  readonly ports: ResolvedPort[];
  /** Routes the peer is limited to; empty means any request on those ports. */
  readonly routes: ResolvedRoute[];
  readonly source: CallerSource;
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
  /**
   * Set when the call is derived from a canary split: the caller calls `via`, one of whose
   * versions is backed by the target.
   */
  readonly via?: string;
}

export interface ResolvedHostCall {
  readonly kind: 'host';
  readonly host: string;
  /** True for `*.example.com` patterns. */
  readonly wildcard: boolean;
  /** Address ranges declared for phases without DNS matching; may be empty. */
  readonly cidrs: string[];
  readonly ports: ExternalPort[];
  /** Field path of the call in the catalog (`services[2].calls[0]`), for refusals. */
  readonly declaredAt: ReadonlyArray<string | number>;
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
  /** Set when only this version of the caller makes the call. */
  readonly fromVersion?: string;
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
  /** Calls to peers outside the catalog, sorted by peer name. */
  readonly peerCalls: ResolvedPeerCall[];
  /** Calls into this service, sorted by caller id. */
  readonly inbound: ResolvedInbound[];
  /** Peers that may call this service (incl. `exposed`, metrics ports, split callers), sorted by peer name. */
  readonly callers: ResolvedCaller[];
  /** Every service account of the service's pods (the service's and its versions'), sorted. */
  readonly serviceAccounts: string[];
  /** Empty when the service has no canary versions. */
  readonly versions: ResolvedVersion[];
  readonly clientOnly: boolean;
  /** Undefined when certificates are off for this service. */
  readonly certificate?: ResolvedCertificate;
  /** Per-service overrides (empty when none). */
  readonly trafficPolicy: ResolvedTrafficPolicy;
  /** The pods' kubelet probes as declared (a field is absent when unknown). */
  readonly probes: ResolvedProbes;
  /** Pods of the service (all versions together). */
  readonly replicas: number;
  /** Lint rules switched off for this service, with reasons; sorted by rule. */
  readonly suppressions: ReadonlyArray<{ readonly rule: string; readonly reason: string }>;
}

/** Kubelet probes of a service's pods; an absent field means the catalog did not say. */
export interface ResolvedProbes {
  /** HTTP GET probe paths, sorted, without duplicates. */
  readonly httpPaths?: string[];
  /** Kubelet-native gRPC probes on gRPC ports. */
  readonly grpc?: boolean;
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

/**
 * The settings of each phase (`baseline`, `cilium`, `linkerd`, `istio` in the catalog, or
 * the phase's construct options over them), defaults applied. Fields mirror the catalog's
 * `<Backend>SettingsSpec` (src/model/types.ts) one to one.
 */
export interface ResolvedBaselineSettings {
  readonly namespaces: boolean;
  readonly defaultDeny: boolean;
  /** Emit cert-manager objects (the phase's own value, else `certificates.enabled`). */
  readonly certificates: boolean;
}

export interface ResolvedCiliumSettings {
  readonly mutualAuth: boolean;
  readonly clusterwideDefaultDeny: boolean;
  readonly defaultDeny: boolean;
  readonly ingressFromWorld: boolean;
  readonly l7: boolean;
  /** Undefined: not set on the policies (Cilium's default). */
  readonly enableDefaultDeny?: boolean;
  readonly policyLabels: Record<string, string>;
  readonly policyAnnotations: Record<string, string>;
  readonly namespaces: boolean;
  /** Emit cert-manager objects (the phase's value and `certificates.enabled`). */
  readonly certificates: boolean;
}

export interface ResolvedLinkerdIngress {
  readonly meshed: boolean;
  /** Networks of an unmeshed ingress controller (empty when meshed or not given). */
  readonly networks: string[];
}

export interface ResolvedLinkerdProbes {
  readonly paths?: string[];
  readonly servicePaths: Record<string, string[]>;
  readonly networks: string[];
  readonly grpcHealth?: boolean;
}

export interface ResolvedLinkerdSettings {
  readonly mode: MeshMode;
  readonly l4: L4Layer;
  readonly controlPlaneNamespace: string;
  /** As set, else what the mode implies. */
  readonly defaultInboundPolicy: LinkerdDefaultInboundPolicy;
  readonly namespaces: boolean;
  readonly ingress: ResolvedLinkerdIngress;
  readonly probes: ResolvedLinkerdProbes;
  readonly strictRetries: boolean;
  readonly certificates: boolean;
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
  readonly sidecarScope: SidecarScope;
  readonly controlPlaneSelector: Record<string, string>;
  readonly controlPlanePorts: number[];
  readonly namespaces: boolean;
  readonly certificates: boolean;
}

export interface ResolvedRootRotation {
  readonly nextRoot: string;
  readonly stage: RootRotationStage;
  /** Both roots stay in the bundles this long after the next root starts signing. */
  readonly overlapMs: number;
}

export interface ResolvedCertificateDefaults {
  readonly enabled: boolean;
  /** Set when an existing issuer is used instead of a generated CA chain. */
  readonly issuerRef?: { readonly name: string; readonly kind: string; readonly group: string };
  readonly durationMs: number;
  readonly renewBeforeMs: number;
  readonly caDurationMs: number;
  readonly caRenewBeforeMs: number;
  /** The generated self-signed root. */
  readonly rootName: string;
  readonly rootDurationMs: number;
  readonly rootRenewBeforeMs: number;
  /** A staged root rotation in progress. */
  readonly rootRotation?: ResolvedRootRotation;
  readonly caNamespace: string;
  readonly caName: string;
  readonly trustBundle: boolean;
  readonly expiryAlert: boolean;
  readonly expiryAlertBeforeMs: number;
  readonly alertRunbookUrl: string;
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
  /** What phases do with header routes and header-scoped faults they cannot express. */
  readonly l7Fallback: L7Fallback;
  /** What phases do with route limits they can enforce only wider (routes may override). */
  readonly l7Widening: L7Widening;
  /** Every peer (built-in and declared), sorted by name. */
  readonly peers: ResolvedPeer[];
  readonly certificates: ResolvedCertificateDefaults;
  /** Every namespace services live in plus those declared; sorted by name. */
  readonly namespaces: ResolvedNamespace[];
  /** Sorted by id. */
  readonly services: ResolvedService[];
  readonly readiness: ResolvedReadiness;
  /** The releases the output targets, every project resolved. */
  readonly platform: TargetPlatform;
  readonly baseline: ResolvedBaselineSettings;
  readonly cilium: ResolvedCiliumSettings;
  readonly linkerd: ResolvedLinkerdSettings;
  readonly istio: ResolvedIstioSettings;
  /** Look up a service by `namespace/name`. */
  service(id: string): ResolvedService;
  /** Look up a peer by name. */
  peer(name: string): ResolvedPeer;
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
