/**
 * The time proof of certificates: simulates cert-manager issuing and renewing the emitted
 * Certificates, and trust-manager copying the emitted Bundles, over a horizon of years,
 * through a sequence of manifest sets (a root rotation is three of them). At every event
 * it checks that every leaf in use verifies against the bundle each of its consumers
 * sees, and that no certificate is used past its expiry; it reports the first failure.
 *
 * Modelled upstream semantics (cert-manager v1.21.1, trust-manager v0.x):
 * - renewal time: `renewalTime` in ./cert-objects (pkg/util/pki/renewaltime.go);
 * - a renewal keeps the key only with `rotationPolicy: Never` (types_certificate.go);
 * - the CA issuer signs with the CA Secret's current key and appends the CA's chain to the
 *   leaf's `tls.crt`; `ca.crt` is the self-signed root of that chain
 *   (pkg/util/pki/csr.go SignCSRTemplate, pkg/util/pki/parse_certificate_chain.go);
 *   the leaf's NotAfter is not capped at the CA's (pkg/util/pki/certificatetemplate.go);
 * - leaves are NOT reissued when their CA changes (cert-manager/cert-manager#2478); a
 *   changed issuerRef reissues the Certificate itself (the secret's issuer annotations no
 *   longer match: pkg/controller/certificates/trigger/policies);
 * - a Bundle holds what its sources hold now, no history (cert-manager/trust-manager#560);
 * - a verifier accepts a chain when every certificate in it and the anchor are within
 *   their validity, and an anchor carries the key that signed a certificate of the chain.
 */
import { BundleModel, CertificateModel, CertificateObjects, IssuerModel, readCertificateObjects, renewalTime } from './cert-objects';

const HOUR = 3_600_000;

/** One manifest set in force from `atMs` on (relative to the start of the horizon). */
export interface CertificateEpoch {
  readonly atMs: number;
  /** What this epoch is, e.g. `root rotation: distribute`. */
  readonly label: string;
  readonly manifests: ReadonlyArray<unknown>;
}

/** Where a leaf's verifier reads its trust anchors: a Bundle's target in a namespace. */
export interface TrustConsumer {
  readonly namespace: string;
  readonly bundle: string;
}

/**
 * Workload certificates a mesh issues itself (not Certificate objects): the proof samples,
 * at every check, the oldest one still in use and a fresh one.
 */
export interface MeshWorkloadCertificates {
  /** What they are, e.g. `linkerd proxy certificates`. */
  readonly name: string;
  /** The Certificate (`namespace/name`) or `ClusterIssuer/<name>` whose key signs them. */
  readonly signer: string;
  readonly lifetimeMs: number;
  /** Fraction of the lifetime after which the workload asks for a new one. */
  readonly renewAtFraction: number;
  readonly consumers: TrustConsumer[];
}

export interface CertificateTimelineOptions {
  /** Length of the simulated time. */
  readonly horizonMs: number;
  /**
   * Clocks disagree by up to this much: a certificate counts as expired this long before
   * its NotAfter.
   * @default 5 minutes
   */
  readonly clockSkewMs?: number;
  /**
   * From a renewal's due time until the new certificate is in use (issuance, Secret
   * update, the workload reloading it).
   * @default 10 minutes
   */
  readonly issuanceLatencyMs?: number;
  /**
   * From a Bundle source's change until every target ConfigMap (and its readers) has it.
   * @default 10 minutes
   */
  readonly propagationMs?: number;
  /** cert-manager's cluster resource namespace (where ClusterIssuers read CA Secrets). */
  readonly clusterResourceNamespace: string;
  /** trust-manager's trust namespace (where Bundles read source Secrets). */
  readonly trustNamespace: string;
  /** Consumers of each leaf Certificate (`namespace/name`). */
  readonly consumers: Readonly<Record<string, TrustConsumer[]>>;
  /**
   * Mesh workload certificates.
   * @default - none
   */
  readonly meshWorkloads?: MeshWorkloadCertificates[];
}

export type CertificateFailureKind = 'expired' | 'untrusted' | 'not-issued';

