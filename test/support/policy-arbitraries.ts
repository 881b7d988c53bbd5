/**
 * Random NetworkPolicies and Cilium policies over the names of a catalog (its services,
 * namespaces, versions, and names nothing carries), for differential tests of the
 * reachability engine: selectors with every operator, namespace selectors, ipBlocks with
 * except, entities, CIDRs, FQDNs, deny rules, L7 rules, named and ranged ports.
 */
import * as fc from 'fast-check';
import { CatalogSpec } from '../../src/model/types';

/** Label keys and values the universe's pods and namespaces carry (and some they do not). */
export function vocabulary(spec: CatalogSpec): { keys: string[]; values: string[]; namespaces: string[] } {
  const namespaces = [...new Set([spec.namespace ?? 'default', ...spec.services.map(s => s.namespace ?? spec.namespace ?? 'default'), 'kube-system', 'ingress-nginx'])];
  const values = [...new Set([...spec.services.map(s => s.name), ...namespaces, 'v1', 'v2', 'kube-dns', 'nope'])];
  return { keys: ['app', 'version', 'kubernetes.io/metadata.name', 'k8s-app', 'team'], values, namespaces };
}

export function labelSelectorArb(keys: string[], values: string[]): fc.Arbitrary<Record<string, unknown>> {
  const requirement = fc.oneof(
    fc.record({ key: fc.constantFrom(...keys), operator: fc.constantFrom('In', 'NotIn'), values: fc.subarray(values, { minLength: 1, maxLength: 3 }) }),
    fc.record({ key: fc.constantFrom(...keys), operator: fc.constantFrom('Exists', 'DoesNotExist') }),
  );
  return fc.oneof(
    fc.constant({}),
    fc.dictionary(fc.constantFrom(...keys), fc.constantFrom(...values), { minKeys: 1, maxKeys: 2 }).map(matchLabels => ({ matchLabels })),
    fc.array(requirement, { minLength: 1, maxLength: 2 }).map(matchExpressions => ({ matchExpressions })),
  );
}

const CIDRS = ['0.0.0.0/0', '10.0.0.0/8', '10.20.0.0/16', '198.51.100.0/24', '203.0.113.0/24', '192.0.2.0/24', '::/0'];
const PORTS = [53, 80, 443, 5432, 8080, 9090, 65000];
const PORT_NAMES = ['http', 'grpc', 'metrics', 'dns', 'web'];

export function networkPolicyArb(spec: CatalogSpec): fc.Arbitrary<Record<string, unknown>> {
  const { keys, values, namespaces } = vocabulary(spec);
  const selector = labelSelectorArb(keys, values);
  const peer = fc.oneof(
    fc.record({ podSelector: selector }),
    fc.record({ namespaceSelector: selector }),
    fc.record({ podSelector: selector, namespaceSelector: selector }),
    fc.record({ ipBlock: fc.constantFrom({ cidr: '0.0.0.0/0' }, { cidr: '10.0.0.0/8', except: ['10.20.0.0/16'] }, { cidr: '203.0.113.0/24' }, { cidr: '198.51.100.0/24' }) }),
  );
  const port = fc.oneof(
    fc.record({ protocol: fc.constantFrom('TCP', 'UDP'), port: fc.constantFrom(...PORTS) }),
    fc.record({ protocol: fc.constantFrom('TCP', 'UDP'), port: fc.constantFrom(...PORT_NAMES) }),
    fc.record({ port: fc.constant(5000), endPort: fc.constant(9100) }),
    fc.record({ protocol: fc.constantFrom('TCP', 'UDP') }),
  );
  const rule = (field: 'from' | 'to') => fc.record({ [field]: fc.array(peer, { maxLength: 2 }), ports: fc.array(port, { maxLength: 2 }) }, { requiredKeys: [] });
  return fc.record({
    namespace: fc.constantFrom(...namespaces),
    podSelector: selector,
    policyTypes: fc.option(fc.subarray(['Ingress', 'Egress'], { minLength: 1 }), { nil: undefined }),
    ingress: fc.array(rule('from'), { maxLength: 2 }),
    egress: fc.array(rule('to'), { maxLength: 2 }),
  }).map(({ namespace, ...rest }) => ({ namespace, spec: Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) }))
    .map(({ namespace, spec: body }) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'rnd', namespace }, spec: body }));
}

