/**
 * The linkerd phase and peers outside the catalog: who is authorized by identity
 * (MeshTLSAuthentication), who by network (NetworkAuthentication), on exactly the ports
 * and routes of each caller entry; version calls and shared service accounts; and what
 * the phase refuses.
 */
import { find, names, ofKind, POLICY, synthLinkerd } from './support';
import { PhaseCapabilityError } from '../../../src/emit/common';
import { CatalogSpec, HttpMethod, L4Layer, PortProtocol } from '../../../src/model/types';
import { validateWithCrdSchemas } from '../../support/crd-schemas';

const IDENTITY = 'serviceaccount.identity.linkerd.example.org';

/** A service called by every kind of peer Linkerd supports, and catalog callers with versions. */
const spec: CatalogSpec = {
  namespace: 'shop',
  trustDomain: 'example.org',
  peers: [
    { name: 'batch', namespace: 'batch' },
    { name: 'reporting', namespace: 'analytics', selector: { app: 'reporting' }, serviceAccount: 'reporting' },
    { name: 'partner', world: true, cidrs: ['198.51.100.0/24'] },
    { name: 'kube-apiserver', kubeApiServer: true, cidrs: ['192.0.2.10/32'] },
    { name: 'everyone', allNamespaces: true },
  ],
  services: [
    {
      name: 'api',
      ports: [
        { name: 'http', port: 80, targetPort: 8080, protocol: PortProtocol.HTTP },
        { name: 'metrics', port: 9090, protocol: PortProtocol.HTTP, metrics: true },
        { name: 'webhook', port: 443, targetPort: 9443, protocol: PortProtocol.TLS },
        { port: 7000, protocol: PortProtocol.TCP },
      ],
      routes: [
        { name: 'read', http: { method: HttpMethod.GET, pathPrefix: '/items' }, port: 'http' },
        { name: 'hook', http: { method: HttpMethod.POST, path: '/hook' }, port: 'http' },
      ],
      callers: [
        { peer: 'batch', port: 'http' },
        { peer: 'reporting', ports: ['http', 7000] },
        { peer: 'ingress-controller', routes: ['read'] },
        { peer: 'kube-apiserver', port: 'webhook' },
        { peer: 'partner', routes: ['hook'] },
        { peer: 'everyone', port: 7000 },
      ],
    },
    {
      name: 'web',
      ports: [{ name: 'http', port: 80, protocol: PortProtocol.HTTP }],
      versions: [
        { name: 'stable', weight: 90 },
        { name: 'canary', weight: 10, serviceAccount: 'web-canary', calls: [{ service: 'api', port: 7000 }] },
      ],
      calls: [{ service: 'api', port: 'http', routes: ['read'] }],
    },
  ],
};

