/**
 * Release facts: what each targeted release of Kubernetes, Cilium, Linkerd, Istio,
 * cert-manager, trust-manager and the Gateway API serves and accepts, one table, each row
 * citing its upstream source (repository, path, tag). Every backend reads the apiVersion
 * of the objects it emits from here (`apiVersionFor`), and features that exist only from
 * some release (`supports`) are degraded (and reported) or refused below it.
 *
 * Releases are `major.minor` strings (`'2.16'`, `'0.14'`); a leading `v` is accepted and
 * patch numbers are refused (the facts are per release line: the CRDs of every patch of a
 * line were compared, see ../shared/crds/versions/README.md).
 */

/** The projects the `platform` section names. */
export type PlatformProject = 'kubernetes' | 'cilium' | 'linkerd' | 'istio' | 'certManager' | 'trustManager' | 'gatewayApi';

/** A release line, e.g. `{ major: 2, minor: 16 }`. */
export interface ReleaseLine {
  readonly major: number;
  readonly minor: number;
}

/** Supported range of one project: releases below `floor` are refused. */
export interface ProjectReleases {
  /** Display name. */
  readonly name: string;
  /** Oldest release the output is made for (and proven against). */
  readonly floor: string;
  /** What the output targets when the catalog does not say (the current stable line). */
  readonly default: string;
  /** Why the floor is where it is. */
  readonly floorReason: string;
}

export const PLATFORM_PROJECTS: readonly PlatformProject[] = ['kubernetes', 'cilium', 'linkerd', 'istio', 'certManager', 'trustManager', 'gatewayApi'];

/**
 * Supported range per project. `gatewayApi` has no default: unset, the Gateway API is the
 * one the targeted Linkerd release bundles (see `bundledGatewayApi`).
 */
export const PROJECT_RELEASES: Readonly<Record<PlatformProject, ProjectReleases>> = {
  kubernetes: {
    name: 'Kubernetes',
    floor: '1.22',
    default: '1.28',
    floorReason: 'namespaces are selected by the `kubernetes.io/metadata.name` label, set on every namespace from 1.22 (GA; kubernetes/kubernetes CHANGELOG-1.22, NamespaceDefaultLabelName)',
  },
  cilium: {
    name: 'Cilium',
    floor: '1.14',
    default: '1.16',
    floorReason: 'oldest line whose CRDs the output is validated against (cilium/cilium v1.14.18 pkg/k8s/apis/cilium.io/client/crds/v2)',
  },
  linkerd: {
    name: 'Linkerd',
    floor: '2.16',
    default: '2.18',
    floorReason: 'Server policy.linkerd.io/v1beta3 (`accessPolicy`) and SPIFFE identities in MeshTLSAuthentication exist from 2.16 (linkerd/linkerd2 charts/linkerd-crds/templates/policy/server.yaml at version-2.16)',
  },
  istio: {
    name: 'Istio',
    floor: '1.22',
    default: '1.24',
    floorReason: 'networking.istio.io/v1, security.istio.io/v1 PeerAuthentication and telemetry.istio.io/v1 are served from 1.22 (istio/istio manifests/charts/base/crds/crd-all.gen.yaml at 1.22.8)',
  },
  certManager: {
    name: 'cert-manager',
    floor: '1.14',
    default: '1.16',
    floorReason: 'oldest line whose CRDs the output is validated against (cert-manager/cert-manager v1.14.7 deploy/crds)',
  },
  trustManager: {
    name: 'trust-manager',
    floor: '0.12',
    default: '0.14',
    floorReason: 'oldest line whose Bundle CRD the output is validated against (cert-manager/trust-manager v0.12.0 deploy/charts/trust-manager/templates/crd-trust.cert-manager.io_bundles.yaml)',
  },
  gatewayApi: {
    name: 'Gateway API',
    floor: '0.7',
    default: '0.7',
    floorReason: 'the bundle Linkerd 2.16 and 2.17 install (kubernetes-sigs/gateway-api v0.7.1)',
  },
};

/** Parses `'2.16'` or `'v0.14'`; undefined for anything else. */
export function parseRelease(text: string): ReleaseLine | undefined {
  const m = /^v?(\d{1,4})\.(\d{1,4})$/.exec(text);
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined;
}

/** Negative, zero or positive as `a` is older than, the same as or newer than `b`. */
export function compareReleases(a: string, b: string): number {
  const x = parseRelease(a);
  const y = parseRelease(b);
  if (!x || !y) {
    throw new Error(`not a release line: ${!x ? a : b}`);
  }
  return x.major - y.major || x.minor - y.minor;
}

