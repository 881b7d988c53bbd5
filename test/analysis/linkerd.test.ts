import { buildUniverse, Endpoint, lookalikeId, otherPodId, Universe, WORLD_ID } from '../../src/analysis/endpoints';
import { formatFlow, PortProbe } from '../../src/analysis/flows';
import { canaryRoutingProblems, checkLinkerdReachability, LinkerdEvaluator, LinkerdMeshEvaluator, retrySafetyProblems, winningRules } from '../../src/analysis/linkerd';
import { NetworkPolicyEvaluator } from '../../src/analysis/networkpolicy';
import { checkPhaseReachability } from '../../src/analysis/phases';
import { formatRequestFlow } from '../../src/analysis/requests';
import { ServiceCatalog } from '../../src/model/catalog';
import { Phase } from '../../src/model/phase';
import { CatalogSpec, HttpMethod, L4Layer, MeshMode, PortProtocol } from '../../src/model/types';
import { synthLinkerd } from '../phases/linkerd/support';
import { issueExample } from '../support/fixtures';
import { Manifest } from '../support/synth';

const POLICY = 'policy.linkerd.io';

const spec: CatalogSpec = {
  namespace: 'shop',
  trustDomain: 'example.org',
  services: [
    {
      name: 'api',
      ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: PortProtocol.HTTP }, { name: 'db', port: 5432, protocol: PortProtocol.TCP }],
      routes: [
        { name: 'read', http: { method: HttpMethod.GET, pathPrefix: '/items' } },
        { name: 'write', http: { method: HttpMethod.POST, path: '/items' } },
      ],
    },
    { name: 'web', clientOnly: true, calls: [{ service: 'api', routes: ['read'] }] },
    { name: 'admin', clientOnly: true, calls: [{ service: 'api' }] },
  ],
};
const catalog = ServiceCatalog.fromSpec(spec)._resolved;

const namespace = (name: string, annotations: Record<string, string>): Manifest => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, annotations } });
const server = (name: string, port: number | string, extra: Record<string, unknown> = {}): Manifest => ({
  apiVersion: `${POLICY}/v1beta3`,
  kind: 'Server',
  metadata: { name, namespace: 'shop' },
  spec: { podSelector: { matchLabels: { app: 'api' } }, port, proxyProtocol: 'HTTP/1', ...extra },
});
const meshTls = (name: string, spec2: Record<string, unknown>): Manifest => ({ apiVersion: `${POLICY}/v1alpha1`, kind: 'MeshTLSAuthentication', metadata: { name, namespace: 'shop' }, spec: spec2 });
const networkAuth = (name: string, networks: Array<{ cidr: string; except?: string[] }>): Manifest =>
  ({ apiVersion: `${POLICY}/v1alpha1`, kind: 'NetworkAuthentication', metadata: { name, namespace: 'shop' }, spec: { networks } });
const policy = (name: string, target: Record<string, string>, refs: Array<Record<string, string>>): Manifest =>
  ({ apiVersion: `${POLICY}/v1alpha1`, kind: 'AuthorizationPolicy', metadata: { name, namespace: 'shop' }, spec: { targetRef: target, requiredAuthenticationRefs: refs } });
const route = (name: string, serverName: string, matches: unknown[]): Manifest => ({
  apiVersion: `${POLICY}/v1beta3`,
  kind: 'HTTPRoute',
  metadata: { name, namespace: 'shop' },
  spec: { parentRefs: [{ group: POLICY, kind: 'Server', name: serverName }], rules: [{ matches }] },
});
const meshTlsRef = (name: string) => ({ group: POLICY, kind: 'MeshTLSAuthentication', name });
const serverRef = (name: string) => ({ group: POLICY, kind: 'Server', name });

const HTTP: PortProbe = { port: 8080, protocol: 'TCP' };
const get = (path: string) => ({ method: 'GET', path });

function evaluator(manifests: Manifest[], options = {}): { linkerd: LinkerdEvaluator; universe: Universe; e: (id: string) => Endpoint } {
  const universe = buildUniverse(catalog);
  return { linkerd: new LinkerdEvaluator(universe, catalog, manifests, options), universe, e: (id: string) => universe.endpoint(id) };
}

describe('meshing and identities', () => {
  const { linkerd, e } = evaluator([namespace('shop', { 'linkerd.io/inject': 'enabled' })]);

  test('pods of injected namespaces, declared workloads, the ingress controller and foreign look-alikes are meshed', () => {
    expect(linkerd.isMeshed(e('shop/web'))).toBe(true);
    expect(linkerd.isMeshed(e(otherPodId('shop')))).toBe(true);
    expect(linkerd.isMeshed(e('ingress-nginx/ingress-controller'))).toBe(true);
    expect(linkerd.isMeshed(e(lookalikeId('shop/web')))).toBe(true);
    expect(linkerd.isMeshed(e('kube-system/dns'))).toBe(false);
    expect(linkerd.isMeshed(e('(other namespace)'))).toBe(false);
    expect(linkerd.isMeshed(e(WORLD_ID))).toBe(false);
  });

  test('identity: <sa>.<ns>.serviceaccount.identity.<control-plane ns>.<trust domain>', () => {
    expect(linkerd.identity(e('shop/web'))).toBe('web.shop.serviceaccount.identity.linkerd.example.org');
    expect(linkerd.identity(e('ingress-nginx/ingress-controller'))).toBe('ingress-nginx.ingress-nginx.serviceaccount.identity.linkerd.example.org');
    expect(linkerd.identity(e(lookalikeId('shop/web')))).toMatch(/^web\.mesh-ladder-foreign\.serviceaccount/);
  });
});