describe('peers as callers', () => {
  const { manifests } = synthLinkerd(spec);

  test('a meshed namespace peer without a service account: every identity of its namespace, as identity strings', () => {
    // identities and identityRefs are exclusive, so the whole authentication uses strings.
    expect(find(manifests, 'MeshTLSAuthentication', 'shop', 'api-http').spec).toEqual({
      identities: [`*.batch.${IDENTITY}`, `reporting.analytics.${IDENTITY}`],
    });
  });

  test('a meshed peer with a service account: identityRefs; the ingress controller limited to a route: per-route authentication', () => {
    expect(find(manifests, 'MeshTLSAuthentication', 'shop', 'api-7000').spec).toEqual({ identities: ['*'] });
    const read = find(manifests, 'MeshTLSAuthentication', 'shop', 'api-http-read');
    // web's service-wide call (both versions' service accounts) and the ingress controller.
    expect(read.spec).toEqual({
      identityRefs: [
        { kind: 'ServiceAccount', name: 'ingress-nginx', namespace: 'ingress-nginx' },
        { kind: 'ServiceAccount', name: 'web', namespace: 'shop' },
        { kind: 'ServiceAccount', name: 'web-canary', namespace: 'shop' },
      ],
    });
    expect(find(manifests, 'AuthorizationPolicy', 'shop', 'api-http-read').spec).toEqual({
      targetRef: { group: POLICY, kind: 'HTTPRoute', name: 'api-http-read' },
      requiredAuthenticationRefs: [{ group: POLICY, kind: 'MeshTLSAuthentication', name: 'api-http-read' }],
    });
  });

  test('the monitoring peer (unmeshed) on the metrics port only: every network, which the L4 layer narrows', () => {
    const metrics = find(manifests, 'AuthorizationPolicy', 'shop', 'api-metrics-all-networks');
    expect(metrics.spec).toEqual({
      targetRef: { group: POLICY, kind: 'Server', name: 'api-metrics' },
      requiredAuthenticationRefs: [{ group: POLICY, kind: 'NetworkAuthentication', name: 'all-networks' }],
    });
    expect(metrics.metadata.annotations).toEqual({ 'mesh-ladder.dev/note': 'without identity: peer monitoring (unmeshed pods)' });
    expect(names(manifests, 'AuthorizationPolicy', 'shop').filter(n => n.endsWith('-all-networks'))).toEqual(['api-metrics-all-networks']);
    expect(find(manifests, 'NetworkAuthentication', 'shop', 'all-networks').spec).toEqual({ networks: [{ cidr: '0.0.0.0/0' }, { cidr: '::/0' }] });
  });

  test('a port declared plaintext AND called by the API server accepts every network (the declaration wins over the peer\'s addresses)', () => {
    const declared: CatalogSpec = {
      ...spec,
      services: [{
        name: 'hook',
        ports: [{ name: 'webhook', port: 443, targetPort: 9443, protocol: PortProtocol.TLS, plaintext: true }],
        callers: [{ peer: 'kube-apiserver', port: 'webhook' }],
      }],
    };
    const objects = synthLinkerd(declared).manifests;
    const grants = ofKind(objects, 'AuthorizationPolicy').filter(m => m.spec.targetRef.name === 'hook-webhook');
    expect(grants.flatMap(g => g.spec.requiredAuthenticationRefs.map((r: any) => r.name))).toContain('all-networks');
  });

  test('the API server on the webhook port: its addresses, without identity (webhooks stay reachable under mTLS)', () => {
    expect(find(manifests, 'Server', 'shop', 'api-webhook').spec).toMatchObject({ port: 9443, proxyProtocol: 'opaque' });
    expect(find(manifests, 'AuthorizationPolicy', 'shop', 'api-webhook-peer-kube-apiserver').spec).toEqual({
      targetRef: { group: POLICY, kind: 'Server', name: 'api-webhook' },
      requiredAuthenticationRefs: [{ group: POLICY, kind: 'NetworkAuthentication', name: 'peer-kube-apiserver' }],
    });
    expect(find(manifests, 'NetworkAuthentication', 'shop', 'peer-kube-apiserver').spec).toEqual({ networks: [{ cidr: '192.0.2.10/32' }] });
  });

  test('a partner range limited to a route: a route-level policy with its NetworkAuthentication', () => {
    expect(find(manifests, 'HTTPRoute', 'shop', 'api-http-hook', POLICY).spec.rules).toEqual([{ matches: [{ method: 'POST', path: { type: 'Exact', value: '/hook' } }] }]);
    expect(find(manifests, 'AuthorizationPolicy', 'shop', 'api-http-hook-peer-partner').spec).toEqual({
      targetRef: { group: POLICY, kind: 'HTTPRoute', name: 'api-http-hook' },
      requiredAuthenticationRefs: [{ group: POLICY, kind: 'NetworkAuthentication', name: 'peer-partner' }],
    });
    expect(find(manifests, 'NetworkAuthentication', 'shop', 'peer-partner').spec).toEqual({ networks: [{ cidr: '198.51.100.0/24' }] });
    // No identity is limited to "hook": no MeshTLSAuthentication for it.
    expect(names(manifests, 'MeshTLSAuthentication', 'shop')).not.toContain('api-http-hook');
  });

  test('a version call: only the version\'s service account, on the called port', () => {
    const raw = find(manifests, 'MeshTLSAuthentication', 'shop', 'api-7000');
    expect(raw.spec.identities).toEqual(['*']); // `everyone` already covers web-canary
    const { manifests: without } = synthLinkerd({ ...spec, peers: spec.peers!.filter(p => p.name !== 'everyone'), services: [{ ...spec.services[0], callers: spec.services[0].callers!.filter(c => c.peer !== 'everyone') }, spec.services[1]] });
    // The version's service account only: web's own (the stable version's) is not named.
    expect(find(without, 'MeshTLSAuthentication', 'shop', 'api-7000').spec).toEqual({
      identityRefs: [
        { kind: 'ServiceAccount', name: 'reporting', namespace: 'analytics' },
        { kind: 'ServiceAccount', name: 'web-canary', namespace: 'shop' },
      ],
    });
  });

  test('every object validates against its CRD schema', () => {
    expect(validateWithCrdSchemas(manifests).problems).toEqual([]);
    expect(ofKind(manifests, 'NetworkAuthentication').map(m => m.metadata.name).sort()).toEqual(['all-networks', 'peer-kube-apiserver', 'peer-partner']);
  });
});

