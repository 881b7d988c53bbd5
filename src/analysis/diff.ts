/**
 * An intent-aware connectivity diff: two proven manifest sets (base and head of a pull
 * request) compared flow by flow and request by request, every change classified by
 * what explains it:
 *
 * - `declared`: the head catalog's intent explains it (a call added or removed, a flow
 *   the base failed to allow now allowed, an undeclared flow now closed);
 * - `transition`: the phase changed, and the base catalog proven at the head phase
 *   makes the same change (e.g. external hosts reached by name instead of by address);
 * - `undeclared`: nothing the head catalog declares explains it: an allowed flow or
 *   request no one declared (a hand-edited manifest, a setting that widens a policy —
 *   also a permissive mode, whose proof does not fail on it) or a declared flow that
 *   disappears.
 *
 * Also: the objects added, removed and changed (by identity, `objectKey`), and the
 * certificates whose issuing chain or lifetime changed.
 */
import { sameValue } from './catalog-edits';
import { readCertificateObjects, CertificateModel, CertificateObjects } from './cert-objects';
import { formatSpan } from './certs';
import type { BaseProofSummary, ProvenTraffic } from './diff-delta';
import { objectKey } from './enforcement';
import { Flow, flowKey, formatFlow } from './flows';
import { ReachabilityReport } from './reachability';
import { formatRequestFlow, RequestFlow } from './requests';

export type ChangeClass = 'declared' | 'transition' | 'undeclared';

/** What the head proof says about a changed flow or request. */
export type HeadVerdict = 'declared' | 'tolerated' | 'unexpected' | 'missing' | 'not declared';

export interface FlowChange {
  readonly change: 'added' | 'removed';
  readonly flow: Flow;
  readonly classification: ChangeClass;
  readonly head: HeadVerdict;
  /** Why the head catalog declares the flow (empty when it does not). */
  readonly reasons: ReadonlyArray<string>;
}

export interface RequestChange {
  readonly change: 'added' | 'removed';
  readonly request: RequestFlow;
  readonly classification: ChangeClass;
  readonly head: HeadVerdict;
}

export interface ObjectChange {
  readonly change: 'added' | 'removed' | 'changed';
  /** `group/kind/namespace/name` (`objectKey`). */
  readonly key: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  /** Changed objects: the top-level fields that differ (`spec`, `metadata.labels`). */
  readonly fields?: string[];
}

export interface CertificateState {
  /** From the certificate up: `Certificate shop/frontend`, `ClusterIssuer mesh-ladder-ca (ca)`, ... */
  readonly chain: string[];
  readonly duration: string;
  readonly renewBefore: string;
  readonly rotationPolicy: string;
  readonly isCA: boolean;
}

export interface CertificateChange {
  readonly change: 'added' | 'removed' | 'changed';
  /** `namespace/name` of the Certificate. */
  readonly id: string;
  readonly before?: CertificateState;
  readonly after?: CertificateState;
  /** What changed: `chain`, `duration`, `renewBefore`, `rotationPolicy`, `isCA`. */
  readonly what: string[];
}

/**
 * One side of a diff: a phase's objects and their proof. The base's proof needs only the
 * traffic it allows (`ProvenTraffic`, e.g. a delta proof); the head's is a full report.
 */
export interface DiffSide<R extends ProvenTraffic = ReachabilityReport> {
  readonly phase: string;
  readonly objects: ReadonlyArray<unknown>;
  readonly report: R;
  /** cert-manager's cluster resource namespace (the catalog's `certificates.caNamespace`). */
  readonly caNamespace: string;
}

export interface PhaseDiff {
  readonly basePhase: string;
  readonly headPhase: string;
  readonly flows: FlowChange[];
  readonly requests: RequestChange[];
  readonly objects: ObjectChange[];
  readonly certificates: CertificateChange[];
  /** No undeclared change. */
  readonly ok: boolean;
  /** How the base was proven (delta or full) and why. */
  readonly baseProof?: BaseProofSummary;
}

interface Verdicts {
  readonly allowed: Set<string>;
  readonly declared: Set<string>;
  readonly unexpected: Set<string>;
  readonly tolerated: Set<string>;
}

