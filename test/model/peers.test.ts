/**
 * Peers outside the catalog: built-ins and overriding them, scopes, callers (limited to
 * ports or routes), peer calls, metrics ports and the plaintext exceptions unmeshed
 * callers raise. Every error is asserted with its exact field path and message.
 */
import { ResolvedPeer } from '../../src/model/resolved';
import { CatalogSpec, HttpMethod, PeerSpec, PortProtocol, ServiceSpec } from '../../src/model/types';
import { problems, resolved } from '../support/model';

/** `api`: an HTTP port with a targetPort, an unnamed TCP port, a metrics port; two routes. */
function api(extra: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    name: 'api',
    ports: [
      { name: 'http', port: 80, targetPort: 8080, protocol: PortProtocol.HTTP },
      { port: 9443, protocol: PortProtocol.TCP },
      { name: 'metrics', port: 9090, protocol: PortProtocol.HTTP, metrics: true },
    ],
    routes: [
      { name: 'list', http: { method: HttpMethod.GET, pathPrefix: '/items' }, port: 'http' },
      { name: 'stats', http: { method: HttpMethod.GET, path: '/stats' }, port: 'metrics' },
    ],
    ...extra,
  };
}

function catalogWith(services: ServiceSpec[], peers?: PeerSpec[], extra: Partial<CatalogSpec> = {}): CatalogSpec {
  return { namespace: 'shop', ...(peers ? { peers } : {}), ...extra, services };
}

const BUILT_IN_NAMES = 'cluster, ingress-controller, kube-apiserver, monitoring, world';

describe('built-in peers', () => {
  const catalog = resolved(catalogWith([{ name: 'web', ports: [{ port: 80 }] }]));

  test('every catalog knows the five built-ins, sorted by name', () => {
    expect(catalog.peers.map(p => [p.name, p.kind, p.builtIn])).toEqual([
      ['cluster', 'pods', true],
      ['ingress-controller', 'pods', true],
      ['kube-apiserver', 'kube-apiserver', true],
      ['monitoring', 'pods', true],
      ['world', 'world', true],
    ]);
  });

  test('monitoring: Prometheus in namespace monitoring with its service account, unmeshed', () => {
    expect(catalog.peer('monitoring')).toEqual({
      name: 'monitoring',
      kind: 'pods',
      namespace: 'monitoring',
      allNamespaces: false,
      selector: { 'app.kubernetes.io/name': 'prometheus' },
      serviceAccount: 'prometheus-k8s',
      meshed: false,
      cidrs: [],
      ports: [],
      builtIn: true,
    });
  });

  test('cluster: every pod of every namespace, unmeshed', () => {
    expect(catalog.peer('cluster')).toMatchObject({ kind: 'pods', allNamespaces: true, selector: {}, meshed: false, cidrs: [] });
    expect(catalog.peer('cluster').namespace).toBeUndefined();
    expect(catalog.peer('cluster').namespaceSelector).toBeUndefined();
  });

  test('world: both address families; kube-apiserver: no addresses, ports 443 and 6443', () => {
    expect(catalog.peer('world')).toMatchObject({ kind: 'world', cidrs: ['0.0.0.0/0', '::/0'], ports: [], meshed: false, selector: {} });
    expect(catalog.peer('kube-apiserver')).toMatchObject({
      kind: 'kube-apiserver',
      cidrs: [],
      meshed: false,
      ports: [{ port: 443, protocol: PortProtocol.TCP }, { port: 6443, protocol: PortProtocol.TCP }],
    });
  });

  test('ingress-controller: the catalog\'s ingressController, with its service account, meshed', () => {
    expect(catalog.peer('ingress-controller')).toMatchObject({
      kind: 'pods', namespace: 'ingress-nginx', selector: { 'app.kubernetes.io/name': 'ingress-nginx' }, serviceAccount: 'ingress-nginx', meshed: true,
    });
    const traefik = resolved(catalogWith([{ name: 'web', ports: [{ port: 80 }] }], undefined, {
      ingressController: { namespace: 'traefik', selector: { 'app.kubernetes.io/name': 'traefik' }, serviceAccount: 'traefik' },
    }));
    expect(traefik.peer('ingress-controller')).toMatchObject({ namespace: 'traefik', selector: { 'app.kubernetes.io/name': 'traefik' }, serviceAccount: 'traefik', builtIn: true });
  });

  test('peer() names an unknown peer', () => {
    expect(() => catalog.peer('nope')).toThrow('no peer "nope" in the catalog');
  });
});

