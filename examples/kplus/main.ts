/**
 * The shop (examples/shop/catalog.yaml) for a TypeScript team: the workloads are
 * cdk8s-plus Deployments and Services, and a `Mesh` in the same chart meshes them. No
 * service, route or peer is referred to by a string: calls and callers take handles, and
 * names, namespaces, selectors, service accounts, ports and probes are read from the
 * cdk8s-plus objects. One chart per rung of the ladder, named after the phase.
 *
 *   cd examples/kplus && npx cdk8s synth
 */
import { ApiObject, App, Chart, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  Call, HttpMethod, L4Layer, L7Fallback, L7Widening, Mesh, MeshMode, MeshProps, Peer, Phase, PortProtocol, RetryCondition,
} from '../../src';

/** The shop's catalog-wide settings (the same types as catalog.yaml's keys). */
export const SHOP_SETTINGS: Omit<MeshProps, 'phase'> = {
  namespace: 'shop',
  l7Fallback: L7Fallback.SKIP,
  l7Widening: L7Widening.REFUSE,
  clusterDomain: 'cluster.local',
  trustDomain: 'cluster.local',
  dns: { namespace: 'kube-system', selector: { 'k8s-app': 'kube-dns' }, serviceAccount: 'coredns' },
  ingressController: {
    namespace: 'ingress-nginx',
    selector: { 'app.kubernetes.io/name': 'ingress-nginx' },
    serviceAccount: 'ingress-nginx',
  },
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
  readiness: { complianceMtls: true, multiCluster: false, tracedServices: 6, proxyExperts: 1, platformTeam: true, controlPlaneRunbooks: false },
  cilium: { mutualAuth: false, clusterwideDefaultDeny: false, defaultDeny: true, ingressFromWorld: false },
  linkerd: { mode: MeshMode.ENFORCED, l4: L4Layer.CILIUM, controlPlaneNamespace: 'linkerd' },
  istio: {
    mode: MeshMode.ENFORCED,
    l4: L4Layer.CILIUM,
    controlPlaneNamespace: 'istio-system',
    defaultTimeout: '15s',
    tracingSampling: 10,
    trafficPolicy: {
      maxConnections: 1024,
      connectTimeout: '2s',
      http1MaxPendingRequests: 256,
      http2MaxRequests: 1024,
      maxRequestsPerConnection: 100,
      maxRetries: 3,
      idleTimeout: '1h',
      consecutive5xxErrors: 5,
      interval: '10s',
      baseEjectionTime: '30s',
      maxEjectionPercent: 10,
    },
  },
};

/** How an app's kubelet probes look. */
enum Probes { HTTP, GRPC, NONE }

interface AppProps {
  readonly namespace: string;
  /** Pod labels (also the Deployment's selector). */
  readonly labels: Record<string, string>;
  readonly serviceAccount?: kplus.IServiceAccount;
  readonly ports?: kplus.ContainerPort[];
  readonly probes?: Probes;
  readonly replicas?: number;
}

/** A Deployment the usual way here: one container, pods labelled and selected by `labels`. */
function deployment(scope: Construct, name: string, props: AppProps): kplus.Deployment {
  const port = props.ports?.[0]?.number;
  const d = new kplus.Deployment(scope, `${props.namespace}-${name}`, {
    metadata: { name, namespace: props.namespace },
    replicas: props.replicas,
    select: false,
    podMetadata: { labels: props.labels },
    serviceAccount: props.serviceAccount,
    automountServiceAccountToken: false,
    containers: [{
      name: 'app',
      image: `registry.example.com/shop/${name}:1.0.0`,
      ports: props.ports,
      securityContext: { user: 1000, group: 1000 },
      readiness: props.probes === Probes.HTTP ? kplus.Probe.fromHttpGet('/ready', { port }) : undefined,
      liveness: props.probes === Probes.HTTP ? kplus.Probe.fromHttpGet('/healthz', { port }) : undefined,
    }],
  });
  d.select(kplus.LabelSelector.of({ labels: props.labels }));
  if (props.probes === Probes.GRPC && port !== undefined) {
    // cdk8s-plus cannot declare kubelet-native gRPC probes: patch them in (the mesh is told with `probes: { grpc: true }`).
    ApiObject.of(d).addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/readinessProbe', { grpc: { port } }));
  }
  return d;
}

