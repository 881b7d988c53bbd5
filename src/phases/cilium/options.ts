/** Options of the cilium phase (everything but the catalog). */
export interface CiliumPhaseOptions {
  /**
   * Emit Namespace objects (with the catalog's labels) for owned namespaces.
   * @default true
   */
  readonly namespaces?: boolean;
  /**
   * Emit default-deny and DNS-allow policies for the owned namespaces.
   * @default - the catalog's `cilium.defaultDeny` (true unless set)
   */
  readonly defaultDeny?: boolean;
  /**
   * Emit the default-deny as CiliumClusterwideNetworkPolicies instead of one policy per
   * owned namespace.
   * @default - the catalog's `cilium.clusterwideDefaultDeny` (false unless set)
   */
  readonly clusterwideDefaultDeny?: boolean;
  /**
   * Require mutual authentication on ingress rules between catalog services and with
   * meshed pod peers (needs Cilium's SPIRE integration; it does not encrypt). Never on the
   * rules of the ingress controller, unmeshed peers, the world or the API server.
   * @default - the catalog's `cilium.mutualAuth` (false unless set)
   */
  readonly mutualAuth?: boolean;
  /**
   * Emit L7 HTTP rules for calls and callers limited to routes.
   * @default true
   */
  readonly l7?: boolean;
  /**
   * Set `enableDefaultDeny` on every per-service policy (`false`: allows only, no
   * default-deny from these policies, for a gradual rollout).
   * @default - not set: Cilium's default
   */
  readonly enableDefaultDeny?: boolean;
  /**
   * Extra labels for every emitted policy.
   * @default - none
   */
  readonly policyLabels?: Record<string, string>;
  /**
   * Annotations for every emitted policy.
   * @default - none
   */
  readonly policyAnnotations?: Record<string, string>;
  /**
   * Emit the cert-manager hierarchy and service certificates of the baseline phase too, so
   * moving up the ladder keeps the same root of trust and the apps' certificates.
   * @default - the catalog's `certificates.enabled` (true unless set)
   */
  readonly certificates?: boolean;
}
