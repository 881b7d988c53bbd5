/**
 * `mesh-ladder assess`: is a mesh worth it for this inventory, and what would each
 * phase cost? Figures are the per-pod and per-hop ranges from the project's mesh facts;
 * the object counts come from the synthesized output of each phase.
 */
import { ResolvedCatalog, ResolvedService } from '../model/resolved';

/** A low–high range. */
export interface Range {
  readonly low: number;
  readonly high: number;
}

/** Per-pod proxy memory (MB) and added latency per hop (ms), by phase. */
export const PHASE_FIGURES: Readonly<Record<string, { memoryMbPerPod: Range; latencyMsPerHop: Range; proxy: string }>> = {
  baseline: { memoryMbPerPod: { low: 0, high: 0 }, latencyMsPerHop: { low: 0, high: 0 }, proxy: 'none' },
  cilium: { memoryMbPerPod: { low: 0, high: 0 }, latencyMsPerHop: { low: 0, high: 0.5 }, proxy: 'eBPF (per-node Envoy only for L7)' },
  linkerd: { memoryMbPerPod: { low: 10, high: 20 }, latencyMsPerHop: { low: 0.5, high: 1 }, proxy: 'linkerd2-proxy sidecar' },
  istio: { memoryMbPerPod: { low: 50, high: 100 }, latencyMsPerHop: { low: 1, high: 5 }, proxy: 'Envoy sidecar' },
};

/** Services at which a mesh usually earns its cost, and below which it usually does not. */
export const MESH_WORTH_IT_SERVICES = 20;
export const MESH_NOT_WORTH_IT_SERVICES = 15;

/** What one phase emitted for this catalog (or why it could not). */
export interface EmittedCount {
  readonly phase: string;
  readonly objects?: number;
  /** Why the phase cannot express the catalog, when it cannot. */
  readonly error?: string;
}

export interface ReadinessAnswer {
  readonly question: string;
  readonly answer: string;
  /** `derived` from the services, or `declared` in the catalog's readiness section. */
  readonly source: 'derived' | 'declared';
}

export interface PhaseCost {
  readonly phase: string;
  readonly proxy: string;
  /** Total proxy memory for all pods, MB. */
  readonly proxyMemoryMb: Range;
  /** Added latency along the longest call chain, ms. */
  readonly chainLatencyMs: Range;
  readonly objects?: number;
  readonly error?: string;
}

export interface ConfigScope {
  /** Services (and external hosts) in each proxy's configuration: average and maximum. */
  readonly average: number;
  readonly max: number;
}

export interface Assessment {
  readonly services: number;
  readonly pods: number;
  /** Longest chain of service calls (ingress first when it starts at a service the ingress controller calls). */
  readonly longestChain: { readonly hops: number; readonly path: string[]; readonly cyclesIgnored: boolean };
  readonly answers: ReadinessAnswer[];
  readonly recommended: string;
  readonly reasons: string[];
  /** Prerequisites of the recommended phase that are not met yet. */
  readonly unmet: string[];
  readonly costs: PhaseCost[];
  readonly istioScope: { readonly withoutSidecar: ConfigScope; readonly withSidecar: ConfigScope };
}

export interface AssessOptions {
  /** Pods per service id (`namespace/name`), overriding the catalog's `replicas`. */
  readonly replicas?: Readonly<Record<string, number>>;
  /** Objects each phase emitted, in ladder order. */
  readonly emitted: ReadonlyArray<EmittedCount>;
}

/** Catalog services a service's pods call (its versions' own calls included). */
function serviceCallees(service: ResolvedService): string[] {
  const calls = [...service.calls, ...service.versions.flatMap(v => v.calls)];
  return [...new Set(calls.flatMap(c => (c.kind === 'service' ? [c.targetId] : [])))].sort();
}

/** The ingress controller may call the service (`exposed`, a `callers` entry, or a split it takes part in). */
function reachedFromIngress(service: ResolvedService): boolean {
  return service.callers.some(c => c.peer.name === 'ingress-controller');
}

/** Peers the catalog uses (as callers or callees), sorted by name. */
function peersInUse(catalog: ResolvedCatalog): string[] {
  const names = new Set<string>();
  for (const s of catalog.services) {
    s.callers.forEach(c => names.add(c.peer.name));
    s.peerCalls.forEach(c => names.add(c.peer.name));
    s.versions.forEach(v => v.peerCalls.forEach(c => names.add(c.peer.name)));
  }
  return [...names].sort();
}