/** `release` is `since` or newer. */
export function atLeast(release: string, since: string): boolean {
  return compareReleases(release, since) >= 0;
}

/** `'v0.14'` → `'0.14'`. */
export function normalizeRelease(text: string): string {
  const r = parseRelease(text);
  return r ? `${r.major}.${r.minor}` : text;
}

/** The releases a synthesis targets, every project resolved (see `resolvePlatform`). */
export interface TargetPlatform {
  readonly kubernetes: string;
  readonly cilium: string;
  readonly linkerd: string;
  readonly istio: string;
  readonly certManager: string;
  readonly trustManager: string;
  /** The Gateway API installed separately from the mesh; undefined: Linkerd's own bundle. */
  readonly gatewayApi?: string;
}

/** Every project at its default release. */
export const DEFAULT_PLATFORM: TargetPlatform = {
  kubernetes: PROJECT_RELEASES.kubernetes.default,
  cilium: PROJECT_RELEASES.cilium.default,
  linkerd: PROJECT_RELEASES.linkerd.default,
  istio: PROJECT_RELEASES.istio.default,
  certManager: PROJECT_RELEASES.certManager.default,
  trustManager: PROJECT_RELEASES.trustManager.default,
};

/** The Gateway API a Linkerd release installs with its CRDs (linkerd-crds chart). */
export interface GatewayApiInstall {
  readonly release: string;
  /** Which channel: experimental bundles carry GRPCRoute before v1.1 and `timeouts` before v1.2. */
  readonly channel: 'standard' | 'experimental';
  readonly bundledWith?: string;
}

/**
 * The Gateway API the Linkerd phase's routes go to: `platform.gatewayApi` when the cluster
 * installs it itself (taken as the standard channel from v1.1, experimental before: GRPCRoute
 * exists only there), else what the targeted Linkerd release bundles.
 * Source: linkerd/linkerd2 charts/linkerd-crds/templates/gateway.networking.k8s.io_*.yaml at
 * version-2.16 and version-2.17 (bundle-version v0.7.1, experimental) and version-2.18
 * (v1.1.1, experimental).
 */
export function gatewayApiInstall(platform: TargetPlatform): GatewayApiInstall {
  if (platform.gatewayApi !== undefined) {
    return { release: platform.gatewayApi, channel: atLeast(platform.gatewayApi, '1.1') ? 'standard' : 'experimental' };
  }
  return atLeast(platform.linkerd, '2.18')
    ? { release: '1.1', channel: 'experimental', bundledWith: `Linkerd ${platform.linkerd}` }
    : { release: '0.7', channel: 'experimental', bundledWith: `Linkerd ${platform.linkerd}` };
}

/** The kinds the library emits, keyed `<Kind>.<group>`. */
export type EmittedKind =
  | 'Certificate.cert-manager.io' | 'Issuer.cert-manager.io' | 'ClusterIssuer.cert-manager.io'
  | 'Bundle.trust.cert-manager.io'
  | 'PrometheusRule.monitoring.coreos.com'
  | 'CiliumNetworkPolicy.cilium.io' | 'CiliumClusterwideNetworkPolicy.cilium.io'
  | 'Server.policy.linkerd.io' | 'AuthorizationPolicy.policy.linkerd.io' | 'MeshTLSAuthentication.policy.linkerd.io'
  | 'NetworkAuthentication.policy.linkerd.io' | 'HTTPRoute.policy.linkerd.io'
  | 'HTTPRoute.gateway.networking.k8s.io' | 'GRPCRoute.gateway.networking.k8s.io'
  | 'VirtualService.networking.istio.io' | 'DestinationRule.networking.istio.io' | 'ServiceEntry.networking.istio.io'
  | 'Sidecar.networking.istio.io' | 'AuthorizationPolicy.security.istio.io' | 'PeerAuthentication.security.istio.io'
  | 'Telemetry.telemetry.istio.io';

/** One served version of a kind: from which release of which project (until: first release without it). */
interface ServedVersion {
  readonly version: string;
  readonly since: string;
  readonly until?: string;
  /** Only in this channel of the Gateway API. */
  readonly channel?: 'experimental';
}

