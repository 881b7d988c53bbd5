import { buildUniverse, Endpoint } from '../../src/analysis/endpoints';
import { Transport } from '../../src/analysis/flows';
import { NetworkPolicyEvaluator, parseNetworkPolicies } from '../../src/analysis/networkpolicy';
import { ServiceCatalog } from '../../src/model/catalog';
import { CatalogSpec, PortProtocol } from '../../src/model/types';
import { networkPolicy } from '../support/synth';

/** Two namespaces, a canary, named and unnamed ports, UDP, IPv4 and IPv6 ranges with except. */
const spec: CatalogSpec = {
  namespace: 'shop',
  namespaces: [
    { name: 'shop', labels: { team: 'shop', env: 'prod' } },
    { name: 'payments', labels: { team: 'payments', env: 'prod' } },
  ],
  services: [
    {
      name: 'web',
      ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: PortProtocol.HTTP }, { name: 'admin', port: 9090 }],
      exposed: true,
      calls: [{ service: 'api' }],
    },
    {
      name: 'api',
      ports: [
        { name: 'grpc', port: 5050, protocol: PortProtocol.GRPC },
        { name: 'admin', port: 9191 },
        { name: 'sd', port: 5353, protocol: PortProtocol.UDP },
      ],
      versions: [{ name: 'v1', weight: 90 }, { name: 'v2', weight: 10 }],
      calls: [
        { service: 'payments/charge' },
        { cidr: '10.20.0.0/16', except: ['10.20.5.0/24'], port: 5432 },
        { cidr: '2001:db8:1::/48', except: ['2001:db8:1:5::/64'], port: 443 },
      ],
    },
    { name: 'charge', namespace: 'payments', ports: [{ name: 'https', port: 8443 }] },
    { name: 'loadgen', clientOnly: true, calls: [{ service: 'web' }] },
  ],
};
const catalog = ServiceCatalog.fromSpec(spec)._resolved;
const universe = buildUniverse(catalog);

const IPV4_RANGE = 'cidr:10.20.0.0/16 (except 10.20.5.0/24)';
const IPV4_EXCEPT = 'except:10.20.5.0/24';
const IPV6_RANGE = 'cidr:2001:db8:1::/48 (except 2001:db8:1:5::/64)';
const IPV6_EXCEPT = 'except:2001:db8:1:5::/64';

function evaluator(...manifests: unknown[]): NetworkPolicyEvaluator {
  const ev = new NetworkPolicyEvaluator(universe, manifests);
  expect(ev.diagnostics.filter(d => d.severity === 'error')).toEqual([]);
  return ev;
}

/** Whether `from` reaches `to` on port/protocol. */
function can(ev: NetworkPolicyEvaluator, from: string, to: string, port: number, protocol: Transport = 'TCP'): boolean {
  return ev.allows(universe.endpoint(from), universe.endpoint(to), { port, protocol });
}

/** Every source that reaches `to` on port/protocol. */
function sourcesOf(ev: NetworkPolicyEvaluator, to: string, port: number, protocol: Transport = 'TCP'): string[] {
  return universe.endpoints.filter((e: Endpoint) => ev.allows(e, universe.endpoint(to), { port, protocol })).map(e => e.id).sort();
}

/** Every destination `from` reaches on port/protocol. */
function destinationsOf(ev: NetworkPolicyEvaluator, from: string, port: number, protocol: Transport = 'TCP'): string[] {
  return universe.endpoints.filter((e: Endpoint) => ev.allows(universe.endpoint(from), e, { port, protocol })).map(e => e.id).sort();
}

/** Endpoint ids, sorted (the order sourcesOf and destinationsOf return). */
function ids(...list: string[]): string[] {
  return [...list].sort();
}

