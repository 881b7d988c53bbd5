import { App } from 'cdk8s';
import { find, ofKind, synthLinkerd } from './support';
import { MeshLadderChart } from '../../../src/chart';
import { PhaseCapabilityError } from '../../../src/emit/common';
import { ServiceCatalog } from '../../../src/model/catalog';
import { Phase } from '../../../src/model/phase';
import { CatalogSpec, L4Layer, LinkerdDefaultInboundPolicy, MeshMode, PortProtocol } from '../../../src/model/types';
import { LinkerdPhase } from '../../../src/phases/linkerd';
import { validateWithCrdSchemas } from '../../support/crd-schemas';
import { issueExample } from '../../support/fixtures';
import { validateWithModels } from '../../support/validate-models';

describe('namespaces', () => {
  test('owned namespaces: injection enabled and the default inbound policy of the mode', () => {
    const { manifests } = synthLinkerd(issueExample);
    expect(ofKind(manifests, 'Namespace').map(n => n.metadata.name)).toEqual(['payments', 'shop']);
    expect(find(manifests, 'Namespace', undefined, 'shop').metadata.annotations).toEqual({
      'linkerd.io/inject': 'enabled',
      'config.linkerd.io/default-inbound-policy': 'all-authenticated',
    });
    const permissive = synthLinkerd(issueExample, { mode: MeshMode.PERMISSIVE }).manifests;
    expect(find(permissive, 'Namespace', undefined, 'shop').metadata.annotations['config.linkerd.io/default-inbound-policy']).toBe('all-unauthenticated');
  });

  test('the catalog mode is the default; the policy can be overridden; namespaces can be left out', () => {
    const spec: CatalogSpec = { ...issueExample, linkerd: { mode: MeshMode.PERMISSIVE } };
    expect(synthLinkerd(spec).phase.mode).toBe(MeshMode.PERMISSIVE);
    const deny = synthLinkerd(issueExample, { defaultInboundPolicy: LinkerdDefaultInboundPolicy.DENY }).manifests;
    expect(find(deny, 'Namespace', undefined, 'payments').metadata.annotations['config.linkerd.io/default-inbound-policy']).toBe('deny');
    expect(ofKind(synthLinkerd(issueExample, { namespaces: false }).manifests, 'Namespace')).toEqual([]);
  });

  test('unowned namespaces: no Namespace object; the pod template annotations to add are returned and warned about', () => {
    const spec: CatalogSpec = { ...issueExample, namespaces: [{ name: 'payments', owned: false }] };
    const { manifests, phase } = synthLinkerd(spec);
    expect(ofKind(manifests, 'Namespace').map(n => n.metadata.name)).toEqual(['shop']);
    expect(phase.podTemplateAnnotations('payments/charge')).toEqual({
      'linkerd.io/inject': 'enabled',
      'config.linkerd.io/default-inbound-policy': 'all-authenticated',
    });
    expect(phase.warnings).toContain('payments/charge: namespace payments is not owned, so nothing injects its pods; add to the pod template these annotations: '
      + 'config.linkerd.io/default-inbound-policy: all-authenticated, linkerd.io/inject: enabled');
    expect(() => phase.podTemplateAnnotations('shop/nope')).toThrow(/no service/);
  });
});

