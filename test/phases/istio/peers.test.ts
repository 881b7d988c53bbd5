/**
 * The istio phase and peers outside the catalog: caller entries in AuthorizationPolicies
 * (identities, namespaces, address ranges, plaintext clients, routes), refusals, mTLS
 * exceptions for unmeshed callers, policies into peers' pods, per-version identities and
 * Sidecars, and egress to peers (Services, the API server, world ranges).
 */
import * as fc from 'fast-check';
import { find, istioCatalogArb, ofKind, PLATFORM, synthIstio } from './support';
import { PhaseCapabilityError } from '../../../src/emit/common';
import { ServiceCatalog } from '../../../src/model/catalog';
import { CatalogSpec, HttpMethod, L4Layer, PeerSpec, PortProtocol, ServiceSpec } from '../../../src/model/types';
import { validateWithCrdSchemas } from '../../support/crd-schemas';
import { propertyRuns } from '../../support/property-runs';
import { Manifest } from '../../support/synth';

const HTTP = PortProtocol.HTTP;
const NO_IDENTITY = { notPrincipals: ['*'] };

/** A catalog with `api` (HTTP 80 → 8080, TCP 5432 unnamed) called by `peer`, plus the peers given. */
function withCaller(peers: PeerSpec[], caller: ServiceSpec['callers'], extra: Partial<CatalogSpec> = {}): CatalogSpec {
  return {
    namespace: 'shop',
    peers,
    ...extra,
    services: [
      { name: 'api', ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: HTTP }, { port: 5432 }], callers: caller },
      ...(extra.services ?? []),
    ],
  };
}

function apiRules(spec: CatalogSpec, l4 = L4Layer.CILIUM): any[] {
  return find(synthIstio(spec, { l4 }), 'AuthorizationPolicy', 'shop', 'api').spec.rules;
}

