import { injectedMesh, objectKey, systemOf, systemsIn } from '../../src/analysis/enforcement';
import { mergeManifests, planSteps, stepDisciplineViolation, verifyPlan } from '../../src/analysis/plan';
import { formatRequestFlow } from '../../src/analysis/requests';
import { formatPlanProblems } from '../../src/analysis/runbook';
import { MeshLadderChart } from '../../src/chart';
import { ServiceCatalog } from '../../src/model/catalog';
import { Phase } from '../../src/model/phase';
import { MeshMode } from '../../src/model/types';
import { MigrationPlan } from '../../src/plan';
import { issueExample } from '../support/fixtures';
import { exampleCases } from '../support/property-runs';

const shop = ServiceCatalog.fromFile(`${__dirname}/../../examples/shop/catalog.yaml`);
const issue = ServiceCatalog.fromSpec(issueExample);

const PAIRS: Array<[Phase, Phase, string[]]> = [
  [Phase.BASELINE, Phase.CILIUM, ['01-add-cilium', '02-remove-baseline']],
  [Phase.CILIUM, Phase.LINKERD, ['01-add-linkerd', '02-inject-linkerd', '03-enforce-linkerd', '04-prune-cilium']],
  [Phase.LINKERD, Phase.ISTIO, ['01-add-istio', '02-relax-linkerd', '03-switch-istio', '04-enforce-istio', '05-remove-linkerd', '06-prune-linkerd']],
  [Phase.BASELINE, Phase.ISTIO, ['01-add-istio', '02-inject-istio', '03-enforce-istio', '04-remove-baseline']],
  [Phase.ISTIO, Phase.CILIUM, ['01-add-cilium', '02-relax-istio', '03-uninject-istio', '04-remove-istio', '05-prune-istio']],
];

// Every pair on the two examples: plan-pairs-forward/rollback.test.ts.
// `npm test` plans every other pair here; `test:deep` (CI) all five.
describe.each([['issue example', issue]] as const)('migration plans for the %s', (_name, catalog) => {
  test.each(exampleCases(PAIRS, 2))('%s -> %s: the recipe, the discipline, every declared flow kept, nothing beyond the ends', (from, to, ids) => {
    const plan = MigrationPlan.create(catalog, from, to);
    expect(plan.steps.map(s => s.id)).toEqual(ids);
    for (const step of plan.steps) {
      expect({ id: step.id, missing: step.missing, beyond: step.beyond, discipline: step.discipline })
        .toEqual({ id: step.id, missing: [], beyond: [], discipline: undefined });
      expect(step.allowedCount).toBeGreaterThanOrEqual(plan.declaredCount);
    }
    expect(plan.ok).toBe(true);
    // The last step is exactly the target phase; the start exactly the current one.
    expect(plan.manifests(ids[ids.length - 1])).toEqual(MeshLadderChart.manifests(catalog, to));
    expect(plan.manifests(plan.startId)).toEqual(MeshLadderChart.manifests(catalog, from));
  });
});

