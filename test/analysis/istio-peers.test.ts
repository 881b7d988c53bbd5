/**
 * Istio semantics of the analysis for peers outside the catalog: which peer pods carry a
 * sidecar, the API server and world addresses as plaintext clients matched by ipBlocks,
 * plaintext-only rules (notPrincipals), egress to peers' Services and the API server, and
 * versions' own identities; then the istio phase's output on a cluster with peers, with
 * mutations.
 */
import { buildUniverse } from '../../src/analysis/endpoints';
import { checkIstioReachability, IstioEvaluator } from '../../src/analysis/istio';
import { ServiceCatalog } from '../../src/model/catalog';
import { CatalogSpec, L4Layer, PortProtocol } from '../../src/model/types';
import { find, PLATFORM, synthIstio } from '../phases/istio/support';
import { Manifest } from '../support/synth';

const SPEC: CatalogSpec = {
  namespace: 'shop',
  peers: [
    { name: 'batch', namespace: 'batch' },
    { name: 'kube-apiserver', kubeApiServer: true, cidrs: ['10.0.0.10/32'] },
  ],
  services: [
    {
      name: 'api',
      ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: PortProtocol.HTTP }, { name: 'webhook', port: 443, targetPort: 9443 }, { name: 'metrics', port: 9090, metrics: true }],
      callers: [{ peer: 'batch', port: 'http' }, { peer: 'kube-apiserver', port: 'webhook' }],
      versions: [{ name: 'v1', weight: 90 }, { name: 'v2', weight: 10, serviceAccount: 'api-canary', calls: [{ service: 'db' }] }],
    },
    { name: 'db', ports: [{ port: 5432 }] },
    { name: 'op', clientOnly: true, calls: [{ peer: 'kube-apiserver' }, { peer: 'batch', port: 7000 }] },
  ],
};
const MODEL = ServiceCatalog.fromSpec(SPEC)._resolved;
const UNIVERSE = buildUniverse(MODEL);
const e = (id: string) => UNIVERSE.endpoint(id);
const TCP = (port: number) => ({ port, protocol: 'TCP' as const });
const obj = (kind: string, namespace: string, name: string, spec: Record<string, unknown>): Manifest => ({
  apiVersion: kind === 'Sidecar' || kind === 'ServiceEntry' ? 'networking.istio.io/v1' : 'security.istio.io/v1',
  kind,
  metadata: { name, namespace },
  spec,
});
const MESHED: Manifest = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { 'istio-injection': 'enabled' } } };
const STRICT = obj('PeerAuthentication', 'shop', 'default', { mtls: { mode: 'STRICT' } });

describe('which peer pods carry a sidecar', () => {
  const ev = new IstioEvaluator(MODEL, [MESHED]);

  test('pods of a peer declared meshed (the default) do, also pods the peer covers; the unmeshed scraper, the API server do not', () => {
    expect(ev.isMeshed(e('peer:batch'))).toBe(true);
    expect(ev.isMeshed(e('batch/(other pod)'))).toBe(true);
    expect(ev.isMeshed(e('peer:monitoring'))).toBe(false);
    expect(ev.isMeshed(e('peer:kube-apiserver'))).toBe(false);
    expect(ev.isMeshed(e('(other namespace)'))).toBe(false);
  });
});

describe('unmeshed clients', () => {
  test('STRICT refuses the API server; a port-level PERMISSIVE exception admits it, and ipBlocks match its address', () => {
    const allow = obj('AuthorizationPolicy', 'shop', 'api', {
      selector: { matchLabels: { app: 'api' } },
      rules: [{ from: [{ source: { ipBlocks: ['10.0.0.10/32'], notPrincipals: ['*'] } }], to: [{ operation: { ports: ['9443'] } }] }],
    });
    const exception = obj('PeerAuthentication', 'shop', 'api', { selector: { matchLabels: { app: 'api' } }, mtls: { mode: 'STRICT' }, portLevelMtls: { 9443: { mode: 'PERMISSIVE' } } });
    let ev = new IstioEvaluator(MODEL, [MESHED, STRICT, allow]);
    expect(ev.allows(e('peer:kube-apiserver'), e('shop/api@v1'), TCP(9443))).toBe(false);
    ev = new IstioEvaluator(MODEL, [MESHED, STRICT, exception, allow]);
    expect(ev.allows(e('peer:kube-apiserver'), e('shop/api@v1'), TCP(9443))).toBe(true);
    expect(ev.allows(e('world'), e('shop/api@v1'), TCP(9443))).toBe(false);
    // A sidecar (mTLS, a principal) never borrows a plaintext-only grant.
    expect(ev.allows(e('shop/db'), e('shop/api@v1'), TCP(9443))).toBe(false);
  });
});

