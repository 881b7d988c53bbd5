import { find, GATEWAY, names, ofKind, POLICY, synthLinkerd } from './support';
import { PhaseCapabilityError } from '../../../src/emit/common';
import { CatalogSpec, HttpMethod, MeshMode, PortProtocol } from '../../../src/model/types';

/** Covers every port protocol, route kinds, an exposed service, plaintext and an unowned namespace. */
const spec: CatalogSpec = {
  namespace: 'shop',
  trustDomain: 'example.org',
  ingressController: { namespace: 'ingress-nginx', selector: { 'app.kubernetes.io/name': 'ingress-nginx' }, serviceAccount: 'nginx' },
  namespaces: [{ name: 'legacy', owned: false }],
  services: [
    {
      name: 'web',
      ports: [
        { name: 'http', port: 80, targetPort: 8080, protocol: PortProtocol.HTTP },
        { name: 'metrics', port: 9090, protocol: PortProtocol.HTTP, plaintext: true },
      ],
      exposed: true,
      calls: [{ service: 'api', port: 'http', routes: ['get-item'] }, { service: 'db' }],
    },
    {
      name: 'api',
      serviceAccount: 'api-sa',
      ports: [
        { name: 'http', port: 80, targetPort: 8080, protocol: PortProtocol.HTTP },
        { name: 'grpc', port: 5050, protocol: PortProtocol.GRPC },
        { name: 'dns', port: 53, protocol: PortProtocol.UDP },
      ],
      routes: [
        { name: 'get-item', http: { method: HttpMethod.GET, pathPrefix: '/items' } },
        { name: 'create', http: { method: HttpMethod.POST, path: '/items' } },
        { name: 'lookup', grpc: { service: 'shop.Api', method: 'Lookup' } },
      ],
    },
    { name: 'db', ports: [{ name: 'pg', port: 5432, protocol: PortProtocol.TCP }, { name: 'tls', port: 6443, protocol: PortProtocol.TLS }] },
    {
      name: 'batch',
      namespace: 'legacy',
      clientOnly: true,
      calls: [{ service: 'shop/api', port: 'http' }, { service: 'shop/api', port: 'grpc', routes: ['lookup'] }],
    },
  ],
};

describe('Servers', () => {
  const { manifests } = synthLinkerd(spec);

  test('one per pod port (UDP ports get none), selecting the pods, on the pod port, with the protocol of the port', () => {
    expect(names(manifests, 'Server', 'shop')).toEqual(['api-grpc', 'api-http', 'db-pg', 'db-tls', 'web-http', 'web-metrics']);
    expect(ofKind(manifests, 'Server').every(s => s.apiVersion === 'policy.linkerd.io/v1beta3')).toBe(true);
    const web = find(manifests, 'Server', 'shop', 'web-http');
    expect(web.spec).toEqual({ podSelector: { matchLabels: { app: 'web' } }, port: 8080, proxyProtocol: 'HTTP/1', accessPolicy: 'deny' });
    expect(find(manifests, 'Server', 'shop', 'api-grpc').spec.proxyProtocol).toBe('gRPC');
    expect(find(manifests, 'Server', 'shop', 'db-pg').spec.proxyProtocol).toBe('opaque');
    expect(find(manifests, 'Server', 'shop', 'db-tls').spec.proxyProtocol).toBe('opaque');
    expect(web.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'cdk8s-mesh-ladder', 'mesh-ladder.dev/service': 'web', 'mesh-ladder.dev/port': 'http' });
  });

  test('service ports sharing a pod port share one Server; mixed protocols fall back to detection', () => {
    const { manifests: merged } = synthLinkerd({
      namespace: 'shop',
      services: [{ name: 'api', ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: PortProtocol.HTTP }, { name: 'raw', port: 8080, protocol: PortProtocol.TCP }] }],
    });
    expect(names(merged, 'Server', 'shop')).toEqual(['api-http']);
    expect(find(merged, 'Server', 'shop', 'api-http').spec).toMatchObject({ port: 8080, proxyProtocol: 'unknown' });
  });

  test('HTTP/2 ports are HTTP/2; a gRPC port that also serves HTTP routes is declared HTTP/2', () => {
    const { manifests: h2 } = synthLinkerd({
      namespace: 'shop',
      services: [
        { name: 'a', ports: [{ name: 'h2c', port: 80, protocol: PortProtocol.HTTP2 }] },
        { name: 'b', ports: [{ name: 'grpc', port: 50051, protocol: PortProtocol.GRPC }], routes: [{ name: 'health', http: { method: HttpMethod.GET, path: '/healthz' }, port: 'grpc' }] },
      ],
    });
    expect(find(h2, 'Server', 'shop', 'a-h2c').spec.proxyProtocol).toBe('HTTP/2');
    expect(find(h2, 'Server', 'shop', 'b-grpc').spec.proxyProtocol).toBe('HTTP/2');
  });

  test('PERMISSIVE: accessPolicy audit', () => {
    const { manifests: permissive } = synthLinkerd(spec, { mode: MeshMode.PERMISSIVE });
    expect(ofKind(permissive, 'Server').map(s => s.spec.accessPolicy)).toEqual(Array(6).fill('audit'));
  });
});

