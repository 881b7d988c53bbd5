/**
 * The delta proof of a diff's base: between two sides in the same phase that share most
 * objects and endpoints, a flow's verdict can change only where something that differs
 * can reach it. The head is proven in full (what `check` proves); the base re-decides
 * only the flows an affected endpoint starts or ends (and the probes only it has), and
 * takes every other verdict from the head's proof.
 *
 * Soundness rests on what each evaluator reads (each rule below names it). An endpoint
 * is affected, as a source (its row) or a destination (its column), when:
 * - it exists on one side only, or differs (labels, namespace, service account, ports,
 *   addresses, namespace labels: anything of `Endpoint`);
 * - its pods belong to, or are selected by, a catalog service that differs (the
 *   evaluators read the destination's service: its routes for request probes, its
 *   versions' service accounts, the Services selecting a pod for Istio's Sidecar imports);
 * - an object that differs (by `objectKey` and deep equality) can select it, in the
 *   direction its changed rules act (see `objectReach`, `policyDirections`); objects no
 *   evaluator reads reach nothing.
 * Probes only the base has (a port no longer declared) are re-decided on every pair.
 *
 * Anything cluster-wide means a full proof, with the reason in the diff's output: a
 * cluster-scoped object (a Namespace's labels feed namespace selectors and its
 * annotations decide Linkerd injection; a CiliumClusterwideNetworkPolicy selects in every
 * namespace), an object in Istio's root namespace (mesh-wide policy), a catalog section
 * other than `services` (settings, defaults, peers, platform releases, namespaces), or a
 * change in which peers the services use (the mesh evaluators decide other pods' mesh
 * membership from them).
 */
import { sameValue } from './catalog-edits';
import { ObjectChange } from './diff';
import { Endpoint, Universe, usedPeers } from './endpoints';
import { objectKey } from './enforcement';
import { Flow, flowComparator, flowKey } from './flows';
import { FlowScope, probeKey, ReachabilityReport } from './reachability';
import { RequestFlow } from './requests';
import { matchesSelector, parseLabelSelector } from './selectors';
import { CILIUM_GROUP } from '../model/mesh-facts/cilium';
import * as istio from '../model/mesh-facts/istio';
import { GATEWAY_GROUP, POLICY_GROUP } from '../model/mesh-facts/linkerd';
import { ResolvedCatalog, ResolvedService } from '../model/resolved';
import { apiGroup } from '../model/values';

/** What a diff reads from the base's proof: the flows and L7 requests it lets through. */
export interface ProvenTraffic {
  readonly allowed: ReadonlyArray<Flow>;
  readonly requests?: {
    readonly probed: ReadonlyArray<RequestFlow>;
    readonly allowed: ReadonlyArray<RequestFlow>;
  };
}

/** How the base of a phase diff was proven, and why (part of the diff's JSON output). */
export interface BaseProofSummary {
  /** `same`: base and head inputs are equal; `delta`: see this module; `full`: proven from scratch. */
  readonly proof: 'same' | 'delta' | 'full';
  readonly reason: string;
  /** Delta proofs: the endpoints whose rows and columns were re-decided, and the probes only the base has. */
  readonly sources?: number;
  readonly destinations?: number;
  readonly probes?: number;
}

/** One side of a diff, synthesized (or read) but not proven yet. */
export interface DeltaSide {
  readonly catalog: ResolvedCatalog;
  readonly objects: ReadonlyArray<unknown>;
  readonly universe: Universe;
}

export type BaseProofPlan =
  | { readonly proof: 'full'; readonly reason: string }
  | { readonly proof: 'delta'; readonly reason: string; readonly scope: FlowScope; readonly baseProbes: ReadonlySet<string> };

/** Where a changed object can change verdicts; `full` names why it can change any. */
interface Reach {
  readonly full?: string;
  readonly sources: Endpoint[];
  readonly destinations: Endpoint[];
}

const NONE: Reach = { sources: [], destinations: [] };