describe('Server selection', () => {
  test('by port number and by container port name; other ports fall back to the default policy', () => {
    const base = [namespace('shop', { 'linkerd.io/inject': 'enabled', 'config.linkerd.io/default-inbound-policy': 'all-authenticated' })];
    for (const port of [8080, 'http']) {
      const { linkerd, e } = evaluator([...base, server('s', port)]);
      // A Server without authorizations denies everyone.
      expect(linkerd.decideRequest(e('shop/admin'), e('shop/api'), HTTP, get('/')).allowed).toBe(false);
      // Port 5432 has no Server: all-authenticated lets a meshed client in.
      expect(linkerd.decideConnection(e('shop/admin'), e('shop/api'), { port: 5432, protocol: 'TCP' })).toMatchObject({ allowed: true, reason: 'default inbound policy: all-authenticated' });
      expect(linkerd.decideConnection(e('(other namespace)'), e('shop/api'), { port: 5432, protocol: 'TCP' }).allowed).toBe(false);
    }
  });

  test('UDP and unmeshed destinations are not Linkerd\'s to decide', () => {
    const { linkerd, e } = evaluator([server('s', 8080)]);
    expect(linkerd.allows(e('shop/admin'), e('shop/api'), { port: 8080, protocol: 'UDP' })).toBe(true);
    expect(linkerd.allows(e('shop/admin'), e('kube-system/dns'), { port: 53, protocol: 'TCP' })).toBe(true);
  });

  test('two Servers on one pod port are an error', () => {
    const { linkerd } = evaluator([server('a', 8080), server('b', 'http')]);
    expect(linkerd.diagnostics.some(d => d.severity === 'error' && /several Servers select port 8080 of shop\/api/.test(d.message))).toBe(true);
  });
});