describe('the L4 layer', () => {
  test('CILIUM (default): L4-only Cilium policies that let meshed traffic reach 4143 and proxies reach the control plane', () => {
    const { manifests, phase } = synthLinkerd(issueExample);
    expect(phase.l4).toBe(L4Layer.CILIUM);
    expect(phase.ciliumPolicies).toBeDefined();
    expect(ofKind(manifests, 'NetworkPolicy')).toEqual([]);
    const charge = find(manifests, 'CiliumNetworkPolicy', 'payments', 'charge');
    expect(charge.spec.ingress[0].toPorts[0].ports).toEqual([{ port: '4143', protocol: 'TCP' }, { port: '8080', protocol: 'TCP' }]);
    expect(JSON.stringify(charge.spec)).not.toContain('"http"'); // no L7 rules: Linkerd decides requests
    const controlPlane = find(manifests, 'CiliumNetworkPolicy', 'shop', 'allow-mesh-control-plane');
    expect(controlPlane.spec.egress).toEqual([{
      toEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'linkerd' } }],
      toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }, { port: '8086', protocol: 'TCP' }, { port: '8090', protocol: 'TCP' }] }],
    }]);
  });

  test('NETWORK_POLICY: Kubernetes NetworkPolicies with the proxy port and the control plane', () => {
    const { manifests, phase } = synthLinkerd(issueExample, { l4: L4Layer.NETWORK_POLICY });
    expect(phase.networkPolicies).toBeDefined();
    expect(ofKind(manifests, 'CiliumNetworkPolicy')).toEqual([]);
    const charge = find(manifests, 'NetworkPolicy', 'payments', 'charge');
    expect(charge.spec.ingress[0].ports).toEqual([{ port: 4143, protocol: 'TCP' }, { port: 8080, protocol: 'TCP' }]);
    expect(find(manifests, 'NetworkPolicy', 'shop', 'allow-mesh-control-plane').spec.egress[0]).toEqual({
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'linkerd' } }, podSelector: {} }],
      ports: [{ port: 8080, protocol: 'TCP' }, { port: 8086, protocol: 'TCP' }, { port: 8090, protocol: 'TCP' }],
    });
  });

  test('the control-plane namespace comes from the catalog', () => {
    const { manifests } = synthLinkerd({ ...issueExample, linkerd: { controlPlaneNamespace: 'l5d', l4: L4Layer.NETWORK_POLICY } });
    expect(find(manifests, 'NetworkPolicy', 'shop', 'allow-mesh-control-plane').spec.egress[0].to[0].namespaceSelector.matchLabels).toEqual({ 'kubernetes.io/metadata.name': 'l5d' });
  });

  test('NONE: Linkerd alone; refused when a UDP port would be left unprotected', () => {
    const { manifests } = synthLinkerd(issueExample, { l4: L4Layer.NONE });
    expect(ofKind(manifests, 'NetworkPolicy').length + ofKind(manifests, 'CiliumNetworkPolicy').length).toBe(0);
    const udp: CatalogSpec = { namespace: 'shop', services: [{ name: 'dns', ports: [{ name: 'dns', port: 53, protocol: PortProtocol.UDP }] }] };
    expect(() => synthLinkerd(udp, { l4: L4Layer.NONE })).toThrow(PhaseCapabilityError);
    expect(() => synthLinkerd(udp, { l4: L4Layer.NONE })).toThrow(/shop\/dns port dns.*l4: cilium/);
    expect(() => synthLinkerd(udp)).not.toThrow();
  });

  test('meshDataPlane: what any L4 layer needs under Linkerd', () => {
    expect(LinkerdPhase.meshDataPlane('linkerd')).toEqual({ inboundProxyPorts: [4143], controlPlane: [{ namespace: 'linkerd', ports: [8080, 8086, 8090] }] });
  });
});

