import { formatFlow } from '../../src/analysis/flows';
import { checkNetworkPolicyReachability, ReachabilityReport } from '../../src/analysis/reachability';
import { ServiceCatalog } from '../../src/model/catalog';
import { CatalogSpec } from '../../src/model/types';
import { issueExample } from '../support/fixtures';
import { findPolicy, Manifest, networkPolicy, synthBaseline, withoutRule } from '../support/synth';

const catalog = ServiceCatalog.fromSpec(issueExample);
const baseline = synthBaseline(catalog);

function check(manifests: Manifest[], spec: ServiceCatalog = catalog, options = {}): ReachabilityReport {
  return checkNetworkPolicyReachability(spec._resolved, manifests, options);
}

const flows = (list: ReadonlyArray<Parameters<typeof formatFlow>[0]>) => list.map(formatFlow);

/** Index of the rule whose single peer selects pods with `app: <app>`. */
function ruleIndex(policy: Manifest, direction: 'ingress' | 'egress', app: string): number {
  const field = direction === 'ingress' ? 'from' : 'to';
  const index = policy.spec[direction].findIndex((r: Manifest) => r[field]?.[0]?.podSelector?.matchLabels?.app === app);
  expect(index).toBeGreaterThanOrEqual(0);
  return index;
}

/** A deep copy with `edit` applied to one policy. */
function editPolicy(manifests: Manifest[], namespace: string, name: string, edit: (policy: Manifest) => void): Manifest[] {
  const copy: Manifest[] = JSON.parse(JSON.stringify(manifests));
  edit(findPolicy(copy, namespace, name));
  return copy;
}

describe('baseline output of the issue example', () => {
  const report = check(baseline);

  test('allows exactly the declared flows, plus tolerated DNS of other pods', () => {
    expect(report.diagnostics).toEqual([]);
    expect(report.missing).toEqual([]);
    expect(report.unexpected).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.evaluator).toBe('NetworkPolicy');
    expect(flows(report.tolerated)).toEqual([
      'payments/(other pod) -> kube-system/dns 53/TCP',
      'payments/(other pod) -> kube-system/dns 53/UDP',
      'shop/(other pod) -> kube-system/dns 53/TCP',
      'shop/(other pod) -> kube-system/dns 53/UDP',
    ]);
    const sources = report.allowed.map(f => report.endpoints.indexOf(f.from));
    expect(sources).toEqual([...sources].sort((a, b) => a - b));
    expect(report.allowed).toHaveLength(report.declared.length + report.tolerated.length);
  });

  test('is deterministic', () => {
    expect(check(baseline)).toEqual(report);
  });

  test('external and foreign sources reach nothing in the catalog namespaces', () => {
    const foreign = report.allowed.filter(f => ['world', 'world6', '(other namespace)'].includes(f.from) || f.from.startsWith('(other namespace) like'));
    expect(foreign).toEqual([]);
  });
});