const denyAll = (ns: string) => networkPolicy(ns, 'default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
const allEndpoints = universe.endpoints.map(e => e.id).sort();

describe('isolation', () => {
  test('without policies everything is allowed, inside and outside the cluster', () => {
    const ev = evaluator();
    expect(sourcesOf(ev, 'shop/web', 12345, 'UDP')).toEqual(allEndpoints);
    expect(destinationsOf(ev, 'shop/web', 1)).toEqual(allEndpoints);
  });

  test('default deny isolates every pod of its namespace in both directions, and only those', () => {
    const ev = evaluator(denyAll('shop'));
    expect(sourcesOf(ev, 'shop/web', 8080)).toEqual(ids());
    expect(destinationsOf(ev, 'shop/(other pod)', 8080)).toEqual(ids());
    expect(can(ev, 'world', 'shop/web', 8080)).toBe(false);
    expect(can(ev, 'shop/web', 'world', 443)).toBe(false);
    // payments is not isolated: it reaches everything that does not need shop's ingress.
    expect(can(ev, 'payments/charge', 'world', 443)).toBe(true);
    expect(can(ev, 'world', 'payments/charge', 8443)).toBe(true);
    expect(can(ev, 'payments/charge', 'shop/web', 8080)).toBe(false);
    expect(ev.isEgressRestricted(universe.endpoint('shop/api@v2'))).toBe(true);
    expect(ev.isEgressRestricted(universe.endpoint('payments/charge'))).toBe(false);
    expect(ev.isEgressRestricted(universe.endpoint('world'))).toBe(false);
  });

  test('a policy selects pods of its own namespace only', () => {
    const ev = evaluator(networkPolicy('payments', 'deny-web', { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'] }));
    expect(can(ev, 'shop/loadgen', 'shop/web', 8080)).toBe(true);
    expect(can(ev, 'shop/loadgen', '(other namespace) like shop/web', 8080)).toBe(true);
  });

  test('egress-only isolation leaves ingress open', () => {
    const ev = evaluator(networkPolicy('shop', 'web-egress', {
      podSelector: { matchLabels: { app: 'web' } },
      policyTypes: ['Egress'],
      egress: [{ to: [{ podSelector: { matchLabels: { app: 'api' } } }], ports: [{ port: 5050 }] }],
    }));
    expect(destinationsOf(ev, 'shop/web', 5050)).toEqual(ids('shop/api@v1', 'shop/api@v2'));
    expect(can(ev, 'shop/web', 'payments/charge', 8443)).toBe(false);
    // Ingress is open to everyone but web itself, whose egress allows api:5050 only.
    expect(sourcesOf(ev, 'shop/web', 8080)).toEqual(allEndpoints.filter(id => id !== 'shop/web'));
  });

  test('policies are a union', () => {
    const ev = evaluator(
      denyAll('payments'),
      networkPolicy('payments', 'from-web', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { app: 'web' } } }] }] }),
      networkPolicy('payments', 'from-api', { podSelector: { matchLabels: { app: 'charge' } }, ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { app: 'api' } } }] }] }),
    );
    expect(sourcesOf(ev, 'payments/charge', 8443)).toEqual(ids('shop/web', 'shop/api@v1', 'shop/api@v2', '(other namespace) like shop/web',
      '(other namespace) like shop/api@v1', '(other namespace) like shop/api@v2'));
  });
});

describe('policyTypes', () => {
  const webEgress = [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }];
  test('default to Ingress when there is no egress rule', () => {
    const ev = evaluator(networkPolicy('shop', 'p', { podSelector: { matchLabels: { app: 'web' } } }));
    expect(ev.isIngressRestricted(universe.endpoint('shop/web'))).toBe(true);
    expect(ev.isEgressRestricted(universe.endpoint('shop/web'))).toBe(false);
    expect(sourcesOf(ev, 'shop/web', 8080)).toEqual(ids());
  });

  test('add Egress when egress rules exist', () => {
    const ev = evaluator(networkPolicy('shop', 'p', { podSelector: { matchLabels: { app: 'web' } }, egress: webEgress }));
    expect(ev.isIngressRestricted(universe.endpoint('shop/web'))).toBe(true);
    expect(ev.isEgressRestricted(universe.endpoint('shop/web'))).toBe(true);
    expect(can(ev, 'shop/web', 'world', 443)).toBe(true);
    expect(can(ev, 'shop/web', 'world6', 443)).toBe(false);
    expect(can(ev, 'shop/web', 'shop/api@v1', 5050)).toBe(false);
  });

  test('an empty egress list does not add Egress (API server defaulting)', () => {
    const ev = evaluator(networkPolicy('shop', 'p', { podSelector: { matchLabels: { app: 'web' } }, egress: [] }));
    expect(ev.isEgressRestricted(universe.endpoint('shop/web'))).toBe(false);
    expect(can(ev, 'shop/web', 'shop/api@v1', 5050)).toBe(true);
  });

  test('explicit types win, and rules of an omitted type have no effect', () => {
    const parsed = parseNetworkPolicies([networkPolicy('shop', 'p', {
      podSelector: {},
      policyTypes: ['Egress'],
      ingress: [{}],
      egress: webEgress,
    })]);
    expect(parsed.policies[0]).toMatchObject({ isolatesIngress: false, isolatesEgress: true });
    expect(parsed.diagnostics).toEqual([{ severity: 'warning', subject: 'NetworkPolicy shop/p', message: 'has ingress rules but policyTypes omits Ingress: they have no effect' }]);
  });
});

