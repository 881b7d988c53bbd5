/**
 * Validation and resolution of a catalog: every error at once, each naming its field
 * path; then defaults applied, references bound, and everything in canonical order so
 * that the output does not depend on the order of the input.
 */
import { checkDns1123Label, checkDns1123Subdomain } from './names';
import { bindCalls, BoundCalls, callKey, deriveSplitCalls } from './resolve-calls';
import { resolveCertificateDefaults } from './resolve-certificates';
import { CATALOG_DEFAULTS, checkLabels, compareStrings, isMapping, Issues, location } from './resolve-common';
import { finishCallers, resolvePeers } from './resolve-peers';
import { draftServices, ServiceDraft } from './resolve-services';
import { resolvePhaseSettings, resolvePlatform } from './resolve-settings';
import {
  ModelIssue,
  ResolvedCall,
  ResolvedCatalog,
  ResolvedInbound,
  ResolvedLocation,
  ResolvedNamespace,
  ResolvedPeer,
  ResolvedService,
  ResolvedVersion,
} from './resolved';
import { CatalogSpec, L7Fallback, L7Widening } from './types';

/**
 * Validates a catalog and resolves it. Returns every issue found; `catalog` is set only
 * when there are no errors.
 *
 * Passes, each in its own module: settings (resolve-settings), certificates, peers,
 * services (each on its own), calls (binding services to each other, then the calls a
 * canary split derives), and here the namespaces and the final objects in canonical order.
 */
export function resolveCatalog(spec: CatalogSpec): { catalog?: ResolvedCatalog; issues: ModelIssue[] } {
  const issues = new Issues();
  if (!isMapping(spec)) {
    issues.error([], 'the catalog must be a mapping with a "services" list');
    return { issues: issues.list };
  }
  if (!Array.isArray(spec.services)) {
    issues.error(['services'], 'is required (a list of services)');
    return { issues: issues.list };
  }
  const cluster = resolveClusterFields(issues, spec);
  const peers = resolvePeers(issues, spec.peers, cluster.ingressController);
  const certificates = resolveCertificateDefaults(issues, spec);
  const phaseSettings = resolvePhaseSettings(issues, spec, certificates.enabled);
  const platform = resolvePlatform(issues, spec.platform);
  const context = { defaultNamespace: cluster.defaultNamespace, clusterDomain: cluster.clusterDomain, certificates };
  const { byId } = draftServices(issues, spec.services, context);
  const bound = bindCalls(issues, byId, peers);
  deriveSplitCalls(issues, byId, bound);
  finishCallers(bound.callersById);
  const namespaces = resolveNamespaces(issues, spec, byId, cluster);
  if (issues.hasErrors) {
    return { issues: issues.list };
  }
  const services = buildServices(byId, bound);
  const index = new Map(services.map(s => [s.id, s]));
  const catalog: ResolvedCatalog = {
    ...cluster,
    l7Fallback: spec.l7Fallback ?? L7Fallback.REFUSE,
    l7Widening: spec.l7Widening ?? L7Widening.REFUSE,
    peers: [...peers.values()].sort((a, b) => compareStrings(a.name, b.name)),
    certificates,
    namespaces,
    services,
    ...phaseSettings,
    platform,
    service(id: string): ResolvedService {
      const found = index.get(id);
      if (!found) {
        throw new Error(`no service "${id}" in the catalog`);
      }
      return found;
    },
    peer(name: string): ResolvedPeer {
      const found = peers.get(name);
      if (!found) {
        throw new Error(`no peer "${name}" in the catalog`);
      }
      return found;
    },
  };
  return { catalog, issues: issues.list };
}

/** The cluster facts of a catalog: default namespace, domains, where DNS and the ingress controller run. */
interface ClusterFields {
  readonly defaultNamespace: string;
  readonly clusterDomain: string;
  readonly trustDomain: string;
  readonly dns: ResolvedLocation;
  readonly ingressController: ResolvedLocation;
}

function resolveClusterFields(issues: Issues, spec: CatalogSpec): ClusterFields {
  const defaultNamespace = spec.namespace ?? CATALOG_DEFAULTS.namespace;
  const nsProblem = checkDns1123Label(defaultNamespace);
  if (nsProblem) {
    issues.error(['namespace'], nsProblem);
  }
  const clusterDomain = spec.clusterDomain ?? CATALOG_DEFAULTS.clusterDomain;
  if (checkDns1123Subdomain(clusterDomain)) {
    issues.error(['clusterDomain'], checkDns1123Subdomain(clusterDomain)!);
  }
  const trustDomain = spec.trustDomain ?? CATALOG_DEFAULTS.trustDomain;
  if (checkDns1123Subdomain(trustDomain)) {
    issues.error(['trustDomain'], checkDns1123Subdomain(trustDomain)!);
  }
  const dns = location(issues, ['dns'], spec.dns, CATALOG_DEFAULTS.dns);
  const ingressController = location(issues, ['ingressController'], spec.ingressController, CATALOG_DEFAULTS.ingressController);
  return { defaultNamespace, clusterDomain, trustDomain, dns, ingressController };
}