describe('mutations are caught', () => {
  test('a dropped egress rule: the call goes missing', () => {
    const frontend = findPolicy(baseline, 'shop', 'frontend');
    const report = check(withoutRule(baseline, 'shop', 'frontend', 'egress', ruleIndex(frontend, 'egress', 'checkout')));
    expect(flows(report.missing)).toEqual(['shop/frontend -> shop/checkout 5050/TCP']);
    expect(report.unexpected).toEqual([]);
    expect(report.ok).toBe(false);
  });

  test('a dropped ingress rule on the callee (other namespace): the call goes missing', () => {
    const charge = findPolicy(baseline, 'payments', 'charge');
    const report = check(withoutRule(baseline, 'payments', 'charge', 'ingress', ruleIndex(charge, 'ingress', 'checkout')));
    expect(flows(report.missing)).toEqual(['shop/checkout -> payments/charge 8080/TCP']);
  });

  test('a dropped ipBlock rule: the external call goes missing', () => {
    const checkout = findPolicy(baseline, 'shop', 'checkout');
    const index = checkout.spec.egress.findIndex((r: Manifest) => r.to[0].ipBlock?.cidr === '10.20.0.0/16');
    const report = check(withoutRule(baseline, 'shop', 'checkout', 'egress', index));
    expect(flows(report.missing)).toEqual(['shop/checkout -> cidr:10.20.0.0/16 5432/TCP']);
  });

  test('a dropped DNS allow: every workload of the namespace loses DNS', () => {
    const report = check(baseline.filter(m => !(m.kind === 'NetworkPolicy' && m.metadata.namespace === 'shop' && m.metadata.name === 'allow-dns')));
    expect(flows(report.missing)).toEqual(['catalog@v1', 'catalog@v2', 'checkout', 'frontend', 'loadgen']
      .flatMap(w => [`shop/${w} -> kube-system/dns 53/TCP`, `shop/${w} -> kube-system/dns 53/UDP`]));
    expect(report.tolerated.filter(f => f.from === 'shop/(other pod)')).toEqual([]);
  });

  test('the Service port instead of the pod port: missing on 8080, unexpected on 80 where egress lets it through', () => {
    const mutated = editPolicy(baseline, 'shop', 'frontend', p => {
      for (const rule of p.spec.ingress) {
        rule.ports = [{ protocol: 'TCP', port: 80 }];
      }
    });
    const report = check(mutated);
    expect(flows(report.missing)).toEqual(['shop/loadgen -> shop/frontend 8080/TCP', 'ingress-nginx/ingress-controller -> shop/frontend 8080/TCP']);
    // loadgen's own egress allows 8080 only; the ingress controller is not isolated.
    expect(flows(report.unexpected)).toEqual(['ingress-nginx/ingress-controller -> shop/frontend 80/TCP']);
  });

  test('a peer that matches any namespace admits the look-alike', () => {
    const mutated = editPolicy(baseline, 'payments', 'charge', p => {
      p.spec.ingress[0].from[0].namespaceSelector = {};
    });
    expect(flows(check(mutated).unexpected)).toEqual(['(other namespace) like shop/checkout -> payments/charge 8080/TCP']);
  });

  test('an allow-all ingress policy: everything that can leave its source gets in', () => {
    const report = check([...baseline, networkPolicy('shop', 'allow-all', { podSelector: {}, ingress: [{}] })]);
    expect(report.missing).toEqual([]);
    expect(report.ok).toBe(false);
    expect(report.unexpected.every(f => f.to.startsWith('shop/'))).toBe(true);
    const unexpected = flows(report.unexpected);
    expect(unexpected).toContain('world -> shop/frontend 65000/UDP');
    expect(unexpected).toContain('(other namespace) like shop/loadgen -> shop/checkout 5050/TCP');
    expect(unexpected).toContain('ingress-nginx/(other pod) -> shop/(other pod) 8080/TCP');
    // Sources in owned namespaces are still held back by their egress.
    expect(report.unexpected.some(f => f.from.startsWith('shop/') || f.from.startsWith('payments/'))).toBe(false);
  });

  test('an allow-all egress policy: the world and every unisolated pod become reachable', () => {
    const report = check([...baseline, networkPolicy('payments', 'allow-all', { podSelector: {}, policyTypes: ['Egress'], egress: [{}] })]);
    const unexpected = flows(report.unexpected);
    expect(unexpected).toContain('payments/charge -> world 443/TCP');
    expect(unexpected).toContain('payments/(other pod) -> world6 65000/UDP');
    expect(unexpected).toContain('payments/charge -> host:api.stripe.com 443/TCP');
    expect(unexpected).toContain('payments/charge -> ingress-nginx/(other pod) 53/UDP');
    expect(report.unexpected.every(f => f.from.startsWith('payments/'))).toBe(true);
  });

  test('an invalid policy fails the check even when flows look right', () => {
    const report = check([...baseline, networkPolicy('shop', 'broken', { podSelector: {}, ingress: [{ from: [{}] }] })]);
    expect(report.missing).toEqual([]);
    expect(report.unexpected).toEqual([]);
    expect(report.diagnostics.map(d => d.severity)).toEqual(['error']);
    expect(report.ok).toBe(false);
  });
});

