/**
 * The NetworkPolicy evaluator on the endpoints peers add to the universe: peer pods (in
 * their namespace, or in a synthetic one carrying the namespace selector's labels), the
 * API server (an address), partner ranges and the world.
 */
import { buildUniverse, Endpoint } from '../../src/analysis/endpoints';
import { NetworkPolicyEvaluator } from '../../src/analysis/networkpolicy';
import { ServiceCatalog } from '../../src/model/catalog';
import { CatalogSpec } from '../../src/model/types';
import { networkPolicy } from '../support/synth';

const spec: CatalogSpec = {
  namespace: 'shop',
  namespaces: [{ name: 'shop', labels: { tier: 'tenant' } }],
  peers: [
    { name: 'batch', namespace: 'batch' },
    { name: 'reporting', namespace: 'analytics', selector: { app: 'reporting' }, serviceAccount: 'reporting' },
    { name: 'tenants', namespaceSelector: { tier: 'tenant' }, selector: { role: 'client' } },
    { name: 'partner', world: true, cidrs: ['198.51.100.0/24'] },
  ],
  services: [{
    name: 'api',
    ports: [{ port: 8080 }],
    // The built-in API server has no addresses: the universe uses 192.0.2.1.
    callers: [{ peer: 'batch' }, { peer: 'reporting' }, { peer: 'tenants' }, { peer: 'partner' }, { peer: 'cluster' }],
    calls: [{ peer: 'kube-apiserver' }],
  }],
};
const universe = buildUniverse(ServiceCatalog.fromSpec(spec)._resolved);

/** Every source the policy admits into shop/api on 8080 (api is isolated by it). */
function sources(...from: unknown[]): string[] {
  const ev = new NetworkPolicyEvaluator(universe, [networkPolicy('shop', 'api', { podSelector: { matchLabels: { app: 'api' } }, ingress: [{ from }] })]);
  expect(ev.diagnostics).toEqual([]);
  return universe.endpoints.filter(e => ev.allows(e, universe.endpoint('shop/api'), { port: 8080, protocol: 'TCP' })).map(e => e.id).sort();
}

/** Every destination shop/api reaches on 443 under an egress-isolating policy. */
function destinations(...to: unknown[]): string[] {
  const ev = new NetworkPolicyEvaluator(universe, [networkPolicy('shop', 'api', { podSelector: { matchLabels: { app: 'api' } }, policyTypes: ['Egress'], egress: [{ to }] })]);
  return universe.endpoints.filter(e => ev.allows(universe.endpoint('shop/api'), e, { port: 443, protocol: 'TCP' })).map(e => e.id).sort();
}

describe('the universe has what the evaluator must decide', () => {
  test('peer pods, their namespaces, the API server and the partner range', () => {
    const byId = (id: string) => universe.endpoint(id);
    expect(byId('peer:batch')).toMatchObject({ kind: 'pod', role: 'peer', namespace: 'batch', labels: {} });
    expect(byId('peer:tenants').namespaceLabels).toMatchObject({ tier: 'tenant' });
    expect(byId('peer:kube-apiserver')).toMatchObject({ kind: 'ip', role: 'kube-apiserver' });
    expect(byId('cidr:198.51.100.0/24').kind).toBe('ip');
  });
});

describe('pod peers', () => {
  test('a namespace peer: every pod of that namespace, nothing else', () => {
    expect(sources({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'batch' } }, podSelector: {} }))
      .toEqual(['batch/(other pod)', 'peer:batch']);
  });

  test('a labelled workload in another namespace: not its look-alike elsewhere', () => {
    expect(sources({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'analytics' } }, podSelector: { matchLabels: { app: 'reporting' } } }))
      .toEqual(['peer:reporting']);
  });

  test('namespaces by label: the namespace labels of the pod decide (a peer\'s own and the catalog\'s)', () => {
    // shop carries tier=tenant too: its pods with role=client would match; the universe
    // has none there, the peer's pods live in a synthetic labelled namespace.
    expect(sources({ namespaceSelector: { matchLabels: { tier: 'tenant' } }, podSelector: { matchLabels: { role: 'client' } } }))
      .toEqual(['peer:tenants']);
    expect(sources({ namespaceSelector: { matchLabels: { tier: 'tenant' } } }).sort())
      .toEqual(['mesh-ladder-peer-tenants/(other pod)', 'peer:tenants', 'shop/(other pod)', 'shop/api'].sort());
  });

  test('a pod without namespaceLabels falls back to the universe\'s namespace labels', () => {
    const ev = new NetworkPolicyEvaluator(universe, [networkPolicy('shop', 'api', {
      podSelector: { matchLabels: { app: 'api' } },
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { tier: 'tenant' } } }] }],
    })]);
    const bare: Endpoint = { ...universe.endpoint('peer:tenants'), namespaceLabels: undefined };
    expect(ev.allows(bare, universe.endpoint('shop/api'), { port: 8080, protocol: 'TCP' })).toBe(true);
  });

  test('every pod of the cluster: all pods, in and outside the catalog, and no address', () => {
    const all = sources({ namespaceSelector: {}, podSelector: {} });
    expect(all).toEqual(universe.endpoints.filter(e => e.kind === 'pod').map(e => e.id).sort());
    expect(all).toContain('(other namespace)');
    expect(all).not.toContain('peer:kube-apiserver');
  });
});

describe('addresses', () => {
  test('the API server is matched by an ipBlock holding its address only, never by pod selectors', () => {
    expect(sources({ ipBlock: { cidr: '192.0.2.1/32' } })).toEqual(['peer:kube-apiserver']);
    expect(destinations({ ipBlock: { cidr: '192.0.2.0/24' } })).toEqual(['peer:kube-apiserver']);
    expect(destinations({ namespaceSelector: {} })).not.toContain('peer:kube-apiserver');
  });

  test('a partner range admits its addresses, not the world', () => {
    expect(sources({ ipBlock: { cidr: '198.51.100.0/24' } })).toEqual(['cidr:198.51.100.0/24']);
  });

  test('the world (0.0.0.0/0 and ::/0) holds every address, the API server\'s too', () => {
    expect(sources({ ipBlock: { cidr: '0.0.0.0/0' } }, { ipBlock: { cidr: '::/0' } }))
      .toEqual(['cidr:198.51.100.0/24', 'peer:kube-apiserver', 'world', 'world6']);
  });

  test('an except carves the API server out of the world', () => {
    expect(destinations({ ipBlock: { cidr: '0.0.0.0/0', except: ['192.0.2.0/24'] } })).toEqual(['cidr:198.51.100.0/24', 'world']);
  });
});

describe('peer pods outside catalog namespaces are unrestricted', () => {
  test('no policy selects them: their egress is open, only the callee\'s ingress decides', () => {
    const ev = new NetworkPolicyEvaluator(universe, [networkPolicy('shop', 'default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] })]);
    expect(ev.isEgressRestricted(universe.endpoint('peer:batch'))).toBe(false);
    expect(ev.isEgressRestricted(universe.endpoint('peer:tenants'))).toBe(false);
    expect(ev.allows(universe.endpoint('peer:batch'), universe.endpoint('shop/api'), { port: 8080, protocol: 'TCP' })).toBe(false);
    expect(ev.allows(universe.endpoint('peer:batch'), universe.endpoint('peer:reporting'), { port: 8080, protocol: 'TCP' })).toBe(true);
  });
});
