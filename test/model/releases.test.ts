/**
 * The `platform` section and the release-facts table (src/model/releases.ts): defaults,
 * floors, refusal below a floor, and the apiVersion each supported release line serves
 * (the rows cite linkerd2 charts/linkerd-crds, istio manifests/charts/base/crds,
 * cilium pkg/k8s/apis/cilium.io/client/crds, gateway-api config/crd and trust-manager's
 * Bundle CRD at the tags ../shared/crds/versions/index.json names).
 */
import { CatalogValidationError, ServiceCatalog } from '../../src/model/catalog';
import {
  API_VERSION_FACTS, apiVersionFor, atLeast, ciliumNamespaceLabelsCrossNamespaces, DEFAULT_PLATFORM, gatewayApiInstall,
  PROJECT_RELEASES, servedVersions, supports, TargetPlatform,
} from '../../src/model/releases';
import { resolveCatalog } from '../../src/model/resolve';
import { CatalogSpec, PlatformSpec } from '../../src/model/types';

const minimal: CatalogSpec = { services: [{ name: 'web', ports: [{ port: 80 }] }] };
const at = (p: Partial<TargetPlatform>): TargetPlatform => ({ ...DEFAULT_PLATFORM, ...p });

function errorsOf(platform: unknown): string[] {
  const { issues } = resolveCatalog({ ...minimal, platform } as CatalogSpec);
  return issues.filter(i => i.severity === 'error').map(i => `${i.path.join('.')}: ${i.message}`);
}

describe('platform section', () => {
  test('defaults: the current stable of each project; the Gateway API is the one Linkerd installs', () => {
    const { catalog } = resolveCatalog(minimal);
    expect(catalog!.platform).toEqual({ kubernetes: '1.28', cilium: '1.16', linkerd: '2.18', istio: '1.24', certManager: '1.16', trustManager: '0.14' });
    expect(gatewayApiInstall(catalog!.platform)).toEqual({ release: '1.1', channel: 'experimental', bundledWith: 'Linkerd 2.18' });
  });

  test('releases are major.minor strings; a leading v is accepted and dropped', () => {
    const { catalog } = resolveCatalog({ ...minimal, platform: { trustManager: 'v0.12', linkerd: '2.17', gatewayApi: 'v1.2' } });
    expect(catalog!.platform).toMatchObject({ trustManager: '0.12', linkerd: '2.17', gatewayApi: '1.2' });
  });

  test.each([
    ['linkerd', '2.14', 'Linkerd 2.14 is below the supported floor 2.16'],
    ['istio', '1.20', 'Istio 1.20 is below the supported floor 1.22'],
    ['cilium', '1.13', 'Cilium 1.13 is below the supported floor 1.14'],
    ['trustManager', '0.11', 'trust-manager 0.11 is below the supported floor 0.12'],
    ['certManager', '1.13', 'cert-manager 1.13 is below the supported floor 1.14'],
    ['kubernetes', '1.21', 'Kubernetes 1.21 is below the supported floor 1.22'],
    ['gatewayApi', '0.6', 'Gateway API 0.6 is below the supported floor 0.7'],
  ])('%s %s is refused, naming the field, the release and the floor', (field, release, message) => {
    const errors = errorsOf({ [field]: release });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`platform.${field}: ${message} (`);
  });

  test('a number (YAML 2.10 would read as 2.1), a patch release or an unknown project is refused', () => {
    expect(errorsOf({ linkerd: 2.16 })[0]).toBe('platform.linkerd: 2.16 is not a release line of Linkerd: give "major.minor" as a quoted string, e.g. "2.18"');
    expect(errorsOf({ istio: '1.24.6' })[0]).toContain('platform.istio: "1.24.6" is not a release line of Istio');
    expect(errorsOf({ envoy: '1.30' })[0]).toContain('platform.envoy: unknown project');
  });

  test('ServiceCatalog.withPlatform replaces fields one by one and refuses a release below its floor', () => {
    const catalog = ServiceCatalog.fromSpec({ ...minimal, platform: { istio: '1.22' } });
    const retargeted = catalog.withPlatform({ linkerd: '2.16' });
    expect(retargeted._resolved.platform).toMatchObject({ istio: '1.22', linkerd: '2.16' });
    expect(retargeted.spec.platform).toEqual({ istio: '1.22', linkerd: '2.16' });
    expect(catalog._resolved.platform.linkerd).toBe('2.18');
    expect(() => catalog.withPlatform({ linkerd: '2.14' } as PlatformSpec)).toThrow(CatalogValidationError);
    expect(() => catalog.withPlatform({ linkerd: '2.14' })).toThrow(/platform\.linkerd: Linkerd 2\.14 is below the supported floor 2\.16/);
  });

  test('every default is at or above its floor', () => {
    for (const facts of Object.values(PROJECT_RELEASES)) {
      expect(atLeast(facts.default, facts.floor)).toBe(true);
    }
  });
});

