/** The certificates pass: catalog-wide defaults, the root rotation, each service's certificate. */
import { checkDns1123Label, checkDns1123Subdomain, checkHostName } from './names';
import { CATALOG_DEFAULTS, duration, Issues, MIN_RENEW_BEFORE_MS, Path } from './resolve-common';
import { ResolvedCertificate, ResolvedCertificateDefaults, ResolvedRootRotation } from './resolved';
import { CatalogSpec, RootRotationSpec, RootRotationStage, ServiceSpec } from './types';

export function resolveCertificateDefaults(issues: Issues, spec: CatalogSpec): ResolvedCertificateDefaults {
  const c = spec.certificates ?? {};
  const path: Path = ['certificates'];
  const durationMs = duration(issues, [...path, 'duration'], c.duration, CATALOG_DEFAULTS.certificateDuration);
  const renewBeforeMs = duration(issues, [...path, 'renewBefore'], c.renewBefore, CATALOG_DEFAULTS.certificateRenewBefore);
  const caDurationMs = duration(issues, [...path, 'caDuration'], c.caDuration, CATALOG_DEFAULTS.caDuration);
  const caRenewBeforeMs = duration(issues, [...path, 'caRenewBefore'], c.caRenewBefore, CATALOG_DEFAULTS.caRenewBefore);
  const expiryAlertBeforeMs = duration(issues, [...path, 'expiryAlertBefore'], c.expiryAlertBefore, CATALOG_DEFAULTS.expiryAlertBefore);
  checkRenewal(issues, path, durationMs, renewBeforeMs, 'duration');
  checkRenewal(issues, [...path, 'ca'], caDurationMs, caRenewBeforeMs, 'caDuration', 'caRenewBefore');
  if (!c.issuerRef && durationMs > 0 && caDurationMs > 0 && caDurationMs <= durationMs + renewBeforeMs) {
    issues.error([...path, 'caDuration'], `the CA (${c.caDuration ?? CATALOG_DEFAULTS.caDuration}) must outlive the leaves it signs (duration + renewBefore = ${c.duration ?? CATALOG_DEFAULTS.certificateDuration} + ${c.renewBefore ?? CATALOG_DEFAULTS.certificateRenewBefore})`);
  }
  const caNamespace = c.caNamespace ?? CATALOG_DEFAULTS.caNamespace;
  if (checkDns1123Label(caNamespace)) {
    issues.error([...path, 'caNamespace'], checkDns1123Label(caNamespace)!);
  }
  const caName = c.caName ?? CATALOG_DEFAULTS.caName;
  if (checkDns1123Label(caName)) {
    issues.error([...path, 'caName'], checkDns1123Label(caName)!);
  }
  const rootName = c.rootName ?? `${caName}-root`;
  const rootDurationMs = duration(issues, [...path, 'rootDuration'], c.rootDuration, CATALOG_DEFAULTS.rootDuration);
  const rootRenewBeforeMs = duration(issues, [...path, 'rootRenewBefore'], c.rootRenewBefore, CATALOG_DEFAULTS.rootRenewBefore);
  checkRenewal(issues, [...path, 'root'], rootDurationMs, rootRenewBeforeMs, 'rootDuration', 'rootRenewBefore');
  const generatedNames = new Set([`${caName}-ca`, `${caName}-selfsigned`]);
  if (c.rootName !== undefined && checkDns1123Label(rootName)) {
    issues.error([...path, 'rootName'], checkDns1123Label(rootName)!);
  } else if (generatedNames.has(rootName)) {
    issues.error([...path, 'rootName'], `"${rootName}" is the name of a generated issuer; choose another root name`);
  }
  const rootRotation = resolveRootRotation(issues, [...path, 'rootRotation'], c.rootRotation, rootName, generatedNames, durationMs);
  if (c.alertRunbookUrl !== undefined && (typeof c.alertRunbookUrl !== 'string' || !/^\S+$/.test(c.alertRunbookUrl))) {
    issues.error([...path, 'alertRunbookUrl'], 'must be a URL or path without spaces');
  }
  if (c.issuerRef && c.rootRotation) {
    issues.error([...path, 'rootRotation'], 'a root rotation replaces the generated root; with issuerRef there is none (rotate the external root where it lives)');
  }
  let issuerRef: ResolvedCertificateDefaults['issuerRef'];
  if (c.issuerRef) {
    const kind = c.issuerRef.kind ?? 'ClusterIssuer';
    const group = c.issuerRef.group ?? 'cert-manager.io';
    if (checkDns1123Subdomain(c.issuerRef.name ?? '')) {
      issues.error([...path, 'issuerRef', 'name'], checkDns1123Subdomain(c.issuerRef.name ?? '')!);
    }
    if (group === 'cert-manager.io' && kind !== 'ClusterIssuer' && kind !== 'Issuer') {
      issues.error([...path, 'issuerRef', 'kind'], `cert-manager.io issuers are "ClusterIssuer" or "Issuer", got "${kind}"`);
    }
    if (kind === 'Issuer') {
      issues.warn([...path, 'issuerRef', 'kind'], `an Issuer is namespaced: "${c.issuerRef.name}" must exist in every namespace that has certificates`);
    }
    issuerRef = { name: c.issuerRef.name, kind, group };
  }
  return {
    enabled: c.enabled ?? true,
    issuerRef,
    durationMs,
    renewBeforeMs,
    caDurationMs,
    caRenewBeforeMs,
    rootName,
    rootDurationMs,
    rootRenewBeforeMs,
    ...(rootRotation ? { rootRotation } : {}),
    caNamespace,
    caName,
    trustBundle: c.trustBundle ?? true,
    expiryAlert: c.expiryAlert ?? false,
    expiryAlertBeforeMs,
    alertRunbookUrl: c.alertRunbookUrl ?? 'docs/certificates.md',
  };
}