describe('callers allowed every request', () => {
  const { manifests } = synthLinkerd(spec);

  test('a MeshTLSAuthentication names their service accounts with namespaces; the meshed ingress controller for exposed services', () => {
    expect(find(manifests, 'MeshTLSAuthentication', 'shop', 'web-http').spec).toEqual({
      identityRefs: [{ kind: 'ServiceAccount', name: 'nginx', namespace: 'ingress-nginx' }],
    });
    expect(find(manifests, 'MeshTLSAuthentication', 'shop', 'api-http').spec.identityRefs).toEqual([{ kind: 'ServiceAccount', name: 'batch', namespace: 'legacy' }]);
    expect(find(manifests, 'MeshTLSAuthentication', 'shop', 'db-pg').spec.identityRefs).toEqual([{ kind: 'ServiceAccount', name: 'web', namespace: 'shop' }]);
  });

  test('an AuthorizationPolicy binds it to the Server', () => {
    expect(find(manifests, 'AuthorizationPolicy', 'shop', 'db-tls').spec).toEqual({
      targetRef: { group: POLICY, kind: 'Server', name: 'db-tls' },
      requiredAuthenticationRefs: [{ group: POLICY, kind: 'MeshTLSAuthentication', name: 'db-tls' }],
    });
  });

  test('a port nobody calls gets a Server and no authorization: deny', () => {
    expect(names(manifests, 'MeshTLSAuthentication', 'shop')).not.toContain('api-grpc');
    expect(names(manifests, 'AuthorizationPolicy', 'shop')).not.toContain('api-grpc');
  });

  test('plaintext ports accept every network without identity', () => {
    const plaintext = find(manifests, 'AuthorizationPolicy', 'shop', 'web-metrics-all-networks');
    expect(plaintext.spec.requiredAuthenticationRefs).toEqual([{ group: POLICY, kind: 'NetworkAuthentication', name: 'all-networks' }]);
    expect(plaintext.metadata.annotations).toEqual({ 'mesh-ladder.dev/note': 'without identity: plaintext port' });
    expect(find(manifests, 'NetworkAuthentication', 'shop', 'all-networks').spec).toEqual({ networks: [{ cidr: '0.0.0.0/0' }, { cidr: '::/0' }] });
  });

  test('unmeshed ingress controller: a NetworkAuthentication with its networks instead of its identity', () => {
    const { manifests: unmeshed } = synthLinkerd(spec, { ingress: { meshed: false, networks: ['10.2.0.0/16'] } });
    expect(names(unmeshed, 'MeshTLSAuthentication', 'shop')).not.toContain('web-http');
    expect(find(unmeshed, 'AuthorizationPolicy', 'shop', 'web-http-ingress-controller').spec).toEqual({
      targetRef: { group: POLICY, kind: 'Server', name: 'web-http' },
      requiredAuthenticationRefs: [{ group: POLICY, kind: 'NetworkAuthentication', name: 'ingress-controller' }],
    });
    expect(find(unmeshed, 'NetworkAuthentication', 'shop', 'ingress-controller').spec.networks).toEqual([{ cidr: '10.2.0.0/16' }]);
    expect(() => synthLinkerd(spec, { ingress: { meshed: false } })).toThrow(PhaseCapabilityError);
    expect(() => synthLinkerd(spec, { ingress: { meshed: false } })).toThrow(/ingress.networks/);
  });
});

