/**
 * The Markdown runbook of a migration plan: per step what to apply, what to watch (the
 * checks and metrics of the meshes in force), how to roll back; then the per-step flow
 * table and the target phase's graph. When a step makes a mesh's mTLS strict, it lists the
 * ports that keep accepting plaintext (their callers are outside the mesh: the API server
 * calling webhooks, an unmeshed Prometheus scraping metrics, the world) and how to watch them.
 */
import { formatFlow } from './flows';
import { PlanStep, PlanVerification, StepVerdict } from './plan';
import { formatRequestFlow } from './requests';
import { ResolvedCatalog, ResolvedPeer } from '../model/resolved';

/** What to watch while a phase's enforcement is in force; commands and metric names as the projects document them. */
const WATCH: Record<string, string[]> = {
  networkpolicy: [
    'application error rates and timeouts of every caller (NetworkPolicy drops are silent: connections time out)',
    'the CNI\'s policy-drop logs (with Cilium as CNI: `hubble observe --verdict DROPPED`)',
  ],
  cilium: [
    '`hubble observe --verdict DROPPED` (and `--type l7` for HTTP 403s from L7 rules)',
    'drop metrics: `cilium_drop_count_total` by reason (`Policy denied`), `hubble_policy_verdicts_total` when Hubble metrics are on',
  ],
  linkerd: [
    '`linkerd check --proxy` (every workload has a healthy proxy)',
    '`linkerd viz authz -n <namespace> deploy/<name>`: authorized and unauthorized requests per Server and route',
    'authorization deny metrics of the proxies (`inbound_http_authz_deny_total`, `inbound_tcp_authz_deny_total`); in audit mode the proxy logs what it would deny',
  ],
  istio: [
    '`istioctl analyze -A` and `istioctl proxy-status` (every sidecar SYNCED)',
    '`istio_requests_total{response_code="403"}`: requests refused by authorization',
    'before STRICT: `istio_requests_total` by `connection_security_policy`: no traffic left with `connection_security_policy="none"` (plaintext)',
  ],
};

/** The signals that say a step went wrong and should be rolled back, per kind of step. */
const GO_BACK_IF: Record<string, string> = {
  add: 'drops or denials appear that were not there before (the new policies are added next to the old, so nothing should be refused)',
  relax: 'anything is refused after relaxing (relaxing only lets more through); more likely: the rollout of the next step is not ready yet, then simply stay here',
  inject: 'pods do not become Ready with their proxy, or callers see connection errors while workloads restart',
  switch: 'pods do not become Ready with the new proxy, or callers see connection errors while workloads restart',
  uninject: 'pods do not become Ready, or callers see connection errors while workloads restart',
  enforce: 'the mesh refuses requests it allowed in permissive mode (authorization denials, plaintext refused)',
  remove: 'drops appear that were not there before (what is removed should no longer be needed)',
  prune: 'drops or 403s appear that were not there before',
};

function restartLines(step: PlanStep): string[] {
  return step.restartNamespaces.map(ns => `kubectl rollout restart deployment,statefulset,daemonset -n ${ns}`);
}

/** A port that accepts plaintext under strict mTLS, and the peers outside the mesh that call it. */
export interface PlaintextException {
  readonly service: string;
  /** `name (port)` or the number. */
  readonly port: string;
  /** Unmeshed peers calling the port; empty when the catalog declares the port plaintext. */
  readonly peers: ResolvedPeer[];
}