function group(obj: any): string {
  return apiGroup(obj?.apiVersion);
}

function podsIn(universe: Universe, namespace: string): Endpoint[] {
  return universe.endpoints.filter(e => e.kind === 'pod' && e.namespace === namespace);
}

/** Pods of the namespace a label selector matches; all of them when it cannot be read. */
function selectedPods(universe: Universe, namespace: string, raw: unknown): Endpoint[] {
  const problems: string[] = [];
  const selector = parseLabelSelector(raw ?? {}, 'selector', problems);
  const pods = podsIn(universe, namespace);
  return problems.length > 0 ? pods : pods.filter(e => matchesSelector(selector, e.labels));
}

/**
 * A Cilium endpoint selector read as plain pod labels: `k8s:` and `any:` prefixes
 * dropped; undefined (read as the whole namespace) when it names Cilium's own label
 * sources (`io.kubernetes.*`, `io.cilium.*`, `reserved:` ...), which carry more than pod labels.
 */
function ciliumPodSelector(raw: any): unknown {
  if (raw === undefined || raw === null || typeof raw !== 'object') {
    return raw;
  }
  const plain = (key: string) => key.replace(/^(k8s|any):/, '');
  const special = (key: string) => plain(key).includes(':') || /^io\.(kubernetes|cilium)\./.test(plain(key));
  const expressions: any[] = Array.isArray(raw.matchExpressions) ? raw.matchExpressions : [];
  const keys = [...Object.keys(raw.matchLabels ?? {}), ...expressions.map(e => String(e?.key))];
  if (keys.some(special)) {
    return undefined;
  }
  return {
    matchLabels: Object.fromEntries(Object.entries(raw.matchLabels ?? {}).map(([k, v]) => [plain(k), v])),
    matchExpressions: (raw.matchExpressions ?? []).map((e: any) => ({ ...e, key: plain(String(e?.key)) })),
  };
}

/**
 * Where one version of a changed namespaced object can change verdicts, on its side's
 * universe. Policies act on the pods they select, in their own namespace only:
 * - NetworkPolicy: `spec.podSelector` (Kubernetes networking/v1 NetworkPolicySpec),
 *   rows and columns as `policyDirections` says;
 * - CiliumNetworkPolicy: `endpointSelector` of `spec` and `specs[]`, namespaced
 *   (cilium/cilium `pkg/policy/api/rule.go`; the namespace label is forced to the
 *   policy's), rows and columns as `policyDirections` says;
 * - Istio AuthorizationPolicy, PeerAuthentication: `spec.selector.matchLabels`, or the
 *   whole namespace (istio.io security/v1 references), inbound only: columns; Sidecar:
 *   `spec.workloadSelector.labels` or the namespace, outbound only: rows; ServiceEntry:
 *   exported to every namespace by default (`exportTo`, modelled by `exportedTo` in
 *   analysis/istio/matching.ts), it decides egress to external destinations: the
 *   columns of every address and DNS name. The Istio evaluator reads no other kind
 *   (`parseIstioConfig`; VirtualServices and DestinationRules feed the retry lint, a
 *   diagnostic the diff does not read);
 * - Linkerd policy objects and Gateway API routes: inbound authorization only (the
 *   Linkerd evaluator never restricts egress; routes count only as inbound routes of a
 *   Server of their own namespace, `inboundRoutes`): columns of the namespace, and of
 *   namespaces whose objects refer to this one (`linkerdReferences`);
 * - anything else (workloads, Services, certificates, ...): no evaluator reads it.
 */
