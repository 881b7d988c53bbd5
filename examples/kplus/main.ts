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
  Call, CatalogSettingsSpec, HttpMethod, Mesh, Peer, Phase, PortProtocol, RetryCondition,
} from '../../src';
import { shopCatalog } from '../shop/app';

/**
 * The shop's catalog-wide settings: examples/shop/app.ts's catalog without its services
 * and peers (`CatalogSettingsSpec`, the type `MeshProps` extends), so they are written once.
 */
const { services: _services, peers: _peers, ...shopSettings } = shopCatalog;
export const SHOP_SETTINGS: CatalogSettingsSpec = shopSettings;

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

const SHOP = 'shop';
const PAYMENTS = 'payments';

/** Peers outside the shop, declared once; services refer to these handles. */
function shopPeers(mesh: Mesh) {
  mesh.addPeer(Peer.namespace('monitoring', {
    name: 'monitoring', selector: { 'app.kubernetes.io/name': 'prometheus' }, serviceAccount: 'prometheus-k8s', meshed: false,
  }));
  return {
    kubeApiServer: Peer.kubeApiServer({ cidrs: ['172.20.0.0/28'], ports: [443, 6443] }),
    backoffice: Peer.namespace('backoffice', { name: 'backoffice', selector: { app: 'backoffice' }, serviceAccount: 'backoffice' }),
    tenantReports: Peer.namespaceSelector({ tier: 'tenant' }, { name: 'tenant-reports', selector: { app: 'report-job' }, meshed: false }),
    uptimeProbes: Peer.allNamespaces({ name: 'uptime-probes', selector: { 'app.kubernetes.io/name': 'blackbox-exporter' }, meshed: false }),
    cardNetwork: Peer.world({ name: 'card-network', cidrs: ['198.51.100.192/26'] }),
  };
}
type ShopPeers = ReturnType<typeof shopPeers>;

/** An HTTP app of the shop namespace: Deployment on 8080, Service port 80, service account named after it. */
function httpApp(chart: Chart, name: string, extra: Partial<AppProps> = {}) {
  const labels = extra.labels ?? { app: name };
  const d = deployment(chart, name, {
    namespace: SHOP, labels, serviceAccount: serviceAccount(chart, name, SHOP), ports: [CONTAINER_8080], probes: Probes.HTTP, ...extra,
  });
  return { deployment: d, service: service(chart, name, SHOP, labels, [HTTP_ON_8080]) };
}

/** A gRPC app of the shop namespace: Service port `grpc` (and `extraPorts`) on the same pod port. */
function grpcApp(chart: Chart, name: string, port: number, extraPorts: kplus.ServicePort[] = []) {
  const d = deployment(chart, name, {
    namespace: SHOP, labels: { app: name }, serviceAccount: serviceAccount(chart, name, SHOP), ports: [{ number: port }], probes: Probes.GRPC,
  });
  return { deployment: d, service: service(chart, name, SHOP, { app: name }, [{ name: 'grpc', port }, ...extraPorts]) };
}

/** The storefront: exposed, probed by the uptime checker on its home page. */
function addFrontend(mesh: Mesh, chart: Chart, peers: ShopPeers) {
  const frontendApp = httpApp(chart, 'frontend', { replicas: 4 });
  const frontend = mesh.addWorkload(frontendApp.deployment, {
    service: frontendApp.service,
    exposed: true,
    suppress: [{ rule: 'exposed-without-route-restriction', reason: 'the storefront is a single-page app: the browser asks for client-side routes under any path' }],
  });
  const home = frontend.addRoute({ name: 'home', http: { method: HttpMethod.GET, path: '/' }, timeout: '2s' });
  frontend.addRoute({ name: 'static', http: { method: HttpMethod.GET, pathPrefix: '/static' }, timeout: '5s' });
  frontend.addRoute({ name: 'cors-preflight', http: { method: HttpMethod.OPTIONS, pathPrefix: '/api' }, timeout: '1s' });
  frontend.allowFrom(peers.uptimeProbes, { routes: [home] });
  return { frontend };
}

