/**
 * The shop synthesized for each supported release line (src/model/releases.ts): the
 * apiVersions each phase emits, the fields a release lacks, the degradations reported, the
 * refusals, and the reachability proof at that release. ../shared is not needed:
 * scripts/validate-releases.ts validates the same output against each release's schemas.
 */
import { Testing } from 'cdk8s';
import { checkPhaseReachability } from '../../src/analysis/phases';
import { MeshLadderChart, PhaseSynthesis } from '../../src/chart';
import { PhaseCapabilityError } from '../../src/emit/common';
import { ServiceCatalog } from '../../src/model/catalog';
import { Phase } from '../../src/model/phase';
import { CatalogSpec, L7Fallback, PlatformSpec } from '../../src/model/types';
import { IstioPhase } from '../../src/phases/istio';
import { LinkerdPhase } from '../../src/phases/linkerd';
import { SHOP_CATALOG } from '../support/cli';
import { synthCilium } from '../support/synth-cilium';

const shop = ServiceCatalog.fromFile(SHOP_CATALOG);
const cache = new Map<string, PhaseSynthesis>();
function synth(phase: Phase, platform: PlatformSpec, catalog = shop): PhaseSynthesis {
  const key = `${phase} ${JSON.stringify(platform)}`;
  if (catalog !== shop || !cache.has(key)) {
    const result = MeshLadderChart.synthesize(catalog, phase, { platform });
    if (catalog !== shop) {
      return result;
    }
    cache.set(key, result);
  }
  return cache.get(key)!;
}
const versionsOf = (objects: any[], kind: string) => [...new Set(objects.filter(o => o.kind === kind).map(o => o.apiVersion))].sort();
const proven = (phase: Phase, platform: PlatformSpec) => {
  const retargeted = shop.withPlatform(platform);
  return checkPhaseReachability(retargeted._resolved, phase, synth(phase, platform).objects);
};

describe('Linkerd release lines', () => {
  test.each(['2.16', '2.17'])('Linkerd %s: gateway routes at v1beta1 / GRPCRoute v1alpha2, no gateway v1, no HTTPRoute timeouts; the proof holds', linkerd => {
    const { objects, degradations } = synth(Phase.LINKERD, { linkerd });
    expect(objects.filter(o => o.apiVersion === 'gateway.networking.k8s.io/v1')).toEqual([]);
    expect(versionsOf(objects, 'HTTPRoute')).toEqual(['gateway.networking.k8s.io/v1beta1', 'policy.linkerd.io/v1beta3']);
    expect(versionsOf(objects, 'GRPCRoute')).toEqual(['gateway.networking.k8s.io/v1alpha2']);
    expect(versionsOf(objects, 'Server')).toEqual(['policy.linkerd.io/v1beta3']);
    const gatewayRoutes = objects.filter(o => o.apiVersion.startsWith('gateway.networking.k8s.io/'));
    expect(gatewayRoutes.length).toBeGreaterThan(0);
    expect(gatewayRoutes.filter(o => o.spec.rules.some((r: any) => r.timeouts))).toEqual([]);
    // The version timeout still reaches Linkerd, through its annotation.
    const twin = objects.find(o => o.metadata.name === 'catalog-http-v2-outbound');
    expect(twin.metadata.annotations['timeout.linkerd.io/request']).toBeDefined();
    expect(degradations).toEqual([]);
    const report = proven(Phase.LINKERD, { linkerd });
    expect(report.missing).toEqual([]);
    expect(report.unexpected).toEqual([]);
  });

  test('Linkerd 2.18 (the default): Gateway API v1 routes, the version timeout in the rule too; byte-identical to no platform', () => {
    const { objects } = synth(Phase.LINKERD, { linkerd: '2.18' });
    expect(versionsOf(objects, 'GRPCRoute')).toEqual(['gateway.networking.k8s.io/v1']);
    expect(objects.find(o => o.metadata.name === 'catalog-http-v2-outbound').spec.rules[0].timeouts).toBeDefined();
    expect(JSON.stringify(MeshLadderChart.manifests(shop, Phase.LINKERD))).toBe(JSON.stringify(objects));
  });

  test('a Gateway API installed apart decides the route versions: 1.2 gives v1 on Linkerd 2.18, 0.7 gives v1beta1 / v1alpha2', () => {
    expect(versionsOf(synth(Phase.LINKERD, { gatewayApi: '1.2' }).objects, 'GRPCRoute')).toEqual(['gateway.networking.k8s.io/v1']);
    const old = synth(Phase.LINKERD, { gatewayApi: '0.7' }).objects;
    expect(versionsOf(old, 'HTTPRoute')).toEqual(['gateway.networking.k8s.io/v1beta1', 'policy.linkerd.io/v1beta3']);
    expect(versionsOf(old, 'GRPCRoute')).toEqual(['gateway.networking.k8s.io/v1alpha2']);
    expect(versionsOf(synth(Phase.LINKERD, { linkerd: '2.17', gatewayApi: '1.0' }).objects, 'GRPCRoute')).toEqual(['gateway.networking.k8s.io/v1alpha2']);
  });

  test('Linkerd 2.16/2.17 read GRPCRoute v1alpha2: with a Gateway API that no longer serves it, gRPC routes are refused, saying why', () => {
    for (const gatewayApi of ['1.1', '1.2']) {
      expect(() => synth(Phase.LINKERD, { linkerd: '2.17', gatewayApi }))
        .toThrow(new RegExp(`Linkerd 2\\.17's policy controller reads GRPCRoute v1alpha2, which Gateway API ${gatewayApi.replace('.', '\\.')} \\(standard channel, platform\\.gatewayApi\\) does not serve`));
    }
  });
});

