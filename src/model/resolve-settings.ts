/**
 * The settings pass: each phase's settings section (`baseline`, `cilium`, `linkerd`,
 * `istio`), the readiness answers and the targeted platform, defaults applied. Phase
 * construct options are the same types; `ServiceCatalog.withSettings` lays them over the
 * catalog's sections and resolves them here again, so there is one place for each default.
 */
import { checkDns1123Label } from './names';
import { atLeast, DEFAULT_PLATFORM, normalizeRelease, parseRelease, PLATFORM_PROJECTS, PlatformProject, PROJECT_RELEASES, TargetPlatform } from './releases';
import {
  CATALOG_DEFAULTS, checkLabels, checkPercent, duration, Issues, isMapping, optionalDuration, Path, show,
} from './resolve-common';
import {
  ModelIssue,
  ResolvedBaselineSettings,
  ResolvedCiliumSettings,
  ResolvedIstioSettings,
  ResolvedLinkerdSettings,
  ResolvedReadiness,
  ResolvedTrafficPolicy,
} from './resolved';
import {
  BaselineSettingsSpec,
  CatalogSpec,
  CiliumSettingsSpec,
  IstioSettingsSpec,
  L4Layer,
  LinkerdDefaultInboundPolicy,
  LinkerdSettingsSpec,
  MeshMode,
  PlatformSpec,
  ReadinessSpec,
  SidecarScope,
  TrafficPolicySpec,
} from './types';

/** Linkerd's default probe networks (policyController.probeNetworks): every address. */
const DEFAULT_LINKERD_PROBE_NETWORKS: readonly string[] = ['0.0.0.0/0', '::/0'];

export function resolveTrafficPolicy(issues: Issues, path: Path, spec: TrafficPolicySpec | undefined): ResolvedTrafficPolicy {
  if (!spec) {
    return {};
  }
  const count = (field: keyof TrafficPolicySpec, min: number): number | undefined => {
    const value = spec[field];
    if (value === undefined) {
      return undefined;
    }
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
      issues.error([...path, field], `${field} ${show(value)} must be an integer of at least ${min}`);
      return undefined;
    }
    return value;
  };
  const time = (field: 'connectTimeout' | 'idleTimeout' | 'interval' | 'baseEjectionTime') =>
    optionalDuration(issues, [...path, field], spec[field], field);
  const maxEjectionPercent = spec.maxEjectionPercent === undefined ? undefined : checkPercent(issues, [...path, 'maxEjectionPercent'], spec.maxEjectionPercent);
  const out: ResolvedTrafficPolicy = {
    maxConnections: count('maxConnections', 1),
    connectTimeoutMs: time('connectTimeout'),
    http1MaxPendingRequests: count('http1MaxPendingRequests', 1),
    http2MaxRequests: count('http2MaxRequests', 1),
    maxRequestsPerConnection: count('maxRequestsPerConnection', 1),
    maxRetries: count('maxRetries', 0),
    idleTimeoutMs: time('idleTimeout'),
    consecutive5xxErrors: count('consecutive5xxErrors', 1),
    intervalMs: time('interval'),
    baseEjectionTimeMs: time('baseEjectionTime'),
    maxEjectionPercent,
  };
  // Keep only the fields that were set, so spreading over defaults works.
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as ResolvedTrafficPolicy;
}

/** The settings of every phase and the readiness answers, as resolved from the catalog. */
export interface ResolvedPhaseSettings {
  readonly readiness: ResolvedReadiness;
  readonly baseline: ResolvedBaselineSettings;
  readonly cilium: ResolvedCiliumSettings;
  readonly linkerd: ResolvedLinkerdSettings;
  readonly istio: ResolvedIstioSettings;
}

/**
 * The `readiness`, `baseline`, `cilium`, `linkerd` and `istio` sections. `certificatesEnabled`
 * is the catalog's `certificates.enabled`, which every phase's `certificates` narrows.
 */
export function resolvePhaseSettings(issues: Issues, spec: CatalogSpec, certificatesEnabled: boolean): ResolvedPhaseSettings {
  return {
    readiness: resolveReadiness(issues, spec.readiness ?? {}),
    baseline: resolveBaselineSettings(spec.baseline ?? {}, certificatesEnabled),
    cilium: resolveCiliumSettings(spec.cilium ?? {}, certificatesEnabled),
    linkerd: resolveLinkerdSettings(issues, spec.linkerd ?? {}, certificatesEnabled),
    istio: resolveIstioSettings(issues, spec.istio ?? {}, certificatesEnabled),
  };
}