export function resolveRootRotation(
  issues: Issues,
  path: Path,
  spec: RootRotationSpec | undefined,
  rootName: string,
  generatedNames: ReadonlySet<string>,
  leafDurationMs: number,
): ResolvedRootRotation | undefined {
  if (spec === undefined) {
    return undefined;
  }
  const nextRoot = spec.nextRoot ?? '';
  if (checkDns1123Label(nextRoot)) {
    issues.error([...path, 'nextRoot'], checkDns1123Label(nextRoot)!);
  } else if (nextRoot === rootName || generatedNames.has(nextRoot)) {
    issues.error([...path, 'nextRoot'], `"${nextRoot}" is already the name of the current root or a generated issuer`);
  }
  const stages = Object.values(RootRotationStage) as string[];
  if (!stages.includes(spec.stage)) {
    issues.error([...path, 'stage'], `stage must be one of ${stages.join(', ')} (got "${spec.stage}")`);
  }
  const overlapMs = spec.overlap === undefined ? leafDurationMs : duration(issues, [...path, 'overlap'], spec.overlap, '');
  return { nextRoot, stage: spec.stage, overlapMs };
}

export function checkRenewal(issues: Issues, path: Path, durationMs: number, renewBeforeMs: number, durationField: string, renewField = 'renewBefore'): void {
  const base = path[path.length - 1] === 'ca' || path[path.length - 1] === 'root' ? path.slice(0, -1) : path;
  if (durationMs === 0 || renewBeforeMs === 0) {
    return;
  }
  if (renewBeforeMs >= durationMs) {
    issues.error([...base, renewField], `${renewField} must be shorter than ${durationField}`);
  } else if (renewBeforeMs < MIN_RENEW_BEFORE_MS) {
    issues.error([...base, renewField], `${renewField} must be at least 5m (cert-manager's minimum)`);
  }
}

export function resolveServiceCertificate(
  issues: Issues,
  path: Path,
  service: ServiceSpec,
  namespace: string,
  clusterDomain: string,
  defaults: ResolvedCertificateDefaults,
): ResolvedCertificate | undefined {
  const c = service.certificate ?? {};
  const enabled = defaults.enabled && (c.enabled ?? !(service.clientOnly ?? false));
  const durationMs = c.duration === undefined ? defaults.durationMs : duration(issues, [...path, 'duration'], c.duration, '');
  const renewBeforeMs = c.renewBefore === undefined ? defaults.renewBeforeMs : duration(issues, [...path, 'renewBefore'], c.renewBefore, '');
  if (c.duration !== undefined || c.renewBefore !== undefined) {
    checkRenewal(issues, path, durationMs, renewBeforeMs, 'duration');
  }
  const secretName = c.secretName ?? `${service.name}-tls`;
  // The default is valid whenever the service name is (which is checked on its own).
  if (c.secretName !== undefined && checkDns1123Subdomain(secretName)) {
    issues.error([...path, 'secretName'], checkDns1123Subdomain(secretName)!);
  }
  (c.extraDnsNames ?? []).forEach((name, i) => {
    const problem = checkHostName(name);
    if (problem) {
      issues.error([...path, 'extraDnsNames', i], problem);
    }
  });
  if (!enabled) {
    return undefined;
  }
  const base = [service.name, `${service.name}.${namespace}`, `${service.name}.${namespace}.svc`, `${service.name}.${namespace}.svc.${clusterDomain}`];
  const extras = [...new Set(c.extraDnsNames ?? [])].filter(n => !base.includes(n)).sort();
  return { secretName, dnsNames: [...base, ...extras], durationMs, renewBeforeMs };
}

