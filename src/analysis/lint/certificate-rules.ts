/**
 * Catalog rules on certificates.
 *
 * - `certificate-renew-window` (warning): a renewBefore under a third of the duration.
 * - `ca-shorter-than-leaf` (error): the generated CA lives less than a leaf's duration plus
 *   renewBefore.
 *
 * The certificate windows (`CERTIFICATE_LINT_RULES`): the renewal and overlap windows the
 * time proof (../certs.ts) needs, checked on the catalog before anything is simulated. The error
 * rules are exactly what the proof needs (with its default latencies well inside
 * `RENEWAL_MARGIN_MS`): a catalog they accept passes the proof; the warnings ask for the
 * margins a real cluster wants on top (renewal retries, alert windows).
 *
 * - `renew-before-too-short` (error): a renewBefore under an hour; the certificate is used
 *   past expiry when issuing the next one takes longer.
 * - `renew-before-under-retries` (warning): a renewBefore under 7h; cert-manager retries a
 *   failed issuance after 1h, 2h, 4h, ... up to 32h (cert-manager/cert-manager
 *   internal/apis/config/controller/v1alpha1/defaults.go CertificateRequest{Minimum,Maximum}BackoffDuration,
 *   v1.21.1), so fewer than three retries fit before expiry.
 * - `renew-before-under-alert` (warning): with `expiryAlert`, a leaf renewed within the
 *   alert window: the expiry alert cannot tell a late renewal from a normal one.
 * - `intermediate-renews-too-late` (error): the intermediate's renewBefore is shorter than
 *   a leaf's time until renewal (duration - renewBefore) plus the margin: a leaf signed
 *   just before the intermediate's renewal is still in use when the old intermediate in
 *   its chain expires (cert-manager reissues no leaf when its CA changes,
 *   cert-manager/cert-manager#2478, and does not cap a leaf's NotAfter at its CA's).
 * - `root-shorter-than-intermediate` (error): a root that does not outlive the
 *   intermediates it signs.
 * - `root-overlap-too-short` (error): a root rotation's overlap ends while leaves or mesh
 *   workload certificates signed under the old root are still in use (warning when it
 *   is under the longest leaf duration: a leaf whose renewal failed would outlive it).
 * - `leaf-issuer-not-cluster-wide` (error): leaves in several namespaces signed through a
 *   namespaced Issuer, which exists in one namespace only.
 */
import { CatalogLintRule, formatMs, LintFinding } from './rule';
import { ResolvedCatalog } from '../../model/resolved';

/** What the error rules keep in hand for issuance latency, propagation and clock skew. */
export const RENEWAL_MARGIN_MS = 3_600_000;
/** Three cert-manager retries of a failed issuance: 1h + 2h + 4h. */
const THREE_RETRIES_MS = 7 * 3_600_000;
/** Linkerd proxy certificates in use at most 70% of 24h (see ../../certificate-proof.ts). */
const LINKERD_WORKLOAD_MAX_AGE_MS = 0.7 * 24 * 3_600_000;
/** istio-csr workload certificates: at most half of 1h. */
const ISTIO_WORKLOAD_MAX_AGE_MS = 0.5 * 3_600_000;

interface CertWindow {
  readonly subject: string;
  readonly service?: string;
  readonly durationMs: number;
  readonly renewBeforeMs: number;
}

function hours(ms: number): string {
  return ms >= 3_600_000 ? `${+(ms / 3_600_000).toFixed(2)}h` : `${+(ms / 60_000).toFixed(1)}m`;
}

function leaves(catalog: ResolvedCatalog): CertWindow[] {
  const c = catalog.certificates;
  return [
    { subject: 'certificates (catalog defaults)', durationMs: c.durationMs, renewBeforeMs: c.renewBeforeMs },
    ...catalog.services.filter(s => s.certificate).map(s => ({
      subject: `service ${s.id} certificate ${s.certificate!.secretName}`, service: s.id, durationMs: s.certificate!.durationMs, renewBeforeMs: s.certificate!.renewBeforeMs,
    })),
  ];
}

/** The generated CAs (none with an external issuer). */
function authorities(catalog: ResolvedCatalog): CertWindow[] {
  const c = catalog.certificates;
  return c.issuerRef ? [] : [
    { subject: `root ${c.rootName}`, durationMs: c.rootDurationMs, renewBeforeMs: c.rootRenewBeforeMs },
    { subject: `intermediate ${c.caName}-ca`, durationMs: c.caDurationMs, renewBeforeMs: c.caRenewBeforeMs },
  ];
}

function enabled(catalog: ResolvedCatalog): boolean {
  return catalog.certificates.enabled;
}