describe('served apiVersions per release line', () => {
  test('Linkerd 2.16 and 2.17: the bundled Gateway API v0.7.1 serves HTTPRoute v1beta1 and GRPCRoute v1alpha2, no v1', () => {
    for (const linkerd of ['2.16', '2.17']) {
      const p = at({ linkerd });
      expect(apiVersionFor(p, 'HTTPRoute.gateway.networking.k8s.io')).toBe('gateway.networking.k8s.io/v1beta1');
      expect(apiVersionFor(p, 'GRPCRoute.gateway.networking.k8s.io')).toBe('gateway.networking.k8s.io/v1alpha2');
      expect(servedVersions(p, 'HTTPRoute.gateway.networking.k8s.io')).not.toContain('v1');
      expect(apiVersionFor(p, 'Server.policy.linkerd.io')).toBe('policy.linkerd.io/v1beta3');
      expect(supports(p, 'gatewayHttpRouteTimeouts')).toBe(false);
    }
  });

  test('Linkerd 2.18: Gateway API v1 routes with timeouts (bundle v1.1.1, experimental)', () => {
    const p = at({ linkerd: '2.18' });
    expect(apiVersionFor(p, 'HTTPRoute.gateway.networking.k8s.io')).toBe('gateway.networking.k8s.io/v1');
    expect(apiVersionFor(p, 'GRPCRoute.gateway.networking.k8s.io')).toBe('gateway.networking.k8s.io/v1');
    expect(supports(p, 'gatewayHttpRouteTimeouts')).toBe(true);
  });

  test('a Gateway API installed apart from the mesh decides the route versions, whatever the Linkerd release', () => {
    expect(apiVersionFor(at({ linkerd: '2.16', gatewayApi: '1.2' }), 'GRPCRoute.gateway.networking.k8s.io')).toBe('gateway.networking.k8s.io/v1');
    expect(apiVersionFor(at({ gatewayApi: '1.0' }), 'HTTPRoute.gateway.networking.k8s.io')).toBe('gateway.networking.k8s.io/v1');
    expect(apiVersionFor(at({ gatewayApi: '1.0' }), 'GRPCRoute.gateway.networking.k8s.io')).toBe('gateway.networking.k8s.io/v1alpha2');
    // Standard channel from 1.1: timeouts enter it with 1.2.
    expect(supports(at({ gatewayApi: '1.1' }), 'gatewayHttpRouteTimeouts')).toBe(false);
    expect(supports(at({ gatewayApi: '1.2' }), 'gatewayHttpRouteTimeouts')).toBe(true);
  });

  test('Istio 1.22 and 1.24: networking, PeerAuthentication and Telemetry at v1; reset-before-request from 1.23', () => {
    for (const istio of ['1.22', '1.24']) {
      const p = at({ istio });
      for (const kind of ['VirtualService.networking.istio.io', 'DestinationRule.networking.istio.io', 'Sidecar.networking.istio.io',
        'ServiceEntry.networking.istio.io', 'AuthorizationPolicy.security.istio.io', 'PeerAuthentication.security.istio.io', 'Telemetry.telemetry.istio.io'] as const) {
        expect(apiVersionFor(p, kind)).toMatch(/\/v1$/);
      }
    }
    expect(supports(at({ istio: '1.22' }), 'istioResetBeforeRequest')).toBe(false);
    expect(supports(at({ istio: '1.23' }), 'istioResetBeforeRequest')).toBe(true);
  });

  test('Cilium: cilium.io/v2 on every line; enableDefaultDeny from 1.16; namespace labels honoured only clusterwide', () => {
    for (const cilium of ['1.14', '1.15', '1.16']) {
      expect(apiVersionFor(at({ cilium }), 'CiliumNetworkPolicy.cilium.io')).toBe('cilium.io/v2');
      expect(ciliumNamespaceLabelsCrossNamespaces(cilium, false)).toBe(false);
      expect(ciliumNamespaceLabelsCrossNamespaces(cilium, true)).toBe(true);
    }
    expect(supports(at({ cilium: '1.15' }), 'ciliumEnableDefaultDeny')).toBe(false);
    expect(supports(at({ cilium: '1.16' }), 'ciliumEnableDefaultDeny')).toBe(true);
  });

  test('trust-manager: Bundle v1alpha1; matchExpressions from 0.14', () => {
    expect(apiVersionFor(at({ trustManager: '0.12' }), 'Bundle.trust.cert-manager.io')).toBe('trust.cert-manager.io/v1alpha1');
    expect(supports(at({ trustManager: '0.12' }), 'trustManagerMatchExpressions')).toBe(false);
    expect(supports(at({ trustManager: '0.14' }), 'trustManagerMatchExpressions')).toBe(true);
  });

  test('every row cites its upstream source', () => {
    for (const fact of API_VERSION_FACTS) {
      expect(fact.source).toMatch(/^[\w-]+\/[\w-]+ /);
    }
  });
});
