import * as path from 'path';
import { Testing } from 'cdk8s';
import * as fc from 'fast-check';
import { find, ISTIO_PEER_KINDS_WITHOUT_L4, istioCatalogArb, ofKind, synthIstio } from './support';
import { PhaseCapabilityError } from '../../../src/emit/common';
import { ServiceCatalog } from '../../../src/model/catalog';
import { CatalogSpec, L4Layer, MeshMode, PortProtocol, SidecarScope } from '../../../src/model/types';
import { IstioPhase } from '../../../src/phases/istio';
import { DEFAULT_TRAFFIC_POLICY } from '../../../src/phases/istio/defaults';
import { validateWithCrdSchemas } from '../../support/crd-schemas';
import { issueExample } from '../../support/fixtures';
import { propertyRuns } from '../../support/property-runs';

const SHOP = ServiceCatalog.fromFile(path.join(__dirname, '..', '..', '..', 'examples', 'shop', 'catalog.yaml'));
const ISSUE = ServiceCatalog.fromSpec(issueExample);

describe('IstioPhase on the shop example', () => {
  const manifests = synthIstio(SHOP);

  test('labels owned namespaces for injection, keeping their labels', () => {
    const payments = ofKind(manifests, 'Namespace').find(n => n.metadata.name === 'payments')!;
    expect(payments.metadata.labels).toMatchObject({ 'istio-injection': 'enabled', 'team': 'payments', 'compliance': 'pci-dss' });
    expect(ofKind(manifests, 'Namespace').map(n => n.metadata.name)).toEqual(['payments', 'shop']);
  });

  test('PeerAuthentication: STRICT per namespace, a port-level PERMISSIVE exception for plaintext ports', () => {
    expect(find(manifests, 'PeerAuthentication', 'shop', 'default').spec).toEqual({ mtls: { mode: 'STRICT' } });
    expect(find(manifests, 'PeerAuthentication', 'payments', 'default').spec).toEqual({ mtls: { mode: 'STRICT' } });
    expect(find(manifests, 'PeerAuthentication', 'shop', 'inventory').spec).toEqual({
      selector: { matchLabels: { app: 'inventory' } },
      mtls: { mode: 'STRICT' },
      portLevelMtls: { 9000: { mode: 'PERMISSIVE' } },
    });
    // Ports unmeshed peers call: the webhook (the API server) and metrics ports (the
    // scraper), ports open to unmeshed probes and report jobs, the card network's callback.
    expect(find(manifests, 'PeerAuthentication', 'shop', 'catalog-operator').spec.portLevelMtls).toEqual({ 8383: { mode: 'PERMISSIVE' }, 9443: { mode: 'PERMISSIVE' } });
    expect(find(manifests, 'PeerAuthentication', 'shop', 'checkout').spec.portLevelMtls).toEqual({ 9102: { mode: 'PERMISSIVE' } });
    expect(ofKind(manifests, 'PeerAuthentication').filter(p => p.spec.portLevelMtls).map(p => `${p.metadata.namespace}/${p.metadata.name} ${Object.keys(p.spec.portLevelMtls)}`)).toEqual([
      'payments/charge 8080', 'shop/catalog-operator 8383,9443', 'shop/checkout 9102', 'shop/frontend 8080', 'shop/inventory 9000', 'shop/search 8080',
    ]);
    expect(ofKind(manifests, 'PeerAuthentication').every(p => p.spec.mtls.mode === 'STRICT')).toBe(true);
  });

  test('AuthorizationPolicy: allow-nothing per namespace, callers\' principals per service', () => {
    expect(find(manifests, 'AuthorizationPolicy', 'shop', 'allow-nothing').spec).toEqual({ action: 'ALLOW' });
    const charge = find(manifests, 'AuthorizationPolicy', 'payments', 'charge').spec;
    expect(charge.selector).toEqual({ matchLabels: { app: 'charge' } });
    expect(charge.rules).toEqual([{
      from: [{ source: { principals: ['cluster.local/ns/shop/sa/checkout'] } }],
      to: [
        { operation: { ports: ['8080'], methods: ['GET'], paths: ['/v1/charges/{*}'] } },
        { operation: { ports: ['8080'], methods: ['POST'], paths: ['/v1/charges'] } },
      ],
    }, {
      // The card network's callbacks: plaintext clients from its range, on that route only.
      from: [{ source: { ipBlocks: ['198.51.100.192/26'], notPrincipals: ['*'] } }],
      to: [{ operation: { ports: ['8080'], methods: ['POST'], paths: ['/v1/callbacks'] } }],
    }]);
    // gRPC routes: POST on /<package.Service>/<Method>.
    const checkout = find(manifests, 'AuthorizationPolicy', 'shop', 'checkout').spec;
    expect(checkout.rules[0].to).toContainEqual({ operation: { ports: ['5050'], methods: ['POST'], paths: ['/shop.Checkout/PlaceOrder'] } });
    // Exposed: the ingress controller's identity on every port; a call without routes: ports only.
    // The uptime probes (unmeshed, in any namespace) have neither identity nor addresses:
    // GET / from any source, which the L4 layer narrows to their pods.
    const frontend = find(manifests, 'AuthorizationPolicy', 'shop', 'frontend').spec;
    expect(frontend.rules).toEqual([{
      to: [{ operation: { methods: ['GET'], paths: ['/'], ports: ['8080'] } }],
    }, {
      from: [{ source: { principals: ['cluster.local/ns/ingress-nginx/sa/ingress-nginx', 'cluster.local/ns/shop/sa/loadgen'] } }],
      to: [{ operation: { ports: ['8080'] } }],
    }]);
    // A service nobody calls admits nobody.
    expect(find(manifests, 'AuthorizationPolicy', 'shop', 'loadgen').spec).toEqual({ selector: { matchLabels: { app: 'loadgen' } }, action: 'ALLOW' });
  });

  test('VirtualService: every route has explicit retries and a timeout; POSTs never retry after sending', () => {
    for (const vs of ofKind(manifests, 'VirtualService')) {
      for (const route of vs.spec.http) {
        expect(route.retries).toBeDefined();
        if (!route.name.endsWith('-fault-injection')) {
          expect(route.timeout).toBeDefined();
        }
      }
      expect(vs.spec.http[vs.spec.http.length - 1]).toMatchObject({ name: 'catch-all', retries: { attempts: 0 } });
    }
    const charge = find(manifests, 'VirtualService', 'payments', 'charge').spec;
    expect(charge.hosts).toEqual(['charge.payments.svc.cluster.local']);
    const byName = Object.fromEntries(charge.http.map((r: any) => [r.name, r]));
    expect(byName['create-charge']).toMatchObject({ match: [{ uri: { exact: '/v1/charges' }, method: { exact: 'POST' } }], retries: { attempts: 1, retryOn: 'connect-failure' }, timeout: '15s' });
    expect(byName['get-charge']).toMatchObject({ retries: { attempts: 3, perTryTimeout: '0.5s', retryOn: 'connect-failure,gateway-error,refused-stream,reset' }, timeout: '2s' });
    expect(byName.refund).toMatchObject({ retries: { attempts: 2, retryOn: 'gateway-error' } });
    const checkout = find(manifests, 'VirtualService', 'shop', 'checkout').spec.http;
    expect(checkout.find((r: any) => r.name === 'place-order')).toMatchObject({ retries: { attempts: 0 }, timeout: '10s' });
  });

  test('VirtualService: the canary splits 90/10 between subsets; a scoped fault has its own route', () => {
    const catalog = find(manifests, 'VirtualService', 'shop', 'catalog').spec.http;
    // Test users (x-canary: true) first, to v2 only with its 2s timeout; then everyone by weight.
    const headerRoutes = catalog.filter((r: any) => r.match?.[0]?.name === 'v2');
    expect(headerRoutes.length).toBe(catalog.length / 2);
    expect(catalog.slice(0, headerRoutes.length)).toEqual(headerRoutes);
    for (const r of headerRoutes) {
      expect(r.route).toEqual([{ destination: { host: 'catalog.shop.svc.cluster.local', subset: 'v2' } }]);
      expect(r.match.every((m: any) => m.headers['x-canary'].exact === 'true')).toBe(true);
      expect(r.timeout).toBe('2s');
    }
    for (const r of catalog.slice(headerRoutes.length)) {
      expect(r.route).toEqual([
        { destination: { host: 'catalog.shop.svc.cluster.local', subset: 'v1' }, weight: 90 },
        { destination: { host: 'catalog.shop.svc.cluster.local', subset: 'v2' }, weight: 10 },
      ]);
    }
    // The error-injection clone takes its share by host, without a subset.
    expect(find(manifests, 'VirtualService', 'shop', 'recommendations').spec.http[0].route).toEqual([
      { destination: { host: 'recommendations-chaos.shop.svc.cluster.local' }, weight: 5 },
      { destination: { host: 'recommendations.shop.svc.cluster.local', subset: 'stable' }, weight: 95 },
    ]);
    const shipping = find(manifests, 'VirtualService', 'shop', 'shipping').spec.http.map((r: any) => r.name);
    expect(shipping.indexOf('get-quote-fault-injection')).toBe(shipping.indexOf('get-quote') - 1);
  });

  test('DestinationRule: ISTIO_MUTUAL, catalog then service traffic policy over the defaults, subsets', () => {
    // The shop keeps per-service traffic policies out (Linkerd has no connection pools and
    // would warn); a per-service override on reviews layers over the catalog's here.
    const overridden = ServiceCatalog.fromSpec({
      ...SHOP.spec,
      services: SHOP.spec.services.map(s => (s.name === 'reviews' ? { ...s, trafficPolicy: { maxConnections: 200, consecutive5xxErrors: 3 } } : s)),
    });
    const reviews = find(synthIstio(overridden), 'DestinationRule', 'shop', 'reviews').spec;
    expect(reviews.trafficPolicy).toEqual({
      tls: { mode: 'ISTIO_MUTUAL' },
      connectionPool: {
        tcp: { maxConnections: 200, connectTimeout: '2s' },
        http: { http1MaxPendingRequests: 256, http2MaxRequests: 1024, maxRequestsPerConnection: 100, maxRetries: 64, idleTimeout: '3600s' },
      },
      outlierDetection: { consecutive5xxErrors: 3, interval: '10s', baseEjectionTime: '30s', maxEjectionPercent: 10 },
    });
    expect(find(manifests, 'DestinationRule', 'shop', 'catalog').spec.subsets).toEqual([
      { name: 'v1', labels: { version: 'v1' } },
      { name: 'v2', labels: { version: 'v2' } },
    ]);
    expect(ofKind(manifests, 'DestinationRule').map(d => d.metadata.name)).not.toContain('loadgen');
  });

  test('Sidecar: egress limited to the service\'s dependencies, REGISTRY_ONLY', () => {
    // Pods no service owns may be uptime probes (any namespace), which may call frontend.
    expect(find(manifests, 'Sidecar', 'shop', 'default').spec).toEqual({
      egress: [{ hosts: ['istio-system/*', 'kube-system/*', 'shop/frontend.shop.svc.cluster.local'] }],
      outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' },
    });
    expect(find(manifests, 'Sidecar', 'payments', 'charge').spec).toEqual({
      workloadSelector: { labels: { app: 'charge' } },
      egress: [{
        hosts: [
          'istio-system/*',
          'kube-system/*',
          'payments/api.stripe.com',
          'payments/fraud.payments.svc.cluster.local',
          'payments/ledger.payments.svc.cluster.local',
        ],
      }],
      outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' },
    });
  });

  test('ServiceEntry: hosts by name (TLS), CIDRs by address minus exclusions, UDP left to L4', () => {
    expect(find(manifests, 'ServiceEntry', 'payments', 'external-api.stripe.com').spec).toEqual({
      hosts: ['api.stripe.com'],
      location: 'MESH_EXTERNAL',
      resolution: 'DNS',
      ports: [{ number: 443, name: 'tls-443', protocol: 'TLS' }],
      exportTo: ['.'],
    });
    const ledgerDb = find(manifests, 'ServiceEntry', 'payments', 'external-cidr-10-20-0-0-16-except-10-20-255-0-24').spec;
    expect(ledgerDb).toMatchObject({ resolution: 'NONE', ports: [{ number: 5432, name: 'tcp-5432', protocol: 'TCP' }] });
    expect(ledgerDb.addresses).toContain('10.20.254.0/24');
    expect(ledgerDb.addresses).not.toContain('10.20.255.0/24');
    // Wildcard TCP host with cidrs: by address, never DNS resolution.
    expect(find(manifests, 'ServiceEntry', 'shop', 'external-wildcard.smtp.example.net').spec).toMatchObject({
      hosts: ['*.smtp.example.net'], resolution: 'NONE', addresses: ['198.51.100.32/28', '198.51.100.48/28'],
    });
    // The syslog call is UDP only: no entry.
    expect(ofKind(manifests, 'ServiceEntry').some(e => e.spec.hosts[0].startsWith('192-0-2'))).toBe(false);
  });

  test('Telemetry: the catalog\'s tracing sampling per owned namespace', () => {
    expect(find(manifests, 'Telemetry', 'shop', 'tracing').spec).toEqual({ tracing: [{ randomSamplingPercentage: 10 }] });
  });

  test('L4: Cilium L3/L4 by default, opened for istiod on 15012 only, without L7 rules', () => {
    const cilium = ofKind(manifests, 'CiliumNetworkPolicy');
    expect(cilium.length).toBeGreaterThan(0);
    expect(JSON.stringify(cilium)).not.toContain('"http"');
    const cp = find(manifests, 'CiliumNetworkPolicy', 'shop', 'allow-mesh-control-plane');
    expect(JSON.stringify(cp.spec)).toContain('15012');
    expect(JSON.stringify(cp.spec)).not.toContain('15017');
    expect(JSON.stringify(cp.spec)).toContain('istiod');
  });

  test('every object validates against its CRD schema', () => {
    const result = validateWithCrdSchemas(manifests);
    expect(result.problems).toEqual([]);
  });
});