describe('the recipe in detail (shop)', () => {
  test('baseline -> cilium: Cilium policies next to the NetworkPolicies, then the NetworkPolicies go', () => {
    const [add, remove] = MigrationPlan.create(shop, Phase.BASELINE, Phase.CILIUM)._steps;
    expect(systemsIn(add.objects)).toEqual(['networkpolicy', 'cilium']);
    expect(add.removed).toEqual([]);
    expect(add.addsSystems).toEqual(['cilium']);
    expect(systemsIn(remove.objects)).toEqual(['cilium']);
    expect(remove.added).toEqual([]);
    expect(new Set(remove.removed.map(o => o.kind))).toContain('NetworkPolicy');
    expect(remove.removesSystems).toEqual(['networkpolicy']);
  });

  test('cilium -> linkerd: configuration and 4143 first, injected permissive next, enforced next, Cilium L7 rules pruned last', () => {
    const [add, inject, enforce, prune] = MigrationPlan.create(shop, Phase.CILIUM, Phase.LINKERD)._steps;
    const ns = (objects: any[]) => objects.find(o => o.kind === 'Namespace' && o.metadata.name === 'shop');
    expect(ns(add.objects).metadata.annotations).toEqual({ 'config.linkerd.io/default-inbound-policy': 'all-unauthenticated' });
    expect(add.restartNamespaces).toEqual([]);
    expect(ns(inject.objects).metadata.annotations).toMatchObject({ 'linkerd.io/inject': 'enabled', 'config.linkerd.io/default-inbound-policy': 'all-unauthenticated' });
    expect(inject.restartNamespaces).toEqual(['payments', 'shop']);
    expect(inject.added.map(o => o.kind)).toEqual(['Namespace', 'Namespace']);
    expect(ns(enforce.objects).metadata.annotations['config.linkerd.io/default-inbound-policy']).toBe('all-authenticated');
    // While both overlap, the shared Cilium policy keeps cilium's L7 rules and gains the proxy port.
    const catalogPolicy = (objects: any[]) => objects.find(o => objectKey(o) === 'cilium.io/CiliumNetworkPolicy/shop/catalog');
    const hasL7 = (p: any) => JSON.stringify(p.spec.ingress).includes('"http"');
    expect(hasL7(catalogPolicy(add.objects))).toBe(true);
    expect(JSON.stringify(catalogPolicy(add.objects).spec.ingress)).toContain('"4143"');
    expect(hasL7(catalogPolicy(prune.objects))).toBe(false);
    expect(prune.kind).toBe('prune');
    expect(prune.removed).toEqual([]);
    expect(prune.addsSystems).toEqual(['cilium']);
  });

  test('linkerd -> istio: Linkerd relaxed first, then the switch only moves injection (both permissive)', () => {
    const steps = MigrationPlan.create(shop, Phase.LINKERD, Phase.ISTIO)._steps;
    const [add, relax, sw, enforce] = steps;
    expect(injectedMesh(add.objects.find(o => o.kind === 'Namespace'))).toBe('linkerd');
    expect(relax.kind).toBe('relax');
    expect(relax.removesSystems).toEqual(['linkerd']);
    expect(relax.addsSystems).toEqual([]);
    expect(relax.objects.filter(o => o.kind === 'Server').every(o => o.spec.accessPolicy === 'audit')).toBe(true);
    expect(injectedMesh(relax.objects.find(o => o.kind === 'Namespace'))).toBe('linkerd');
    expect(injectedMesh(sw.objects.find(o => o.kind === 'Namespace'))).toBe('istio');
    expect(sw.removesSystems).toEqual(['linkerd']);
    expect(sw.addsSystems).toEqual([]);
    const peer = (objects: any[]) => objects.filter(o => o.kind === 'PeerAuthentication').map(o => o.spec.mtls?.mode);
    expect(peer(sw.objects)).toContain('PERMISSIVE');
    expect(peer(enforce.objects)).not.toContain('PERMISSIVE');
    expect(steps.every(s => stepDisciplineViolation(s) === undefined)).toBe(true);
  });

  test('a rollout step that changes anything but Namespaces, or while a mesh enforces, breaks the discipline', () => {
    const steps = MigrationPlan.create(shop, Phase.BASELINE, Phase.LINKERD)._steps;
    const inject = steps.find(s => s.kind === 'inject')!;
    expect(stepDisciplineViolation(inject)).toBeUndefined();
    const server = steps[0].added.find(o => o.kind === 'Server');
    expect(stepDisciplineViolation({ ...inject, added: [...inject.added, server] }))
      .toMatch(/changes injection in payments, shop and other objects too \(Server .*\): a rollout step changes only Namespaces/);
    expect(stepDisciplineViolation({ ...inject, variant: 'enforced' })).toMatch(/changes injection in payments, shop while a mesh enforces/);
  });

  test('from and to the same phase is refused', () => {
    expect(() => planSteps('cilium', 'cilium', () => [])).toThrow(/same phase/);
  });
});

