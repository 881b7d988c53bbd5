/**
 * Shared pieces of the certificate layers (not part of the jsii API): the names of the
 * generated hierarchy, Bundle sources for the roots, and object helpers.
 */
import { ApiObject, Chart, JsonPatch } from 'cdk8s';
import * as cm from '../../imports/cert-manager.io';
import * as trust from '../../imports/trust.cert-manager.io';
import { bindingAt } from '../emit/plain-api-object';
import { checkDns1123Subdomain } from '../model/names';
import { NAMESPACE_NAME_LABEL } from '../model/peers';
import { supports, TargetPlatform } from '../model/releases';
import { ResolvedCatalog } from '../model/resolved';
import { RootRotationStage } from '../model/types';

/** A self-signed root's own certificate in its Secret. */
const ROOT_KEY = 'tls.crt';

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
export const LINKERD_TRUST_ROOTS_KEY = 'ca-bundle.crt';
/** ConfigMap (and Bundle) istio-csr reads the mesh's roots from (`app.tls.rootCAFile`). */
export const ISTIO_CSR_ROOTS = 'istio-root-ca';
export const ISTIO_CSR_ROOTS_KEY = 'ca.pem';

/** Names of the generated hierarchy; shared with the mesh identity layers. */
export interface RootOfTrust {
  /** Namespace of the root and intermediate Secrets (cert-manager's cluster resource namespace). */
  readonly namespace: string;
  /** Root Secrets the trust bundles carry (current root first, then the next one in a rotation). */
  readonly rootSecrets: string[];
  /** The CA ClusterIssuer of the root that signs intermediates now. */
  readonly signingRootIssuer: string;
  /** The CA ClusterIssuer of the intermediate that signs leaves. */
  readonly intermediateIssuer: string;
}

/**
 * The generated hierarchy of a catalog, or undefined when certificates are off or an
 * external `issuerRef` replaces it.
 */
export function rootOfTrust(catalog: ResolvedCatalog): RootOfTrust | undefined {
  const settings = catalog.certificates;
  if (!settings.enabled || settings.issuerRef) {
    return undefined;
  }
  const rotation = settings.rootRotation;
  return {
    namespace: settings.caNamespace,
    rootSecrets: rotation ? [settings.rootName, rotation.nextRoot] : [settings.rootName],
    signingRootIssuer: rotation?.stage === RootRotationStage.ISSUE ? rotation.nextRoot : settings.rootName,
    intermediateIssuer: `${settings.caName}-ca`,
  };
}

/** Bundle sources for the roots: each root's own certificate (`tls.crt` of a self-signed Secret). */
export function rootBundleSources(root: RootOfTrust): trust.BundleSpecSources[] {
  return [
    ...root.rootSecrets.map(name => ({ secret: { name, key: ROOT_KEY } })),
    { useDefaultCAs: false },
  ];
}

/** ECDSA P-256 with an explicit rotation policy (the default changed to Always in cert-manager 1.18). */
export function ecdsaP256(rotationPolicy: cm.CertificateSpecPrivateKeyRotationPolicy): cm.CertificateSpecPrivateKey {
  return { algorithm: cm.CertificateSpecPrivateKeyAlgorithm.ECDSA, size: 256, rotationPolicy };
}

/**
 * Selects namespaces by name (label set by the API server on every namespace). trust-manager
 * before 0.14 has `matchLabels` only (src/model/releases.ts): one namespace is still exact;
 * for several there is no selector, and the public CA certificates go to every namespace
 * (reported as a degradation by `BaselineCertificates`).
 */
export function namespaceNameSelector(platform: TargetPlatform, namespaces: string[]): trust.BundleSpecTargetNamespaceSelector | undefined {
  if (supports(platform, 'trustManagerMatchExpressions')) {
    return { matchExpressions: [{ key: NAMESPACE_NAME_LABEL, operator: 'In', values: [...namespaces] }] };
  }
  return namespaces.length === 1 ? { matchLabels: { [NAMESPACE_NAME_LABEL]: namespaces[0] } } : undefined;
}

/** The certificate bindings at the apiVersions the targeted cert-manager and trust-manager serve. */
export function pkiBindings(platform: TargetPlatform) {
  return {
    Certificate: bindingAt(platform, 'Certificate.cert-manager.io', cm.Certificate),
    ClusterIssuer: bindingAt(platform, 'ClusterIssuer.cert-manager.io', cm.ClusterIssuer),
    Bundle: bindingAt(platform, 'Bundle.trust.cert-manager.io', trust.Bundle),
  };
}

/** Guards object names derived from catalog values (the model validates those already). */
export function checkedName(name: string): string {
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
export function clusterScoped<T extends ApiObject>(obj: T): T {
  if (Chart.of(obj).namespace !== undefined) {
    obj.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
  }
  return obj;
}

/** `{ [key]: value }`, or nothing when the value is undefined (for spreading into props). */
export function optional<K extends string, V>(key: K, value: V | undefined): { [k in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [k in K]?: V });
}