describe('declared peers', () => {
  test('each scope resolves with its defaults', () => {
    const catalog = resolved(catalogWith([{ name: 'web', ports: [{ port: 80 }] }], [
      { name: 'batch', namespace: 'batch' },
      { name: 'reporting', namespace: 'analytics', selector: { app: 'reporting' }, serviceAccount: 'reporting', ports: [8443, 8080, 8443] },
      { name: 'tenants', namespaceSelector: { tier: 'tenant' }, selector: { role: 'client' }, meshed: false },
      { name: 'anyone', allNamespaces: true },
      { name: 'partner', world: true, cidrs: ['203.0.113.0/24', '198.51.100.0/24', '203.0.113.0/24'] },
      { name: 'control-plane', kubeApiServer: true, cidrs: ['192.0.2.0/28'] },
    ]));
    const byName = (name: string): ResolvedPeer => catalog.peer(name);
    expect(byName('batch')).toEqual({
      name: 'batch',
      kind: 'pods',
      namespace: 'batch',
      namespaceSelector: undefined,
      allNamespaces: false,
      selector: {},
      serviceAccount: undefined,
      meshed: true,
      cidrs: [],
      ports: [],
      builtIn: false,
    });
    // Ports deduplicated and sorted.
    expect(byName('reporting')).toMatchObject({ namespace: 'analytics', selector: { app: 'reporting' }, serviceAccount: 'reporting', ports: [{ port: 8080, protocol: 'tcp' }, { port: 8443, protocol: 'tcp' }] });
    expect(byName('tenants')).toMatchObject({ kind: 'pods', namespaceSelector: { tier: 'tenant' }, selector: { role: 'client' }, meshed: false, allNamespaces: false });
    expect(byName('tenants').namespace).toBeUndefined();
    expect(byName('anyone')).toMatchObject({ kind: 'pods', allNamespaces: true, selector: {}, meshed: true });
    // Canonical order, duplicates dropped.
    expect(byName('partner')).toMatchObject({ kind: 'world', cidrs: ['198.51.100.0/24', '203.0.113.0/24'], meshed: false });
    expect(byName('control-plane')).toMatchObject({ kind: 'kube-apiserver', cidrs: ['192.0.2.0/28'], ports: [{ port: 443 }, { port: 6443 }] });
    expect(catalog.peers.map(p => p.name)).toEqual(['anyone', 'batch', 'cluster', 'control-plane', 'ingress-controller', 'kube-apiserver', 'monitoring', 'partner', 'reporting', 'tenants', 'world']);
  });

  test('built-ins other than ingress-controller can be replaced', () => {
    const catalog = resolved(catalogWith([{ name: 'web', ports: [{ port: 80 }] }], [
      { name: 'world', world: true, cidrs: ['198.51.100.0/24'] },
      { name: 'kube-apiserver', kubeApiServer: true, cidrs: ['10.0.0.1/32'], ports: [6443] },
      { name: 'cluster', allNamespaces: true, selector: { 'mesh-ladder/client': 'true' } },
      { name: 'monitoring', namespace: 'observability', selector: { app: 'vmagent' }, serviceAccount: 'vmagent' },
    ]));
    expect(catalog.peer('world')).toMatchObject({ cidrs: ['198.51.100.0/24'], builtIn: false });
    expect(catalog.peer('kube-apiserver')).toMatchObject({ cidrs: ['10.0.0.1/32'], ports: [{ port: 6443, protocol: 'tcp' }], builtIn: false });
    expect(catalog.peer('cluster')).toMatchObject({ allNamespaces: true, selector: { 'mesh-ladder/client': 'true' }, meshed: true, builtIn: false });
    // A redeclared scraper keeps the built-in's default: unmeshed (the doc of PeerSpec.meshed).
    expect(catalog.peer('monitoring')).toMatchObject({ namespace: 'observability', serviceAccount: 'vmagent', meshed: false, builtIn: false });
    const meshedScraper = resolved(catalogWith([{ name: 'web', ports: [{ port: 80 }] }], [{ name: 'monitoring', namespace: 'o11y', meshed: true }]));
    expect(meshedScraper.peer('monitoring').meshed).toBe(true);
  });

  test('ingress-controller is reserved', () => {
    expect(problems(catalogWith([{ name: 'web', ports: [{ port: 80 }] }], [{ name: 'ingress-controller', namespace: 'traefik' }]))).toEqual([
      'peers[0].name: the ingress controller is configured with the catalog\'s "ingressController"',
    ]);
  });

  test('exactly one scope', () => {
    const spec = catalogWith([{ name: 'web', ports: [{ port: 80 }] }], [
      { name: 'none' },
      { name: 'off', allNamespaces: false, world: false },
      { name: 'two', namespace: 'x', allNamespaces: true },
      { name: 'three', world: true, kubeApiServer: true, namespaceSelector: { a: 'b' } },
    ]);
    expect(problems(spec)).toEqual([
      'peers[0]: a peer needs one scope: "namespace", "namespaceSelector", "allNamespaces", "world" or "kubeApiServer"',
      'peers[1]: a peer needs one scope: "namespace", "namespaceSelector", "allNamespaces", "world" or "kubeApiServer"',
      'peers[2]: a peer has one scope; got namespace and allNamespaces',
      'peers[3]: a peer has one scope; got namespaceSelector and world and kubeApiServer',
    ]);
  });

  test('pod fields on address peers, addresses on pod peers, misplaced service accounts', () => {
    const spec = catalogWith([{ name: 'web', ports: [{ port: 80 }] }], [
      { name: 'w', world: true, selector: { app: 'x' }, serviceAccount: 'sa', meshed: true },
      { name: 'k', kubeApiServer: true, serviceAccount: 'sa', meshed: true },
      { name: 'p', namespace: 'ops', cidrs: ['10.0.0.0/8'] },
      { name: 't', namespaceSelector: { tier: 'tenant' }, serviceAccount: 'sa' },
      { name: 'a', allNamespaces: true, serviceAccount: 'sa' },
      { name: 'bad-sa', namespace: 'ops', serviceAccount: 'Bad_SA' },
    ]);
    expect(problems(spec)).toEqual([
      'peers[0].selector: "selector" selects pods; a world peer is addresses',
      'peers[0].serviceAccount: "serviceAccount" selects pods; a world peer is addresses',
      'peers[0].meshed: the world is never in the mesh',
      'peers[1].serviceAccount: "serviceAccount" selects pods; a kubeApiServer peer is addresses',
      'peers[1].meshed: the API server is never in the mesh',
      'peers[2].cidrs: "cidrs" belongs to world and kubeApiServer peers; pod peers are selected by namespace and labels',
      'peers[3].serviceAccount: a service account is namespaced: it needs "namespace"',
      'peers[4].serviceAccount: a service account is namespaced: it needs "namespace"',
      'peers[5].serviceAccount: "Bad_SA" is not a valid DNS-1123 subdomain',
    ]);
  });

  test('names, namespaces, labels, ranges and ports are checked', () => {
    const spec = catalogWith([{ name: 'web', ports: [{ port: 80 }] }], [
      { name: 'Bad_Name', namespace: 'ops' },
      { name: 'dup', namespace: 'Ops' },
      { name: 'dup', allNamespaces: true, ports: [0, 70000] },
      { name: 'sel', namespaceSelector: {}, selector: { app: 'bad value!' } },
      { name: 'wide', world: true, cidrs: [] },
      { name: 'hosty', world: true, cidrs: ['10.0.0.1/8', 'nonsense'] },
    ]);
    expect(problems(spec)).toEqual([
      'peers[0].name: "Bad_Name" is not a valid DNS-1123 label (lower-case letters, digits and \'-\', starting and ending with a letter or digit)',
      'peers[1].namespace: "Ops" is not a valid DNS-1123 label (lower-case letters, digits and \'-\', starting and ending with a letter or digit)',
      'peers[2].name: duplicate peer "dup" (also peers[1])',
      'peers[2].ports[0]: port 0 is out of range (1-65535)',
      'peers[2].ports[1]: port 70000 is out of range (1-65535)',
      'peers[3].namespaceSelector: an empty namespaceSelector selects every namespace: use "allNamespaces: true"',
      'peers[3].selector.app: label value "bad value!" is invalid (at most 63 characters, alphanumerics, \'-\', \'_\', \'.\', starting and ending with an alphanumeric)',
      'peers[4].cidrs: give at least one range (or remove "cidrs" for the whole world)',
      'peers[5].cidrs[0]: "10.0.0.1/8" has host bits set; did you mean 10.0.0.0/8?',
      'peers[5].cidrs[1]: "nonsense" is not a CIDR block (e.g. 10.20.0.0/16 or 2001:db8::/32)',
    ]);
  });
});

