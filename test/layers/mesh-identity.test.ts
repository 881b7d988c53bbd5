import { Chart, Testing } from 'cdk8s';
import { MeshLadderChart } from '../../src/chart';
import { IstioIdentityCertificates, LinkerdIdentityCertificates } from '../../src/layers/mesh-identity';
import { ServiceCatalog } from '../../src/model/catalog';
import { ALL_PHASES, Phase } from '../../src/model/phase';
import { CatalogSpec, CertificateDefaultsSpec, RootRotationStage } from '../../src/model/types';
import { SHOP_CATALOG } from '../support/cli';
import { validateWithCrdSchemas } from '../support/crd-schemas';

function catalogOf(certificates?: CertificateDefaultsSpec): ServiceCatalog {
  const spec: CatalogSpec = { namespace: 'shop', trustDomain: 'corp.local', linkerd: { controlPlaneNamespace: 'linkerd-cp' }, certificates, services: [{ name: 'web', ports: [{ port: 80 }] }] };
  return ServiceCatalog.fromSpec(spec);
}

function synth(catalog: ServiceCatalog): any[] {
  const chart = new Chart(Testing.app(), 'test');
  new LinkerdIdentityCertificates(chart, 'linkerd', { catalog });
  new IstioIdentityCertificates(chart, 'istio', { catalog });
  return Testing.synth(chart);
}

const find = (objects: any[], kind: string, name: string) => objects.find(o => o.kind === kind && o.metadata.name === name);

describe('Linkerd identity through cert-manager (linkerd.io/2/tasks/automatically-rotating-control-plane-tls-credentials)', () => {
  const objects = synth(catalogOf());

  test('identity issuer: a CA Certificate in the control-plane namespace, signed by the root, 48h renewed 25h early', () => {
    const issuer = find(objects, 'Certificate', 'linkerd-identity-issuer');
    expect(issuer.metadata.namespace).toBe('linkerd-cp');
    expect(issuer.spec).toEqual({
      isCA: true,
      commonName: 'identity.linkerd-cp.corp.local',
      dnsNames: ['identity.linkerd-cp.corp.local'],
      secretName: 'linkerd-identity-issuer',
      duration: '48h',
      renewBefore: '25h',
      usages: ['cert sign', 'crl sign', 'server auth', 'client auth'],
      privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
      issuerRef: { name: 'mesh-ladder-root', kind: 'ClusterIssuer', group: 'cert-manager.io' },
    });
  });

  test('trust anchors: the roots, in ConfigMap linkerd-identity-trust-roots (key ca-bundle.crt) of the control plane', () => {
    const bundle = find(objects, 'Bundle', 'linkerd-identity-trust-roots');
    expect(bundle.metadata.namespace).toBeUndefined();
    expect(bundle.spec).toEqual({
      sources: [{ secret: { name: 'mesh-ladder-root', key: 'tls.crt' } }, { useDefaultCAs: false }],
      target: {
        configMap: { key: 'ca-bundle.crt' },
        namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['linkerd-cp'] }] },
      },
    });
  });

  test('Istio through istio-csr: the roots in ConfigMap istio-root-ca (key ca.pem) where istio-csr runs', () => {
    expect(find(objects, 'Bundle', 'istio-root-ca').spec.target).toEqual({
      configMap: { key: 'ca.pem' },
      namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['cert-manager'] }] },
    });
  });

  test('schema-valid against the upstream CRDs', () => {
    expect(validateWithCrdSchemas(objects).problems).toEqual([]);
  });

  test('during a root rotation both roots are anchors; at stage issue the next root signs the identity issuer', () => {
    const distribute = synth(catalogOf({ rootRotation: { nextRoot: 'next-root', stage: RootRotationStage.DISTRIBUTE } }));
    expect(find(distribute, 'Certificate', 'linkerd-identity-issuer').spec.issuerRef.name).toBe('mesh-ladder-root');
    for (const name of ['linkerd-identity-trust-roots', 'istio-root-ca']) {
      expect(find(distribute, 'Bundle', name).spec.sources.map((s: any) => s.secret?.name)).toEqual(['mesh-ladder-root', 'next-root', undefined]);
    }
    const issue = synth(catalogOf({ rootRotation: { nextRoot: 'next-root', stage: RootRotationStage.ISSUE } }));
    expect(find(issue, 'Certificate', 'linkerd-identity-issuer').spec.issuerRef.name).toBe('next-root');
  });

  test('nothing with an external issuer or with certificates off (the mesh keeps its own PKI)', () => {
    expect(synth(catalogOf({ issuerRef: { name: 'vault' } }))).toEqual([]);
    expect(synth(catalogOf({ enabled: false }))).toEqual([]);
  });
});