describe('Istio release lines', () => {
  test('Istio 1.22: v1 everywhere, no reset-before-request; the route keeps its other pre-request conditions, reported', () => {
    const { objects, degradations } = synth(Phase.ISTIO, { istio: '1.22' });
    const istioObjects = objects.filter(o => /istio\.io\//.test(o.apiVersion));
    expect(istioObjects.length).toBeGreaterThan(0);
    expect(istioObjects.filter(o => !o.apiVersion.endsWith('/v1'))).toEqual([]);
    expect(JSON.stringify(objects)).not.toContain('reset-before-request');
    const cart = objects.find(o => o.kind === 'VirtualService' && o.metadata.name === 'cart');
    const addItem = cart.spec.http.filter((r: any) => r.name === 'add-item');
    expect(addItem.length).toBeGreaterThan(0);
    addItem.forEach((r: any) => expect(r.retries.retryOn).toBe('connect-failure,refused-stream'));
    // Every route still carries explicit retries (none falls back to Istio's defaults).
    for (const vs of objects.filter(o => o.kind === 'VirtualService')) {
      vs.spec.http.forEach((r: any) => expect(r.retries).toBeDefined());
    }
    expect(degradations.filter(d => d.includes('reset-before-request'))).toEqual([
      'shop/cart route add-item: retryOn reset-before-request is accepted from Istio 1.23 (platform.istio is 1.22; istiod would reject the whole VirtualService and Istio\'s default retries would apply): retried on connect-failure,refused-stream only',
    ]);
    const report = proven(Phase.ISTIO, { istio: '1.22' });
    expect(report.missing).toEqual([]);
    expect(report.unexpected).toEqual([]);
  });

  test('Istio 1.24: reset-before-request kept, nothing degraded', () => {
    const { objects, degradations } = synth(Phase.ISTIO, { istio: '1.24' });
    expect(JSON.stringify(objects)).toContain('reset-before-request');
    expect(degradations).toEqual([]);
  });

  test('Istio 1.22 under l7Fallback: refuse: refused with the route and the reason; only reset-before-request: attempts 0', () => {
    const spec: CatalogSpec = {
      namespace: 'shop',
      services: [{
        name: 'orders',
        ports: [{ name: 'http', port: 80, protocol: 'http' as any }],
        routes: [{ name: 'create', http: { method: 'POST' as any, path: '/orders' }, retries: { attempts: 2, on: ['reset-before-request' as any] } }],
      }],
    };
    const refusing = ServiceCatalog.fromSpec({ ...spec, l7Fallback: L7Fallback.REFUSE });
    expect(() => MeshLadderChart.synthesize(refusing, Phase.ISTIO, { platform: { istio: '1.22' } }))
      .toThrow(PhaseCapabilityError);
    expect(() => MeshLadderChart.synthesize(refusing, Phase.ISTIO, { platform: { istio: '1.22' } }))
      .toThrow(/shop\/orders route create: retryOn reset-before-request is accepted from Istio 1\.23/);
    const skipping = ServiceCatalog.fromSpec({ ...spec, l7Fallback: L7Fallback.SKIP });
    const { objects, degradations } = synth(Phase.ISTIO, { istio: '1.22' }, skipping);
    const route = objects.find(o => o.kind === 'VirtualService').spec.http.find((r: any) => r.name === 'create');
    expect(route.retries).toEqual({ attempts: 0 });
    expect(degradations).toEqual([expect.stringMatching(/route create: .*: retries off \(attempts: 0\)$/)]);
  });
});

describe('Cilium release lines', () => {
  test.each(['1.14', '1.15'])('Cilium %s: no enableDefaultDeny (it restates the default); the proof holds', cilium => {
    const { objects, degradations } = synth(Phase.CILIUM, { cilium });
    expect(JSON.stringify(objects)).not.toContain('enableDefaultDeny');
    // The shop's peer policies sit in namespaces already in default-deny: nothing lost.
    expect(degradations.filter(d => d.includes('Cilium'))).toEqual([]);
    const report = proven(Phase.CILIUM, { cilium });
    expect(report.missing).toEqual([]);
    expect(report.unexpected).toEqual([]);
  });

  test('Cilium 1.16: enableDefaultDeny as before', () => {
    expect(JSON.stringify(synth(Phase.CILIUM, { cilium: '1.16' }).objects)).toContain('enableDefaultDeny');
  });

  test('before 1.16: enableDefaultDeny: false is refused; a peer policy outside default-deny namespaces is reported', () => {
    const catalog = ServiceCatalog.fromSpec({
      namespace: 'shop',
      peers: [{ name: 'probes', namespace: 'shop', selector: { app: 'probes' } }],
      namespaces: [{ name: 'shop', owned: false }],
      services: [{ name: 'web', ports: [{ port: 80 }], callers: [{ peer: 'probes' }] }],
    }).withPlatform({ cilium: '1.15' });
    expect(() => synthCilium(catalog, { enableDefaultDeny: false })).toThrow(/enableDefaultDeny: false needs Cilium 1\.16 or later \(platform\.cilium is 1\.15/);
    const { objects, degradations } = MeshLadderChart.synthesize(catalog, Phase.CILIUM);
    expect(JSON.stringify(objects)).not.toContain('enableDefaultDeny');
    expect(degradations).toEqual([expect.stringMatching(/^peer probes in namespace shop: policy peer-probes cannot stay allow-only before Cilium 1\.16 /)]);
    const at116 = MeshLadderChart.synthesize(catalog.withPlatform({ cilium: '1.16' }), Phase.CILIUM);
    expect(at116.degradations).toEqual([]);
  });
});

describe('trust-manager release lines', () => {
  test('trust-manager 0.12: no matchExpressions in any Bundle; one namespace by matchLabels, several: every namespace, reported', () => {
    const { objects, degradations } = synth(Phase.LINKERD, { trustManager: '0.12' });
    const bundles = objects.filter(o => o.kind === 'Bundle');
    expect(bundles.length).toBeGreaterThan(1);
    expect(JSON.stringify(bundles)).not.toContain('matchExpressions');
    expect(bundles.find(b => b.metadata.name === 'linkerd-identity-trust-roots').spec.target.namespaceSelector)
      .toEqual({ matchLabels: { 'kubernetes.io/metadata.name': 'linkerd' } });
    expect(bundles.find(b => b.metadata.name === 'shop-mesh-ca-bundle').spec.target.namespaceSelector).toBeUndefined();
    expect(degradations).toEqual([expect.stringContaining('trust bundle shop-mesh-ca-bundle: trust-manager 0.12 selects namespaces by matchLabels only')]);
  });

  test('trust-manager 0.14: matchExpressions on the namespace name, nothing degraded', () => {
    const { objects, degradations } = synth(Phase.BASELINE, { trustManager: '0.14' });
    expect(objects.find(o => o.kind === 'Bundle').spec.target.namespaceSelector.matchExpressions).toEqual([
      { key: 'kubernetes.io/metadata.name', operator: 'In', values: ['payments', 'shop'] },
    ]);
    expect(degradations).toEqual([]);
  });
});

describe('every project at its floor', () => {
  test('each phase synthesizes and its proof holds', () => {
    const floors: PlatformSpec = { kubernetes: '1.22', cilium: '1.14', linkerd: '2.16', istio: '1.22', certManager: '1.14', trustManager: '0.12' };
    for (const phase of [Phase.BASELINE, Phase.CILIUM, Phase.LINKERD, Phase.ISTIO]) {
      const report = proven(phase, floors);
      expect([phase, report.missing, report.unexpected]).toEqual([phase, [], []]);
    }
  });
});

describe('the platform as a construct prop', () => {
  test('a phase construct takes `platform` over the catalog\'s, as MeshLadderChart does', () => {
    const chart = Testing.chart();
    new LinkerdPhase(chart, 'linkerd', { catalog: shop, platform: { linkerd: '2.17' } });
    const objects = Testing.synth(chart);
    expect(versionsOf(objects, 'GRPCRoute')).toEqual(['gateway.networking.k8s.io/v1alpha2']);
    const routes = (list: any[]) => list.filter(o => o.kind === 'GRPCRoute').map(o => `${o.apiVersion} ${o.metadata.namespace}/${o.metadata.name}`).sort();
    expect(routes(objects)).toEqual(routes(synth(Phase.LINKERD, { linkerd: '2.17' }).objects));
    expect(() => new IstioPhase(Testing.chart(), 'istio', { catalog: shop, platform: { istio: '1.20' } })).toThrow(/platform\.istio: Istio 1\.20 is below the supported floor 1\.22/);
  });
});
