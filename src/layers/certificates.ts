import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { certificateAlertRule } from './certificate-alerts';
import { checkedName, clusterScoped, ecdsaP256, namespaceNameSelector, optional, pkiBindings, rootBundleSources, rootOfTrust, RootOfTrust } from './pki';
import * as cm from '../../imports/cert-manager.io';
import { MANAGED_BY_LABELS, reportDegradation, serviceLabels } from '../emit/common';
import { ServiceCatalog } from '../model/catalog';
import { compareStrings } from '../model/compare';
import { formatDuration } from '../model/duration';
import { ResolvedCatalog, ResolvedService } from '../model/resolved';
import { IssuerRefSpec } from '../model/types';

/** Props of {@link BaselineCertificates}. */
export interface BaselineCertificatesProps {
  /** The validated catalog; its `certificates` settings decide what is emitted. */
  readonly catalog: ServiceCatalog;
  /**
   * Mesh identity CA Certificates (`namespace/name`) that get their own, tighter renewal
   * alert (their workload certificates live a day).
   * @default - none
   */
  readonly meshIdentityCertificates?: string[];
}

const CERT_MANAGER_GROUP = 'cert-manager.io';
/** Key of the distributed roots in the app trust ConfigMap. */
const CA_KEY = 'ca.crt';

/**
 * Application-level TLS with cert-manager and trust-manager, as a rotation-safe hierarchy.
 *
 * Emits, when the catalog's `certificates.enabled` is true (nothing otherwise):
 * - unless `certificates.issuerRef` is given, the generated hierarchy:
 *   - a self-signed ClusterIssuer `<caName>-selfsigned`;
 *   - the root: a CA Certificate `<rootName>` in `caNamespace` whose key never changes
 *     (`rotationPolicy: Never`): cert-manager may renew it, and everything it signed keeps
 *     verifying because the renewed root has the same subject and key; and its CA
 *     ClusterIssuer `<rootName>`;
 *   - during a root rotation (`rootRotation`), the next root and its ClusterIssuer too;
 *   - the intermediate: a CA Certificate `<caName>-ca` signed by the root, renewed with a
 *     new key (`rotationPolicy: Always`), and the CA ClusterIssuer `<caName>-ca` that signs
 *     the leaves. A leaf carries the intermediate in its `tls.crt` (cert-manager's CA
 *     issuer appends the issuer's chain: cert-manager/cert-manager
 *     pkg/util/pki/csr.go SignCSRTemplate, v1.21.1), so a rotated intermediate never
 *     breaks a leaf it signed before;
 * - per service with a certificate, a Certificate `<name>` in the service's namespace
 *   (ECDSA P-256, key rotated on every renewal, server and client auth);
 * - with `trustBundle` and the generated hierarchy, a trust-manager Bundle
 *   `<caName>-ca-bundle` whose sources are the ROOTS only (both during a rotation), copied
 *   into a ConfigMap (key `ca.crt`) in every namespace that holds a service certificate.
 *   A Bundle keeps no history of earlier sources (cert-manager/trust-manager#560) and
 *   cert-manager does not reissue leaves when their CA changes (cert-manager/cert-manager#2478):
 *   a rotating CA as a bundle's only source flips trust while old leaves are in use;
 * - with `expiryAlert`, a PrometheusRule `<caName>-certificate-expiry` in `caNamespace`.
 *
 * `caNamespace` must be cert-manager's cluster resource namespace (where a ClusterIssuer
 * looks up its CA Secret; `cert-manager` by default) and trust-manager's trust namespace
 * (where a Bundle reads its source Secrets; also `cert-manager` by default).
 *
 * With an external `issuerRef`, no Bundle is emitted even when `trustBundle` is set: the
 * root behind that issuer is not known here, so distribute it with your own Bundle.
 */
export class BaselineCertificates extends Construct {
  /** The self-signed ClusterIssuer that bootstraps the roots. */
  public readonly selfSignedIssuer?: ApiObject;
  /** The root CA Certificate (`isCA: true`, key never rotated). */
  public readonly rootCertificate?: ApiObject;
  /** The CA ClusterIssuer of the root (signs intermediates). */
  public readonly rootIssuer?: ApiObject;
  /** The next root, during a root rotation. */
  public readonly nextRootCertificate?: ApiObject;
  /** The CA ClusterIssuer of the next root, during a root rotation. */
  public readonly nextRootIssuer?: ApiObject;
  /** The intermediate (issuing) CA Certificate `<caName>-ca`, signed by the root. */
  public readonly caCertificate?: ApiObject;
  /** The ClusterIssuer that signs service certificates with the intermediate. */
  public readonly caIssuer?: ApiObject;
  /** The trust-manager Bundle distributing the roots. */
  public readonly trustBundle?: ApiObject;
  /** The PrometheusRule alerting on expiring or failing certificates. */
  public readonly expiryRule?: ApiObject;
  /** The service Certificates, sorted by namespace and name. */
  public readonly certificates: ApiObject[];
  /**
   * The issuer that signs service certificates: the generated intermediate's ClusterIssuer
   * or the catalog's `issuerRef`. Undefined when certificates are disabled.
   */
  public readonly leafIssuer?: IssuerRefSpec;

