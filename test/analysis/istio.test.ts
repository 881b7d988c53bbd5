/**
 * Istio semantics of the analysis, on hand-written manifests: PeerAuthentication modes,
 * AuthorizationPolicy (CUSTOM/DENY/ALLOW order, allow-nothing, principals, namespaces,
 * ipBlocks, ports, methods, paths, HTTP-only fields on TCP, scopes), Sidecar egress and
 * ServiceEntries; then the istio phase's own output on the examples, with mutations.
 */
import * as path from 'path';
import { buildUniverse, Endpoint, Universe } from '../../src/analysis/endpoints';
import { checkIstioReachability, detectL4Layer, IstioEvaluator, istioPathMatches, istioValueMatches } from '../../src/analysis/istio';
import { checkPhaseReachability } from '../../src/analysis/phases';
import { ServiceCatalog } from '../../src/model/catalog';
import { formatIp } from '../../src/model/cidr';
import { Phase } from '../../src/model/phase';
import { CatalogSpec, L4Layer, MeshMode, PortProtocol } from '../../src/model/types';
import { find, synthIstio } from '../phases/istio/support';
import { issueExample } from '../support/fixtures';
import { Manifest } from '../support/synth';

const SPEC: CatalogSpec = {
  namespace: 'shop',
  namespaces: [{ name: 'legacy', owned: false }],
  services: [
    { name: 'web', ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: PortProtocol.HTTP }], calls: [{ service: 'api' }] },
    {
      name: 'api',
      ports: [{ name: 'http', port: 80, targetPort: 9090, protocol: PortProtocol.HTTP }, { name: 'db', port: 5432, protocol: PortProtocol.TCP }],
    },
    { name: 'old', namespace: 'legacy', ports: [{ name: 'http', port: 80, protocol: PortProtocol.HTTP }] },
  ],
};
const CATALOG = ServiceCatalog.fromSpec(SPEC);
const MODEL = CATALOG._resolved;

const ns = (name: string, labels: Record<string, string> = { 'istio-injection': 'enabled' }): Manifest =>
  ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
const obj = (kind: string, namespace: string, name: string, spec: Record<string, unknown>, annotations?: Record<string, string>): Manifest => ({
  apiVersion: kind === 'Sidecar' || kind === 'ServiceEntry' ? 'networking.istio.io/v1' : 'security.istio.io/v1',
  kind,
  metadata: { name, namespace, ...(annotations ? { annotations } : {}) },
  spec,
});
const MESHED = [ns('shop')];

function setup(manifests: Manifest[], options: { podCidr?: string } = {}): { universe: Universe; ev: IstioEvaluator; e: (id: string) => Endpoint } {
  const universe = buildUniverse(MODEL, options);
  const ev = new IstioEvaluator(MODEL, manifests);
  return { universe, ev, e: id => universe.endpoint(id) };
}
const TCP = (port: number) => ({ port, protocol: 'TCP' as const });

describe('value and path matching', () => {
  test.each([
    ['cluster.local/ns/shop/sa/web', 'cluster.local/ns/shop/sa/web', true],
    ['cluster.local/ns/shop/*', 'cluster.local/ns/shop/sa/web', true],
    ['*/sa/web', 'cluster.local/ns/shop/sa/web', true],
    ['*', 'anything', true],
    ['*', '', false],
    ['cluster.local/ns/shop/sa/we', 'cluster.local/ns/shop/sa/web', false],
  ])('value %s vs %s: %s', (pattern, value, expected) => {
    expect(istioValueMatches(pattern, value)).toBe(expected);
  });

  test.each([
    ['/orders', '/orders', true],
    ['/orders', '/orders/1', false],
    ['/orders/*', '/orders/1/items', true],
    ['*.json', '/a/b.json', true],
    ['/items/{*}', '/items/42', true],
    ['/items/{*}', '/items/42/parts', false],
    ['/items/{*}/parts', '/items/42/parts', true],
    ['/files/{**}', '/files/a/b/c', true],
    ['/orders', '/orders?page=2', true],
  ])('path %s vs %s: %s', (pattern, value, expected) => {
    expect(istioPathMatches(pattern, value)).toBe(expected);
  });
});