export interface CertificateFailure {
  readonly atMs: number;
  readonly kind: CertificateFailureKind;
  /** The leaf (`Certificate ns/name` or the mesh workload certificates' name). */
  readonly leaf: string;
  readonly consumer?: TrustConsumer;
  /** The certificates presented, leaf first. */
  readonly chain: string[];
  /** The anchors the consumer held. */
  readonly anchors: string[];
  readonly message: string;
}

export interface CertificateProof {
  readonly ok: boolean;
  readonly horizonMs: number;
  /** Issuances simulated (initial and renewals). */
  readonly issuances: number;
  /** Instants checked. */
  readonly checks: number;
  readonly failure?: CertificateFailure;
  /** Epoch changes and CA issuances, in time order (leaf renewals are counted only). */
  readonly events: string[];
  /** What the proof could not model (external issuers, opaque sources). */
  readonly notes: string[];
}

/** An issued certificate. */
interface Instance {
  readonly label: string;
  readonly key: string;
  readonly signerKey: string;
  readonly notBefore: number;
  readonly notAfter: number;
  /** The issuing CAs presented with it (tls.crt after the leaf), self-signed roots excluded. */
  readonly chain: Instance[];
  readonly selfSigned: boolean;
  /** Root-most certificate of the chain (`ca.crt`); undefined when it is its own root. */
  readonly root?: Instance;
  readonly external: boolean;
}

interface SecretHistory {
  /** Instances by the time they were installed, oldest first. */
  readonly installs: Array<{ at: number; instance: Instance }>;
}

interface Pending {
  readonly at: number;
  readonly order: number;
  readonly run: () => void;
}

/**
 * Runs the time proof over epochs of manifests. Deterministic: same input, same result.
 */
export class CertificateTimeline {
  private readonly skew: number;
  private readonly latency: number;
  private readonly propagation: number;
  private readonly secrets = new Map<string, SecretHistory>();
  private readonly views = new Map<string, Array<{ at: number; anchors: Instance[] }>>();
  private readonly renewals = new Map<string, number>();
  private readonly queue: Pending[] = [];
  private readonly events: string[] = [];
  private readonly notes = new Set<string>();
  private objects!: CertificateObjects;
  private now = 0;
  private order = 0;
  private keys = 0;
  private issuances = 0;
  private checks = 0;
  private failure?: CertificateFailure;

  public constructor(private readonly epochs: ReadonlyArray<CertificateEpoch>, private readonly options: CertificateTimelineOptions) {
    this.skew = options.clockSkewMs ?? 5 * 60_000;
    this.latency = options.issuanceLatencyMs ?? 10 * 60_000;
    this.propagation = options.propagationMs ?? 10 * 60_000;
    if (epochs.length === 0 || epochs[0].atMs !== 0) {
      throw new Error('the first epoch must start at 0');
    }
  }

  /** Simulates the horizon; stops at the first failure. */
  public run(): CertificateProof {
    this.objects = this.read(this.epochs[0]);
    this.bootstrap();
    this.epochs.slice(1).forEach(epoch => this.schedule(epoch.atMs, () => this.enterEpoch(epoch)));
    this.check();
    while (!this.failure && this.queue.length > 0) {
      const next = this.pop();
      if (next.at > this.options.horizonMs) {
        break;
      }
      this.now = next.at;
      next.run();
      this.check();
    }
    return {
      ok: this.failure === undefined,
      horizonMs: this.options.horizonMs,
      issuances: this.issuances,
      checks: this.checks,
      ...(this.failure ? { failure: this.failure } : {}),
      events: this.events,
      notes: [...this.notes].sort(),
    };
  }

  private read(epoch: CertificateEpoch): CertificateObjects {
    return readCertificateObjects(epoch.manifests, { clusterResourceNamespace: this.options.clusterResourceNamespace });
  }

  /** Everything in the first epoch is issued at 0, CAs before what they sign. */
  private bootstrap(): void {
    let waiting = [...this.objects.certificates.values()];
    while (waiting.length > 0) {
      const ready = waiting.filter(c => this.canIssue(c));
      if (ready.length === 0) {
        this.fail({ kind: 'not-issued', leaf: `Certificate ${waiting[0].id}`, chain: [], anchors: [], message: `its CA Secret never exists: ${waiting.map(c => c.id).join(', ')} cannot be issued` });
        return;
      }
      ready.forEach(c => this.issue(c));
      waiting = waiting.filter(c => !ready.includes(c));
    }
    for (const bundle of this.objects.bundles.values()) {
      this.refreshBundle(bundle, 0);
    }
  }

