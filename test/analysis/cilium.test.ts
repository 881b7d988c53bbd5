import { checkCiliumReachability, ciliumExposedFrom, CiliumEvaluator, ciliumIntent, parseCiliumPolicies } from '../../src/analysis/cilium';
import { buildUniverse, UniverseOptions } from '../../src/analysis/endpoints';
import { PortProbe } from '../../src/analysis/flows';
import { formatReportText } from '../../src/analysis/report';
import { ServiceCatalog } from '../../src/model/catalog';
import { CatalogSpec, HttpMethod, PortProtocol } from '../../src/model/types';
import { issueExample } from '../support/fixtures';
import { Manifest } from '../support/synth';
import { synthCilium } from '../support/synth-cilium';

const model = ServiceCatalog.fromSpec(issueExample)._resolved;

function cnp(namespace: string, name: string, spec: Record<string, unknown>): Manifest {
  return { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name, namespace }, spec };
}

function ccnp(name: string, spec: Record<string, unknown>): Manifest {
  return { apiVersion: 'cilium.io/v2', kind: 'CiliumClusterwideNetworkPolicy', metadata: { name }, spec };
}

function evaluator(manifests: Manifest[], options: UniverseOptions = {}) {
  const universe = buildUniverse(model, options);
  const e = new CiliumEvaluator(universe, manifests);
  const tcp = (port: number): PortProbe => ({ port, protocol: 'TCP' });
  return {
    e,
    allows: (from: string, to: string, port: number, protocol: 'TCP' | 'UDP' = 'TCP') =>
      e.allows(universe.endpoint(from), universe.endpoint(to), { port, protocol }),
    request: (from: string, to: string, port: number, method: string, path: string) =>
      e.allowsRequest(universe.endpoint(from), universe.endpoint(to), tcp(port), { method, path }),
    endpoint: (id: string) => universe.endpoint(id),
  };
}

const FRONTEND = 'shop/frontend';
const CHECKOUT = 'shop/checkout';
const CHARGE = 'payments/charge';
const DNS = 'kube-system/dns';

describe('default-allow until selected, per direction', () => {
  test('no policy: everything passes; an ingress-only policy leaves egress open', () => {
    expect(evaluator([]).allows(FRONTEND, 'world', 443)).toBe(true);
    const { allows, e, endpoint } = evaluator([cnp('shop', 'ing', { endpointSelector: { matchLabels: { app: 'checkout' } }, ingress: [{}] })]);
    expect(allows(FRONTEND, CHECKOUT, 5050)).toBe(false);
    expect(allows(CHECKOUT, 'world', 443)).toBe(true);
    expect(e.isIngressRestricted(endpoint(CHECKOUT))).toBe(true);
    expect(e.isEgressRestricted(endpoint(CHECKOUT))).toBe(false);
    expect(e.isEgressRestricted(endpoint('world'))).toBe(false);
  });

  test('an empty rule {} denies; a rule with only toPorts allows every peer on those ports', () => {
    const { allows } = evaluator([cnp('shop', 'p', {
      endpointSelector: { matchLabels: { app: 'checkout' } },
      ingress: [{}, { toPorts: [{ ports: [{ port: '5050', protocol: 'TCP' }] }] }],
    })]);
    expect(allows('world', CHECKOUT, 5050)).toBe(true);
    expect(allows(FRONTEND, CHECKOUT, 5051)).toBe(false);
  });

  test('enableDefaultDeny false: allows only, no default-deny; deny rules still apply', () => {
    const { allows } = evaluator([cnp('shop', 'p', {
      endpointSelector: { matchLabels: { app: 'checkout' } },
      enableDefaultDeny: { ingress: false },
      ingress: [{ fromEndpoints: [{ matchLabels: { app: 'frontend' } }] }],
      ingressDeny: [{ fromEntities: ['world'] }],
    })]);
    expect(allows('shop/loadgen', CHECKOUT, 5050)).toBe(true);
    expect(allows('world', CHECKOUT, 5050)).toBe(false);
  });

  test('an empty ingress list is no ingress section', () => {
    const { allows } = evaluator([cnp('shop', 'p', { endpointSelector: {}, ingress: [] })]);
    expect(allows('world', CHECKOUT, 5050)).toBe(true);
  });
});