/** `ns/service:port` of every port that must accept plaintext under mTLS (declared, or called by a peer outside the mesh). */
export function plaintextPorts(catalog: ResolvedCatalog): string[] {
  return catalog.services.flatMap(s => s.ports.filter(p => p.plaintext).map(p => `${s.id}:${p.ref}`));
}

/** A list in an answer cell: at most `max` items, then how many more. */
function listed(items: readonly string[], max = 5): string {
  if (items.length === 0) {
    return '0';
  }
  const shown = items.slice(0, max).join(', ');
  return `${items.length} (${shown}${items.length > max ? `, … ${items.length - max} more` : ''})`;
}

/**
 * Longest chain of calls. The call graph may have cycles: back edges found by a
 * depth-first search are ignored (and reported), which makes it a DAG.
 */
export function longestCallChain(catalog: ResolvedCatalog): Assessment['longestChain'] {
  const callees = new Map(catalog.services.map(s => [s.id, serviceCallees(s)]));
  const state = new Map<string, 'open' | 'done'>();
  const best = new Map<string, string[]>();
  let cyclesIgnored = false;
  const visit = (id: string): string[] => {
    if (state.get(id) === 'done') {
      return best.get(id)!;
    }
    state.set(id, 'open');
    let longest: string[] = [];
    for (const next of callees.get(id) ?? []) {
      if (state.get(next) === 'open') {
        cyclesIgnored = true;
        continue;
      }
      const path = visit(next);
      if (path.length > longest.length) {
        longest = path;
      }
    }
    const result = [id, ...longest];
    state.set(id, 'done');
    best.set(id, result);
    return result;
  };
  let path: string[] = [];
  for (const service of catalog.services) {
    const candidate = visit(service.id);
    const withIngress = reachedFromIngress(service) ? ['ingress', ...candidate] : candidate;
    if (withIngress.length > path.length) {
      path = withIngress;
    }
  }
  return { hops: Math.max(0, path.length - 1), path, cyclesIgnored };
}

function scope(values: number[]): ConfigScope {
  if (values.length === 0) {
    return { average: 0, max: 0 };
  }
  const sum = values.reduce((a, b) => a + b, 0);
  return { average: Math.round((sum / values.length) * 10) / 10, max: Math.max(...values) };
}

/** What the catalog's inventory says about its needs (the derived answers). */
interface InventoryFacts {
  readonly services: number;
  readonly l7Needs: boolean;
  readonly trafficRules: boolean;
  readonly canaries: number;
  readonly hostCalls: boolean;
  readonly faults: boolean;
  readonly peers: string[];
  readonly plaintext: string[];
}

function inventoryFacts(catalog: ResolvedCatalog): InventoryFacts {
  const routeLimited = catalog.services.some(s => [...s.calls, ...s.versions.flatMap(v => v.calls)].some(c => c.kind === 'service' && c.routes.length > 0)
    || s.callers.some(c => c.routes.length > 0));
  const headerRoutes = catalog.services.some(s => s.versions.some(v => Object.keys(v.headers).length > 0));
  const trafficRules = headerRoutes || catalog.services.some(s => s.routes.some(rt => rt.retries !== undefined || rt.timeoutMs !== undefined));
  return {
    services: catalog.services.filter(s => !s.clientOnly).length,
    l7Needs: routeLimited || trafficRules,
    trafficRules,
    canaries: catalog.services.filter(s => s.versions.length > 0).length,
    hostCalls: catalog.services.some(s => s.calls.some(c => c.kind === 'host')),
    faults: catalog.services.some(s => s.routes.some(rt => rt.fault !== undefined)),
    peers: peersInUse(catalog),
    plaintext: plaintextPorts(catalog),
  };
}

