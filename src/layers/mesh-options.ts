/**
 * What a mesh's data plane needs from the L4 layer underneath it. Mesh phases
 * (linkerd, istio) pass this to whichever L4 layer they use (NetworkPolicy or Cilium),
 * so the layers stay mesh-agnostic and the phases never import each other.
 */

/** A set of pods a data plane must reach (a mesh control plane). */
export interface MeshEndpointSpec {
  /** Namespace of the pods. */
  readonly namespace: string;
  /**
   * Pod labels.
   * @default - every pod in the namespace
   */
  readonly selector?: Record<string, string>;
  /** Pod ports to allow (TCP). */
  readonly ports: number[];
}

/** L4 allowances a mesh's data plane needs. */
export interface MeshDataPlaneOptions {
  /**
   * Pod ports a meshed server must accept from every declared caller (and the ingress
   * controller), in addition to the declared ports: e.g. Linkerd's proxy inbound port 4143.
   * @default - none
   */
  readonly inboundProxyPorts?: number[];
  /**
   * Control-plane endpoints every pod in the catalog must reach (e.g. istiod on 15012).
   * @default - none
   */
  readonly controlPlane?: MeshEndpointSpec[];
}
