/**
 * Certificate settings: per-service options, and the catalog-wide hierarchy (issuer,
 * lifetimes, renewal, the staged root rotation, trust bundle, expiry alert).
 * Re-exported by ../types.ts.
 */

/** Per-service certificate options. */
export interface ServiceCertificateSpec {
  /**
   * Issue a certificate for this service.
   * @default true (not for client-only workloads, which get a client certificate only when enabled explicitly)
   */
  readonly enabled?: boolean;
  /**
   * Secret to store the key pair in.
   * @default `<name>-tls`
   */
  readonly secretName?: string;
  /**
   * Extra DNS names.
   * @default - none
   */
  readonly extraDnsNames?: string[];
  /**
   * Certificate lifetime.
   * @default - the catalog's certificate duration
   */
  readonly duration?: string;
  /**
   * How long before expiry to renew.
   * @default - the catalog's renewBefore
   */
  readonly renewBefore?: string;
}

/** A reference to an existing cert-manager issuer. */
export interface IssuerRefSpec {
  /** Issuer name. */
  readonly name: string;
  /**
   * `ClusterIssuer` or `Issuer`.
   * @default 'ClusterIssuer'
   */
  readonly kind?: string;
  /**
   * API group of the issuer.
   * @default 'cert-manager.io'
   */
  readonly group?: string;
}

/** Stages of a planned root rotation. */
export enum RootRotationStage {
  /** The next root is created and joins every trust bundle; the current root still signs. */
  DISTRIBUTE = 'distribute',
  /** The next root signs the intermediates; both roots stay in every bundle. */
  ISSUE = 'issue',
}

/** A planned replacement of the generated root. */
export interface RootRotationSpec {
  /** Name of the new root (Certificate, Secret and CA ClusterIssuer). */
  readonly nextRoot: string;
  /** How far the rotation has gone. */
  readonly stage: RootRotationStage;
  /**
   * How long both roots stay in the bundles after the new root starts signing: it must
   * outlast every leaf and intermediate issued under the old root.
   * @default - the longest leaf duration (also the minimum the linter accepts)
   */
  readonly overlap?: string;
}

/** Catalog-wide certificate settings. */
export interface CertificateDefaultsSpec {
  /**
   * Issue certificates at all.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Use this existing issuer instead of generating a CA chain (enterprise PKI, Vault, a
   * private ACME CA). Its root is not known here: distribute it with your own Bundle.
   * @default - a generated hierarchy: self-signed root, intermediate issuing CA, CA ClusterIssuers
   */
  readonly issuerRef?: IssuerRefSpec;
  /**
   * Leaf certificate lifetime.
   * @default '2160h'
   */
  readonly duration?: string;
  /**
   * Renew leaf certificates this long before expiry.
   * @default '720h'
   */
  readonly renewBefore?: string;
  /**
   * Lifetime of the generated intermediate (issuing) CA `<caName>-ca`, which cert-manager
   * renews with a new key; it must exceed the leaf duration plus renewBefore.
   * @default '43800h' (5 years)
   */
  readonly caDuration?: string;
  /**
   * Renew the intermediate CA this long before expiry.
   * @default '8760h'
   */
  readonly caRenewBefore?: string;
  /**
   * Name of the generated self-signed root (Certificate, Secret and CA ClusterIssuer).
   * Its key never rotates by itself (`rotationPolicy: Never`); replace it with `rootRotation`.
   * @default `<caName>-root`
   */
  readonly rootName?: string;
  /**
   * Lifetime of the generated root; it must exceed the intermediate's lifetime.
   * @default '87600h' (10 years)
   */
  readonly rootDuration?: string;
  /**
   * Renew the root (same key, so everything it signed keeps verifying) this long before expiry.
   * @default '8760h'
   */
  readonly rootRenewBefore?: string;
  /**
   * A staged root rotation in progress (see docs/certificates.md): a new root joins the
   * trust bundles, then signs the intermediates; when `overlap` has passed, set
   * `rootName` to the new root and drop this field.
   * @default - no rotation in progress
   */
  readonly rootRotation?: RootRotationSpec;
  /**
   * Namespace of cert-manager (where the CA secret lives).
   * @default 'cert-manager'
   */
  readonly caNamespace?: string;
  /**
   * Name prefix of the generated issuers and CA.
   * @default 'mesh-ladder'
   */
  readonly caName?: string;
  /**
   * Distribute the CA with a trust-manager Bundle.
   * @default true
   */
  readonly trustBundle?: boolean;
  /**
   * Emit a PrometheusRule alerting on certificates close to expiry.
   * @default false
   */
  readonly expiryAlert?: boolean;
  /**
   * With `expiryAlert`: alert when a certificate expires within this time.
   * @default '168h'
   */
  readonly expiryAlertBefore?: string;
  /**
   * With `expiryAlert`: where your copy of the certificate runbook (docs/certificates.md)
   * is served; each alert's `runbook_url` annotation points at its section.
   * @default 'docs/certificates.md'
   */
  readonly alertRunbookUrl?: string;
}
