import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { egressServiceEntries, EgressServiceEntry } from './egress-service-entries';
import { isProxied, NAMESPACE_DEFAULT_NAME, perServiceName, serviceHost } from './names';
import { peerCallHosts, peerCoversNamespace, peerMatchesPods, PodSet, podSets, versionsSeparable, workloadKey } from './peers';
import * as istio from '../../../imports/networking.istio.io';
import { constructId, MANAGED_BY_LABELS, serviceLabels } from '../../emit/common';
import { bindingAt } from '../../emit/plain-api-object';
import { ServiceCatalog } from '../../model/catalog';
import { ResolvedCatalog, ResolvedPeer, ResolvedService, ResolvedVersion } from '../../model/resolved';
import { SidecarScope } from '../../model/types';

/** Properties of `IstioSidecars`. */
export interface IstioSidecarsProps {
  /** The validated service catalog. */
  readonly catalog: ServiceCatalog;
  /**
   * One Sidecar per service (exact) or one per namespace (the union of its services).
   * @default SidecarScope.SERVICE
   */
  readonly scope?: SidecarScope;
}

/**
 * Sidecar objects: each proxy gets configuration only for what its workload calls, and
 * `outboundTrafficPolicy: REGISTRY_ONLY` refuses everything else. Every proxy imports
 * the control plane namespace (`<controlPlaneNamespace>/*`) and the DNS namespace (DNS
 * over TCP passes through the proxy). Shrinking each proxy's configuration from every
 * service of the mesh to its own dependencies is also what keeps sidecar memory flat.
 *
 * What a proxy imports: its callees (`<ns>/<host FQDN>`, split backends included),
 * ServiceEntries (`<ns>/<host>`: external hosts, CIDRs, world ranges, the API server's
 * addresses), the API server's `kubernetes` Service, every Service of a pod peer's
 * namespace (`<ns>/*`, or every namespace's for peers spanning namespaces: their Services
 * are not in the catalog), and, when the pods are themselves a peer's (e.g. `cluster`), the
 * services that peer may call.
 *
 * SERVICE scope: per owned namespace a `default` Sidecar (control plane and DNS, plus what
 * peers covering the namespace call) for pods no catalog service owns, and per service a
 * Sidecar selecting its pods; a service whose versions make calls of their own gets one
 * Sidecar per version instead (selector plus version labels), when the versions' labels
 * tell their pods apart. NAMESPACE scope: per owned namespace one Sidecar with the union.
 * Services in namespaces the catalog does not own always get their own Sidecar.
 */
export class IstioSidecars extends Construct {
  private readonly byService = new Map<string, ApiObject>();
  private readonly byVersion = new Map<string, ApiObject>();
  private readonly byNamespace = new Map<string, ApiObject>();

  public constructor(scope: Construct, id: string, props: IstioSidecarsProps) {
    super(scope, id);
    const SidecarAtRelease = bindingAt(props.catalog._resolved.platform, 'Sidecar.networking.istio.io', istio.Sidecar);
    const model = props.catalog._resolved;
    const sidecarScope = props.scope ?? SidecarScope.SERVICE;
    const base = [`${model.istio.controlPlaneNamespace}/*`, `${model.dns.namespace}/*`];
    const owned = new Set(model.namespaces.filter(n => n.owned).map(n => n.name));
    const egress = new EgressHosts(model);
    const versionScope = new Construct(this, 'versions');

    for (const ns of [...owned].sort()) {
      const members = model.services.filter(s => s.namespace === ns);
      const hosts = sidecarScope === SidecarScope.NAMESPACE ? members.flatMap(s => podSets(s).flatMap(set => egress.hostsOf(set))) : [];
      this.byNamespace.set(ns, new SidecarAtRelease(this, constructId(ns, 'default'), {
        metadata: { name: NAMESPACE_DEFAULT_NAME, namespace: ns, labels: { ...MANAGED_BY_LABELS } },
        spec: sidecarSpec([...base, ...hosts, ...egress.namespaceHosts(ns)]),
      }));
    }
    for (const service of model.services) {
      if (sidecarScope === SidecarScope.NAMESPACE && owned.has(service.namespace)) {
        continue;
      }
      const sets = podSets(service).map(set => ({ set, hosts: [...new Set([...base, ...egress.hostsOf(set)])].sort() }));
      const differ = sets.some(x => JSON.stringify(x.hosts) !== JSON.stringify(sets[0].hosts));
      if (differ && versionsSeparable(service)) {
        const taken = new Set(model.services.filter(s => s.namespace === service.namespace).map(s => s.name));
        for (const { set, hosts } of sets) {
          const version = set.version!;
          let name = `${perServiceName(service, [NAMESPACE_DEFAULT_NAME])}-${version.name}`;
          if (taken.has(name)) {
            name = `${service.name}-version-${version.name}`;
          }
          this.byVersion.set(workloadKey(service, version), new SidecarAtRelease(versionScope, constructId(service.id, version.name), {
            metadata: { name, namespace: service.namespace, labels: serviceLabels(service) },
            spec: { workloadSelector: { labels: { ...set.labels } }, ...sidecarSpec(hosts) },
          }));
        }
        continue;
      }
      this.byService.set(service.id, new SidecarAtRelease(this, constructId(service.id), {
        metadata: { name: perServiceName(service, [NAMESPACE_DEFAULT_NAME]), namespace: service.namespace, labels: serviceLabels(service) },
        spec: {
          workloadSelector: { labels: { ...service.selector } },
          ...sidecarSpec(sets.flatMap(x => x.hosts)),
        },
      }));
    }
  }

