/**
 * One descriptor per backend, in one registry (`src/backends.ts`): the synthesis half
 * (`phases/registry.ts`) and the analysis half (`analysis/backends.ts`) describe the same
 * phase, and what the analysis half says of a backend holds for what the synthesis half
 * emits (the objects it owns, the injection of its Namespaces, its own check).
 */
import { ANALYSIS_BACKENDS, ENFORCEMENT_SYSTEMS, injectionMarkers } from '../src/analysis/backends';
import { injectedMesh, systemOf, systemsIn } from '../src/analysis/enforcement';
import { highestPhaseOf, MESH_BACKENDS } from '../src/backends';
import { proveReachability } from '../src/catalog-analysis';
import { MeshLadderChart } from '../src/chart';
import { ServiceCatalog } from '../src/model/catalog';
import { ALL_PHASES, isMeshPhase, Phase } from '../src/model/phase';
import { MeshMode } from '../src/model/types';
import { IPhaseSynthesizer, MigrationPlan } from '../src/plan';

const shop = ServiceCatalog.fromFile(`${__dirname}/../examples/shop/catalog.yaml`);
/** The shop with both meshes permissive (what the library synthesizes a mesh's first steps from). */
const permissiveShop = ServiceCatalog.fromSpec({
  ...shop.spec, linkerd: { ...shop.spec.linkerd, mode: MeshMode.PERMISSIVE }, istio: { ...shop.spec.istio, mode: MeshMode.PERMISSIVE },
});

describe('the registry', () => {
  test.each(ALL_PHASES)('%s: both halves describe the phase they are registered under', phase => {
    const backend = MESH_BACKENDS[phase];
    expect([backend.phase, backend.synthesis.phase, backend.analysis.phase]).toEqual([phase, phase, phase]);
    expect(backend.analysis).toBe(ANALYSIS_BACKENDS[phase]);
  });

  test('every phase configures its own enforcement system, in ladder order', () => {
    expect(ALL_PHASES.map(p => MESH_BACKENDS[p].analysis.system)).toEqual(['networkpolicy', 'cilium', 'linkerd', 'istio']);
    expect(ENFORCEMENT_SYSTEMS).toEqual(['networkpolicy', 'cilium', 'linkerd', 'istio']);
  });

  test('the phases that inject a proxy are the meshes of the model (MESH_PHASES), and only they evaluate as meshes', () => {
    for (const phase of ALL_PHASES) {
      const analysis = MESH_BACKENDS[phase].analysis;
      expect([phase, analysis.injection !== undefined, analysis.authorization !== undefined, analysis.l4 === undefined])
        .toEqual([phase, isMeshPhase(phase), isMeshPhase(phase), isMeshPhase(phase)]);
    }
  });

  test('the injection markers are the ones of the mesh facts (Linkerd annotation, Istio labels)', () => {
    expect(injectionMarkers()).toEqual({ labels: ['istio-injection', 'istio.io/rev'], annotations: ['linkerd.io/inject'] });
    const ns = (labels: Record<string, string>, annotations: Record<string, string> = {}) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n', labels, annotations } });
    expect(injectedMesh(ns({ 'istio.io/rev': 'canary' }))).toBe('istio');
    expect(injectedMesh(ns({ 'istio.io/rev': 'canary', 'istio-injection': 'disabled' }))).toBeUndefined();
    expect(injectedMesh(ns({}, { 'linkerd.io/inject': 'enabled' }))).toBe('linkerd');
    expect(injectedMesh(ns({}, { 'linkerd.io/inject': 'disabled' }))).toBeUndefined();
    // Marked for both: read as Istio's.
    expect(injectedMesh(ns({ 'istio-injection': 'enabled' }, { 'linkerd.io/inject': 'enabled' }))).toBe('istio');
  });

  test('the highest rung a manifest set configures names its phase', () => {
    expect(highestPhaseOf([])).toBeUndefined();
    expect(highestPhaseOf(['networkpolicy'])).toBe(Phase.BASELINE);
    expect(highestPhaseOf(['networkpolicy', 'cilium'])).toBe(Phase.CILIUM);
    expect(highestPhaseOf(['cilium', 'linkerd'])).toBe(Phase.LINKERD);
    expect(highestPhaseOf(['networkpolicy', 'linkerd', 'istio'])).toBe(Phase.ISTIO);
  });
});

describe.each(ALL_PHASES)('what the %s backend emits, read by its analysis half', phase => {
  const synthesis = MeshLadderChart.synthesize(shop, phase);
  const analysis = MESH_BACKENDS[phase].analysis;

  test('it configures its own system, and the highest system present is its own', () => {
    const systems = systemsIn(synthesis.objects);
    expect(systems).toContain(analysis.system);
    expect(highestPhaseOf(systems)).toBe(phase);
    expect(synthesis.objects.some(o => analysis.owns(o))).toBe(true);
  });

  test('its Namespaces inject its proxies exactly when it is a mesh', () => {
    const namespaces = synthesis.objects.filter(o => o.kind === 'Namespace');
    expect(namespaces.length).toBeGreaterThan(0);
    const injected = [...new Set(namespaces.map(n => injectedMesh(n) ?? 'none'))];
    expect(injected).toEqual([isMeshPhase(phase) ? analysis.system : 'none']);
  });

  test('each object is owned by one system at most', () => {
    for (const obj of synthesis.objects) {
      const owners = ALL_PHASES.filter(p => MESH_BACKENDS[p].analysis.owns(obj));
      expect(owners.length).toBeLessThanOrEqual(1);
      expect(systemOf(obj)).toBe(owners.length === 1 ? MESH_BACKENDS[owners[0]].analysis.system : undefined);
    }
  });

  test('its own check proves what it emits', () => {
    expect(proveReachability(shop, phase, synthesis.objects).ok).toBe(true);
  });
});

describe('MigrationPlan with a synthesizer of your own', () => {
  test('the plan is built from what the synthesizer returns, asked for the permissive form of the mesh it adds', () => {
    const asked: string[] = [];
    const synthesizer: IPhaseSynthesizer = {
      synthesize: (phase, permissive) => {
        asked.push(`${phase}${permissive ? ' (permissive)' : ''}`);
        return MeshLadderChart.manifests(permissive ? permissiveShop : shop, phase);
      },
    };
    const own = MigrationPlan.create(shop, Phase.CILIUM, Phase.LINKERD, { synthesizer });
    const library = MigrationPlan.create(shop, Phase.CILIUM, Phase.LINKERD);
    expect([...new Set(asked)].sort()).toEqual(['cilium', 'linkerd', 'linkerd (permissive)']);
    expect(own.ok).toBe(true);
    expect(own.table).toBe(library.table);
    expect(own.steps.map(s => s.id)).toEqual(library.steps.map(s => s.id));
  });

  test('a hand-edited phase that drops a policy fails the plan at the step that would drop the calls', () => {
    const synthesizer: IPhaseSynthesizer = {
      synthesize: phase => MeshLadderChart.manifests(shop, phase)
        .filter(o => !(phase === Phase.CILIUM && o.kind === 'CiliumNetworkPolicy' && o.metadata.name === 'checkout')),
    };
    const plan = MigrationPlan.create(shop, Phase.BASELINE, Phase.CILIUM, { synthesizer });
    expect(plan.ok).toBe(false);
    expect(plan.problems.some(p => p.startsWith('02-remove-baseline: MISSING shop/checkout -> '))).toBe(true);
  });
});