describe('authorizations', () => {
  const base = [namespace('shop', { 'linkerd.io/inject': 'enabled' }), server('s', 8080)];

  test('MeshTLSAuthentication identityRefs: the service account in its namespace, not a look-alike elsewhere', () => {
    const { linkerd, e } = evaluator([...base,
      meshTls('m', { identityRefs: [{ kind: 'ServiceAccount', name: 'admin', namespace: 'shop' }] }),
      policy('p', serverRef('s'), [meshTlsRef('m')])]);
    expect(linkerd.decideRequest(e('shop/admin'), e('shop/api'), HTTP, get('/x'))).toMatchObject({ allowed: true, audit: false, reason: 'Server shop/s: AuthorizationPolicy shop/p' });
    expect(linkerd.allows(e(lookalikeId('shop/admin')), e('shop/api'), HTTP)).toBe(false);
    expect(linkerd.allows(e('shop/web'), e('shop/api'), HTTP)).toBe(false);
  });

  test('identity strings: exact, *.suffix and *', () => {
    for (const [identities, web, foreign] of [
      [['web.shop.serviceaccount.identity.linkerd.example.org'], true, false],
      [['*.shop.serviceaccount.identity.linkerd.example.org'], true, false],
      [['*'], true, true],
    ] as const) {
      const { linkerd, e } = evaluator([...base, meshTls('m', { identities }), policy('p', serverRef('s'), [meshTlsRef('m')])]);
      expect(linkerd.allows(e('shop/web'), e('shop/api'), HTTP)).toBe(web);
      expect(linkerd.allows(e(lookalikeId('shop/web')), e('shop/api'), HTTP)).toBe(foreign);
      expect(linkerd.allows(e('(other namespace)'), e('shop/api'), HTTP)).toBe(false); // unmeshed: no identity
    }
  });

  test('NetworkAuthentication: client addresses in a network and not in its except; no identity needed', () => {
    const { linkerd, e } = evaluator([...base,
      networkAuth('n', [{ cidr: '203.0.113.0/24', except: ['203.0.113.128/25'] }]),
      policy('p', serverRef('s'), [{ group: POLICY, kind: 'NetworkAuthentication', name: 'n' }])]);
    expect(linkerd.allows(e(WORLD_ID), e('shop/api'), HTTP)).toBe(true); // 203.0.113.10
    expect(linkerd.allows(e('shop/admin'), e('shop/api'), HTTP)).toBe(false); // pods have no address here
    const excepted = evaluator([...base,
      networkAuth('n', [{ cidr: '203.0.113.0/24', except: ['203.0.113.0/28'] }]),
      policy('p', serverRef('s'), [{ group: POLICY, kind: 'NetworkAuthentication', name: 'n' }])]);
    expect(excepted.linkerd.allows(excepted.e(WORLD_ID), excepted.e('shop/api'), HTTP)).toBe(false);
  });

  test('a policy referring to a missing authentication is ignored (and reported)', () => {
    const { linkerd, e } = evaluator([...base, policy('p', serverRef('s'), [meshTlsRef('nope')])]);
    expect(linkerd.allows(e('shop/admin'), e('shop/api'), HTTP)).toBe(false);
    expect(linkerd.diagnostics).toContainEqual({ severity: 'warning', subject: 'AuthorizationPolicy shop/p', message: 'MeshTLSAuthentication shop/nope does not exist; Linkerd ignores the policy' });
  });

  test('a policy targeting the Namespace applies to every Server there; no authentication = everyone', () => {
    const { linkerd, e } = evaluator([...base, policy('p', { kind: 'Namespace', name: 'shop' }, [])]);
    expect(linkerd.allows(e('(other namespace)'), e('shop/api'), HTTP)).toBe(true);
  });

  test('Server accessPolicy: audit allows and flags; all-authenticated needs mTLS', () => {
    const audit = evaluator([namespace('shop', { 'linkerd.io/inject': 'enabled' }), server('s', 8080, { accessPolicy: 'audit' })]);
    expect(audit.linkerd.decideRequest(audit.e('(other namespace)'), audit.e('shop/api'), HTTP, get('/'))).toMatchObject({ allowed: true, audit: true });
    const authn = evaluator([namespace('shop', { 'linkerd.io/inject': 'enabled' }), server('s', 8080, { accessPolicy: 'all-authenticated' })]);
    expect(authn.linkerd.allows(authn.e('shop/web'), authn.e('shop/api'), HTTP)).toBe(true);
    expect(authn.linkerd.allows(authn.e('(other namespace)'), authn.e('shop/api'), HTTP)).toBe(false);
  });

  test('opaque Servers authorize connections', () => {
    const { linkerd, e } = evaluator([...base,
      { ...server('db', 5432), spec: { podSelector: { matchLabels: { app: 'api' } }, port: 5432, proxyProtocol: 'opaque' } },
      meshTls('m', { identityRefs: [{ kind: 'ServiceAccount', name: 'admin' }] }),
      policy('p', serverRef('db'), [meshTlsRef('m')])]);
    expect(linkerd.decideConnection(e('shop/admin'), e('shop/api'), { port: 5432, protocol: 'TCP' })).toMatchObject({ allowed: true, reason: 'Server shop/db: AuthorizationPolicy shop/p' });
    expect(linkerd.allows(e('shop/web'), e('shop/api'), { port: 5432, protocol: 'TCP' })).toBe(false);
  });
});

describe('route-level authorization', () => {
  const manifests = [
    namespace('shop', { 'linkerd.io/inject': 'enabled' }),
    server('s', 8080),
    route('read', 's', [{ method: 'GET', path: { type: 'PathPrefix', value: '/items' } }]),
    route('one', 's', [{ method: 'GET', path: { type: 'Exact', value: '/items/1' } }]),
    meshTls('web', { identityRefs: [{ kind: 'ServiceAccount', name: 'web' }] }),
    meshTls('admin', { identityRefs: [{ kind: 'ServiceAccount', name: 'admin' }] }),
    policy('read', { group: POLICY, kind: 'HTTPRoute', name: 'read' }, [meshTlsRef('web')]),
    policy('server', serverRef('s'), [meshTlsRef('admin')]),
  ];
  const { linkerd, e } = evaluator(manifests);

  test('a request is allowed by the best matching route\'s policies or the Server\'s', () => {
    expect(linkerd.decideRequest(e('shop/web'), e('shop/api'), HTTP, get('/items/2'))).toMatchObject({ allowed: true, reason: 'Server shop/s, HTTPRoute shop/read: AuthorizationPolicy shop/read' });
    // /items/1 is won by the longer exact route, which web is not authorized on.
    expect(linkerd.decideRequest(e('shop/web'), e('shop/api'), HTTP, get('/items/1')).allowed).toBe(false);
    expect(linkerd.decideRequest(e('shop/admin'), e('shop/api'), HTTP, get('/items/1')).allowed).toBe(true);
  });

  test('a request matching no route is refused (404), even for Server-wide callers', () => {
    expect(linkerd.decideRequest(e('shop/admin'), e('shop/api'), HTTP, get('/other'))).toMatchObject({ allowed: false, reason: 'Server shop/s: no route matches (404)' });
    expect(linkerd.decideRequest(e('shop/web'), e('shop/api'), HTTP, { method: 'POST', path: '/items' }).allowed).toBe(false);
  });

  test('a connection passes when some probe request would', () => {
    expect(linkerd.allows(e('shop/web'), e('shop/api'), HTTP)).toBe(true);
    expect(linkerd.allows(e(otherPodId('shop')), e('shop/api'), HTTP)).toBe(false);
  });
});

