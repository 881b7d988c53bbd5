/**
 * The Markdown runbook of a migration plan: per step what to apply, what to watch (the
 * checks and metrics of the meshes in force), how to roll back; then the per-step flow
 * table and the target phase's graph.
 */
import { formatFlow } from './flows';
import { PlanStep, PlanVerification, StepVerdict } from './plan';

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

function restartLines(step: PlanStep): string[] {
  return step.restartNamespaces.map(ns => `kubectl rollout restart deployment,statefulset,daemonset -n ${ns}`);
}

function stepSection(step: PlanStep, verdict: StepVerdict | undefined, previousDir: string, systems: string[]): string {
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
  const watch = systems.flatMap(s => WATCH[s] ?? []);
  return [
    `## ${step.id}: ${step.title}`,
    '',
    `${step.objects.length} objects in force; ${step.added.length} added or changed, ${step.removed.length} removed.`
      + (step.restartNamespaces.length > 0 ? ` Injection changes in ${step.restartNamespaces.join(', ')}: restart their workloads.` : ''),
    verdict ? `Proof: ${verdict.evaluator}: ${verdict.allowed} flows allowed, ${verdict.missing.length} declared flows missing, ${verdict.beyond.length} beyond the ends: ${verdict.ok ? 'OK' : 'FAIL'}.` : '',
    '',
    'Apply (in order; `kubectl apply -k` does not prune, so deletions are explicit):',
    '',
    '```sh',
    ...apply,
    '```',
    '',
    'Watch (before the next step):',
    '',
    ...watch.map(w => `- ${w}`),
    '',
    'Roll back:',
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
    ...v.beyond.map(f => `${v.id}: BEYOND ${formatFlow(f)} (neither end allows it)`),
    ...(v.discipline ? [`${v.id}: DISCIPLINE ${v.discipline}`] : []),
  ]);
}

/** The whole runbook. `systemsOf` gives the enforcement systems in force after a step. */
export function renderRunbook(
  verification: PlanVerification,
  steps: readonly PlanStep[],
  systemsOf: (step: PlanStep) => string[],
  targetGraph: string,
): string {
  const { from, to } = verification;
  const problems = formatPlanProblems(verification);
  const sections = steps.map((step, i) => stepSection(step, verification.steps.find(v => v.id === step.id), i === 0 ? `00-start-${from}` : steps[i - 1].id, systemsOf(step)));
  return [
    `# Migration runbook: ${from} → ${to}`,
    '',
    `Generated by mesh-ladder. ${steps.length} steps; each directory is kustomize-ready and holds the FULL manifest set to have in force after the step,`,
    '`removed.yaml` (objects to delete) and `created.yaml` (objects new in the step, deleted on rollback). `00-start-' + from + '` is the current state.',
    '',
    'Run the commands from this directory.',
    '',
    'Rules the plan follows: new enforcement is added next to the old (a mesh first in permissive mode), then enforced, and only then is the old removed;',
    'no step removes one enforcement system while adding or changing another. Every step was evaluated with every enforcement system present ANDed,',
    `over the catalog's pods and probes: it allows every declared flow (${verification.declared.length}) and nothing that neither ${from} nor ${to} allows.`,
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