describe('IstioPhase options', () => {
  test('PERMISSIVE: PeerAuthentication PERMISSIVE and every AuthorizationPolicy in dry-run', () => {
    const manifests = synthIstio(SHOP, { mode: MeshMode.PERMISSIVE });
    expect(ofKind(manifests, 'PeerAuthentication').every(p => p.spec.mtls.mode === 'PERMISSIVE')).toBe(true);
    const policies = ofKind(manifests, 'AuthorizationPolicy');
    expect(policies.every(p => p.metadata.annotations?.['istio.io/dry-run'] === 'true')).toBe(true);
    expect(ofKind(synthIstio(SHOP), 'AuthorizationPolicy').some(p => p.metadata.annotations)).toBe(false);
  });

  test('L4 NETWORK_POLICY: NetworkPolicies with the istiod and istio-csr allowances; NONE: no L4 objects', () => {
    const np = synthIstio(SHOP, { l4: L4Layer.NETWORK_POLICY });
    const cp = find(np, 'NetworkPolicy', 'shop', 'allow-mesh-control-plane');
    expect(cp.spec.egress).toEqual([{
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-system' } }, podSelector: { matchLabels: { app: 'istiod' } } }],
      ports: [{ protocol: 'TCP', port: 15012 }],
    }, {
      // Sidecars send their CSRs to istio-csr (the identity PKI chained to the catalog's root).
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'cert-manager' } }, podSelector: { matchLabels: { app: 'cert-manager-istio-csr' } } }],
      ports: [{ protocol: 'TCP', port: 6443 }],
    }]);
    const withoutCertificates = synthIstio(SHOP, { l4: L4Layer.NETWORK_POLICY, certificates: false });
    expect(find(withoutCertificates, 'NetworkPolicy', 'shop', 'allow-mesh-control-plane').spec.egress).toHaveLength(1);
    expect(ofKind(np, 'CiliumNetworkPolicy')).toEqual([]);
    const none = synthIstio(ISSUE, { l4: L4Layer.NONE });
    expect(none.filter(m => m.kind.includes('NetworkPolicy'))).toEqual([]);
    expect(ofKind(none, 'AuthorizationPolicy').length).toBeGreaterThan(0);
  });

  test('L4 NETWORK_POLICY refuses host calls without cidrs, naming the way out', () => {
    const byName: CatalogSpec = {
      namespace: 'shop',
      services: [{ name: 'web', ports: [{ port: 80 }], calls: [{ host: 'api.stripe.com', port: 443, protocol: PortProtocol.TLS }] }],
    };
    expect(() => synthIstio(byName, { l4: L4Layer.NETWORK_POLICY })).toThrow(PhaseCapabilityError);
    expect(() => synthIstio(byName, { l4: L4Layer.NETWORK_POLICY })).toThrow(/api\.stripe\.com.*cidrs.*cilium/s);
    expect(() => synthIstio(byName, { l4: L4Layer.CILIUM })).not.toThrow();
  });

  test('istiod selector and ports can be overridden', () => {
    const manifests = synthIstio(SHOP, { l4: L4Layer.NETWORK_POLICY, controlPlaneSelector: { istio: 'pilot' }, controlPlanePorts: [15012, 15010] });
    const cp = find(manifests, 'NetworkPolicy', 'shop', 'allow-mesh-control-plane');
    expect(cp.spec.egress[0].to[0].podSelector).toEqual({ matchLabels: { istio: 'pilot' } });
    expect(cp.spec.egress[0].ports.map((p: any) => p.port)).toEqual([15010, 15012]);
  });

  test('namespaces: false emits no Namespace objects', () => {
    expect(ofKind(synthIstio(SHOP, { namespaces: false }), 'Namespace')).toEqual([]);
  });

  test('NAMESPACE sidecar scope: one Sidecar per owned namespace with the union of dependencies', () => {
    const manifests = synthIstio(SHOP, { sidecarScope: SidecarScope.NAMESPACE });
    const sidecars = ofKind(manifests, 'Sidecar');
    expect(sidecars.map(s => `${s.metadata.namespace}/${s.metadata.name}`)).toEqual(['payments/default', 'shop/default']);
    expect(sidecars[0].spec.egress[0].hosts).toEqual([
      'istio-system/*',
      'kube-system/*',
      'payments/10-20-0-0-16-except-10-20-255-0-24.cidr.mesh-ladder.internal',
      'payments/api.stripe.com',
      'payments/fraud.payments.svc.cluster.local',
      'payments/ledger.payments.svc.cluster.local',
      'shop/frontend.shop.svc.cluster.local',
    ]);
  });
});

