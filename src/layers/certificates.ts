import { ApiObject, Chart, JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';
import * as cm from '../../imports/cert-manager.io';
import * as prom from '../../imports/monitoring.coreos.com';
import * as trust from '../../imports/trust.cert-manager.io';
import { ServiceCatalog } from '../model/catalog';
import { formatDuration } from '../model/duration';
import { checkDns1123Subdomain } from '../model/names';
import { ResolvedCatalog, ResolvedService } from '../model/resolved';
import { IssuerRefSpec } from '../model/types';
import { MANAGED_BY_LABELS, serviceLabels } from '../phases/common';

/** Props of {@link BaselineCertificates}. */
export interface BaselineCertificatesProps {
  /** The validated catalog; its `certificates` settings decide what is emitted. */
  readonly catalog: ServiceCatalog;
}

const CERT_MANAGER_GROUP = 'cert-manager.io';
/** Key of the CA certificate in a cert-manager Secret and in the distributed ConfigMap. */
const CA_KEY = 'ca.crt';

/**
 * Application-level TLS for the baseline phase, with cert-manager and trust-manager.
 *
 * Emits, when the catalog's `certificates.enabled` is true (nothing otherwise):
 * - unless `certificates.issuerRef` is given, a generated CA chain: a self-signed
 *   ClusterIssuer `<caName>-selfsigned`, a CA Certificate `<caName>-ca` (ECDSA P-256) in
 *   `caNamespace`, and a CA ClusterIssuer `<caName>-ca` that signs with it;
 * - per service with a certificate, a Certificate `<name>` in the service's namespace
 *   (ECDSA P-256, key rotated on every renewal, server and client auth);
 * - with `trustBundle` and a generated CA, a trust-manager Bundle `<caName>-ca-bundle`
 *   that copies the CA certificate into a ConfigMap (key `ca.crt`) in every namespace
 *   that holds a service certificate;
 * - with `expiryAlert`, a PrometheusRule `<caName>-certificate-expiry` in `caNamespace`.
 *
 * `caNamespace` must be cert-manager's cluster resource namespace (where a ClusterIssuer
 * looks up its CA Secret; `cert-manager` by default) and trust-manager's trust namespace
 * (where a Bundle reads its source Secrets; also `cert-manager` by default).
 *
 * With an external `issuerRef`, no Bundle is emitted even when `trustBundle` is set: the
 * CA behind that issuer is not known here, so distribute it with your own Bundle.
 */
export class BaselineCertificates extends Construct {
  /** The self-signed ClusterIssuer that bootstraps the generated CA. */
  public readonly selfSignedIssuer?: ApiObject;
  /** The generated CA Certificate (`isCA: true`). */
  public readonly caCertificate?: ApiObject;
  /** The ClusterIssuer that signs service certificates with the generated CA. */
  public readonly caIssuer?: ApiObject;
  /** The trust-manager Bundle distributing the generated CA. */
  public readonly trustBundle?: ApiObject;
  /** The PrometheusRule alerting on expiring or failing certificates. */
  public readonly expiryRule?: ApiObject;
  /** The service Certificates, sorted by namespace and name. */
  public readonly certificates: ApiObject[];
  /**
   * The issuer that signs service certificates: the generated CA ClusterIssuer or the
   * catalog's `issuerRef`. Undefined when certificates are disabled.
   */
  public readonly leafIssuer?: IssuerRefSpec;

  private readonly certificatesById = new Map<string, ApiObject>();

  public constructor(scope: Construct, id: string, props: BaselineCertificatesProps) {
    super(scope, id);
    const catalog = props.catalog._resolved;
    const settings = catalog.certificates;
    this.certificates = [];
    if (!settings.enabled) {
      return;
    }

    const caName = settings.caName;
    const caSecretName = checkedName(`${caName}-ca`);
    let issuerRef: cm.CertificateSpecIssuerRef;
    if (settings.issuerRef) {
      issuerRef = { name: settings.issuerRef.name, kind: settings.issuerRef.kind, group: settings.issuerRef.group };
    } else {
      const selfSignedName = checkedName(`${caName}-selfsigned`);
      const caIssuerName = checkedName(`${caName}-ca`);

      this.selfSignedIssuer = clusterScoped(new cm.ClusterIssuer(this, 'SelfSignedIssuer', {
        metadata: { name: selfSignedName, labels: { ...MANAGED_BY_LABELS } },
        spec: { selfSigned: {} },
      }));

      this.caCertificate = new cm.Certificate(this, 'CaCertificate', {
        metadata: { name: caSecretName, namespace: settings.caNamespace, labels: { ...MANAGED_BY_LABELS } },
        spec: {
          isCa: true,
          commonName: `${caName}-ca`,
          secretName: caSecretName,
          duration: formatDuration(settings.caDurationMs),
          renewBefore: formatDuration(settings.caRenewBeforeMs),
          privateKey: ecdsaP256(),
          issuerRef: { name: selfSignedName, kind: 'ClusterIssuer', group: CERT_MANAGER_GROUP },
        },
      });

      // Reads the CA Secret from cert-manager's cluster resource namespace (= caNamespace).
      this.caIssuer = clusterScoped(new cm.ClusterIssuer(this, 'CaIssuer', {
        metadata: { name: caIssuerName, labels: { ...MANAGED_BY_LABELS } },
        spec: { ca: { secretName: caSecretName } },
      }));
      issuerRef = { name: caIssuerName, kind: 'ClusterIssuer', group: CERT_MANAGER_GROUP };
    }
    this.leafIssuer = { name: issuerRef.name, kind: issuerRef.kind, group: issuerRef.group };

    const withCertificates = servicesWithCertificates(catalog);
    for (const service of withCertificates) {
      const certificate = this.serviceCertificate(service, issuerRef);
      this.certificates.push(certificate);
      this.certificatesById.set(service.id, certificate);
    }

    const namespaces = [...new Set(withCertificates.map(s => s.namespace))].sort();
    // An `In` selector needs at least one value; with no service certificates there is
    // nobody to distribute the CA to.
    if (settings.trustBundle && !settings.issuerRef && namespaces.length > 0) {
      this.trustBundle = clusterScoped(new trust.Bundle(this, 'TrustBundle', {
        metadata: { name: checkedName(`${caName}-ca-bundle`), labels: { ...MANAGED_BY_LABELS } },
        spec: {
          sources: [
            { secret: { name: caSecretName, key: CA_KEY } },
            { useDefaultCAs: false },
          ],
          target: {
            configMap: { key: CA_KEY },
            namespaceSelector: {
              matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: namespaces }],
            },
          },
        },
      }));
    }

    if (settings.expiryAlert) {
      this.expiryRule = this.expiryAlertRule(caName, settings.caNamespace, settings.expiryAlertBeforeMs);
    }
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
    return new cm.Certificate(this, `Certificate ${service.namespace}.${service.name}`, {
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
        privateKey: ecdsaP256(),
        issuerRef: { ...issuerRef },
      },
    });
  }

  private expiryAlertRule(caName: string, namespace: string, alertBeforeMs: number): ApiObject {
    const seconds = Math.round(alertBeforeMs / 1000);
    const subject = '{{ $labels.namespace }}/{{ $labels.name }}';
    return new prom.PrometheusRule(this, 'ExpiryRule', {
      metadata: { name: checkedName(`${caName}-certificate-expiry`), namespace, labels: { ...MANAGED_BY_LABELS } },
      spec: {
        groups: [{
          name: `${caName}-certificates`,
          rules: [
            {
              // Renewal normally happens at renewBefore; this fires only when it failed.
              alert: 'CertificateExpiringSoon',
              expr: prom.PrometheusRuleSpecGroupsRulesExpr.fromString(
                `certmanager_certificate_expiration_timestamp_seconds - time() < ${seconds}`),
              for: '15m',
              labels: { severity: 'warning' },
              annotations: {
                summary: `Certificate ${subject} expires soon`,
                description: `Certificate ${subject} expires in {{ $value | humanizeDuration }} (alert threshold ${formatDuration(alertBeforeMs)}); cert-manager has not renewed it.`,
              },
            },
            {
              alert: 'CertificateNotReady',
              expr: prom.PrometheusRuleSpecGroupsRulesExpr.fromString(
                'certmanager_certificate_ready_status{condition="False"} == 1'),
              for: '10m',
              labels: { severity: 'critical' },
              annotations: {
                summary: `Certificate ${subject} is not ready`,
                description: `Certificate ${subject} has not been Ready for 10 minutes; check its CertificateRequests and issuer.`,
              },
            },
          ],
        }],
      },
    });
  }
}

/** Services with a certificate, sorted by namespace then name. */
function servicesWithCertificates(catalog: ResolvedCatalog): ResolvedService[] {
  return catalog.services
    .filter(s => s.certificate !== undefined)
    .sort((a, b) => compare(a.namespace, b.namespace) || compare(a.name, b.name));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** ECDSA P-256 with a new key on every renewal (explicit: the default changed in cert-manager 1.18). */
function ecdsaP256(): cm.CertificateSpecPrivateKey {
  return {
    algorithm: cm.CertificateSpecPrivateKeyAlgorithm.ECDSA,
    size: 256,
    rotationPolicy: cm.CertificateSpecPrivateKeyRotationPolicy.ALWAYS,
  };
}

/** Guards object names derived from catalog values (the model validates those already). */
function checkedName(name: string): string {
  const problem = checkDns1123Subdomain(name);
  if (problem) {
    throw new Error(`cannot name a certificate object: ${problem}`);
  }
  return name;
}

/**
 * cdk8s gives every ApiObject its chart's namespace; a cluster-scoped object must not
 * carry one.
 */
function clusterScoped<T extends ApiObject>(obj: T): T {
  if (Chart.of(obj).namespace !== undefined) {
    obj.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
  }
  return obj;
}
