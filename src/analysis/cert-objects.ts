/**
 * What the time proof reads from emitted manifests: cert-manager Certificates and
 * issuers, trust-manager Bundles and Namespace labels, with cert-manager's own defaults
 * and renewal arithmetic. Every semantic cites its upstream source.
 */
import { matchesSelector, parseLabelSelector } from './selectors';
import { parseDuration } from '../model/duration';

/** cert-manager's default Certificate duration, 90 days (cert-manager/cert-manager pkg/apis/certmanager/v1/const.go DefaultCertificateDuration, v1.21.1). */
export const DEFAULT_CERTIFICATE_DURATION_MS = 2160 * 3_600_000;

export interface IssuerRef {
  readonly name: string;
  readonly kind: string;
  readonly group: string;
}

export interface CertificateModel {
  /** `namespace/name`. */
  readonly id: string;
  readonly namespace: string;
  readonly secretName: string;
  readonly isCA: boolean;
  readonly commonName: string;
  readonly durationMs: number;
  readonly renewBeforeMs?: number;
  readonly renewBeforePercentage?: number;
  /** `Always` unless `Never` (the default since cert-manager v1.18.0: types_certificate.go PrivateKeyRotationPolicy). */
  readonly rotationPolicy: 'Always' | 'Never';
  readonly issuerRef: IssuerRef;
}

export type IssuerModel =
  | { readonly type: 'selfSigned' }
  | { readonly type: 'ca'; readonly secretNamespace: string; readonly secretName: string }
  | { readonly type: 'external'; readonly description: string };

export interface BundleSourceModel {
  readonly secretName: string;
  readonly key: string;
}

export interface BundleModel {
  readonly name: string;
  /** Secret sources (read from trust-manager's trust namespace). */
  readonly sources: BundleSourceModel[];
  /** Sources the proof cannot see into (ConfigMaps, inLine, default CAs). */
  readonly opaqueSources: string[];
  /** Whether the Bundle's target reaches a namespace. */
  readonly targets: (namespace: string) => boolean;
}

/** One epoch's certificate objects. */
export interface CertificateObjects {
  readonly certificates: Map<string, CertificateModel>;
  readonly bundles: Map<string, BundleModel>;
  /** Resolves an issuerRef seen from a namespace; issuers not emitted here are external. */
  readonly issuer: (ref: IssuerRef, namespace: string) => IssuerModel;
}

export interface CertificateObjectsOptions {
  /** cert-manager's cluster resource namespace, where ClusterIssuers read CA Secrets. */
  readonly clusterResourceNamespace: string;
}

/**
 * Reads cert-manager and trust-manager objects from manifests.
 * @throws Error naming the object when a duration does not parse
 */
export function readCertificateObjects(manifests: ReadonlyArray<unknown>, options: CertificateObjectsOptions): CertificateObjects {
  const certificates = new Map<string, CertificateModel>();
  const issuers = new Map<string, IssuerModel>();
  const bundles = new Map<string, BundleModel>();
  const namespaceLabels = new Map<string, Record<string, string>>();
  const objects = manifests.filter((m): m is Record<string, any> => typeof m === 'object' && m !== null);
  for (const o of objects.filter(m => m.kind === 'Namespace')) {
    namespaceLabels.set(o.metadata?.name, { ...(o.metadata?.labels ?? {}) });
  }
  for (const o of objects) {
    const group = String(o.apiVersion ?? '').split('/')[0];
    if (group === 'cert-manager.io' && (o.kind === 'ClusterIssuer' || o.kind === 'Issuer')) {
      const namespace = o.kind === 'ClusterIssuer' ? options.clusterResourceNamespace : o.metadata?.namespace;
      issuers.set(issuerKey(o.kind, o.metadata?.name, o.metadata?.namespace), issuerModel(o.spec ?? {}, namespace, `${o.kind} ${o.metadata?.name}`));
    } else if (group === 'cert-manager.io' && o.kind === 'Certificate') {
      const cert = certificateModel(o);
      certificates.set(cert.id, cert);
    } else if (group === 'trust.cert-manager.io' && o.kind === 'Bundle') {
      bundles.set(o.metadata?.name, bundleModel(o, namespaceLabels));
    }
  }
  return {
    certificates,
    bundles,
    issuer: (ref, namespace) => {
      const found = ref.group === 'cert-manager.io' ? issuers.get(issuerKey(ref.kind, ref.name, namespace)) : undefined;
      return found ?? { type: 'external', description: `${ref.kind} ${ref.name} (${ref.group})` };
    },
  };
}

