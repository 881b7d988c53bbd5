import { L4Layer, MeshMode } from '../../model/types';

/** How `Sidecar` objects scope each proxy's outbound configuration. */
export enum SidecarScope {
  /**
   * One `Sidecar` per service (workload selector) listing that service's own
   * dependencies, plus a namespace default that imports only the control plane and DNS.
   * Exact: a proxy knows only what its workload calls.
   */
  SERVICE = 'service',
  /**
   * One `Sidecar` per namespace listing the dependencies of every service in it. Fewer
   * objects; every proxy of the namespace may reach what any service there calls.
   */
  NAMESPACE = 'namespace',
}

/** Options of the istio phase (everything but the catalog). */
export interface IstioPhaseOptions {
  /**
   * Emit the cert-manager hierarchy (the same root as every phase), the baseline service
   * certificates, and the mesh's identity PKI chained to that root.
   * @default - the catalog's `certificates.enabled` (true unless set)
   */
  readonly certificates?: boolean;
  /**
   * Emit Namespace objects for owned namespaces, labelled for sidecar injection.
   * @default true
   */
  readonly namespaces?: boolean;
  /**
   * PERMISSIVE: PeerAuthentication PERMISSIVE and AuthorizationPolicies in dry-run
   * (evaluated and logged, not enforced); ENFORCED: STRICT and enforced.
   * @default - the catalog's `istio.mode` (ENFORCED unless set)
   */
  readonly mode?: MeshMode;
  /**
   * L4 enforcement that stays under the mesh.
   * @default - the catalog's `istio.l4` (CILIUM unless set)
   */
  readonly l4?: L4Layer;
  /**
   * How Sidecar objects scope each proxy's outbound configuration.
   * @default SidecarScope.SERVICE
   */
  readonly sidecarScope?: SidecarScope;
  /**
   * Pod labels of istiod, which every sidecar must reach (L4 layer allowance).
   * @default { app: 'istiod' }
   */
  readonly controlPlaneSelector?: Record<string, string>;
  /**
   * istiod ports the sidecars dial: 15012 serves xDS and certificate signing over TLS.
   * (15017, the webhook port, is dialled by the API server, not by pods.)
   * @default [15012]
   */
  readonly controlPlanePorts?: number[];
}