describe('a broken step fails the plan', () => {
  test('a synthesis that drops a Cilium policy from the target drops declared flows', () => {
    const synth = (phase: string) => MeshLadderChart.manifests(shop, phase as Phase)
      .filter(o => !(phase === 'cilium' && o.kind === 'CiliumNetworkPolicy' && o.metadata.name === 'checkout'));
    const plan = MigrationPlan._build(shop, Phase.BASELINE, Phase.CILIUM, synth);
    expect(plan.ok).toBe(false);
    const remove = plan.steps.find(s => s.id === '02-remove-baseline')!;
    expect(remove.ok).toBe(false);
    expect(remove.missing.some(f => f.startsWith('shop/checkout -> '))).toBe(true);
    expect(plan.problems.some(p => p.startsWith('02-remove-baseline: MISSING shop/checkout -> '))).toBe(true);
  });

  test('a step that opens more than either end shows flows beyond the ends', () => {
    const open = { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'allow-all', namespace: 'shop' }, spec: { endpointSelector: {}, ingress: [{ fromEntities: ['all'] }], egress: [{ toEntities: ['all'] }] } };
    const synth = (phase: string) => MeshLadderChart.manifests(shop, phase as Phase);
    const steps = planSteps('baseline', 'cilium', synth);
    const widened = [steps[0], { ...steps[1], objects: [...steps[1].objects, open] }];
    const verification = verifyPlan({ enforced: shop._resolved, permissive: shop._resolved }, 'baseline', 'cilium', synth('baseline'), synth('cilium'), widened);
    expect(verification.ok).toBe(false);
    expect(verification.steps[0].ok).toBe(true);
    expect(verification.steps[1].missing).toEqual([]);
    expect(verification.steps[1].beyond.length).toBeGreaterThan(0);
    expect(verification.steps[1].beyond.every(f => f.from.startsWith('shop/') || f.to.startsWith('shop/'))).toBe(true);
  });

  test('rolling a step back is proven where it passes through a state of its own', () => {
    const synth = (phase: string) => MeshLadderChart.manifests(shop, phase as Phase);
    const steps = planSteps('baseline', 'linkerd', synth);
    const verification = verifyPlan({ enforced: shop._resolved, permissive: shop._resolved }, 'baseline', 'linkerd', synth('baseline'), synth('linkerd'), steps);
    // The add step creates Linkerd's and Cilium's objects and changes the Namespaces: its rollback state is judged.
    expect(verification.steps[0].rollback).toEqual({ missing: [], missingRequests: [], beyond: [], ok: true });
    // A step whose created objects would drop flows next to the previous step's objects fails on its rollback.
    const denyAll = { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'deny-all', namespace: 'shop' }, spec: { endpointSelector: {}, ingressDeny: [{ fromEntities: ['all'] }] } };
    const broken = [{ ...steps[0], created: [...steps[0].created, denyAll] }, ...steps.slice(1)];
    const failed = verifyPlan({ enforced: shop._resolved, permissive: shop._resolved }, 'baseline', 'linkerd', synth('baseline'), synth('linkerd'), broken);
    expect(failed.steps[0].missing).toEqual([]);
    expect(failed.steps[0].rollback!.ok).toBe(false);
    expect(failed.ok).toBe(false);
    expect(formatPlanProblems(failed).some(p => /^01-add-linkerd \(rollback\): MISSING shop\//.test(p))).toBe(true);
  });

  test('a rollout over several namespaces is proven in each mixed state; switching meshes while Linkerd still enforces fails there', () => {
    const synth = (phase: string, variant: string) => MeshLadderChart.manifests(
      variant === 'permissive' ? ServiceCatalog.fromSpec({ ...shop.spec, linkerd: { ...shop.spec.linkerd, mode: MeshMode.PERMISSIVE }, istio: { ...shop.spec.istio, mode: MeshMode.PERMISSIVE } }) : shop,
      phase as Phase);
    const steps = planSteps('linkerd', 'istio', synth);
    const catalogs = { enforced: shop._resolved, permissive: shop._resolved };
    const good = verifyPlan(catalogs, 'linkerd', 'istio', synth('linkerd', 'enforced'), synth('istio', 'enforced'), steps);
    const sw = good.steps.find(v => v.id === '03-switch-istio')!;
    expect(sw.rollout).toEqual({ states: 2, missing: [], missingRequests: [], beyond: [], ok: true });
    // The same switch without relaxing Linkerd first: payments still on an enforcing Linkerd, shop already on Istio.
    const unrelaxed = mergeManifests(synth('linkerd', 'enforced'), synth('istio', 'permissive'), 'newer');
    const add = steps[0];
    const bad = verifyPlan(catalogs, 'linkerd', 'istio', synth('linkerd', 'enforced'), synth('istio', 'enforced'), [add, { ...steps[2], objects: unrelaxed }]);
    expect(bad.steps[1].rollout!.ok).toBe(false);
    // The connection still opens (Linkerd authorizes the declared kubelet probe path from
    // every network on that port), but the checkout's own requests are refused: a silent drop.
    expect(bad.steps[1].rollout!.missingRequests.map(formatRequestFlow)).toContain('shop/checkout -> payments/charge 8080/TCP POST /v1/charges');
    expect(formatPlanProblems(bad).some(p => p.startsWith('03-switch-istio (mid-rollout): MISSING request shop/checkout -> payments/charge 8080/TCP POST /v1/charges'))).toBe(true);
  });

  test('a step that removes one system while adding another breaks the discipline', () => {
    const np = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'a', namespace: 'shop' } };
    const cnp = { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'a', namespace: 'shop' } };
    const steps = planSteps('baseline', 'cilium', (phase: string) => (phase === 'baseline' ? [np] : [cnp]));
    expect(steps.map(s => stepDisciplineViolation(s))).toEqual([undefined, undefined]);
    const both = { ...steps[1], addsSystems: ['cilium' as const], removesSystems: ['networkpolicy' as const] };
    expect(stepDisciplineViolation(both)).toMatch(/removes networkpolicy enforcement while adding or changing cilium/);
  });
});

