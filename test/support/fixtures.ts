import { CatalogSpec, HttpMethod, PortProtocol } from '../../src/model/types';

/** The catalog from the foundation issue, written as data. */
export const issueExample: CatalogSpec = {
  namespace: 'shop',
  clusterDomain: 'cluster.local',
  trustDomain: 'cluster.local',
  dns: { namespace: 'kube-system', selector: { 'k8s-app': 'kube-dns' } },
  ingressController: { namespace: 'ingress-nginx', selector: { 'app.kubernetes.io/name': 'ingress-nginx' } },
  certificates: { duration: '2160h', renewBefore: '720h' },
  services: [
    {
      name: 'frontend',
      ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: PortProtocol.HTTP }],
      exposed: true,
      calls: [{ service: 'checkout', port: 'grpc', routes: ['place-order'] }, { service: 'catalog' }],
    },
    {
      name: 'checkout',
      ports: [{ name: 'grpc', port: 5050, protocol: PortProtocol.GRPC }],
      routes: [
        { name: 'place-order', grpc: { service: 'shop.Checkout', method: 'PlaceOrder' } },
        { name: 'get-order', grpc: { service: 'shop.Checkout', method: 'GetOrder' }, idempotent: true, timeout: '2s', retries: { attempts: 3, perTryTimeout: '500ms' } },
      ],
      calls: [
        { service: 'payments/charge', port: 'http', routes: ['charge'] },
        { host: 'api.stripe.com', port: 443, cidrs: ['198.51.100.0/24'] },
        { cidr: '10.20.0.0/16', port: 5432 },
      ],
    },
    {
      name: 'catalog',
      ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: PortProtocol.HTTP }],
      routes: [{ name: 'list', http: { method: HttpMethod.GET, pathPrefix: '/products' } }],
      versions: [{ name: 'v1', labels: { version: 'v1' }, weight: 90 }, { name: 'v2', labels: { version: 'v2' }, weight: 10 }],
    },
    { name: 'loadgen', clientOnly: true, calls: [{ service: 'frontend' }] },
    {
      name: 'charge',
      namespace: 'payments',
      ports: [{ name: 'http', port: 8080, protocol: PortProtocol.HTTP }],
      routes: [{ name: 'charge', http: { method: HttpMethod.POST, path: '/charge' } }],
    },
  ],
};