  /** What the targeted trust-manager release cannot say, and what is emitted instead. */
  public readonly degradations: string[] = [];
  private readonly certificatesById = new Map<string, ApiObject>();
  private readonly kinds: ReturnType<typeof pkiBindings>;

  public constructor(scope: Construct, id: string, props: BaselineCertificatesProps) {
    super(scope, id);
    const catalog = props.catalog._resolved;
    this.kinds = pkiBindings(catalog.platform);
    const settings = catalog.certificates;
    this.certificates = [];
    if (!settings.enabled) {
      return;
    }

    const caName = settings.caName;
    const root = rootOfTrust(catalog);
    let issuerRef: cm.CertificateSpecIssuerRef;
    if (settings.issuerRef || !root) {
      issuerRef = { name: settings.issuerRef!.name, kind: settings.issuerRef!.kind, group: settings.issuerRef!.group };
    } else {
      const selfSignedName = checkedName(`${caName}-selfsigned`);
      this.selfSignedIssuer = clusterScoped(new this.kinds.ClusterIssuer(this, 'SelfSignedIssuer', {
        metadata: { name: selfSignedName, labels: { ...MANAGED_BY_LABELS } },
        spec: { selfSigned: {} },
      }));
      // Roots never change their key (cert-manager/cert-manager
      // pkg/apis/certmanager/v1/types_certificate.go PrivateKeyRotationPolicy, v1.21.1): a
      // renewal keeps every chain they signed valid. The intermediate rotates freely.
      const rootProps: CaCertificateProps = {
        namespace: settings.caNamespace,
        issuerName: selfSignedName,
        durationMs: settings.rootDurationMs,
        renewBeforeMs: settings.rootRenewBeforeMs,
        keyRotation: cm.CertificateSpecPrivateKeyRotationPolicy.NEVER,
      };
      this.rootCertificate = this.caCertificateOf('RootCertificate', settings.rootName, rootProps);
      this.rootIssuer = this.caClusterIssuer('RootIssuer', settings.rootName);
      if (settings.rootRotation) {
        this.nextRootCertificate = this.caCertificateOf('NextRootCertificate', settings.rootRotation.nextRoot, rootProps);
        this.nextRootIssuer = this.caClusterIssuer('NextRootIssuer', settings.rootRotation.nextRoot);
      }

      const intermediateName = checkedName(root.intermediateIssuer);
      this.caCertificate = this.caCertificateOf('CaCertificate', intermediateName, {
        namespace: settings.caNamespace,
        issuerName: root.signingRootIssuer,
        durationMs: settings.caDurationMs,
        renewBeforeMs: settings.caRenewBeforeMs,
        keyRotation: cm.CertificateSpecPrivateKeyRotationPolicy.ALWAYS,
      });
      this.caIssuer = this.caClusterIssuer('CaIssuer', intermediateName);
      issuerRef = { name: intermediateName, kind: 'ClusterIssuer', group: CERT_MANAGER_GROUP };
    }
    this.leafIssuer = { name: issuerRef.name, kind: issuerRef.kind, group: issuerRef.group };

    const withCertificates = servicesWithCertificates(catalog);
    for (const service of withCertificates) {
      const certificate = this.serviceCertificate(service, issuerRef);
      this.certificates.push(certificate);
      this.certificatesById.set(service.id, certificate);
    }

    this.trustBundle = settings.trustBundle && root ? this.trustBundleOf(catalog, root, withCertificates) : undefined;
    this.expiryRule = settings.expiryAlert ? certificateAlertRule(this, 'ExpiryRule', {
      name: `${caName}-certificate-expiry`,
      namespace: settings.caNamespace,
      groupName: `${caName}-certificates`,
      alertBeforeMs: settings.expiryAlertBeforeMs,
      runbookUrl: settings.alertRunbookUrl,
      meshIdentity: [...(props.meshIdentityCertificates ?? [])].sort(),
    }) : undefined;
  }

  /**
   * The Certificate of a service.
   * @param serviceId `namespace/name` of the service
   * @returns undefined when the service has no certificate or certificates are disabled
   */
  public certificateFor(serviceId: string): ApiObject | undefined {
    return this.certificatesById.get(serviceId);
  }