function flowVerdicts(report: ReachabilityReport): Verdicts {
  return {
    allowed: new Set(report.allowed.map(flowKey)),
    declared: new Set(report.declared.map(flowKey)),
    unexpected: new Set(report.unexpected.map(flowKey)),
    tolerated: new Set(report.tolerated.map(flowKey)),
  };
}

const requestKeys = new WeakMap<RequestFlow, string>();

/**
 * A request's identity (flow, method, path), remembered per request object: a delta
 * proof's base shares most request objects with the head's proof.
 */
export function requestKey(r: RequestFlow): string {
  let key = requestKeys.get(r);
  if (key === undefined) {
    key = `${flowKey(r)}\u0000${r.method}\u0000${r.path}`;
    requestKeys.set(r, key);
  }
  return key;
}

/**
 * A proof's request verdicts. A phase without L7 enforcement (no request results) lets
 * every request through on the flows it allows: its verdicts are read off `probes` (the
 * requests the other side probed), so a phase change to or from L7 enforcement shows the
 * requests it starts or stops refusing instead of every request at once.
 */
function allowedRequests(report: ProvenTraffic, probes: readonly RequestFlow[]): Set<string> {
  if (!report.requests) {
    const flows = new Set(report.allowed.map(flowKey));
    return new Set(probes.filter(p => flows.has(flowKey(p))).map(requestKey));
  }
  return new Set(report.requests.allowed.map(requestKey));
}

function requestVerdicts(report: ReachabilityReport, probes: readonly RequestFlow[]): Verdicts {
  const r = report.requests;
  if (!r) {
    return { allowed: allowedRequests(report, probes), declared: new Set(), unexpected: new Set(), tolerated: new Set() };
  }
  return {
    allowed: allowedRequests(report, probes),
    declared: new Set(r.declared.map(requestKey)),
    unexpected: new Set(r.unexpected.map(requestKey)),
    tolerated: new Set((r.tolerated ?? []).map(requestKey)),
  };
}

function headVerdict(key: string, head: Verdicts): HeadVerdict {
  if (head.declared.has(key)) {
    return head.allowed.has(key) ? 'declared' : 'missing';
  }
  return head.unexpected.has(key) ? 'unexpected' : head.tolerated.has(key) ? 'tolerated' : 'not declared';
}

/**
 * The classification rules (see the module comment), one place for flows and requests.
 * `midpoint`: the base catalog proven at the head phase, when the phase changed.
 */
function classify(change: 'added' | 'removed', key: string, head: Verdicts, midpoint: Verdicts | undefined): ChangeClass {
  if (change === 'added') {
    const phaseAllows = midpoint !== undefined && midpoint.allowed.has(key) && !midpoint.unexpected.has(key);
    if (head.declared.has(key) || head.tolerated.has(key)) {
      return phaseAllows ? 'transition' : 'declared';
    }
    // Let through and not declared: unexpected, or not judged at all (a permissive mode).
    return phaseAllows ? 'transition' : 'undeclared';
  }
  if (head.declared.has(key)) {
    return 'undeclared';
  }
  return midpoint && !midpoint.allowed.has(key) ? 'transition' : 'declared';
}

function changedItems<T>(base: ReadonlyArray<T>, head: readonly T[], key: (t: T) => string): Array<{ change: 'added' | 'removed'; item: T }> {
  const baseKeys = new Set(base.map(key));
  const headKeys = new Set(head.map(key));
  return [
    ...head.filter(t => !baseKeys.has(key(t))).map(item => ({ change: 'added' as const, item })),
    ...base.filter(t => !headKeys.has(key(t))).map(item => ({ change: 'removed' as const, item })),
  ];
}

/** Flow changes between two proofs, classified. */
export function diffFlows(base: ProvenTraffic, head: ReachabilityReport, midpoint?: ReachabilityReport): FlowChange[] {
  const verdicts = flowVerdicts(head);
  const mid = midpoint ? flowVerdicts(midpoint) : undefined;
  const reasons = new Map(head.declared.map(d => [flowKey(d), d.reasons]));
  return changedItems(base.allowed, head.allowed, flowKey).map(({ change, item }) => {
    const key = flowKey(item);
    const classification = classify(change, key, verdicts, mid);
    return { change, flow: item, classification, head: headVerdict(key, verdicts), reasons: [...(reasons.get(key) ?? [])] };
  });
}