describe('default inbound policy (no Server on the port)', () => {
  const cases: Array<[string, string, boolean, boolean]> = [
    ['all-unauthenticated', 'unmeshed allowed', true, true],
    ['all-authenticated', 'meshed only', true, false],
    ['cluster-authenticated', 'meshed pods in the cluster', true, false],
    ['cluster-unauthenticated', 'pods in the cluster, meshed or not', true, true],
    ['deny', 'nobody', false, false],
    ['audit', 'everyone, flagged', true, true],
  ];
  test.each(cases)('%s: %s', (defaultPolicy, _what, meshed, unmeshed) => {
    const { linkerd, e } = evaluator([namespace('shop', { 'linkerd.io/inject': 'enabled', 'config.linkerd.io/default-inbound-policy': defaultPolicy })]);
    expect(linkerd.allows(e('shop/web'), e('shop/api'), HTTP)).toBe(meshed);
    expect(linkerd.allows(e('(other namespace)'), e('shop/api'), HTTP)).toBe(unmeshed);
    if (defaultPolicy.startsWith('cluster-')) {
      expect(linkerd.allows(e(WORLD_ID), e('shop/api'), HTTP)).toBe(false); // outside the cluster networks
    }
    expect(linkerd.decideConnection(e('shop/web'), e('shop/api'), HTTP).audit).toBe(defaultPolicy === 'audit');
  });

  test('without a namespace annotation: the cluster default', () => {
    const { linkerd, e } = evaluator([namespace('shop', { 'linkerd.io/inject': 'enabled' })], { clusterDefaultPolicy: 'deny' });
    expect(linkerd.allows(e(otherPodId('shop')), e(otherPodId('shop')), HTTP)).toBe(false);
  });
});

describe('combined with the L4 layer', () => {
  test('meshed-to-meshed traffic needs the proxy port 4143 at L4 as well as the app port', () => {
    const { manifests } = synthLinkerd(spec, { l4: L4Layer.NETWORK_POLICY });
    const universe = buildUniverse(catalog);
    const mesh = (m: Manifest[]) => new LinkerdMeshEvaluator(new LinkerdEvaluator(universe, catalog, m), [new NetworkPolicyEvaluator(universe, m)]);
    const admin = universe.endpoint('shop/admin');
    const api = universe.endpoint('shop/api');
    expect(mesh(manifests).allows(admin, api, HTTP)).toBe(true);
    const without4143 = JSON.parse(JSON.stringify(manifests)) as Manifest[];
    for (const m of without4143.filter(x => x.kind === 'NetworkPolicy')) {
      for (const rule of [...(m.spec.ingress ?? []), ...(m.spec.egress ?? [])]) {
        rule.ports = rule.ports?.filter((p: { port: number }) => p.port !== 4143);
      }
    }
    expect(mesh(without4143).allows(admin, api, HTTP)).toBe(false);
    expect(mesh(without4143).l4Allows(universe.endpoint('(other namespace)'), api, HTTP)).toBe(false);
  });
});