/** Every port a mesh must leave open to plaintext, in catalog order. */
export function plaintextExceptions(catalog: ResolvedCatalog): PlaintextException[] {
  return catalog.services.flatMap(s => s.ports.filter(p => p.plaintext).map(port => {
    const peers = s.callers.filter(c => !c.peer.meshed && c.ports.includes(port)).map(c => c.peer);
    const unique = [...new Map(peers.map(p => [p.name, p])).values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const number = port.targetPort !== port.port ? `${port.port} → ${port.targetPort}` : String(port.port);
    return { service: s.id, port: port.name ? `${port.name} (${number})` : number, peers: unique };
  }));
}

/** The exceptions of a step that makes mTLS strict, and what to watch so they keep working. */
function plaintextSection(exceptions: readonly PlaintextException[]): { lines: string[]; watch: string[] } {
  if (exceptions.length === 0) {
    return { lines: [], watch: [] };
  }
  const lines = [
    'Ports that keep accepting plaintext once mTLS is strict (their callers are outside the mesh; the mesh makes a port-level exception):',
    '',
    ...exceptions.map(e => `- ${e.service} port ${e.port}: ${e.peers.length > 0 ? e.peers.map(p => p.name).join(', ') : 'declared plaintext'}`),
    '',
  ];
  const peers = exceptions.flatMap(e => e.peers);
  const watch: string[] = [];
  if (peers.some(p => p.kind === 'kube-apiserver')) {
    watch.push('webhooks and aggregated APIs stay reachable from the API server: `apiserver_admission_webhook_rejection_count{error_type="calling_webhook_error"}` does not rise '
      + '(webhooks with failurePolicy: Fail; API requests then fail with "failed calling webhook"), and `kubectl get apiservices` shows every APIService Available');
  }
  if (peers.some(p => p.name === 'monitoring')) {
    watch.push('Prometheus still scrapes the metrics ports: no target turns `up == 0` (Status → Targets)');
  }
  const others = [...new Set(peers.filter(p => p.kind !== 'kube-apiserver' && p.name !== 'monitoring').map(p => p.name))].sort();
  if (others.length > 0) {
    watch.push(`callers outside the mesh (${others.join(', ')}) still connect: their error rates, and the proxies' counts of plaintext connections on the ports above`);
  }
  return { lines, watch };
}

/** Whether a step turns on a mesh's strict mTLS (plans inject a mesh permissive first, then enforce it). */
function makesMtlsStrict(step: PlanStep): boolean {
  return step.kind === 'enforce';
}

function stepSection(
  step: PlanStep, verdict: StepVerdict | undefined, previousDir: string, systems: string[], exceptions: readonly PlaintextException[],
): string {
  const dir = step.id;
  const apply = [`kubectl apply -k ${dir}`];
  if (step.removed.length > 0) {
    apply.push(`kubectl delete -f ${dir}/removed.yaml --ignore-not-found`);
  }
  apply.push(...restartLines(step));
  const rollback = [`kubectl apply -k ${previousDir}`];
  if (step.created.length > 0) {
    rollback.push(`kubectl delete -f ${dir}/created.yaml --ignore-not-found`);
  }
  rollback.push(...restartLines(step));
  const plaintext = makesMtlsStrict(step) ? plaintextSection(exceptions) : { lines: [], watch: [] };
  const watch = [...systems.flatMap(s => WATCH[s] ?? []), ...plaintext.watch];
  return [
    `## ${step.id}: ${step.title}`,
    '',
    `${step.objects.length} objects in force; ${step.added.length} added or changed, ${step.removed.length} removed.`
      + (step.restartNamespaces.length > 0 ? ` Injection changes in ${step.restartNamespaces.join(', ')}: restart their workloads.` : ''),
    verdict ? `Proof: ${verdict.evaluator}: ${verdict.allowed} flows allowed, ${verdict.missing.length} declared flows missing, ${verdict.beyond.length} beyond the ends: ${verdict.ok ? 'OK' : 'FAIL'}.` : '',
    ...(verdict?.rollout
      ? [`Mid-rollout: ${verdict.rollout.states} mixed states (some namespaces restarted, the others not yet) proven too: ${verdict.rollout.ok ? 'OK' : 'FAIL'}.`]
      : []),
    '',
    'Apply (in order; `kubectl apply -k` does not prune, so deletions are explicit):',
    '',
    '```sh',
    ...apply,
    '```',
    '',
    ...plaintext.lines,
    'Watch (before the next step):',
    '',
    ...watch.map(w => `- ${w}`),
    '',
    'Stop here: the state after this step is proven on its own, so you may stay at this step as long as you need.'
      + (step.restartNamespaces.length > 0 ? ' Let the restarts finish (`kubectl rollout status`) before going on.' : ''),
    `Go back if ${GO_BACK_IF[step.kind] ?? 'flows that worked before fail'}.`,
    '',
    'Roll back (to the previous step' + (verdict?.rollback ? `; the state while rolling back was proven too: ${verdict.rollback.ok ? 'OK' : 'FAIL'}` : '') + '):',
    '',
    '```sh',
    ...rollback,
    '```',
    '',
  ].join('\n');
}

/** The per-step table: step, objects, added, removed, declared, allowed, missing, beyond the ends, verdict. */
export function formatPlanTable(verification: PlanVerification, markdown: boolean): string {
  const header = ['step', 'enforced by', 'objects', 'added', 'removed', 'declared', 'allowed', 'missing', 'beyond ends', 'L7 refused/undeclared', 'verdict'];
  const rows = [verification.start, ...verification.steps].map(v => [
    v.id, v.evaluator, String(v.objects), String(v.added), String(v.removed), String(v.declared), String(v.allowed),
    String(v.missing.length), String(v.beyond.length),
    v.requests ? `${v.requests.refusedDeclared}/${v.requests.allowedUndeclared} of ${v.requests.probed}` : '-',
    v.ok ? 'OK' : 'FAIL',
  ]);
  if (markdown) {
    const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
    return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n') + '\n';
  }
  const table = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...table.map(r => r[i].length)));
  return table.map(r => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n') + '\n';
}

