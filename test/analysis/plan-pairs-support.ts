import { injectedMesh, systemOf } from '../../src/analysis/enforcement';
import { PlanStep } from '../../src/analysis/plan';
import { MeshLadderChart } from '../../src/chart';
import { ServiceCatalog } from '../../src/model/catalog';
import { isMeshPhase, Phase } from '../../src/model/phase';
import { MigrationPlan } from '../../src/plan';

/**
 * Every ordered pair of the four phases, forward and rollback, on both examples: every
 * step keeps every declared flow, allows nothing beyond the union of the two ends and
 * keeps the discipline; transitional allowances come before the rollout that needs them
 * and go after it. Shared by plan-pairs-forward and plan-pairs-rollback (split so that
 * each suite stays well under a minute).
 */
const PHASES = [Phase.BASELINE, Phase.CILIUM, Phase.LINKERD, Phase.ISTIO];
/** Up the ladder (forward) or down it (rollback). */
export function pairs(direction: 'forward' | 'rollback'): Array<[Phase, Phase]> {
  return PHASES.flatMap((from, i) => PHASES.filter((_, j) => (direction === 'forward' ? j > i : j < i)).map(to => [from, to] as [Phase, Phase]));
}
export const EXAMPLES: Array<[string, ServiceCatalog]> = [
  ['minimal', ServiceCatalog.fromFile(`${__dirname}/../../examples/minimal/catalog.yaml`)],
  ['shop', ServiceCatalog.fromFile(`${__dirname}/../../examples/shop/catalog.yaml`)],
];

/** The recipe's kinds in order; `remove` and `prune` are left out when they change nothing. */
function expectedKinds(from: Phase, to: Phase): { all: string[]; optional: string[] } {
  const fromMesh = isMeshPhase(from);
  const toMesh = isMeshPhase(to);
  const rollout = fromMesh && toMesh ? ['switch'] : toMesh ? ['inject'] : fromMesh ? ['uninject'] : [];
  return {
    all: ['add', ...(fromMesh ? ['relax'] : []), ...rollout, ...(toMesh ? ['enforce'] : []), 'remove', 'prune'],
    optional: ['remove', 'prune'],
  };
}

/** Whether a mesh is permissive in a manifest set: Linkerd's Servers audit, Istio accepts plaintext and only dry-runs authorization. */
function permissive(mesh: string, objects: readonly any[]): boolean {
  if (mesh === 'linkerd') {
    const servers = objects.filter(o => o.kind === 'Server' && systemOf(o) === 'linkerd');
    const namespaces = objects.filter(o => injectedMesh(o) === 'linkerd' || o.metadata?.annotations?.['config.linkerd.io/default-inbound-policy']);
    return namespaces.length > 0 && servers.every(s => s.spec.accessPolicy === 'audit')
      && namespaces.every(n => n.metadata.annotations['config.linkerd.io/default-inbound-policy'] === 'all-unauthenticated');
  }
  const peer = objects.filter(o => o.kind === 'PeerAuthentication');
  const authz = objects.filter(o => o.kind === 'AuthorizationPolicy' && systemOf(o) === 'istio');
  return peer.length > 0 && peer.every(p => p.spec?.mtls?.mode !== 'STRICT')
    && authz.every(a => a.metadata.annotations?.['istio.io/dry-run'] === 'true');
}

function injectingMeshes(objects: readonly any[]): Set<string> {
  return new Set(objects.map(injectedMesh).filter((m): m is 'linkerd' | 'istio' => m !== undefined));
}

/** Plans `from -> to` and checks everything the issue asks of a plan (see the module notes). */
export function expectSafePlan(catalog: ServiceCatalog, from: Phase, to: Phase): MigrationPlan {
  const plan = MigrationPlan.create(catalog, from, to);
  for (const step of plan.steps) {
    expect({ id: step.id, missing: step.missing, beyond: step.beyond, discipline: step.discipline, ok: step.ok })
      .toEqual({ id: step.id, missing: [], beyond: [], discipline: undefined, ok: true });
    expect(step.allowedCount).toBeGreaterThanOrEqual(plan.declaredCount);
  }
  expect(plan.ok).toBe(true);
  expect(plan.declaredCount).toBeGreaterThan(0);
  // Rolling a step back passes through proven states only.
  expect(plan._verification.steps.filter(v => v.rollback && !v.rollback.ok).map(v => v.id)).toEqual([]);

  // The recipe: each required kind once, in order.
  const kinds = plan.steps.map(s => s.kind);
  const { all, optional } = expectedKinds(from, to);
  expect(kinds).toEqual(all.filter(k => kinds.includes(k)));
  expect(all.filter(k => !optional.includes(k)).every(k => kinds.includes(k))).toBe(true);
  expect(plan.manifests(plan.steps[plan.steps.length - 1].id)).toEqual(MeshLadderChart.manifests(catalog, to));
  expect(plan.manifests(plan.startId)).toEqual(MeshLadderChart.manifests(catalog, from));

  // Injection changes in exactly one step (when a mesh is involved), which changes only
  // Namespaces; every mesh injecting before or after it is permissive there, so pods
  // restarted one by one still reach each other; its L4 allowances were in place the
  // step before and stay until the step after.
  const steps: PlanStep[] = plan._steps;
  const rollouts = steps.filter(s => s.restartNamespaces.length > 0);
  expect(rollouts.length).toBe(isMeshPhase(from) || isMeshPhase(to) ? 1 : 0);
  for (const rollout of rollouts) {
    const i = steps.indexOf(rollout);
    const before = i === 0 ? plan._start : steps[i - 1].objects;
    expect(rollout.removed).toEqual([]);
    expect(rollout.added.every(o => o.kind === 'Namespace')).toBe(true);
    const meshes = new Set([...injectingMeshes(before), ...injectingMeshes(rollout.objects)]);
    expect(meshes.size).toBeGreaterThan(0);
    for (const mesh of meshes) {
      expect({ mesh, permissive: permissive(mesh, rollout.objects) }).toEqual({ mesh, permissive: true });
      expect({ mesh, permissiveBefore: permissive(mesh, before) }).toEqual({ mesh, permissiveBefore: true });
    }
    const l4 = (objects: readonly any[]) => JSON.stringify(objects.filter(o => systemOf(o) === 'networkpolicy' || systemOf(o) === 'cilium'));
    expect(l4(rollout.objects)).toBe(l4(before));
    // No L4 allowance (NetworkPolicy or Cilium policy) goes before the rollout is over.
    const l4Removed = steps.slice(0, i + 1).flatMap(s => s.removed).filter(o => systemOf(o) === 'networkpolicy' || systemOf(o) === 'cilium');
    expect(l4Removed).toEqual([]);
  }
  return plan;
}