describe('endpoint selectors', () => {
  const only = (from: Record<string, unknown>) => evaluator([cnp('payments', 'p', {
    endpointSelector: { matchLabels: { 'k8s:app': 'charge' } },
    ingress: [{ fromEndpoints: [from] }],
  })]);

  test('without a namespace key they match the policy namespace only', () => {
    expect(only({ matchLabels: { app: 'checkout' } }).allows(CHECKOUT, CHARGE, 8080)).toBe(false);
    expect(only({}).allows(CHECKOUT, CHARGE, 8080)).toBe(false);
    expect(only({}).allows('payments/(other pod)', CHARGE, 8080)).toBe(true);
  });

  test('the namespace label (with or without k8s:) crosses namespaces; sources other than k8s/any do not match pods', () => {
    expect(only({ matchLabels: { 'app': 'checkout', 'k8s:io.kubernetes.pod.namespace': 'shop' } }).allows(CHECKOUT, CHARGE, 8080)).toBe(true);
    expect(only({ matchLabels: { 'any:app': 'checkout', 'io.kubernetes.pod.namespace': 'shop' } }).allows(CHECKOUT, CHARGE, 8080)).toBe(true);
    expect(only({ matchLabels: { 'container:app': 'checkout', 'io.kubernetes.pod.namespace': 'shop' } }).allows(CHECKOUT, CHARGE, 8080)).toBe(false);
    // A look-alike in a foreign namespace does not pass.
    expect(only({ matchLabels: { 'app': 'checkout', 'k8s:io.kubernetes.pod.namespace': 'shop' } }).allows('(other namespace) like shop/checkout', CHARGE, 8080)).toBe(false);
  });

  test('matchExpressions, namespace labels and service accounts', () => {
    const viaExpr = only({ matchExpressions: [{ key: 'k8s:io.kubernetes.pod.namespace', operator: 'In', values: ['shop'] }, { key: 'app', operator: 'NotIn', values: ['frontend'] }] });
    expect(viaExpr.allows(CHECKOUT, CHARGE, 8080)).toBe(true);
    expect(viaExpr.allows(FRONTEND, CHARGE, 8080)).toBe(false);
    expect(viaExpr.allows('shop/(other pod)', CHARGE, 8080)).toBe(true);
    const viaNsLabel = only({ matchLabels: { 'k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name': 'shop', 'io.kubernetes.pod.namespace': 'shop', 'app': 'checkout' } });
    expect(viaNsLabel.allows(CHECKOUT, CHARGE, 8080)).toBe(true);
    const viaSa = only({ matchLabels: { 'k8s:io.cilium.k8s.policy.serviceaccount': 'checkout', 'k8s:io.kubernetes.pod.namespace': 'shop' } });
    expect(viaSa.allows(CHECKOUT, CHARGE, 8080)).toBe(true);
    expect(viaSa.allows(FRONTEND, CHARGE, 8080)).toBe(false);
  });

  test('clusterwide policies select and match pods in every namespace', () => {
    const { allows } = evaluator([ccnp('p', {
      endpointSelector: { matchLabels: { app: 'charge' } },
      ingress: [{ fromEndpoints: [{ matchLabels: { app: 'checkout' } }] }],
    })]);
    expect(allows(CHECKOUT, CHARGE, 8080)).toBe(true);
    expect(allows('(other namespace) like shop/checkout', CHARGE, 8080)).toBe(true);
    expect(allows(FRONTEND, CHARGE, 8080)).toBe(false);
  });
});