/** Declared namespaces plus every namespace a service lives in, sorted by name. */
function resolveNamespaces(issues: Issues, spec: CatalogSpec, byId: Map<string, ServiceDraft>, cluster: ClusterFields): ResolvedNamespace[] {
  const namespaces = new Map<string, ResolvedNamespace>();
  (spec.namespaces ?? []).forEach((ns, i) => {
    const problem = checkDns1123Label(ns.name ?? '');
    if (problem) {
      issues.error(['namespaces', i, 'name'], problem);
    }
    if (namespaces.has(ns.name)) {
      issues.error(['namespaces', i, 'name'], `duplicate namespace "${ns.name}"`);
    }
    const labels = checkLabels(issues, ['namespaces', i, 'labels'], ns.labels, 'labels');
    if (labels['kubernetes.io/metadata.name'] !== undefined && labels['kubernetes.io/metadata.name'] !== ns.name) {
      issues.error(['namespaces', i, 'labels', 'kubernetes.io/metadata.name'], 'is set by the API server to the namespace name and cannot be changed');
    }
    namespaces.set(ns.name, { name: ns.name, labels, owned: ns.owned ?? true });
  });
  for (const draft of byId.values()) {
    if (!namespaces.has(draft.namespace)) {
      namespaces.set(draft.namespace, { name: draft.namespace, labels: {}, owned: true });
    }
  }
  // Default-deny in the namespace of DNS or the ingress controller would cut them off
  // (their own traffic is not described by the catalog).
  for (const [field, where] of [['dns', cluster.dns], ['ingressController', cluster.ingressController]] as const) {
    const ns = namespaces.get(where.namespace);
    if (ns?.owned) {
      issues.error([field, 'namespace'], `${field} runs in namespace "${where.namespace}", which the catalog owns: its default-deny would cut ${field === 'dns' ? 'cluster DNS' : 'the ingress controller'} off. Declare it in "namespaces" with "owned: false", or run ${field === 'dns' ? 'DNS' : 'the controller'} in its own namespace`);
    }
  }
  return [...namespaces.values()].sort((a, b) => compareStrings(a.name, b.name));
}

/** Incoming service calls by callee id, as each caller (or caller version) makes them. */
function inboundCalls(bound: BoundCalls): Map<string, ResolvedInbound[]> {
  const inbound = new Map<string, ResolvedInbound[]>();
  const addInbound = (fromId: string, calls: readonly ResolvedCall[], fromVersion?: string) => {
    for (const call of calls) {
      if (call.kind === 'service') {
        const list = inbound.get(call.targetId) ?? [];
        list.push(fromVersion === undefined ? { fromId, call } : { fromId, fromVersion, call });
        inbound.set(call.targetId, list);
      }
    }
  };
  for (const [fromId, calls] of bound.callsById) {
    addInbound(fromId, calls);
    for (const [version, vCalls] of bound.versionCalls.get(fromId) ?? []) {
      addInbound(fromId, vCalls, version);
    }
  }
  return inbound;
}

/** The final services, sorted by id, everything bound. */
function buildServices(byId: Map<string, ServiceDraft>, bound: BoundCalls): ResolvedService[] {
  const inbound = inboundCalls(bound);
  return [...byId.values()]
    .sort((a, b) => compareStrings(a.id, b.id))
    .map(d => {
      const versions = buildVersions(d, byId, bound);
      return {
        name: d.name,
        namespace: d.namespace,
        id: d.id,
        selector: d.selector,
        serviceAccount: d.serviceAccount,
        serviceAccounts: [...new Set([d.serviceAccount, ...versions.filter(v => v.backend === undefined).map(v => v.serviceAccount)])].sort(),
        ports: d.ports,
        routes: d.routes,
        calls: bound.callsById.get(d.id) ?? [],
        peerCalls: bound.peerCallsById.get(d.id) ?? [],
        inbound: (inbound.get(d.id) ?? []).sort((a, b) => compareStrings(a.fromId, b.fromId)
          || compareStrings(a.fromVersion ?? '', b.fromVersion ?? '') || compareStrings(callKey(a.call), callKey(b.call))),
        callers: bound.callersById.get(d.id) ?? [],
        versions,
        clientOnly: d.clientOnly,
        certificate: d.certificate,
        trafficPolicy: d.trafficPolicy,
        probes: d.probes,
        replicas: d.replicas,
        suppressions: d.suppressions,
      };
    });
}

function buildVersions(d: ServiceDraft, byId: Map<string, ServiceDraft>, bound: BoundCalls): ResolvedVersion[] {
  return d.versions.map(v => {
    const backend = bound.backends.get(d.id)?.get(v.name);
    return {
      name: v.name,
      labels: v.labels,
      weight: v.weight,
      ...(backend !== undefined ? { backend } : {}),
      headers: v.headers,
      serviceAccount: backend !== undefined ? byId.get(backend)!.serviceAccount : v.serviceAccount,
      calls: bound.versionCalls.get(d.id)?.get(v.name) ?? [],
      peerCalls: bound.versionPeerCalls.get(d.id)?.get(v.name) ?? [],
      ...(v.timeoutMs !== undefined ? { timeoutMs: v.timeoutMs } : {}),
    };
  });
}

export { BUILT_IN_PEERS, CATALOG_DEFAULTS } from './resolve-common';
export { resolvePlatformSection } from './resolve-settings';
