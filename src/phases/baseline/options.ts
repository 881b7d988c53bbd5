/** Options of the baseline phase (everything but the catalog). */
export interface BaselinePhaseOptions {
  /**
   * Emit Namespace objects (with the catalog's labels) for owned namespaces.
   * @default true
   */
  readonly namespaces?: boolean;
  /**
   * Emit default-deny and DNS-allow policies in owned namespaces.
   * @default true
   */
  readonly defaultDeny?: boolean;
  /**
   * Emit cert-manager objects (CA chain, per-service Certificates, trust Bundle).
   * Turning them off here overrides the catalog's `certificates.enabled`.
   * @default - the catalog's `certificates.enabled` (true unless set)
   */
  readonly certificates?: boolean;
}