describe('entities, CIDRs and DNS names', () => {
  test('world, cluster, all and entities with no modelled endpoint', () => {
    const make = (entity: string) => evaluator([cnp('shop', 'p', { endpointSelector: { matchLabels: { app: 'checkout' } }, ingress: [{ fromEntities: [entity] }], egress: [{ toEntities: [entity] }] })]);
    expect(make('world').allows('world', CHECKOUT, 5050)).toBe(true);
    expect(make('world').allows(FRONTEND, CHECKOUT, 5050)).toBe(false);
    expect(make('world').allows(CHECKOUT, 'host:api.stripe.com', 443)).toBe(true);
    expect(make('cluster').allows(FRONTEND, CHECKOUT, 5050)).toBe(true);
    expect(make('cluster').allows('world6', CHECKOUT, 5050)).toBe(false);
    expect(make('all').allows('world6', CHECKOUT, 5050)).toBe(true);
    expect(make('kube-apiserver').allows(FRONTEND, CHECKOUT, 5050)).toBe(false);
  });

  test('toCIDRSet with except matches addresses only, never pods', () => {
    const policy = cnp('shop', 'p', { endpointSelector: { matchLabels: { app: 'checkout' } }, egress: [{ toCIDRSet: [{ cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] }] }] });
    const { allows } = evaluator([policy], { podCidr: '100.64.0.0/16' });
    expect(allows(CHECKOUT, 'world', 443)).toBe(true);
    expect(allows(CHECKOUT, 'cidr:10.20.0.0/16', 5432)).toBe(false);
    expect(allows(CHECKOUT, CHARGE, 8080)).toBe(false);
    expect(evaluator([cnp('shop', 'p', { endpointSelector: { matchLabels: { app: 'checkout' } }, egress: [{ toCIDR: ['10.20.0.0/16'] }] })]).allows(CHECKOUT, 'cidr:10.20.0.0/16', 5432)).toBe(true);
  });

  const dnsRule = (rules?: Record<string, unknown>) => ({
    toEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'kube-system', 'k8s-app': 'kube-dns' } }],
    toPorts: [{ ports: [{ port: '53', protocol: 'ANY' }], ...(rules ? { rules } : {}) }],
  });

  test('toFQDNs needs the lookup to pass the DNS proxy (rules.dns matching the name)', () => {
    const fqdn = { toFQDNs: [{ matchName: 'API.stripe.com.' }], toPorts: [{ ports: [{ port: '443' }] }] };
    const make = (dns: Record<string, unknown>) => evaluator([cnp('shop', 'p', { endpointSelector: { matchLabels: { app: 'checkout' } }, egress: [fqdn, dns] })]);
    expect(make(dnsRule({ dns: [{ matchPattern: '*' }] })).allows(CHECKOUT, 'host:api.stripe.com', 443)).toBe(true);
    expect(make(dnsRule({ dns: [{ matchPattern: '*' }] })).allows(CHECKOUT, 'host:api.stripe.com', 444)).toBe(false);
    expect(make(dnsRule({ dns: [{ matchPattern: '*' }] })).allows(CHECKOUT, 'world', 443)).toBe(false);
    expect(make(dnsRule({ dns: [{ matchName: 'other.example' }] })).allows(CHECKOUT, 'host:api.stripe.com', 443)).toBe(false);
    expect(make(dnsRule()).allows(CHECKOUT, 'host:api.stripe.com', 443)).toBe(false);
    expect(make(dnsRule({ dns: [{ matchPattern: '*.stripe.com' }] })).allows(CHECKOUT, DNS, 53, 'UDP')).toBe(true);
  });

  test('matchPattern wildcards stay within one label', () => {
    const spec: CatalogSpec = { namespace: 'a', services: [{ name: 'job', clientOnly: true, calls: [{ host: '*.example.com', port: 443 }, { host: 'x.y.example.com', port: 443 }] }] };
    const m = ServiceCatalog.fromSpec(spec)._resolved;
    const universe = buildUniverse(m);
    const e = new CiliumEvaluator(universe, [cnp('a', 'p', {
      endpointSelector: {},
      egress: [{ toFQDNs: [{ matchPattern: '*.example.com' }], toPorts: [{ ports: [{ port: '443' }] }] }, dnsRule({ dns: [{ matchPattern: '*' }] })],
    })]);
    const job = universe.endpoint('a/job');
    expect(e.allows(job, universe.endpoint('host:*.example.com'), { port: 443, protocol: 'TCP' })).toBe(true);
    expect(e.allows(job, universe.endpoint('host:x.y.example.com'), { port: 443, protocol: 'TCP' })).toBe(false);
  });
});