function finding(rule: CatalogLintRule, w: Pick<CertWindow, 'subject' | 'service'>, message: string, fix: string): LintFinding {
  return { rule: rule.id, severity: rule.severity, subject: w.subject, ...(w.service ? { service: w.service } : {}), message, fix };
}

export const certificateRenewalWindow: CatalogLintRule = {
  id: 'certificate-renew-window',
  severity: 'warning',
  description: 'a certificate\'s renewBefore is under a third of its duration, leaving little time to notice a failed renewal',
  check(ctx) {
    return (enabled(ctx.catalog) ? leaves(ctx.catalog) : []).filter(c => c.renewBeforeMs * 3 < c.durationMs).map(c => finding(this, c,
      `renewBefore ${formatMs(c.renewBeforeMs)} is less than a third of the duration ${formatMs(c.durationMs)}: a renewal that fails (issuer down, rate limit) leaves little time before expiry`,
      `set renewBefore to at least ${formatMs(Math.ceil(c.durationMs / 3))} (cert-manager's default is a third of the lifetime)`));
  },
};

export const caOutlivesLeaves: CatalogLintRule = {
  id: 'ca-shorter-than-leaf',
  severity: 'error',
  description: 'the generated CA\'s lifetime is shorter than a leaf\'s duration plus renewBefore, so leaves outlive their CA',
  check(ctx) {
    const certs = ctx.catalog.certificates;
    if (!certs.enabled || certs.issuerRef) {
      return [];
    }
    return leaves(ctx.catalog).filter(c => certs.caDurationMs < c.durationMs + c.renewBeforeMs).map(c => finding(this, c,
      `the CA ${certs.caName} lives ${formatMs(certs.caDurationMs)}, less than the leaf's duration ${formatMs(c.durationMs)} + renewBefore ${formatMs(c.renewBeforeMs)}: leaves signed late in the CA's life outlive it and fail validation`,
      `raise certificates.caDuration above ${formatMs(c.durationMs + c.renewBeforeMs)} (or shorten the leaf's duration)`));
  },
};

const renewBeforeTooShort: CatalogLintRule = {
  id: 'renew-before-too-short',
  severity: 'error',
  description: 'a certificate is renewed less than an hour before it expires',
  check({ catalog }) {
    const windows = enabled(catalog) ? [...leaves(catalog), ...authorities(catalog)] : [];
    return windows.filter(w => w.renewBeforeMs < RENEWAL_MARGIN_MS).map(w => finding(this, w,
      `renewBefore ${hours(w.renewBeforeMs)}: when issuing the next certificate takes longer (issuer slow, Secret propagation, clock skew), the certificate is used past its expiry`,
      `set renewBefore to at least ${hours(THREE_RETRIES_MS)} (a third of the duration is cert-manager's default)`));
  },
};

const renewBeforeUnderRetries: CatalogLintRule = {
  id: 'renew-before-under-retries',
  severity: 'warning',
  description: 'fewer than three cert-manager retries (1h, 2h, 4h) of a failed renewal fit before expiry',
  check({ catalog }) {
    return !enabled(catalog) ? [] : [...leaves(catalog), ...authorities(catalog)]
      .filter(w => w.renewBeforeMs >= RENEWAL_MARGIN_MS && w.renewBeforeMs < THREE_RETRIES_MS).map(w => finding(this, w,
        `renewBefore ${hours(w.renewBeforeMs)}: cert-manager retries a failed issuance after 1h, 2h, 4h; fewer than three retries fit before expiry`,
        `set renewBefore to at least ${hours(THREE_RETRIES_MS)}`));
  },
};

const renewBeforeUnderAlert: CatalogLintRule = {
  id: 'renew-before-under-alert',
  severity: 'warning',
  description: 'a leaf is renewed within the expiry alert window, so the alert cannot tell a late renewal from a normal one',
  check({ catalog }) {
    const c = catalog.certificates;
    return !enabled(catalog) || !c.expiryAlert ? [] : leaves(catalog).filter(w => w.renewBeforeMs <= c.expiryAlertBeforeMs).map(w => finding(this, w,
      `renewBefore ${hours(w.renewBeforeMs)} is within expiryAlertBefore ${hours(c.expiryAlertBeforeMs)}: the certificate enters the alert window before cert-manager even tries to renew it`,
      `raise renewBefore above ${hours(c.expiryAlertBeforeMs)} or lower certificates.expiryAlertBefore`));
  },
};