describe('calls to pod peers that hold catalog pods', () => {
  test('the callee authorizes the caller on the call\'s port numbers (the peer side): any request there', () => {
    const { manifests } = synthLinkerd({
      namespace: 'shop',
      services: [
        {
          name: 'api',
          ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: PortProtocol.HTTP }, { name: 'admin', port: 9000, protocol: PortProtocol.HTTP }],
          routes: [{ name: 'read', http: { method: HttpMethod.GET, path: '/r' }, port: 'http' }],
        },
        // Any pod of the cluster on 8080: api's pods are among them.
        { name: 'scanner', clientOnly: true, versions: [{ name: 'a', weight: 50 }, { name: 'b', weight: 50, serviceAccount: 'scanner-b', calls: [{ peer: 'cluster', port: 8080 }] }] },
      ],
    });
    expect(find(manifests, 'MeshTLSAuthentication', 'shop', 'api-http').spec.identityRefs).toEqual([{ kind: 'ServiceAccount', name: 'scanner-b', namespace: 'shop' }]);
    expect(names(manifests, 'MeshTLSAuthentication', 'shop')).toEqual(['api-http']); // not on 9000
  });
});

describe('service accounts', () => {
  test('two callers sharing one service account: named once', () => {
    const { manifests } = synthLinkerd({
      namespace: 'shop',
      services: [
        { name: 'api', ports: [{ name: 'http', port: 80, protocol: PortProtocol.HTTP }] },
        { name: 'a', clientOnly: true, serviceAccount: 'shared', calls: [{ service: 'api' }] },
        { name: 'b', clientOnly: true, serviceAccount: 'shared', calls: [{ service: 'api' }] },
      ],
    });
    expect(find(manifests, 'MeshTLSAuthentication', 'shop', 'api-http').spec.identityRefs).toEqual([{ kind: 'ServiceAccount', name: 'shared', namespace: 'shop' }]);
  });

  test('a service-wide call authorizes every service account of the caller\'s pods', () => {
    const { manifests } = synthLinkerd({
      namespace: 'shop',
      services: [
        { name: 'api', ports: [{ name: 'http', port: 80, protocol: PortProtocol.HTTP }] },
        { name: 'web', clientOnly: true, versions: [{ name: 'a', weight: 50 }, { name: 'b', weight: 50, serviceAccount: 'web-b' }], calls: [{ service: 'api' }] },
      ],
    });
    expect(find(manifests, 'MeshTLSAuthentication', 'shop', 'api-http').spec.identityRefs).toEqual([
      { kind: 'ServiceAccount', name: 'web', namespace: 'shop' },
      { kind: 'ServiceAccount', name: 'web-b', namespace: 'shop' },
    ]);
  });

  test('versions sharing a service account but declared different requests: refused', () => {
    const shared: CatalogSpec = {
      namespace: 'shop',
      services: [
        { name: 'api', ports: [{ name: 'http', port: 80, protocol: PortProtocol.HTTP }], routes: [{ name: 'read', http: { method: HttpMethod.GET, path: '/r' } }] },
        {
          name: 'web',
          clientOnly: true,
          versions: [{ name: 'a', weight: 50 }, { name: 'b', weight: 50, calls: [{ service: 'api' }] }],
          calls: [{ service: 'api', routes: ['read'] }],
        },
      ],
    };
    expect(() => synthLinkerd(shared)).toThrow(PhaseCapabilityError);
    expect(() => synthLinkerd(shared)).toThrow('shop/api port http: shop/web@a (identity shop/web) may send routes read but would get any request: Linkerd tells clients apart by service account only');
    // Its own service account separates the version.
    const separate = { ...shared, services: [shared.services[0], { ...shared.services[1], versions: [shared.services[1].versions![0], { ...shared.services[1].versions![1], serviceAccount: 'web-b' }] }] };
    expect(() => synthLinkerd(separate)).not.toThrow();
  });

  test('without an L4 layer, a version call is refused when other pods share the version\'s identity', () => {
    const spec2: CatalogSpec = {
      namespace: 'shop',
      services: [
        { name: 'api', ports: [{ name: 'http', port: 80, protocol: PortProtocol.HTTP }] },
        { name: 'web', clientOnly: true, versions: [{ name: 'a', weight: 50 }, { name: 'b', weight: 50, calls: [{ service: 'api' }] }] },
      ],
    };
    expect(() => synthLinkerd(spec2)).not.toThrow(); // the L4 layer keeps web@a off the port
    expect(() => synthLinkerd(spec2, { l4: L4Layer.NONE })).toThrow(/shop\/web@a \(identity shop\/web\) may send nothing but would get any request.*or use an L4 layer/);
  });
});