/** L7 request changes between two proofs, classified. */
export function diffRequests(base: ProvenTraffic, head: ReachabilityReport, midpoint?: ReachabilityReport): RequestChange[] {
  const probed = new Map<string, RequestFlow>();
  for (const report of [base, head, midpoint]) {
    report?.requests?.probed.forEach(p => probed.set(requestKey(p), p));
  }
  const probes = [...probed.values()];
  const before = allowedRequests(base, probes);
  const verdicts = requestVerdicts(head, probes);
  const mid = midpoint ? requestVerdicts(midpoint, probes) : undefined;
  const changes: RequestChange[] = [];
  for (const [key, request] of probed) {
    const change = verdicts.allowed.has(key) && !before.has(key) ? 'added' : !verdicts.allowed.has(key) && before.has(key) ? 'removed' : undefined;
    if (change) {
      changes.push({ change, request, classification: classify(change, key, verdicts, mid), head: headVerdict(key, verdicts) });
    }
  }
  return changes.sort((a, b) => (a.change === b.change ? 0 : a.change === 'added' ? -1 : 1));
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map(canonical).join(',')}]`;
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function changedFields(a: any, b: any): string[] {
  const fields: string[] = [];
  for (const key of [...new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})])].sort()) {
    if (key === 'metadata') {
      for (const sub of [...new Set([...Object.keys(a?.metadata ?? {}), ...Object.keys(b?.metadata ?? {})])].sort()) {
        if (canonical(a?.metadata?.[sub]) !== canonical(b?.metadata?.[sub])) {
          fields.push(`metadata.${sub}`);
        }
      }
    } else if (canonical(a?.[key]) !== canonical(b?.[key])) {
      fields.push(key);
    }
  }
  return fields;
}

function objectChange(change: ObjectChange['change'], obj: any, fields?: string[]): ObjectChange {
  return {
    change,
    key: objectKey(obj),
    kind: String(obj?.kind),
    ...(obj?.metadata?.namespace !== undefined ? { namespace: String(obj.metadata.namespace) } : {}),
    name: String(obj?.metadata?.name),
    ...(fields ? { fields } : {}),
  };
}

function byKey(a: ObjectChange, b: ObjectChange): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/**
 * Equal as `canonical` compares (key order and undefined fields aside): `sameValue` first,
 * which stops at the first difference instead of writing both objects out.
 */
function sameObject(a: unknown, b: unknown): boolean {
  return sameValue(a, b) || canonical(a) === canonical(b);
}

/** Objects added, removed and changed (any field but `apiVersion` differs), sorted by identity. */
export function diffObjects(base: ReadonlyArray<unknown>, head: ReadonlyArray<unknown>): ObjectChange[] {
  const baseByKey = new Map(base.map(o => [objectKey(o), o]));
  const headByKey = new Map(head.map(o => [objectKey(o), o]));
  const out: ObjectChange[] = [];
  for (const [key, obj] of headByKey) {
    const before = baseByKey.get(key);
    if (before === undefined) {
      out.push(objectChange('added', obj));
    } else if (!sameObject(before, obj)) {
      out.push(objectChange('changed', obj, changedFields(before, obj)));
    }
  }
  for (const [key, obj] of baseByKey) {
    if (!headByKey.has(key)) {
      out.push(objectChange('removed', obj));
    }
  }
  return out.sort(byKey);
}

/** The issuing chain of a certificate: issuer by issuer, through CA Secrets, to a self-signed or external issuer. */
function chainOf(cert: CertificateModel, objects: CertificateObjects): string[] {
  const chain = [`Certificate ${cert.id}`];
  const seen = new Set<string>([cert.id]);
  let current: CertificateModel | undefined = cert;
  while (current) {
    const ref = current.issuerRef;
    const issuer = objects.issuer(ref, current.namespace);
    const name = `${ref.kind} ${ref.kind === 'ClusterIssuer' ? '' : `${current.namespace}/`}${ref.name}`;
    if (issuer.type !== 'ca') {
      chain.push(`${name} (${issuer.type === 'selfSigned' ? 'self-signed' : 'external'})`);
      break;
    }
    chain.push(`${name} (ca: ${issuer.secretNamespace}/${issuer.secretName})`);
    const next: CertificateModel | undefined = [...objects.certificates.values()]
      .find(c => c.namespace === issuer.secretNamespace && c.secretName === issuer.secretName);
    if (!next || seen.has(next.id)) {
      if (!next) {
        chain.push(`Secret ${issuer.secretNamespace}/${issuer.secretName} (not issued here)`);
      }
      break;
    }
    seen.add(next.id);
    chain.push(`Certificate ${next.id}`);
    current = next;
  }
  return chain;
}

function certificateStates(objects: ReadonlyArray<unknown>, caNamespace: string): Map<string, CertificateState> {
  const read = readCertificateObjects(objects, { clusterResourceNamespace: caNamespace });
  const out = new Map<string, CertificateState>();
  for (const cert of read.certificates.values()) {
    out.set(cert.id, {
      chain: chainOf(cert, read),
      duration: formatSpan(cert.durationMs),
      renewBefore: cert.renewBeforeMs !== undefined ? formatSpan(cert.renewBeforeMs)
        : cert.renewBeforePercentage !== undefined ? `${cert.renewBeforePercentage}%` : 'a third of the lifetime',
      rotationPolicy: cert.rotationPolicy,
      isCA: cert.isCA,
    });
  }
  return out;
}

/** Certificates added, removed, or whose chain, lifetime, renewal or key rotation changed. */
export function diffCertificates(base: DiffSide<ProvenTraffic>, head: DiffSide<ProvenTraffic>): CertificateChange[] {
  const before = certificateStates(base.objects, base.caNamespace);
  const after = certificateStates(head.objects, head.caNamespace);
  const out: CertificateChange[] = [];
  for (const id of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const b = before.get(id);
    const a = after.get(id);
    if (!b) {
      out.push({ change: 'added', id, after: a, what: [] });
    } else if (!a) {
      out.push({ change: 'removed', id, before: b, what: [] });
    } else {
      const what = (['chain', 'duration', 'renewBefore', 'rotationPolicy', 'isCA'] as const).filter(k => canonical(a[k]) !== canonical(b[k]));
      if (what.length > 0) {
        out.push({ change: 'changed', id, before: b, after: a, what: [...what] });
      }
    }
  }
  return out;
}

/**
 * Whether the certificate states of both sides are equal without reading them: no object
 * `readCertificateObjects` reads (Namespaces, cert-manager.io and trust.cert-manager.io
 * objects) changed, and cert-manager's cluster resource namespace is the same.
 */
function certificatesUnchanged(objects: readonly ObjectChange[], base: DiffSide<ProvenTraffic>, head: DiffSide<ProvenTraffic>): boolean {
  return base.caNamespace === head.caNamespace
    && !objects.some(o => o.kind === 'Namespace' || o.key.startsWith('cert-manager.io/') || o.key.startsWith('trust.cert-manager.io/'));
}

/**
 * The whole diff of one phase. `midpoint` is the base catalog proven at the head phase;
 * needed (and only used) when the phases differ.
 */
export function diffPhase(
  base: DiffSide<ProvenTraffic>, head: DiffSide, midpoint?: ReachabilityReport,
  known: { readonly objects?: ObjectChange[]; readonly baseProof?: BaseProofSummary } = {},
): PhaseDiff {
  const mid = base.phase !== head.phase ? midpoint : undefined;
  if (base.phase !== head.phase && !midpoint) {
    throw new Error(`diff from ${base.phase} to ${head.phase} needs the base catalog proven at ${head.phase}`);
  }
  const flows = diffFlows(base.report, head.report, mid);
  const requests = diffRequests(base.report, head.report, mid);
  const objects = known.objects ?? diffObjects(base.objects, head.objects);
  return {
    basePhase: base.phase,
    headPhase: head.phase,
    flows,
    requests,
    objects,
    certificates: certificatesUnchanged(objects, base, head) ? [] : diffCertificates(base, head),
    ok: !flows.some(f => f.classification === 'undeclared') && !requests.some(r => r.classification === 'undeclared'),
    ...(known.baseProof ? { baseProof: known.baseProof } : {}),
  };
}

/** `+ declared shop/frontend -> shop/checkout 5050/TCP` */
export function formatFlowChange(c: FlowChange): string {
  return `${c.change === 'added' ? '+' : '-'} ${c.classification} ${formatFlow(c.flow)}`;
}

export function formatRequestChange(c: RequestChange): string {
  return `${c.change === 'added' ? '+' : '-'} ${c.classification} ${formatRequestFlow(c.request)}`;
}