/** A ClusterIP Service in front of pods labelled `selector`. */
function service(scope: Construct, name: string, namespace: string, selector: Record<string, string>, ports: kplus.ServicePort[]): kplus.Service {
  const s = new kplus.Service(scope, `${namespace}-${name}-service`, { metadata: { name, namespace }, ports });
  for (const [key, value] of Object.entries(selector)) {
    s.selectLabel(key, value);
  }
  return s;
}

function serviceAccount(scope: Construct, name: string, namespace: string): kplus.ServiceAccount {
  return new kplus.ServiceAccount(scope, `${namespace}-${name}-sa`, { metadata: { name, namespace }, automountToken: false });
}

/** Service port 80 in front of pods listening on 8080: the usual shape here. */
const HTTP_ON_8080: kplus.ServicePort = { name: 'http', port: 80, targetPort: 8080 };
const CONTAINER_8080: kplus.ContainerPort = { number: 8080 };

/** The shop's workloads and their mesh, in one chart for one phase. */
export class ShopChart extends Chart {
  public readonly mesh: Mesh;

  public constructor(scope: Construct, phase: Phase) {
    super(scope, phase);
    const mesh = new Mesh(this, 'mesh', { phase, ...SHOP_SETTINGS });
    this.mesh = mesh;

    // Peers outside the shop (declared once; services refer to these handles).
    mesh.addPeer(Peer.namespace('monitoring', {
      name: 'monitoring', selector: { 'app.kubernetes.io/name': 'prometheus' }, serviceAccount: 'prometheus-k8s', meshed: false,
    }));
    const kubeApiServer = Peer.kubeApiServer({ cidrs: ['172.20.0.0/28'], ports: [443, 6443] });
    const backoffice = Peer.namespace('backoffice', { name: 'backoffice', selector: { app: 'backoffice' }, serviceAccount: 'backoffice' });
    const tenantReports = Peer.namespaceSelector({ tier: 'tenant' }, { name: 'tenant-reports', selector: { app: 'report-job' }, meshed: false });
    const uptimeProbes = Peer.allNamespaces({ name: 'uptime-probes', selector: { 'app.kubernetes.io/name': 'blackbox-exporter' }, meshed: false });
    const cardNetwork = Peer.world({ name: 'card-network', cidrs: ['198.51.100.192/26'] });

    // --- shop namespace -------------------------------------------------------------
    const shop = 'shop';
    const httpApp = (name: string, extra: Partial<AppProps> = {}) => {
      const labels = extra.labels ?? { app: name };
      const d = deployment(this, name, {
        namespace: shop, labels, serviceAccount: serviceAccount(this, name, shop), ports: [CONTAINER_8080], probes: Probes.HTTP, ...extra,
      });
      return { deployment: d, service: service(this, name, shop, labels, [HTTP_ON_8080]) };
    };
    const grpcApp = (name: string, port: number, extraPorts: kplus.ServicePort[] = []) => {
      const d = deployment(this, name, {
        namespace: shop, labels: { app: name }, serviceAccount: serviceAccount(this, name, shop), ports: [{ number: port }], probes: Probes.GRPC,
      });
      return { deployment: d, service: service(this, name, shop, { app: name }, [{ name: 'grpc', port }, ...extraPorts]) };
    };

    const frontendApp = httpApp('frontend', { replicas: 4 });
    const frontend = mesh.addWorkload(frontendApp.deployment, {
      service: frontendApp.service,
      exposed: true,
      suppress: [{ rule: 'exposed-without-route-restriction', reason: 'the storefront is a single-page app: the browser asks for client-side routes under any path' }],
    });
    const home = frontend.addRoute({ name: 'home', http: { method: HttpMethod.GET, path: '/' }, timeout: '2s' });
    frontend.addRoute({ name: 'static', http: { method: HttpMethod.GET, pathPrefix: '/static' }, timeout: '5s' });
    frontend.addRoute({ name: 'cors-preflight', http: { method: HttpMethod.OPTIONS, pathPrefix: '/api' }, timeout: '1s' });
    frontend.allowFrom(uptimeProbes, { routes: [home] });

    // The catalog runs a stable and a canary Deployment behind one Service.
    const catalogService = service(this, 'catalog', shop, { app: 'catalog' }, [HTTP_ON_8080]);
    const catalogStable = deployment(this, 'catalog-v1', {
      namespace: shop, labels: { app: 'catalog', version: 'v1' }, serviceAccount: serviceAccount(this, 'catalog', shop), ports: [CONTAINER_8080], probes: Probes.HTTP,
    });
    const catalogCanary = deployment(this, 'catalog-v2', {
      namespace: shop, labels: { app: 'catalog', version: 'v2' }, serviceAccount: serviceAccount(this, 'catalog-canary', shop), ports: [CONTAINER_8080], probes: Probes.HTTP,
    });
    const catalog = mesh.addWorkload(catalogStable, { service: catalogService });
    const listProducts = catalog.addRoute({
      name: 'list-products',
      http: { method: HttpMethod.GET, pathPrefix: '/products' },
      port: catalog.port(80),
      timeout: '1s',
      retries: { attempts: 2, perTryTimeout: '400ms', on: [RetryCondition.CONNECT_FAILURE, RetryCondition.GATEWAY_ERROR] },
    });
    const getProduct = catalog.addRoute({
      name: 'get-product',
      // One segment: every L7 phase enforces it exactly.
      http: { method: HttpMethod.GET, pathRegex: '/products/[^/]+' },
      timeout: '1s',
      retries: { attempts: 3, perTryTimeout: '250ms' },
    });
    const updateProduct = catalog.addRoute({
      name: 'update-product', http: { method: HttpMethod.PUT, pathRegex: '/products/[^/]+' }, port: catalog.port(80), timeout: '3s',
    });
    catalog.addVersion({ name: 'v1', workload: catalogStable, weight: 90 });
    const catalogV2 = catalog.addVersion({ name: 'v2', workload: catalogCanary, weight: 10, headers: { 'x-canary': 'true' }, timeout: '2s' });

    const cartApp = httpApp('cart', { serviceAccount: serviceAccount(this, 'cart-api', shop) });
    const cart = mesh.addWorkload(cartApp.deployment, {
      service: cartApp.service,
      suppress: [{ rule: 'retry-non-idempotent-route', reason: 'add-item retries only on connect-failure, refused-stream and reset-before-request: the cart never saw the request' }],
    });
    const getCart = cart.addRoute({
      name: 'get-cart',
      http: { method: HttpMethod.GET, path: '/cart' },
      timeout: '500ms',
      retries: { attempts: 3, perTryTimeout: '120ms', on: [RetryCondition.CONNECT_FAILURE, RetryCondition.GATEWAY_ERROR] },
    });
    cart.addRoute({
      name: 'add-item',
      http: { method: HttpMethod.POST, path: '/cart/items' },
      timeout: '2s',
      retries: { attempts: 2, perTryTimeout: '600ms', on: [RetryCondition.CONNECT_FAILURE, RetryCondition.REFUSED_STREAM, RetryCondition.RESET_BEFORE_REQUEST] },
    });
    cart.addRoute({ name: 'update-item', http: { method: HttpMethod.PATCH, pathRegex: '/cart/items/[^/]+' }, timeout: '2s' });
    cart.addRoute({
      name: 'remove-item',
      http: { method: HttpMethod.DELETE, pathRegex: '/cart/items/[^/]+' },
      timeout: '2s',
      retries: { attempts: 2, perTryTimeout: '600ms', on: [RetryCondition.SERVER_ERROR] },
    });

    const checkoutApp = grpcApp('checkout', 5050, [{ name: 'metrics', port: 9102 }]);
    const checkout = mesh.addWorkload(checkoutApp.deployment, {
      service: checkoutApp.service,
      ports: [{ port: 9102, protocol: PortProtocol.HTTP, metrics: true }],
      probes: { grpc: true },
    });
    const placeOrder = checkout.addRoute({ name: 'place-order', grpc: { service: 'shop.Checkout', method: 'PlaceOrder' }, timeout: '10s' });
    const getOrder = checkout.addRoute({
      name: 'get-order',
      grpc: { service: 'shop.Checkout', method: 'GetOrder' },
      idempotent: true,
      timeout: '2s',
      retries: { attempts: 3, perTryTimeout: '500ms' },
    });

    const recommendationsApp = deployment(this, 'recommendations', {
      namespace: shop,
      labels: { app: 'recommendations', track: 'stable' },
      serviceAccount: serviceAccount(this, 'recommendations', shop),
      ports: [{ number: 8080 }],
      probes: Probes.GRPC,
    });
    const recommendations = mesh.addWorkload(recommendationsApp, {
      service: service(this, 'recommendations', shop, { app: 'recommendations' }, [{ name: 'grpc', port: 8080 }]),
      probes: { grpc: true },
    });
    const recommendRoute = { grpc: { service: 'shop.Recommendations' }, idempotent: true, timeout: '300ms' };
    recommendations.addRoute({
      name: 'recommend', ...recommendRoute, retries: { attempts: 1, perTryTimeout: '150ms', on: [RetryCondition.UNAVAILABLE, RetryCondition.DEADLINE_EXCEEDED] },
    });
    const chaosApp = grpcApp('recommendations-chaos', 8080);
    const recommendationsChaos = mesh.addWorkload(chaosApp.deployment, { service: chaosApp.service, probes: { grpc: true } });
    recommendationsChaos.addRoute({ name: 'recommend', ...recommendRoute });
    recommendations.addVersion({ name: 'stable', workload: recommendationsApp, weight: 95 });
    recommendations.addVersion({ name: 'chaos', service: recommendationsChaos, weight: 5 });

    const reviewsDeployment = deployment(this, 'reviews', {
      namespace: shop, labels: { app: 'reviews' }, serviceAccount: serviceAccount(this, 'reviews', shop), ports: [CONTAINER_8080], probes: Probes.HTTP,
    });
    const reviews = mesh.addWorkload(reviewsDeployment, {
      service: service(this, 'reviews', shop, { app: 'reviews' }, [{ name: 'h2c', port: 80, targetPort: 8080 }]),
      ports: [{ port: 80, protocol: PortProtocol.HTTP2 }],
    });
    const listReviews = reviews.addRoute({
      name: 'list-reviews',
      http: { method: HttpMethod.GET, pathPrefix: '/reviews' },
      timeout: '1s',
      retries: { attempts: 2, perTryTimeout: '300ms', on: [RetryCondition.CONNECT_FAILURE, RetryCondition.GATEWAY_ERROR] },
    });
    const postReview = reviews.addRoute({ name: 'post-review', http: { method: HttpMethod.POST, path: '/reviews' }, timeout: '3s' });
    reviews.addRoute({
      name: 'review-exists',
      http: { method: HttpMethod.HEAD, pathPrefix: '/reviews' },
      timeout: '500ms',
      fault: { abort: { httpStatus: 503, percent: 5 }, headers: { 'x-chaos-test': 'true' } },
    });
    reviews.allowFrom(Peer.ingressController(), { routes: [listReviews] });

    const searchApp = httpApp('search', { labels: { 'app.kubernetes.io/name': 'search', 'app.kubernetes.io/component': 'api' } });
    const search = mesh.addWorkload(searchApp.deployment, { service: searchApp.service });
    const query = search.addRoute({
      name: 'query',
      http: { method: HttpMethod.GET, path: '/search' },
      timeout: '800ms',
      retries: { attempts: 2, perTryTimeout: '300ms', on: [RetryCondition.CONNECT_FAILURE, RetryCondition.SERVER_ERROR] },
    });
    search.allowFrom(tenantReports, { port: search.port(80), routes: [query] });

    const inventoryApp = grpcApp('inventory', 50051, [{ name: 'admin', port: 9000 }]);
    const inventory = mesh.addWorkload(inventoryApp.deployment, {
      service: inventoryApp.service,
      ports: [{ port: 9000, protocol: PortProtocol.TCP, plaintext: true }],
      probes: { grpc: true },
      suppress: [{ rule: 'retry-non-idempotent-route', reason: 'reserve-stock retries only on connect-failure: inventory never saw the request' }],
    });
    const getStock = inventory.addRoute({
      name: 'get-stock',
      grpc: { service: 'shop.Inventory', method: 'GetStock' },
      port: inventory.port(50051),
      idempotent: true,
      timeout: '500ms',
      retries: { attempts: 2, perTryTimeout: '150ms', on: [RetryCondition.UNAVAILABLE, RetryCondition.RESOURCE_EXHAUSTED, RetryCondition.CANCELLED] },
    });
    const reserveStock = inventory.addRoute({
      name: 'reserve-stock',
      grpc: { service: 'shop.Inventory', method: 'ReserveStock' },
      port: inventory.port(50051),
      timeout: '1s',
      retries: { attempts: 1, perTryTimeout: '500ms', on: [RetryCondition.CONNECT_FAILURE] },
    });
    inventory.addCall(Call.toCidr('10.20.0.0/16', { ports: [5432] }));

    const shippingApp = grpcApp('shipping', 7000);
    const shipping = mesh.addWorkload(shippingApp.deployment, { service: shippingApp.service, probes: { grpc: true } });
    const getQuote = shipping.addRoute({
      name: 'get-quote',
      grpc: { service: 'shop.Shipping', method: 'GetQuote' },
      idempotent: true,
      timeout: '1s',
      retries: { attempts: 2, perTryTimeout: '300ms', on: [RetryCondition.UNAVAILABLE, RetryCondition.CANCELLED] },
      fault: { delay: { fixedDelay: '2s', percent: 50 }, abort: { grpcStatus: 'UNAVAILABLE', percent: 10 }, headers: { 'x-chaos-test': 'true' } },
    });
    const createShipment = shipping.addRoute({ name: 'create-shipment', grpc: { service: 'shop.Shipping', method: 'CreateShipment' }, timeout: '5s' });
    shipping.addCall(Call.toHost('api.carrier.example.com', { ports: [443], protocol: PortProtocol.TLS, cidrs: ['203.0.113.0/24'] }));

    const notificationsApp = httpApp('notifications');
    const notifications = mesh.addWorkload(notificationsApp.deployment, {
      service: notificationsApp.service,
      certificate: { extraDnsNames: ['notifications.shop.example.com'] },
    });
    const orderConfirmation = notifications.addRoute({
      name: 'order-confirmation', http: { method: HttpMethod.POST, path: '/v1/order-confirmations' }, timeout: '5s',
    });
    notifications.addCall(Call.toHost('*.smtp.example.net', { ports: [465, 587], cidrs: ['198.51.100.32/28', '198.51.100.48/28'] }));
    notifications.addCall(Call.toCidr('192.0.2.0/24', { ports: [514], protocol: PortProtocol.UDP, except: ['192.0.2.128/25'] }));

    // A client-only workload: no ports, no Service.
    const loadgen = mesh.addWorkload(
      deployment(this, 'loadgen', { namespace: shop, labels: { app: 'loadgen' }, serviceAccount: serviceAccount(this, 'loadgen', shop), probes: Probes.NONE }),
      { certificate: { enabled: true } },
    );

    const operatorDeployment = deployment(this, 'catalog-operator', {
      namespace: shop,
      labels: { app: 'catalog-operator' },
      serviceAccount: serviceAccount(this, 'catalog-operator', shop),
      ports: [{ number: 9443 }, { number: 8383 }],
      probes: Probes.NONE,
    });
    const operator = mesh.addWorkload(operatorDeployment, {
      service: service(this, 'catalog-operator', shop, { app: 'catalog-operator' }, [
        { name: 'webhook', port: 443, targetPort: 9443 },
        { name: 'metrics', port: 8383 },
      ]),
      ports: [{ port: 443, protocol: PortProtocol.TLS }, { port: 8383, protocol: PortProtocol.HTTP, metrics: true }],
    });
    // The API server calls the webhook in plaintext-to-the-mesh, even under strict mTLS.
    operator.allowFrom(kubeApiServer, { port: operator.port(443) });

    // --- payments namespace ---------------------------------------------------------
    const payments = 'payments';
    const chargeDeployment = deployment(this, 'charge', {
      namespace: payments, labels: { app: 'charge' }, serviceAccount: serviceAccount(this, 'payments-charge', payments), ports: [CONTAINER_8080], probes: Probes.HTTP,
    });
    const charge = mesh.addWorkload(chargeDeployment, {
      service: service(this, 'charge', payments, { app: 'charge' }, [{ name: 'http', port: 8080 }]),
      // create-charge retries only when the connection failed, before the API saw the request.
      suppress: [{ rule: 'retry-non-idempotent-route', reason: 'create-charge retries only on connect-failure: the payment API never saw the request' }],
      certificate: { secretName: 'charge-mtls', duration: '720h', renewBefore: '240h' },
    });
    const cardCallback = charge.addRoute({ name: 'card-callback', http: { method: HttpMethod.POST, path: '/v1/callbacks' }, timeout: '5s' });
    const createCharge = charge.addRoute({
      name: 'create-charge',
      http: { method: HttpMethod.POST, path: '/v1/charges' },
      timeout: '15s',
      retries: { attempts: 1, perTryTimeout: '7s', on: [RetryCondition.CONNECT_FAILURE] },
    });
    const getCharge = charge.addRoute({
      name: 'get-charge', http: { method: HttpMethod.GET, pathRegex: '/v1/charges/[^/]+' }, timeout: '2s', retries: { attempts: 3, perTryTimeout: '500ms' },
    });
    charge.addRoute({
      name: 'refund',
      http: { method: HttpMethod.POST, pathPrefix: '/v1/refunds' },
      idempotent: true,
      timeout: '15s',
      retries: { attempts: 2, perTryTimeout: '5s', on: [RetryCondition.GATEWAY_ERROR] },
    });
    charge.allowFrom(cardNetwork, { routes: [cardCallback] });

    const fraudDeployment = deployment(this, 'fraud', {
      namespace: payments, labels: { app: 'fraud' }, serviceAccount: serviceAccount(this, 'fraud', payments), ports: [{ number: 9090 }], probes: Probes.GRPC,
    });
    const fraud = mesh.addWorkload(fraudDeployment, {
      service: service(this, 'fraud', payments, { app: 'fraud' }, [{ port: 9090 }]),
      ports: [{ port: 9090, protocol: PortProtocol.GRPC }],
      probes: { grpc: true },
    });
    const score = fraud.addRoute({
      name: 'score',
      grpc: { service: 'payments.Fraud', method: 'Score' },
      idempotent: true,
      timeout: '250ms',
      retries: { attempts: 1, perTryTimeout: '200ms', on: [RetryCondition.UNAVAILABLE] },
    });

    const ledgerDeployment = deployment(this, 'ledger', {
      namespace: payments, labels: { app: 'ledger' }, serviceAccount: serviceAccount(this, 'ledger', payments), ports: [CONTAINER_8080], probes: Probes.HTTP,
    });
    const ledger = mesh.addWorkload(ledgerDeployment, { service: service(this, 'ledger', payments, { app: 'ledger' }, [HTTP_ON_8080]) });
    const appendEntry = ledger.addRoute({ name: 'append-entry', http: { method: HttpMethod.POST, path: '/entries' }, timeout: '5s' });
    const getBalance = ledger.addRoute({
      name: 'get-balance',
      http: { method: HttpMethod.GET, pathRegex: '/accounts/[0-9]+/balance' },
      // Istio's authorization paths have no regular expressions: it enforces /accounts/{*}/balance
      // and warns once, listing the extra requests (the example's deliberate warning).
      allowWiderEnforcement: true,
      timeout: '1s',
      retries: { attempts: 2, perTryTimeout: '300ms' },
    });
    ledger.allowFrom(backoffice, { ports: [ledger.port(80)], routes: [getBalance] });
    ledger.addCall(Call.toCidr('10.20.0.0/16', { ports: [5432], except: ['10.20.255.0/24'] }));

    // --- who calls whom -------------------------------------------------------------
    frontend.calls(catalog, { port: catalog.port(80), routes: [listProducts, getProduct] });
    frontend.calls(cart);
    frontend.calls(checkout, { port: checkout.port(5050), routes: [placeOrder, getOrder] });
    frontend.calls(recommendations);
    frontend.calls(reviews, { port: reviews.port(80), routes: [listReviews, postReview] });
    frontend.calls(search, { ports: [search.port(80)] });
    catalog.calls(inventory, { port: inventory.port(50051), routes: [getStock] });
    catalogV2.calls(search, { routes: [query] });
    cart.calls(catalog, { routes: [getProduct] });
    checkout.calls(cart, { port: cart.port(80), routes: [getCart] });
    checkout.calls(inventory, { port: inventory.port(50051), routes: [reserveStock] });
    checkout.calls(shipping, { routes: [getQuote, createShipment] });
    checkout.calls(notifications, { routes: [orderConfirmation] });
    checkout.calls(charge, { port: charge.port(8080), routes: [createCharge, getCharge] });
    recommendations.calls(catalog, { routes: [listProducts] });
    reviews.calls(catalog, { routes: [getProduct] });
    search.calls(catalog, { routes: [listProducts] });
    loadgen.calls(frontend);
    operator.addCall(Call.toPeer(kubeApiServer));
    operator.calls(catalog, { routes: [updateProduct] });
    charge.calls(fraud, { port: fraud.port(9090), routes: [score] });
    charge.calls(ledger, { routes: [appendEntry] });
    charge.addCall(Call.toHost('api.stripe.com', { ports: [443], protocol: PortProtocol.TLS, cidrs: ['198.51.100.0/27'] }));
  }
}

/** The shop for every rung of the ladder, one chart (one output file) per phase. */
export function shopApp(app: App): ShopChart[] {
  return Object.values(Phase).map(phase => new ShopChart(app, phase));
}

if (require.main === module) {
  const app = new App();
  shopApp(app);
  app.synth();
}