describe('namespaces the catalog does not own', () => {
  const spec: CatalogSpec = {
    namespace: 'shop',
    namespaces: [{ name: 'legacy', owned: false }],
    istio: { tracingSampling: 5 },
    services: [
      { name: 'web', ports: [{ name: 'http', port: 80, protocol: PortProtocol.HTTP }], calls: [{ service: 'legacy/old' }] },
      { name: 'old', namespace: 'legacy', ports: [{ name: 'http', port: 80, protocol: PortProtocol.HTTP }] },
    ],
  };
  const manifests = synthIstio(spec);

  test('get per-workload PeerAuthentication, Sidecar and Telemetry instead of namespace-wide ones', () => {
    expect(find(manifests, 'PeerAuthentication', 'legacy', 'old').spec).toEqual({ selector: { matchLabels: { app: 'old' } }, mtls: { mode: 'STRICT' } });
    expect(find(manifests, 'Sidecar', 'legacy', 'old').spec.workloadSelector).toEqual({ labels: { app: 'old' } });
    expect(find(manifests, 'Telemetry', 'legacy', 'old').spec).toEqual({ selector: { matchLabels: { app: 'old' } }, tracing: [{ randomSamplingPercentage: 5 }] });
    expect(manifests.filter(m => m.metadata?.namespace === 'legacy' && m.metadata?.name === 'default')).toEqual([]);
    expect(manifests.filter(m => m.metadata?.namespace === 'legacy' && m.metadata?.name === 'allow-nothing')).toEqual([]);
    expect(ofKind(manifests, 'Namespace').map(n => n.metadata.name)).toEqual(['shop']);
  });
});

