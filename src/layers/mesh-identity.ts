import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import {
  checkedName, clusterScoped, ecdsaP256, ISTIO_CSR_ROOTS, ISTIO_CSR_ROOTS_KEY, LINKERD_ISSUER_DURATION_MS, LINKERD_ISSUER_NAME,
  LINKERD_ISSUER_RENEW_BEFORE_MS, LINKERD_TRUST_ROOTS, LINKERD_TRUST_ROOTS_KEY, namespaceNameSelector, optional, pkiBindings, rootBundleSources,
  rootOfTrust, RootOfTrust,
} from './pki';
import * as cm from '../../imports/cert-manager.io';
import { MANAGED_BY_LABELS } from '../emit/common';
import { ServiceCatalog } from '../model/catalog';
import { formatDuration } from '../model/duration';
import { TargetPlatform } from '../model/releases';

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
    this.issuerCertificate = new (pkiBindings(model.platform).Certificate)(this, 'IssuerCertificate', {
      metadata: { name: LINKERD_ISSUER_NAME, namespace, labels: { ...MANAGED_BY_LABELS } },
      spec: {
        isCa: true,
        commonName: identityName,
        dnsNames: [identityName],
        secretName: LINKERD_ISSUER_NAME,
        duration: formatDuration(LINKERD_ISSUER_DURATION_MS),
        renewBefore: formatDuration(LINKERD_ISSUER_RENEW_BEFORE_MS),
        usages: [
          cm.CertificateSpecUsages.CERT_SIGN, cm.CertificateSpecUsages.CRL_SIGN,
          cm.CertificateSpecUsages.SERVER_AUTH, cm.CertificateSpecUsages.CLIENT_AUTH,
        ],
        privateKey: ecdsaP256(cm.CertificateSpecPrivateKeyRotationPolicy.ALWAYS),
        issuerRef: { name: root.signingRootIssuer, kind: 'ClusterIssuer', group: 'cert-manager.io' },
      },
    });
    this.trustRoots = rootsBundle(this, 'TrustRoots', model.platform, { name: LINKERD_TRUST_ROOTS, key: LINKERD_TRUST_ROOTS_KEY, namespace }, root);
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
    this.trustRoots = rootsBundle(this, 'TrustRoots', props.catalog._resolved.platform, { name: ISTIO_CSR_ROOTS, key: ISTIO_CSR_ROOTS_KEY, namespace: root.namespace }, root);
  }
}

function rootsBundle(
  scope: Construct, id: string, platform: TargetPlatform, target: { name: string; key: string; namespace: string }, root: RootOfTrust,
): ApiObject {
  const { name, key, namespace } = target;
  return clusterScoped(new (pkiBindings(platform).Bundle)(scope, id, {
    metadata: { name: checkedName(name), labels: { ...MANAGED_BY_LABELS } },
    spec: {
      sources: rootBundleSources(root),
      target: { configMap: { key }, ...optional('namespaceSelector', namespaceNameSelector(platform, [namespace])) },
    },
  }));
}
