import { Chart, Testing } from 'cdk8s';
import { BaselineCertificates } from '../../src/layers/certificates';
import { ServiceCatalog } from '../../src/model/catalog';
import { CatalogSpec, CertificateDefaultsSpec, PortProtocol, RootRotationStage, ServiceSpec } from '../../src/model/types';
import { validateWithModels } from '../support/validate-models';

const HTTP = [{ name: 'http', port: 80, targetPort: 8080, protocol: PortProtocol.HTTP }];

/** Two namespaces, an opted-out service, a client-only workload, one overridden certificate. */
const SERVICES: ServiceSpec[] = [
  { name: 'frontend', ports: HTTP, exposed: true, calls: [{ service: 'payments/charge' }] },
  { name: 'charge', namespace: 'payments', ports: HTTP },
  { name: 'ledger', namespace: 'payments', ports: HTTP, certificate: { enabled: false } },
  {
    name: 'catalog',
    ports: HTTP,
    certificate: { secretName: 'catalog-serving', extraDnsNames: ['catalog.example.com'], duration: '90m', renewBefore: '30m' },
  },
  { name: 'loadgen', namespace: 'batch', clientOnly: true, calls: [{ service: 'shop/frontend' }] },
];

function catalogOf(certificates?: CertificateDefaultsSpec, services: ServiceSpec[] = SERVICES): ServiceCatalog {
  const spec: CatalogSpec = { namespace: 'shop', clusterDomain: 'corp.local', certificates, services };
  return ServiceCatalog.fromSpec(spec);
}

interface Synth {
  readonly construct: BaselineCertificates;
  readonly objects: any[];
}

function synth(catalog: ServiceCatalog, chartNamespace?: string): Synth {
  const chart = new Chart(Testing.app(), 'test', { namespace: chartNamespace });
  const construct = new BaselineCertificates(chart, 'certs', { catalog });
  return { construct, objects: Testing.synth(chart) };
}

function find(objects: any[], kind: string, name: string, namespace?: string): any {
  const found = objects.filter(o => o.kind === kind && o.metadata.name === name && o.metadata.namespace === namespace);
  expect(found).toHaveLength(1);
  return found[0];
}