function objectReach(obj: any, universe: Universe, references: () => Map<string, Set<string>>, directions: Directions): Reach {
  const namespace = String(obj.metadata.namespace);
  const spec = obj?.spec ?? {};
  const both = (pods: Endpoint[]): Reach => ({ sources: directions.egress ? pods : [], destinations: directions.ingress ? pods : [] });
  const g = group(obj);
  if (g === 'networking.k8s.io' && obj.kind === 'NetworkPolicy') {
    return both(selectedPods(universe, namespace, spec.podSelector));
  }
  if (g === CILIUM_GROUP) {
    const rules = [obj.spec, ...(Array.isArray(obj.specs) ? obj.specs : [])].filter(r => r !== undefined && r !== null);
    if (obj.kind !== 'CiliumNetworkPolicy' || rules.some((r: any) => r.nodeSelector !== undefined)) {
      return { full: `${obj.kind} ${namespace}/${obj.metadata.name} is not a pod-selecting CiliumNetworkPolicy`, ...NONE };
    }
    const selected = rules.flatMap((r: any) => {
      const selector = ciliumPodSelector(r.endpointSelector);
      return selector === undefined ? podsIn(universe, namespace) : selectedPods(universe, namespace, selector);
    });
    return both(selected);
  }
  const labelsOr = (labels: unknown) => (labels === undefined
    ? podsIn(universe, namespace)
    : selectedPods(universe, namespace, { matchLabels: labels }));
  if (g === istio.SECURITY_GROUP) {
    return { sources: [], destinations: labelsOr(spec.selector?.matchLabels) };
  }
  if (g === istio.NETWORKING_GROUP && obj.kind === 'Sidecar') {
    return { sources: labelsOr(spec.workloadSelector?.labels), destinations: [] };
  }
  if (g === istio.NETWORKING_GROUP && obj.kind === 'ServiceEntry') {
    return { sources: [], destinations: universe.endpoints.filter(e => e.kind !== 'pod') };
  }
  if (g === POLICY_GROUP || g === GATEWAY_GROUP) {
    const referring = [...(references().get(`${obj.kind}/${namespace}/${obj.metadata.name}`) ?? [])];
    return { sources: [], destinations: [namespace, ...referring].flatMap(ns => podsIn(universe, ns)) };
  }
  return NONE;
}

/** Which directions of the selected pods a policy change can change. */
interface Directions {
  readonly ingress: boolean;
  readonly egress: boolean;
}

const BOTH: Directions = { ingress: true, egress: true };

/**
 * A NetworkPolicy's or CiliumNetworkPolicy's change, by direction: ingress rules
 * (`ingress`, Cilium's `ingressDeny`) decide only the selected pods' inbound traffic
 * (their columns), egress rules only their outbound (rows); anything else (the selector,
 * `policyTypes`, Cilium's `enableDefaultDeny`, `specs`) both. Kubernetes networking/v1
 * NetworkPolicySpec; cilium/cilium `pkg/policy/api/rule.go`.
 */
function policyDirections(before: any, after: any): Directions {
  if (before === undefined || after === undefined) {
    return BOTH;
  }
  const INGRESS = ['ingress', 'ingressDeny'];
  const EGRESS = ['egress', 'egressDeny'];
  const rules = (k: string) => INGRESS.includes(k) || EGRESS.includes(k);
  const rest = (o: any) => ({ ...o, spec: Object.fromEntries(Object.entries(o.spec ?? {}).filter(([k]) => !rules(k))) });
  if (!sameValue(rest(before), rest(after))) {
    return BOTH;
  }
  const differs = (keys: string[]) => keys.some(k => !sameValue(before.spec?.[k], after.spec?.[k]));
  return { ingress: differs(INGRESS), egress: differs(EGRESS) };
}

/** Every object reference (a record with a string `name` and `namespace`) under `value`. */
function refsIn(value: unknown, out: Array<{ kind?: string; namespace: string; name: string }>): void {
  if (Array.isArray(value)) {
    value.forEach(v => refsIn(v, out));
  } else if (typeof value === 'object' && value !== null) {
    const ref = value as Record<string, unknown>;
    if (typeof ref.name === 'string' && typeof ref.namespace === 'string') {
      out.push({ kind: typeof ref.kind === 'string' ? ref.kind : undefined, namespace: ref.namespace, name: ref.name });
    }
    Object.values(ref).forEach(v => refsIn(v, out));
  }
}

