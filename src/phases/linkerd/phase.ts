import { Construct } from 'constructs';
import { LinkerdAuthorization } from './authorization';
import { LinkerdPhaseOptions } from './options';
import { LinkerdTraffic } from './traffic';
import { PhaseCapabilityError, withTargetPlatform } from '../../emit/common';
import { BaselineCertificates } from '../../layers/certificates';
import { CiliumPolicyLayer } from '../../layers/cilium';
import { LinkerdIdentityCertificates } from '../../layers/mesh-identity';
import { MeshDataPlaneOptions } from '../../layers/mesh-options';
import { NamespaceLayer } from '../../layers/namespaces';
import { NetworkPolicyLayer } from '../../layers/network-policy';
import { LINKERD_ISSUER_NAME } from '../../layers/pki';
import { ServiceCatalog } from '../../model/catalog';
import { CONTROL_PLANE_PORTS, DEFAULT_INBOUND_POLICY_ANNOTATION, INJECT_ANNOTATION, PROXY_INBOUND_PORT } from '../../model/mesh-facts/linkerd';
import { L4Layer, LinkerdDefaultInboundPolicy, MeshMode, PlatformSpec, PortProtocol } from '../../model/types';

/** Properties of `LinkerdPhase`. */
export interface LinkerdPhaseProps extends LinkerdPhaseOptions {
  /** The validated service catalog. */
  readonly catalog: ServiceCatalog;
  /**
   * The releases to target, field by field over the catalog's `platform` section.
   * @default - the catalog's `platform`
   */
  readonly platform?: PlatformSpec;
}

/**
 * Phase 3 of the ladder: Linkerd. Injection and the default inbound policy per owned
 * namespace; per service port a Server with identity-based AuthorizationPolicies (per
 * route where calls are limited to routes); canary splits, timeouts and safe retries as
 * Gateway API routes on the Services; and underneath, an L4 layer (Cilium by default,
 * Kubernetes NetworkPolicy, or none) that also lets meshed traffic reach the proxy's
 * inbound port 4143 and proxies reach the control plane.
 *
 * Migration: PERMISSIVE mode (default inbound policy all-unauthenticated, Servers in
 * audit) observes without breaking; ENFORCED (all-authenticated, deny) is the goal.
 */
export class LinkerdPhase extends Construct {
  /**
   * What Linkerd needs from an L4 layer: meshed clients dial the proxy's inbound port
   * (4143) instead of the app port, and every proxy dials the control plane (identity
   * 8080, destination 8086, policy 8090).
   * @param controlPlaneNamespace namespace of the Linkerd control plane
   */
  public static meshDataPlane(controlPlaneNamespace: string): MeshDataPlaneOptions {
    return {
      inboundProxyPorts: [PROXY_INBOUND_PORT],
      controlPlane: [{ namespace: controlPlaneNamespace, ports: [...CONTROL_PLANE_PORTS] }],
    };
  }

  /** The mode the phase was synthesized in. */
  public readonly mode: MeshMode;
  /** The L4 layer under the mesh. */
  public readonly l4: L4Layer;
  /** Default inbound policy of the catalog's pods. */
  public readonly defaultInboundPolicy: LinkerdDefaultInboundPolicy;
  /** Namespace objects with the injection annotation, when emitted. */
  public readonly namespaces?: NamespaceLayer;
  /** Servers, authentications, authorization policies and inbound routes. */
  public readonly authorization: LinkerdAuthorization;
  /** Per-version Services and outbound routes (splits, timeouts, retries). */
  public readonly traffic: LinkerdTraffic;
  /** The NetworkPolicy L4 layer, when `l4` is NETWORK_POLICY. */
  public readonly networkPolicies?: NetworkPolicyLayer;
  /** The Cilium L4 layer, when `l4` is CILIUM. */
  public readonly ciliumPolicies?: CiliumPolicyLayer;
  /** The cert-manager hierarchy and service certificates, when emitted. */
  public readonly certificates?: BaselineCertificates;
  /** Linkerd's identity issuer and trust anchors, chained to the same root, when emitted. */
  public readonly identity?: LinkerdIdentityCertificates;
  /**
   * What the user must still do or know, one line each: pod annotations outside owned
   * namespaces, probe paths, retry conditions Linkerd cannot express, canary limits.
   */
  public readonly warnings: string[];
  /** What the catalog chose to leave out here (header-scoped faults, `l7Fallback: skip`). */
  public readonly notes: string[];
  private readonly catalog: ServiceCatalog;