  private enterEpoch(epoch: CertificateEpoch): void {
    const before = this.objects;
    this.objects = this.read(epoch);
    this.events.push(`${formatTime(this.now)}: ${epoch.label}`);
    for (const cert of this.objects.certificates.values()) {
      const old = before.certificates.get(cert.id);
      const changed = !old || old.secretName !== cert.secretName || old.isCA !== cert.isCA || old.commonName !== cert.commonName
        || JSON.stringify(old.issuerRef) !== JSON.stringify(cert.issuerRef);
      if (changed) {
        this.scheduleIssue(cert, this.now + this.latency);
      }
    }
    for (const bundle of this.objects.bundles.values()) {
      this.refreshBundle(bundle, this.now + this.propagation);
    }
  }

  private canIssue(cert: CertificateModel): boolean {
    const issuer = this.objects.issuer(cert.issuerRef, cert.namespace);
    return issuer.type !== 'ca' || this.current(`${issuer.secretNamespace}/${issuer.secretName}`) !== undefined;
  }

  private scheduleIssue(cert: CertificateModel, at: number): void {
    const token = ++this.order;
    this.renewals.set(cert.id, token);
    this.schedule(at, () => {
      const live = this.objects.certificates.get(cert.id);
      // A later schedule (or the Certificate's removal) supersedes this one.
      if (this.renewals.get(cert.id) !== token || !live) {
        return;
      }
      if (!this.canIssue(live)) {
        this.scheduleIssue(live, this.now + this.latency);
        return;
      }
      this.issue(live);
    });
  }

  /** Signs `cert` now, installs it in its Secret and schedules its renewal. */
  private issue(cert: CertificateModel): void {
    const secretId = `${cert.namespace}/${cert.secretName}`;
    const previous = this.current(secretId);
    const key = cert.rotationPolicy === 'Never' && previous ? previous.key : `key-${++this.keys}`;
    const issuer = this.objects.issuer(cert.issuerRef, cert.namespace);
    const notBefore = this.now;
    const notAfter = this.now + cert.durationMs;
    const serial = (this.secrets.get(secretId)?.installs.length ?? 0) + 1;
    const label = `Certificate ${cert.id} #${serial} (${key}, signed by ${this.signerKeyOf(issuer, key)}, not after ${formatTime(notAfter)})`;
    let instance: Instance;
    if (issuer.type === 'ca') {
      const ca = this.current(`${issuer.secretNamespace}/${issuer.secretName}`)!;
      const chain = ca.selfSigned ? [] : [ca, ...ca.chain];
      instance = { label, key, signerKey: ca.key, notBefore, notAfter, chain, selfSigned: false, root: ca.root ?? ca, external: ca.external };
    } else if (issuer.type === 'selfSigned') {
      instance = { label, key, signerKey: key, notBefore, notAfter, chain: [], selfSigned: true, external: false };
    } else {
      this.notes.add(`${cert.id} is issued by ${issuer.description}, which is not emitted: its chain and trust are not modelled, only its renewal`);
      instance = { label, key, signerKey: `external ${issuer.description}`, notBefore, notAfter, chain: [], selfSigned: false, external: true };
    }
    const history = this.secrets.get(secretId) ?? { installs: [] };
    history.installs.push({ at: this.now, instance });
    this.secrets.set(secretId, history);
    this.issuances++;
    if (cert.isCA) {
      this.events.push(`${formatTime(this.now)}: issued ${label}`);
    }
    this.scheduleIssue(cert, renewalTime(notBefore, notAfter, cert) + this.latency);
    if (!this.failure && this.now > 0) {
      for (const bundle of this.objects.bundles.values()) {
        if (bundle.sources.some(s => `${this.options.trustNamespace}/${s.secretName}` === secretId)) {
          this.refreshBundle(bundle, this.now + this.propagation);
        }
      }
    }
    // The moment it would be used past expiry is an instant to check.
    this.schedule(notAfter - this.skew, () => undefined);
  }

