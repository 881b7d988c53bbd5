import { Construct } from 'constructs';
import { IstioAuthorizationPolicies } from './authorization';
import { IstioDestinationRules } from './destination-rules';
import { INJECTION_ENABLED, INJECTION_LABEL } from './names';
import { IstioPhaseOptions } from './options';
import { IstioPeerAuthentications } from './peer-authentication';
import { IstioServiceEntries } from './service-entries';
import { IstioSidecars } from './sidecars';
import { IstioTelemetry } from './telemetry';
import { IstioVirtualServices } from './virtual-services';
import { PhaseCapabilityError, withTargetPlatform } from '../../emit/common';
import { BaselineCertificates } from '../../layers/certificates';
import { CiliumPolicyLayer } from '../../layers/cilium';
import { IstioIdentityCertificates } from '../../layers/mesh-identity';
import { MeshDataPlaneOptions } from '../../layers/mesh-options';
import { NamespaceLayer } from '../../layers/namespaces';
import { NetworkPolicyLayer } from '../../layers/network-policy';
import { ServiceCatalog } from '../../model/catalog';
import { L4Layer, PlatformSpec } from '../../model/types';

/** Properties of `IstioPhase`. */
export interface IstioPhaseProps extends IstioPhaseOptions {
  /** The validated service catalog. */
  readonly catalog: ServiceCatalog;
  /**
   * The releases to target, field by field over the catalog's `platform` section.
   * @default - the catalog's `platform`
   */
  readonly platform?: PlatformSpec;
}

/**
 * istio-csr's pods and gRPC serving port: sidecars and istiod send their CSRs there
 * (cert-manager/istio-csr deploy/charts/istio-csr values.yaml `app.server.serving.port`).
 */
const ISTIO_CSR_SELECTOR: Readonly<Record<string, string>> = { app: 'cert-manager-istio-csr' };
const ISTIO_CSR_PORTS: readonly number[] = [6443];

/**
 * Phase 4 of the ladder: the Istio sidecar mesh, with retries that never repeat a
 * request the server may already have processed.
 *
 * Emits sidecar injection on owned namespaces, mTLS (PeerAuthentication, with
 * port-level PERMISSIVE exceptions for ports unmeshed peers call, e.g. a webhook),
 * identity-based authorization of services and peers (AuthorizationPolicy: principals,
 * namespaces, address ranges of unmeshed peers), traffic management with an explicit
 * `retries` block and a timeout on EVERY HTTP route, header-routed versions first
 * (VirtualService), mTLS origination, connection pools, outlier detection and canary
 * subsets (DestinationRule), per-workload (and per-version) egress scoping with
 * `REGISTRY_ONLY` (Sidecar), external destinations and peer address ranges
 * (ServiceEntry) and optional tracing (Telemetry); and keeps L4 enforcement underneath
 * (Cilium L3/L4 by default, or NetworkPolicy, or none), opened for the sidecars' control
 * plane connection. Peers it cannot tell apart without an L4 layer are refused with
 * `l4: none`.
 */
export class IstioPhase extends Construct {
  /** The Namespace objects, when emitted. */
  public readonly namespaces?: NamespaceLayer;
  /** mTLS modes (namespace-wide and per workload). */
  public readonly peerAuthentications: IstioPeerAuthentications;
  /** Allow-nothing baselines and per-service ALLOW policies. */
  public readonly authorizationPolicies: IstioAuthorizationPolicies;
  /** Routes with explicit retries and timeouts, canary weights, scoped faults. */
  public readonly virtualServices: IstioVirtualServices;
  /** mTLS origination, connection pools, outlier detection, subsets. */
  public readonly destinationRules: IstioDestinationRules;
  /** Per-proxy egress scoping with REGISTRY_ONLY. */
  public readonly sidecars: IstioSidecars;
  /** External hosts and CIDRs. */
  public readonly serviceEntries: IstioServiceEntries;
  /** Tracing sampling, when the catalog sets it. */
  public readonly telemetry: IstioTelemetry;
  /** The CiliumNetworkPolicies underneath (L4 layer CILIUM). */
  public readonly ciliumPolicies?: CiliumPolicyLayer;
  /** The NetworkPolicies underneath (L4 layer NETWORK_POLICY). */
  public readonly networkPolicies?: NetworkPolicyLayer;
  /** The cert-manager hierarchy and service certificates, when emitted. */
  public readonly certificates?: BaselineCertificates;
  /** Istio's identity PKI through istio-csr, chained to the same root, when emitted. */
  public readonly identity?: IstioIdentityCertificates;

