import { buildUniverse, Endpoint, lookalikeId, otherPodId, Universe, WORLD_ID } from '../../src/analysis/endpoints';
import { formatFlow, PortProbe } from '../../src/analysis/flows';
import { checkLinkerdReachability, LinkerdEvaluator, LinkerdMeshEvaluator, retrySafetyProblems } from '../../src/analysis/linkerd';
import { NetworkPolicyEvaluator } from '../../src/analysis/networkpolicy';
import { checkPhaseReachability } from '../../src/analysis/phases';
import { formatRequestFlow } from '../../src/analysis/requests';
import { ServiceCatalog } from '../../src/model/catalog';
import { CatalogSpec, HttpMethod, L4Layer, MeshMode, PortProtocol } from '../../src/model/types';
import { Phase } from '../../src/phases/phase';
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