const intermediateRenewsTooLate: CatalogLintRule = {
  id: 'intermediate-renews-too-late',
  severity: 'error',
  description: 'a leaf signed just before the intermediate renews is still in use when the old intermediate expires',
  check({ catalog }) {
    const c = catalog.certificates;
    if (!enabled(catalog) || c.issuerRef) {
      return [];
    }
    return leaves(catalog).filter(w => c.caRenewBeforeMs < w.durationMs - w.renewBeforeMs + RENEWAL_MARGIN_MS).map(w => finding(this, w,
      `the intermediate ${c.caName}-ca is renewed ${hours(c.caRenewBeforeMs)} before it expires, but a leaf it signs stays in use ${hours(w.durationMs - w.renewBeforeMs)} until its own renewal: `
      + 'cert-manager does not reissue leaves when their CA changes, so the old intermediate in the leaf\'s chain expires while the leaf is in use',
      `raise certificates.caRenewBefore to at least ${hours(w.durationMs - w.renewBeforeMs + RENEWAL_MARGIN_MS)} (the leaf duration ${hours(w.durationMs)} is safer still)`));
  },
};

const rootShorterThanIntermediate: CatalogLintRule = {
  id: 'root-shorter-than-intermediate',
  severity: 'error',
  description: 'the root does not outlive the intermediate it signs',
  check({ catalog }) {
    const c = catalog.certificates;
    if (!enabled(catalog) || c.issuerRef || c.rootDurationMs > c.caDurationMs) {
      return [];
    }
    return [finding(this, { subject: `root ${c.rootName}` },
      `the root lives ${hours(c.rootDurationMs)}, no longer than the intermediate ${c.caName}-ca (${hours(c.caDurationMs)}): intermediates outlive the root that anchors them`,
      `raise certificates.rootDuration above ${hours(c.caDurationMs)} (10 years, 87600h, is the default)`)];
  },
};

const rootOverlapTooShort: CatalogLintRule = {
  id: 'root-overlap-too-short',
  severity: 'error',
  description: 'a root rotation drops the old root while certificates signed under it are in use',
  check({ catalog, phase }) {
    const c = catalog.certificates;
    if (!enabled(catalog) || c.issuerRef) {
      return [];
    }
    // The overlap of the rotation in progress, or of the one the time proof simulates.
    const overlap = c.rootRotation?.overlapMs ?? c.durationMs;
    const meshAge = phase === 'linkerd' ? LINKERD_WORKLOAD_MAX_AGE_MS : phase === 'istio' ? ISTIO_WORKLOAD_MAX_AGE_MS : 0;
    const inUse = [...leaves(catalog).map(w => ({ ...w, inUseMs: w.durationMs - w.renewBeforeMs })), { subject: `${phase} workload certificates`, inUseMs: meshAge }];
    const subject = { subject: c.rootRotation ? `root rotation to ${c.rootRotation.nextRoot}` : `root ${c.rootName} (the next rotation)` };
    const needed = Math.max(...inUse.map(w => w.inUseMs)) + RENEWAL_MARGIN_MS;
    if (overlap < needed) {
      const longest = inUse.reduce((a, b) => (b.inUseMs > a.inUseMs ? b : a));
      return [finding(this, subject,
        `the overlap ${hours(overlap)} ends while ${longest.subject} signed under the old root is still in use (up to ${hours(longest.inUseMs)} after the new root starts signing)`,
        `set certificates.rootRotation.overlap to at least ${hours(needed)} (the longest leaf duration is safer still)`)];
    }
    const longestLeaf = Math.max(...leaves(catalog).map(w => w.durationMs));
    return overlap >= longestLeaf ? [] : [{
      ...finding(this, subject,
        `the overlap ${hours(overlap)} is shorter than the longest leaf duration ${hours(longestLeaf)}: a leaf whose renewal fails outlives the old root's place in the bundle`,
        `set certificates.rootRotation.overlap to at least ${hours(longestLeaf)}`),
      severity: 'warning' as const,
    }];
  },
};

const leafIssuerNotClusterWide: CatalogLintRule = {
  id: 'leaf-issuer-not-cluster-wide',
  severity: 'error',
  description: 'leaves in several namespaces are signed through a namespaced Issuer',
  check({ catalog }) {
    const c = catalog.certificates;
    if (!enabled(catalog) || c.issuerRef?.kind !== 'Issuer') {
      return [];
    }
    const namespaces = [...new Set(catalog.services.filter(s => s.certificate).map(s => s.namespace))].sort();
    return namespaces.length <= 1 ? [] : [finding(this, { subject: `issuer ${c.issuerRef.name}` },
      `leaves live in ${namespaces.join(', ')}, but an Issuer exists in one namespace only: Certificates in the other namespaces never become ready`,
      'point certificates.issuerRef at a ClusterIssuer')];
  },
};

/** The certificate window rules, in the order they are reported. */
export const CERTIFICATE_LINT_RULES: readonly CatalogLintRule[] = [
  renewBeforeTooShort,
  renewBeforeUnderRetries,
  renewBeforeUnderAlert,
  intermediateRenewsTooLate,
  rootShorterThanIntermediate,
  rootOverlapTooShort,
  leafIssuerNotClusterWide,
];