describe('ports', () => {
  const withPorts = (ports: unknown[]) => evaluator([cnp('shop', 'p', { endpointSelector: { matchLabels: { app: 'checkout' } }, ingress: [{ toPorts: [{ ports }] }] })]);

  test('protocol defaults to ANY; port 0 and missing port mean every port; endPort ranges', () => {
    expect(withPorts([{ port: '5050' }]).allows(FRONTEND, CHECKOUT, 5050, 'UDP')).toBe(true);
    expect(withPorts([{ port: '5050', protocol: 'TCP' }]).allows(FRONTEND, CHECKOUT, 5050, 'UDP')).toBe(false);
    expect(withPorts([{ port: '0', protocol: 'UDP' }]).allows(FRONTEND, CHECKOUT, 1234, 'UDP')).toBe(true);
    expect(withPorts([{ protocol: 'TCP' }]).allows(FRONTEND, CHECKOUT, 1234)).toBe(true);
    expect(withPorts([{ port: '5000', endPort: 5100, protocol: 'TCP' }]).allows(FRONTEND, CHECKOUT, 5050)).toBe(true);
    expect(withPorts([{ port: '5000', endPort: 5049, protocol: 'TCP' }]).allows(FRONTEND, CHECKOUT, 5050)).toBe(false);
  });

  test('named ports resolve against the destination pod', () => {
    expect(withPorts([{ port: 'grpc', protocol: 'TCP' }]).allows(FRONTEND, CHECKOUT, 5050)).toBe(true);
    expect(withPorts([{ port: 'http', protocol: 'TCP' }]).allows(FRONTEND, CHECKOUT, 5050)).toBe(false);
  });
});

describe('L7 HTTP rules', () => {
  const policy = (extra: unknown[] = []) => evaluator([cnp('payments', 'p', {
    endpointSelector: { matchLabels: { app: 'charge' } },
    ingress: [
      {
        fromEndpoints: [{ matchLabels: { 'app': 'checkout', 'k8s:io.kubernetes.pod.namespace': 'shop' } }],
        toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }], rules: { http: [{ method: 'POST', path: '/charge' }, { method: 'GET|HEAD', path: '/status/[0-9]+' }] } }],
      },
      ...extra,
    ],
  })]);

  test('method and path are regular expressions matched in full; a refused request (403) is not allowed', () => {
    const { request, allows } = policy();
    expect(allows(CHECKOUT, CHARGE, 8080)).toBe(true);
    expect(request(CHECKOUT, CHARGE, 8080, 'POST', '/charge')).toBe(true);
    expect(request(CHECKOUT, CHARGE, 8080, 'POST', '/charges')).toBe(false);
    expect(request(CHECKOUT, CHARGE, 8080, 'DELETE', '/charge')).toBe(false);
    expect(request(CHECKOUT, CHARGE, 8080, 'HEAD', '/status/42')).toBe(true);
    expect(request(CHECKOUT, CHARGE, 8080, 'GET', '/status/x')).toBe(false);
    expect(request(FRONTEND, CHARGE, 8080, 'POST', '/charge')).toBe(false);
  });

  test('an L4-only rule for the same peer and port lets every request through', () => {
    const { request } = policy([{ fromEndpoints: [{ matchLabels: { 'app': 'checkout', 'k8s:io.kubernetes.pod.namespace': 'shop' } }], toPorts: [{ ports: [{ port: '8080' }] }] }]);
    expect(request(CHECKOUT, CHARGE, 8080, 'DELETE', '/anything')).toBe(true);
  });

  test('egress L7 rules are enforced too', () => {
    const { request } = evaluator([cnp('shop', 'p', {
      endpointSelector: { matchLabels: { app: 'checkout' } },
      egress: [{ toEntities: ['cluster'], toPorts: [{ ports: [{ port: '8080' }], rules: { http: [{ path: '/charge' }] } }] }],
    })]);
    expect(request(CHECKOUT, CHARGE, 8080, 'PUT', '/charge')).toBe(true);
    expect(request(CHECKOUT, CHARGE, 8080, 'PUT', '/other')).toBe(false);
  });
});