describe('checkLinkerdReachability on the issue example', () => {
  const issueCatalog = ServiceCatalog.fromSpec(issueExample)._resolved;
  const phaseOutput = (options = {}) => synthLinkerd(issueExample, options).manifests;

  test.each([[L4Layer.CILIUM], [L4Layer.NETWORK_POLICY]])('ENFORCED over %s: exactly the declared flows and requests', l4 => {
    const report = checkLinkerdReachability(issueCatalog, phaseOutput({ l4 }));
    expect(report.missing.map(formatFlow)).toEqual([]);
    expect(report.unexpected.map(formatFlow)).toEqual([]);
    expect(report.requests!.missing.map(formatRequestFlow)).toEqual([]);
    expect(report.requests!.unexpected.map(formatRequestFlow)).toEqual([]);
    expect(report.diagnostics.filter(d => d.severity === 'error')).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.evaluator).toBe(l4 === L4Layer.CILIUM ? 'Linkerd + Cilium' : 'Linkerd + NetworkPolicy');
    expect(report.requests!.declared.map(formatRequestFlow)).toContain('shop/frontend -> shop/checkout 5050/TCP POST /shop.Checkout/PlaceOrder');
  });

  test('refuses what is not declared: frontend may not call get-order on checkout', () => {
    const report = checkLinkerdReachability(issueCatalog, phaseOutput());
    const lines = report.requests!.probed.map(formatRequestFlow);
    expect(lines).toContain('shop/frontend -> shop/checkout 5050/TCP POST /shop.Checkout/GetOrder');
    expect(report.requests!.allowed.map(formatRequestFlow)).not.toContain('shop/frontend -> shop/checkout 5050/TCP POST /shop.Checkout/GetOrder');
  });

  test('PERMISSIVE: undeclared requests pass by audit and are reported as audit, not as unexpected', () => {
    const report = checkLinkerdReachability(issueCatalog, phaseOutput({ mode: MeshMode.PERMISSIVE }));
    expect(report.ok).toBe(true);
    expect(report.requests!.allowed.map(formatRequestFlow)).toContain('shop/frontend -> shop/checkout 5050/TCP POST /shop.Checkout/GetOrder');
    expect(report.diagnostics).toContainEqual({
      severity: 'warning',
      subject: 'audit',
      message: 'shop/frontend -> shop/checkout 5050/TCP POST /shop.Checkout/GetOrder is allowed only by audit; ENFORCED mode denies it',
    });
  });

  test('through the phase registry', () => {
    expect(checkPhaseReachability(issueCatalog, Phase.LINKERD, phaseOutput()).ok).toBe(true);
  });

  describe('mutations', () => {
    const mutate = (edit: (m: Manifest[]) => Manifest[]) => checkLinkerdReachability(issueCatalog, edit(JSON.parse(JSON.stringify(phaseOutput()))));

    test('remove an AuthorizationPolicy: the flow goes missing', () => {
      const report = mutate(m => m.filter(x => !(x.kind === 'AuthorizationPolicy' && x.metadata.name === 'catalog-http')));
      expect(report.missing.map(formatFlow)).toEqual(['shop/frontend -> shop/catalog@v1 8080/TCP', 'shop/frontend -> shop/catalog@v2 8080/TCP']);
      expect(report.ok).toBe(false);
    });

    test('remove a route-level policy: the route\'s requests go missing', () => {
      const report = mutate(m => m.filter(x => !(x.kind === 'AuthorizationPolicy' && x.metadata.name === 'charge-http-charge')));
      expect(report.missing.map(formatFlow)).toEqual(['shop/checkout -> payments/charge 8080/TCP']);
    });

    const allowAll: Manifest = {
      apiVersion: `${POLICY}/v1alpha1`,
      kind: 'AuthorizationPolicy',
      metadata: { name: 'oops', namespace: 'shop' },
      spec: { targetRef: { kind: 'Namespace', name: 'shop' }, requiredAuthenticationRefs: [] },
    };

    test('add a namespace-wide allow-all: routes still 404 what they do not match', () => {
      expect(mutate(m => [...m, allowAll]).ok).toBe(true);
    });

    test('add a namespace-wide allow-all and a catch-all route: unexpected requests', () => {
      const catchAll: Manifest = {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'GRPCRoute',
        metadata: { name: 'everything', namespace: 'shop' },
        spec: { parentRefs: [{ group: POLICY, kind: 'Server', name: 'checkout-grpc' }], rules: [{}] },
      };
      const report = mutate(m => [...m, allowAll, catchAll]);
      expect(report.requests!.unexpected.map(formatRequestFlow)).toContain('shop/frontend -> shop/checkout 5050/TCP POST /shop.Checkout/GetOrder');
      expect(report.ok).toBe(false);
    });

    test('open the L4 layer and a Server: unexpected flows', () => {
      const report = checkLinkerdReachability(issueCatalog, (() => {
        const m = JSON.parse(JSON.stringify(phaseOutput({ l4: L4Layer.NETWORK_POLICY }))) as Manifest[];
        const frontend = m.find(x => x.kind === 'Server' && x.metadata.name === 'frontend-http')!;
        frontend.spec.accessPolicy = 'all-unauthenticated';
        return [...m, { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'open', namespace: 'shop' }, spec: { podSelector: {}, ingress: [{}], policyTypes: ['Ingress'] } }];
      })());
      expect(report.unexpected.map(formatFlow)).toContain('(other namespace) -> shop/frontend 8080/TCP');
      // Linkerd still holds the other ports: no unexpected flow to the catalog's pods there.
      expect(report.unexpected.map(formatFlow)).not.toContain('(other namespace) -> shop/catalog@v1 8080/TCP');
    });
  });
});