/** Every problem, one line each: MISSING, BEYOND, DISCIPLINE. */
export function formatPlanProblems(verification: PlanVerification): string[] {
  return [verification.start, ...verification.steps].flatMap(v => [
    ...v.missing.map(f => `${v.id}: MISSING ${formatFlow(f)}`),
    ...v.missingRequests.map(r => `${v.id}: MISSING request ${formatRequestFlow(r)}`),
    ...v.beyond.map(f => `${v.id}: BEYOND ${formatFlow(f)} (neither end allows it)`),
    ...(v.discipline ? [`${v.id}: DISCIPLINE ${v.discipline}`] : []),
    ...(v.rollback?.missing ?? []).map(f => `${v.id} (rollback): MISSING ${formatFlow(f)}`),
    ...(v.rollback?.missingRequests ?? []).map(r => `${v.id} (rollback): MISSING request ${formatRequestFlow(r)}`),
    ...(v.rollback?.beyond ?? []).map(f => `${v.id} (rollback): BEYOND ${formatFlow(f)} (neither end allows it)`),
    ...(v.rollout?.missing ?? []).map(f => `${v.id} (mid-rollout): MISSING ${formatFlow(f)}`),
    ...(v.rollout?.missingRequests ?? []).map(r => `${v.id} (mid-rollout): MISSING request ${formatRequestFlow(r)}`),
    ...(v.rollout?.beyond ?? []).map(f => `${v.id} (mid-rollout): BEYOND ${formatFlow(f)} (neither end allows it)`),
  ]);
}

/**
 * The whole runbook. `systemsOf` gives the enforcement systems in force after a step; with
 * the catalog, steps that make a mesh's mTLS strict list the plaintext exceptions.
 */
export function renderRunbook(
  verification: PlanVerification,
  steps: readonly PlanStep[],
  systemsOf: (step: PlanStep) => string[],
  targetGraph: string,
  catalog?: ResolvedCatalog,
  scope?: readonly string[],
): string {
  const { from, to } = verification;
  const problems = formatPlanProblems(verification);
  const exceptions = catalog ? plaintextExceptions(catalog) : [];
  const sections = steps.map((step, i) => stepSection(
    step, verification.steps.find(v => v.id === step.id), i === 0 ? `00-start-${from}` : steps[i - 1].id, systemsOf(step), exceptions));
  return [
    `# Migration runbook: ${from} → ${to}`,
    '',
    ...(scope ? [`Scope: the namespaces ${scope.join(', ')} move to ${to}; the others stay on ${from}. Across the boundary each side admits the other's pods`
      + ' as unmeshed peers (by network, on the ports they call; plaintext accepted on those ports in a mesh). Every step is proven over the whole catalog.', ''] : []),
    `Generated by mesh-ladder. ${steps.length} steps; each directory is kustomize-ready and holds the FULL manifest set to have in force after the step,`,
    '`removed.yaml` (objects to delete) and `created.yaml` (objects new in the step, deleted on rollback). `00-start-' + from + '` is the current state.',
    '',
    'Run the commands from this directory.',
    '',
    'Rules the plan follows: new enforcement is added next to the old (a mesh first in permissive mode), then enforced, and only then is the old removed;',
    'no step removes one enforcement system while adding or changing another. Injection changes in a step of its own that changes only Namespaces,',
    'with every mesh involved permissive and the L4 allowances of both (proxy ports, control plane) in place from the step before until the step after:',
    'workloads restart one by one, so meshed and unmeshed pods meet. Every step was evaluated over the catalog\'s pods and probes with NetworkPolicies',
    'and Cilium policies added up (Cilium enforces both) and each mesh\'s authorization on top:',
    `it allows every declared flow (${verification.declared.length}) and nothing that neither ${from} nor ${to} allows.`,
    '',
    `Result: ${verification.ok ? 'OK' : 'FAIL'}`,
    '',
    formatPlanTable(verification, true),
    ...(problems.length > 0 ? ['Problems:', '', ...problems.map(p => `- ${p}`), ''] : []),
    ...(verification.handover.length > 0
      ? [`Handed over by design (declared by one end only, refused by the other): ${verification.handover.length} flows, e.g. ${verification.handover.slice(0, 3).map(formatFlow).join('; ')}.`, '']
      : []),
    ...sections,
    `## Target: ${to}`,
    '',
    targetGraph,
  ].join('\n');
}
