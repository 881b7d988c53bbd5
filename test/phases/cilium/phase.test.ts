import { Testing } from 'cdk8s';
import { checkPhaseReachability } from '../../../src/analysis/phases';
import { MeshLadderChart } from '../../../src/chart';
import { NamespaceLayer } from '../../../src/layers/namespaces';
import { ServiceCatalog } from '../../../src/model/catalog';
import { ALL_PHASES, Phase, parsePhase } from '../../../src/model/phase';
import { CiliumPhase } from '../../../src/phases/cilium';
import { validateWithCrdSchemas } from '../../support/crd-schemas';
import { issueExample } from '../../support/fixtures';
import { synthCilium } from '../../support/synth-cilium';
import { validateWithModels } from '../../support/validate-models';

const kinds = (manifests: any[]) => [...new Set(manifests.map(m => m.kind))].sort();

describe('CiliumPhase', () => {
  const manifests = synthCilium(issueExample);

  test('emits Namespaces, Cilium policies and the baseline certificates (same root as every phase), no NetworkPolicies', () => {
    expect(kinds(manifests)).toEqual(['Bundle', 'Certificate', 'CiliumNetworkPolicy', 'ClusterIssuer', 'Namespace']);
    expect(manifests.filter(m => m.kind === 'Namespace').map(m => m.metadata.name)).toEqual(['payments', 'shop']);
    expect(manifests.filter(m => m.kind === 'CiliumNetworkPolicy')).toHaveLength(4 + 5);
  });

  test('every object validates against its schema (CRD JSON Schema, kubernetes-models for core kinds)', () => {
    expect(validateWithCrdSchemas(manifests).problems).toEqual([]);
    expect(validateWithModels(manifests.filter(m => m.kind === 'Namespace'))).toEqual([]);
  });

  test('the schema check has teeth: a broken policy is reported (when ../shared is present)', () => {
    const broken = JSON.parse(JSON.stringify(manifests.find(m => m.metadata.name === 'charge')));
    broken.spec.ingress[0].toPorts[0].ports[0].protocol = 'HTTP';
    const validation = validateWithCrdSchemas([broken]);
    if (validation.checked) {
      expect(validation.problems.join('\n')).toMatch(/protocol/);
    } else {
      expect(validation.problems).toEqual([]);
    }
  });

  test('the phase-1 certificates are on by default and can be turned off', () => {
    expect(kinds(synthCilium(issueExample, { certificates: false }))).toEqual(['CiliumNetworkPolicy', 'Namespace']);
    const withCerts = synthCilium(issueExample, { certificates: true });
    expect(kinds(withCerts)).toEqual(['Bundle', 'Certificate', 'CiliumNetworkPolicy', 'ClusterIssuer', 'Namespace']);
    const certs = withCerts.filter(m => m.kind === 'Certificate' && !m.spec.isCA);
    expect(certs.map(c => `${c.metadata.namespace}/${c.metadata.name}`)).toContain('payments/charge');
    expect(validateWithModels(withCerts.filter(m => m.kind !== 'CiliumNetworkPolicy'))).toEqual([]);
    // The catalog's switch still wins.
    const off = synthCilium({ ...issueExample, certificates: { enabled: false } }, { certificates: true });
    expect(kinds(off)).toEqual(['CiliumNetworkPolicy', 'Namespace']);
  });

  test('options reach the policies: namespaces off, clusterwide default-deny, mutual auth, L7 off', () => {
    const out = synthCilium(issueExample, { namespaces: false, clusterwideDefaultDeny: true, mutualAuth: true, l7: false, policyLabels: { tier: 'x' }, certificates: false });
    expect(kinds(out)).toEqual(['CiliumClusterwideNetworkPolicy', 'CiliumNetworkPolicy']);
    const charge = out.find(m => m.metadata.name === 'charge')!;
    expect(charge.spec.ingress[0].authentication).toEqual({ mode: 'required' });
    expect(charge.spec.ingress[0].toPorts[0].rules).toBeUndefined();
    expect(out.every(m => m.metadata.labels.tier === 'x')).toBe(true);
    expect(validateWithCrdSchemas(out).problems).toEqual([]);
  });

  test('constructs expose their objects', () => {
    const chart = Testing.chart();
    const phase = new CiliumPhase(chart, 'p', { catalog: ServiceCatalog.fromSpec(issueExample) });
    expect(phase.namespaces).toBeInstanceOf(NamespaceLayer);
    expect(phase.namespaces!.namespace('shop')?.name).toBe('shop');
    expect(phase.namespaces!.namespace('kube-system')).toBeUndefined();
    expect(phase.policies.policyFor('shop/checkout')?.kind).toBe('CiliumNetworkPolicy');
    expect(phase.certificates?.rootCertificate?.name).toBe('mesh-ladder-root');
  });

  test('snapshot of the issue example (paired with the assertions above)', () => {
    expect(manifests).toMatchSnapshot();
  });
});

describe('the cilium phase in the chart and the registries', () => {
  test('is a rung of the ladder after baseline', () => {
    expect(parsePhase('cilium')).toBe(Phase.CILIUM);
    expect(ALL_PHASES.indexOf(Phase.CILIUM)).toBe(ALL_PHASES.indexOf(Phase.BASELINE) + 1);
  });

  test('MeshLadderChart synthesizes it with options and the phase label; the check proves it', () => {
    const catalog = ServiceCatalog.fromSpec(issueExample);
    const manifests = MeshLadderChart.manifests(catalog, Phase.CILIUM, { cilium: { mutualAuth: true } });
    expect(manifests.every(m => m.metadata.labels['mesh-ladder.dev/phase'] === 'cilium')).toBe(true);
    expect(manifests.find(m => m.metadata.name === 'charge').spec.ingress[0].authentication).toEqual({ mode: 'required' });
    const report = checkPhaseReachability(catalog._resolved, Phase.CILIUM, manifests);
    expect(report.evaluator).toBe('Cilium');
    expect(report.ok).toBe(true);
    expect(report.requests?.declared.length).toBeGreaterThan(0);
  });
});