describe('retrySafetyProblems', () => {
  const issueCatalog = ServiceCatalog.fromSpec(issueExample)._resolved;
  const output = () => JSON.parse(JSON.stringify(synthLinkerd(issueExample).manifests)) as Manifest[];

  test('none in the phase output', () => {
    expect(retrySafetyProblems(issueCatalog, output())).toEqual([]);
  });

  test('retries on the object of a non-idempotent route', () => {
    const m = output();
    m.find(x => x.kind === 'GRPCRoute' && x.metadata.name === 'checkout-grpc-place-order-outbound')!.metadata.annotations = { 'retry.linkerd.io/grpc': 'unavailable' };
    expect(retrySafetyProblems(issueCatalog, m)).toEqual([
      'GRPCRoute shop/checkout-grpc-place-order-outbound retries requests of the non-idempotent route place-order',
      'shop/checkout port grpc: POST /shop.Checkout/PlaceOrder (non-idempotent route place-order) can be won by GRPCRoute checkout-grpc-place-order-outbound, which retries',
    ]);
    expect(checkLinkerdReachability(issueCatalog, m).ok).toBe(false);
  });

  test('a retried catch-all that wins a non-idempotent route\'s requests', () => {
    const m = output().filter(x => x.metadata.name !== 'checkout-grpc-place-order-outbound');
    m.find(x => x.metadata.name === 'checkout-grpc-outbound')!.metadata.annotations = { 'retry.linkerd.io/grpc': 'unavailable' };
    expect(retrySafetyProblems(issueCatalog, m)).toEqual([
      'shop/checkout port grpc: POST /shop.Checkout/PlaceOrder (non-idempotent route place-order) can be won by GRPCRoute checkout-grpc-outbound, which retries',
    ]);
  });

  test('retry annotations on a Service that serves a non-idempotent route', () => {
    const m = [...output(), { apiVersion: 'v1', kind: 'Service', metadata: { name: 'checkout', namespace: 'shop', annotations: { 'retry.linkerd.io/http': '5xx' } }, spec: {} }];
    expect(retrySafetyProblems(issueCatalog, m)).toEqual(['Service shop/checkout carries retry annotations but serves non-idempotent routes (place-order)']);
  });
});

describe('peers outside the catalog', () => {
  const peersSpec: CatalogSpec = {
    namespace: 'shop',
    trustDomain: 'example.org',
    peers: [
      { name: 'batch', namespace: 'batch' },
      { name: 'reporting', namespace: 'analytics', selector: { app: 'reporting' }, serviceAccount: 'reporting' },
      { name: 'kube-apiserver', kubeApiServer: true, cidrs: ['192.0.2.10/32'] },
    ],
    services: [
      {
        name: 'api',
        ports: [
          { name: 'http', port: 80, targetPort: 8080, protocol: PortProtocol.HTTP },
          { name: 'metrics', port: 9090, protocol: PortProtocol.HTTP, metrics: true },
          { name: 'webhook', port: 443, targetPort: 9443, protocol: PortProtocol.TLS },
        ],
        routes: [{ name: 'read', http: { method: HttpMethod.GET, pathPrefix: '/items' }, port: 'http' }],
        callers: [{ peer: 'batch', routes: ['read'] }, { peer: 'reporting', port: 'http' }, { peer: 'kube-apiserver', port: 'webhook' }],
      },
      {
        name: 'web',
        clientOnly: true,
        versions: [{ name: 'stable', weight: 90 }, { name: 'canary', weight: 10, serviceAccount: 'web-canary', calls: [{ service: 'api', port: 'http' }] }],
      },
    ],
  };
  const peersCatalog = ServiceCatalog.fromSpec(peersSpec)._resolved;
  const output = (options = {}) => JSON.parse(JSON.stringify(
    synthLinkerd(peersSpec, { l4: L4Layer.NETWORK_POLICY, ...options }).manifests)) as Manifest[];
  const universe = buildUniverse(peersCatalog);
  const linkerd = new LinkerdEvaluator(universe, peersCatalog, output());
  const at = (id: string) => universe.endpoint(id);

  test('peer pods are meshed as the catalog says, with the identity of their service account (default: default) and namespace', () => {
    expect(linkerd.isMeshed(at('peer:batch'))).toBe(true);
    expect(linkerd.identity(at('peer:batch'))).toBe('default.batch.serviceaccount.identity.linkerd.example.org');
    expect(linkerd.identity(at('peer:reporting'))).toBe('reporting.analytics.serviceaccount.identity.linkerd.example.org');
    expect(linkerd.isMeshed(at('peer:monitoring'))).toBe(false); // the built-in scraper is unmeshed
    expect(linkerd.identity(at('peer:monitoring'))).toBeUndefined();
    // Any pod of a meshed namespace peer's namespace is the peer's, so meshed too.
    expect(linkerd.isMeshed(at(otherPodId('batch')))).toBe(true);
    expect(linkerd.isMeshed(at(otherPodId('analytics')))).toBe(false);
    expect(linkerd.isMeshed(at('peer:kube-apiserver'))).toBe(false);
  });

  test('a pod carrying an unmeshed peer\'s labels is unmeshed; a scope without labels says nothing about its pods', () => {
    const probesSpec: CatalogSpec = {
      namespace: 'shop',
      peers: [{ name: 'probes', allNamespaces: true, selector: { app: 'blackbox' }, meshed: false }],
      services: [{ name: 'api', ports: [{ name: 'http', port: 80, protocol: PortProtocol.HTTP }], callers: [{ peer: 'probes' }, { peer: 'cluster' }] }],
    };
    const model = ServiceCatalog.fromSpec(probesSpec)._resolved;
    const u = buildUniverse(model);
    const l = new LinkerdEvaluator(u, model, synthLinkerd(probesSpec).manifests);
    expect(l.isMeshed(u.endpoint(lookalikeId('peer:probes')))).toBe(false);
    expect(l.isMeshed(u.endpoint(lookalikeId('shop/api')))).toBe(true); // only `cluster` holds it
  });

  test('a version with its own service account presents it', () => {
    expect(linkerd.identity(at('shop/web@canary'))).toBe('web-canary.shop.serviceaccount.identity.linkerd.example.org');
    expect(linkerd.identity(at('shop/web@stable'))).toBe('web.shop.serviceaccount.identity.linkerd.example.org');
  });

  test('Linkerd alone: the API server by its address on the webhook port; the scraper by network on the metrics port; batch on its route only', () => {
    const webhook: PortProbe = { port: 9443, protocol: 'TCP' };
    expect(linkerd.decideConnection(at('peer:kube-apiserver'), at('shop/api'), webhook)).toMatchObject({ allowed: true, reason: 'Server shop/api-webhook: AuthorizationPolicy shop/api-webhook-peer-kube-apiserver' });
    expect(linkerd.allows(at(WORLD_ID), at('shop/api'), webhook)).toBe(false);
    expect(linkerd.allows(at('peer:batch'), at('shop/api'), webhook)).toBe(false);
    expect(linkerd.allows(at('peer:monitoring'), at('shop/api'), { port: 9090, protocol: 'TCP' })).toBe(true);
    expect(linkerd.decideRequest(at('peer:batch'), at('shop/api'), HTTP, get('/items/1')).allowed).toBe(true);
    expect(linkerd.decideRequest(at('peer:batch'), at('shop/api'), HTTP, { method: 'DELETE', path: '/items/1' }).allowed).toBe(false);
    expect(linkerd.decideRequest(at('shop/web@canary'), at('shop/api'), HTTP, { method: 'DELETE', path: '/items/1' }).allowed).toBe(true);
    expect(linkerd.allows(at('shop/web@stable'), at('shop/api'), HTTP)).toBe(false);
  });

  test.each([[L4Layer.NETWORK_POLICY], [L4Layer.CILIUM]])('with the L4 layer (%s): exactly the declared flows and requests', l4 => {
    const report = checkLinkerdReachability(peersCatalog, output({ l4 }));
    expect(report.missing.map(formatFlow)).toEqual([]);
    expect(report.unexpected.map(formatFlow)).toEqual([]);
    expect(report.requests!.missing.map(formatRequestFlow)).toEqual([]);
    expect(report.requests!.unexpected.map(formatRequestFlow)).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.requests!.declared.map(formatRequestFlow)).toContain('peer:batch -> shop/api 8080/TCP GET /items/probe');
  });

  test('mutations: drop the API server\'s policy, it goes missing; grant every network on the Server, batch may send any request', () => {
    const missing = checkLinkerdReachability(peersCatalog, output().filter(m => m.metadata.name !== 'api-webhook-peer-kube-apiserver'));
    expect(missing.missing.map(formatFlow)).toEqual(['peer:kube-apiserver -> shop/api 9443/TCP']);
    const widened = output();
    widened.push({
      apiVersion: `${POLICY}/v1alpha1`,
      kind: 'AuthorizationPolicy',
      metadata: { name: 'oops', namespace: 'shop' },
      spec: { targetRef: { group: POLICY, kind: 'Server', name: 'api-http' }, requiredAuthenticationRefs: [{ group: POLICY, kind: 'NetworkAuthentication', name: 'all-networks' }] },
    });
    const report = checkLinkerdReachability(peersCatalog, widened);
    expect(report.requests!.unexpected.map(formatRequestFlow)).toContain('peer:batch -> shop/api 8080/TCP DELETE /__mesh-ladder-probe__');
    expect(report.ok).toBe(false);
  });
});