describe('egress to peers', () => {
  const sidecar = (hosts: string[]) => obj('Sidecar', 'shop', 'op', { workloadSelector: { labels: { app: 'op' } }, egress: [{ hosts }], outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } });

  test('a called peer\'s pods: on any port once their namespace is imported whole', () => {
    expect(new IstioEvaluator(MODEL, [sidecar(['batch/*'])]).allows(e('shop/op'), e('peer:batch'), TCP(7000))).toBe(true);
    expect(new IstioEvaluator(MODEL, [sidecar(['*/*'])]).allows(e('shop/op'), e('batch/(other pod)'), TCP(12345))).toBe(true);
    expect(new IstioEvaluator(MODEL, [sidecar(['batch/x.batch.svc.cluster.local'])]).allows(e('shop/op'), e('peer:batch'), TCP(7000))).toBe(false);
    // Pods of peers nobody calls are not behind Services the analysis assumes.
    expect(new IstioEvaluator(MODEL, [sidecar(['*/*'])]).allows(e('shop/op'), e('peer:monitoring'), TCP(9090))).toBe(false);
  });

  test('the API server: its kubernetes Service (443, forwarded to its endpoints), or its addresses', () => {
    const viaService = new IstioEvaluator(MODEL, [sidecar(['default/kubernetes.default.svc.cluster.local'])]);
    expect(viaService.allows(e('shop/op'), e('peer:kube-apiserver'), TCP(443))).toBe(true);
    expect(viaService.allows(e('shop/op'), e('peer:kube-apiserver'), TCP(6443))).toBe(true);
    expect(viaService.allows(e('shop/op'), e('peer:kube-apiserver'), TCP(8443))).toBe(false);
    const entry = obj('ServiceEntry', 'shop', 'peer-kube-apiserver', {
      hosts: ['kube-apiserver.peer.mesh-ladder.internal'], addresses: ['10.0.0.10/32'], resolution: 'NONE', ports: [{ number: 8443, name: 'tcp-8443', protocol: 'TCP' }], exportTo: ['.'],
    });
    const viaEntry = new IstioEvaluator(MODEL, [sidecar(['shop/kube-apiserver.peer.mesh-ladder.internal']), entry]);
    expect(viaEntry.allows(e('shop/op'), e('peer:kube-apiserver'), TCP(8443))).toBe(true);
    expect(viaEntry.allows(e('shop/op'), e('peer:kube-apiserver'), TCP(443))).toBe(false);
  });
});

describe('versions with identities of their own', () => {
  test('a version\'s pods present its service account', () => {
    const allowCanary = obj('AuthorizationPolicy', 'shop', 'db', {
      selector: { matchLabels: { app: 'db' } },
      rules: [{ from: [{ source: { principals: ['cluster.local/ns/shop/sa/api-canary'] } }] }],
    });
    const ev = new IstioEvaluator(MODEL, [MESHED, allowCanary]);
    expect(ev.allows(e('shop/api@v2'), e('shop/db'), TCP(5432))).toBe(true);
    expect(ev.allows(e('shop/api@v1'), e('shop/db'), TCP(5432))).toBe(false);
  });
});