/** The catalog runs a stable and a canary Deployment behind one Service. */
function addCatalog(mesh: Mesh, chart: Chart) {
  const catalogService = service(chart, 'catalog', SHOP, { app: 'catalog' }, [HTTP_ON_8080]);
  const catalogStable = deployment(chart, 'catalog-v1', {
    namespace: SHOP, labels: { app: 'catalog', version: 'v1' }, serviceAccount: serviceAccount(chart, 'catalog', SHOP), ports: [CONTAINER_8080], probes: Probes.HTTP,
  });
  const catalogCanary = deployment(chart, 'catalog-v2', {
    namespace: SHOP, labels: { app: 'catalog', version: 'v2' }, serviceAccount: serviceAccount(chart, 'catalog-canary', SHOP), ports: [CONTAINER_8080], probes: Probes.HTTP,
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
  return { catalog, catalogV2, listProducts, getProduct, updateProduct };
}

/** The cart. */
function addCart(mesh: Mesh, chart: Chart) {
  const cartApp = httpApp(chart, 'cart', { serviceAccount: serviceAccount(chart, 'cart-api', SHOP) });
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
  return { cart, getCart };
}

/** Checkout (gRPC), with a metrics port Prometheus scrapes. */
function addCheckout(mesh: Mesh, chart: Chart) {
  const checkoutApp = grpcApp(chart, 'checkout', 5050, [{ name: 'metrics', port: 9102 }]);
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
  return { checkout, placeOrder, getOrder };
}

/** Recommendations, 5% of it served by a chaos backend. */
function addRecommendations(mesh: Mesh, chart: Chart) {
  const recommendationsApp = deployment(chart, 'recommendations', {
    namespace: SHOP,
    labels: { app: 'recommendations', track: 'stable' },
    serviceAccount: serviceAccount(chart, 'recommendations', SHOP),
    ports: [{ number: 8080 }],
    probes: Probes.GRPC,
  });
  const recommendations = mesh.addWorkload(recommendationsApp, {
    service: service(chart, 'recommendations', SHOP, { app: 'recommendations' }, [{ name: 'grpc', port: 8080 }]),
    probes: { grpc: true },
  });
  const recommendRoute = { grpc: { service: 'shop.Recommendations' }, idempotent: true, timeout: '300ms' };
  recommendations.addRoute({
    name: 'recommend', ...recommendRoute, retries: { attempts: 1, perTryTimeout: '150ms', on: [RetryCondition.UNAVAILABLE, RetryCondition.DEADLINE_EXCEEDED] },
  });
  const chaosApp = grpcApp(chart, 'recommendations-chaos', 8080);
  const recommendationsChaos = mesh.addWorkload(chaosApp.deployment, { service: chaosApp.service, probes: { grpc: true } });
  recommendationsChaos.addRoute({ name: 'recommend', ...recommendRoute });
  recommendations.addVersion({ name: 'stable', workload: recommendationsApp, weight: 95 });
  recommendations.addVersion({ name: 'chaos', service: recommendationsChaos, weight: 5 });
  return { recommendations };
}

/** Reviews over HTTP/2 cleartext; the ingress may list them. */
function addReviews(mesh: Mesh, chart: Chart) {
  const reviewsDeployment = deployment(chart, 'reviews', {
    namespace: SHOP, labels: { app: 'reviews' }, serviceAccount: serviceAccount(chart, 'reviews', SHOP), ports: [CONTAINER_8080], probes: Probes.HTTP,
  });
  const reviews = mesh.addWorkload(reviewsDeployment, {
    service: service(chart, 'reviews', SHOP, { app: 'reviews' }, [{ name: 'h2c', port: 80, targetPort: 8080 }]),
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
  return { reviews, listReviews, postReview };
}

/** Search, also queried by the tenants' report jobs. */
function addSearch(mesh: Mesh, chart: Chart, peers: ShopPeers) {
  const searchApp = httpApp(chart, 'search', { labels: { 'app.kubernetes.io/name': 'search', 'app.kubernetes.io/component': 'api' } });
  const search = mesh.addWorkload(searchApp.deployment, { service: searchApp.service });
  const query = search.addRoute({
    name: 'query',
    http: { method: HttpMethod.GET, path: '/search' },
    timeout: '800ms',
    retries: { attempts: 2, perTryTimeout: '300ms', on: [RetryCondition.CONNECT_FAILURE, RetryCondition.SERVER_ERROR] },
  });
  search.allowFrom(peers.tenantReports, { port: search.port(80), routes: [query] });
  return { search, query };
}

/** Inventory (gRPC) with a plaintext admin port and a database. */
function addInventory(mesh: Mesh, chart: Chart) {
  const inventoryApp = grpcApp(chart, 'inventory', 50051, [{ name: 'admin', port: 9000 }]);
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
  return { inventory, getStock, reserveStock };
}

/** Shipping, which calls the carrier's API. */
function addShipping(mesh: Mesh, chart: Chart) {
  const shippingApp = grpcApp(chart, 'shipping', 7000);
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
  return { shipping, getQuote, createShipment };
}

/** Notifications: mail over SMTP, logs over syslog. */
function addNotifications(mesh: Mesh, chart: Chart) {
  const notificationsApp = httpApp(chart, 'notifications');
  const notifications = mesh.addWorkload(notificationsApp.deployment, {
    service: notificationsApp.service,
    certificate: { extraDnsNames: ['notifications.shop.example.com'] },
  });
  const orderConfirmation = notifications.addRoute({
    name: 'order-confirmation', http: { method: HttpMethod.POST, path: '/v1/order-confirmations' }, timeout: '5s',
  });
  notifications.addCall(Call.toHost('*.smtp.example.net', { ports: [465, 587], cidrs: ['198.51.100.32/28', '198.51.100.48/28'] }));
  notifications.addCall(Call.toCidr('192.0.2.0/24', { ports: [514], protocol: PortProtocol.UDP, except: ['192.0.2.128/25'] }));
  return { notifications, orderConfirmation };
}

/** A client-only workload: no ports, no Service. */
function addLoadgen(mesh: Mesh, chart: Chart) {
  const loadgen = mesh.addWorkload(
    deployment(chart, 'loadgen', { namespace: SHOP, labels: { app: 'loadgen' }, serviceAccount: serviceAccount(chart, 'loadgen', SHOP), probes: Probes.NONE }),
    { certificate: { enabled: true } },
  );
  return { loadgen };
}

/** The catalog operator: an admission webhook the API server calls. */
function addCatalogOperator(mesh: Mesh, chart: Chart, peers: ShopPeers) {
  const operatorDeployment = deployment(chart, 'catalog-operator', {
    namespace: SHOP,
    labels: { app: 'catalog-operator' },
    serviceAccount: serviceAccount(chart, 'catalog-operator', SHOP),
    ports: [{ number: 9443 }, { number: 8383 }],
    probes: Probes.NONE,
  });
  const operator = mesh.addWorkload(operatorDeployment, {
    service: service(chart, 'catalog-operator', SHOP, { app: 'catalog-operator' }, [
      { name: 'webhook', port: 443, targetPort: 9443 },
      { name: 'metrics', port: 8383 },
    ]),
    ports: [{ port: 443, protocol: PortProtocol.TLS }, { port: 8383, protocol: PortProtocol.HTTP, metrics: true }],
  });
  // The API server calls the webhook in plaintext-to-the-mesh, even under strict mTLS.
  operator.allowFrom(peers.kubeApiServer, { port: operator.port(443) });
  return { operator };
}

/** Card payments. */
function addCharge(mesh: Mesh, chart: Chart, peers: ShopPeers) {
  const chargeDeployment = deployment(chart, 'charge', {
    namespace: PAYMENTS, labels: { app: 'charge' }, serviceAccount: serviceAccount(chart, 'payments-charge', PAYMENTS), ports: [CONTAINER_8080], probes: Probes.HTTP,
  });
  const charge = mesh.addWorkload(chargeDeployment, {
    service: service(chart, 'charge', PAYMENTS, { app: 'charge' }, [{ name: 'http', port: 8080 }]),
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
  charge.allowFrom(peers.cardNetwork, { routes: [cardCallback] });
  return { charge, createCharge, getCharge };
}

/** Fraud scoring (gRPC, an unnamed port). */
function addFraud(mesh: Mesh, chart: Chart) {
  const fraudDeployment = deployment(chart, 'fraud', {
    namespace: PAYMENTS, labels: { app: 'fraud' }, serviceAccount: serviceAccount(chart, 'fraud', PAYMENTS), ports: [{ number: 9090 }], probes: Probes.GRPC,
  });
  const fraud = mesh.addWorkload(fraudDeployment, {
    service: service(chart, 'fraud', PAYMENTS, { app: 'fraud' }, [{ port: 9090 }]),
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
  return { fraud, score };
}

/** The ledger, which the back office reads. */
function addLedger(mesh: Mesh, chart: Chart, peers: ShopPeers) {
  const ledgerDeployment = deployment(chart, 'ledger', {
    namespace: PAYMENTS, labels: { app: 'ledger' }, serviceAccount: serviceAccount(chart, 'ledger', PAYMENTS), ports: [CONTAINER_8080], probes: Probes.HTTP,
  });
  const ledger = mesh.addWorkload(ledgerDeployment, { service: service(chart, 'ledger', PAYMENTS, { app: 'ledger' }, [HTTP_ON_8080]) });
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
  ledger.allowFrom(peers.backoffice, { ports: [ledger.port(80)], routes: [getBalance] });
  ledger.addCall(Call.toCidr('10.20.0.0/16', { ports: [5432], except: ['10.20.255.0/24'] }));
  return { ledger, appendEntry };
}

type ShopServices = { peers: ShopPeers }
  & ReturnType<typeof addFrontend>
  & ReturnType<typeof addCatalog>
  & ReturnType<typeof addCart>
  & ReturnType<typeof addCheckout>
  & ReturnType<typeof addRecommendations>
  & ReturnType<typeof addReviews>
  & ReturnType<typeof addSearch>
  & ReturnType<typeof addInventory>
  & ReturnType<typeof addShipping>
  & ReturnType<typeof addNotifications>
  & ReturnType<typeof addLoadgen>
  & ReturnType<typeof addCatalogOperator>
  & ReturnType<typeof addCharge>
  & ReturnType<typeof addFraud>
  & ReturnType<typeof addLedger>;

/** Who calls whom, with handles. */
function wire(s: ShopServices): void {
  const {
    appendEntry,
    cart,
    catalog,
    catalogV2,
    charge,
    checkout,
    createCharge,
    createShipment,
    fraud,
    frontend,
    getCart,
    getCharge,
    getOrder,
    getProduct,
    getQuote,
    getStock,
    inventory,
    ledger,
    listProducts,
    listReviews,
    loadgen,
    notifications,
    operator,
    orderConfirmation,
    peers,
    placeOrder,
    postReview,
    query,
    recommendations,
    reserveStock,
    reviews,
    score,
    search,
    shipping,
    updateProduct,
  } = s;
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
  operator.addCall(Call.toPeer(peers.kubeApiServer));
  operator.calls(catalog, { routes: [updateProduct] });
  charge.calls(fraud, { port: fraud.port(9090), routes: [score] });
  charge.calls(ledger, { routes: [appendEntry] });
  charge.addCall(Call.toHost('api.stripe.com', { ports: [443], protocol: PortProtocol.TLS, cidrs: ['198.51.100.0/27'] }));
}

/** The shop's workloads and their mesh, in one chart for one phase. */
export class ShopChart extends Chart {
  public readonly mesh: Mesh;

  public constructor(scope: Construct, phase: Phase) {
    super(scope, phase);
    const mesh = new Mesh(this, 'mesh', { phase, ...SHOP_SETTINGS });
    this.mesh = mesh;
    const peers = shopPeers(mesh);
    // In the catalog's order (the emitted objects keep it).
    wire({
      peers,
      ...addFrontend(mesh, this, peers),
      ...addCatalog(mesh, this),
      ...addCart(mesh, this),
      ...addCheckout(mesh, this),
      ...addRecommendations(mesh, this),
      ...addReviews(mesh, this),
      ...addSearch(mesh, this, peers),
      ...addInventory(mesh, this),
      ...addShipping(mesh, this),
      ...addNotifications(mesh, this),
      ...addLoadgen(mesh, this),
      ...addCatalogOperator(mesh, this, peers),
      ...addCharge(mesh, this, peers),
      ...addFraud(mesh, this),
      ...addLedger(mesh, this, peers),
    });
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