function readinessAnswers(r: ResolvedCatalog['readiness'], facts: InventoryFacts): ReadinessAnswer[] {
  return [
    { question: 'Services', answer: String(facts.services), source: 'derived' },
    { question: 'Compliance requires mTLS', answer: r.complianceMtls ? 'yes' : 'no', source: 'declared' },
    { question: 'L7 needs (route-limited calls, retries, timeouts)', answer: facts.l7Needs ? 'yes' : 'no', source: 'derived' },
    { question: 'Canaries (services with versions)', answer: String(facts.canaries), source: 'derived' },
    { question: 'Calls to external hosts by name', answer: facts.hostCalls ? 'yes' : 'no', source: 'derived' },
    { question: 'Peers outside the catalog (callers and callees)', answer: listed(facts.peers, 8), source: 'derived' },
    { question: 'Ports that keep accepting plaintext under mTLS (callers outside the mesh: webhooks, scrapes)', answer: listed(facts.plaintext), source: 'derived' },
    { question: 'Multi-cluster', answer: r.multiCluster ? 'yes' : 'no', source: 'declared' },
    { question: 'Services with distributed tracing (5+ wanted)', answer: String(r.tracedServices), source: 'declared' },
    { question: 'Engineers with proxy (Envoy/xDS) expertise (2+ wanted)', answer: String(r.proxyExperts), source: 'declared' },
    { question: 'Dedicated platform capacity', answer: r.platformTeam ? 'yes' : 'no', source: 'declared' },
    { question: 'Runbooks for control-plane failure', answer: r.controlPlaneRunbooks ? 'yes' : 'no', source: 'declared' },
  ];
}

interface Recommendation {
  readonly recommended: string;
  readonly reasons: string[];
  readonly unmet: string[];
}

/** A mesh: when compliance needs mTLS, or a large fleet needs traffic management. */
function meshRecommendation(r: ResolvedCatalog['readiness'], facts: InventoryFacts): Recommendation {
  const meshPrerequisites = [
    ...(r.tracedServices >= 5 ? [] : [`tracing across 5+ services (have ${r.tracedServices})`]),
    ...(r.platformTeam ? [] : ['dedicated platform capacity to run the control plane']),
    ...(r.controlPlaneRunbooks ? [] : ['runbooks for control-plane failure']),
  ];
  const istioPrerequisites = [
    ...meshPrerequisites,
    ...(r.proxyExperts >= 2 ? [] : [`2+ engineers with Envoy/xDS experience (have ${r.proxyExperts})`]),
  ];
  const reasons: string[] = [r.complianceMtls
    ? 'compliance requires mutual TLS between services: a mesh issues and rotates workload identities (Cilium mutual auth is beta and does not encrypt by itself)'
    : `${facts.services} services with traffic management needs (canaries, retries, timeouts): above ${MESH_WORTH_IT_SERVICES} services a mesh usually earns its cost`];
  const istioCase = r.multiCluster || facts.faults || (facts.services >= 30 && facts.canaries > 0);
  let recommended: string;
  if (istioCase && istioPrerequisites.length === 0) {
    recommended = 'istio';
    reasons.push(r.multiCluster ? 'multi-cluster traffic is Istio\'s strength' : 'advanced L7 traffic management (fault injection, large canary fleet) and the team to run Envoy');
  } else {
    recommended = 'linkerd';
    reasons.push(istioCase
      ? `Istio would fit the traffic needs, but its prerequisites are missing (${istioPrerequisites.join('; ')}): Linkerd gives mTLS, retries and splits at a fifth of the proxy memory`
      : 'Linkerd covers mTLS, retries, timeouts and traffic splits with the lightest proxy (10–20 MB per pod)');
  }
  if (facts.plaintext.length > 0) {
    reasons.push(`${facts.plaintext.length} port(s) must keep accepting plaintext under strict mTLS (called from outside the mesh: the API server, an unmeshed scraper, the world): `
      + 'list them as exceptions wherever mTLS is a compliance control');
  }
  return { recommended, reasons, unmet: recommended === 'istio' ? istioPrerequisites : meshPrerequisites };
}

function recommendation(r: ResolvedCatalog['readiness'], facts: InventoryFacts): Recommendation {
  const { services, l7Needs, hostCalls, canaries, trafficRules } = facts;
  if (r.complianceMtls || (services >= MESH_WORTH_IT_SERVICES && (canaries > 0 || trafficRules))) {
    return meshRecommendation(r, facts);
  }
  const reasons: string[] = [];
  if (services < MESH_NOT_WORTH_IT_SERVICES && !l7Needs && canaries === 0) {
    reasons.push(`${services} services with stable call patterns: under ${MESH_NOT_WORTH_IT_SERVICES} services a mesh usually costs more than it gives`);
    if (hostCalls) {
      reasons.push('calls to external hosts by name need DNS-aware egress (Cilium toFQDNs); NetworkPolicy only matches addresses');
    }
    return { recommended: hostCalls ? 'cilium' : 'baseline', reasons, unmet: [] };
  }
  reasons.push(`${services} services and no compliance need for mTLS: enforce at the kernel first, without sidecars`);
  if (l7Needs) {
    reasons.push('route-level rules (HTTP method and path) are enforceable by Cilium L7 policies without a mesh');
  }
  if (canaries > 0 || trafficRules) {
    reasons.push('canaries, retries and timeouts still need client libraries or a mesh; revisit above ' +
      `${MESH_WORTH_IT_SERVICES} services`);
  }
  return { recommended: l7Needs || hostCalls ? 'cilium' : 'baseline', reasons, unmet: [] };
}

