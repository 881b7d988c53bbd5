/**
 * The shop example as a cdk8s app: the same catalog as catalog.yaml, written with the
 * TypeScript API (a test keeps the two equal).
 *
 *   cd examples/shop && npx cdk8s synth
 */
import { App } from 'cdk8s';
import {
  CatalogSpec, HttpMethod, L4Layer, L7Fallback, L7Widening, MeshLadderChart, MeshMode, Phase, PortProtocol, PortSpec,
  RetryCondition, ServiceCatalog, SidecarScope,
} from '../../src';

/** Service port 80 in front of pods listening on 8080: the usual shape here. */
const httpOn8080: PortSpec = { name: 'http', port: 80, targetPort: 8080, protocol: PortProtocol.HTTP };

/** The shop: storefront services in `shop`, the card-payment stack in `payments`. */
export const shopCatalog: CatalogSpec = {
  namespace: 'shop',
  // Baseline and cilium cannot route by header: they are synthesized without (with a warning).
  l7Fallback: L7Fallback.SKIP,
  // The default: a route limit a phase can only enforce wider is refused, unless the route opts in.
  l7Widening: L7Widening.REFUSE,
  clusterDomain: 'cluster.local',
  trustDomain: 'cluster.local',
  // The releases the output targets (the defaults; `mesh-ladder targets` lists what each phase emits).
  platform: { kubernetes: '1.28', cilium: '1.16', linkerd: '2.18', istio: '1.24', certManager: '1.16', trustManager: '0.14' },
  dns: { namespace: 'kube-system', selector: { 'k8s-app': 'kube-dns' }, serviceAccount: 'coredns' },
  ingressController: {
    namespace: 'ingress-nginx',
    selector: { 'app.kubernetes.io/name': 'ingress-nginx' },
    serviceAccount: 'ingress-nginx',
  },
  peers: [
    {
      name: 'monitoring',
      namespace: 'monitoring',
      selector: { 'app.kubernetes.io/name': 'prometheus' },
      serviceAccount: 'prometheus-k8s',
      meshed: false,
    },
    { name: 'kube-apiserver', kubeApiServer: true, cidrs: ['172.20.0.0/28'], ports: [443, 6443] },
    { name: 'backoffice', namespace: 'backoffice', selector: { app: 'backoffice' }, serviceAccount: 'backoffice' },
    { name: 'tenant-reports', namespaceSelector: { tier: 'tenant' }, selector: { app: 'report-job' }, meshed: false },
    { name: 'uptime-probes', allNamespaces: true, selector: { 'app.kubernetes.io/name': 'blackbox-exporter' }, meshed: false },
    { name: 'card-network', world: true, cidrs: ['198.51.100.192/26'] },
  ],
  certificates: {
    enabled: true,
    duration: '2160h',
    renewBefore: '720h',
    caName: 'shop-mesh',
    caNamespace: 'cert-manager',
    caDuration: '43800h',
    caRenewBefore: '8760h',
    rootName: 'shop-mesh-root',
    rootDuration: '87600h',
    rootRenewBefore: '8760h',
    trustBundle: true,
    expiryAlert: true,
    expiryAlertBefore: '168h',
    alertRunbookUrl: 'https://runbooks.example.com/shop/certificates.md',
  },
  namespaces: [
    { name: 'shop', labels: { team: 'storefront' } },
    { name: 'payments', labels: { team: 'payments', compliance: 'pci-dss' }, owned: true },
  ],
  readiness: {
    complianceMtls: true,
    multiCluster: false,
    tracedServices: 6,
    proxyExperts: 1,
    platformTeam: true,
    controlPlaneRunbooks: false,
  },
  baseline: { namespaces: true, defaultDeny: true, certificates: true },
  cilium: {
    mutualAuth: false,
    clusterwideDefaultDeny: false,
    defaultDeny: true,
    ingressFromWorld: false,
    l7: true,
    policyLabels: {},
    policyAnnotations: {},
    namespaces: true,
    certificates: true,
  },
  linkerd: {
    mode: MeshMode.ENFORCED,
    l4: L4Layer.CILIUM,
    controlPlaneNamespace: 'linkerd',
    namespaces: true,
    ingress: { meshed: true },
    probes: { networks: ['0.0.0.0/0', '::/0'] },
    strictRetries: false,
    certificates: true,
  },
  istio: {
    mode: MeshMode.ENFORCED,
    l4: L4Layer.CILIUM,
    controlPlaneNamespace: 'istio-system',
    sidecarScope: SidecarScope.SERVICE,
    controlPlaneSelector: { app: 'istiod' },
    controlPlanePorts: [15012],
    namespaces: true,
    certificates: true,
    defaultTimeout: '15s',
    tracingSampling: 10,
    trafficPolicy: {
      maxConnections: 1024,
      connectTimeout: '2s',
      http1MaxPendingRequests: 256,
      http2MaxRequests: 1024,
      maxRequestsPerConnection: 100,
      maxRetries: 64,
      idleTimeout: '1h',
      consecutive5xxErrors: 5,
      interval: '10s',
      baseEjectionTime: '30s',
      maxEjectionPercent: 10,
    },
  },
  services: [
    {
      name: 'frontend',
      probes: { httpPaths: ['/healthz', '/ready'] },
      replicas: 4,
      ports: [httpOn8080],
      exposed: true,
      suppress: [{ rule: 'exposed-without-route-restriction', reason: 'the storefront is a single-page app: the browser asks for client-side routes under any path' }],
      callers: [{ peer: 'uptime-probes', routes: ['home'] }],
      routes: [
        { name: 'home', http: { method: HttpMethod.GET, path: '/' }, timeout: '2s' },
        {
          name: 'static',
          http: { method: HttpMethod.GET, pathPrefix: '/static' },
          timeout: '5s',
        },
        { name: 'cors-preflight', http: { method: HttpMethod.OPTIONS, pathPrefix: '/api' }, timeout: '1s' },
      ],
      calls: [
        { service: 'catalog', port: 'http', routes: ['list-products', 'get-product'] },
        { service: 'cart' },
        { service: 'checkout', port: 'grpc', routes: ['place-order', 'get-order'] },
        { service: 'recommendations' },
        { service: 'reviews', port: 'h2c', routes: ['list-reviews', 'post-review'] },
        { service: 'search', ports: ['http'] },
      ],
    },
    {
      name: 'catalog',
      probes: { httpPaths: ['/healthz', '/ready'] },
      ports: [httpOn8080],
      routes: [
        {
          name: 'list-products',
          http: { method: HttpMethod.GET, pathPrefix: '/products' },
          port: 'http',
          timeout: '1s',
          retries: {
            attempts: 2,
            perTryTimeout: '400ms',
            on: [RetryCondition.CONNECT_FAILURE, RetryCondition.GATEWAY_ERROR],
          },
        },
        {
          name: 'get-product',
          // One segment: every L7 phase enforces it exactly.
          http: { method: HttpMethod.GET, pathRegex: '/products/[^/]+' },
          timeout: '1s',
          retries: { attempts: 3, perTryTimeout: '250ms' },
        },
        {
          name: 'update-product',
          http: { method: HttpMethod.PUT, pathRegex: '/products/[^/]+' },
          port: 80,
          timeout: '3s',
        },
      ],
      versions: [
        { name: 'v1', labels: { version: 'v1' }, weight: 90 },
        {
          name: 'v2',
          weight: 10,
          headers: { 'x-canary': 'true' },
          timeout: '2s',
          serviceAccount: 'catalog-canary',
          calls: [{ service: 'search', routes: ['query'] }],
        },
      ],
      calls: [{ service: 'inventory', port: 50051, routes: ['get-stock'] }],
    },
    {
      name: 'cart',
      probes: { httpPaths: ['/healthz', '/ready'] },
      serviceAccount: 'cart-api',
      suppress: [{
        rule: 'retry-non-idempotent-route',
        reason: 'add-item retries only on connect-failure, refused-stream and reset-before-request: the cart never saw the request',
      }],
      ports: [httpOn8080],
      routes: [
        {
          name: 'get-cart',
          http: { method: HttpMethod.GET, path: '/cart' },
          timeout: '500ms',
          retries: {
            attempts: 3,
            perTryTimeout: '120ms',
            on: [RetryCondition.CONNECT_FAILURE, RetryCondition.GATEWAY_ERROR],
          },
        },
        {
          name: 'add-item',
          http: { method: HttpMethod.POST, path: '/cart/items' },
          timeout: '2s',
          retries: {
            attempts: 2,
            perTryTimeout: '600ms',
            on: [
              RetryCondition.CONNECT_FAILURE,
              RetryCondition.REFUSED_STREAM,
              RetryCondition.RESET_BEFORE_REQUEST,
            ],
          },
        },
        {
          name: 'update-item',
          http: { method: HttpMethod.PATCH, pathRegex: '/cart/items/[^/]+' },
          timeout: '2s',
        },
        {
          name: 'remove-item',
          http: { method: HttpMethod.DELETE, pathRegex: '/cart/items/[^/]+' },
          timeout: '2s',
          retries: { attempts: 2, perTryTimeout: '600ms', on: [RetryCondition.SERVER_ERROR] },
        },
      ],
      calls: [{ service: 'catalog', routes: ['get-product'] }],
    },
    {
      name: 'checkout',
      probes: { grpc: true },
      ports: [
        { name: 'grpc', port: 5050, protocol: PortProtocol.GRPC },
        { name: 'metrics', port: 9102, protocol: PortProtocol.HTTP, metrics: true },
      ],
      routes: [
        {
          name: 'place-order',
          grpc: { service: 'shop.Checkout', method: 'PlaceOrder' },
          timeout: '10s',
        },
        {
          name: 'get-order',
          grpc: { service: 'shop.Checkout', method: 'GetOrder' },
          idempotent: true,
          timeout: '2s',
          retries: { attempts: 3, perTryTimeout: '500ms' },
        },
      ],
      calls: [
        { service: 'cart', port: 'http', routes: ['get-cart'] },
        { service: 'inventory', port: 'grpc', routes: ['reserve-stock'] },
        { service: 'shipping', routes: ['get-quote', 'create-shipment'] },
        { service: 'notifications', routes: ['order-confirmation'] },
        { service: 'payments/charge', port: 'http', routes: ['create-charge', 'get-charge'] },
      ],
    },
    {
      name: 'recommendations',
      probes: { grpc: true },
      ports: [{ name: 'grpc', port: 8080, protocol: PortProtocol.GRPC }],
      versions: [
        { name: 'stable', labels: { track: 'stable' }, weight: 95 },
        { name: 'chaos', service: 'recommendations-chaos', weight: 5 },
      ],
      routes: [
        {
          name: 'recommend',
          grpc: { service: 'shop.Recommendations' },
          idempotent: true,
          timeout: '300ms',
          retries: { attempts: 1, perTryTimeout: '150ms', on: [RetryCondition.UNAVAILABLE, RetryCondition.DEADLINE_EXCEEDED] },
        },
      ],
      calls: [{ service: 'catalog', routes: ['list-products'] }],
    },
    {
      name: 'recommendations-chaos',
      probes: { grpc: true },
      ports: [{ name: 'grpc', port: 8080, protocol: PortProtocol.GRPC }],
      routes: [
        {
          name: 'recommend',
          grpc: { service: 'shop.Recommendations' },
          idempotent: true,
          timeout: '300ms',
        },
      ],
    },
    {
      name: 'reviews',
      probes: { httpPaths: ['/healthz', '/ready'] },
      ports: [{ name: 'h2c', port: 80, targetPort: 8080, protocol: PortProtocol.HTTP2 }],
      callers: [{ peer: 'ingress-controller', routes: ['list-reviews'] }],
      routes: [
        {
          name: 'list-reviews',
          http: { method: HttpMethod.GET, pathPrefix: '/reviews' },
          timeout: '1s',
          retries: { attempts: 2, perTryTimeout: '300ms', on: [RetryCondition.CONNECT_FAILURE, RetryCondition.GATEWAY_ERROR] },
        },
        {
          name: 'post-review',
          http: { method: HttpMethod.POST, path: '/reviews' },
          timeout: '3s',
        },
        {
          name: 'review-exists',
          http: { method: HttpMethod.HEAD, pathPrefix: '/reviews' },
          timeout: '500ms',
          fault: { abort: { httpStatus: 503, percent: 5 }, headers: { 'x-chaos-test': 'true' } },
        },
      ],
      calls: [{ service: 'catalog', routes: ['get-product'] }],
    },
    {
      name: 'search',
      probes: { httpPaths: ['/healthz', '/ready'] },
      selector: { 'app.kubernetes.io/name': 'search', 'app.kubernetes.io/component': 'api' },
      ports: [httpOn8080],
      callers: [{ peer: 'tenant-reports', port: 'http', routes: ['query'] }],
      routes: [
        {
          name: 'query',
          http: { method: HttpMethod.GET, path: '/search' },
          timeout: '800ms',
          retries: {
            attempts: 2,
            perTryTimeout: '300ms',
            on: [RetryCondition.CONNECT_FAILURE, RetryCondition.SERVER_ERROR],
          },
        },
      ],
      calls: [{ service: 'catalog', routes: ['list-products'] }],
    },
    {
      name: 'inventory',
      probes: { grpc: true },
      suppress: [{ rule: 'retry-non-idempotent-route', reason: 'reserve-stock retries only on connect-failure: inventory never saw the request' }],
      ports: [
        { name: 'grpc', port: 50051, protocol: PortProtocol.GRPC },
        { name: 'admin', port: 9000, protocol: PortProtocol.TCP, plaintext: true },
      ],
      routes: [
        {
          name: 'get-stock',
          grpc: { service: 'shop.Inventory', method: 'GetStock' },
          port: 'grpc',
          idempotent: true,
          timeout: '500ms',
          retries: {
            attempts: 2,
            perTryTimeout: '150ms',
            on: [
              RetryCondition.UNAVAILABLE,
              RetryCondition.RESOURCE_EXHAUSTED,
              RetryCondition.CANCELLED,
            ],
          },
        },
        {
          name: 'reserve-stock',
          grpc: { service: 'shop.Inventory', method: 'ReserveStock' },
          port: 50051,
          timeout: '1s',
          retries: { attempts: 1, perTryTimeout: '500ms', on: [RetryCondition.CONNECT_FAILURE] },
        },
      ],
      calls: [{ cidr: '10.20.0.0/16', port: 5432 }],
    },
    {
      name: 'shipping',
      probes: { grpc: true },
      ports: [{ name: 'grpc', port: 7000, protocol: PortProtocol.GRPC }],
      routes: [
        {
          name: 'get-quote',
          grpc: { service: 'shop.Shipping', method: 'GetQuote' },
          idempotent: true,
          timeout: '1s',
          retries: { attempts: 2, perTryTimeout: '300ms', on: [RetryCondition.UNAVAILABLE, RetryCondition.CANCELLED] },
          fault: {
            delay: { fixedDelay: '2s', percent: 50 },
            abort: { grpcStatus: 'UNAVAILABLE', percent: 10 },
            headers: { 'x-chaos-test': 'true' },
          },
        },
        {
          name: 'create-shipment',
          grpc: { service: 'shop.Shipping', method: 'CreateShipment' },
          timeout: '5s',
        },
      ],
      calls: [
        {
          host: 'api.carrier.example.com',
          port: 443,
          protocol: PortProtocol.TLS,
          cidrs: ['203.0.113.0/24'],
        },
      ],
    },
    {
      name: 'notifications',
      probes: { httpPaths: ['/healthz', '/ready'] },
      ports: [httpOn8080],
      routes: [
        {
          name: 'order-confirmation',
          http: { method: HttpMethod.POST, path: '/v1/order-confirmations' },
          timeout: '5s',
        },
      ],
      certificate: { extraDnsNames: ['notifications.shop.example.com'] },
      calls: [
        {
          host: '*.smtp.example.net',
          ports: [465, 587],
          cidrs: ['198.51.100.32/28', '198.51.100.48/28'],
        },
        {
          cidr: '192.0.2.0/24',
          except: ['192.0.2.128/25'],
          port: 514,
          protocol: PortProtocol.UDP,
        },
      ],
    },
    {
      name: 'loadgen',
      clientOnly: true,
      certificate: { enabled: true },
      calls: [{ service: 'frontend' }],
    },
    {
      name: 'catalog-operator',
      serviceAccount: 'catalog-operator',
      ports: [
        { name: 'webhook', port: 443, targetPort: 9443, protocol: PortProtocol.TLS },
        { name: 'metrics', port: 8383, protocol: PortProtocol.HTTP, metrics: true },
      ],
      // The API server calls the webhook in plaintext-to-the-mesh, even under strict mTLS.
      callers: [{ peer: 'kube-apiserver', port: 'webhook' }],
      calls: [
        { peer: 'kube-apiserver' },
        { service: 'catalog', routes: ['update-product'] },
      ],
    },
    {
      name: 'charge',
      probes: { httpPaths: ['/healthz', '/ready'] },
      namespace: 'payments',
      serviceAccount: 'payments-charge',
      // create-charge retries only when the connection failed, before the API saw the request.
      suppress: [{ rule: 'retry-non-idempotent-route', reason: 'create-charge retries only on connect-failure: the payment API never saw the request' }],
      ports: [{ name: 'http', port: 8080, protocol: PortProtocol.HTTP }],
      callers: [{ peer: 'card-network', routes: ['card-callback'] }],
      routes: [
        {
          name: 'card-callback',
          http: { method: HttpMethod.POST, path: '/v1/callbacks' },
          timeout: '5s',
        },
        {
          name: 'create-charge',
          http: { method: HttpMethod.POST, path: '/v1/charges' },
          timeout: '15s',
          retries: { attempts: 1, perTryTimeout: '7s', on: [RetryCondition.CONNECT_FAILURE] },
        },
        {
          name: 'get-charge',
          http: { method: HttpMethod.GET, pathRegex: '/v1/charges/[^/]+' },
          timeout: '2s',
          retries: { attempts: 3, perTryTimeout: '500ms' },
        },
        {
          name: 'refund',
          http: { method: HttpMethod.POST, pathPrefix: '/v1/refunds' },
          idempotent: true,
          timeout: '15s',
          retries: { attempts: 2, perTryTimeout: '5s', on: [RetryCondition.GATEWAY_ERROR] },
        },
      ],
      certificate: { secretName: 'charge-mtls', duration: '720h', renewBefore: '240h' },
      calls: [
        { service: 'fraud', port: 9090, routes: ['score'] },
        { service: 'ledger', routes: ['append-entry'] },
        {
          host: 'api.stripe.com',
          port: 443,
          protocol: PortProtocol.TLS,
          cidrs: ['198.51.100.0/27'],
        },
      ],
    },
    {
      name: 'fraud',
      probes: { grpc: true },
      namespace: 'payments',
      ports: [{ port: 9090, protocol: PortProtocol.GRPC }],
      routes: [
        {
          name: 'score',
          grpc: { service: 'payments.Fraud', method: 'Score' },
          idempotent: true,
          timeout: '250ms',
          retries: { attempts: 1, perTryTimeout: '200ms', on: [RetryCondition.UNAVAILABLE] },
        },
      ],
    },
    {
      name: 'ledger',
      probes: { httpPaths: ['/healthz', '/ready'] },
      namespace: 'payments',
      ports: [httpOn8080],
      callers: [{ peer: 'backoffice', ports: ['http'], routes: ['get-balance'] }],
      routes: [
        {
          name: 'append-entry',
          http: { method: HttpMethod.POST, path: '/entries' },
          timeout: '5s',
        },
        {
          name: 'get-balance',
          http: { method: HttpMethod.GET, pathRegex: '/accounts/[0-9]+/balance' },
          // Istio's authorization paths have no regular expressions: it can only enforce this as
          // /accounts/{*}/balance. The ledger team accepts that (the account API rejects other ids),
          // so the istio phase warns once, listing the extra requests: the example's deliberate one.
          allowWiderEnforcement: true,
          timeout: '1s',
          retries: { attempts: 2, perTryTimeout: '300ms' },
        },
      ],
      calls: [{ cidr: '10.20.0.0/16', except: ['10.20.255.0/24'], port: 5432 }],
    },
  ],
};

/** Synthesizes the baseline phase of the shop into `app`. */
export function synthesizeShop(app: App, phase: Phase = Phase.BASELINE): MeshLadderChart {
  const catalog = ServiceCatalog.fromSpec(shopCatalog);
  return new MeshLadderChart(app, `shop-${phase}`, { catalog, phase });
}

if (require.main === module) {
  // One chart (one output file) per rung of the ladder.
  const app = new App();
  for (const phase of Object.values(Phase)) {
    synthesizeShop(app, phase);
  }
  app.synth();
}