describe('the istio phase with peers', () => {
  const catalog = ServiceCatalog.fromSpec(PLATFORM);

  test.each([L4Layer.CILIUM, L4Layer.NETWORK_POLICY])('the platform example: exactly the declared flows and requests (L4 %s)', l4 => {
    const report = checkIstioReachability(catalog._resolved, synthIstio(catalog, { l4 }));
    expect(report.missing).toEqual([]);
    expect(report.unexpected).toEqual([]);
    expect(report.requests!.missing).toEqual([]);
    expect(report.requests!.unexpected).toEqual([]);
    expect(report.ok).toBe(true);
    // The partner may browse, not buy; the ingress may do both.
    const probed = (from: string, method: string, path: string) => report.requests!.probed
      .filter(r => r.from === from && r.to === 'shop/storefront@stable' && r.method === method && r.path === path);
    const allowed = (from: string, method: string, path: string) => probed(from, method, path).some(r => report.requests!.allowed.includes(r));
    expect(probed('cidr:198.51.100.0/24', 'POST', '/checkout')).not.toEqual([]);
    expect(allowed('cidr:198.51.100.0/24', 'GET', '/products/probe')).toBe(true);
    expect(allowed('cidr:198.51.100.0/24', 'POST', '/checkout')).toBe(false);
    expect(allowed('ingress-nginx/ingress-controller', 'POST', '/checkout')).toBe(true);
  });

  test('the spec above, Istio alone: the webhook, the batch namespace and the canary\'s own call are exact', () => {
    const report = checkIstioReachability(MODEL, synthIstio(SPEC, { l4: L4Layer.CILIUM }));
    expect(report.missing).toEqual([]);
    expect(report.unexpected).toEqual([]);
    const declared = report.declared.map(f => `${f.from} -> ${f.to} ${f.port}`);
    expect(declared).toEqual(expect.arrayContaining(['peer:kube-apiserver -> shop/api@v1 9443', 'shop/api@v2 -> shop/db 5432', 'shop/op -> peer:batch 7000']));
    expect(declared).not.toContain('shop/api@v1 -> shop/db 5432');
  });

  test('two services sharing a service account: one identity for Istio, told apart by the L4 layer', () => {
    const shared = ServiceCatalog.fromSpec({
      namespace: 'shop',
      services: [
        { name: 'a', serviceAccount: 'shared', clientOnly: true, calls: [{ service: 'api' }] },
        { name: 'b', serviceAccount: 'shared', clientOnly: true },
        { name: 'api', ports: [{ port: 80 }] },
      ],
    });
    const manifests = synthIstio(shared);
    expect(find(manifests, 'AuthorizationPolicy', 'shop', 'api').spec.rules[0].from).toEqual([{ source: { principals: ['cluster.local/ns/shop/sa/shared'] } }]);
    // b's Sidecar does not import api: Istio keeps b out at its egress...
    expect(checkIstioReachability(shared._resolved, manifests.filter(m => !m.kind.includes('Cilium'))).unexpected.filter(f => f.protocol === 'TCP')).toEqual([]);
    // ...but api's authorization admits the shared identity: with b's egress open only the L4 layer keeps b out.
    const opened: Manifest[] = JSON.parse(JSON.stringify(manifests));
    find(opened, 'Sidecar', 'shop', 'b').spec.egress[0].hosts.push('shop/api.shop.svc.cluster.local');
    const flows = (m: Manifest[]) => checkIstioReachability(shared._resolved, m).unexpected.filter(f => f.protocol === 'TCP').map(f => `${f.from} -> ${f.to} ${f.port}`);
    expect(flows(opened)).toEqual([]);
    expect(flows(opened.filter(m => !m.kind.includes('Cilium')))).toContain('shop/b -> shop/api 80');
  });

  describe('mutations are caught', () => {
    const manifests = synthIstio(catalog, { l4: L4Layer.CILIUM });
    const clone = (): Manifest[] => JSON.parse(JSON.stringify(manifests));

    test('the webhook rule removed: the API server goes missing', () => {
      const edited = clone();
      find(edited, 'AuthorizationPolicy', 'platform', 'operator').spec.rules = [];
      const report = checkIstioReachability(catalog._resolved, edited);
      expect(report.missing.map(f => `${f.from} -> ${f.to} ${f.port}`)).toContain('peer:kube-apiserver -> platform/operator 9443');
    });

    test('the port-level PERMISSIVE exception removed: STRICT locks the API server out of the webhook', () => {
      const edited = clone();
      delete find(edited, 'PeerAuthentication', 'platform', 'operator').spec.portLevelMtls;
      const report = checkIstioReachability(catalog._resolved, edited);
      expect(report.missing.map(f => `${f.from} -> ${f.to} ${f.port}`)).toContain('peer:kube-apiserver -> platform/operator 9443');
    });

    test('the partner\'s routes dropped: undeclared requests show up', () => {
      const edited = clone();
      const rules = find(edited, 'AuthorizationPolicy', 'shop', 'storefront').spec.rules;
      const partner = rules.find((r: any) => r.from?.[0]?.source?.ipBlocks);
      partner.to = [{ operation: { ports: ['8080'] } }];
      const report = checkIstioReachability(catalog._resolved, edited);
      expect(report.requests!.unexpected.some(r => r.from === 'cidr:198.51.100.0/24' && r.method === 'POST' && r.path === '/checkout')).toBe(true);
    });

    test('an allow-all policy in the platform namespace: undeclared callers show up (Istio alone; Cilium still holds L4)', () => {
      const allowAll = obj('AuthorizationPolicy', 'platform', 'allow-all', { action: 'ALLOW', rules: [{}] });
      expect(checkIstioReachability(catalog._resolved, [...clone(), allowAll]).unexpected).toEqual([]);
      const istioOnly = clone().filter(m => !m.kind.includes('Cilium'));
      const report = checkIstioReachability(catalog._resolved, [...istioOnly, allowAll]);
      expect(report.unexpected.some(f => f.to === 'platform/operator' && f.port === 9443 && f.from === 'shop/orders')).toBe(true);
    });

    test('the canary\'s own Sidecar widened to the stable pods: the stable version reaches recommendations', () => {
      const edited = clone().filter(m => !m.kind.includes('Cilium'));
      const canary = find(edited, 'Sidecar', 'shop', 'storefront-canary');
      canary.spec.workloadSelector = { labels: { app: 'storefront' } };
      edited.splice(edited.indexOf(find(edited, 'Sidecar', 'shop', 'storefront-stable')), 1);
      // The recommendations policy admits the canary's identity only: the stable pods stay out.
      const report = checkIstioReachability(catalog._resolved, edited);
      const reaches = (r: typeof report) => r.unexpected.some(f => f.from === 'shop/storefront@stable' && f.to === 'shop/recommendations' && f.protocol === 'TCP');
      expect(reaches(report)).toBe(false);
      find(edited, 'AuthorizationPolicy', 'shop', 'recommendations').spec.rules[0].from[0].source.principals.push('cluster.local/ns/shop/sa/storefront');
      const widened = checkIstioReachability(catalog._resolved, edited);
      expect(reaches(widened)).toBe(true);
    });
  });
});
