import { Construct } from 'constructs';
import { CiliumPhaseOptions } from './options';
import { withTargetPlatform } from '../../emit/common';
import { BaselineCertificates } from '../../layers/certificates';
import { CiliumPolicyLayer } from '../../layers/cilium';
import { NamespaceLayer } from '../../layers/namespaces';
import { ServiceCatalog } from '../../model/catalog';
import { PlatformSpec } from '../../model/types';
import { checkRequestRouting } from '../request-routing';

/** Properties of `CiliumPhase`. */
export interface CiliumPhaseProps extends CiliumPhaseOptions {
  /** The validated service catalog. */
  readonly catalog: ServiceCatalog;
  /**
   * The releases to target, field by field over the catalog's `platform` section.
   * @default - the catalog's `platform`
   */
  readonly platform?: PlatformSpec;
}

/**
 * Phase 2 of the ladder: CiliumNetworkPolicy instead of NetworkPolicy. Deny by default,
 * one policy per service with L7 HTTP rules for route-limited calls, DNS-name egress
 * (`toFQDNs`) for host calls, and optional mutual authentication. Needs Cilium as the CNI
 * (with its L7 proxy for the HTTP rules); no mesh.
 *
 * Plain NetworkPolicies are not emitted: Cilium enforces its own policies (it enforces
 * NetworkPolicies as well, so both sets can run side by side during a migration).
 *
 * Cilium routes no request: header routes (`versions[].headers`, their timeouts) and
 * faults scoped by headers are refused (`PhaseCapabilityError`), or left out and listed
 * in `notes` when the catalog says `l7Fallback: skip`.
 */
export class CiliumPhase extends Construct {
  /** The Namespace objects, when emitted. */
  public readonly namespaces?: NamespaceLayer;
  /** The Cilium policies. */
  public readonly policies: CiliumPolicyLayer;
  /** The cert-manager objects, when asked for. */
  public readonly certificates?: BaselineCertificates;
  /** What the phase expressed only partly (none today; kept for the backend interface). */
  public readonly warnings: string[] = [];
  /** What the catalog chose to leave out here (request-level settings, `l7Fallback: skip`). */
  public readonly notes: string[];

  public constructor(scope: Construct, id: string, given: CiliumPhaseProps) {
    super(scope, id);
    const props = withTargetPlatform(given);
    const catalog = props.catalog.withSettings({ cilium: props });
    const settings = catalog._resolved.cilium;
    this.notes = checkRequestRouting(catalog._resolved, { phase: 'cilium', reason: 'Cilium enforces policy but routes no request', headerRoutes: false, faults: false });
    if (settings.namespaces) {
      this.namespaces = new NamespaceLayer(this, 'namespaces', { catalog });
    }
    this.policies = new CiliumPolicyLayer(this, 'policies', { catalog });
    if (settings.certificates) {
      this.certificates = new BaselineCertificates(this, 'certificates', { catalog });
    }
  }
}