describe('callers', () => {
  test('exposed: true is the ingress controller on every port; metrics ports are the monitoring peer\'s', () => {
    const catalog = resolved(catalogWith([api({ exposed: true })]));
    const service = catalog.service('shop/api');
    expect(service.callers.map(c => [c.peer.name, c.source, c.ports.map(p => p.ref), c.routes.map(r => r.name)])).toEqual([
      ['ingress-controller', 'exposed', ['http', 'metrics', '9443'], []],
      ['monitoring', 'metrics', ['metrics'], []],
    ]);
    expect(service.ports.map(p => [p.ref, p.metrics])).toEqual([['http', false], ['metrics', true], ['9443', false]]);
  });

  test('ports by name, by number and by numeric string; routes bind their ports', () => {
    const catalog = resolved(catalogWith([api({
      callers: [
        { peer: 'ingress-controller', routes: ['list'] },
        { peer: 'kube-apiserver', port: 9443 },
        { peer: 'cluster', ports: ['9443', 'http'] },
        { peer: 'world', port: 'http', routes: ['list'] },
      ],
    })]));
    const service = catalog.service('shop/api');
    expect(service.callers.map(c => [c.peer.name, c.source, c.ports.map(p => p.ref), c.routes.map(r => r.name)])).toEqual([
      ['cluster', 'caller', ['http', '9443'], []],
      ['ingress-controller', 'caller', ['http'], ['list']],
      ['kube-apiserver', 'caller', ['9443'], []],
      ['monitoring', 'metrics', ['metrics'], []],
      ['world', 'caller', ['http'], ['list']],
    ]);
    // Caller ports are the service's own port objects (with targetPort for policies).
    expect(service.callers[1].ports[0]).toBe(service.ports[0]);
    expect(service.callers[1].ports[0].targetPort).toBe(8080);
  });

  test('plaintext: raised by unmeshed callers, only on the ports they call', () => {
    const catalog = resolved(catalogWith([api({
      callers: [{ peer: 'ingress-controller' }, { peer: 'kube-apiserver', port: 9443 }],
    }), { name: 'web', ports: [{ name: 'http', port: 80 }, { name: 'admin', port: 8081, plaintext: true }], callers: [{ peer: 'ops', port: 'http' }] }], [
      { name: 'ops', namespace: 'ops' },
    ]));
    // api: the meshed ingress controller raises nothing; the API server the webhook port; Prometheus the metrics port.
    expect(catalog.service('shop/api').ports.map(p => [p.ref, p.plaintext])).toEqual([['http', false], ['metrics', true], ['9443', true]]);
    // web: a meshed peer raises nothing; a declared plaintext port stays plaintext.
    expect(catalog.service('shop/web').ports.map(p => [p.ref, p.plaintext])).toEqual([['http', false], ['admin', true]]);
    // The route's view of a port is the same object.
    const stats = catalog.service('shop/api').routes.find(r => r.name === 'stats')!;
    expect(stats.ports[0].plaintext).toBe(true);
  });

  test('an unmeshed pod peer raises plaintext too; a meshed one does not', () => {
    const spec = (meshed: boolean) => catalogWith([{ name: 'web', ports: [{ name: 'http', port: 80 }, { name: 'grpc', port: 5050 }], callers: [{ peer: 'batch', port: 'grpc' }] }], [
      { name: 'batch', namespace: 'batch', meshed },
    ]);
    expect(resolved(spec(false)).service('shop/web').ports.map(p => [p.ref, p.plaintext])).toEqual([['http', false], ['grpc', true]]);
    expect(resolved(spec(true)).service('shop/web').ports.map(p => [p.ref, p.plaintext])).toEqual([['http', false], ['grpc', false]]);
  });

  test('unknown peer (with a suggestion), a catalog service named as caller, bad ports and routes', () => {
    const spec = catalogWith([api({
      callers: [
        { peer: 'monitorin' },
        { peer: 'web' },
        { peer: 'shop/web' },
        { peer: 'nobody' },
        { peer: 'world', port: 'grpc' },
        { peer: 'world', ports: [9443, 7000] },
        { peer: 'world', routes: ['lst'] },
        { peer: 'world', port: 9443, routes: ['list'] },
      ],
    }), { name: 'web', ports: [{ port: 80 }] }]);
    expect(problems(spec)).toEqual([
      `services[0].callers[0].peer: unknown peer "monitorin" (peers: ${BUILT_IN_NAMES}; declare it in "peers"); did you mean "monitoring"?`,
      'services[0].callers[1].peer: "web" is a catalog service: declare the call on its side ("calls: [{service: ...}]" in shop/web), not as a caller',
      'services[0].callers[2].peer: "shop/web" is a catalog service: declare the call on its side ("calls: [{service: ...}]" in shop/web), not as a caller',
      `services[0].callers[3].peer: unknown peer "nobody" (peers: ${BUILT_IN_NAMES}; declare it in "peers")`,
      'services[0].callers[4].port: unknown port "grpc" on shop/api (ports: http (80), metrics (9090), 9443)',
      'services[0].callers[5].ports[1]: unknown port "7000" on shop/api (ports: http (80), metrics (9090), 9443)',
      'services[0].callers[6].routes[0]: unknown route "lst" on shop/api (routes: list, stats); did you mean "list"?',
      'services[0].callers[7].routes[0]: route "list" is served on http (80), not on the called port(s) 9443',
    ]);
  });

  test('the ingress controller listed as a caller of an exposed service: one of the two must go', () => {
    expect(problems(catalogWith([api({ exposed: true, callers: [{ peer: 'world', port: 'http' }, { peer: 'ingress-controller', routes: ['list'] }] })]))).toEqual([
      'services[0].callers[1].peer: "exposed: true" already lets the ingress controller call every port; remove one of the two',
    ]);
  });

  test('a client-only workload has no callers', () => {
    expect(problems(catalogWith([{ name: 'job', clientOnly: true, callers: [{ peer: 'world' }] }]))).toEqual([
      'services[0].callers: a client-only workload has no Service to call',
    ]);
  });

  test('a caller without a peer', () => {
    expect(problems(catalogWith([api({ callers: [{ port: 80 } as never] })]))).toEqual(['services[0].callers[0]: each caller needs "peer" (a peer name)']);
  });

  test('callers are sorted by peer name and deduplicated', () => {
    const catalog = resolved(catalogWith([api({ callers: [{ peer: 'world', port: 'http' }, { peer: 'cluster' }, { peer: 'world', port: 80 }] })]));
    expect(catalog.service('shop/api').callers.map(c => `${c.peer.name}:${c.source}:${c.ports.map(p => p.port).join(',')}`))
      .toEqual(['cluster:caller:80,9090,9443', 'monitoring:metrics:9090', 'world:caller:80']);
  });
});