/**
 * The phase settings of a catalog whose sections are replaced (for
 * `ServiceCatalog.withSettings`); everything else about the catalog is unchanged.
 */
export function resolveSettingsSections(spec: CatalogSpec, certificatesEnabled: boolean): { settings: ResolvedPhaseSettings; issues: ModelIssue[] } {
  const issues = new Issues();
  const settings = resolvePhaseSettings(issues, spec, certificatesEnabled);
  return { settings, issues: issues.list };
}

function resolveReadiness(issues: Issues, r: ReadinessSpec): ResolvedReadiness {
  const count = (field: 'tracedServices' | 'proxyExperts'): number => {
    const value = r[field] ?? 0;
    if (!Number.isInteger(value) || value < 0) {
      issues.error(['readiness', field], `${field} ${show(value)} must be a whole number of at least 0`);
      return 0;
    }
    return value;
  };
  return {
    complianceMtls: r.complianceMtls ?? false,
    multiCluster: r.multiCluster ?? false,
    tracedServices: count('tracedServices'),
    proxyExperts: count('proxyExperts'),
    platformTeam: r.platformTeam ?? false,
    controlPlaneRunbooks: r.controlPlaneRunbooks ?? false,
  };
}

function resolveBaselineSettings(b: BaselineSettingsSpec, certificatesEnabled: boolean): ResolvedBaselineSettings {
  return {
    namespaces: b.namespaces ?? true,
    defaultDeny: b.defaultDeny ?? true,
    // Set here, it overrides `certificates.enabled` either way (as `BaselinePhase` always did).
    certificates: b.certificates ?? certificatesEnabled,
  };
}

function resolveCiliumSettings(c: CiliumSettingsSpec, certificatesEnabled: boolean): ResolvedCiliumSettings {
  return {
    mutualAuth: c.mutualAuth ?? false,
    clusterwideDefaultDeny: c.clusterwideDefaultDeny ?? false,
    defaultDeny: c.defaultDeny ?? true,
    ingressFromWorld: c.ingressFromWorld ?? false,
    l7: c.l7 ?? true,
    ...(c.enableDefaultDeny !== undefined ? { enableDefaultDeny: c.enableDefaultDeny } : {}),
    policyLabels: { ...c.policyLabels },
    policyAnnotations: { ...c.policyAnnotations },
    namespaces: c.namespaces ?? true,
    certificates: (c.certificates ?? true) && certificatesEnabled,
  };
}

function controlPlaneNamespace(issues: Issues, path: Path, value: string | undefined, fallback: string): string {
  const ns = value ?? fallback;
  const problem = checkDns1123Label(ns);
  if (problem) {
    issues.error(path, problem);
  }
  return ns;
}

function resolveLinkerdSettings(issues: Issues, l: LinkerdSettingsSpec, certificatesEnabled: boolean): ResolvedLinkerdSettings {
  const mode = l.mode ?? MeshMode.ENFORCED;
  const probes = l.probes ?? {};
  return {
    mode,
    l4: l.l4 ?? L4Layer.CILIUM,
    controlPlaneNamespace: controlPlaneNamespace(issues, ['linkerd', 'controlPlaneNamespace'], l.controlPlaneNamespace, CATALOG_DEFAULTS.linkerdNamespace),
    defaultInboundPolicy: l.defaultInboundPolicy
      ?? (mode === MeshMode.PERMISSIVE ? LinkerdDefaultInboundPolicy.ALL_UNAUTHENTICATED : LinkerdDefaultInboundPolicy.ALL_AUTHENTICATED),
    namespaces: l.namespaces ?? true,
    ingress: { meshed: l.ingress?.meshed ?? true, networks: [...(l.ingress?.networks ?? [])] },
    probes: {
      ...(probes.paths !== undefined ? { paths: [...probes.paths] } : {}),
      servicePaths: { ...probes.servicePaths },
      networks: [...(probes.networks ?? DEFAULT_LINKERD_PROBE_NETWORKS)],
      ...(probes.grpcHealth !== undefined ? { grpcHealth: probes.grpcHealth } : {}),
    },
    strictRetries: l.strictRetries ?? false,
    certificates: (l.certificates ?? true) && certificatesEnabled,
  };
}

function istiodSelector(issues: Issues, selector: Record<string, string> | undefined): Record<string, string> {
  if (selector === undefined) {
    return { ...CATALOG_DEFAULTS.istiodSelector };
  }
  checkLabels(issues, ['istio', 'controlPlaneSelector'], selector, 'controlPlaneSelector');
  return { ...selector }; // in the order given, as the phase has always emitted it
}