describe('namespaces the catalog does not own', () => {
  const spec: CatalogSpec = { ...issueExample, namespaces: [{ name: 'payments', owned: false }] };
  const unowned = ServiceCatalog.fromSpec(spec);
  const manifests = synthBaseline(unowned);

  test('their unisolated pods are reported unexpected by default', () => {
    const report = check(manifests, unowned);
    expect(report.missing).toEqual([]);
    expect(report.unexpected.length).toBeGreaterThan(0);
    expect(report.unexpected.every(f => f.from === 'payments/(other pod)' || f.to === 'payments/(other pod)')).toBe(true);
    expect(flows(report.unexpected)).toContain('payments/(other pod) -> world 443/TCP');
    expect(flows(report.unexpected)).toContain('world -> payments/(other pod) 8080/TCP');
  });

  test('ignoreUnisolatedSources tolerates them, but never flows touching a workload', () => {
    const report = check(manifests, unowned, { ignoreUnisolatedSources: true });
    expect(report.ok).toBe(true);
    expect(flows(report.tolerated)).toContain('payments/(other pod) -> world 443/TCP');
    // The workload's own policy isolates it: a hole there still counts.
    const holed = check([...manifests, networkPolicy('payments', 'open', { podSelector: { matchLabels: { app: 'charge' } }, ingress: [{}] })], unowned,
      { ignoreUnisolatedSources: true });
    expect(flows(holed.unexpected)).toContain('world -> payments/charge 8080/TCP');
    expect(flows(holed.unexpected)).toContain('payments/(other pod) -> payments/charge 8080/TCP');
  });
});

describe('host calls', () => {
  const spec = ServiceCatalog.fromSpec({ namespace: 'shop', services: [{ name: 'job', clientOnly: true, calls: [{ host: 'api.example.com', port: 443 }] }] });
  const dns = {
    to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
    ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
  };

  test('without ranges NetworkPolicy cannot allow the name: reported missing, never dropped', () => {
    const report = check([networkPolicy('shop', 'job', { podSelector: {}, policyTypes: ['Ingress', 'Egress'], egress: [dns] })], spec);
    expect(flows(report.missing)).toEqual(['shop/job -> host:api.example.com 443/TCP']);
  });

  test('an allow-all egress reaches the name, and the whole world with it', () => {
    const report = check([
      networkPolicy('shop', 'deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'], egress: [dns] }),
      networkPolicy('shop', 'job', { podSelector: { matchLabels: { app: 'job' } }, policyTypes: ['Egress'], egress: [{ ports: [{ port: 443 }] }] }),
    ], spec);
    expect(report.missing).toEqual([]);
    expect(report.unexpected.every(f => f.from === 'shop/job' && f.port === 443 && f.protocol === 'TCP')).toBe(true);
    expect(report.unexpected.map(f => f.to)).toEqual(['ingress-nginx/ingress-controller', 'kube-system/dns', 'ingress-nginx/(other pod)',
      'kube-system/(other pod)', '(other namespace)', '(other namespace) like shop/job', '(other namespace) like ingress-nginx/ingress-controller',
      '(other namespace) like kube-system/dns', 'world', 'world6']);
  });
});

// The model refuses the ingress controller in an OWNED namespace; a namespace the
// platform team does not own can still host it, and policies written by hand there
// must still be judged correctly.
describe('cluster components inside a service namespace', () => {
  const spec = ServiceCatalog.fromSpec({
    namespace: 'shop',
    namespaces: [{ name: 'shop', owned: false }],
    ingressController: { namespace: 'shop', selector: { app: 'ingress' } },
    services: [{ name: 'web', ports: [{ port: 80, targetPort: 8080 }], exposed: true }],
  });
  const denyAll = networkPolicy('shop', 'default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  const webIngress = networkPolicy('shop', 'web', {
    podSelector: { matchLabels: { app: 'web' } },
    ingress: [{ from: [{ podSelector: { matchLabels: { app: 'ingress' } } }], ports: [{ port: 8080 }] }],
  });

  test('default deny also cuts off the ingress controller: exposure goes missing without its egress allow', () => {
    const report = check([denyAll, webIngress], spec);
    expect(flows(report.missing)).toContain('shop/ingress-controller -> shop/web 8080/TCP');
  });

  test('with its egress allowed, exposure works, and its DNS counts as tolerated', () => {
    const controllerEgress = networkPolicy('shop', 'ingress', {
      podSelector: { matchLabels: { app: 'ingress' } },
      egress: [{ to: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ port: 8080 }] }, {
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
        ports: [{ port: 53, protocol: 'UDP' }],
      }],
    });
    const report = check([denyAll, webIngress, controllerEgress], spec);
    expect(flows(report.missing)).toEqual(['shop/web -> kube-system/dns 53/TCP', 'shop/web -> kube-system/dns 53/UDP']);
    expect(report.unexpected).toEqual([]);
    expect(flows(report.tolerated)).toEqual(['shop/ingress-controller -> kube-system/dns 53/UDP']);
  });
});
