import { App, Testing } from 'cdk8s';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { MeshLadderChart } from '../src/chart';
import { issueExample } from './support/fixtures';
import { ServiceCatalog } from '../src/model/catalog';
import { Phase } from '../src/model/phase';
import { BaselinePhase } from '../src/phases/baseline';

const catalog = ServiceCatalog.fromSpec(issueExample);

function kinds(objects: any[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const o of objects) out[o.kind] = (out[o.kind] ?? 0) + 1;
  return out;
}

describe('MeshLadderChart', () => {
  test('labels every object with its phase and the managing library', () => {
    const objects = MeshLadderChart.manifests(catalog, Phase.BASELINE);
    expect(objects.length).toBeGreaterThan(0);
    for (const o of objects) {
      expect(o.metadata.labels).toMatchObject({ 'mesh-ladder.dev/phase': 'baseline', 'app.kubernetes.io/managed-by': 'cdk8s-mesh-ladder' });
    }
  });

  test('baseline emits namespaces, policies and the certificate hierarchy', () => {
    const objects = MeshLadderChart.manifests(catalog, Phase.BASELINE);
    expect(kinds(objects)).toEqual({
      Namespace: 2,
      NetworkPolicy: 2 * 2 + 5, // default-deny + allow-dns per namespace, one per service
      ClusterIssuer: 3, // self-signed, root, intermediate
      Certificate: 2 + 4, // root, intermediate and the four services (loadgen is client-only)
      Bundle: 1,
    });
    const shop = objects.find(o => o.kind === 'Namespace' && o.metadata.name === 'shop');
    expect(() => new Namespace(shop).validate()).not.toThrow();
  });

  test('baseline options pass through: no certificates, no namespaces', () => {
    const objects = MeshLadderChart.manifests(catalog, Phase.BASELINE, { baseline: { certificates: false, namespaces: false } });
    expect(kinds(objects)).toEqual({ NetworkPolicy: 9 });
  });

  test('same catalog, same bytes', () => {
    const a = JSON.stringify(MeshLadderChart.manifests(catalog, Phase.BASELINE));
    const b = JSON.stringify(MeshLadderChart.manifests(ServiceCatalog.fromSpec(issueExample), Phase.BASELINE));
    expect(a).toEqual(b);
  });

  test('can live in a user app next to other charts', () => {
    const app = new App();
    const chart = new MeshLadderChart(app, 'mesh', { catalog, phase: Phase.BASELINE, labels: { team: 'platform' } });
    expect(chart.phase).toBe(Phase.BASELINE);
    expect(chart.backend).toBeInstanceOf(BaselinePhase);
    expect(chart.toJson().every((o: any) => o.metadata.labels.team === 'platform')).toBe(true);
  });
});

describe('BaselinePhase on its own', () => {
  test('exposes its parts as escape hatches', () => {
    const chart = Testing.chart();
    const phase = new BaselinePhase(chart, 'baseline', { catalog });
    expect(phase.networkPolicies.policyFor('shop/frontend')).toBeDefined();
    expect(phase.namespaces?.namespace('payments')).toBeDefined();
    expect(phase.certificates?.certificateFor('payments/charge')).toBeDefined();
    phase.networkPolicies.policyFor('shop/frontend')!.metadata.addAnnotation('owner', 'web-team');
    const frontend = Testing.synth(chart).find((o: any) => o.kind === 'NetworkPolicy' && o.metadata.name === 'frontend');
    expect(frontend.metadata.annotations).toEqual({ owner: 'web-team' });
  });

  test('the catalog can switch certificates off', () => {
    const chart = Testing.chart();
    new BaselinePhase(chart, 'baseline', { catalog: ServiceCatalog.fromSpec({ ...issueExample, certificates: { enabled: false } }) });
    expect(Testing.synth(chart).filter((o: any) => o.apiVersion.startsWith('cert-manager.io'))).toEqual([]);
  });
});
