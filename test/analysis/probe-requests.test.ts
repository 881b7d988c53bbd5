/**
 * Kubelet probes declared in the catalog (`services[].probes`) are part of the proof: the
 * request probes include them, and a phase that opens them to every client the L4 layer
 * admits (Linkerd authorizes probe routes by network, linkerd2 policy-controller's probe
 * routes and `probeNetworks`) has them counted as tolerated, never as unexpected. A path
 * that is not a declared probe stays unexpected.
 */
import { checkPhaseReachability } from '../../src/analysis/phases';
import { formatRequestFlow } from '../../src/analysis/requests';
import { MeshLadderChart } from '../../src/chart';
import { ServiceCatalog } from '../../src/model/catalog';
import { Phase } from '../../src/model/phase';
import { CatalogSpec, HttpMethod, PortProtocol } from '../../src/model/types';

const spec: CatalogSpec = {
  namespace: 'shop',
  services: [
    { name: 'web', ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: PortProtocol.HTTP }], calls: [{ service: 'api', routes: ['get-item'] }] },
    {
      name: 'api',
      ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: PortProtocol.HTTP }],
      routes: [{ name: 'get-item', http: { method: HttpMethod.GET, pathPrefix: '/items' } }],
      probes: { httpPaths: ['/healthz'] },
    },
  ],
};

const probeFlow = 'shop/web -> shop/api 8080/TCP GET /healthz';

test('linkerd: the probe path is authorized from every network, probed, allowed to the route-limited caller, and tolerated', () => {
  const catalog = ServiceCatalog.fromSpec(spec);
  const report = checkPhaseReachability(catalog._resolved, Phase.LINKERD, MeshLadderChart.manifests(catalog, Phase.LINKERD));
  const requests = report.requests!;
  expect(requests.probed.map(formatRequestFlow)).toContain(probeFlow);
  expect(requests.allowed.map(formatRequestFlow)).toContain(probeFlow);
  expect(requests.declared.map(formatRequestFlow)).not.toContain(probeFlow);
  expect(requests.unexpected).toEqual([]);
  expect(report.ok).toBe(true);
});

test('linkerd: the proof reads the emitted probe routes, not the catalog: an option that changes the path changes the verdicts', () => {
  const catalog = ServiceCatalog.fromSpec(spec);
  const manifests = MeshLadderChart.manifests(catalog, Phase.LINKERD, { linkerd: { probes: { servicePaths: { 'shop/api': ['/admin'] } } } });
  // /healthz is no longer authorized for the route-limited caller (only /admin is).
  expect(checkPhaseReachability(catalog._resolved, Phase.LINKERD, manifests).requests!.allowed.map(formatRequestFlow)).not.toContain(probeFlow);
  // A catalog that declares /admin probes it, sees it allowed, and tolerates it.
  const declaresAdmin = ServiceCatalog.fromSpec({ ...spec, services: spec.services.map(s => (s.name === 'api' ? { ...s, probes: { httpPaths: ['/admin'] } } : s)) });
  const report = checkPhaseReachability(declaresAdmin._resolved, Phase.LINKERD, manifests);
  expect(report.requests!.allowed.map(formatRequestFlow)).toContain('shop/web -> shop/api 8080/TCP GET /admin');
  expect(report.requests!.unexpected).toEqual([]);
});

test('cilium: a route-limited caller cannot send the probe path (Cilium L7 rules list the routes only)', () => {
  const catalog = ServiceCatalog.fromSpec(spec);
  const report = checkPhaseReachability(catalog._resolved, Phase.CILIUM, MeshLadderChart.manifests(catalog, Phase.CILIUM));
  expect(report.requests!.probed.map(formatRequestFlow)).toContain(probeFlow);
  expect(report.requests!.allowed.map(formatRequestFlow)).not.toContain(probeFlow);
  expect(report.ok).toBe(true);
});