describe('the issue example', () => {
  const { manifests } = synthLinkerd(issueExample);

  test('emits the expected objects (snapshot), every one valid against its schema', () => {
    const kinds = manifests.map(m => `${m.apiVersion} ${m.kind}`);
    expect([...new Set(kinds)].sort()).toEqual([
      'cert-manager.io/v1 Certificate',
      'cert-manager.io/v1 ClusterIssuer',
      'cilium.io/v2 CiliumNetworkPolicy',
      'gateway.networking.k8s.io/v1 GRPCRoute',
      'gateway.networking.k8s.io/v1 HTTPRoute',
      'policy.linkerd.io/v1alpha1 AuthorizationPolicy',
      'policy.linkerd.io/v1alpha1 MeshTLSAuthentication',
      'policy.linkerd.io/v1beta3 HTTPRoute',
      'policy.linkerd.io/v1beta3 Server',
      'trust.cert-manager.io/v1alpha1 Bundle',
      'v1 Namespace',
      'v1 Service',
    ]);
    expect(manifests).toMatchSnapshot();
    const crd = validateWithCrdSchemas(manifests);
    expect(crd.problems).toEqual([]);
    if (crd.checked) {
      expect(crd.objects).toBe(manifests.length);
      // The schemas do bite: a misspelled field is rejected.
      const broken = JSON.parse(JSON.stringify(find(manifests, 'Server', 'shop', 'frontend-http')));
      broken.spec.proxyProtocl = broken.spec.proxyProtocol;
      delete broken.spec.port;
      expect(validateWithCrdSchemas([broken]).problems).not.toEqual([]);
    }
    expect(validateWithModels(manifests.filter(m => m.apiVersion === 'v1'))).toEqual([]);
  });

  test('the split, the retried route and the route-level authorization, field by field', () => {
    expect(find(manifests, 'HTTPRoute', 'shop', 'catalog-http-outbound', 'gateway.networking.k8s.io').spec.rules[0].backendRefs)
      .toEqual([{ name: 'catalog-v1', port: 80, weight: 90 }, { name: 'catalog-v2', port: 80, weight: 10 }]);
    expect(find(manifests, 'GRPCRoute', 'shop', 'checkout-grpc-get-order-outbound', 'gateway.networking.k8s.io').metadata.annotations).toMatchObject({
      'retry.linkerd.io/grpc': 'cancelled,unavailable',
      'retry.linkerd.io/limit': '3',
      'retry.linkerd.io/timeout': '500ms',
      'timeout.linkerd.io/request': '2s',
    });
    const placeOrder = find(manifests, 'GRPCRoute', 'shop', 'checkout-grpc-place-order-outbound', 'gateway.networking.k8s.io');
    expect(placeOrder.metadata.annotations).toBeUndefined();
    expect(find(manifests, 'MeshTLSAuthentication', 'shop', 'checkout-grpc-place-order').spec.identityRefs).toEqual([{ kind: 'ServiceAccount', name: 'frontend', namespace: 'shop' }]);
    expect(find(manifests, 'MeshTLSAuthentication', 'shop', 'frontend-http').spec.identityRefs).toEqual([
      { kind: 'ServiceAccount', name: 'ingress-nginx', namespace: 'ingress-nginx' },
      { kind: 'ServiceAccount', name: 'loadgen', namespace: 'shop' },
    ]);
  });

  test('every option combination validates against the schemas', () => {
    const variants = [
      synthLinkerd(issueExample, { mode: MeshMode.PERMISSIVE, probes: { paths: ['/healthz'], grpcHealth: true } }).manifests,
      synthLinkerd(issueExample, { l4: L4Layer.NETWORK_POLICY, ingress: { meshed: false, networks: ['10.0.0.0/8'] } }).manifests,
      synthLinkerd({ ...issueExample, services: issueExample.services.map(s => (s.name === 'frontend' ? { ...s, ports: s.ports!.map(p => ({ ...p, plaintext: true })) } : s)) }).manifests,
    ];
    for (const variant of variants) {
      expect(validateWithCrdSchemas(variant).problems).toEqual([]);
    }
  });

  test('deterministic: two syntheses are identical', () => {
    expect(synthLinkerd(issueExample).manifests).toEqual(manifests);
  });
});

test('MeshLadderChart builds the phase through the registry, with its options', () => {
  const catalog = ServiceCatalog.fromSpec(issueExample);
  const objects = MeshLadderChart.manifests(catalog, Phase.LINKERD, { linkerd: { l4: L4Layer.NETWORK_POLICY } });
  expect(objects.some(o => o.kind === 'Server' && o.metadata.labels['mesh-ladder.dev/phase'] === 'linkerd')).toBe(true);
  expect(objects.some(o => o.kind === 'NetworkPolicy')).toBe(true);
  const chart = new MeshLadderChart(new App(), 'l5d', { catalog, phase: Phase.LINKERD });
  expect(chart.backend).toBeInstanceOf(LinkerdPhase);
});