describe('peers', () => {
  const chargeFrom = (from: unknown[]) => evaluator(networkPolicy('payments', 'charge', {
    podSelector: { matchLabels: { app: 'charge' } },
    ingress: [{ from }],
  }));

  test('namespaceSelector AND podSelector in one peer', () => {
    const ev = chargeFrom([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } }, podSelector: { matchLabels: { app: 'web' } } }]);
    expect(sourcesOf(ev, 'payments/charge', 8443)).toEqual(ids('shop/web'));
  });

  test('two peers are OR: the namespace peer admits every pod of shop, the pod peer only payments pods', () => {
    const ev = chargeFrom([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } } },
      { podSelector: { matchLabels: { app: 'web' } } },
    ]);
    expect(sourcesOf(ev, 'payments/charge', 8443)).toEqual(ids('shop/web', 'shop/api@v1', 'shop/api@v2', 'shop/loadgen', 'shop/(other pod)'));
  });

  test('podSelector alone means the policy namespace', () => {
    const ev = chargeFrom([{ podSelector: {} }]);
    expect(sourcesOf(ev, 'payments/charge', 8443)).toEqual(ids('payments/charge', 'payments/(other pod)'));
  });

  test('namespaceSelector alone means every pod of the matching namespaces (declared labels count)', () => {
    const ev = chargeFrom([{ namespaceSelector: { matchLabels: { team: 'shop' } } }]);
    expect(sourcesOf(ev, 'payments/charge', 8443)).toEqual(ids('shop/web', 'shop/api@v1', 'shop/api@v2', 'shop/loadgen', 'shop/(other pod)'));
    const prod = chargeFrom([{ namespaceSelector: { matchLabels: { env: 'prod' } } }]);
    expect(sourcesOf(prod, 'payments/charge', 8443)).toEqual(ids('shop/web', 'shop/api@v1', 'shop/api@v2', 'payments/charge', 'shop/loadgen',
      'payments/(other pod)', 'shop/(other pod)'));
  });

  test('namespaceSelector {} with a podSelector admits look-alikes in any namespace', () => {
    const ev = chargeFrom([{ namespaceSelector: {}, podSelector: { matchLabels: { app: 'web' } } }]);
    expect(sourcesOf(ev, 'payments/charge', 8443)).toEqual(ids('shop/web', '(other namespace) like shop/web'));
  });

  test('an empty or missing from admits everyone, external addresses included', () => {
    expect(sourcesOf(chargeFrom([]), 'payments/charge', 8443)).toEqual(allEndpoints);
    const missing = evaluator(networkPolicy('payments', 'charge', { podSelector: {}, ingress: [{ ports: [{ port: 8443 }] }] }));
    expect(sourcesOf(missing, 'payments/charge', 8443)).toEqual(allEndpoints);
    expect(sourcesOf(missing, 'payments/charge', 8444)).toEqual(ids());
  });

  test('matchExpressions: In, NotIn, Exists, DoesNotExist', () => {
    const shop = { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } };
    const sources = (expr: unknown) => sourcesOf(chargeFrom([{ namespaceSelector: shop, podSelector: { matchExpressions: [expr] } }]), 'payments/charge', 8443);
    expect(sources({ key: 'app', operator: 'In', values: ['web', 'loadgen'] })).toEqual(ids('shop/web', 'shop/loadgen'));
    expect(sources({ key: 'app', operator: 'NotIn', values: ['web', 'api'] })).toEqual(ids('shop/loadgen', 'shop/(other pod)'));
    expect(sources({ key: 'version', operator: 'Exists' })).toEqual(ids('shop/api@v1', 'shop/api@v2'));
    expect(sources({ key: 'version', operator: 'DoesNotExist' })).toEqual(ids('shop/web', 'shop/loadgen', 'shop/(other pod)'));
    expect(sourcesOf(chargeFrom([{ namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'NotIn', values: ['shop', 'payments'] }] } }]), 'payments/charge', 8443))
      .toEqual(ids('ingress-nginx/ingress-controller', 'kube-system/dns', 'ingress-nginx/(other pod)', 'kube-system/(other pod)', '(other namespace)',
        ...universe.endpoints.filter(e => e.role === 'lookalike').map(e => e.id)));
  });

  test('the look-alike of a version carries its labels', () => {
    const ev = chargeFrom([{ namespaceSelector: {}, podSelector: { matchLabels: { version: 'v2' } } }]);
    expect(sourcesOf(ev, 'payments/charge', 8443)).toEqual(ids('shop/api@v2', '(other namespace) like shop/api@v2'));
  });
});

