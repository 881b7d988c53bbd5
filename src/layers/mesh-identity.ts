import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { checkedName, clusterScoped, ecdsaP256, namespaceNameSelector, rootBundleSources, rootOfTrust, RootOfTrust } from './certificates';
import * as cm from '../../imports/cert-manager.io';
import * as trust from '../../imports/trust.cert-manager.io';
import { ServiceCatalog } from '../model/catalog';
import { formatDuration } from '../model/duration';
import { MANAGED_BY_LABELS } from '../phases/common';

/**
 * Linkerd's identity issuer as cert-manager renews it in Linkerd's guide "Automatically
 * Rotating Control Plane TLS Credentials" (linkerd.io/2/tasks/automatically-rotating-control-plane-tls-credentials):
 * 48h, renewed 25h before expiry, so the issuer outlives every 24h proxy certificate
 * (`identity.issuer.issuanceLifetime`, linkerd/linkerd2 charts/linkerd-control-plane/values.yaml)
 * it signed before its renewal.
 */
export const LINKERD_ISSUER_DURATION_MS = 48 * 3_600_000;
export const LINKERD_ISSUER_RENEW_BEFORE_MS = 25 * 3_600_000;
/** Secret and Certificate name Linkerd's identity controller reads (scheme kubernetes.io/tls). */
export const LINKERD_ISSUER_NAME = 'linkerd-identity-issuer';
/** ConfigMap the Linkerd control plane reads its trust anchors from (`identity.externalCA`). */
export const LINKERD_TRUST_ROOTS = 'linkerd-identity-trust-roots';
const LINKERD_TRUST_ROOTS_KEY = 'ca-bundle.crt';
/** ConfigMap (and Bundle) istio-csr reads the mesh's roots from (`app.tls.rootCAFile`). */
export const ISTIO_CSR_ROOTS = 'istio-root-ca';
const ISTIO_CSR_ROOTS_KEY = 'ca.pem';

/** Props of {@link LinkerdIdentityCertificates}. */
export interface LinkerdIdentityCertificatesProps {
  /** The validated catalog. */
  readonly catalog: ServiceCatalog;
}

/**
 * Linkerd's identity PKI from the catalog's root of trust: the identity issuer is a CA
 * Certificate `linkerd-identity-issuer` in the control-plane namespace signed by the root
 * (key rotated on every renewal), and the trust anchors are the roots, copied by a
 * trust-manager Bundle into ConfigMap `linkerd-identity-trust-roots` (key `ca-bundle.crt`)
 * in the control-plane namespace. Install Linkerd with `identity.externalCA=true` and
 * `identity.issuer.scheme=kubernetes.io/tls`.
 *
 * Emits nothing when certificates are off or an external `issuerRef` replaces the hierarchy.
 */
export class LinkerdIdentityCertificates extends Construct {
  /** The identity issuer Certificate. */
  public readonly issuerCertificate?: ApiObject;
  /** The trust anchor Bundle. */
  public readonly trustRoots?: ApiObject;

  public constructor(scope: Construct, id: string, props: LinkerdIdentityCertificatesProps) {
    super(scope, id);
    const model = props.catalog._resolved;
    const root = rootOfTrust(model);
    if (!root) {
      return;
    }
    const namespace = model.linkerd.controlPlaneNamespace;
    // Linkerd checks that the issuer's name is identity.<control-plane ns>.<trust domain>.
    const identityName = `identity.${namespace}.${model.trustDomain}`;
    this.issuerCertificate = new cm.Certificate(this, 'IssuerCertificate', {
      metadata: { name: LINKERD_ISSUER_NAME, namespace, labels: { ...MANAGED_BY_LABELS } },
      spec: {
        isCa: true,
        commonName: identityName,
        dnsNames: [identityName],
        secretName: LINKERD_ISSUER_NAME,
        duration: formatDuration(LINKERD_ISSUER_DURATION_MS),
        renewBefore: formatDuration(LINKERD_ISSUER_RENEW_BEFORE_MS),
        usages: [cm.CertificateSpecUsages.CERT_SIGN, cm.CertificateSpecUsages.CRL_SIGN, cm.CertificateSpecUsages.SERVER_AUTH, cm.CertificateSpecUsages.CLIENT_AUTH],
        privateKey: ecdsaP256(cm.CertificateSpecPrivateKeyRotationPolicy.ALWAYS),
        issuerRef: { name: root.signingRootIssuer, kind: 'ClusterIssuer', group: 'cert-manager.io' },
      },
    });
    this.trustRoots = rootsBundle(this, 'TrustRoots', LINKERD_TRUST_ROOTS, LINKERD_TRUST_ROOTS_KEY, namespace, root);
  }
}

/** Props of {@link IstioIdentityCertificates}. */
export interface IstioIdentityCertificatesProps {
  /** The validated catalog. */
  readonly catalog: ServiceCatalog;
}

/**
 * Istio's identity PKI from the catalog's root of trust, through istio-csr
 * (cert-manager/istio-csr): istiod's CA is off and istio-csr signs workload certificates
 * with the intermediate's ClusterIssuer `<caName>-ca`, the same issuer as the apps' leaves;
 * the roots istio-csr distributes (ConfigMap `istio-ca-root-cert` in every namespace) come
 * from a trust-manager Bundle into ConfigMap `istio-root-ca` (key `ca.pem`) in `caNamespace`,
 * where istio-csr runs. Chosen over the plug-in CA (`cacerts`): istiod takes a single root
 * from that Secret (cert-manager writes `ca.crt` = the issuing root only), so a staged
 * root rotation would flip Istio's trust at once; istio-csr's root file holds both roots.
 *
 * Emits nothing when certificates are off or an external `issuerRef` replaces the hierarchy.
 */
export class IstioIdentityCertificates extends Construct {
  /** The Bundle istio-csr reads the roots from. */
  public readonly trustRoots?: ApiObject;

  public constructor(scope: Construct, id: string, props: IstioIdentityCertificatesProps) {
    super(scope, id);
    const root = rootOfTrust(props.catalog._resolved);
    if (!root) {
      return;
    }
    this.trustRoots = rootsBundle(this, 'TrustRoots', ISTIO_CSR_ROOTS, ISTIO_CSR_ROOTS_KEY, root.namespace, root);
  }
}

function rootsBundle(scope: Construct, id: string, name: string, key: string, namespace: string, root: RootOfTrust): ApiObject {
  return clusterScoped(new trust.Bundle(scope, id, {
    metadata: { name: checkedName(name), labels: { ...MANAGED_BY_LABELS } },
    spec: {
      sources: rootBundleSources(root),
      target: { configMap: { key }, namespaceSelector: namespaceNameSelector([namespace]) },
    },
  }));
}
