import { lintPhase } from '../../src/analysis/lint';
import { ServiceCatalog } from '../../src/model/catalog';
import { ALL_PHASES, Phase } from '../../src/model/phase';
import { CertificateDefaultsSpec, RootRotationStage, ServiceSpec } from '../../src/model/types';
import { SHOP_CATALOG } from '../support/cli';

const SERVICES: ServiceSpec[] = [
  { name: 'web', ports: [{ port: 80 }], calls: [{ service: 'pay/api' }] },
  { name: 'api', namespace: 'pay', ports: [{ port: 80 }] },
];

function catalog(certificates: CertificateDefaultsSpec, services = SERVICES): ServiceCatalog {
  return ServiceCatalog.fromSpec({ namespace: 'shop', certificates, services });
}

/** Findings of one rule, as `severity subject: message`. */
function findings(rule: string, c: ServiceCatalog, phase = Phase.BASELINE): string[] {
  return lintPhase(c._resolved, phase, []).findings.filter(f => f.rule === rule).map(f => `${f.severity} ${f.subject}: ${f.message}`);
}

describe('certificate window lint rules', () => {
  test('the shop is clean in every phase', () => {
    const shop = ServiceCatalog.fromFile(SHOP_CATALOG);
    for (const phase of ALL_PHASES) {
      const ids = new Set(['renew-before-too-short', 'renew-before-under-retries', 'renew-before-under-alert', 'intermediate-renews-too-late',
        'root-shorter-than-intermediate', 'root-overlap-too-short', 'leaf-issuer-not-cluster-wide']);
      expect(lintPhase(shop._resolved, phase, []).findings.filter(f => ids.has(f.rule))).toEqual([]);
    }
  });

  test('renew-before-too-short (error) and renew-before-under-retries (warning; cert-manager backoff 1h, 2h, 4h ... 32h, v1.21.1)', () => {
    const tight = catalog({ duration: '24h', renewBefore: '30m', caRenewBefore: '8760h' });
    expect(findings('renew-before-too-short', tight)).toEqual([
      'error certificates (catalog defaults): renewBefore 30m: when issuing the next certificate takes longer (issuer slow, Secret propagation, clock skew), the certificate is used past its expiry',
      expect.stringMatching(/^error service pay\/api certificate api-tls: renewBefore 30m/),
      expect.stringMatching(/^error service shop\/web certificate web-tls: renewBefore 30m/),
    ]);
    expect(findings('renew-before-under-retries', catalog({ duration: '24h', renewBefore: '3h' }))[0]).toMatch(/^warning certificates \(catalog defaults\): renewBefore 3h: cert-manager retries/);
    expect(findings('renew-before-under-retries', catalog({ duration: '24h', renewBefore: '8h' }))).toEqual([]);
    // The generated CAs are windows too.
    expect(findings('renew-before-too-short', catalog({ rootRenewBefore: '10m' }))).toEqual([expect.stringMatching(/^error root mesh-ladder-root: renewBefore 10m/)]);
  });

  test('renew-before-under-alert: only with expiryAlert', () => {
    expect(findings('renew-before-under-alert', catalog({ renewBefore: '120h', expiryAlert: true, expiryAlertBefore: '168h' }))[0])
      .toMatch(/^warning certificates \(catalog defaults\): renewBefore 120h is within expiryAlertBefore 168h/);
    expect(findings('renew-before-under-alert', catalog({ renewBefore: '120h' }))).toEqual([]);
  });

  test('intermediate-renews-too-late: a leaf signed just before the intermediate renews outlives it (cert-manager/cert-manager#2478)', () => {
    const late = catalog({ duration: '2160h', renewBefore: '720h', caDuration: '43800h', caRenewBefore: '720h' });
    expect(findings('intermediate-renews-too-late', late)[0]).toMatch(/^error certificates \(catalog defaults\): the intermediate mesh-ladder-ca is renewed 720h before it expires, but a leaf it signs stays in use 1440h/);
    expect(findings('intermediate-renews-too-late', catalog({ caRenewBefore: '1441h' }))).toEqual([]);
  });

  test('root-shorter-than-intermediate', () => {
    expect(findings('root-shorter-than-intermediate', catalog({ rootDuration: '43800h' }))).toEqual([
      'error root mesh-ladder-root: the root lives 43800h, no longer than the intermediate mesh-ladder-ca (43800h): intermediates outlive the root that anchors them',
    ]);
    expect(findings('root-shorter-than-intermediate', catalog({ rootDuration: '43801h' }))).toEqual([]);
  });

  test('root-overlap-too-short: error under what is in use, warning under the longest leaf; Linkerd proxies count in the linkerd phase', () => {
    const rotation = (overlap: string) => catalog({ rootRotation: { nextRoot: 'next', stage: RootRotationStage.ISSUE, overlap } });
    expect(findings('root-overlap-too-short', rotation('1000h'))).toEqual([expect.stringMatching(/^error root rotation to next: the overlap 1000h ends while .* is still in use \(up to 1440h/)]);
    expect(findings('root-overlap-too-short', rotation('2000h'))).toEqual([expect.stringMatching(/^warning root rotation to next: the overlap 2000h is shorter than the longest leaf duration 2160h/)]);
    expect(findings('root-overlap-too-short', rotation('2160h'))).toEqual([]);
    const shortLeaves = catalog({ duration: '10h', renewBefore: '5h', caRenewBefore: '8760h', rootRotation: { nextRoot: 'next', stage: RootRotationStage.ISSUE, overlap: '10h' } });
    expect(findings('root-overlap-too-short', shortLeaves, Phase.BASELINE)).toEqual([]);
    expect(findings('root-overlap-too-short', shortLeaves, Phase.LINKERD)).toEqual([expect.stringMatching(/^error .* linkerd workload certificates signed under the old root is still in use \(up to 16\.8h/)]);
  });

  test('leaf-issuer-not-cluster-wide: a namespaced Issuer for leaves in two namespaces', () => {
    expect(findings('leaf-issuer-not-cluster-wide', catalog({ issuerRef: { name: 'ca', kind: 'Issuer' } }))).toEqual([
      'error issuer ca: leaves live in pay, shop, but an Issuer exists in one namespace only: Certificates in the other namespaces never become ready',
    ]);
    expect(findings('leaf-issuer-not-cluster-wide', catalog({ issuerRef: { name: 'ca', kind: 'Issuer' } }, [{ ...SERVICES[0], calls: [{ service: 'api' }] }, { ...SERVICES[1], namespace: 'shop' }]))).toEqual([]);
    expect(findings('leaf-issuer-not-cluster-wide', catalog({ issuerRef: { name: 'ca' } }))).toEqual([]);
  });
});