function ids(objects: any[]): string[] {
  return objects.map(o => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`);
}

const CA_USAGES = ['cert sign', 'crl sign', 'digital signature'];

describe('generated hierarchy (defaults)', () => {
  const { construct, objects } = synth(catalogOf());

  test('emits root, intermediate, the service certificates and the bundle, in a fixed order', () => {
    expect(ids(objects)).toEqual([
      'ClusterIssuer /mesh-ladder-selfsigned',
      'Certificate cert-manager/mesh-ladder-root',
      'ClusterIssuer /mesh-ladder-root',
      'Certificate cert-manager/mesh-ladder-ca',
      'ClusterIssuer /mesh-ladder-ca',
      'Certificate payments/charge',
      'Certificate shop/catalog',
      'Certificate shop/frontend',
      'Bundle /mesh-ladder-ca-bundle',
    ]);
    expect(objects).toMatchSnapshot();
  });

  test('self-signed ClusterIssuer bootstraps a root whose key never rotates (cert-manager v1.21.1 PrivateKeyRotationPolicy Never)', () => {
    const selfSigned = find(objects, 'ClusterIssuer', 'mesh-ladder-selfsigned');
    expect(selfSigned.apiVersion).toBe('cert-manager.io/v1');
    expect(selfSigned.spec).toEqual({ selfSigned: {} });

    const root = find(objects, 'Certificate', 'mesh-ladder-root', 'cert-manager');
    expect(root.spec).toEqual({
      isCA: true,
      commonName: 'mesh-ladder-root',
      secretName: 'mesh-ladder-root',
      duration: '87600h',
      renewBefore: '8760h',
      usages: CA_USAGES,
      privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Never' },
      issuerRef: { name: 'mesh-ladder-selfsigned', kind: 'ClusterIssuer', group: 'cert-manager.io' },
    });
    expect(find(objects, 'ClusterIssuer', 'mesh-ladder-root').spec).toEqual({ ca: { secretName: 'mesh-ladder-root' } });
  });

  test('the intermediate is signed by the root and rotates its key freely', () => {
    const ca = find(objects, 'Certificate', 'mesh-ladder-ca', 'cert-manager');
    expect(ca.spec).toEqual({
      isCA: true,
      commonName: 'mesh-ladder-ca',
      secretName: 'mesh-ladder-ca',
      duration: '43800h',
      renewBefore: '8760h',
      usages: CA_USAGES,
      privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
      issuerRef: { name: 'mesh-ladder-root', kind: 'ClusterIssuer', group: 'cert-manager.io' },
    });
  });

  test('CA ClusterIssuer signs with the CA secret and issues every service certificate', () => {
    const ca = find(objects, 'Certificate', 'mesh-ladder-ca', 'cert-manager');
    const caIssuer = find(objects, 'ClusterIssuer', 'mesh-ladder-ca');
    expect(caIssuer.spec).toEqual({ ca: { secretName: ca.spec.secretName } });
    const leaves = objects.filter(o => o.kind === 'Certificate' && !o.spec.isCA);
    expect(leaves).toHaveLength(3);
    for (const leaf of leaves) {
      expect(leaf.spec.issuerRef).toEqual({ name: caIssuer.metadata.name, kind: 'ClusterIssuer', group: 'cert-manager.io' });
    }
  });

  test('service certificate: DNS names, usages, key, lifetime, labels', () => {
    const charge = find(objects, 'Certificate', 'charge', 'payments');
    expect(charge.metadata.labels).toEqual({
      'app.kubernetes.io/managed-by': 'cdk8s-mesh-ladder',
      'mesh-ladder.dev/service': 'charge',
    });
    expect(charge.spec.secretName).toBe('charge-tls');
    expect(charge.spec.dnsNames).toEqual([
      'charge',
      'charge.payments',
      'charge.payments.svc',
      'charge.payments.svc.corp.local',
    ]);
    expect(charge.spec.usages).toEqual(['digital signature', 'server auth', 'client auth']);
    expect(charge.spec.privateKey).toEqual({ algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' });
    expect(charge.spec.duration).toBe('2160h');
    expect(charge.spec.renewBefore).toBe('720h');
    expect(charge.spec.isCA).toBeUndefined();
  });

  test('per-service overrides: secret name, extra DNS names, Go-formatted lifetime', () => {
    const catalog = find(objects, 'Certificate', 'catalog', 'shop');
    expect(catalog.spec.secretName).toBe('catalog-serving');
    expect(catalog.spec.dnsNames).toEqual([
      'catalog',
      'catalog.shop',
      'catalog.shop.svc',
      'catalog.shop.svc.corp.local',
      'catalog.example.com',
    ]);
    expect(catalog.spec.duration).toBe('1h30m');
    expect(catalog.spec.renewBefore).toBe('30m');
  });

  test('opted-out and client-only services get no certificate', () => {
    expect(objects.filter(o => o.metadata.name === 'ledger' || o.metadata.name === 'loadgen')).toEqual([]);
    expect(construct.certificateFor('payments/ledger')).toBeUndefined();
    expect(construct.certificateFor('batch/loadgen')).toBeUndefined();
  });

  test('trust-manager Bundle copies the ROOT (never the rotating intermediate) into the namespaces that hold certificates', () => {
    const bundle = find(objects, 'Bundle', 'mesh-ladder-ca-bundle');
    expect(bundle.apiVersion).toBe('trust.cert-manager.io/v1alpha1');
    expect(bundle.spec.sources).toEqual([
      { secret: { name: 'mesh-ladder-root', key: 'tls.crt' } },
      { useDefaultCAs: false },
    ]);
    // `batch` only has the client-only workload (no certificate): not a target.
    expect(bundle.spec.target).toEqual({
      configMap: { key: 'ca.crt' },
      namespaceSelector: {
        matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['payments', 'shop'] }],
      },
    });
  });

  test('no PrometheusRule unless expiryAlert is set', () => {
    expect(objects.filter(o => o.kind === 'PrometheusRule')).toEqual([]);
    expect(construct.expiryRule).toBeUndefined();
  });

  test('escape hatches point at the emitted objects', () => {
    expect(construct.selfSignedIssuer?.name).toBe('mesh-ladder-selfsigned');
    expect(construct.rootCertificate?.name).toBe('mesh-ladder-root');
    expect(construct.rootIssuer?.name).toBe('mesh-ladder-root');
    expect(construct.nextRootCertificate).toBeUndefined();
    expect(construct.caCertificate?.name).toBe('mesh-ladder-ca');
    expect(construct.caCertificate?.metadata.namespace).toBe('cert-manager');
    expect(construct.caIssuer?.kind).toBe('ClusterIssuer');
    expect(construct.caIssuer?.name).toBe('mesh-ladder-ca');
    expect(construct.trustBundle?.name).toBe('mesh-ladder-ca-bundle');
    expect(construct.certificates.map(c => `${c.metadata.namespace}/${c.name}`)).toEqual(['payments/charge', 'shop/catalog', 'shop/frontend']);
    expect(construct.certificateFor('payments/charge')).toBe(construct.certificates[0]);
    expect(construct.leafIssuer).toEqual({ name: 'mesh-ladder-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' });
  });

  test('every object validates with @kubernetes-models and has a DNS-1123 name', () => {
    expect(validateWithModels(objects)).toEqual([]);
    for (const o of objects) {
      expect(o.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/);
    }
  });
});

test('the validator rejects invalid objects (so passing means something)', () => {
  const broken = {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: { name: 'x', namespace: 'y' },
    spec: { secretName: 'x-tls', issuerRef: { name: 'ca' }, usages: ['server-auth'], privateKey: { size: '256' } },
  };
  const problems = validateWithModels([broken]);
  expect(problems).toHaveLength(1);
  expect(problems[0]).toMatch(/^Certificate y\/x: .*usages\/0.*/);
  expect(problems[0]).toMatch(/privateKey\/size/);
});

test('custom caName and caNamespace name and place the whole chain', () => {
  const { objects } = synth(catalogOf({ caName: 'corp-root', caNamespace: 'pki', caDuration: '17520h', caRenewBefore: '2160h', duration: '720h', renewBefore: '240h' }));
  const ca = find(objects, 'Certificate', 'corp-root-ca', 'pki');
  expect(ca.spec.issuerRef.name).toBe('corp-root-root');
  expect(find(objects, 'Certificate', 'corp-root-root', 'pki').spec.issuerRef.name).toBe('corp-root-selfsigned');
  expect(ca.spec.duration).toBe('17520h');
  expect(ca.spec.renewBefore).toBe('2160h');
  expect(find(objects, 'ClusterIssuer', 'corp-root-selfsigned').spec.selfSigned).toEqual({});
  expect(find(objects, 'ClusterIssuer', 'corp-root-ca').spec.ca.secretName).toBe('corp-root-ca');
  expect(find(objects, 'Bundle', 'corp-root-ca-bundle').spec.sources[0].secret.name).toBe('corp-root-root');
  const charge = find(objects, 'Certificate', 'charge', 'payments');
  expect(charge.spec.issuerRef.name).toBe('corp-root-ca');
  expect(charge.spec.duration).toBe('720h');
  expect(charge.spec.renewBefore).toBe('240h');
});

describe('external issuerRef', () => {
  test('emits no CA objects and no Bundle; leaves use the given issuer', () => {
    const { construct, objects } = synth(catalogOf({ issuerRef: { name: 'vault-issuer' }, trustBundle: true }));
    expect(ids(objects)).toEqual(['Certificate payments/charge', 'Certificate shop/catalog', 'Certificate shop/frontend']);
    for (const leaf of objects) {
      expect(leaf.spec.issuerRef).toEqual({ name: 'vault-issuer', kind: 'ClusterIssuer', group: 'cert-manager.io' });
      expect(leaf.spec.isCA).toBeUndefined();
    }
    expect(construct.selfSignedIssuer).toBeUndefined();
    expect(construct.caCertificate).toBeUndefined();
    expect(construct.caIssuer).toBeUndefined();
    expect(construct.trustBundle).toBeUndefined();
    expect(construct.leafIssuer).toEqual({ name: 'vault-issuer', kind: 'ClusterIssuer', group: 'cert-manager.io' });
    expect(validateWithModels(objects)).toEqual([]);
  });

  test('a namespaced Issuer of another group is passed through as given', () => {
    const { objects } = synth(catalogOf({ issuerRef: { name: 'pca', kind: 'Issuer', group: 'awspca.cert-manager.io' } }));
    expect(find(objects, 'Certificate', 'frontend', 'shop').spec.issuerRef).toEqual({ name: 'pca', kind: 'Issuer', group: 'awspca.cert-manager.io' });
  });

  test('with expiryAlert the rule is still emitted (it covers every certificate)', () => {
    const { objects } = synth(catalogOf({ issuerRef: { name: 'vault-issuer' }, expiryAlert: true }));
    expect(ids(objects).filter(i => !i.startsWith('Certificate '))).toEqual(['PrometheusRule cert-manager/mesh-ladder-certificate-expiry']);
  });
});

test('disabled certificates emit nothing at all', () => {
  const { construct, objects } = synth(catalogOf({ enabled: false, expiryAlert: true, trustBundle: true }));
  expect(objects).toEqual([]);
  expect(construct.certificates).toEqual([]);
  expect(construct.leafIssuer).toBeUndefined();
  expect(construct.caIssuer).toBeUndefined();
  expect(construct.certificateFor('payments/charge')).toBeUndefined();
});

test('trustBundle: false keeps the chain but drops the Bundle', () => {
  const { objects } = synth(catalogOf({ trustBundle: false }));
  expect(objects.filter(o => o.kind === 'Bundle')).toEqual([]);
  expect(objects.filter(o => o.kind === 'ClusterIssuer')).toHaveLength(3);
});

test('no Bundle when no service has a certificate (an empty In selector is invalid)', () => {
  const { objects } = synth(catalogOf(undefined, [{ name: 'api', ports: HTTP, certificate: { enabled: false } }]));
  expect(ids(objects)).toEqual([
    'ClusterIssuer /mesh-ladder-selfsigned',
    'Certificate cert-manager/mesh-ladder-root',
    'ClusterIssuer /mesh-ladder-root',
    'Certificate cert-manager/mesh-ladder-ca',
    'ClusterIssuer /mesh-ladder-ca',
  ]);
});

test('client-only workload that opts in gets a client certificate', () => {
  const services: ServiceSpec[] = [
    { name: 'api', ports: HTTP },
    { name: 'loadgen', clientOnly: true, certificate: { enabled: true }, calls: [{ service: 'api' }] },
  ];
  const { objects } = synth(catalogOf(undefined, services));
  const loadgen = find(objects, 'Certificate', 'loadgen', 'shop');
  expect(loadgen.spec.usages).toEqual(['digital signature', 'client auth']);
  expect(loadgen.spec.secretName).toBe('loadgen-tls');
  expect(validateWithModels(objects)).toEqual([]);
});

describe('expiry alert', () => {
  const { construct, objects } = synth(catalogOf({ expiryAlert: true, expiryAlertBefore: '36h', alertRunbookUrl: 'https://runbooks.example.com/certs.md' }));
  const rule = find(objects, 'PrometheusRule', 'mesh-ladder-certificate-expiry', 'cert-manager');
  const rules = rule.spec.groups[0].rules;
  // cert-manager's metrics carry `namespace`; scraped through a ServiceMonitor it becomes `exported_namespace`.
  const withNs = (m: string) => `label_replace(label_replace(${m}, "certificate_namespace", "$1", "namespace", "(.*)"), "certificate_namespace", "$1", "exported_namespace", "(.+)")`;

  test('per certificate: not ready, renewal failing, expiring soon (only once past its renewal time)', () => {
    expect(rule.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(construct.expiryRule?.name).toBe('mesh-ladder-certificate-expiry');
    expect(rules.map((r: any) => [r.alert, r.for, r.labels.severity])).toEqual([
      ['CertificateNotReady', '10m', 'critical'],
      ['CertificateRenewalFailing', '15m', 'warning'],
      ['CertificateExpiringSoon', '5m', 'critical'],
    ]);
    expect(rules[0].expr).toBe(`${withNs('certmanager_certificate_ready_status{condition="False"}')} == 1`);
    expect(rules[1].expr).toBe(`time() - ${withNs('certmanager_certificate_renewal_timestamp_seconds')} > 3600`);
    expect(rules[2].expr).toBe(`(${withNs('certmanager_certificate_expiration_timestamp_seconds')} - time() < 129600) and on(name, certificate_namespace) (time() > ${withNs('certmanager_certificate_renewal_timestamp_seconds')})`);
  });

  test('annotations name the certificate by its own namespace and link the runbook section', () => {
    for (const r of rules) {
      expect(r.annotations.summary).toContain('{{ $labels.certificate_namespace }}/{{ $labels.name }}');
      expect(r.annotations.description).toContain('{{ $labels.certificate_namespace }}/{{ $labels.name }}');
      expect(r.annotations.runbook_url).toMatch(/^https:\/\/runbooks\.example\.com\/certs\.md#certificate-[a-z-]+$/);
    }
  });

  test('mesh identity CAs get their own critical renewal alert', () => {
    const chart = new Chart(Testing.app(), 'mesh');
    new BaselineCertificates(chart, 'certs', { catalog: catalogOf({ expiryAlert: true }), meshIdentityCertificates: ['linkerd/linkerd-identity-issuer'] });
    const meshRule = Testing.synth(chart).find((o: any) => o.kind === 'PrometheusRule').spec.groups[0].rules[3];
    expect(meshRule).toMatchObject({
      alert: 'MeshIdentityIssuerRenewalFailing',
      expr: `time() - ${withNs('certmanager_certificate_renewal_timestamp_seconds{name="linkerd-identity-issuer"}')} > 600`,
      labels: { severity: 'critical', mesh_identity: 'true' },
      annotations: { runbook_url: 'docs/certificates.md#mesh-identity-ca-not-renewed' },
    });
  });

  test('is emitted last and validates', () => {
    expect(objects[objects.length - 1]).toBe(rule);
    expect(validateWithModels(objects)).toEqual([]);
  });
});

test('a chart namespace does not leak onto cluster-scoped objects', () => {
  const { objects } = synth(catalogOf({ expiryAlert: true }), 'apps');
  const clusterScoped = objects.filter(o => o.kind === 'ClusterIssuer' || o.kind === 'Bundle');
  expect(clusterScoped).toHaveLength(4);
  for (const o of clusterScoped) {
    expect(o.metadata.namespace).toBeUndefined();
  }
  expect(find(objects, 'Certificate', 'mesh-ladder-ca', 'cert-manager').spec.isCA).toBe(true);
  expect(find(objects, 'Certificate', 'charge', 'payments')).toBeDefined();
  expect(find(objects, 'PrometheusRule', 'mesh-ladder-certificate-expiry', 'cert-manager')).toBeDefined();
});

test('output does not depend on the order services are declared in', () => {
  const forward = synth(catalogOf({ expiryAlert: true })).objects;
  const reversed = synth(catalogOf({ expiryAlert: true }, [...SERVICES].reverse())).objects;
  expect(reversed).toEqual(forward);
});

describe('staged root rotation', () => {
  const rotation = (stage: RootRotationStage) => synth(catalogOf({ rootRotation: { nextRoot: 'mesh-ladder-root-2', stage } })).objects;

  test('distribute: the next root joins the bundle; the current root still signs the intermediate', () => {
    const objects = rotation(RootRotationStage.DISTRIBUTE);
    const next = find(objects, 'Certificate', 'mesh-ladder-root-2', 'cert-manager');
    expect(next.spec.privateKey.rotationPolicy).toBe('Never');
    expect(next.spec.issuerRef.name).toBe('mesh-ladder-selfsigned');
    expect(find(objects, 'ClusterIssuer', 'mesh-ladder-root-2').spec).toEqual({ ca: { secretName: 'mesh-ladder-root-2' } });
    expect(find(objects, 'Certificate', 'mesh-ladder-ca', 'cert-manager').spec.issuerRef.name).toBe('mesh-ladder-root');
    expect(find(objects, 'Bundle', 'mesh-ladder-ca-bundle').spec.sources).toEqual([
      { secret: { name: 'mesh-ladder-root', key: 'tls.crt' } },
      { secret: { name: 'mesh-ladder-root-2', key: 'tls.crt' } },
      { useDefaultCAs: false },
    ]);
    expect(validateWithModels(objects)).toEqual([]);
  });

  test('issue: the next root signs the intermediate; both roots stay in the bundle', () => {
    const objects = rotation(RootRotationStage.ISSUE);
    expect(find(objects, 'Certificate', 'mesh-ladder-ca', 'cert-manager').spec.issuerRef.name).toBe('mesh-ladder-root-2');
    expect(find(objects, 'Bundle', 'mesh-ladder-ca-bundle').spec.sources.map((s: any) => s.secret?.name)).toEqual(['mesh-ladder-root', 'mesh-ladder-root-2', undefined]);
    // Leaves keep their issuer: only the intermediate moves.
    expect(find(objects, 'Certificate', 'charge', 'payments').spec.issuerRef.name).toBe('mesh-ladder-ca');
  });

  test('done: rootName names the new root, the old one is gone', () => {
    const { objects } = synth(catalogOf({ rootName: 'mesh-ladder-root-2' }));
    expect(objects.filter(o => o.metadata.name === 'mesh-ladder-root')).toEqual([]);
    expect(find(objects, 'Bundle', 'mesh-ladder-ca-bundle').spec.sources[0]).toEqual({ secret: { name: 'mesh-ladder-root-2', key: 'tls.crt' } });
  });

  test('bad rotation settings name the field', () => {
    expect(() => catalogOf({ rootRotation: { nextRoot: 'mesh-ladder-root', stage: RootRotationStage.ISSUE } })).toThrow(/certificates\.rootRotation\.nextRoot/);
    expect(() => catalogOf({ rootRotation: { nextRoot: 'next', stage: 'later' as RootRotationStage } })).toThrow(/certificates\.rootRotation\.stage.*distribute, issue/);
    expect(() => catalogOf({ rootName: 'mesh-ladder-ca' })).toThrow(/certificates\.rootName/);
    expect(() => catalogOf({ issuerRef: { name: 'vault' }, rootRotation: { nextRoot: 'next', stage: RootRotationStage.ISSUE } }))
      .toThrow(/certificates\.rootRotation: a root rotation replaces the generated root; with issuerRef there is none/);
  });
});
