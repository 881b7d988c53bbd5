import { renewalTime } from '../../src/analysis/cert-objects';
import { CertificateTimeline, CertificateTimelineOptions } from '../../src/analysis/certs';
import { proveCertificates, years } from '../../src/certificate-proof';
import { CertificateTimeProof } from '../../src/certificate-time-proof';
import { MeshLadderChart } from '../../src/chart';
import { ServiceCatalog } from '../../src/model/catalog';
import { ALL_PHASES, Phase } from '../../src/model/phase';
import { RootRotationStage } from '../../src/model/types';
import { SHOP_CATALOG } from '../support/cli';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const shop = ServiceCatalog.fromFile(SHOP_CATALOG);
const baseline = MeshLadderChart.manifests(shop, Phase.BASELINE);

/** Consumers as the proof derives them for the shop (app bundle in each namespace a service talks to). */
const CONSUMERS_OF = (manifests: any[]): CertificateTimelineOptions['consumers'] => Object.fromEntries(
  manifests.filter(m => m.kind === 'Certificate' && !m.spec.isCA)
    .map(m => [`${m.metadata.namespace}/${m.metadata.name}`, ['payments', 'shop'].map(namespace => ({ namespace, bundle: 'shop-mesh-ca-bundle' }))]),
);

function timeline(manifests: any[], horizonMs: number): CertificateTimeline {
  return new CertificateTimeline([{ atMs: 0, label: 'given', manifests }], {
    horizonMs,
    clusterResourceNamespace: 'cert-manager',
    trustNamespace: 'cert-manager',
    consumers: CONSUMERS_OF(manifests),
  });
}

/**
 * What the baseline phase emitted before the hierarchy: one self-signed CA, its key
 * rotated at renewal (`rotationPolicy: Always`), as the trust bundle's only source (`ca.crt`).
 */
function oldLayout(): any[] {
  return JSON.parse(JSON.stringify(baseline))
    .filter((m: any) => m.metadata.name !== 'shop-mesh-root')
    .map((m: any) => {
      if (m.kind === 'Certificate' && m.metadata.name === 'shop-mesh-ca') {
        m.spec.issuerRef.name = 'shop-mesh-selfsigned';
      }
      if (m.kind === 'Bundle') {
        m.spec.sources = [{ secret: { name: 'shop-mesh-ca', key: 'ca.crt' } }, { useDefaultCAs: false }];
      }
      return m;
    });
}

describe('cert-manager renewal time (cert-manager/cert-manager pkg/util/pki/renewaltime.go, v1.21.1)', () => {
  test('renewBefore when shorter than the lifetime, else renewBeforePercentage, else a third', () => {
    expect(renewalTime(0, 90 * 24 * HOUR, { renewBeforeMs: 30 * 24 * HOUR })).toBe(60 * 24 * HOUR);
    // renewBefore not shorter than the actual lifetime is ignored: a third of it.
    expect(renewalTime(0, 90 * HOUR, { renewBeforeMs: 90 * HOUR })).toBe(60 * HOUR);
    expect(renewalTime(0, 100 * HOUR, { renewBeforePercentage: 25 })).toBe(75 * HOUR);
    expect(renewalTime(0, 100 * HOUR, { renewBeforePercentage: 100 })).toBe(Math.floor(100 * HOUR * 2 / 3 / 1000) * 1000);
  });
});