export function ciliumPolicyArb(spec: CatalogSpec): fc.Arbitrary<Record<string, unknown>> {
  const { values, namespaces } = vocabulary(spec);
  const keys = ['app', 'k8s:app', 'any:version', 'io.kubernetes.pod.namespace', 'k8s:io.kubernetes.pod.namespace',
    'io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name', 'k8s-app', 'io.cilium.k8s.policy.serviceaccount'];
  const selector = fc.oneof(labelSelectorArb(keys, values), fc.constant({ matchLabels: { 'reserved:world': '' } }));
  // L7 rules: HTTP in allow rules, DNS in egress allow rules only; deny rules take neither (nor toFQDNs).
  type Kind = 'ingress' | 'egress' | 'deny';
  const l7 = (kind: Kind) => (kind === 'deny' ? [undefined]
    : [undefined, { http: [{ method: 'GET', path: '/api/.*' }] }, { http: [{}] }, ...(kind === 'egress' ? [{ dns: [{ matchPattern: '*' }] }] : [])]);
  const toPorts = (kind: Kind) => fc.array(fc.record({
    ports: fc.array(fc.record({ port: fc.constantFrom(...PORTS.map(String), ...PORT_NAMES, '0'), protocol: fc.constantFrom('TCP', 'UDP', 'ANY') }), { minLength: 1, maxLength: 2 }),
    rules: fc.constantFrom(...l7(kind)),
  }).map(r => (r.rules === undefined ? { ports: r.ports } : r)), { minLength: 1, maxLength: 2 });
  const peerRule = (dir: 'from' | 'to', kind: Kind): fc.Arbitrary<Record<string, unknown>> => {
    const peers: Record<string, fc.Arbitrary<unknown>> = {
      [`${dir}Endpoints`]: fc.array(selector, { minLength: 1, maxLength: 2 }),
      [`${dir}Entities`]: fc.subarray(['world', 'cluster', 'all', 'kube-apiserver', 'host'], { minLength: 1, maxLength: 2 }),
      [`${dir}CIDR`]: fc.subarray(CIDRS, { minLength: 1, maxLength: 2 }),
      [`${dir}CIDRSet`]: fc.constant([{ cidr: '10.0.0.0/8', except: ['10.20.0.0/16'] }]),
      ...(kind === 'egress' ? { toFQDNs: fc.constantFrom([{ matchPattern: '*' }], [{ matchName: 'api.example.com' }], [{ matchPattern: '*.example' }]) } : {}),
    };
    // One peer kind (the parser refuses some combinations), ports only (every peer), or `{}` (nothing).
    const onePeer = fc.constantFrom(...Object.keys(peers))
      .chain(field => fc.record({ [field]: peers[field], toPorts: toPorts(kind) }, { requiredKeys: [field] }));
    const portsOnly = fc.record({ toPorts: toPorts(kind) });
    return fc.oneof({ arbitrary: onePeer, weight: 4 }, { arbitrary: portsOnly, weight: 1 }, { arbitrary: fc.constant({}), weight: 1 });
  };
  return fc.record({
    clusterwide: fc.boolean(),
    namespace: fc.constantFrom(...namespaces),
    endpointSelector: selector,
    ingress: fc.option(fc.array(peerRule('from', 'ingress'), { maxLength: 2 }), { nil: undefined }),
    egress: fc.option(fc.array(peerRule('to', 'egress'), { maxLength: 2 }), { nil: undefined }),
    ingressDeny: fc.option(fc.array(peerRule('from', 'deny'), { maxLength: 1 }), { nil: undefined, freq: 4 }),
    egressDeny: fc.option(fc.array(peerRule('to', 'deny'), { maxLength: 1 }), { nil: undefined, freq: 4 }),
    enableDefaultDeny: fc.option(fc.record({ ingress: fc.boolean(), egress: fc.boolean() }), { nil: undefined, freq: 4 }),
  }).map(({ clusterwide, namespace, ...rest }) => ({
    apiVersion: 'cilium.io/v2',
    kind: clusterwide ? 'CiliumClusterwideNetworkPolicy' : 'CiliumNetworkPolicy',
    metadata: clusterwide ? { name: `rnd-${namespace}` } : { name: 'rnd', namespace },
    spec: Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)),
  }));
}

/** Policies named apart (a duplicate name is an error the two engines report alike, but hides the rest). */
export function named(objects: Array<Record<string, any>>): Array<Record<string, any>> {
  return objects.map((o, i) => ({ ...o, metadata: { ...o.metadata, name: `${o.metadata.name}-${i}` } }));
}