  private serviceCertificate(service: ResolvedService, issuerRef: cm.CertificateSpecIssuerRef): ApiObject {
    const cert = service.certificate!;
    // Client-only workloads have no Service to serve TLS on: a client certificate only.
    const usages = service.clientOnly
      ? [cm.CertificateSpecUsages.DIGITAL_SIGNATURE, cm.CertificateSpecUsages.CLIENT_AUTH]
      : [cm.CertificateSpecUsages.DIGITAL_SIGNATURE, cm.CertificateSpecUsages.SERVER_AUTH, cm.CertificateSpecUsages.CLIENT_AUTH];
    return new this.kinds.Certificate(this, `Certificate ${service.namespace}.${service.name}`, {
      metadata: {
        name: checkedName(service.name),
        namespace: service.namespace,
        labels: serviceLabels(service),
      },
      spec: {
        secretName: cert.secretName,
        dnsNames: [...cert.dnsNames],
        usages,
        duration: formatDuration(cert.durationMs),
        renewBefore: formatDuration(cert.renewBeforeMs),
        privateKey: ecdsaP256(cm.CertificateSpecPrivateKeyRotationPolicy.ALWAYS),
        issuerRef: { ...issuerRef },
      },
    });
  }

  /** The Bundle distributing the roots to the namespaces of services with certificates. */
  private trustBundleOf(catalog: ResolvedCatalog, root: RootOfTrust, withCertificates: ResolvedService[]): ApiObject | undefined {
    const caName = catalog.certificates.caName;
    const namespaces = [...new Set(withCertificates.map(s => s.namespace))].sort();
    // An `In` selector needs at least one value; with no service certificates there is
    // nobody to distribute the roots to.
    if (namespaces.length === 0) {
      return undefined;
    }
    if (namespaces.length > 1 && namespaceNameSelector(catalog.platform, namespaces) === undefined) {
      reportDegradation(this, this.degradations, `trust bundle ${caName}-ca-bundle: trust-manager ${catalog.platform.trustManager} selects namespaces by matchLabels only `
        + `(matchExpressions from 0.14), so the CA certificates (public) go to every namespace, not only ${namespaces.join(', ')}`);
    }
    return clusterScoped(new this.kinds.Bundle(this, 'TrustBundle', {
      metadata: { name: checkedName(`${caName}-ca-bundle`), labels: { ...MANAGED_BY_LABELS } },
      spec: {
        sources: rootBundleSources(root),
        target: {
          configMap: { key: CA_KEY },
          ...optional('namespaceSelector', namespaceNameSelector(catalog.platform, namespaces)),
        },
      },
    }));
  }

  /** A CA Certificate (root or intermediate) signed by the ClusterIssuer `issuerName`. */
  private caCertificateOf(id: string, name: string, props: CaCertificateProps): ApiObject {
    return new this.kinds.Certificate(this, id, {
      metadata: { name: checkedName(name), namespace: props.namespace, labels: { ...MANAGED_BY_LABELS } },
      spec: {
        isCa: true,
        commonName: name,
        secretName: name,
        duration: formatDuration(props.durationMs),
        renewBefore: formatDuration(props.renewBeforeMs),
        usages: [cm.CertificateSpecUsages.CERT_SIGN, cm.CertificateSpecUsages.CRL_SIGN, cm.CertificateSpecUsages.DIGITAL_SIGNATURE],
        privateKey: ecdsaP256(props.keyRotation),
        issuerRef: { name: props.issuerName, kind: 'ClusterIssuer', group: CERT_MANAGER_GROUP },
      },
    });
  }

  /** A CA ClusterIssuer; it reads its Secret from cert-manager's cluster resource namespace (= caNamespace). */
  private caClusterIssuer(id: string, secretName: string): ApiObject {
    return clusterScoped(new this.kinds.ClusterIssuer(this, id, {
      metadata: { name: checkedName(secretName), labels: { ...MANAGED_BY_LABELS } },
      spec: { ca: { secretName } },
    }));
  }
}

interface CaCertificateProps {
  readonly namespace: string;
  /** The ClusterIssuer that signs it. */
  readonly issuerName: string;
  readonly durationMs: number;
  readonly renewBeforeMs: number;
  readonly keyRotation: cm.CertificateSpecPrivateKeyRotationPolicy;
}

/** Services with a certificate, sorted by namespace then name. */
function servicesWithCertificates(catalog: ResolvedCatalog): ResolvedService[] {
  return catalog.services
    .filter(s => s.certificate !== undefined)
    .sort((a, b) => compareStrings(a.namespace, b.namespace) || compareStrings(a.name, b.name));
}