describe('sidecars and mTLS', () => {
  test('pods of injected namespaces are meshed; declared workloads elsewhere and the ingress controller are assumed injected', () => {
    const { ev, e } = setup(MESHED);
    expect(ev.isMeshed(e('shop/web'))).toBe(true);
    expect(ev.isMeshed(e('shop/(other pod)'))).toBe(true);
    expect(ev.isMeshed(e('legacy/old'))).toBe(true);
    expect(ev.isMeshed(e('legacy/(other pod)'))).toBe(false);
    expect(ev.isMeshed(e('ingress-nginx/ingress-controller'))).toBe(true);
    expect(ev.isMeshed(e('(other namespace)'))).toBe(false);
    expect(new IstioEvaluator(MODEL, MESHED, { meshedIngress: false }).isMeshed(e('ingress-nginx/ingress-controller'))).toBe(false);
    expect(setup([ns('shop', { 'istio-injection': 'disabled' })]).ev.isMeshed(e('shop/web'))).toBe(false);
    expect(setup([ns('shop', { 'istio.io/rev': 'canary' })]).ev.isMeshed(e('shop/web'))).toBe(true);
  });

  test('without Istio policies everything passes', () => {
    const { ev, e } = setup(MESHED);
    expect(ev.allows(e('(other namespace)'), e('shop/api'), TCP(9090))).toBe(true);
    expect(ev.allows(e('shop/web'), e('world'), TCP(443))).toBe(true);
  });

  test('STRICT refuses plaintext clients, PERMISSIVE accepts them; port-level exceptions need a selector', () => {
    const strict = [...MESHED, obj('PeerAuthentication', 'shop', 'default', { mtls: { mode: 'STRICT' } })];
    let { ev, e } = setup(strict);
    expect(ev.allows(e('(other namespace)'), e('shop/api'), TCP(9090))).toBe(false);
    expect(ev.allows(e('shop/web'), e('shop/api'), TCP(9090))).toBe(true);
    expect(ev.allows(e('(other namespace)'), e('shop/api'), { port: 9090, protocol: 'UDP' })).toBe(true);
    expect(ev.mtlsMode(e('shop/api'), 9090)).toBe('STRICT');

    ({ ev, e } = setup([...strict, obj('PeerAuthentication', 'shop', 'api', { selector: { matchLabels: { app: 'api' } }, mtls: { mode: 'UNSET' }, portLevelMtls: { 5432: { mode: 'PERMISSIVE' } } })]));
    expect(ev.mtlsMode(e('shop/api'), 5432)).toBe('PERMISSIVE');
    expect(ev.mtlsMode(e('shop/api'), 9090)).toBe('STRICT'); // UNSET inherits the namespace
    expect(ev.allows(e('(other namespace)'), e('shop/api'), TCP(5432))).toBe(true);

    ({ ev, e } = setup([...strict, obj('PeerAuthentication', 'shop', 'wide', { portLevelMtls: { 5432: { mode: 'PERMISSIVE' } } })]));
    expect(ev.mtlsMode(e('shop/api'), 5432)).toBe('STRICT');
    expect(ev.diagnostics.map(d => d.message)).toContain('portLevelMtls without a workload selector is ignored by Istio');
  });

  test('mesh-wide policies live in the root namespace; selector policies there are ignored', () => {
    let { ev, e } = setup([...MESHED, obj('PeerAuthentication', 'istio-system', 'default', { mtls: { mode: 'STRICT' } })]);
    expect(ev.mtlsMode(e('shop/api'), 9090)).toBe('STRICT');
    expect(ev.mtlsMode(e('legacy/old'), 8080)).toBe('STRICT');
    ({ ev, e } = setup([...MESHED, obj('PeerAuthentication', 'istio-system', 'x', { selector: { matchLabels: { app: 'api' } }, mtls: { mode: 'STRICT' } })]));
    expect(ev.mtlsMode(e('shop/api'), 9090)).toBe('PERMISSIVE');
  });
});