  /** The namespace-wide Sidecar of an owned namespace. */
  public namespaceSidecar(namespace: string): ApiObject | undefined {
    return this.byNamespace.get(namespace);
  }

  /**
   * The Sidecar of a service (SERVICE scope, or a namespace the catalog does not own);
   * undefined when its versions get Sidecars of their own.
   * @param serviceId `namespace/name`
   */
  public serviceSidecar(serviceId: string): ApiObject | undefined {
    return this.byService.get(serviceId);
  }

  /**
   * The Sidecar of one version of a service, when its versions make different calls.
   * @param serviceId `namespace/name`
   * @param version version name
   */
  public versionSidecar(serviceId: string, version: string): ApiObject | undefined {
    return this.byVersion.get(`${serviceId}@${version}`);
  }
}

function sidecarSpec(hosts: string[]): istio.SidecarSpec {
  return {
    egress: [{ hosts: [...new Set(hosts)].sort() }],
    outboundTrafficPolicy: { mode: istio.SidecarSpecOutboundTrafficPolicyMode.REGISTRY_UNDERSCORE_ONLY },
  };
}

/** Egress hosts (`<namespace>/<host>`) of pod sets and of a namespace's other pods. */
class EgressHosts {
  private readonly entries: EgressServiceEntry[];
  /** Per pod peer that calls services on proxied ports: those callees (built once: lookups stay linear). */
  private readonly peerCallees: ReadonlyArray<{ readonly peer: ResolvedPeer; readonly callees: ResolvedService[] }>;

  public constructor(private readonly model: ResolvedCatalog) {
    this.entries = egressServiceEntries(model);
    const byPeer = new Map<string, { peer: ResolvedPeer; callees: ResolvedService[] }>();
    for (const callee of model.services) {
      for (const caller of callee.callers.filter(c => c.ports.some(p => isProxied(p.protocol)))) {
        const entry = byPeer.get(caller.peer.name) ?? { peer: caller.peer, callees: [] };
        if (!entry.callees.includes(callee)) {
          entry.callees.push(callee);
        }
        byPeer.set(caller.peer.name, entry);
      }
    }
    this.peerCallees = [...byPeer.values()];
  }

  /** What the pods of one set (a version, or a service without versions) call. */
  public hostsOf(set: PodSet): string[] {
    const { service, version } = set;
    const model = this.model;
    const versions: ResolvedVersion[] = version ? [version] : service.versions.filter(v => v.backend === undefined);
    const calls = [...service.calls, ...versions.flatMap(v => v.calls)];
    const peerCalls = [...service.peerCalls, ...versions.flatMap(v => v.peerCalls)];
    const hosts: string[] = [];
    for (const call of calls) {
      if (call.kind === 'service' && call.ports.some(p => isProxied(p.protocol))) {
        hosts.push(this.serviceEntryHost(model.service(call.targetId)));
      }
    }
    for (const call of peerCalls) {
      if (call.ports.some(p => isProxied(p.protocol))) {
        hosts.push(...peerCallHosts(model, call.peer));
      }
    }
    const keys = new Set([service.id, ...versions.map(v => workloadKey(service, v))]);
    for (const entry of this.entries) {
      if (entry.namespace === service.namespace && entry.callers.some(c => keys.has(c))) {
        hosts.push(`${entry.namespace}/${entry.host}`);
      }
    }
    // The pods are a peer's too (e.g. `cluster`): they may call what that peer may call.
    for (const { peer, callees } of this.peerCallees) {
      if (peerMatchesPods(model, peer, service.namespace, set.labels, set.serviceAccount)) {
        callees.forEach(callee => hosts.push(this.serviceEntryHost(callee)));
      }
    }
    return hosts;
  }

  /** What unknown pods of a namespace may call: the callees of peers covering it. */
  public namespaceHosts(namespace: string): string[] {
    const hosts: string[] = [];
    for (const { peer, callees } of this.peerCallees) {
      if (peerCoversNamespace(this.model, peer, namespace)) {
        callees.forEach(callee => hosts.push(this.serviceEntryHost(callee)));
      }
    }
    return hosts;
  }

  private serviceEntryHost(service: ResolvedService): string {
    return `${service.namespace}/${serviceHost(this.model, service)}`;
  }
}