function istiodPorts(issues: Issues, ports: number[] | undefined): number[] {
  if (ports === undefined) {
    return [...CATALOG_DEFAULTS.istiodPorts];
  }
  if (ports.length === 0) {
    issues.error(['istio', 'controlPlanePorts'], 'controlPlanePorts must name at least one istiod port (15012 serves xDS)');
  }
  ports.forEach((port, index) => {
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      issues.error(['istio', 'controlPlanePorts', index], `port ${show(port)} must be an integer from 1 to 65535`);
    }
  });
  return [...ports];
}

function resolveIstioSettings(issues: Issues, i: IstioSettingsSpec, certificatesEnabled: boolean): ResolvedIstioSettings {
  return {
    mode: i.mode ?? MeshMode.ENFORCED,
    l4: i.l4 ?? L4Layer.CILIUM,
    controlPlaneNamespace: controlPlaneNamespace(issues, ['istio', 'controlPlaneNamespace'], i.controlPlaneNamespace, CATALOG_DEFAULTS.istioNamespace),
    defaultTimeoutMs: duration(issues, ['istio', 'defaultTimeout'], i.defaultTimeout, CATALOG_DEFAULTS.istioDefaultTimeout),
    trafficPolicy: resolveTrafficPolicy(issues, ['istio', 'trafficPolicy'], i.trafficPolicy),
    tracingSampling: i.tracingSampling !== undefined ? checkPercent(issues, ['istio', 'tracingSampling'], i.tracingSampling) : undefined,
    sidecarScope: i.sidecarScope ?? SidecarScope.SERVICE,
    controlPlaneSelector: istiodSelector(issues, i.controlPlaneSelector),
    controlPlanePorts: istiodPorts(issues, i.controlPlanePorts),
    namespaces: i.namespaces ?? true,
    certificates: (i.certificates ?? true) && certificatesEnabled,
  };
}

/** Resolves a `platform` section alone (for `ServiceCatalog.withPlatform`). */
export function resolvePlatformSection(spec: PlatformSpec | undefined): { platform: TargetPlatform; issues: ModelIssue[] } {
  const issues = new Issues();
  const platform = resolvePlatform(issues, spec);
  return { platform, issues: issues.list };
}

/**
 * The `platform` section: each release a `major.minor` string at or above the project's
 * supported floor; unset projects get their default (src/model/releases.ts).
 */
export function resolvePlatform(issues: Issues, spec: PlatformSpec | undefined): TargetPlatform {
  if (spec === undefined) {
    return DEFAULT_PLATFORM;
  }
  if (!isMapping(spec)) {
    issues.error(['platform'], 'must be a mapping of project to release, e.g. {linkerd: "2.16"}');
    return DEFAULT_PLATFORM;
  }
  const known = new Set<string>(PLATFORM_PROJECTS);
  for (const key of Object.keys(spec)) {
    if (!known.has(key)) {
      issues.error(['platform', key], `unknown project; the platform names ${PLATFORM_PROJECTS.join(', ')}`);
    }
  }
  const release = (project: PlatformProject): string | undefined => {
    const value: unknown = (spec as Record<string, unknown>)[project];
    if (value === undefined) {
      return undefined;
    }
    const facts = PROJECT_RELEASES[project];
    if (typeof value !== 'string' || parseRelease(value) === undefined) {
      issues.error(['platform', project], `${show(value)} is not a release line of ${facts.name}: give "major.minor" as a quoted string, e.g. "${facts.default}"`);
      return undefined;
    }
    const normalized = normalizeRelease(value);
    if (!atLeast(normalized, facts.floor)) {
      issues.error(['platform', project], `${facts.name} ${normalized} is below the supported floor ${facts.floor} (${facts.floorReason})`);
      return undefined;
    }
    return normalized;
  };
  const gatewayApi = release('gatewayApi');
  return {
    kubernetes: release('kubernetes') ?? DEFAULT_PLATFORM.kubernetes,
    cilium: release('cilium') ?? DEFAULT_PLATFORM.cilium,
    linkerd: release('linkerd') ?? DEFAULT_PLATFORM.linkerd,
    istio: release('istio') ?? DEFAULT_PLATFORM.istio,
    certManager: release('certManager') ?? DEFAULT_PLATFORM.certManager,
    trustManager: release('trustManager') ?? DEFAULT_PLATFORM.trustManager,
    ...(gatewayApi !== undefined ? { gatewayApi } : {}),
  };
}