describe('authorization', () => {
  const allowNothing = obj('AuthorizationPolicy', 'shop', 'allow-nothing', { action: 'ALLOW' });
  const allowWeb = (extra: Record<string, unknown> = {}) => obj('AuthorizationPolicy', 'shop', 'api', {
    selector: { matchLabels: { app: 'api' } },
    rules: [{ from: [{ source: { principals: ['cluster.local/ns/shop/sa/web'] } }], to: [{ operation: { ports: ['9090'] } }] }],
    ...extra,
  });

  test('an ALLOW policy without rules (allow-nothing) refuses every TCP connection, not UDP', () => {
    const { ev, e } = setup([...MESHED, allowNothing]);
    expect(ev.allows(e('shop/web'), e('shop/api'), TCP(9090))).toBe(false);
    expect(ev.allows(e('shop/web'), e('shop/api'), { port: 9090, protocol: 'UDP' })).toBe(true);
    expect(ev.allows(e('shop/web'), e('legacy/old'), TCP(80))).toBe(true); // another namespace
  });

  test('an ALLOW rule admits its principals on its ports only', () => {
    const { ev, e } = setup([...MESHED, allowNothing, allowWeb()]);
    expect(ev.allows(e('shop/web'), e('shop/api'), TCP(9090))).toBe(true);
    expect(ev.allows(e('shop/web'), e('shop/api'), TCP(5432))).toBe(false);
    expect(ev.allows(e('shop/(other pod)'), e('shop/api'), TCP(9090))).toBe(false);
    // A look-alike of web in a foreign namespace has another identity (and no sidecar).
    expect(ev.allows(e('(other namespace) like shop/web'), e('shop/api'), TCP(9090))).toBe(false);
  });

  test('principals need mTLS: a plaintext client matches no principal, but notPrincipals', () => {
    const permissive = [...MESHED, obj('AuthorizationPolicy', 'shop', 'any', { rules: [{ from: [{ source: { principals: ['*'] } }] }] })];
    let { ev, e } = setup(permissive);
    expect(ev.allows(e('(other namespace)'), e('shop/api'), TCP(9090))).toBe(false);
    expect(ev.allows(e('shop/web'), e('shop/api'), TCP(9090))).toBe(true);
    ({ ev, e } = setup([...MESHED, obj('AuthorizationPolicy', 'shop', 'not', { rules: [{ from: [{ source: { notPrincipals: ['cluster.local/ns/shop/sa/web'] } }] }] })]));
    expect(ev.allows(e('shop/web'), e('shop/api'), TCP(9090))).toBe(false);
    expect(ev.allows(e('(other namespace)'), e('shop/api'), TCP(9090))).toBe(true);
    expect(ev.allows(e('shop/(other pod)'), e('shop/api'), TCP(9090))).toBe(true);
  });

  test('namespaces, serviceAccounts, ports and notPorts', () => {
    let { ev, e } = setup([...MESHED, obj('AuthorizationPolicy', 'shop', 'ns', { rules: [{ from: [{ source: { namespaces: ['shop'] } }], to: [{ operation: { notPorts: ['5432'] } }] }] })]);
    expect(ev.allows(e('shop/web'), e('shop/api'), TCP(9090))).toBe(true);
    expect(ev.allows(e('shop/web'), e('shop/api'), TCP(5432))).toBe(false);
    expect(ev.allows(e('legacy/old'), e('shop/api'), TCP(9090))).toBe(false);
    ({ ev, e } = setup([...MESHED, obj('AuthorizationPolicy', 'shop', 'sa', { rules: [{ from: [{ source: { serviceAccounts: ['web', 'legacy/old'] } }] }] })]));
    expect(ev.allows(e('shop/web'), e('shop/api'), TCP(9090))).toBe(true);
    expect(ev.allows(e('legacy/old'), e('shop/api'), TCP(9090))).toBe(true);
    expect(ev.allows(e('shop/(other pod)'), e('shop/api'), TCP(9090))).toBe(false);
  });

  test('ipBlocks and notIpBlocks match the client address', () => {
    const web = buildUniverse(MODEL, { podCidr: '10.0.0.0/16' }).endpoint('shop/web').ip!;
    const only = (source: Record<string, unknown>) => setup([...MESHED, obj('AuthorizationPolicy', 'shop', 'ip', { rules: [{ from: [{ source }] }] })], { podCidr: '10.0.0.0/16' });
    let { ev, e } = only({ ipBlocks: [`${formatIp(web)}/32`] });
    expect(ev.allows(e('shop/web'), e('shop/api'), TCP(9090))).toBe(true);
    expect(ev.allows(e('shop/(other pod)'), e('shop/api'), TCP(9090))).toBe(false);
    ({ ev, e } = only({ notIpBlocks: [formatIp(web)] }));
    expect(ev.allows(e('shop/web'), e('shop/api'), TCP(9090))).toBe(false);
    expect(ev.allows(e('shop/(other pod)'), e('shop/api'), TCP(9090))).toBe(true);
  });

  test('DENY wins over ALLOW; AUDIT and dry-run policies do not enforce; CUSTOM is reported', () => {
    const deny = obj('AuthorizationPolicy', 'shop', 'deny', { action: 'DENY', rules: [{ from: [{ source: { principals: ['cluster.local/ns/shop/sa/web'] } }] }] });
    let { ev, e } = setup([...MESHED, allowWeb(), deny]);
    expect(ev.allows(e('shop/web'), e('shop/api'), TCP(9090))).toBe(false);
    ({ ev, e } = setup([...MESHED, allowNothing, obj('AuthorizationPolicy', 'shop', 'audit', { action: 'AUDIT', rules: [{}] })]));
    expect(ev.allows(e('shop/web'), e('shop/api'), TCP(9090))).toBe(false);
    ({ ev, e } = setup([...MESHED, obj('AuthorizationPolicy', 'shop', 'allow-nothing', { action: 'ALLOW' }, { 'istio.io/dry-run': 'true' })]));
    expect(ev.allows(e('shop/web'), e('shop/api'), TCP(9090))).toBe(true);
    ({ ev } = setup([...MESHED, obj('AuthorizationPolicy', 'shop', 'ext', { action: 'CUSTOM', provider: { name: 'opa' }, rules: [{}] })]));
    expect(ev.diagnostics.some(d => d.subject === 'AuthorizationPolicy shop/ext' && /CUSTOM/.test(d.message))).toBe(true);
  });

  test('root-namespace policies apply to matching workloads of every namespace', () => {
    const { ev, e } = setup([...MESHED, obj('AuthorizationPolicy', 'istio-system', 'api-only', { selector: { matchLabels: { app: 'old' } }, action: 'ALLOW' })]);
    expect(ev.allows(e('shop/web'), e('legacy/old'), TCP(80))).toBe(false);
    expect(ev.allows(e('shop/web'), e('shop/api'), TCP(9090))).toBe(true);
  });

  test('requests: methods and paths decide on HTTP ports; a connection passes when some request could', () => {
    const { ev, e } = setup([...MESHED, obj('AuthorizationPolicy', 'shop', 'api', {
      selector: { matchLabels: { app: 'api' } },
      rules: [{ from: [{ source: { principals: ['cluster.local/ns/shop/sa/web'] } }], to: [{ operation: { ports: ['9090'], methods: ['GET'], paths: ['/orders', '/orders/*'] } }] }],
    })]);
    const web = e('shop/web');
    const api = e('shop/api');
    expect(ev.allows(web, api, TCP(9090))).toBe(true);
    expect(ev.allowsRequest(web, api, TCP(9090), { method: 'GET', path: '/orders/7' })).toBe(true);
    expect(ev.allowsRequest(web, api, TCP(9090), { method: 'GET', path: '/ordersx' })).toBe(false);
    expect(ev.allowsRequest(web, api, TCP(9090), { method: 'DELETE', path: '/orders' })).toBe(false);
  });

  test('HTTP-only fields on a TCP port: Istio drops the ALLOW rule and widens the DENY rule', () => {
    const allow = obj('AuthorizationPolicy', 'shop', 'api', {
      selector: { matchLabels: { app: 'api' } },
      rules: [{ from: [{ source: { principals: ['cluster.local/ns/shop/sa/web'] } }], to: [{ operation: { ports: ['5432'] } }, { operation: { ports: ['9090'], methods: ['GET'] } }] }],
    });
    let { ev, e } = setup([...MESHED, allow]);
    // The whole rule is gone on the TCP port, including its port-only operation.
    expect(ev.allows(e('shop/web'), e('shop/api'), TCP(5432))).toBe(false);
    expect(ev.allows(e('shop/web'), e('shop/api'), TCP(9090))).toBe(true);
    const deny = obj('AuthorizationPolicy', 'shop', 'deny', { action: 'DENY', rules: [{ to: [{ operation: { methods: ['DELETE'] } }] }] });
    ({ ev, e } = setup([...MESHED, deny]));
    expect(ev.allows(e('shop/web'), e('shop/api'), TCP(5432))).toBe(false); // widened: every connection
    expect(ev.allows(e('shop/web'), e('shop/api'), TCP(9090))).toBe(true); // only DELETE requests
    expect(ev.allowsRequest(e('shop/web'), e('shop/api'), TCP(9090), { method: 'DELETE', path: '/x' })).toBe(false);
  });
});