describe('the old layout fails at its first CA renewal (cert-manager/cert-manager#2478, cert-manager/trust-manager#560)', () => {
  const proof = timeline(oldLayout(), years(10)).run();

  test('names the leaf signed by the old CA key, the consumer and the instant trust flipped', () => {
    expect(proof.ok).toBe(false);
    const failure = proof.failure!;
    // The CA renews at 43800h - 8760h with a new key; 10m later its Secret holds it and
    // 10m after that the Bundle in every namespace holds only the new CA.
    expect(failure.atMs).toBe((43800 - 8760) * HOUR + 20 * MINUTE);
    expect(failure.kind).toBe('untrusted');
    // The first leaf checked whose chain ends at the old key (charge: 720h, renewed every 480h + 10m).
    expect(failure.leaf).toBe('Certificate payments/charge');
    expect(failure.consumer).toEqual({ namespace: 'payments', bundle: 'shop-mesh-ca-bundle' });
    // The leaf was signed by the first CA key; the bundle now holds only the renewed CA's new key.
    const oldKey = /signed by (key-\d+)/.exec(failure.chain[0])![1];
    expect(proof.events).toContainEqual(expect.stringMatching(new RegExp(`issued Certificate cert-manager/shop-mesh-ca #1 \\(${oldKey}, signed by ${oldKey},`)));
    expect(failure.anchors).toEqual([expect.stringMatching(/^Certificate cert-manager\/shop-mesh-ca #2 \((key-\d+), signed by \1,/)]);
    expect(failure.anchors[0]).not.toContain(`(${oldKey},`);
    expect(failure.message).toMatch(/no anchor in Bundle shop-mesh-ca-bundle .* signed any certificate of the chain/);
  });

  test('the same CA renewed with rotationPolicy Never keeps its key, and trust holds', () => {
    const kept = oldLayout().map(m => (m.kind === 'Certificate' && m.metadata.name === 'shop-mesh-ca'
      ? { ...m, spec: { ...m.spec, privateKey: { ...m.spec.privateKey, rotationPolicy: 'Never' } } } : m));
    expect(timeline(kept, years(10)).run().failure).toBeUndefined();
  });
});

describe('the shop passes in every phase over ten years with a root rotation', () => {
  test.each(ALL_PHASES)('%s', phase => {
    const proof = proveCertificates(shop, phase, { horizonMs: years(10) });
    expect(proof.failure).toBeUndefined();
    expect(proof.ok).toBe(true);
    expect(proof.stages.map(s => s.label)).toEqual([
      'the catalog as given',
      'root rotation: distribute shop-mesh-root-next',
      'root rotation: shop-mesh-root-next signs the intermediates',
      'root rotation: retire shop-mesh-root (rootName: shop-mesh-root-next)',
    ]);
    // The intermediate was reissued by the new root, so the rotation really happened.
    expect(proof.events.some(e => /issued Certificate cert-manager\/shop-mesh-ca #\d+/.test(e) && e.startsWith('day 1826'))).toBe(true);
    expect(proof.notes).toEqual([]);
  });

  test('the default horizon is two root lifetimes; the root renews (same key) in the second', () => {
    const proof = proveCertificates(shop, Phase.BASELINE);
    expect(proof.horizonMs).toBe(2 * 87600 * HOUR);
    expect(proof.ok).toBe(true);
    // The new root (issued at 5y) renews 9 years later, keeping its key.
    expect(proof.events.filter(e => /issued Certificate cert-manager\/shop-mesh-root-next #2 /.test(e))).toHaveLength(1);
  });
});

describe('the proof has teeth', () => {
  test('an overlap shorter than the leaves lets the old root go while its leaves are in use', () => {
    // Mid-rotation (distribute), the next root signs a day later and the old root goes a day after that.
    const spec = { ...shop.spec, certificates: { ...shop.spec.certificates, rootRotation: { nextRoot: 'shop-mesh-root-2', stage: RootRotationStage.DISTRIBUTE, overlap: '24h' } } };
    const proof = proveCertificates(ServiceCatalog.fromSpec(spec), Phase.BASELINE, { horizonMs: years(1) });
    expect(proof.ok).toBe(false);
    expect(proof.failure!.atMs).toBe(48 * HOUR + 10 * MINUTE);
    expect(proof.failure!.chain.join(' ')).toMatch(/shop-mesh-ca #1/);
    expect(proof.failure!.anchors.every(a => a.includes('shop-mesh-root-2'))).toBe(true);
  });

  test('signing with the new root before every consumer has it breaks Linkerd proxies first', () => {
    const proof = proveCertificates(shop, Phase.LINKERD, { horizonMs: years(10), rootDistributionMs: 0 });
    expect(proof.ok).toBe(false);
    expect(proof.failure!.leaf).toBe('Linkerd proxy certificates');
    expect(proof.failure!.consumer).toEqual({ namespace: 'linkerd', bundle: 'linkerd-identity-trust-roots' });
    expect(proof.failure!.atMs).toBe(years(5) + 10 * MINUTE);
  });

  test('a leaf whose chain outlives its intermediate fails when the intermediate expires', () => {
    const short = JSON.parse(JSON.stringify(baseline)).map((m: any) => (m.kind === 'Certificate' && m.metadata.name === 'shop-mesh-ca'
      ? { ...m, spec: { ...m.spec, duration: '2400h', renewBefore: '24h' } } : m));
    const proof = timeline(short, years(1)).run();
    expect(proof.failure?.kind).toBe('expired');
    expect(proof.failure!.message).toMatch(/shop-mesh-ca #1 .* in the chain has expired/);
    expect(proof.failure!.atMs).toBe(2400 * HOUR - 5 * MINUTE);
  });

  test('a consumer namespace the Bundle does not reach is a failure at once', () => {
    const narrow = JSON.parse(JSON.stringify(baseline)).map((m: any) => (m.kind === 'Bundle'
      ? { ...m, spec: { ...m.spec, target: { ...m.spec.target, namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } } } } } : m));
    const proof = timeline(narrow, years(1)).run();
    expect(proof.failure).toMatchObject({ atMs: 0, kind: 'untrusted', consumer: { namespace: 'payments' } });
    expect(proof.failure!.message).toBe('Bundle shop-mesh-ca-bundle does not reach namespace payments');
  });

  test('an external issuer is noted, not verified', () => {
    const spec = { ...shop.spec, certificates: { ...shop.spec.certificates, issuerRef: { name: 'vault' } } };
    const proof = proveCertificates(ServiceCatalog.fromSpec(spec), Phase.BASELINE, { horizonMs: years(1) });
    expect(proof.ok).toBe(true);
    expect(proof.stages).toHaveLength(1);
    expect(proof.notes[0]).toMatch(/issued by ClusterIssuer vault \(cert-manager.io\), which is not emitted/);
  });

  test('same input, same result', () => {
    const a = proveCertificates(shop, Phase.ISTIO, { horizonMs: years(6) });
    const b = proveCertificates(shop, Phase.ISTIO, { horizonMs: years(6) });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });
});

describe('CertificateTimeProof (the jsii API)', () => {
  test('carries the verdict, the stages and the report mesh-ladder certs prints', () => {
    const ok = CertificateTimeProof.prove(shop, Phase.CILIUM, { horizonMs: years(6) });
    expect(ok.ok).toBe(true);
    expect(ok.failureAtMs).toBeUndefined();
    expect(ok.stages[1]).toBe('day 1825 (5y 0d) 00:00: root rotation: distribute shop-mesh-root-next');
    expect(ok.report).toMatch(/^certs cilium: 6 years simulated, \d+ issuances, \d+ instants checked\n/);
    expect(ok.report).toMatch(/\ncerts: OK\n$/);
    const failing = CertificateTimeProof.prove(shop, Phase.LINKERD, { horizonMs: years(6), rootDistributionMs: 0 });
    expect(failing.ok).toBe(false);
    expect(failing.failedLeaf).toBe('Linkerd proxy certificates');
    expect(failing.failureAtMs).toBe(years(5) + 10 * MINUTE);
    expect(failing.report).toContain('FAILED at day 1825 (5y 0d) 00:10: Linkerd proxy certificates is untrusted for namespace linkerd (Bundle linkerd-identity-trust-roots)');
  });
});