describe('deny rules and authentication', () => {
  test('ingressDeny and egressDeny win over allows', () => {
    const { allows } = evaluator([
      cnp('shop', 'allow', { endpointSelector: {}, ingress: [{ fromEntities: ['all'] }], egress: [{ toEntities: ['all'] }] }),
      cnp('shop', 'deny', {
        endpointSelector: { matchLabels: { app: 'checkout' } },
        ingressDeny: [{ fromEndpoints: [{ matchLabels: { app: 'frontend' } }], toPorts: [{ ports: [{ port: '5050', protocol: 'TCP' }] }] }],
        egressDeny: [{ toCIDRSet: [{ cidr: '10.20.0.0/16' }] }],
      }),
    ]);
    expect(allows(FRONTEND, CHECKOUT, 5050)).toBe(false);
    expect(allows(FRONTEND, CHECKOUT, 5051)).toBe(true);
    expect(allows(CHECKOUT, 'cidr:10.20.0.0/16', 5432)).toBe(false);
    expect(allows(CHECKOUT, 'world', 5432)).toBe(true);
  });

  test('authentication required passes between pods only', () => {
    const { allows } = evaluator([cnp('shop', 'p', {
      endpointSelector: { matchLabels: { app: 'checkout' } },
      ingress: [{ fromEntities: ['all'], authentication: { mode: 'required' } }],
    })]);
    expect(allows(FRONTEND, CHECKOUT, 5050)).toBe(true);
    expect(allows('world', CHECKOUT, 5050)).toBe(false);
  });
});

describe('parsing and diagnostics', () => {
  test('invalid rules are reported and left out; unmodelled features are warnings', () => {
    const { rules, diagnostics } = parseCiliumPolicies([
      cnp('shop', 'bad-regex', { endpointSelector: {}, ingress: [{ toPorts: [{ ports: [{ port: '80' }], rules: { http: [{ path: '(' }] } }] }] }),
      cnp('shop', 'no-selector', { ingress: [{}] }),
      cnp('shop', 'bad-entity', { endpointSelector: {}, ingress: [{ fromEntities: ['everyone'] }] }),
      cnp('shop', 'host-policy', { nodeSelector: {}, ingress: [{}] }),
      cnp('shop', 'services', { endpointSelector: {}, egress: [{ toServices: [{ k8sService: { serviceName: 'x' } }] }] }),
      { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'multi', namespace: 'shop' }, specs: [{ endpointSelector: {}, ingress: [{}] }, { endpointSelector: {}, egress: [{}] }] },
      { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'ignored' } },
    ]);
    const text = diagnostics.map(d => `${d.severity} ${d.subject}: ${d.message}`);
    expect(text).toEqual(expect.arrayContaining([
      expect.stringMatching(/^error CiliumNetworkPolicy shop\/bad-regex: spec.ingress\[0\].toPorts\[0\].rules.http\[0\].path: invalid regular expression/),
      expect.stringMatching(/^error CiliumNetworkPolicy shop\/no-selector: spec: needs endpointSelector/),
      expect.stringMatching(/^error CiliumNetworkPolicy shop\/bad-entity: .*unknown entity/),
      expect.stringMatching(/^warning CiliumNetworkPolicy shop\/host-policy: .*nodeSelector/),
      expect.stringMatching(/^warning CiliumNetworkPolicy shop\/services: .*toServices not modelled/),
    ]));
    expect(rules.map(r => r.subject)).toEqual([
      'CiliumNetworkPolicy shop/services',
      'CiliumNetworkPolicy shop/multi specs[0]',
      'CiliumNetworkPolicy shop/multi specs[1]',
    ]);
  });
});