describe('route-limited callers', () => {
  const { manifests, phase } = synthLinkerd(spec);

  test('an inbound policy HTTPRoute per route, parented to the Server, with the route match', () => {
    const route = find(manifests, 'HTTPRoute', 'shop', 'api-http-get-item', POLICY);
    expect(route.apiVersion).toBe('policy.linkerd.io/v1beta3');
    expect(route.spec).toEqual({
      parentRefs: [{ group: POLICY, kind: 'Server', name: 'api-http' }],
      rules: [{ matches: [{ method: 'GET', path: { type: 'PathPrefix', value: '/items' } }] }],
    });
    expect(route.metadata.labels['mesh-ladder.dev/route']).toBe('get-item');
    expect(find(manifests, 'MeshTLSAuthentication', 'shop', 'api-http-get-item').spec.identityRefs).toEqual([{ kind: 'ServiceAccount', name: 'web', namespace: 'shop' }]);
    expect(find(manifests, 'AuthorizationPolicy', 'shop', 'api-http-get-item').spec).toEqual({
      targetRef: { group: POLICY, kind: 'HTTPRoute', name: 'api-http-get-item' },
      requiredAuthenticationRefs: [{ group: POLICY, kind: 'MeshTLSAuthentication', name: 'api-http-get-item' }],
    });
  });

  test('routes nobody is limited to get no route object', () => {
    expect(names(manifests, 'HTTPRoute', 'shop', POLICY)).toEqual(['api-http-all', 'api-http-get-item']);
  });

  test('a catch-all route keeps the whole-port callers working once routes are attached', () => {
    expect(find(manifests, 'HTTPRoute', 'shop', 'api-http-all', POLICY).spec.rules).toEqual([{ matches: [{ path: { type: 'PathPrefix', value: '/' } }] }]);
    expect(names(manifests, 'AuthorizationPolicy', 'shop')).not.toContain('api-http-all');
  });

  test('gRPC Servers take Gateway API GRPCRoutes; no catch-all when every caller is route-limited', () => {
    const route = find(manifests, 'GRPCRoute', 'shop', 'api-grpc-lookup', GATEWAY);
    expect(route.spec).toEqual({
      parentRefs: [{ group: POLICY, kind: 'Server', name: 'api-grpc' }],
      rules: [{ matches: [{ method: { type: 'Exact', service: 'shop.Api', method: 'Lookup' } }] }],
    });
    expect(find(manifests, 'AuthorizationPolicy', 'shop', 'api-grpc-lookup').spec.targetRef).toEqual({ group: GATEWAY, kind: 'GRPCRoute', name: 'api-grpc-lookup' });
    expect(find(manifests, 'MeshTLSAuthentication', 'shop', 'api-grpc-lookup').spec.identityRefs).toEqual([{ kind: 'ServiceAccount', name: 'batch', namespace: 'legacy' }]);
    expect(names(manifests, 'GRPCRoute', 'shop', GATEWAY).filter(n => !n.endsWith('-outbound'))).toEqual(['api-grpc-lookup']);
  });

  test('PERMISSIVE: every routed port gets a catch-all, so undeclared requests are audited instead of 404', () => {
    const { manifests: permissive } = synthLinkerd(spec, { mode: MeshMode.PERMISSIVE });
    expect(find(permissive, 'GRPCRoute', 'shop', 'api-grpc-all', GATEWAY).spec.rules).toEqual([{}]);
  });

  test('gRPC routes on an HTTP/2 Server are POSTs to /<service>/<method> (or the service prefix)', () => {
    const { manifests: h2 } = synthLinkerd({
      namespace: 'shop',
      services: [
        { name: 'a', ports: [{ name: 'h2c', port: 80, protocol: PortProtocol.HTTP2 }], routes: [{ name: 'm', grpc: { service: 'pkg.S', method: 'M' } }, { name: 's', grpc: { service: 'pkg.S' } }] },
        { name: 'b', calls: [{ service: 'a', routes: ['m', 's'] }], clientOnly: true },
      ],
    });
    expect(find(h2, 'HTTPRoute', 'shop', 'a-h2c-m', POLICY).spec.rules).toEqual([{ matches: [{ method: 'POST', path: { type: 'Exact', value: '/pkg.S/M' } }] }]);
    expect(find(h2, 'HTTPRoute', 'shop', 'a-h2c-s', POLICY).spec.rules).toEqual([{ matches: [{ method: 'POST', path: { type: 'PathPrefix', value: '/pkg.S' } }] }]);
  });

  test('authorization follows the proxy\'s precedence (linkerd2-proxy path.rs): a route that can win requests of another without being contained in it is refused, or widened when the catalog allows it', () => {
    const overlapping = (listOptIn?: boolean, anyCaller = true): CatalogSpec => ({
      namespace: 'shop',
      services: [
        {
          name: 'catalog',
          ports: [{ name: 'http', port: 80, protocol: PortProtocol.HTTP }],
          routes: [
            { name: 'list', http: { method: HttpMethod.GET, pathPrefix: '/products' }, ...(listOptIn ? { allowWiderEnforcement: true } : {}) },
            { name: 'get', http: { method: HttpMethod.GET, pathRegex: '/products/[a-z]+' } },
            { name: 'any', http: { pathRegex: '/pro.*' }, ...(listOptIn ? { allowWiderEnforcement: true } : {}) },
          ],
        },
        { name: 'search', clientOnly: true, calls: [{ service: 'catalog', routes: ['list'] }] },
        ...(anyCaller ? [{ name: 'web', clientOnly: true, calls: [{ service: 'catalog', routes: ['any'] }] }] : []),
      ],
    });
    // Only routes with callers of their own are attached; "get" and "any" win nothing then.
    const alone = synthLinkerd(overlapping(undefined, false));
    expect(names(alone.manifests, 'MeshTLSAuthentication', 'shop')).toEqual(['catalog-http-list']);
    expect(alone.phase.warnings.filter(w => w.includes('can win requests'))).toEqual([]);
    // "any" (regex, ranked by the whole path) wins GET /products/a/b, a request of "list";
    // "list" ties with it on GET /products (both rank 9).
    expect(() => synthLinkerd(overlapping())).toThrow(/shop\/catalog port http: the linkerd phase cannot enforce these route limits exactly: .*route "any" \(any method \/pro\.\* \(regex\)\) can win requests of route "list" \(GET \/products \(prefix\)\) without being contained in it; shop\/search, limited to "list", would be denied those requests/);
    expect(() => synthLinkerd(overlapping())).toThrow(/route "list" \(GET \/products \(prefix\)\) can win requests of route "any" .*shop\/web, limited to "any"/);
    const widened = synthLinkerd(overlapping(true));
    const refs = (route: string) => find(widened.manifests, 'MeshTLSAuthentication', 'shop', `catalog-http-${route}`).spec.identityRefs.map((r: { name: string }) => r.name);
    expect(refs('list')).toEqual(['search', 'web']);
    expect(refs('any')).toEqual(['search', 'web']);
    expect(widened.phase.warnings.filter(w => w.includes('can win requests'))).toEqual([
      'shop/catalog pod port 80: route "any" (any method /pro.* (regex)) can win requests of route "list" (GET /products (prefix)) without being contained in it: shop/search, limited to "list", are also allowed the requests of "any" that "list" does not match (allowWiderEnforcement)',
      'shop/catalog pod port 80: route "list" (GET /products (prefix)) can win requests of route "any" (any method /pro.* (regex)) without being contained in it: shop/web, limited to "any", are also allowed the requests of "list" that "any" does not match (allowWiderEnforcement)',
    ]);
  });

  test('a method-less route inside a method-limited one gets an exact method twin (http/match.rs: a method match outranks none at equal path rank)', () => {
    const twin = synthLinkerd({
      namespace: 'shop',
      services: [
        {
          name: 'catalog',
          ports: [{ name: 'http', port: 80, protocol: PortProtocol.HTTP }],
          routes: [
            { name: 'list', http: { method: HttpMethod.GET, pathPrefix: '/products' } },
            { name: 'item', http: { pathRegex: '/products/[a-z]+' } },
          ],
        },
        { name: 'web', clientOnly: true, calls: [{ service: 'catalog', routes: ['list'] }] },
        { name: 'admin', clientOnly: true, calls: [{ service: 'catalog', routes: ['item'] }] },
      ],
    });
    const refs = (route: string) => find(twin.manifests, 'MeshTLSAuthentication', 'shop', `catalog-http-${route}`).spec.identityRefs.map((r: { name: string }) => r.name);
    // "item" wins GET /products/abc (longer path match): its GET twin carries the callers of "list" too.
    expect(find(twin.manifests, 'HTTPRoute', 'shop', 'catalog-http-item-get', POLICY).spec.rules).toEqual([{ matches: [{ method: 'GET', path: { type: 'RegularExpression', value: '/products/[a-z]+' } }] }]);
    expect(refs('item-get')).toEqual(['admin', 'web']);
    expect(refs('item')).toEqual(['admin']);
    expect(refs('list')).toEqual(['web']);
    expect(twin.phase.warnings.filter(w => w.includes('can win requests'))).toEqual([]);
  });

  test('callers of a broader route are authorized on a narrower route that wins their requests, never the other way round', () => {
    const nested = synthLinkerd({
      namespace: 'shop',
      services: [
        {
          name: 'catalog',
          ports: [{ name: 'http', port: 80, protocol: PortProtocol.HTTP }],
          routes: [
            { name: 'list', http: { method: HttpMethod.GET, pathPrefix: '/products' } },
            { name: 'get', http: { method: HttpMethod.GET, pathRegex: '/products/[a-z0-9-]+' } },
          ],
        },
        { name: 'web', clientOnly: true, calls: [{ service: 'catalog', routes: ['list'] }] },
        { name: 'cart', clientOnly: true, calls: [{ service: 'catalog', routes: ['get'] }] },
      ],
    });
    const refs = (route: string) => find(nested.manifests, 'MeshTLSAuthentication', 'shop', `catalog-http-${route}`).spec.identityRefs.map((r: { name: string }) => r.name);
    expect(refs('list')).toEqual(['web']);
    expect(refs('get')).toEqual(['cart', 'web']);
    expect(nested.phase.warnings.filter(w => w.includes('can win requests'))).toEqual([]);
  });

  test('an HTTP port with route-level authorization warns about kubelet probes until their paths are given', () => {
    expect(phase.warnings.some(w => w.startsWith('shop/api: route-level authorization on pod port 8080'))).toBe(true);
    expect(find(manifests, 'Server', 'shop', 'api-http').metadata.annotations['mesh-ladder.dev/note']).toMatch(/probes.httpPaths/);
  });
});