describe('names', () => {
  test('per-service objects step aside for namespace-wide names', () => {
    const manifests = synthIstio({
      namespace: 'shop',
      services: [
        { name: 'default', ports: [{ port: 80, protocol: PortProtocol.HTTP, plaintext: true }] },
        { name: 'allow-nothing', ports: [{ port: 80, protocol: PortProtocol.HTTP }] },
      ],
    });
    expect(ofKind(manifests, 'Sidecar').map(s => s.metadata.name).sort()).toEqual(['allow-nothing', 'default', 'default-workload']);
    expect(ofKind(manifests, 'AuthorizationPolicy').map(s => s.metadata.name).sort()).toEqual(['allow-nothing', 'allow-nothing-workload', 'default']);
    expect(ofKind(manifests, 'PeerAuthentication').map(s => s.metadata.name).sort()).toEqual(['default', 'default-workload']);
  });

  test('a wildcard TCP host without cidrs is refused: Istio could only pass every destination on the port', () => {
    expect(() => synthIstio({
      namespace: 'shop',
      services: [{ name: 'web', ports: [{ port: 80 }], calls: [{ host: '*.example.com', port: 5432 }] }],
    }, { l4: L4Layer.NONE })).toThrow(/\*\.example\.com over TCP.*cidrs.*protocol: tls/s);
  });

  test('a non-wildcard TCP host without cidrs resolves by DNS', () => {
    const manifests = synthIstio({
      namespace: 'shop',
      services: [{ name: 'web', ports: [{ port: 80 }], calls: [{ host: 'db.example.com', port: 5432 }] }],
    }, { l4: L4Layer.NONE });
    expect(find(manifests, 'ServiceEntry', 'shop', 'external-db.example.com').spec).toMatchObject({ resolution: 'DNS', ports: [{ number: 5432, protocol: 'TCP' }] });
  });
});