function issuerKey(kind: string, name: string, namespace: string | undefined): string {
  return kind === 'ClusterIssuer' ? `ClusterIssuer/${name}` : `Issuer/${namespace}/${name}`;
}

function issuerModel(spec: Record<string, any>, namespace: string, what: string): IssuerModel {
  if (spec.selfSigned !== undefined) {
    return { type: 'selfSigned' };
  }
  if (spec.ca?.secretName !== undefined) {
    return { type: 'ca', secretNamespace: namespace, secretName: spec.ca.secretName };
  }
  return { type: 'external', description: what };
}

function certificateModel(o: Record<string, any>): CertificateModel {
  const spec = o.spec ?? {};
  const namespace = o.metadata?.namespace ?? 'default';
  const id = `${namespace}/${o.metadata?.name}`;
  const durationOf = (field: string): number | undefined => {
    if (spec[field] === undefined) {
      return undefined;
    }
    const ms = parseDuration(spec[field]);
    if (ms === undefined) {
      throw new Error(`Certificate ${id}: spec.${field} "${spec[field]}" is not a duration`);
    }
    return ms;
  };
  // An unset issuerRef.kind means Issuer (cert-manager/cert-manager pkg/apis/meta/v1/types.go IssuerReference, v1.21.1).
  const ref = spec.issuerRef ?? {};
  return {
    id,
    namespace,
    secretName: spec.secretName,
    isCA: spec.isCA === true,
    commonName: spec.commonName ?? id,
    durationMs: durationOf('duration') ?? DEFAULT_CERTIFICATE_DURATION_MS,
    renewBeforeMs: durationOf('renewBefore'),
    renewBeforePercentage: typeof spec.renewBeforePercentage === 'number' ? spec.renewBeforePercentage : undefined,
    rotationPolicy: spec.privateKey?.rotationPolicy === 'Never' ? 'Never' : 'Always',
    issuerRef: { name: ref.name, kind: ref.kind ?? 'Issuer', group: ref.group ?? 'cert-manager.io' },
  };
}

function bundleModel(o: Record<string, any>, namespaceLabels: Map<string, Record<string, string>>): BundleModel {
  const sources: BundleSourceModel[] = [];
  const opaqueSources: string[] = [];
  for (const source of o.spec?.sources ?? []) {
    if (source.secret?.name !== undefined && source.secret?.key !== undefined) {
      sources.push({ secretName: source.secret.name, key: source.secret.key });
    } else if (source.useDefaultCAs === false) {
      continue;
    } else {
      opaqueSources.push(JSON.stringify(source));
    }
  }
  const raw = o.spec?.target?.namespaceSelector;
  const problems: string[] = [];
  const selector = raw === undefined ? undefined : parseLabelSelector(raw, `Bundle ${o.metadata?.name}`, problems);
  if (problems.length > 0) {
    throw new Error(problems.join('; '));
  }
  return {
    name: o.metadata?.name,
    sources,
    opaqueSources,
    // trust-manager: no namespaceSelector means every namespace.
    targets: namespace => selector === undefined
      || matchesSelector(selector, { ...(namespaceLabels.get(namespace) ?? {}), 'kubernetes.io/metadata.name': namespace }),
  };
}

/**
 * When cert-manager renews a certificate: `renewBefore` when it is set and shorter than
 * the actual lifetime, else `renewBeforePercentage` of the lifetime when it is in (0, 100),
 * else a third of the lifetime before expiry (cert-manager/cert-manager
 * pkg/util/pki/renewaltime.go RenewalTime and desiredRenewalTime, v1.21.1).
 */
export function renewalTime(notBefore: number, notAfter: number, cert: Pick<CertificateModel, 'renewBeforeMs' | 'renewBeforePercentage'>): number {
  const actual = notAfter - notBefore;
  let before: number;
  if (cert.renewBeforeMs !== undefined && cert.renewBeforeMs > 0 && cert.renewBeforeMs < actual) {
    before = cert.renewBeforeMs;
  } else if (cert.renewBeforePercentage !== undefined && cert.renewBeforePercentage > 0 && cert.renewBeforePercentage < 100) {
    before = actual * cert.renewBeforePercentage / 100;
  } else {
    before = actual / 3;
  }
  // Truncated to the second, like the renewal time stored in the Certificate's status.
  return Math.floor((notAfter - before) / 1000) * 1000;
}