describe('checkCiliumReachability', () => {
  test('the issue example: exactly the declared flows and requests', () => {
    const report = checkCiliumReachability(model, synthCilium(issueExample));
    expect(report.evaluator).toBe('Cilium');
    expect(report.missing).toEqual([]);
    expect(report.unexpected).toEqual([]);
    expect(report.requests!.missing).toEqual([]);
    expect(report.requests!.unexpected).toEqual([]);
    expect(report.ok).toBe(true);
    // The host call is declared by name (toFQDNs); its address range (for NetworkPolicy) is not used.
    expect(report.declared).toContainEqual(expect.objectContaining({ from: CHECKOUT, to: 'host:api.stripe.com', port: 443 }));
    expect(report.allowed.some(f => f.to === 'cidr:198.51.100.0/24')).toBe(false);
    expect(report.missing.some(f => f.to === 'cidr:198.51.100.0/24')).toBe(false);
    const text = formatReportText(report);
    expect(text).toContain('allowed    shop/checkout -> payments/charge 8080/TCP POST /charge (route charge)');
    expect(text).toContain('refused    shop/checkout -> payments/charge 8080/TCP DELETE /charge');
    expect(text).toMatch(/Cilium: \d+ declared, \d+ allowed, 0 missing, 0 unexpected, \d+ tolerated; L7 requests: 20 declared, 20 allowed, 0 missing, 0 unexpected: OK/);
  });

  test('ingress from the world: exposed services are declared from outside the cluster', () => {
    const spec = { ...issueExample, cilium: { ingressFromWorld: true } };
    const catalog = ServiceCatalog.fromSpec(spec)._resolved;
    const report = checkCiliumReachability(catalog, synthCilium(spec));
    expect(report.ok).toBe(true);
    expect(report.declared).toContainEqual(expect.objectContaining({ from: 'world6', to: FRONTEND, port: 8080 }));
    expect(report.declared.some(f => f.from === 'ingress-nginx/ingress-controller')).toBe(false);
  });

  test('policies without the DNS allow break toFQDNs: the host call goes missing', () => {
    const manifests = synthCilium(issueExample).filter(m => m.metadata.name !== 'allow-dns');
    const report = checkCiliumReachability(model, manifests);
    expect(report.missing).toContainEqual(expect.objectContaining({ from: CHECKOUT, to: 'host:api.stripe.com', port: 443 }));
    expect(report.ok).toBe(false);
  });
});