/**
 * Per Linkerd or Gateway API object (`kind/namespace/name`), the other namespaces whose
 * such objects refer to it: an AuthorizationPolicy requiring a MeshTLSAuthentication of
 * another namespace (`requiredAuthenticationRefs[].namespace`) decides with it. A
 * reference without a kind counts for every kind of that name.
 */
function linkerdReferences(objects: ReadonlyArray<ReadonlyArray<unknown>>, kinds: ReadonlyArray<string>): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const list of objects) {
    for (const obj of list as any[]) {
      const from = obj?.metadata?.namespace;
      if (typeof from !== 'string' || ![POLICY_GROUP, GATEWAY_GROUP].includes(group(obj))) {
        continue;
      }
      const refs: Array<{ kind?: string; namespace: string; name: string }> = [];
      refsIn(obj.spec, refs);
      for (const ref of refs.filter(r => r.namespace !== from)) {
        for (const kind of ref.kind !== undefined ? [ref.kind] : kinds) {
          const key = `${kind}/${ref.namespace}/${ref.name}`;
          out.set(key, (out.get(key) ?? new Set()).add(from));
        }
      }
    }
  }
  return out;
}

/** The kinds present (`group/kind`): they decide which evaluators a phase's proof runs. */
function kindsPresent(objects: ReadonlyArray<unknown>): string[] {
  return [...new Set((objects as any[]).map(o => `${group(o)}/${o?.kind}`))].sort();
}

function catalogWideChange(base: ResolvedCatalog, head: ResolvedCatalog): string | undefined {
  const sections = [...new Set([...Object.keys(base), ...Object.keys(head)])]
    .filter(k => k !== 'services' && typeof (base as any)[k] !== 'function' && typeof (head as any)[k] !== 'function').sort();
  const changed = sections.find(k => !sameValue((base as any)[k], (head as any)[k]));
  if (changed !== undefined) {
    return `the catalog's ${changed} differs (read by every evaluator)`;
  }
  const peerNames = (c: ResolvedCatalog) => usedPeers(c).map(p => p.name);
  const calledPeers = (c: ResolvedCatalog) => [...new Set(c.services
    .flatMap(s => [...s.peerCalls, ...s.versions.flatMap(v => v.peerCalls)]).map(p => p.peer.name))].sort();
  if (!sameValue(peerNames(base), peerNames(head)) || !sameValue(calledPeers(base), calledPeers(head))) {
    return 'the peers the services use differ (they decide other pods\' mesh membership)';
  }
  return undefined;
}

/** Host calls, which read addresses as names and back (`HostAliases`, the Istio evaluator's host addresses). */
function hostCalls(catalog: ResolvedCatalog): string[] {
  return catalog.services.flatMap(s => [...s.calls, ...s.versions.flatMap(v => v.calls)])
    .flatMap(c => (c.kind === 'host' ? [`${c.host} ${c.cidrs.join(',')}`] : [])).sort();
}

/** Pods a service is, or selects, in its namespace (Istio reads the Services selecting a pod). */
function servicePods(universe: Universe, service: ResolvedService): Endpoint[] {
  return podsIn(universe, service.namespace).filter(e => e.workload?.serviceId === service.id
    || (Object.keys(service.selector).length > 0 && Object.entries(service.selector).every(([k, v]) => e.labels[k] === v)));
}

/** What differs between the two catalogs, whatever the phase (computed once per diff). */
export interface CatalogDelta {
  /** Why the catalogs differ beyond their services' own data: a full proof. */
  readonly wide?: string;
  /** Services that differ; `sources`: their pods' identities may read differently. */
  readonly services: ReadonlyArray<{ readonly versions: ResolvedService[]; readonly sources: boolean }>;
  readonly hostCalls: boolean;
}