describe('AuthorizationPolicy: peers as callers', () => {
  test('a meshed peer with a service account: its principal, on the entry\'s pod ports only', () => {
    const spec = withCaller([{ name: 'reporting', namespace: 'batch', selector: { app: 'reporting' }, serviceAccount: 'reporter' }], [{ peer: 'reporting', port: 'http' }]);
    expect(apiRules(spec, L4Layer.NONE)).toEqual([{
      from: [{ source: { principals: ['cluster.local/ns/batch/sa/reporter'] } }],
      to: [{ operation: { ports: ['8080'] } }],
    }]);
  });

  test('a meshed namespace: its namespace; every namespace: any authenticated principal', () => {
    const spec = withCaller([{ name: 'batch', namespace: 'batch' }, { name: 'mesh', allNamespaces: true }], [{ peer: 'batch', port: 5432 }, { peer: 'mesh', port: 'http' }]);
    expect(apiRules(spec, L4Layer.NONE)).toEqual([
      { from: [{ source: { namespaces: ['batch'] } }], to: [{ operation: { ports: ['5432'] } }] },
      { from: [{ source: { principals: ['*'] } }], to: [{ operation: { ports: ['8080'] } }] },
    ]);
  });

  test('labelled pods without a service account: their namespace over an L4 layer, refused without one', () => {
    const peers: PeerSpec[] = [{ name: 'jobs', namespace: 'batch', selector: { app: 'jobs' } }];
    const spec = withCaller(peers, [{ peer: 'jobs' }]);
    expect(apiRules(spec, L4Layer.CILIUM)).toEqual([{ from: [{ source: { namespaces: ['batch'] } }], to: [{ operation: { ports: ['5432', '8080'] } }] }]);
    expect(apiRules(spec, L4Layer.NETWORK_POLICY)[0].from).toEqual([{ source: { namespaces: ['batch'] } }]);
    expect(() => synthIstio(spec, { l4: L4Layer.NONE })).toThrow(PhaseCapabilityError);
    expect(() => synthIstio(spec, { l4: L4Layer.NONE })).toThrow(/shop\/api callers\[peer jobs\].*app=jobs in namespace batch.*peers\[jobs\]\.serviceAccount.*istio\.l4: cilium/s);
  });

  test('a meshed namespace-selector peer is refused (Istio names namespaces); unmeshed it is allowed by port under L4', () => {
    const meshed = withCaller([{ name: 'tenants', namespaceSelector: { tier: 'tenant' } }], [{ peer: 'tenants', port: 'http' }]);
    expect(() => synthIstio(meshed)).toThrow(PhaseCapabilityError);
    expect(() => synthIstio(meshed)).toThrow(/callers\[peer tenants\].*namespaceSelector.*never by namespace label.*one peer per namespace.*meshed: false/s);
    const unmeshed = withCaller([{ name: 'tenants', namespaceSelector: { tier: 'tenant' }, meshed: false }], [{ peer: 'tenants', port: 'http' }]);
    expect(apiRules(unmeshed)).toEqual([{ to: [{ operation: { ports: ['8080'] } }] }]);
  });

  test('the unmeshed scraper: plaintext clients only on the metrics port; refused without an L4 layer', () => {
    const spec: CatalogSpec = { namespace: 'shop', services: [{ name: 'api', ports: [{ name: 'http', port: 80, protocol: HTTP }, { name: 'metrics', port: 9090, metrics: true }] }] };
    expect(apiRules(spec)).toEqual([{ from: [{ source: NO_IDENTITY }], to: [{ operation: { ports: ['9090'] } }] }]);
    expect(() => synthIstio(spec, { l4: L4Layer.NONE })).toThrow(/callers\[peer monitoring\].*not in the mesh.*no identity.*keep an L4 layer.*meshed: true/is);
  });

  test('an unmeshed peer in an owned (injected) namespace: plaintext clients and its identity there', () => {
    const spec: CatalogSpec = {
      namespace: 'shop',
      namespaces: [{ name: 'monitoring' }],
      services: [
        { name: 'api', ports: [{ name: 'metrics', port: 9090, metrics: true }] },
        { name: 'grafana', namespace: 'monitoring', ports: [{ port: 3000, protocol: HTTP }] },
      ],
    };
    expect(apiRules(spec)).toEqual([{
      from: [{ source: { principals: ['cluster.local/ns/monitoring/sa/prometheus-k8s'] } }, { source: NO_IDENTITY }],
      to: [{ operation: { ports: ['9090'] } }],
    }]);
  });

  test('every pod of the cluster (unmeshed): any source on the port', () => {
    const spec = withCaller([], [{ peer: 'cluster', port: 5432 }]);
    expect(apiRules(spec)).toEqual([{ to: [{ operation: { ports: ['5432'] } }] }]);
    expect(() => synthIstio(spec, { l4: L4Layer.NONE })).toThrow(/callers\[peer cluster\]/);
  });

  test('world ranges: plaintext clients from the ranges (ipBlocks: the connection\'s address, not X-Forwarded-For)', () => {
    const partner = withCaller([{ name: 'partner', world: true, cidrs: ['198.51.100.0/24', '2001:db8:5::/48'] }], [{ peer: 'partner', port: 'http' }]);
    const rules = apiRules(partner, L4Layer.NONE);
    expect(rules).toEqual([{ from: [{ source: { ipBlocks: ['198.51.100.0/24', '2001:db8:5::/48'], ...NO_IDENTITY } }], to: [{ operation: { ports: ['8080'] } }] }]);
    expect(JSON.stringify(rules)).not.toContain('remoteIpBlocks');
    const world = withCaller([], [{ peer: 'world', port: 'http' }]);
    expect(apiRules(world)[0].from).toEqual([{ source: { ipBlocks: ['0.0.0.0/0', '::/0'], ...NO_IDENTITY } }]);
    // Every address includes the cluster's pods: only an L4 layer tells the world apart.
    expect(() => synthIstio(world, { l4: L4Layer.NONE })).toThrow(/peer "world" ranges 0\.0\.0\.0\/0, ::\/0 contain every address.*Cilium's world entity/s);
  });

  test('the API server: from its addresses; without them plaintext clients from anywhere over L4, refused without L4', () => {
    const webhook = (cidrs?: string[]) => withCaller(cidrs ? [{ name: 'kube-apiserver', kubeApiServer: true, cidrs }] : [], [{ peer: 'kube-apiserver', port: 5432 }]);
    expect(apiRules(webhook(['10.0.0.10/32']), L4Layer.NONE)).toEqual([{ from: [{ source: { ipBlocks: ['10.0.0.10/32'], ...NO_IDENTITY } }], to: [{ operation: { ports: ['5432'] } }] }]);
    expect(apiRules(webhook())).toEqual([{ from: [{ source: NO_IDENTITY }], to: [{ operation: { ports: ['5432'] } }] }]);
    expect(() => synthIstio(webhook(), { l4: L4Layer.NONE })).toThrow(/peers\[kube-apiserver\]\.cidrs.*kubectl get endpoints kubernetes/s);
  });

  test('route-limited entries: methods and paths on the ports serving the routes', () => {
    const spec: CatalogSpec = {
      namespace: 'shop',
      peers: [{ name: 'partner', world: true, cidrs: ['198.51.100.0/24'] }],
      services: [{
        name: 'api',
        ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: HTTP }, { port: 5432 }],
        routes: [{ name: 'list', http: { method: HttpMethod.GET, pathPrefix: '/items' } }, { name: 'create', http: { method: HttpMethod.POST, path: '/items' } }],
        callers: [{ peer: 'ingress-controller', routes: ['list', 'create'] }, { peer: 'partner', routes: ['list'] }],
      }],
    };
    expect(apiRules(spec)).toEqual([
      {
        from: [{ source: { principals: ['cluster.local/ns/ingress-nginx/sa/ingress-nginx'] } }],
        to: [
          { operation: { methods: ['GET'], paths: ['/items', '/items/*'], ports: ['8080'] } },
          { operation: { methods: ['POST'], paths: ['/items'], ports: ['8080'] } },
        ],
      },
      {
        from: [{ source: { ipBlocks: ['198.51.100.0/24'], ...NO_IDENTITY } }],
        to: [{ operation: { methods: ['GET'], paths: ['/items', '/items/*'], ports: ['8080'] } }],
      },
    ]);
  });

  test('exposed: true is the ingress controller on every port; callers can limit it', () => {
    const exposed: CatalogSpec = { namespace: 'shop', services: [{ name: 'api', ports: [{ port: 80, protocol: HTTP }, { name: 'admin', port: 9000 }], exposed: true }] };
    expect(apiRules(exposed)).toEqual([{ from: [{ source: { principals: ['cluster.local/ns/ingress-nginx/sa/ingress-nginx'] } }], to: [{ operation: { ports: ['80', '9000'] } }] }]);
    const limited: CatalogSpec = { namespace: 'shop', services: [{ name: 'api', ports: [{ port: 80, protocol: HTTP }, { name: 'admin', port: 9000 }], callers: [{ peer: 'ingress-controller', port: 80 }] }] };
    expect(apiRules(limited)[0].to).toEqual([{ operation: { ports: ['80'] } }]);
  });

  test('the platform example: storefront admits the ingress by identity, the partner by range, the scraper in plaintext', () => {
    const rules = find(synthIstio(PLATFORM), 'AuthorizationPolicy', 'shop', 'storefront').spec.rules;
    expect(rules.map((r: any) => [r.from, r.to.map((t: any) => t.operation.ports)])).toEqual([
      [[{ source: { principals: ['cluster.local/ns/ingress-nginx/sa/ingress-nginx'] } }], [['8080'], ['8080']]],
      [[{ source: { ipBlocks: ['198.51.100.0/24'], ...NO_IDENTITY } }], [['8080']]],
      [[{ source: NO_IDENTITY }], [['9090']]],
    ]);
    expect(find(synthIstio(PLATFORM), 'AuthorizationPolicy', 'platform', 'operator').spec.rules).toEqual([{
      from: [{ source: { ipBlocks: ['10.0.0.10/32'], ...NO_IDENTITY } }],
      to: [{ operation: { ports: ['9443'] } }],
    }]);
  });

  test('every refusal is listed at once', () => {
    const spec = withCaller([{ name: 'jobs', namespace: 'batch', selector: { app: 'jobs' } }], [{ peer: 'jobs' }, { peer: 'cluster', port: 80 }]);
    expect(() => synthIstio(spec, { l4: L4Layer.NONE })).toThrow(/cannot authorize 2 caller\(s\)/);
  });
});