describe('peer calls', () => {
  test('resolve to peerCalls (not calls), with the peer\'s default ports where it has them', () => {
    const catalog = resolved(catalogWith([{
      name: 'operator',
      ports: [{ name: 'webhook', port: 443, targetPort: 9443 }],
      calls: [
        { peer: 'kube-apiserver' },
        { peer: 'world', ports: [443, 80] },
        { peer: 'reporting' },
        { peer: 'batch', port: 5353, protocol: PortProtocol.UDP },
        { peer: 'world', port: 443 },
      ],
    }], [
      { name: 'reporting', namespace: 'analytics', selector: { app: 'reporting' }, ports: [8443] },
      { name: 'batch', namespace: 'batch' },
    ]));
    const operator = catalog.service('shop/operator');
    expect(operator.calls).toEqual([]);
    expect(operator.peerCalls.map(c => [c.kind, c.peer.name, c.ports.map(p => `${p.port}/${p.protocol}`)])).toEqual([
      ['peer', 'batch', ['5353/udp']],
      ['peer', 'kube-apiserver', ['443/tcp', '6443/tcp']],
      ['peer', 'reporting', ['8443/tcp']],
      ['peer', 'world', ['443/tcp']],
      ['peer', 'world', ['80/tcp', '443/tcp']],
    ]);
    expect(operator.peerCalls[1].peer).toBe(catalog.peer('kube-apiserver'));
  });

  test('ports required (except where the peer has defaults); routes, except and cidrs refused; no calls to the ingress controller', () => {
    const spec = catalogWith([{
      name: 'web',
      ports: [{ port: 80 }],
      calls: [
        { peer: 'world' },
        { peer: 'cluster', port: 'http' },
        { peer: 'kube-apiserver', routes: ['x'] },
        { peer: 'world', port: 443, except: ['10.0.0.0/8'] },
        { peer: 'world', port: 443, cidrs: ['10.0.0.0/8'] },
        { peer: 'ingress-controller', port: 80 },
        { peer: 'wrld', port: 443 },
        { peer: 'api', port: 80 },
        { service: 'monitoring' },
        { peer: 'world', service: 'api' },
      ],
    }, { name: 'api', ports: [{ port: 80 }] }]);
    expect(problems(spec)).toEqual([
      'services[0].calls[0]: a call to peer "world" needs "port" or "ports" (numbers)',
      'services[0].calls[1].port: peer calls need port numbers (1-65535), got "http"',
      'services[0].calls[2].routes: routes limit calls to catalog services; a peer call has none',
      'services[0].calls[3].except: "except" applies to cidr calls only',
      'services[0].calls[4].cidrs: "cidrs" of a peer belong to the peer (catalog "peers")',
      'services[0].calls[5].peer: catalog services do not call the ingress controller; it calls them (use "exposed" or "callers")',
      `services[0].calls[6].peer: unknown peer "wrld" (peers: ${BUILT_IN_NAMES}; declare it in "peers"); did you mean "world"?`,
      'services[0].calls[7].peer: "api" is a catalog service, not a peer: use "service: api"',
      'services[0].calls[8].service: unknown service "monitoring" (resolved as shop/monitoring); "monitoring" is a peer: use "peer: monitoring"',
      'services[0].calls[9]: a call names one peer; got service and peer',
    ]);
  });
});