describe('refusals', () => {
  const base = (peer: CatalogSpec['peers'], caller: string, ports: Array<Record<string, unknown>> = [{ name: 'http', port: 80, protocol: PortProtocol.HTTP }]): CatalogSpec => ({
    namespace: 'shop',
    ...(peer ? { peers: peer } : {}),
    services: [{ name: 'api', ports: ports as never, callers: [{ peer: caller }] }],
  });

  test('a meshed peer selecting namespaces by label', () => {
    const tenants = base([{ name: 'tenants', namespaceSelector: { tier: 'tenant' } }], 'tenants');
    expect(() => synthLinkerd(tenants)).toThrow(PhaseCapabilityError);
    expect(() => synthLinkerd(tenants)).toThrow('shop/api port http: the linkerd phase cannot authorize the meshed peer "tenants": it selects namespaces by label, and Linkerd identities name one namespace (or all). Declare one peer per namespace (peers[].namespace), or set peers[tenants].meshed: false to authorize it by network under the L4 layer');
    // Unmeshed: by network, narrowed by the L4 layer.
    const { manifests } = synthLinkerd(base([{ name: 'tenants', namespaceSelector: { tier: 'tenant' }, meshed: false }], 'tenants'));
    expect(find(manifests, 'AuthorizationPolicy', 'shop', 'api-http-all-networks').metadata.annotations['mesh-ladder.dev/note']).toBe('without identity: peer tenants (unmeshed pods)');
  });

  test.each([
    ['cluster', undefined, /peer "cluster" by network.*Mesh the peer \(peers\[cluster\]\.meshed: true, with its serviceAccount\)/],
    ['monitoring', undefined, /peer "monitoring" by network.*Mesh the peer/],
    ['world', undefined, /peer "world" by network.*Give peers\[world\]\.cidrs/],
    ['kube-apiserver', undefined, /peer "kube-apiserver" by network.*Give peers\[kube-apiserver\]\.cidrs \(the API server's addresses: kubectl get endpoints kubernetes\)/],
  ] as Array<[string, CatalogSpec['peers'], RegExp]>)('without an L4 layer, %s (every address) is refused', (peer, peers, message) => {
    const catalog = base(peers, peer);
    expect(() => synthLinkerd(catalog)).not.toThrow();
    expect(() => synthLinkerd(catalog, { l4: L4Layer.NONE })).toThrow(message);
    expect(() => synthLinkerd(catalog, { l4: L4Layer.NONE })).toThrow(/use l4: cilium or l4: networkpolicy, which narrow it to the peer/);
  });

  test('without an L4 layer, a labelled meshed peer without a service account', () => {
    const catalog = base([{ name: 'jobs', namespace: 'batch', selector: { app: 'jobs' } }], 'jobs');
    expect(find(synthLinkerd(catalog).manifests, 'MeshTLSAuthentication', 'shop', 'api-http').spec.identities).toEqual(['*.batch.serviceaccount.identity.linkerd.cluster.local']);
    expect(() => synthLinkerd(catalog, { l4: L4Layer.NONE })).toThrow(/peer "jobs" gives pod labels but no service account: without an L4 layer every pod of namespace batch could call. Give peers\[jobs\]\.serviceAccount/);
  });

  test('a network grant that would reach meshed callers limited to routes', () => {
    const catalog: CatalogSpec = {
      namespace: 'shop',
      services: [
        {
          name: 'api',
          ports: [{ name: 'http', port: 80, protocol: PortProtocol.HTTP, metrics: true }],
          routes: [{ name: 'read', http: { method: HttpMethod.GET, path: '/r' } }],
        },
        { name: 'web', clientOnly: true, calls: [{ service: 'api', routes: ['read'] }] },
      ],
    };
    expect(() => synthLinkerd(catalog)).toThrow('shop/api port http: peer monitoring (unmeshed pods) may send any request without identity, from networks that also hold shop/web (read), limited to routes: they would be allowed any request');
    // Limited to the metrics route, the peer widens web by that route only: still refused.
    const limited: CatalogSpec = {
      ...catalog,
      services: [
        {
          ...catalog.services[0],
          ports: [{ name: 'http', port: 80, protocol: PortProtocol.HTTP }],
          routes: [...catalog.services[0].routes!, { name: 'scrape', http: { method: HttpMethod.GET, path: '/metrics' } }],
          callers: [{ peer: 'monitoring', routes: ['scrape'] }],
        },
        catalog.services[1],
      ],
    };
    expect(() => synthLinkerd(limited)).toThrow(/may send requests of route "scrape" without identity, from networks that also hold shop\/web \(read\): they would be allowed that route too/);
    // The cluster peer holds every pod: web may send what it may anyway; but not a partner range.
    const cluster = { ...catalog.services[0], ports: [{ name: 'http', port: 80, protocol: PortProtocol.HTTP }], callers: [{ peer: 'cluster' }] };
    expect(() => synthLinkerd({ ...catalog, services: [cluster, catalog.services[1]] })).not.toThrow();
    const partner: CatalogSpec = {
      ...catalog,
      peers: [{ name: 'partner', world: true, cidrs: ['198.51.100.0/24'] }],
      services: [{ ...cluster, callers: [{ peer: 'cluster' }, { peer: 'partner', routes: ['read'] }] }],
    };
    expect(() => synthLinkerd(partner)).toThrow('peer cluster (unmeshed pods) may send any request without identity, from networks that also hold peer partner (world) (read), limited to routes');
    // The world holds the partner's addresses: the partner may send what the world may.
    expect(() => synthLinkerd({ ...partner, services: [{ ...cluster, callers: [{ peer: 'world' }, { peer: 'partner', routes: ['read'] }] }] })).not.toThrow();
  });

  test('an unmeshed ingress controller needs its networks; limited to routes, they are granted per route', () => {
    const catalog: CatalogSpec = {
      namespace: 'shop',
      services: [{
        name: 'api',
        ports: [{ name: 'http', port: 80, protocol: PortProtocol.HTTP }],
        routes: [{ name: 'read', http: { method: HttpMethod.GET, path: '/r' } }],
        callers: [{ peer: 'ingress-controller', routes: ['read'] }],
      }],
    };
    expect(() => synthLinkerd(catalog, { ingress: { meshed: false } })).toThrow(/without its networks \(it calls shop\/api\)/);
    const { manifests } = synthLinkerd(catalog, { ingress: { meshed: false, networks: ['10.8.0.0/16'] } });
    expect(find(manifests, 'AuthorizationPolicy', 'shop', 'api-http-read-ingress-controller').spec).toEqual({
      targetRef: { group: POLICY, kind: 'HTTPRoute', name: 'api-http-read' },
      requiredAuthenticationRefs: [{ group: POLICY, kind: 'NetworkAuthentication', name: 'ingress-controller' }],
    });
    expect(names(manifests, 'AuthorizationPolicy', 'shop')).toEqual(['api-http-read-ingress-controller']);
  });
});