describe('ipBlock', () => {
  const apiTo = (to: unknown[], ports?: unknown[]) => evaluator(networkPolicy('shop', 'api', {
    podSelector: { matchLabels: { app: 'api' } },
    policyTypes: ['Egress'],
    egress: [{ to, ...(ports ? { ports } : {}) }],
  }));

  test('IPv4 cidr with except', () => {
    const ev = apiTo([{ ipBlock: { cidr: '10.20.0.0/16', except: ['10.20.5.0/24'] } }], [{ port: 5432 }]);
    expect(destinationsOf(ev, 'shop/api@v1', 5432)).toEqual(ids(IPV4_RANGE));
    expect(can(ev, 'shop/api@v1', IPV4_EXCEPT, 5432)).toBe(false);
    expect(can(ev, 'shop/api@v1', IPV4_RANGE, 5433)).toBe(false);
  });

  test('IPv6 cidr with except', () => {
    const ev = apiTo([{ ipBlock: { cidr: '2001:db8:1::/48', except: ['2001:db8:1:5::/64'] } }]);
    expect(destinationsOf(ev, 'shop/api@v2', 443)).toEqual(ids(IPV6_RANGE));
    const all6 = apiTo([{ ipBlock: { cidr: '::/0' } }]);
    expect(destinationsOf(all6, 'shop/api@v2', 443)).toEqual(ids(IPV6_RANGE, IPV6_EXCEPT, 'world6'));
  });

  test('ipBlocks do not match pods (pods have no address by default)', () => {
    const ev = apiTo([{ ipBlock: { cidr: '0.0.0.0/0' } }]);
    expect(destinationsOf(ev, 'shop/api@v1', 5432)).toEqual(ids(IPV4_RANGE, IPV4_EXCEPT, 'world'));
  });

  test('with podCidr, pods get addresses and ipBlocks match them', () => {
    const withPods = buildUniverse(catalog, { podCidr: '10.244.0.0/16' });
    const ev = new NetworkPolicyEvaluator(withPods, [networkPolicy('shop', 'api', {
      podSelector: { matchLabels: { app: 'api' } },
      policyTypes: ['Egress'],
      egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.20.0.0/16'] } }] }],
    })]);
    const reached = withPods.endpoints.filter(e => ev.allows(withPods.endpoint('shop/api@v1'), e, { port: 1, protocol: 'TCP' }));
    expect(reached.every(e => e.kind === 'pod')).toBe(true);
    expect(reached).toHaveLength(withPods.endpoints.filter(e => e.kind === 'pod').length);
  });

  test('ingress from an ipBlock admits external addresses only', () => {
    const ev = evaluator(networkPolicy('shop', 'web', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }] }));
    expect(sourcesOf(ev, 'shop/web', 8080)).toEqual(ids(IPV4_RANGE, IPV4_EXCEPT, 'world'));
  });
});

