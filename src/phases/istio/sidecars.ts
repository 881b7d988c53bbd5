import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { planServiceEntries } from './egress-plan';
import { isProxied, NAMESPACE_DEFAULT_NAME, perServiceName, serviceHost } from './names';
import { SidecarScope } from './options';
import * as istio from '../../../imports/networking.istio.io';
import { ServiceCatalog } from '../../model/catalog';
import { ResolvedCatalog, ResolvedService } from '../../model/resolved';
import { constructId, MANAGED_BY_LABELS, serviceLabels } from '../common';

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
 * SERVICE scope: per owned namespace a `default` Sidecar (control plane and DNS only)
 * for pods no catalog service owns, and per service a Sidecar selecting its pods with
 * its callees (`<ns>/<host FQDN>`) and ServiceEntries (`<ns>/<host>`). NAMESPACE scope:
 * per owned namespace one Sidecar with the union. Services in namespaces the catalog
 * does not own always get their own Sidecar.
 */
export class IstioSidecars extends Construct {
  private readonly byService = new Map<string, ApiObject>();
  private readonly byNamespace = new Map<string, ApiObject>();

  public constructor(scope: Construct, id: string, props: IstioSidecarsProps) {
    super(scope, id);
    const model = props.catalog._resolved;
    const sidecarScope = props.scope ?? SidecarScope.SERVICE;
    const base = [`${model.istio.controlPlaneNamespace}/*`, `${model.dns.namespace}/*`];
    const owned = new Set(model.namespaces.filter(n => n.owned).map(n => n.name));
    const hostsOf = egressHosts(model);

    for (const ns of [...owned].sort()) {
      const members = model.services.filter(s => s.namespace === ns);
      const hosts = sidecarScope === SidecarScope.NAMESPACE ? members.flatMap(s => hostsOf.get(s.id) ?? []) : [];
      this.byNamespace.set(ns, new istio.Sidecar(this, constructId(ns, 'default'), {
        metadata: { name: NAMESPACE_DEFAULT_NAME, namespace: ns, labels: { ...MANAGED_BY_LABELS } },
        spec: sidecarSpec([...base, ...hosts]),
      }));
    }
    for (const service of model.services) {
      if (sidecarScope === SidecarScope.NAMESPACE && owned.has(service.namespace)) {
        continue;
      }
      this.byService.set(service.id, new istio.Sidecar(this, constructId(service.id), {
        metadata: { name: perServiceName(service, [NAMESPACE_DEFAULT_NAME]), namespace: service.namespace, labels: serviceLabels(service) },
        spec: {
          workloadSelector: { labels: { ...service.selector } },
          ...sidecarSpec([...base, ...(hostsOf.get(service.id) ?? [])]),
        },
      }));
    }
  }

  /** The namespace-wide Sidecar of an owned namespace. */
  public namespaceSidecar(namespace: string): ApiObject | undefined {
    return this.byNamespace.get(namespace);
  }

  /**
   * The Sidecar of a service (SERVICE scope, or a namespace the catalog does not own).
   * @param serviceId `namespace/name`
   */
  public serviceSidecar(serviceId: string): ApiObject | undefined {
    return this.byService.get(serviceId);
  }
}

function sidecarSpec(hosts: string[]): istio.SidecarSpec {
  return {
    egress: [{ hosts: [...new Set(hosts)].sort() }],
    outboundTrafficPolicy: { mode: istio.SidecarSpecOutboundTrafficPolicyMode.REGISTRY_UNDERSCORE_ONLY },
  };
}

/** Egress hosts (`<namespace>/<host>`) of every calling service: callees and ServiceEntries. */
function egressHosts(model: ResolvedCatalog): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (service: ResolvedService | string, host: string) => {
    const id = typeof service === 'string' ? service : service.id;
    out.set(id, [...(out.get(id) ?? []), host]);
  };
  for (const service of model.services) {
    for (const call of service.calls) {
      if (call.kind === 'service' && call.ports.some(p => isProxied(p.protocol))) {
        const callee = model.service(call.targetId);
        add(service, `${callee.namespace}/${serviceHost(model, callee)}`);
      }
    }
  }
  for (const entry of planServiceEntries(model)) {
    for (const caller of entry.callers) {
      add(caller, `${entry.namespace}/${entry.host}`);
    }
  }
  return out;
}