describe('kubelet probes', () => {
  test('probe paths become a GET route authorized from the probe networks', () => {
    const { manifests, phase } = synthLinkerd(spec, { probes: { paths: ['/readyz', '/healthz'] } });
    expect(find(manifests, 'HTTPRoute', 'shop', 'api-http-probes', POLICY).spec.rules).toEqual([{
      matches: [
        { method: 'GET', path: { type: 'Exact', value: '/healthz' } },
        { method: 'GET', path: { type: 'Exact', value: '/readyz' } },
      ],
    }]);
    expect(find(manifests, 'AuthorizationPolicy', 'shop', 'api-http-probes').spec.requiredAuthenticationRefs).toEqual([{ group: POLICY, kind: 'NetworkAuthentication', name: 'kubelet-probes' }]);
    expect(find(manifests, 'NetworkAuthentication', 'shop', 'kubelet-probes').spec.networks).toEqual([{ cidr: '0.0.0.0/0' }, { cidr: '::/0' }]);
    expect(phase.warnings.some(w => w.startsWith('shop/api: route-level'))).toBe(false);
    // Ports without routes keep Linkerd's automatic probe routes: nothing emitted there.
    expect(names(manifests, 'HTTPRoute', 'shop', POLICY)).not.toContain('web-http-probes');
  });

  test('per-service paths and probe networks override the defaults', () => {
    const { manifests } = synthLinkerd(spec, { probes: { paths: ['/healthz'], servicePaths: { 'shop/api': ['/live'] }, networks: ['192.168.0.0/16'] } });
    expect(find(manifests, 'HTTPRoute', 'shop', 'api-http-probes', POLICY).spec.rules[0].matches).toEqual([{ method: 'GET', path: { type: 'Exact', value: '/live' } }]);
    expect(find(manifests, 'NetworkAuthentication', 'shop', 'kubelet-probes').spec.networks).toEqual([{ cidr: '192.168.0.0/16' }]);
  });

  /** The test catalog with `probes` declared on the api service. */
  const withProbes = (probes: { httpPaths?: string[]; grpc?: boolean }): CatalogSpec => ({
    ...spec,
    services: spec.services.map(s => (s.name === 'api' ? { ...s, probes } : s)),
  });

  test('probe paths declared in the catalog (services[].probes.httpPaths) become the probe route, without a warning', () => {
    const { manifests, phase } = synthLinkerd(withProbes({ httpPaths: ['/ready', '/healthz'] }));
    expect(find(manifests, 'HTTPRoute', 'shop', 'api-http-probes', POLICY).spec.rules[0].matches).toEqual([
      { method: 'GET', path: { type: 'Exact', value: '/healthz' } },
      { method: 'GET', path: { type: 'Exact', value: '/ready' } },
    ]);
    expect(phase.warnings.filter(w => w.startsWith('shop/api:'))).toEqual([
      expect.stringContaining('kubelet-native gRPC probes on pod port 5050 are not authorized unless declared'),
    ]);
  });

  test('the catalog\'s probes win over probes.paths; probes.servicePaths win over the catalog', () => {
    const declared = withProbes({ httpPaths: ['/healthz'] });
    const fromCatalog = synthLinkerd(declared, { probes: { paths: ['/other'] } }).manifests;
    expect(find(fromCatalog, 'HTTPRoute', 'shop', 'api-http-probes', POLICY).spec.rules[0].matches).toEqual([{ method: 'GET', path: { type: 'Exact', value: '/healthz' } }]);
    const overridden = synthLinkerd(declared, { probes: { servicePaths: { 'shop/api': ['/live'] } } }).manifests;
    expect(find(overridden, 'HTTPRoute', 'shop', 'api-http-probes', POLICY).spec.rules[0].matches).toEqual([{ method: 'GET', path: { type: 'Exact', value: '/live' } }]);
  });

  test('probes declared absent (httpPaths: [], grpc: false) emit no probe routes and no warning', () => {
    const { manifests, phase } = synthLinkerd(withProbes({ httpPaths: [], grpc: false }));
    expect(names(manifests, 'HTTPRoute', 'shop', POLICY)).not.toContain('api-http-probes');
    expect(names(manifests, 'GRPCRoute', 'shop', GATEWAY)).not.toContain('api-grpc-probes');
    expect(phase.warnings.filter(w => w.startsWith('shop/api:'))).toEqual([]);
  });

  test('probes.grpc: true in the catalog authorizes grpc.health.v1.Health', () => {
    const { manifests, phase } = synthLinkerd(withProbes({ grpc: true }));
    expect(find(manifests, 'GRPCRoute', 'shop', 'api-grpc-probes', GATEWAY).spec.rules).toEqual([{ matches: [{ method: { type: 'Exact', service: 'grpc.health.v1.Health' } }] }]);
    expect(phase.warnings.some(w => w.includes('kubelet-native gRPC probes'))).toBe(false);
  });

  test('grpcHealth authorizes grpc.health.v1.Health on gRPC Servers', () => {
    const { manifests, phase } = synthLinkerd(spec, { probes: { grpcHealth: true } });
    expect(find(manifests, 'GRPCRoute', 'shop', 'api-grpc-probes', GATEWAY).spec.rules).toEqual([{ matches: [{ method: { type: 'Exact', service: 'grpc.health.v1.Health' } }] }]);
    expect(find(manifests, 'AuthorizationPolicy', 'shop', 'api-grpc-probes').spec.targetRef).toEqual({ group: GATEWAY, kind: 'GRPCRoute', name: 'api-grpc-probes' });
    expect(phase.warnings.some(w => w.includes('kubelet-native gRPC probes'))).toBe(false);
  });
});