function phaseCosts(options: AssessOptions, pods: number, chain: Assessment['longestChain']): PhaseCost[] {
  return options.emitted.map(e => {
    const f = PHASE_FIGURES[e.phase] ?? { memoryMbPerPod: { low: 0, high: 0 }, latencyMsPerHop: { low: 0, high: 0 }, proxy: 'unknown' };
    return {
      phase: e.phase,
      proxy: f.proxy,
      proxyMemoryMb: { low: f.memoryMbPerPod.low * pods, high: f.memoryMbPerPod.high * pods },
      chainLatencyMs: { low: round(f.latencyMsPerHop.low * chain.hops), high: round(f.latencyMsPerHop.high * chain.hops) },
      objects: e.objects,
      error: e.error,
    };
  });
}

/**
 * Without a Sidecar resource every Envoy carries every service and external host;
 * with one, only its own dependencies plus the control plane.
 */
function istioScope(catalog: ResolvedCatalog, services: number): Assessment['istioScope'] {
  const hosts = new Set(catalog.services.flatMap(s => s.calls.flatMap(c => (c.kind === 'host' ? [c.host] : []))));
  const everything = services + hosts.size;
  const proxies = catalog.services;
  const withSidecar = proxies.map(s => serviceCallees(s).length + new Set(s.calls.flatMap(c => (c.kind === 'host' ? [c.host] : []))).size + 1);
  return { withoutSidecar: scope(proxies.map(() => everything)), withSidecar: scope(withSidecar) };
}

/** Assesses readiness and cost of every phase for the catalog's inventory. */
export function assess(catalog: ResolvedCatalog, options: AssessOptions): Assessment {
  const podsOf = (s: ResolvedService) => options.replicas?.[s.id] ?? s.replicas;
  const pods = catalog.services.reduce((sum, s) => sum + podsOf(s), 0);
  const chain = longestCallChain(catalog);
  const facts = inventoryFacts(catalog);
  return {
    services: facts.services,
    pods,
    longestChain: chain,
    answers: readinessAnswers(catalog.readiness, facts),
    ...recommendation(catalog.readiness, facts),
    costs: phaseCosts(options, pods, chain),
    istioScope: istioScope(catalog, facts.services),
  };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

function range(r: Range, unit: string): string {
  return r.low === r.high ? `${r.low} ${unit}` : `${r.low}–${r.high} ${unit}`;
}

/** The assessment as Markdown (also readable as text). */
export function formatAssessment(a: Assessment): string {
  const lines: string[] = [];
  lines.push(`# Mesh readiness: recommended phase **${a.recommended}**`, '');
  lines.push(...a.reasons.map(r => `- ${r}`));
  if (a.unmet.length > 0) {
    lines.push('', `Before adopting ${a.recommended}:`, ...a.unmet.map(u => `- [ ] ${u}`));
  }
  lines.push('', '## Readiness', '', '| question | answer | source |', '|---|---|---|');
  lines.push(...a.answers.map(q => `| ${q.question} | ${q.answer} | ${q.source} |`));
  lines.push('', `## Cost per phase (${a.services} services, ${a.pods} pods, longest call chain ${a.longestChain.hops} hops: ${a.longestChain.path.join(' → ') || 'none'}${a.longestChain.cyclesIgnored ? '; call cycles ignored' : ''})`, '');
  lines.push('| phase | proxy | proxy memory | added latency on the longest chain | objects |', '|---|---|---|---|---|');
  for (const c of a.costs) {
    lines.push(`| ${c.phase} | ${c.proxy} | ${range(c.proxyMemoryMb, 'MB')} | ${range(c.chainLatencyMs, 'ms')} | ${c.objects ?? `n/a: ${c.error}`} |`);
  }
  lines.push('', '## Istio configuration scope per proxy', '', '| | average | max |', '|---|---|---|');
  lines.push(`| without Sidecar scoping | ${a.istioScope.withoutSidecar.average} | ${a.istioScope.withoutSidecar.max} |`);
  lines.push(`| with Sidecar scoping | ${a.istioScope.withSidecar.average} | ${a.istioScope.withSidecar.max} |`);
  return lines.join('\n') + '\n';
}
