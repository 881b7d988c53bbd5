import { Construct } from 'constructs';
import { BaselinePhaseOptions } from './options';
import { withTargetPlatform } from '../../emit/common';
import { BaselineCertificates } from '../../layers/certificates';
import { NamespaceLayer } from '../../layers/namespaces';
import { NetworkPolicyLayer } from '../../layers/network-policy';
import { ServiceCatalog } from '../../model/catalog';
import { PlatformSpec } from '../../model/types';
import { checkRequestRouting } from '../request-routing';

/** Properties of `BaselinePhase`. */
export interface BaselinePhaseProps extends BaselinePhaseOptions {
  /** The validated service catalog. */
  readonly catalog: ServiceCatalog;
  /**
   * The releases to target, field by field over the catalog's `platform` section.
   * @default - the catalog's `platform`
   */
  readonly platform?: PlatformSpec;
}

/**
 * Phase 1 of the ladder: Kubernetes NetworkPolicy (deny by default, one allow-list per
 * service) and app-level TLS from cert-manager. Needs no mesh.
 *
 * Throws `PhaseCapabilityError` for what needs request routing (header routes, version
 * timeouts, header-scoped faults; left out, listed in `notes`, when the catalog says
 * `l7Fallback: skip`) and for addresses NetworkPolicy cannot name (a host without
 * `cidrs`, the API server without `cidrs`).
 */
export class BaselinePhase extends Construct {
  /** The Namespace objects, when emitted. */
  public readonly namespaces?: NamespaceLayer;
  /** The NetworkPolicies. */
  public readonly networkPolicies: NetworkPolicyLayer;
  /** The cert-manager objects, when emitted. */
  public readonly certificates?: BaselineCertificates;
  /** What the phase expressed only partly (none today; kept for the backend interface). */
  public readonly warnings: string[] = [];
  /** What the catalog chose to leave out here (request-level settings, `l7Fallback: skip`). */
  public readonly notes: string[];

  public constructor(scope: Construct, id: string, given: BaselinePhaseProps) {
    super(scope, id);
    const props = withTargetPlatform(given);
    const catalog = props.catalog.withSettings({ baseline: props });
    const settings = catalog._resolved.baseline;
    this.notes = checkRequestRouting(catalog._resolved, { phase: 'baseline', reason: 'NetworkPolicy works on connections, not requests', headerRoutes: false, faults: false });
    if (settings.namespaces) {
      this.namespaces = new NamespaceLayer(this, 'namespaces', { catalog });
    }
    this.networkPolicies = new NetworkPolicyLayer(this, 'network-policies', {
      catalog,
      defaultDeny: settings.defaultDeny,
    });
    if (settings.certificates) {
      this.certificates = new BaselineCertificates(this, 'certificates', { catalog });
    }
  }
}