test('colliding object names are refused, not overwritten', () => {
  expect(() => synthLinkerd({
    namespace: 'shop',
    services: [
      { name: 'a', ports: [{ name: 'b-c', port: 80, protocol: PortProtocol.TCP }] },
      { name: 'a-b', ports: [{ name: 'c', port: 81, protocol: PortProtocol.TCP }] },
    ],
  })).toThrow(/two Server objects named shop\/a-b-c/);
});

describe('routes that cannot win each other\'s requests', () => {
  test('regular expressions with disagreeing literal prefixes: a caller of one is not authorized on the other', () => {
    const { manifests, phase } = synthLinkerd({
      namespace: 'shop',
      services: [
        {
          name: 'api',
          ports: [{ name: 'http', port: 80, protocol: PortProtocol.HTTP }],
          routes: [
            { name: 'items', http: { method: HttpMethod.PUT, pathRegex: '/items/[0-9]+' } },
            { name: 'users', http: { pathRegex: '/v[12]/(users|groups)' } }, // "|" inside a group: the literal is "/v"
          ],
        },
        { name: 'web', clientOnly: true, calls: [{ service: 'api', routes: ['users'] }] },
      ],
    });
    expect(names(manifests, 'MeshTLSAuthentication', 'shop')).toEqual(['api-http-users']);
    expect(phase.warnings.filter(w => w.includes('can win requests'))).toEqual([]);
    const { manifests: items } = synthLinkerd({
      namespace: 'shop',
      services: [
        {
          name: 'api',
          ports: [{ name: 'http', port: 80, protocol: PortProtocol.HTTP }],
          routes: [{ name: 'items', http: { method: HttpMethod.PUT, pathRegex: '/items/[0-9]+' } }, { name: 'any', http: { pathRegex: '/a|/items/x' } }],
        },
        { name: 'web', clientOnly: true, calls: [{ service: 'api', routes: ['items'] }] },
      ],
    });
    // "any" has no callers of its own: not attached, it wins nothing.
    expect(names(items, 'MeshTLSAuthentication', 'shop')).toEqual(['api-http-items']);
    // With callers: a top-level "|" may start anywhere, so "any" may win requests of
    // "items" (conservatively): refused rather than guessed.
    expect(() => synthLinkerd({
      namespace: 'shop',
      services: [
        {
          name: 'api',
          ports: [{ name: 'http', port: 80, protocol: PortProtocol.HTTP }],
          routes: [{ name: 'items', http: { method: HttpMethod.PUT, pathRegex: '/items/[0-9]+' } }, { name: 'any', http: { pathRegex: '/a|/items/x' } }],
        },
        { name: 'web', clientOnly: true, calls: [{ service: 'api', routes: ['items'] }] },
        { name: 'feed', clientOnly: true, calls: [{ service: 'api', routes: ['any'] }] },
      ],
    })).toThrow(/route "any" .* can win requests of route "items"/);
  });
});