describe('ports', () => {
  const loadgenTo = (ports: unknown[]) => evaluator(networkPolicy('shop', 'loadgen', {
    podSelector: { matchLabels: { app: 'loadgen' } },
    policyTypes: ['Egress'],
    egress: [{ ports }],
  }));
  const reach = (ev: NetworkPolicyEvaluator, to: string) => universe.probes.filter(p => ev.allows(universe.endpoint('shop/loadgen'), universe.endpoint(to), p))
    .map(p => `${p.port}/${p.protocol}`);

  test('protocol defaults to TCP; a number matches that port only', () => {
    expect(reach(loadgenTo([{ port: 8080 }]), 'shop/web')).toEqual(['8080/TCP']);
    expect(reach(loadgenTo([{ port: 5353, protocol: 'UDP' }]), 'shop/api@v1')).toEqual(['5353/UDP']);
  });

  test('a protocol without a port matches every port of that protocol', () => {
    expect(reach(loadgenTo([{ protocol: 'UDP' }]), 'shop/web')).toEqual(universe.probes.filter(p => p.protocol === 'UDP').map(p => `${p.port}/UDP`));
    expect(reach(loadgenTo([{ protocol: 'SCTP' }]), 'shop/web')).toEqual([]);
  });

  test('named ports resolve against the destination pod, for egress too', () => {
    const ev = loadgenTo([{ port: 'admin' }]);
    expect(reach(ev, 'shop/web')).toEqual(['9090/TCP']);
    expect(reach(ev, 'shop/api@v1')).toEqual(['9191/TCP']);
    expect(reach(ev, 'payments/charge')).toEqual([]);
    expect(reach(ev, 'world')).toEqual([]);
    expect(reach(ev, '(other namespace) like shop/web')).toEqual(['9090/TCP']);
  });

  test('named ports need the same protocol', () => {
    expect(reach(loadgenTo([{ port: 'sd', protocol: 'UDP' }]), 'shop/api@v2')).toEqual(['5353/UDP']);
    expect(reach(loadgenTo([{ port: 'sd' }]), 'shop/api@v2')).toEqual([]);
  });

  test('named ports on ingress resolve against the selected pod', () => {
    const ev = evaluator(networkPolicy('shop', 'web', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ ports: [{ port: 'http' }] }] }));
    expect(universe.probes.filter(p => ev.allows(universe.endpoint('world'), universe.endpoint('shop/web'), p)).map(p => `${p.port}/${p.protocol}`))
      .toEqual(['8080/TCP']);
  });

  test('endPort makes an inclusive range', () => {
    const ev = loadgenTo([{ port: 8000, endPort: 8443 }]);
    expect(reach(ev, 'payments/charge')).toEqual(['8080/TCP', '8443/TCP']);
    expect(reach(loadgenTo([{ port: 5050, endPort: 5050 }]), 'shop/api@v1')).toEqual(['5050/TCP']);
  });

  test('an empty ports list means every port', () => {
    expect(reach(loadgenTo([]), 'shop/web')).toEqual(universe.probes.map(p => `${p.port}/${p.protocol}`));
  });
});

describe('DNS', () => {
  test('default deny plus a DNS allow reaches the DNS pods only, on 53', () => {
    const ev = evaluator(denyAll('shop'), networkPolicy('shop', 'allow-dns', {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
        ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }],
      }],
    }));
    for (const from of ['shop/web', 'shop/api@v1', 'shop/loadgen', 'shop/(other pod)']) {
      expect(destinationsOf(ev, from, 53, 'UDP')).toEqual(ids('kube-system/dns'));
      expect(destinationsOf(ev, from, 53, 'TCP')).toEqual(ids('kube-system/dns'));
      expect(destinationsOf(ev, from, 5353, 'UDP')).toEqual(ids());
    }
  });
});