export function compareCatalogs(base: ResolvedCatalog, head: ResolvedCatalog): CatalogDelta {
  const wide = catalogWideChange(base, head);
  if (wide !== undefined) {
    return { wide, services: [], hostCalls: true };
  }
  const baseServices = new Map(base.services.map(s => [s.id, s]));
  const headServices = new Map(head.services.map(s => [s.id, s]));
  // Sources only when its pods' identities may read differently (Linkerd's
  // `serviceAccountOf` reads a version's service account from the catalog).
  const identity = (x?: ResolvedService) => x && { serviceAccount: x.serviceAccount, serviceAccounts: x.serviceAccounts, versions: x.versions };
  const services: Array<CatalogDelta['services'][number]> = [];
  for (const id of new Set([...baseServices.keys(), ...headServices.keys()])) {
    const [b, h] = [baseServices.get(id), headServices.get(id)];
    if (b === undefined || h === undefined || !sameValue(b, h)) {
      services.push({ versions: [b, h].filter((x): x is ResolvedService => x !== undefined), sources: !sameValue(identity(b), identity(h)) });
    }
  }
  return { services, hostCalls: !sameValue(hostCalls(base), hostCalls(head)) };
}

/**
 * Decides whether the base can be proven by delta from the head's proof and, if so,
 * which flows it must re-decide. `objects`: the diff's object changes (`diffObjects`);
 * `catalogs`: `compareCatalogs` of the two sides' catalogs.
 */
export function planBaseProof(
  base: DeltaSide, head: DeltaSide, objects: ReadonlyArray<ObjectChange>, catalogs: CatalogDelta, rootNamespace: string,
): BaseProofPlan {
  if (catalogs.wide !== undefined) {
    return { proof: 'full', reason: catalogs.wide };
  }
  const sources = new Set<string>();
  const destinations = new Set<string>();
  const add = (reach: Pick<Reach, 'sources' | 'destinations'>) => {
    reach.sources.forEach(e => sources.add(e.id));
    reach.destinations.forEach(e => destinations.add(e.id));
  };
  const sides = [base, head];
  const baseById = new Map((base.objects as any[]).map(o => [objectKey(o), o]));
  const headById = new Map((head.objects as any[]).map(o => [objectKey(o), o]));
  let cached: Map<string, Set<string>> | undefined;
  const references = () => (cached ??= linkerdReferences([base.objects, head.objects], [...new Set(objects.map(o => o.kind))]));
  for (const change of objects) {
    if (change.namespace === undefined || change.namespace === '') {
      return { proof: 'full', reason: `${change.kind} ${change.name} is cluster-scoped (it can select in every namespace)` };
    }
    if (change.namespace === rootNamespace) {
      return { proof: 'full', reason: `${change.kind} ${change.namespace}/${change.name} is in Istio's root namespace (mesh-wide)` };
    }
    const versions: Array<[any, Universe]> = [[baseById.get(change.key), base.universe], [headById.get(change.key), head.universe]];
    const directions = policyDirections(versions[0][0], versions[1][0]);
    for (const [obj, universe] of versions.filter(([o]) => o !== undefined)) {
      const reach = objectReach(obj, universe, references, directions);
      if (reach.full !== undefined) {
        return { proof: 'full', reason: reach.full };
      }
      add(reach);
    }
  }
  if (!sameValue(kindsPresent(base.objects), kindsPresent(head.objects))) {
    return { proof: 'full', reason: 'the kinds of objects present differ (they decide which evaluators a phase runs, e.g. whether NetworkPolicies add an L4 layer)' };
  }
  // Endpoints on one side only, or different.
  let externalChanged = false;
  const changedEndpoint = (e: Endpoint) => {
    sources.add(e.id);
    destinations.add(e.id);
    externalChanged ||= e.kind !== 'pod';
  };
  head.universe.endpoints.filter(e => !base.universe.order.has(e.id) || !sameValue(e, base.universe.endpoint(e.id))).forEach(changedEndpoint);
  base.universe.endpoints.filter(e => !head.universe.order.has(e.id)).forEach(changedEndpoint);
  // Services that differ: their pods and the pods they select, on both sides.
  for (const service of catalogs.services) {
    sides.forEach(side => service.versions.forEach(s => {
      const pods = servicePods(side.universe, s);
      add({ sources: service.sources ? pods : [], destinations: pods });
    }));
  }
  // Host calls, or the addresses and names of the universe, changed: every address and
  // name may read differently as a destination (`HostAliases.readings` maps each to the
  // others through the host calls' ranges).
  if (externalChanged || catalogs.hostCalls) {
    sides.forEach(side => add({ sources: [], destinations: side.universe.endpoints.filter(e => e.kind !== 'pod') }));
  }
  const baseProbes = new Set(base.universe.probes.map(probeKey));
  const headProbes = new Set(head.universe.probes.map(probeKey));
  const probes = new Set([...baseProbes].filter(p => !headProbes.has(p)));
  return {
    proof: 'delta',
    reason: `${objects.length} changed object${objects.length === 1 ? '' : 's'} and ${catalogs.services.length} changed service`
      + `${catalogs.services.length === 1 ? '' : 's'}, all namespaced: only the flows they can reach are re-decided`,
    scope: { sources, destinations, probes },
    baseProbes,
  };
}