describe('merging two phases', () => {
  test('a policy both phases emit holds the rules of both; identical objects stay as they are', () => {
    const older = { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'x', namespace: 'n' }, spec: { endpointSelector: { matchLabels: { app: 'x' } }, ingress: [{ fromEndpoints: [{}] }] } };
    const newer = { ...older, spec: { ...older.spec, ingress: [{ fromEndpoints: [{}] }, { toPorts: [{ ports: [{ port: '4143' }] }] }] } };
    const [merged] = mergeManifests([older], [newer], 'newer');
    expect(merged.spec.ingress).toEqual([{ fromEndpoints: [{}] }, { toPorts: [{ ports: [{ port: '4143' }] }] }]);
    const otherSelector = { ...newer, spec: { ...newer.spec, endpointSelector: { matchLabels: { app: 'y' } } } };
    expect(mergeManifests([older], [otherSelector], 'newer')).toEqual([otherSelector]);
  });

  test('namespaces keep both phases\' labels, injected by one mesh only', () => {
    const linkerdNs = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n', annotations: { 'linkerd.io/inject': 'enabled' }, labels: { team: 'a' } } };
    const istioNs = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n', labels: { 'istio-injection': 'enabled' } } };
    expect(injectedMesh(mergeManifests([linkerdNs], [istioNs], 'older')[0])).toBe('linkerd');
    const switched = mergeManifests([linkerdNs], [istioNs], 'newer')[0];
    expect(injectedMesh(switched)).toBe('istio');
    expect(switched.metadata.labels).toEqual({ 'istio-injection': 'enabled', 'team': 'a' });
    expect(switched.metadata.annotations).toBeUndefined();
  });

  test('systems of objects', () => {
    expect(systemOf({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' })).toBe('networkpolicy');
    expect(systemOf({ apiVersion: 'cilium.io/v2', kind: 'CiliumClusterwideNetworkPolicy' })).toBe('cilium');
    expect(systemOf({ apiVersion: 'policy.linkerd.io/v1beta3', kind: 'Server' })).toBe('linkerd');
    expect(systemOf({ apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy' })).toBe('istio');
    expect(systemOf({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService' })).toBeUndefined();
    expect(systemsIn([{ kind: 'Namespace', metadata: { labels: { 'istio-injection': 'enabled' } } }])).toEqual(['istio']);
  });
});