describe('the issue example', () => {
  const manifests = synthIstio(ISSUE);

  test('matches the snapshot, and its key fields', () => {
    const placeOrder = find(manifests, 'VirtualService', 'shop', 'checkout').spec.http;
    expect(placeOrder.map((r: any) => [r.name, r.retries])).toEqual([
      ['get-order', { attempts: 3, perTryTimeout: '0.5s', retryOn: 'cancelled,connect-failure,refused-stream,unavailable' }],
      ['place-order', { attempts: 0 }],
      ['catch-all', { attempts: 0 }],
    ]);
    expect(find(manifests, 'AuthorizationPolicy', 'shop', 'checkout').spec.rules).toEqual([{
      from: [{ source: { principals: ['cluster.local/ns/shop/sa/frontend'] } }],
      to: [{ operation: { ports: ['5050'], methods: ['POST'], paths: ['/shop.Checkout/PlaceOrder'] } }],
    }]);
    expect(manifests).toMatchSnapshot();
  });

  test('is deterministic', () => {
    expect(synthIstio(ISSUE)).toEqual(manifests);
  });

  test('every object validates against its CRD schema', () => {
    expect(validateWithCrdSchemas(manifests).problems).toEqual([]);
  });
});

describe('random catalogs', () => {
  test('every emitted object validates against its CRD schema (all L4 layers)', () => {
    const specs = [
      ...fc.sample(istioCatalogArb(), { numRuns: propertyRuns(8), seed: 4242 }),
      ...fc.sample(istioCatalogArb({ peerKinds: ISTIO_PEER_KINDS_WITHOUT_L4 }), { numRuns: propertyRuns(4), seed: 4243 }),
    ];
    const all = specs.flatMap((spec, i) => synthIstio(spec, { l4: i < 8 ? [L4Layer.CILIUM, L4Layer.NETWORK_POLICY][i % 2] : L4Layer.NONE }));
    expect(validateWithCrdSchemas(all).problems).toEqual([]);
  });

  test('the library defaults are what DestinationRules carry when nothing overrides them', () => {
    const manifests = synthIstio({ namespace: 'shop', services: [{ name: 'web', ports: [{ port: 80, protocol: PortProtocol.HTTP }] }] });
    const dr = find(manifests, 'DestinationRule', 'shop', 'web').spec.trafficPolicy;
    expect(dr.outlierDetection).toEqual({ consecutive5xxErrors: DEFAULT_TRAFFIC_POLICY.consecutive5xxErrors, interval: '10s', baseEjectionTime: '30s', maxEjectionPercent: 10 });
    expect(dr.connectionPool.tcp.maxConnections).toBe(DEFAULT_TRAFFIC_POLICY.maxConnections);
    expect(dr.connectionPool.http.maxRequestsPerConnection).toBeUndefined();
  });
});