describe('AuthorizationPolicy: identities of calling services', () => {
  test('service-wide calls admit every service account of the caller; version calls only the version\'s', () => {
    const manifests = synthIstio(PLATFORM);
    expect(find(manifests, 'AuthorizationPolicy', 'shop', 'orders').spec.rules[0].from[0].source.principals).toEqual([
      'cluster.local/ns/batch/sa/reporting',
      'cluster.local/ns/shop/sa/storefront',
      'cluster.local/ns/shop/sa/storefront-canary',
    ]);
    expect(find(manifests, 'AuthorizationPolicy', 'shop', 'recommendations').spec.rules).toEqual([{
      from: [{ source: { principals: ['cluster.local/ns/shop/sa/storefront-canary'] } }],
      to: [{ operation: { ports: ['80'] } }],
    }]);
  });

  test('a version without an account of its own calls as the service', () => {
    const spec: CatalogSpec = {
      namespace: 'shop',
      services: [
        { name: 'web', ports: [{ port: 80 }], versions: [{ name: 'v1', weight: 50 }, { name: 'v2', weight: 50, calls: [{ service: 'api' }] }] },
        { name: 'api', ports: [{ port: 80 }] },
      ],
    };
    expect(apiRules(spec)[0].from).toEqual([{ source: { principals: ['cluster.local/ns/shop/sa/web'] } }]);
  });

  test('services sharing a service account are one identity, named once', () => {
    const spec: CatalogSpec = {
      namespace: 'shop',
      services: [
        { name: 'a', serviceAccount: 'shared', clientOnly: true, calls: [{ service: 'api' }] },
        { name: 'b', serviceAccount: 'shared', clientOnly: true, calls: [{ service: 'api', port: 80 }] },
        { name: 'api', ports: [{ port: 80 }, { port: 81 }] },
      ],
    };
    expect(ServiceCatalog.fromSpec(spec).warnings.join('\n')).toMatch(/shares service account "shared"/);
    expect(apiRules(spec)).toEqual([{ from: [{ source: { principals: ['cluster.local/ns/shop/sa/shared'] } }], to: [{ operation: { ports: ['80', '81'] } }] }]);
  });
});