/** One row of the table: the versions a kind is served at, most preferred first. */
export interface ApiVersionFact {
  readonly kind: EmittedKind;
  /** Whose release decides (`gatewayApi`: the install `gatewayApiInstall` names). */
  readonly project: PlatformProject | 'prometheusOperator';
  readonly versions: readonly ServedVersion[];
  /** Upstream repository, path and tags the row was read from. */
  readonly source: string;
}

const CILIUM_CRDS = 'cilium/cilium pkg/k8s/apis/cilium.io/client/crds/v2/*.yaml at v1.14.18, v1.15.12, v1.16.5';
const ISTIO_CRDS = 'istio/istio manifests/charts/base/crds/crd-all.gen.yaml at 1.20.8 and 1.22.8, manifests/charts/base/files/crd-all.gen.yaml at 1.24.6';
const LINKERD_CRDS = 'linkerd/linkerd2 charts/linkerd-crds/templates/policy/*.yaml at stable-2.14.10, version-2.16, version-2.17, version-2.18';
const GATEWAY_CRDS = 'kubernetes-sigs/gateway-api config/crd/{standard,experimental}/gateway.networking.k8s.io_*.yaml at v0.7.1, v1.0.0, v1.1.0, v1.2.1';
const CERT_MANAGER_CRDS = 'cert-manager/cert-manager deploy/crds/crd-*.yaml at v1.14.7, v1.16.5';

/** Served apiVersions per kind per release (../shared/crds/versions/index.json tables the same CRDs). */
export const API_VERSION_FACTS: readonly ApiVersionFact[] = [
  ...(['Certificate', 'Issuer', 'ClusterIssuer'] as const).map((kind): ApiVersionFact => ({
    kind: `${kind}.cert-manager.io`, project: 'certManager', versions: [{ version: 'v1', since: '1.0' }], source: CERT_MANAGER_CRDS,
  })),
  {
    kind: 'Bundle.trust.cert-manager.io',
    project: 'trustManager',
    versions: [{ version: 'v1alpha1', since: '0.1' }],
    source: 'cert-manager/trust-manager deploy/charts/trust-manager/templates/crd-trust.cert-manager.io_bundles.yaml at v0.12.0, v0.14.0',
  },
  {
    kind: 'PrometheusRule.monitoring.coreos.com',
    project: 'prometheusOperator',
    versions: [{ version: 'v1', since: '0.0' }],
    source: 'prometheus-operator/prometheus-operator example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml (v1 since v0.20)',
  },
  { kind: 'CiliumNetworkPolicy.cilium.io', project: 'cilium', versions: [{ version: 'v2', since: '1.0' }], source: CILIUM_CRDS },
  { kind: 'CiliumClusterwideNetworkPolicy.cilium.io', project: 'cilium', versions: [{ version: 'v2', since: '1.0' }], source: CILIUM_CRDS },
  {
    kind: 'Server.policy.linkerd.io',
    project: 'linkerd',
    versions: [{ version: 'v1beta3', since: '2.16' }, { version: 'v1beta1', since: '2.11' }],
    source: LINKERD_CRDS,
  },
  ...(['AuthorizationPolicy', 'MeshTLSAuthentication', 'NetworkAuthentication'] as const).map((kind): ApiVersionFact => ({
    kind: `${kind}.policy.linkerd.io`, project: 'linkerd', versions: [{ version: 'v1alpha1', since: '2.12' }], source: LINKERD_CRDS,
  })),
  { kind: 'HTTPRoute.policy.linkerd.io', project: 'linkerd', versions: [{ version: 'v1beta3', since: '2.14' }], source: LINKERD_CRDS },
  {
    kind: 'HTTPRoute.gateway.networking.k8s.io',
    project: 'gatewayApi',
    versions: [{ version: 'v1', since: '1.0' }, { version: 'v1beta1', since: '0.7' }],
    source: `${GATEWAY_CRDS}; Linkerd's bundle: linkerd/linkerd2 charts/linkerd-crds/templates/gateway.networking.k8s.io_httproutes.yaml at version-2.16/2.17 (v1alpha2, v1beta1) and version-2.18 (v1, v1beta1)`,
  },
  {
    kind: 'GRPCRoute.gateway.networking.k8s.io',
    project: 'gatewayApi',
    versions: [{ version: 'v1', since: '1.1' }, { version: 'v1alpha2', since: '0.7', until: '1.2', channel: 'experimental' }],
    source: `${GATEWAY_CRDS}; Linkerd's bundle: charts/linkerd-crds/templates/gateway.networking.k8s.io_grpcroutes.yaml at version-2.16/2.17 (v1alpha2 only) and version-2.18 (v1, v1alpha2)`,
  },
  ...(['VirtualService', 'DestinationRule', 'ServiceEntry', 'Sidecar'] as const).map((kind): ApiVersionFact => ({
    kind: `${kind}.networking.istio.io`,
    project: 'istio',
    versions: [{ version: 'v1', since: '1.22' }, { version: 'v1beta1', since: '1.8' }],
    source: ISTIO_CRDS,
  })),
  { kind: 'AuthorizationPolicy.security.istio.io', project: 'istio', versions: [{ version: 'v1', since: '1.20' }, { version: 'v1beta1', since: '1.4' }], source: ISTIO_CRDS },
  { kind: 'PeerAuthentication.security.istio.io', project: 'istio', versions: [{ version: 'v1', since: '1.22' }, { version: 'v1beta1', since: '1.5' }], source: ISTIO_CRDS },
  { kind: 'Telemetry.telemetry.istio.io', project: 'istio', versions: [{ version: 'v1', since: '1.22' }, { version: 'v1alpha1', since: '1.12' }], source: ISTIO_CRDS },
];

