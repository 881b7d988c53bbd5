/**
 * The assessment reads exposure from `callers` (not the deprecated `exposed`), counts the
 * peers in use and the ports that stay plaintext under mTLS, and follows version calls.
 */
import { assess, formatAssessment, longestCallChain, plaintextPorts } from '../../src/analysis/assess';
import { ServiceCatalog } from '../../src/model/catalog';
import { CatalogSpec, HttpMethod, PortProtocol } from '../../src/model/types';

const http = [{ name: 'http', port: 80, targetPort: 8080, protocol: PortProtocol.HTTP }];
const emitted = [{ phase: 'baseline', objects: 1 }];

const SPEC: CatalogSpec = {
  namespace: 'shop',
  peers: [{ name: 'ops', namespace: 'ops', serviceAccount: 'ops' }],
  services: [
    // Exposed through a callers entry limited to a route: the chain still starts at the ingress.
    {
      name: 'a',
      ports: http,
      routes: [{ name: 'home', http: { method: HttpMethod.GET, path: '/' } }],
      callers: [{ peer: 'ingress-controller', routes: ['home'] }],
      calls: [{ service: 'b' }],
    },
    // Only b's canary calls c.
    { name: 'b', ports: http, versions: [{ name: 'v1', weight: 90 }, { name: 'v2', weight: 10, calls: [{ service: 'c' }] }] },
    {
      name: 'c',
      ports: [...http, { name: 'metrics', port: 9090, metrics: true }, { name: 'webhook', port: 443, targetPort: 9443 }],
      callers: [{ peer: 'kube-apiserver', port: 'webhook' }, { peer: 'ops', port: 'http' }],
      calls: [{ peer: 'world', port: 443 }],
    },
  ],
};
const catalog = ServiceCatalog.fromSpec(SPEC)._resolved;

describe('assess with peers', () => {
  test('the chain starts at the ingress for a limited ingress caller and follows version calls', () => {
    expect(catalog.service('shop/a').callers.map(c => c.source)).not.toContain('exposed');
    expect(longestCallChain(catalog)).toEqual({ hops: 3, path: ['ingress', 'shop/a', 'shop/b', 'shop/c'], cyclesIgnored: false });
  });

  test('a service only peers call does not start at the ingress', () => {
    const noIngress = ServiceCatalog.fromSpec({ ...SPEC, services: SPEC.services.map(s => (s.name === 'a' ? { ...s, callers: [{ peer: 'ops' }] } : s)) })._resolved;
    expect(longestCallChain(noIngress).path[0]).toBe('shop/a');
  });

  test('plaintext ports: those unmeshed peers call (the API server, the scraper), by reference', () => {
    expect(plaintextPorts(catalog)).toEqual(['shop/c:webhook', 'shop/c:metrics']);
  });

  test('answers count the peers in use and the plaintext exceptions', () => {
    const answers = new Map(assess(catalog, { emitted }).answers.map(a => [a.question, a]));
    expect(answers.get('Peers outside the catalog (callers and callees)')).toEqual({
      question: 'Peers outside the catalog (callers and callees)', answer: '5 (ingress-controller, kube-apiserver, monitoring, ops, world)', source: 'derived',
    });
    expect(answers.get('Ports that keep accepting plaintext under mTLS (callers outside the mesh: webhooks, scrapes)')!.answer).toBe('2 (shop/c:webhook, shop/c:metrics)');
    // A route-limited ingress caller is an L7 need.
    expect(answers.get('L7 needs (route-limited calls, retries, timeouts)')!.answer).toBe('yes');
  });

  test('a mesh recommendation lists the plaintext exceptions among its reasons', () => {
    const a = assess(ServiceCatalog.fromSpec({ ...SPEC, readiness: { complianceMtls: true } })._resolved, { emitted });
    expect(a.recommended).toBe('linkerd');
    expect(a.reasons).toContain('2 port(s) must keep accepting plaintext under strict mTLS (called from outside the mesh: the API server, an unmeshed scraper, the world): '
      + 'list them as exceptions wherever mTLS is a compliance control');
    expect(formatAssessment(a)).toContain('| Ports that keep accepting plaintext under mTLS (callers outside the mesh: webhooks, scrapes) | 2 (shop/c:webhook, shop/c:metrics) | derived |');
  });

  test('long lists are cut after five entries; none is 0', () => {
    const many = ServiceCatalog.fromSpec({
      services: Array.from({ length: 7 }, (_, i) => ({ name: `s${i}`, ports: [{ port: 9090, metrics: true }] })),
    })._resolved;
    const answers = new Map(assess(many, { emitted }).answers.map(a => [a.question, a.answer]));
    expect(answers.get('Ports that keep accepting plaintext under mTLS (callers outside the mesh: webhooks, scrapes)'))
      .toBe('7 (default/s0:9090, default/s1:9090, default/s2:9090, default/s3:9090, default/s4:9090, … 2 more)');
    const none = ServiceCatalog.fromSpec({ services: [{ name: 'web', ports: http }] })._resolved;
    expect(new Map(assess(none, { emitted }).answers.map(a => [a.question, a.answer])).get('Peers outside the catalog (callers and callees)')).toBe('0');
  });

  test('header routes are an L7 need', () => {
    const canary = ServiceCatalog.fromSpec({ services: [{ name: 'web', ports: http, versions: [{ name: 'v1', weight: 100 }, { name: 'v2', weight: 0, headers: { 'x-canary': 'on' } }] }] })._resolved;
    expect(new Map(assess(canary, { emitted }).answers.map(a => [a.question, a.answer])).get('L7 needs (route-limited calls, retries, timeouts)')).toBe('yes');
  });
});