describe('one root of trust for the whole ladder', () => {
  const shop = ServiceCatalog.fromFile(SHOP_CATALOG);
  const byPhase = new Map(ALL_PHASES.map(p => [p, MeshLadderChart.manifests(shop, p)]));
  const withoutPhaseLabel = (o: any) => ({ ...o, metadata: { ...o.metadata, labels: { ...o.metadata.labels, 'mesh-ladder.dev/phase': undefined } } });
  const hierarchy = (objects: any[]) => objects
    .filter(o => ['ClusterIssuer', 'Bundle'].includes(o.kind) || (o.kind === 'Certificate' && o.metadata.namespace === 'cert-manager'))
    .filter(o => o.metadata.name.startsWith('shop-mesh'))
    .map(withoutPhaseLabel);

  test('every phase emits the same root, intermediate, issuers and app bundle', () => {
    const baseline = hierarchy(byPhase.get(Phase.BASELINE)!);
    expect(baseline.map(o => `${o.kind} ${o.metadata.name}`)).toEqual([
      'ClusterIssuer shop-mesh-selfsigned',
      'Certificate shop-mesh-root',
      'ClusterIssuer shop-mesh-root',
      'Certificate shop-mesh-ca',
      'ClusterIssuer shop-mesh-ca',
      'Bundle shop-mesh-ca-bundle',
    ]);
    for (const phase of ALL_PHASES) {
      expect(hierarchy(byPhase.get(phase)!)).toEqual(baseline);
    }
  });

  test('the mesh identity CAs are alerted on: Linkerd\'s issuer, and the intermediate istio-csr signs with', () => {
    const meshAlerts = (phase: Phase) => find(byPhase.get(phase)!, 'PrometheusRule', 'shop-mesh-certificate-expiry').spec.groups[0].rules
      .filter((r: any) => r.alert === 'MeshIdentityIssuerRenewalFailing').map((r: any) => r.annotations.summary);
    expect(meshAlerts(Phase.BASELINE)).toEqual([]);
    expect(meshAlerts(Phase.LINKERD)).toEqual(['Mesh identity CA linkerd/linkerd-identity-issuer is not being renewed']);
    expect(meshAlerts(Phase.ISTIO)).toEqual(['Mesh identity CA cert-manager/shop-mesh-ca is not being renewed']);
  });

  test('the mesh identity of linkerd and istio chains to that root; every phase is schema-valid', () => {
    const linkerd = byPhase.get(Phase.LINKERD)!;
    expect(find(linkerd, 'Certificate', 'linkerd-identity-issuer').spec.issuerRef.name).toBe('shop-mesh-root');
    expect(find(linkerd, 'Bundle', 'linkerd-identity-trust-roots').spec.sources[0].secret.name).toBe('shop-mesh-root');
    expect(find(byPhase.get(Phase.ISTIO)!, 'Bundle', 'istio-root-ca').spec.sources[0].secret.name).toBe('shop-mesh-root');
    for (const phase of ALL_PHASES) {
      const certObjects = byPhase.get(phase)!.filter(o => o.apiVersion.includes('cert-manager.io') || o.kind === 'PrometheusRule');
      expect(validateWithCrdSchemas(certObjects).problems).toEqual([]);
    }
  });
});
