import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { isProxied, NAMESPACE_DEFAULT_NAME, perServiceName } from './names';
import * as sec from '../../../imports/security.istio.io';
import { constructId, MANAGED_BY_LABELS, serviceLabels } from '../../emit/common';
import { bindingAt } from '../../emit/plain-api-object';
import { ServiceCatalog } from '../../model/catalog';
import { MeshMode } from '../../model/types';

/** Properties of `IstioPeerAuthentications`. */
export interface IstioPeerAuthenticationsProps {
  /** The validated service catalog. */
  readonly catalog: ServiceCatalog;
  /**
   * ENFORCED: mTLS required (STRICT); PERMISSIVE: plaintext accepted too, for migration.
   * @default - the catalog's `istio.mode`
   */
  readonly mode?: MeshMode;
}

/**
 * Peer authentication (who may connect without mTLS):
 * - per owned namespace, `default`: STRICT (ENFORCED) or PERMISSIVE;
 * - per service with `plaintext` ports, a workload policy that keeps the mode and makes
 *   those pod ports PERMISSIVE (port-level settings only work with a selector, and name
 *   the workload port, not the Service port);
 * - per service in a namespace the catalog does not own, a workload policy with the mode
 *   (no namespace-wide policy is written there).
 *
 * STRICT rejects every plaintext client: kubelet probes need Istio's probe rewrite (on by
 * default) and non-meshed callers need a sidecar or a `plaintext` port.
 */
export class IstioPeerAuthentications extends Construct {
  private readonly byService = new Map<string, ApiObject>();
  private readonly byNamespace = new Map<string, ApiObject>();

  public constructor(scope: Construct, id: string, props: IstioPeerAuthenticationsProps) {
    super(scope, id);
    const PeerAuthenticationAtRelease = bindingAt(props.catalog._resolved.platform, 'PeerAuthentication.security.istio.io', sec.PeerAuthentication);
    const model = props.catalog._resolved;
    const mode = (props.mode ?? model.istio.mode) === MeshMode.ENFORCED
      ? sec.PeerAuthenticationSpecMtlsMode.STRICT
      : sec.PeerAuthenticationSpecMtlsMode.PERMISSIVE;
    const owned = new Set(model.namespaces.filter(n => n.owned).map(n => n.name));
    for (const ns of [...owned].sort()) {
      this.byNamespace.set(ns, new PeerAuthenticationAtRelease(this, constructId(ns, 'default'), {
        metadata: { name: NAMESPACE_DEFAULT_NAME, namespace: ns, labels: { ...MANAGED_BY_LABELS } },
        spec: { mtls: { mode } },
      }));
    }
    for (const service of model.services) {
      if (service.clientOnly) {
        continue;
      }
      const plaintextPorts = [...new Set(service.ports.filter(p => p.plaintext && isProxied(p.protocol)).map(p => p.targetPort))]
        .sort((a, b) => a - b);
      if (plaintextPorts.length === 0 && owned.has(service.namespace)) {
        continue;
      }
      const portLevelMtls = plaintextPorts.length > 0
        ? Object.fromEntries(plaintextPorts.map(p => [String(p), { mode: sec.PeerAuthenticationSpecPortLevelMtlsMode.PERMISSIVE }]))
        : undefined;
      this.byService.set(service.id, new PeerAuthenticationAtRelease(this, constructId(service.id), {
        metadata: { name: perServiceName(service, [NAMESPACE_DEFAULT_NAME]), namespace: service.namespace, labels: serviceLabels(service) },
        spec: {
          selector: { matchLabels: { ...service.selector } },
          mtls: { mode },
          ...(portLevelMtls ? { portLevelMtls } : {}),
        },
      }));
    }
  }

  /** The namespace-wide PeerAuthentication of an owned namespace. */
  public namespacePolicy(namespace: string): ApiObject | undefined {
    return this.byNamespace.get(namespace);
  }

  /**
   * The workload PeerAuthentication of a service (plaintext ports or unowned namespace).
   * @param serviceId `namespace/name`
   */
  public servicePolicy(serviceId: string): ApiObject | undefined {
    return this.byService.get(serviceId);
  }
}