describe('peers outside the catalog (issue 8)', () => {
  const spec: CatalogSpec = {
    namespace: 'shop',
    namespaces: [{ name: 'shop', labels: { tier: 'tenant' } }],
    peers: [
      { name: 'tenants', namespaceSelector: { tier: 'tenant' }, selector: { role: 'client' } },
      { name: 'backoffice', namespace: 'backoffice', serviceAccount: 'backoffice' },
      { name: 'kube-apiserver', kubeApiServer: true, cidrs: ['192.0.2.0/28'] },
    ],
    services: [
      { name: 'web', ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: PortProtocol.HTTP }], callers: [{ peer: 'tenants' }, { peer: 'backoffice' }, { peer: 'kube-apiserver' }] },
      { name: 'job', clientOnly: true, calls: [{ peer: 'world', port: 443 }, { host: 'api.example.com', port: 443 }, { peer: 'cluster', port: 8080 }] },
    ],
  };
  const peerModel = ServiceCatalog.fromSpec(spec)._resolved;
  const universe = buildUniverse(peerModel);
  const make = (manifests: Manifest[]) => {
    const e = new CiliumEvaluator(universe, manifests);
    return (from: string, to: string, port: number) => e.allows(universe.endpoint(from), universe.endpoint(to), { port, protocol: 'TCP' });
  };
  const web = (ingress: unknown[]) => make([cnp('shop', 'web', { endpointSelector: { matchLabels: { app: 'web' } }, ingress })]);
  const job = (egress: unknown[]) => make([cnp('shop', 'job', { endpointSelector: { matchLabels: { app: 'job' } }, egress })]);
  const APISERVER = 'peer:kube-apiserver';

  // cilium/cilium Documentation/security/policy/kubernetes.rst "Known Pitfalls" (v1.14 to
  // main): namespace labels are honoured only in a CiliumClusterwideNetworkPolicy; a
  // namespaced policy adds its own namespace to the selector (src/model/releases.ts).
  test('namespace labels in a namespaced policy stay in its namespace on every supported Cilium release; clusterwide they cross', () => {
    const selector = { matchLabels: { 'role': 'client', 'k8s:io.cilium.k8s.namespace.labels.tier': 'tenant' } };
    for (const release of ['1.14', '1.15', '1.16']) {
      const e = new CiliumEvaluator(universe, [cnp('shop', 'web', { endpointSelector: { matchLabels: { app: 'web' } }, ingress: [{ fromEndpoints: [selector] }] })], release);
      expect(e.allows(universe.endpoint('peer:tenants'), universe.endpoint('shop/web'), { port: 8080, protocol: 'TCP' })).toBe(false);
    }
    const wide = make([ccnp('web-tenants', { endpointSelector: { matchLabels: { 'app': 'web', 'k8s:io.kubernetes.pod.namespace': 'shop' } }, ingress: [{ fromEndpoints: [selector] }] })]);
    expect(wide('peer:tenants', 'shop/web', 8080)).toBe(true);
    expect(wide('(other namespace) like peer:tenants', 'shop/web', 8080)).toBe(false);
    // Without the namespace-label key, the policy's namespace is added.
    expect(web([{ fromEndpoints: [{ matchLabels: { role: 'client' } }] }])('peer:tenants', 'shop/web', 8080)).toBe(false);
  });

  test('any namespace: an Exists match on the namespace key admits pods of every namespace, nothing else', () => {
    const allows = web([{ fromEndpoints: [{ matchExpressions: [{ key: 'k8s:io.kubernetes.pod.namespace', operator: 'Exists' }] }] }]);
    expect(allows('peer:backoffice', 'shop/web', 8080)).toBe(true);
    expect(allows('(other namespace)', 'shop/web', 8080)).toBe(true);
    expect(allows('world', 'shop/web', 8080)).toBe(false);
    expect(allows(APISERVER, 'shop/web', 8080)).toBe(false);
  });

  test('peer pods carry their service account label', () => {
    const allows = web([{ fromEndpoints: [{ matchLabels: { 'k8s:io.cilium.k8s.policy.serviceaccount': 'backoffice', 'k8s:io.kubernetes.pod.namespace': 'backoffice' } }] }]);
    expect(allows('peer:backoffice', 'shop/web', 8080)).toBe(true);
    expect(allows('backoffice/(other pod)', 'shop/web', 8080)).toBe(false);
  });

  test('the API server: its entity (and all), a CIDR covering its address, its reserved label; not world, not cluster', () => {
    expect(web([{ fromEntities: ['kube-apiserver'] }])(APISERVER, 'shop/web', 8080)).toBe(true);
    expect(web([{ fromEntities: ['kube-apiserver'] }])('world', 'shop/web', 8080)).toBe(false);
    expect(web([{ fromEntities: ['all'] }])(APISERVER, 'shop/web', 8080)).toBe(true);
    expect(web([{ fromEntities: ['world'] }])(APISERVER, 'shop/web', 8080)).toBe(false);
    expect(web([{ fromEntities: ['cluster'] }])(APISERVER, 'shop/web', 8080)).toBe(false);
    expect(web([{ fromCIDRSet: [{ cidr: '192.0.2.0/24' }] }])(APISERVER, 'shop/web', 8080)).toBe(true);
    expect(web([{ fromEndpoints: [{ matchLabels: { 'reserved:kube-apiserver': '' } }] }])(APISERVER, 'shop/web', 8080)).toBe(true);
    expect(job([{ toEntities: ['kube-apiserver'] }])('shop/job', APISERVER, 443)).toBe(true);
  });

  test('DNS names are destinations of the world, never sources', () => {
    expect(job([{ toEntities: ['world'] }])('shop/job', 'host:api.example.com', 443)).toBe(true);
    expect(web([{ fromEntities: ['world'] }])('host:api.example.com', 'shop/web', 8080)).toBe(false);
    expect(web([{ fromEntities: ['all'] }])('host:api.example.com', 'shop/web', 8080)).toBe(false);
  });

  test('clusterwide: selectors that do not name the namespace match pods only (Cilium adds an Exists)', () => {
    const e = new CiliumEvaluator(universe, [ccnp('p', { endpointSelector: { matchLabels: { app: 'web' } }, ingress: [{ fromEndpoints: [{}] }] })]);
    const allows = (from: string) => e.allows(universe.endpoint(from), universe.endpoint('shop/web'), { port: 8080, protocol: 'TCP' });
    expect(allows('peer:backoffice')).toBe(true);
    expect(allows('world')).toBe(false);
    expect(allows(APISERVER)).toBe(false);
  });

  test('intent: a call to the whole world reaches every DNS name; its ingress entity admits neither names nor the API server', () => {
    const intent = ciliumIntent(peerModel, universe);
    expect(intent.declared).toContainEqual(expect.objectContaining({ from: 'shop/job', to: 'host:api.example.com', port: 443, reasons: ['host api.example.com', 'peer shop/job -> world'] }));
    expect(intent.tolerated).toContainEqual({ from: 'shop/job', to: APISERVER, port: 443, protocol: 'TCP' });
    expect(ciliumExposedFrom(peerModel)).toBeUndefined();
  });

  test('a peer call to pods that include catalog workloads declares any request to them', () => {
    const manifests = synthCilium(spec);
    const report = checkCiliumReachability(peerModel, manifests);
    expect(report.ok).toBe(true);
    expect(report.requests!.declared).toContainEqual(expect.objectContaining({ from: 'shop/job', to: 'shop/web', port: 8080, path: '/__mesh-ladder-probe__' }));
  });
});