  public constructor(scope: Construct, id: string, given: LinkerdPhaseProps) {
    super(scope, id);
    const props = withTargetPlatform(given);
    const catalog = props.catalog.withSettings({ linkerd: props });
    const model = catalog._resolved;
    const settings = model.linkerd;
    this.catalog = catalog;
    this.mode = settings.mode;
    this.l4 = settings.l4;
    this.defaultInboundPolicy = settings.defaultInboundPolicy;

    if (this.l4 === L4Layer.NONE) {
      const udp = model.services.flatMap(s => s.ports.filter(p => p.protocol === PortProtocol.UDP).map(p => `${s.id} port ${p.ref}`));
      if (udp.length > 0) {
        throw new PhaseCapabilityError(`the linkerd phase cannot protect UDP ports without an L4 layer (Linkerd proxies TCP only): ${udp.join(', ')}. Use l4: cilium or l4: networkpolicy.`);
      }
    }

    if (settings.namespaces) {
      this.namespaces = new NamespaceLayer(this, 'namespaces', {
        catalog,
        // The proxy injector adds the proxy to every pod created there; the default
        // inbound policy covers ports no Server selects.
        annotations: { [DEFAULT_INBOUND_POLICY_ANNOTATION]: this.defaultInboundPolicy, [INJECT_ANNOTATION]: 'enabled' },
      });
    }
    this.authorization = new LinkerdAuthorization(this, 'authorization', {
      catalog,
      mode: this.mode,
      ingress: settings.ingress,
      probes: settings.probes,
      exposedFromWorld: this.l4 === L4Layer.CILIUM && model.cilium.ingressFromWorld,
      l4: this.l4,
    });
    this.traffic = new LinkerdTraffic(this, 'traffic', { catalog, strictRetries: settings.strictRetries });
    if (settings.certificates) {
      const identity = model.certificates.issuerRef ? [] : [`${settings.controlPlaneNamespace}/${LINKERD_ISSUER_NAME}`];
      this.certificates = new BaselineCertificates(this, 'certificates', { catalog, meshIdentityCertificates: identity });
      this.identity = new LinkerdIdentityCertificates(this, 'identity', { catalog });
    }

    const mesh = LinkerdPhase.meshDataPlane(model.linkerd.controlPlaneNamespace);
    if (this.l4 === L4Layer.NETWORK_POLICY) {
      this.networkPolicies = new NetworkPolicyLayer(this, 'network-policies', { catalog, mesh });
    } else if (this.l4 === L4Layer.CILIUM) {
      // L4 only: Linkerd's proxies decide requests; Cilium's L7 proxy would sit in between.
      this.ciliumPolicies = new CiliumPolicyLayer(this, 'cilium-policies', { catalog, l7: false, mesh });
    }

    const unowned = new Set(model.namespaces.filter(n => !n.owned).map(n => n.name));
    this.warnings = [
      ...model.services
        .filter(s => unowned.has(s.namespace))
        .map(s => `${s.id}: namespace ${s.namespace} is not owned, so nothing injects its pods; add to the pod template these annotations: ${formatAnnotations(this.podTemplateAnnotations(s.id))}`),
      ...this.authorization.warnings,
      ...this.traffic.warnings,
    ];
    this.notes = [...this.traffic.notes];
  }

  /**
   * The pod template annotations a service's workload needs: injection and the default
   * inbound policy. Required when its namespace is not owned (no Namespace object carries
   * them); redundant but harmless otherwise.
   * @param serviceId `namespace/name`
   */
  public podTemplateAnnotations(serviceId: string): Record<string, string> {
    this.catalog._resolved.service(serviceId);
    return {
      [DEFAULT_INBOUND_POLICY_ANNOTATION]: this.defaultInboundPolicy,
      [INJECT_ANNOTATION]: 'enabled',
    };
  }
}

function formatAnnotations(annotations: Record<string, string>): string {
  return Object.entries(annotations).map(([k, v]) => `${k}: ${v}`).join(', ');
}