describe('calls to pod peers', () => {
  test('a call to a peer holding catalog pods declares any request there, and the phase authorizes it', () => {
    const spec2: CatalogSpec = {
      namespace: 'shop',
      services: [
        { name: 'api', ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: PortProtocol.HTTP }], routes: [{ name: 'read', http: { method: HttpMethod.GET, path: '/r' } }] },
        { name: 'scanner', clientOnly: true, calls: [{ peer: 'cluster', port: 8080 }] },
      ],
    };
    const model = ServiceCatalog.fromSpec(spec2)._resolved;
    // Linkerd alone (the L4 layer is another matter): scanner reaches api on 8080 with any request.
    const report = checkLinkerdReachability(model, synthLinkerd(spec2, { l4: L4Layer.NONE }).manifests);
    expect(report.requests!.declared.map(formatRequestFlow)).toContain('shop/scanner -> shop/api 8080/TCP DELETE /__mesh-ladder-probe__');
    expect(report.requests!.unexpected).toEqual([]);
    expect(report.missing.filter(f => f.to === 'shop/api').map(formatFlow)).toEqual([]);
  });
});

describe('canary routing', () => {
  const canarySpec: CatalogSpec = {
    namespace: 'shop',
    services: [
      {
        name: 'catalog',
        ports: [{ name: 'http', port: 80, protocol: PortProtocol.HTTP }],
        routes: [{ name: 'list', http: { method: HttpMethod.GET, pathPrefix: '/products' }, timeout: '2s' }],
        versions: [
          { name: 'v1', weight: 80 },
          { name: 'v2', weight: 10, headers: { 'x-canary': 'v2' }, timeout: '3s' },
          { name: 'errors', weight: 10, service: 'catalog-errors' },
        ],
      },
      { name: 'catalog-errors', ports: [{ name: 'http', port: 80, protocol: PortProtocol.HTTP }], routes: [{ name: 'list', http: { method: HttpMethod.GET, pathPrefix: '/products' } }] },
      { name: 'web', clientOnly: true, calls: [{ service: 'catalog' }] },
    ],
  };
  const canaryCatalog = ServiceCatalog.fromSpec(canarySpec)._resolved;
  const output = () => JSON.parse(JSON.stringify(synthLinkerd(canarySpec).manifests)) as Manifest[];
  const named = (m: Manifest[], name: string) => m.find(x => x.kind === 'HTTPRoute' && x.metadata.name === name)!;

  test('none in the phase output; the whole check passes', () => {
    expect(canaryRoutingProblems(canaryCatalog, output())).toEqual([]);
    expect(checkLinkerdReachability(canaryCatalog, output()).ok).toBe(true);
  });

  test('header requests win the header twins (more header matches), others the weighted objects', () => {
    const routes = output().filter(m => m.kind === 'HTTPRoute' && m.apiVersion.startsWith('gateway')).map(m => ({
      group: 'gateway.networking.k8s.io',
      kind: 'HTTPRoute' as const,
      namespace: 'shop',
      name: m.metadata.name,
      labels: {},
      annotations: {},
      parents: [],
      rules: m.spec.rules.map((r: Record<string, any>) => ({
        http: r.matches.map((x: Record<string, any>) => ({ method: x.method, path: x.path, headers: x.headers ?? [], queryParams: 0 })),
        backends: r.backendRefs,
      })),
    }));
    const win = (request: { method: string; path: string; headers?: Record<string, string> }) => winningRules(routes, request).map(w => w.route.name);
    expect(win({ method: 'GET', path: '/products/1' })).toEqual(['catalog-http-list-outbound']);
    expect(win({ method: 'GET', path: '/products/1', headers: { 'x-canary': 'v2' } })).toEqual(['catalog-http-list-v2-outbound']);
    expect(win({ method: 'GET', path: '/other', headers: { 'x-canary': 'v2' } })).toEqual(['catalog-http-v2-outbound']);
    expect(win({ method: 'GET', path: '/other', headers: { 'x-canary': 'v3' } })).toEqual(['catalog-http-outbound']);
  });

  test('mutations: a twin sending elsewhere, a lost timeout, a weighted object without the backend Service', () => {
    const elsewhere = output();
    named(elsewhere, 'catalog-http-list-v2-outbound').spec.rules[0].backendRefs = [{ name: 'catalog-v1', port: 80 }];
    expect(canaryRoutingProblems(canaryCatalog, elsewhere)).toEqual([
      'shop/catalog port http: GET /products/probe with the headers of version v2 is routed by HTTPRoute catalog-http-list-v2-outbound to catalog-v1, not to that version only',
    ]);
    const noTimeout = output();
    delete named(noTimeout, 'catalog-http-v2-outbound').metadata.annotations['timeout.linkerd.io/request'];
    expect(canaryRoutingProblems(canaryCatalog, noTimeout)).toEqual([
      'shop/catalog port http: GET /__mesh-ladder-probe__ with the headers of version v2 gets timeout none from HTTPRoute catalog-http-v2-outbound, not the version\'s 3000ms',
    ]);
    const noBackend = output();
    const weighted = named(noBackend, 'catalog-http-outbound').spec.rules[0];
    weighted.backendRefs = weighted.backendRefs.filter((b: { name: string }) => b.name !== 'catalog-errors');
    expect(canaryRoutingProblems(canaryCatalog, noBackend)).toEqual([
      'shop/catalog port http: GET /__mesh-ladder-probe__ is routed by HTTPRoute catalog-http-outbound to catalog-v1, catalog-v2, not to the versions with their weights',
    ]);
    const noTwin = output().filter(m => m.metadata.name !== 'catalog-http-list-v2-outbound');
    expect(canaryRoutingProblems(canaryCatalog, noTwin)).toEqual([
      'shop/catalog port http: GET /products/probe with the headers of version v2 is routed by HTTPRoute catalog-http-list-outbound to catalog-errors, catalog-v1, catalog-v2, not to that version only',
      'shop/catalog port http: GET /products/probe with the headers of version v2 gets timeout 2s from HTTPRoute catalog-http-list-outbound, not the version\'s 3000ms',
    ]);
    expect(checkLinkerdReachability(canaryCatalog, noTwin).diagnostics.filter(d => d.subject === 'routing')).toHaveLength(2);
  });
});