  /** What the phase enforces only partly (route limits enforced wider, where the catalog allows it). */
  public readonly warnings: string[];

  public constructor(scope: Construct, id: string, given: IstioPhaseProps) {
    super(scope, id);
    const props = withTargetPlatform(given);
    const catalog = props.catalog.withSettings({ istio: props });
    const settings = catalog._resolved.istio;
    const mode = settings.mode;
    const l4 = settings.l4;

    if (settings.namespaces) {
      this.namespaces = new NamespaceLayer(this, 'namespaces', { catalog, labels: { [INJECTION_LABEL]: INJECTION_ENABLED } });
    }
    this.peerAuthentications = new IstioPeerAuthentications(this, 'peer-authentication', { catalog, mode });
    this.authorizationPolicies = new IstioAuthorizationPolicies(this, 'authorization', { catalog, mode, l4 });
    this.warnings = [...this.authorizationPolicies.warnings];
    this.virtualServices = new IstioVirtualServices(this, 'virtual-services', { catalog });
    this.destinationRules = new IstioDestinationRules(this, 'destination-rules', { catalog });
    this.serviceEntries = new IstioServiceEntries(this, 'service-entries', { catalog });
    this.sidecars = new IstioSidecars(this, 'sidecars', { catalog, scope: settings.sidecarScope });
    this.telemetry = new IstioTelemetry(this, 'telemetry', { catalog });
    const certificates = settings.certificates;
    if (certificates) {
      // istio-csr signs workload certificates with the intermediate: that is Istio's identity CA.
      const certs = catalog._resolved.certificates;
      const identity = certs.issuerRef ? [] : [`${certs.caNamespace}/${certs.caName}-ca`];
      this.certificates = new BaselineCertificates(this, 'certificates', { catalog, meshIdentityCertificates: identity });
      this.identity = new IstioIdentityCertificates(this, 'identity', { catalog });
    }
    const istioCsr = this.identity?.trustRoots !== undefined;

    // Sidecars keep the pod ports (inbound capture happens inside the pod), so the L4
    // layer needs no proxy ports: only the sidecars' connection to istiod.
    const mesh: MeshDataPlaneOptions = {
      controlPlane: [{
        namespace: settings.controlPlaneNamespace,
        selector: { ...settings.controlPlaneSelector },
        ports: [...settings.controlPlanePorts],
      }, ...(istioCsr ? [{
        namespace: catalog._resolved.certificates.caNamespace,
        selector: { ...ISTIO_CSR_SELECTOR },
        ports: [...ISTIO_CSR_PORTS],
      }] : [])],
    };
    switch (l4) {
      case L4Layer.CILIUM:
        // L3/L4 only: the sidecars enforce L7; Cilium's proxy would sit in between.
        // Exposure under Istio goes through the (meshed) ingress gateway, never straight from the world.
        this.ciliumPolicies = new CiliumPolicyLayer(this, 'cilium-policies', { catalog, l7: false, ingressFromWorld: false, mesh });
        break;
      case L4Layer.NETWORK_POLICY:
        assertAddressable(catalog);
        this.networkPolicies = new NetworkPolicyLayer(this, 'network-policies', { catalog, mesh });
        break;
      case L4Layer.NONE:
        break;
    }
  }
}

/** NetworkPolicy matches addresses only: every host call needs its `cidrs` there. */
function assertAddressable(catalog: ServiceCatalog): void {
  const problems: string[] = [];
  for (const service of catalog._resolved.services) {
    for (const call of service.calls) {
      if (call.kind === 'host' && call.cidrs.length === 0) {
        problems.push(`${service.id} calls host ${call.host}: the NetworkPolicy layer (istio.l4: networkpolicy) matches IP addresses, not DNS names. Add "cidrs" (the host's address ranges) to the call, or keep istio.l4: cilium, which matches DNS names.`);
      }
    }
  }
  if (problems.length > 0) {
    throw new PhaseCapabilityError(`the istio phase cannot express ${problems.length} call(s) with its L4 layer:\n` + problems.map(p => `  - ${p}`).join('\n'));
  }
}