describe('validation', () => {
  const errorsOf = (policySpec: Record<string, unknown>) => parseNetworkPolicies([networkPolicy('shop', 'bad', policySpec)]);

  test.each([
    [{ podSelector: {}, egress: [{ ports: [{ port: 'http', endPort: 90 }] }] }, 'spec.egress[0].ports[0].endPort: needs a numeric port'],
    [{ podSelector: {}, egress: [{ ports: [{ port: 90, endPort: 80 }] }] }, 'spec.egress[0].ports[0].endPort: must be a number from port (90) to 65535'],
    [{ podSelector: {}, egress: [{ ports: [{ port: '8080' }] }] }, 'spec.egress[0].ports[0].port: "8080" is neither a port number nor a valid port name'],
    [{ podSelector: {}, egress: [{ ports: [{ port: 70000 }] }] }, 'spec.egress[0].ports[0].port: must be 1-65535, got 70000'],
    [{ podSelector: {}, egress: [{ ports: [{ protocol: 'ICMP' }] }] }, 'spec.egress[0].ports[0].protocol: must be TCP, UDP or SCTP, got "ICMP"'],
    [{ podSelector: {}, ingress: [{ from: [{}] }] }, 'spec.ingress[0].from[0]: a peer needs podSelector, namespaceSelector or ipBlock'],
    [{ podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8' }, podSelector: {} }] }] },
      'spec.ingress[0].from[0]: ipBlock cannot be combined with podSelector or namespaceSelector'],
    [{ podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['11.0.0.0/16'] } }] }] },
      'spec.egress[0].to[0].ipBlock.except[0]: 11.0.0.0/16 must lie strictly inside 10.0.0.0/8'],
    [{ podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.0.0.0/8'] } }] }] },
      'spec.egress[0].to[0].ipBlock.except[0]: 10.0.0.0/8 must lie strictly inside 10.0.0.0/8'],
    [{ podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: 'example.com' } }] }] }, 'spec.egress[0].to[0].ipBlock.cidr: not a CIDR: "example.com"'],
    [{ podSelector: { matchExpressions: [{ key: 'a', operator: 'In' }] } }, 'spec.podSelector.matchExpressions[0]: In needs at least one value'],
    [{ podSelector: {}, policyTypes: ['Ingress', 'Both'] }, 'spec.policyTypes: must list Ingress and/or Egress'],
    [{ podSelector: {}, policyTypes: 'Ingress' }, 'spec.policyTypes: must list Ingress and/or Egress'],
    [{ podSelector: {}, ingress: {} }, 'spec.ingress: must be a list'],
    [{ podSelector: {}, ingress: ['all'] }, 'spec.ingress[0]: must be an object'],
    [{ podSelector: {}, ingress: [{ from: {} }] }, 'spec.ingress[0].from: must be a list'],
    [{ podSelector: {}, ingress: [{ from: ['x'] }] }, 'spec.ingress[0].from[0]: must be an object'],
    [{ podSelector: {}, ingress: [{ ports: 80 }] }, 'spec.ingress[0].ports: must be a list'],
    [{ podSelector: {}, ingress: [{ ports: [80] }] }, 'spec.ingress[0].ports[0]: must be an object'],
    [{ podSelector: {}, ingress: [{ ports: [{ port: true }] }] }, 'spec.ingress[0].ports[0].port: must be a number or a name'],
    [{ podSelector: {}, ingress: [{ ports: [{ port: 'my--port' }] }] }, 'spec.ingress[0].ports[0].port: "my--port" is neither a port number nor a valid port name'],
    [{ podSelector: {}, egress: [{ to: [{ ipBlock: '10.0.0.0/8' }] }] }, 'spec.egress[0].to[0].ipBlock: needs a cidr'],
    [{ podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8', except: '10.1.0.0/16' } }] }] }, 'spec.egress[0].to[0].ipBlock.except: must be a list'],
    [{ podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0'] } }] }] }, 'spec.egress[0].to[0].ipBlock.except[0]: not a CIDR: "10.1.0.0"'],
    [{ podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['::/64'] } }] }] },
      'spec.egress[0].to[0].ipBlock.except[0]: ::/64 must lie strictly inside 10.0.0.0/8'],
    [{ podSelector: {}, egress: [{ to: [{ namespaceSelector: { matchLabels: 'x' } }] }] }, 'spec.egress[0].to[0].namespaceSelector.matchLabels: must be an object'],
    [{ podSelector: {}, egress: [{ to: [{ podSelector: { matchExpressions: {} } }] }] }, 'spec.egress[0].to[0].podSelector.matchExpressions: must be a list'],
    [{ podSelector: {}, egress: [{ to: [{ podSelector: { matchExpressions: [{ operator: 'Exists' }] } }] }] },
      'spec.egress[0].to[0].podSelector.matchExpressions[0]: needs a key and an operator'],
  ])('rejects %j', (policySpec, message) => {
    const parsed = errorsOf(policySpec);
    expect(parsed.policies).toEqual([]);
    expect(parsed.diagnostics).toEqual([{ severity: 'error', subject: 'NetworkPolicy shop/bad', message: `${message} (the API server rejects the policy; left out)` }]);
  });

  test('a rejected policy has no effect on reachability', () => {
    const ev = new NetworkPolicyEvaluator(universe, [networkPolicy('shop', 'bad', { podSelector: {}, ingress: [{ from: [{}] }] })]);
    expect(ev.diagnostics).toHaveLength(1);
    expect(can(ev, 'world', 'shop/web', 8080)).toBe(true);
  });

  test('null means missing, and an empty policyTypes list means the default', () => {
    const parsed = parseNetworkPolicies([networkPolicy('shop', 'p', {
      podSelector: {},
      policyTypes: [],
      ingress: [{ from: null, ports: null }],
      egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8', except: null } }], ports: [{ port: 443, protocol: null, endPort: null }] }],
    })]);
    expect(parsed.diagnostics).toEqual([]);
    expect(parsed.policies[0]).toMatchObject({
      isolatesIngress: true,
      isolatesEgress: true,
      ingress: [{ peers: undefined, ports: undefined }],
      egress: [{ peers: [{ kind: 'ipBlock', except: [] }], ports: [{ protocol: 'TCP', port: 443 }] }],
    });
  });

  test('objects without a name or spec', () => {
    const parsed = parseNetworkPolicies([
      { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace: 'shop' }, spec: { podSelector: {} } },
      { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'empty', namespace: 'shop' } },
    ]);
    expect(parsed.diagnostics).toEqual([
      { severity: 'error', subject: 'NetworkPolicy #0', message: 'metadata.name is missing' },
      { severity: 'warning', subject: 'NetworkPolicy shop/empty', message: 'spec is missing: the policy selects every pod and isolates it for ingress' },
      { severity: 'warning', subject: 'NetworkPolicy shop/empty', message: 'spec.podSelector is missing: it selects every pod of the namespace' },
    ]);
    expect(parsed.policies).toEqual([{
      namespace: 'shop',
      name: 'empty',
      podSelector: { matchLabels: {}, matchExpressions: [] },
      isolatesIngress: true,
      isolatesEgress: false,
      ingress: [],
      egress: [],
    }]);
  });

  test('a policy without namespace lands in default, with a warning', () => {
    const parsed = parseNetworkPolicies([{ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'p' }, spec: { podSelector: {} } }]);
    expect(parsed.policies[0].namespace).toBe('default');
    expect(parsed.diagnostics[0]).toMatchObject({ severity: 'warning', subject: 'NetworkPolicy default/p' });
  });

  test('a missing podSelector selects every pod (with a warning); host bits in cidrs are masked', () => {
    const parsed = parseNetworkPolicies([networkPolicy('shop', 'p', { egress: [{ to: [{ ipBlock: { cidr: '10.20.1.1/16' } }] }] })]);
    expect(parsed.policies[0]).toMatchObject({ isolatesIngress: true, isolatesEgress: true, podSelector: { matchLabels: {}, matchExpressions: [] } });
    expect(parsed.diagnostics.map(d => d.message)).toEqual(['spec.podSelector is missing: it selects every pod of the namespace']);
    const ev = new NetworkPolicyEvaluator(universe, [networkPolicy('shop', 'p', { podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: '10.20.1.1/16' } }] }] })]);
    expect(can(ev, 'shop/api@v1', IPV4_RANGE, 5432)).toBe(true);
  });

  test('duplicates, other kinds and foreign namespaces', () => {
    const ev = new NetworkPolicyEvaluator(universe, [
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' } },
      { apiVersion: 'networking.k8s.io/v1beta1', kind: 'NetworkPolicy', metadata: { name: 'old', namespace: 'shop' }, spec: { podSelector: {} } },
      networkPolicy('shop', 'p', { podSelector: { matchLabels: { app: 'web' } } }),
      networkPolicy('shop', 'p', { podSelector: { matchLabels: { app: 'web' } } }),
      networkPolicy('elsewhere', 'q', { podSelector: {} }),
    ]);
    expect(ev.policies.map(p => `${p.namespace}/${p.name}`)).toEqual(['shop/p', 'shop/p', 'elsewhere/q']);
    expect(ev.diagnostics.map(d => `${d.severity} ${d.subject}`)).toEqual(['error NetworkPolicy shop/p', 'warning NetworkPolicy elsewhere/q']);
  });
});