describe('AuthorizationPolicy: calls into peers\' pods under the catalog\'s deny-all', () => {
  const spec: CatalogSpec = {
    namespace: 'shop',
    namespaces: [{ name: 'legacy', owned: false }],
    peers: [{ name: 'jobs', namespace: 'shop', selector: { role: 'job' } }],
    services: [
      { name: 'web', ports: [{ port: 80 }], versions: [{ name: 'v1', weight: 50 }, { name: 'v2', weight: 50, serviceAccount: 'web-v2', calls: [{ peer: 'cluster', port: 9100 }] }], calls: [{ peer: 'jobs', port: 7000 }] },
      { name: 'old', namespace: 'legacy', ports: [{ port: 80 }] },
    ],
  };
  const manifests = synthIstio(spec);

  test('a peer in an owned namespace gets a policy selecting its pods, admitting its callers on the called ports', () => {
    expect(find(manifests, 'AuthorizationPolicy', 'shop', 'peer-jobs').spec).toEqual({
      selector: { matchLabels: { role: 'job' } },
      action: 'ALLOW',
      rules: [{ from: [{ source: { principals: ['cluster.local/ns/shop/sa/web', 'cluster.local/ns/shop/sa/web-v2'] } }], to: [{ operation: { ports: ['7000'] } }] }],
    });
  });

  test('a peer spanning namespaces: a namespace-wide policy per owned namespace; catalog workloads elsewhere in their own policy', () => {
    expect(find(manifests, 'AuthorizationPolicy', 'shop', 'peer-cluster').spec).toEqual({
      action: 'ALLOW',
      rules: [{ from: [{ source: { principals: ['cluster.local/ns/shop/sa/web-v2'] } }], to: [{ operation: { ports: ['9100'] } }] }],
    });
    expect(manifests.filter(m => m.kind === 'AuthorizationPolicy' && m.metadata.namespace === 'legacy').map(m => m.metadata.name)).toEqual(['old']);
    expect(find(manifests, 'AuthorizationPolicy', 'legacy', 'old').spec.rules).toEqual([{
      from: [{ source: { principals: ['cluster.local/ns/shop/sa/web-v2'] } }],
      to: [{ operation: { ports: ['9100'] } }],
    }]);
  });

  test('a service named like a peer policy steps aside', () => {
    const clash: CatalogSpec = { ...spec, services: [...spec.services, { name: 'peer-jobs', ports: [{ port: 80 }] }] };
    const names = ofKind(synthIstio(clash, { l4: L4Layer.NONE }), 'AuthorizationPolicy').filter(p => p.metadata.namespace === 'shop').map(p => p.metadata.name).sort();
    expect(names).toEqual(['allow-nothing', 'peer-cluster', 'peer-jobs', 'peer-jobs-workload', 'web']);
  });
});