/**
 * The base's proven traffic: `partial` (the base proven within the plan's scope) plus
 * every head verdict outside it. Outside the scope, a flow's verdict, and the requests
 * probed on it, are the same on both sides; it exists on the base when its probe does
 * there or the base declares it (declared flows are decided off the probe set too).
 */
export function mergeBaseProof(head: ReachabilityReport, partial: ReachabilityReport, plan: Extract<BaseProofPlan, { proof: 'delta' }>): ProvenTraffic {
  const { scope, baseProbes } = plan;
  const declared = new Set(partial.declared.map(flowKey));
  // A flow outside the scope, of the head, is one of the base's.
  const kept = (f: Flow) => !scope.sources.has(f.from) && !scope.destinations.has(f.to)
    && (baseProbes.has(probeKey(f)) || declared.has(flowKey(f)));
  const order = new Map(partial.endpoints.map((id, i) => [id, i]));
  const byFlow = flowComparator(order);
  const allowed = mergeSorted(partial.allowed, head.allowed.filter(kept), byFlow);
  if (!partial.requests || !head.requests) {
    return { allowed };
  }
  const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const byRequest = (a: RequestFlow, b: RequestFlow) => byFlow(a, b) || compareText(a.path, b.path) || compareText(a.method, b.method);
  // Requests are probed on allowed flows only: a head request is the base's when its flow is kept.
  const merge = (mine: ReadonlyArray<RequestFlow>, theirs: ReadonlyArray<RequestFlow>) => mergeSorted(mine, theirs.filter(kept), byRequest);
  return {
    allowed,
    requests: { probed: merge(partial.requests.probed, head.requests.probed), allowed: merge(partial.requests.allowed, head.requests.allowed) },
  };
}

/**
 * Two lists merged in `compare` order, an item of `b` equal to one of `a` left out. Both
 * are sorted already when the two universes order their common endpoints alike (then
 * in linear time); otherwise `b` is sorted first.
 */
function mergeSorted<T>(a: ReadonlyArray<T>, b: T[], compare: (x: T, y: T) => number): T[] {
  if (b.some((item, i) => i > 0 && compare(b[i - 1], item) > 0)) {
    b.sort(compare);
  }
  const out: T[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const order = i === a.length ? 1 : j === b.length ? -1 : compare(a[i], b[j]);
    if (order <= 0) {
      out.push(a[i++]);
      j += order === 0 ? 1 : 0;
    } else {
      out.push(b[j++]);
    }
  }
  return out;
}

/** The summary of a delta plan for the diff's output. */
export function deltaSummary(plan: Extract<BaseProofPlan, { proof: 'delta' }>): BaseProofSummary {
  return { proof: 'delta', reason: plan.reason, sources: plan.scope.sources.size, destinations: plan.scope.destinations.size, probes: plan.scope.probes.size };
}