describe('egress', () => {
  const strictEgress = (hosts: string[], extra: Record<string, unknown> = {}) =>
    obj('Sidecar', 'shop', 'default', { egress: [{ hosts }], outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' }, ...extra });

  test('REGISTRY_ONLY: only imported services on their pod ports', () => {
    const { ev, e } = setup([...MESHED, strictEgress(['shop/api.shop.svc.cluster.local', 'kube-system/*'])]);
    expect(ev.allows(e('shop/web'), e('shop/api'), TCP(9090))).toBe(true);
    expect(ev.allows(e('shop/web'), e('shop/api'), TCP(5432))).toBe(true);
    expect(ev.allows(e('shop/web'), e('shop/api'), TCP(65000))).toBe(false); // no Service port
    expect(ev.allows(e('shop/web'), e('legacy/old'), TCP(80))).toBe(false);
    expect(ev.allows(e('shop/web'), e('kube-system/dns'), TCP(53))).toBe(true);
    expect(ev.allows(e('shop/web'), e('kube-system/dns'), TCP(80))).toBe(false);
    expect(ev.allows(e('shop/web'), e('world'), TCP(443))).toBe(false);
    expect(ev.allows(e('shop/web'), e('world'), { port: 443, protocol: 'UDP' })).toBe(true);
    expect(ev.isEgressRestricted(e('shop/web'))).toBe(true);
    // Pods without a sidecar are not restricted by it.
    expect(ev.allows(e('legacy/(other pod)'), e('world'), TCP(443))).toBe(true);
  });

  test('host patterns: `*/`, `./` and `*.suffix`; a workload Sidecar beats the namespace one', () => {
    let { ev, e } = setup([...MESHED, strictEgress(['*/old.legacy.svc.cluster.local', './*'])]);
    expect(ev.allows(e('shop/web'), e('legacy/old'), TCP(80))).toBe(true);
    expect(ev.allows(e('shop/web'), e('shop/api'), TCP(9090))).toBe(true);
    ({ ev, e } = setup([...MESHED, strictEgress(['./*']), obj('Sidecar', 'shop', 'web', { workloadSelector: { labels: { app: 'web' } }, egress: [{ hosts: ['istio-system/*'] }], outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } })]));
    expect(ev.allows(e('shop/web'), e('shop/api'), TCP(9090))).toBe(false);
    expect(ev.allows(e('shop/api'), e('shop/web'), TCP(8080))).toBe(true);
  });

  test('ALLOW_ANY passes unknown destinations', () => {
    const { ev, e } = setup([...MESHED, obj('Sidecar', 'shop', 'default', { egress: [{ hosts: ['./*'] }] })]);
    expect(ev.allows(e('shop/web'), e('legacy/old'), TCP(80))).toBe(true);
    expect(ev.isEgressRestricted(e('shop/web'))).toBe(false);
  });

  test('ServiceEntries: by host (exact or wildcard), by address, exported to their namespace only', () => {
    const spec: CatalogSpec = {
      namespace: 'shop',
      services: [{ name: 'web', ports: [{ port: 80 }], calls: [{ host: 'api.example.com', port: 443, protocol: PortProtocol.TLS, cidrs: ['198.51.100.0/24'] }, { cidr: '10.20.0.0/16', port: 5432 }] }],
    };
    const model = ServiceCatalog.fromSpec(spec)._resolved;
    const universe = buildUniverse(model);
    const e = (id: string) => universe.endpoint(id);
    const manifests = [
      ns('shop'),
      strictEgress(['shop/*.example.com', 'shop/db.internal']),
      obj('ServiceEntry', 'shop', 'wild', { hosts: ['*.example.com'], ports: [{ number: 443, name: 'tls', protocol: 'TLS' }], resolution: 'NONE', exportTo: ['.'] }),
      obj('ServiceEntry', 'shop', 'db', { hosts: ['db.internal'], addresses: ['10.20.0.0/17'], ports: [{ number: 5432, name: 'tcp', protocol: 'TCP' }], resolution: 'NONE' }),
    ];
    const ev = new IstioEvaluator(model, manifests);
    expect(ev.allows(e('shop/web'), e('host:api.example.com'), TCP(443))).toBe(true);
    expect(ev.allows(e('shop/web'), e('host:api.example.com'), TCP(80))).toBe(false);
    expect(ev.allows(e('shop/web'), e('cidr:198.51.100.0/24'), TCP(443))).toBe(true); // the host's declared address
    expect(ev.allows(e('shop/web'), e('cidr:10.20.0.0/16'), TCP(5432))).toBe(true); // 10.20.0.1 is in 10.20.0.0/17
    expect(ev.allows(e('shop/web'), e('world'), TCP(5432))).toBe(false);
    const hidden = new IstioEvaluator(model, manifests.map(m => (m.metadata.name === 'wild' ? { ...m, metadata: { ...m.metadata, namespace: 'other' } } : m)));
    expect(hidden.allows(e('shop/web'), e('host:api.example.com'), TCP(443))).toBe(false);
  });
});

describe('the istio phase on the examples', () => {
  const SHOP = ServiceCatalog.fromFile(path.join(__dirname, '..', '..', 'examples', 'shop', 'catalog.yaml'));

  test.each([L4Layer.CILIUM, L4Layer.NETWORK_POLICY])('the shop: exactly the declared flows and requests (L4 %s)', l4 => {
    const manifests = synthIstio(SHOP, { l4 });
    expect(detectL4Layer(manifests)).toBe(l4);
    const report = checkIstioReachability(SHOP._resolved, manifests);
    expect(report.missing).toEqual([]);
    expect(report.unexpected).toEqual([]);
    expect(report.requests!.missing).toEqual([]);
    expect(report.requests!.unexpected).toEqual([]);
    expect(report.requests!.declared.length).toBeGreaterThan(50);
    expect(report.diagnostics.filter(d => d.severity === 'error')).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.evaluator).toBe(l4 === L4Layer.CILIUM ? 'Istio + Cilium' : 'Istio + NetworkPolicy');
  });

  test('the issue example, through the phase registry', () => {
    const catalog = ServiceCatalog.fromSpec(issueExample);
    const report = checkPhaseReachability(catalog._resolved, Phase.ISTIO, synthIstio(catalog));
    expect(report.ok).toBe(true);
    // frontend may place orders but nothing else on checkout.
    const denied = report.requests!.probed.filter(f => f.from === 'shop/frontend' && f.to === 'shop/checkout' && !report.requests!.allowed.includes(f));
    expect(denied.map(f => `${f.method} ${f.path}`)).toContain('POST /shop.Checkout/GetOrder');
  });

  /** The Istio objects of the phase's output: what Istio decides alone. */
  const istioOnly = (manifests: Manifest[]) => manifests.filter(m => !m.kind.includes('NetworkPolicy'));

  test('the shop needs an L4 layer: its unmeshed peers could only be allowed by port', () => {
    expect(() => synthIstio(SHOP, { l4: L4Layer.NONE })).toThrow(/callers\[peer monitoring\].*callers\[peer uptime-probes\]/s);
  });

  test('Istio alone is exact for TCP between sidecars, but on ports open to unmeshed peers spanning namespaces; UDP and sidecar-less pods are left to L4', () => {
    const manifests = istioOnly(synthIstio(SHOP));
    const report = checkIstioReachability(SHOP._resolved, manifests);
    const universe = buildUniverse(SHOP._resolved);
    const ev = new IstioEvaluator(SHOP._resolved, manifests);
    expect(report.missing).toEqual([]);
    // uptime-probes (any namespace) and tenant-reports (labelled namespaces) have no identity
    // and no fixed addresses: their ports admit any source, which the L4 layer narrows.
    const openToUnmeshed = (to: string, port: number) => {
      const workload = universe.endpoint(to).workload;
      return workload !== undefined && SHOP._resolved.service(workload.serviceId).callers
        .some(c => c.peer.kind === 'pods' && !c.peer.meshed && c.peer.namespace === undefined && c.ports.some(p => p.targetPort === port));
    };
    const meshedTcp = report.unexpected.filter(f => f.protocol === 'TCP' && ev.isMeshed(universe.endpoint(f.from)));
    expect(meshedTcp.filter(f => !openToUnmeshed(f.to, f.port))).toEqual([]);
    expect(new Set(meshedTcp.map(f => `${f.to} ${f.port}`))).toEqual(new Set(['shop/frontend 8080', 'shop/search 8080']));
    expect(report.unexpected.length).toBeGreaterThan(0);
    expect(report.diagnostics.map(d => d.message)).toContain('no L4 layer: UDP and pods without a sidecar are governed by nothing');
  });

  test('PERMISSIVE: authorization is dry-run, which the report says and the L7 probes show', () => {
    const manifests = synthIstio(SHOP, { mode: MeshMode.PERMISSIVE });
    const report = checkIstioReachability(SHOP._resolved, manifests);
    expect(report.missing).toEqual([]);
    expect(report.unexpected).toEqual([]); // the L4 layer still holds
    expect(report.requests!.unexpected.length).toBeGreaterThan(0);
    expect(report.diagnostics.some(d => /dry-run/.test(d.message))).toBe(true);
  });

  describe('mutations are caught', () => {
    const manifests = istioOnly(synthIstio(SHOP));
    const clone = (): Manifest[] => JSON.parse(JSON.stringify(manifests));

    test('a removed authorization rule: the callers it admitted go missing', () => {
      const edited = clone();
      find(edited, 'AuthorizationPolicy', 'payments', 'charge').spec.rules = [];
      const report = checkIstioReachability(SHOP._resolved, edited);
      expect(report.missing.map(f => `${f.from} -> ${f.to}`)).toContain('shop/checkout -> payments/charge');
    });

    test('an allow-all policy: undeclared callers show up', () => {
      const edited = [...clone(), obj('AuthorizationPolicy', 'shop', 'allow-all', { action: 'ALLOW', rules: [{}] })];
      const report = checkIstioReachability(SHOP._resolved, edited);
      expect(report.unexpected.map(f => `${f.from} -> ${f.to} ${f.port}/${f.protocol}`)).toContain('ingress-nginx/ingress-controller -> shop/cart 8080/TCP');
    });

    test('a removed Sidecar egress host: the calls through it go missing', () => {
      const edited = clone();
      const sidecar = find(edited, 'Sidecar', 'shop', 'cart');
      sidecar.spec.egress[0].hosts = sidecar.spec.egress[0].hosts.filter((h: string) => !h.startsWith('shop/catalog'));
      const report = checkIstioReachability(SHOP._resolved, edited);
      expect(report.missing.map(f => `${f.from} -> ${f.to}`)).toContain('shop/cart -> shop/catalog@v1');
    });

    test('a route operation without methods and paths: undeclared requests show up', () => {
      const edited = clone();
      const rules = find(edited, 'AuthorizationPolicy', 'payments', 'charge').spec.rules;
      rules[0].to[0].operation = { ports: rules[0].to[0].operation.ports };
      const report = checkIstioReachability(SHOP._resolved, edited);
      expect(report.requests!.unexpected.length).toBeGreaterThan(0);
      expect(report.ok).toBe(false);
    });

    test('a removed retries block is an error of the check (implicit default retries)', () => {
      const edited = clone();
      delete find(edited, 'VirtualService', 'payments', 'charge').spec.http[0].retries;
      const report = checkIstioReachability(SHOP._resolved, edited);
      expect(report.diagnostics.some(d => d.severity === 'error' && /implicit-default-retries/.test(d.message))).toBe(true);
      expect(report.ok).toBe(false);
    });
  });
});