  private signerKeyOf(issuer: IssuerModel, key: string): string {
    if (issuer.type === 'ca') {
      return this.current(`${issuer.secretNamespace}/${issuer.secretName}`)?.key ?? 'nothing';
    }
    return issuer.type === 'selfSigned' ? key : `external ${issuer.description}`;
  }

  private refreshBundle(bundle: BundleModel, at: number): void {
    bundle.opaqueSources.forEach(s => this.notes.add(`Bundle ${bundle.name}: source ${s} is not modelled (no anchors from it)`));
    const anchors = bundle.sources.flatMap(source => {
      const instance = this.current(`${this.options.trustNamespace}/${source.secretName}`);
      if (!instance) {
        return [];
      }
      // tls.crt: the certificate and its chain (self-signed roots excluded); ca.crt: the root.
      return source.key === 'ca.crt' ? [instance.root ?? instance] : source.key === 'tls.crt' ? [instance, ...instance.chain] : [];
    });
    const view = this.views.get(bundle.name) ?? [];
    view.push({ at, anchors });
    this.views.set(bundle.name, view);
    this.schedule(at, () => undefined);
  }

  /** The anchors a consumer sees at `at`. */
  private anchorsAt(consumer: TrustConsumer, at: number): Instance[] | undefined {
    const bundle = this.objects.bundles.get(consumer.bundle);
    if (!bundle || !bundle.targets(consumer.namespace)) {
      return undefined;
    }
    const view = (this.views.get(consumer.bundle) ?? []).filter(v => v.at <= at);
    return view.length > 0 ? view[view.length - 1].anchors : [];
  }

  private current(secretId: string): Instance | undefined {
    const installs = this.secrets.get(secretId)?.installs;
    return installs && installs.length > 0 ? installs[installs.length - 1].instance : undefined;
  }

  /** The instance a Secret held at `at` (binary search: installs are in time order). */
  private installedAt(secretId: string, at: number): Instance | undefined {
    const installs = this.secrets.get(secretId)?.installs ?? [];
    let lo = 0;
    let hi = installs.length;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (installs[mid].at <= at) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo > 0 ? installs[lo - 1].instance : undefined;
  }

  /** Checks every leaf in use now. */
  private check(): void {
    if (this.failure) {
      return;
    }
    this.checks++;
    for (const cert of this.objects.certificates.values()) {
      const instance = this.current(`${cert.namespace}/${cert.secretName}`);
      if (!instance) {
        continue;
      }
      if (this.expired(instance)) {
        this.fail({ kind: 'expired', leaf: `Certificate ${cert.id}`, chain: [instance.label], anchors: [], message: `in use past its expiry (renewal due ${formatTime(renewalTime(instance.notBefore, instance.notAfter, cert))} did not replace it in time)` });
        return;
      }
      if (!cert.isCA) {
        for (const consumer of this.options.consumers[cert.id] ?? []) {
          if (!this.verify(`Certificate ${cert.id}`, instance, consumer)) {
            return;
          }
        }
      }
    }
    for (const workloads of this.options.meshWorkloads ?? []) {
      this.checkWorkloads(workloads);
    }
  }

  private checkWorkloads(workloads: MeshWorkloadCertificates): void {
    const secretId = this.signerSecret(workloads.signer);
    if (secretId === undefined) {
      return;
    }
    const maxAge = workloads.lifetimeMs * workloads.renewAtFraction + this.latency;
    for (const issuedAt of [Math.max(0, this.now - maxAge), this.now]) {
      const signer = this.installedAt(secretId, issuedAt);
      if (!signer || this.failure) {
        continue;
      }
      const label = `${workloads.name} issued ${formatTime(issuedAt)} (not after ${formatTime(issuedAt + workloads.lifetimeMs)})`;
      const leaf: Instance = {
        label,
        key: `workload@${issuedAt}`,
        signerKey: signer.key,
        notBefore: issuedAt,
        notAfter: issuedAt + workloads.lifetimeMs,
        chain: signer.selfSigned ? [] : [signer, ...signer.chain],
        selfSigned: false,
        root: signer.root ?? signer,
        external: signer.external,
      };
      for (const consumer of workloads.consumers) {
        if (!this.verify(workloads.name, leaf, consumer)) {
          return;
        }
      }
    }
    // The last certificate the previous signer signed is in use until maxAge after the
    // signer changed: an instant to check.
    const installs = this.secrets.get(secretId)?.installs ?? [];
    const latest = installs[installs.length - 1];
    if (latest && latest.at + maxAge - 1 > this.now) {
      this.scheduleOnce(latest.at + maxAge - 1);
    }
  }