const FACTS_BY_KIND = new Map(API_VERSION_FACTS.map(f => [f.kind, f]));

/** The release (and channel) of the project that decides a kind's versions. */
function releaseOf(platform: TargetPlatform, project: ApiVersionFact['project']): { release: string; channel?: string } | undefined {
  if (project === 'prometheusOperator') {
    return undefined;
  }
  if (project === 'gatewayApi') {
    return gatewayApiInstall(platform);
  }
  return { release: platform[project] };
}

/** The versions of a kind the targeted platform serves, most preferred first. */
export function servedVersions(platform: TargetPlatform, kind: EmittedKind): string[] {
  const fact = FACTS_BY_KIND.get(kind)!;
  const target = releaseOf(platform, fact.project);
  if (!target) {
    return fact.versions.map(v => v.version);
  }
  return fact.versions
    .filter(v => atLeast(target.release, v.since) && (v.until === undefined || !atLeast(target.release, v.until)))
    .filter(v => v.channel === undefined || target.channel === v.channel)
    .map(v => v.version);
}

/**
 * The `apiVersion` (`group/version`) the backends emit a kind at: the most preferred
 * version the targeted release serves. Throws when it serves none (the caller refuses).
 */
export function apiVersionFor(platform: TargetPlatform, kind: EmittedKind): string {
  const served = servedVersions(platform, kind);
  const group = kind.slice(kind.indexOf('.') + 1);
  if (served.length === 0) {
    const fact = FACTS_BY_KIND.get(kind)!;
    const target = releaseOf(platform, fact.project)!;
    throw new Error(`${kind.split('.')[0]} (${group}) is not served by ${PROJECT_RELEASES[fact.project as PlatformProject].name} ${target.release}${target.channel ? ` (${target.channel} channel)` : ''} (${fact.source})`);
  }
  return `${group}/${served[0]}`;
}

/** A field, value or behaviour that exists only from some release. */
export interface FeatureFact {
  readonly project: PlatformProject;
  /** First release with it; undefined: no release of the supported range. */
  readonly since?: string;
  readonly description: string;
  /** What the library emits below `since`. */
  readonly below: string;
  readonly source: string;
}