describe('PeerAuthentication: ports unmeshed callers reach stay PERMISSIVE under STRICT', () => {
  const manifests = synthIstio(PLATFORM);

  test('the webhook port the API server calls, the metrics port, the port the partner calls', () => {
    expect(find(manifests, 'PeerAuthentication', 'platform', 'operator').spec).toEqual({
      selector: { matchLabels: { app: 'operator' } },
      mtls: { mode: 'STRICT' },
      portLevelMtls: { 9443: { mode: 'PERMISSIVE' } },
    });
    expect(find(manifests, 'PeerAuthentication', 'shop', 'storefront').spec.portLevelMtls).toEqual({ 8080: { mode: 'PERMISSIVE' }, 9090: { mode: 'PERMISSIVE' } });
  });

  test('meshed callers leave a service STRICT (no workload policy)', () => {
    expect(manifests.some(m => m.kind === 'PeerAuthentication' && m.metadata.name === 'orders')).toBe(false);
  });
});

describe('egress to peers and split backends', () => {
  const manifests = synthIstio(PLATFORM);
  const hosts = (namespace: string, name: string) => find(manifests, 'Sidecar', namespace, name).spec.egress[0].hosts;

  test('the API server: its kubernetes Service, and its addresses through a ServiceEntry', () => {
    expect(hosts('platform', 'operator')).toEqual([
      'default/kubernetes.default.svc.cluster.local',
      'istio-system/*',
      'kube-system/*',
      'platform/kube-apiserver.peer.mesh-ladder.internal',
    ]);
    expect(find(manifests, 'ServiceEntry', 'platform', 'peer-kube-apiserver').spec).toEqual({
      hosts: ['kube-apiserver.peer.mesh-ladder.internal'],
      addresses: ['10.0.0.10/32'],
      location: 'MESH_EXTERNAL',
      resolution: 'NONE',
      ports: [{ number: 443, name: 'tcp-443', protocol: 'TCP' }, { number: 6443, name: 'tcp-6443', protocol: 'TCP' }],
      exportTo: ['.'],
    });
  });

  test('a partner range: a ServiceEntry by address; the split\'s backend Service next to the split service', () => {
    expect(hosts('shop', 'orders')).toEqual([
      'istio-system/*',
      'kube-system/*',
      'shop/partner.peer.mesh-ladder.internal',
      'shop/payments-errors.shop.svc.cluster.local',
      'shop/payments.shop.svc.cluster.local',
    ]);
    expect(find(manifests, 'ServiceEntry', 'shop', 'peer-partner').spec).toMatchObject({ addresses: ['198.51.100.0/24'], resolution: 'NONE', ports: [{ number: 443, protocol: 'TCP' }] });
  });

  test('versions making calls of their own get Sidecars of their own', () => {
    expect(manifests.some(m => m.kind === 'Sidecar' && m.metadata.name === 'storefront')).toBe(false);
    expect(find(manifests, 'Sidecar', 'shop', 'storefront-canary').spec.workloadSelector).toEqual({ labels: { app: 'storefront', version: 'canary' } });
    expect(hosts('shop', 'storefront-canary')).toContain('shop/recommendations.shop.svc.cluster.local');
    expect(hosts('shop', 'storefront-stable')).not.toContain('shop/recommendations.shop.svc.cluster.local');
  });

  test('versions whose labels do not tell their pods apart share one Sidecar; so does a split with one set of pods', () => {
    const overlapping: CatalogSpec = {
      namespace: 'shop',
      services: [
        { name: 'web', ports: [{ port: 80 }], versions: [{ name: 'v1', labels: { track: 'a' }, weight: 50 }, { name: 'v2', labels: { track: 'a', canary: 'yes' }, weight: 50, calls: [{ service: 'api' }] }] },
        { name: 'api', ports: [{ port: 80 }] },
      ],
    };
    const split: CatalogSpec = {
      namespace: 'shop',
      services: [
        { name: 'web', ports: [{ port: 80 }], versions: [{ name: 'v1', weight: 50, calls: [{ service: 'api' }] }, { name: 'v2', weight: 50, service: 'web-clone' }] },
        { name: 'web-clone', ports: [{ port: 80 }] },
        { name: 'api', ports: [{ port: 80 }] },
      ],
    };
    for (const spec of [overlapping, split]) {
      const out = synthIstio(spec);
      expect(find(out, 'Sidecar', 'shop', 'web').spec.egress[0].hosts).toContain('shop/api.shop.svc.cluster.local');
      expect(out.filter(m => m.kind === 'Sidecar' && m.metadata.name.startsWith('web-v'))).toEqual([]);
    }
  });

  test('pod peers: every Service of their namespace (unknown to the catalog), or of every namespace', () => {
    const spec: CatalogSpec = {
      namespace: 'shop',
      peers: [{ name: 'batch', namespace: 'batch' }, { name: 'tenants', namespaceSelector: { tier: 'tenant' } }],
      services: [{ name: 'web', clientOnly: true, calls: [{ peer: 'batch', port: 80 }, { peer: 'tenants', port: 81 }, { peer: 'world', port: 443 }] }],
    };
    const out = synthIstio(spec);
    expect(find(out, 'Sidecar', 'shop', 'web').spec.egress[0].hosts).toEqual(['*/*', 'batch/*', 'istio-system/*', 'kube-system/*', 'shop/world.peer.mesh-ladder.internal']);
    expect(find(out, 'ServiceEntry', 'shop', 'peer-world').spec).toMatchObject({ addresses: ['0.0.0.0/0', '::/0'], resolution: 'NONE' });
  });

  test('pods of a peer that calls a catalog service import it (the namespace default Sidecar too)', () => {
    const spec: CatalogSpec = {
      namespace: 'shop',
      services: [
        { name: 'api', ports: [{ port: 80 }], callers: [{ peer: 'cluster' }] },
        { name: 'web', ports: [{ port: 80 }] },
      ],
    };
    const out = synthIstio(spec);
    for (const name of ['default', 'web', 'api']) {
      expect(find(out, 'Sidecar', 'shop', name).spec.egress[0].hosts).toContain('shop/api.shop.svc.cluster.local');
    }
  });

  test('the API server without addresses is reached on 443 only', () => {
    const spec = (port?: number): CatalogSpec => ({ namespace: 'shop', services: [{ name: 'op', clientOnly: true, calls: [port ? { peer: 'kube-apiserver', port } : { peer: 'kube-apiserver' }] }] });
    const out = synthIstio(spec());
    expect(find(out, 'Sidecar', 'shop', 'op').spec.egress[0].hosts).toContain('default/kubernetes.default.svc.cluster.local');
    expect(ofKind(out, 'ServiceEntry')).toEqual([]);
    expect(() => synthIstio(spec(8443))).toThrow(/calls the API server \(peer "kube-apiserver"\) on port 8443.*peers\[kube-apiserver\]\.cidrs/s);
  });
});

describe('schemas', () => {
  test('the platform example validates against the CRD schemas (both L4 layers; without one the scraper is refused)', () => {
    const all = [L4Layer.CILIUM, L4Layer.NETWORK_POLICY].flatMap(l4 => synthIstio(PLATFORM, { l4 }));
    expect(all.length).toBeGreaterThan(40);
    expect(validateWithCrdSchemas(all).problems).toEqual([]);
    expect(() => synthIstio(PLATFORM, { l4: L4Layer.NONE })).toThrow(/callers\[peer monitoring\]/);
  });

  test('random catalogs with peers and header routes validate', () => {
    const specs = fc.sample(istioCatalogArb({ maxServices: 6 }), { numRuns: propertyRuns(12), seed: 808 });
    const all: Manifest[] = specs.flatMap((spec, i) => synthIstio(spec, { l4: [L4Layer.CILIUM, L4Layer.NETWORK_POLICY][i % 2] }));
    expect(all.some(m => m.kind === 'ServiceEntry' && m.metadata.name.startsWith('peer-'))).toBe(true);
    expect(validateWithCrdSchemas(all).problems).toEqual([]);
  });
});