  private signerSecret(signer: string): string | undefined {
    if (signer.startsWith('ClusterIssuer/')) {
      const issuer = this.objects.issuer({ name: signer.slice('ClusterIssuer/'.length), kind: 'ClusterIssuer', group: 'cert-manager.io' }, '');
      return issuer.type === 'ca' ? `${issuer.secretNamespace}/${issuer.secretName}` : undefined;
    }
    const cert = this.objects.certificates.get(signer);
    return cert ? `${cert.namespace}/${cert.secretName}` : undefined;
  }

  private verify(leafName: string, leaf: Instance, consumer: TrustConsumer): boolean {
    if (leaf.external) {
      return true;
    }
    const chain = [leaf, ...leaf.chain];
    const anchors = this.anchorsAt(consumer, this.now);
    const describe = (message: string, kind: CertificateFailureKind = 'untrusted') => this.fail({
      kind, leaf: leafName, consumer, chain: chain.map(c => c.label), anchors: (anchors ?? []).map(a => a.label), message,
    });
    if (anchors === undefined) {
      describe(`Bundle ${consumer.bundle} does not reach namespace ${consumer.namespace}`);
      return false;
    }
    for (const cert of chain) {
      if (this.expired(cert)) {
        describe(`${cert.label} in the chain has expired (clock skew ${formatSpan(this.skew)})`, 'expired');
        return false;
      }
      const anchor = anchors.find(a => a.key === cert.signerKey && !this.expired(a));
      if (anchor) {
        return true;
      }
    }
    const expiredAnchor = anchors.find(a => chain.some(c => c.signerKey === a.key));
    describe(expiredAnchor
      ? `the anchor ${expiredAnchor.label} in Bundle ${consumer.bundle} has expired`
      : `no anchor in Bundle ${consumer.bundle} (as seen in namespace ${consumer.namespace}) signed any certificate of the chain`);
    return false;
  }

  private expired(instance: Instance): boolean {
    return this.now >= instance.notAfter - this.skew;
  }

  private fail(failure: Omit<CertificateFailure, 'atMs'>): void {
    if (!this.failure) {
      this.failure = { atMs: this.now, ...failure };
    }
  }

  private schedule(at: number, run: () => void): void {
    this.queue.push({ at, order: ++this.order, run });
  }

  private scheduleOnce(at: number): void {
    if (!this.queue.some(p => p.at === at)) {
      this.schedule(at, () => undefined);
    }
  }

  private pop(): Pending {
    let best = 0;
    for (let i = 1; i < this.queue.length; i++) {
      const p = this.queue[i];
      const b = this.queue[best];
      if (p.at < b.at || (p.at === b.at && p.order < b.order)) {
        best = i;
      }
    }
    return this.queue.splice(best, 1)[0];
  }
}

/** Milliseconds since the start as `day 1234 (3y 140d) 05:00`. */
export function formatTime(ms: number): string {
  const days = Math.floor(ms / (24 * HOUR));
  const hours = Math.floor((ms % (24 * HOUR)) / HOUR);
  const minutes = Math.floor((ms % HOUR) / 60_000);
  const years = Math.floor(days / 365);
  return `day ${days} (${years}y ${days - years * 365}d) ${String(hours).padStart(2, '0')}:${String(minutes).padStart(2, '0')}`;
}

/** A span as hours or minutes. */
export function formatSpan(ms: number): string {
  return ms >= HOUR ? `${+(ms / HOUR).toFixed(2)}h` : `${+(ms / 60_000).toFixed(2)}m`;
}