/** Fields and values that exist per release, and semantics that changed. */
export const FEATURE_FACTS = {
  /** `spec.enableDefaultDeny` / `specs[].enableDefaultDeny` of Cilium policies. */
  ciliumEnableDefaultDeny: {
    project: 'cilium',
    since: '1.16',
    description: 'CiliumNetworkPolicy `enableDefaultDeny`',
    below: 'left out where it restates the default (true); allow-only peer policies outside default-deny namespaces are reported, an explicit `enableDefaultDeny: false` is refused',
    source: 'cilium/cilium pkg/k8s/apis/cilium.io/client/crds/v2/ciliumnetworkpolicies.yaml: absent at v1.15.12, present at v1.16.5',
  },
  /** `io.cilium.k8s.namespace.labels.*` in fromEndpoints/toEndpoints of a namespaced policy. */
  ciliumNamespaceLabelsInNamespacedPolicy: {
    project: 'cilium',
    since: undefined,
    description: 'namespace labels (`io.cilium.k8s.namespace.labels.*`) honoured in a namespaced CiliumNetworkPolicy',
    below: 'rules naming namespace labels go to a CiliumClusterwideNetworkPolicy (the form every release honours)',
    source: 'cilium/cilium Documentation/security/policy/kubernetes.rst "Known Pitfalls" / "Namespace Specific Information": supported only for a CiliumClusterwideNetworkPolicy; a namespaced policy adds its own namespace to the selector (pkg/k8s/apis/cilium.io/utils/utils.go)',
  },
  /** `retryOn: reset-before-request` in VirtualService retries. */
  istioResetBeforeRequest: {
    project: 'istio',
    since: '1.23',
    description: 'VirtualService `retryOn: reset-before-request`',
    below: 'non-idempotent routes get `retries: {attempts: 0}` (no retry at all); refused under `l7Fallback: refuse` when the catalog asked for retries',
    source: 'istio/istio pkg/config/validation/validation.go supportedRetryOnPolicies: absent at 1.22.8, present at 1.24.6 (added in 1.23.0, istio/istio#52032)',
  },
  /** `spec.target.namespaceSelector.matchExpressions` of a trust-manager Bundle. */
  trustManagerMatchExpressions: {
    project: 'trustManager',
    since: '0.14',
    description: 'Bundle `target.namespaceSelector.matchExpressions`',
    below: 'one namespace: `matchLabels` on `kubernetes.io/metadata.name`; several: no selector (the public CA certificates go to every namespace), reported',
    source: 'cert-manager/trust-manager deploy/charts/trust-manager/templates/crd-trust.cert-manager.io_bundles.yaml: matchLabels only at v0.12.0, matchExpressions at v0.14.0',
  },
  /** `spec.rules[].timeouts` of a gateway.networking.k8s.io HTTPRoute (experimental from 1.0, standard from 1.2). */
  gatewayHttpRouteTimeouts: {
    project: 'gatewayApi',
    since: '1.0',
    description: 'HTTPRoute `rules[].timeouts` (Gateway API)',
    below: 'left out: Linkerd reads the `timeout.linkerd.io/request` annotation the route carries anyway',
    source: 'kubernetes-sigs/gateway-api config/crd/experimental/gateway.networking.k8s.io_httproutes.yaml at v1.0.0 (standard at v1.2.1); Linkerd 2.16/2.17 bundle v0.7.1 without it',
  },
} as const satisfies Record<string, FeatureFact>;

export type FeatureName = keyof typeof FEATURE_FACTS;

/** The targeted release of the feature's project has the feature. */
export function supports(platform: TargetPlatform, feature: FeatureName): boolean {
  const fact: FeatureFact = FEATURE_FACTS[feature];
  if (feature === 'gatewayHttpRouteTimeouts') {
    const install = gatewayApiInstall(platform);
    return atLeast(install.release, install.channel === 'experimental' ? '1.0' : '1.2');
  }
  return fact.since !== undefined && atLeast(platform[fact.project as Exclude<PlatformProject, 'gatewayApi'>], fact.since);
}

/**
 * Whether Cilium `release` lets a `fromEndpoints`/`toEndpoints` selector of a namespaced
 * CiliumNetworkPolicy that names namespace labels (`io.cilium.k8s.namespace.labels.*`) but
 * not the pod namespace reach other namespaces. No supported release does: the policy's
 * own namespace is added to such a selector (cilium/cilium Documentation/security/policy/
 * kubernetes.rst, "Known Pitfalls": supported only for a CiliumClusterwideNetworkPolicy,
 * "ignored in CiliumNetworkPolicy resources"). Clusterwide policies honour them everywhere.
 */
export function ciliumNamespaceLabelsCrossNamespaces(release: string, clusterwide: boolean): boolean {
  return clusterwide || supports({ ...DEFAULT_PLATFORM, cilium: release }, 'ciliumNamespaceLabelsInNamespacedPolicy');
}

/**
 * The GRPCRoute version Linkerd's policy controller reads, where it is pinned: 2.16 and
 * 2.17 build it against k8s-gateway-api 0.16 and watch `v1alpha2` (linkerd/linkerd2
 * policy-controller/k8s/api/Cargo.toml and Cargo.lock at version-2.16/2.17). Undefined from
 * 2.18 (gateway-api 0.15, v1). With a Gateway API that does not serve it, gRPC route
 * policy (authorization, retries, timeouts, splits) would not apply.
 */
export function linkerdGrpcRouteWatched(platform: TargetPlatform): string | undefined {
  return atLeast(platform.linkerd, '2.18') ? undefined : 'v1alpha2';
}