describe('escape hatches', () => {
  test('every construct returns its objects', () => {
    const chart = Testing.chart();
    const phase = new IstioPhase(chart, 'istio', { catalog: SHOP });
    expect(phase.virtualServices.virtualServiceFor('shop/cart')).toBeDefined();
    expect(phase.virtualServices.virtualServiceFor('shop/loadgen')).toBeUndefined();
    expect(phase.destinationRules.destinationRuleFor('shop/catalog')).toBeDefined();
    expect(phase.authorizationPolicies.servicePolicy('payments/charge')).toBeDefined();
    expect(phase.authorizationPolicies.namespacePolicy('shop')).toBeDefined();
    expect(phase.peerAuthentications.namespacePolicy('payments')).toBeDefined();
    expect(phase.peerAuthentications.servicePolicy('shop/inventory')).toBeDefined();
    expect(phase.sidecars.serviceSidecar('shop/frontend')).toBeDefined();
    expect(phase.sidecars.namespaceSidecar('shop')).toBeDefined();
    expect(phase.serviceEntries.entry('payments', 'external-api.stripe.com')).toBeDefined();
    expect(phase.namespaces?.namespace('shop')).toBeDefined();
    expect(phase.ciliumPolicies).toBeDefined();
    expect(phase.networkPolicies).toBeUndefined();
    expect(phase.telemetry.objects).toHaveLength(2);
    // Approximated regular expressions are reported.
    expect(phase.authorizationPolicies.approximatedPaths.map(a => `${a.serviceId} ${a.route}`)).toEqual(['payments/ledger get-balance']);
  });
});