describe('ingress from the world with limited exposure', () => {
  const spec: CatalogSpec = {
    namespace: 'shop',
    cilium: { ingressFromWorld: true },
    peers: [{ name: 'kube-apiserver', kubeApiServer: true }],
    services: [
      {
        name: 'web',
        ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: PortProtocol.HTTP }],
        routes: [{ name: 'home', http: { method: HttpMethod.GET, path: '/' } }, { name: 'admin', http: { pathPrefix: '/admin' } }],
        callers: [{ peer: 'ingress-controller', routes: ['home'] }, { peer: 'kube-apiserver' }],
      },
    ],
  };
  const catalog = ServiceCatalog.fromSpec(spec)._resolved;

  test('the ingress controller entry is declared from every world address, not the API server, with its routes', () => {
    const universe = buildUniverse(catalog);
    const intent = ciliumIntent(catalog, universe);
    expect(intent.declared).toContainEqual({ from: 'world', to: 'shop/web', port: 8080, protocol: 'TCP', reasons: ['caller ingress-controller -> shop/web (from outside the cluster)'], routes: ['home'] });
    expect(intent.declared.some(f => f.from === 'ingress-nginx/ingress-controller' || f.from.startsWith('host:'))).toBe(false);
    expect(intent.declared.filter(f => f.from === 'peer:kube-apiserver').map(f => f.reasons)).toEqual([['caller kube-apiserver -> shop/web']]);
    const exposedFrom = ciliumExposedFrom(catalog)!;
    expect(exposedFrom(universe.endpoint('world6'))).toBe(true);
    expect(exposedFrom(universe.endpoint('peer:kube-apiserver'))).toBe(false);
  });

  test('the emitted policies pass: world requests limited to the route, the API server to anything', () => {
    const report = checkCiliumReachability(catalog, synthCilium(spec));
    expect(report.ok).toBe(true);
    expect(report.requests!.allowed).toContainEqual(expect.objectContaining({ from: 'world', to: 'shop/web', method: 'GET', path: '/' }));
    expect(report.requests!.allowed).not.toContainEqual(expect.objectContaining({ from: 'world', to: 'shop/web', path: '/admin/probe' }));
    expect(report.requests!.allowed).toContainEqual(expect.objectContaining({ from: 'peer:kube-apiserver', to: 'shop/web', path: '/admin/probe' }));
  });
});