describe('shared service accounts', () => {
  test('a warning at the second holder, also for a version\'s own account; not across namespaces or within one service', () => {
    const spec = catalogWith([
      { name: 'web', ports: [{ port: 80 }] },
      { name: 'api', ports: [{ port: 80 }], versions: [{ name: 'v1', weight: 90 }, { name: 'v2', weight: 10, serviceAccount: 'web' }] },
      { name: 'db', ports: [{ port: 5432 }], serviceAccount: 'api' },
      { name: 'db', namespace: 'other', ports: [{ port: 5432 }], serviceAccount: 'web' },
      { name: 'self', ports: [{ port: 1 }], versions: [{ name: 'v1', weight: 50, serviceAccount: 'self' }, { name: 'v2', weight: 50, serviceAccount: 'self-canary' }] },
    ]);
    expect(problems(spec)).toEqual([]);
    expect(problems(spec, 'warning')).toEqual([
      'services[1].versions[1].serviceAccount: shares service account "web" with shop/web: mesh identity cannot tell them apart (the L4 layer still does)',
      'services[2].serviceAccount: shares service account "api" with shop/api: mesh identity cannot tell them apart (the L4 layer still does)',
    ]);
    const catalog = resolved(spec);
    expect(catalog.service('shop/api').serviceAccounts).toEqual(['api', 'web']);
    expect(catalog.service('shop/self').serviceAccounts).toEqual(['self', 'self-canary']);
  });

  test('a version sharing a service\'s account that comes later is reported at the service', () => {
    const spec = catalogWith([
      { name: 'api', ports: [{ port: 80 }], versions: [{ name: 'v1', weight: 90 }, { name: 'v2', weight: 10, serviceAccount: 'web' }] },
      { name: 'web', ports: [{ port: 80 }] },
    ]);
    expect(problems(spec, 'warning')).toEqual([
      'services[1].serviceAccount: shares service account "web" with shop/api: mesh identity cannot tell them apart (the L4 layer still does)',
    ]);
  });
});
