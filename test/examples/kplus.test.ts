import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App } from 'cdk8s';
import * as YAML from 'yaml';
import { ShopChart, shopApp } from '../../examples/kplus/main';
import { MeshLadderChart, Phase, ServiceCatalog } from '../../src';

const EXAMPLE = path.join(__dirname, '..', '..', 'examples', 'kplus');
const SHOP_YAML = path.join(__dirname, '..', '..', 'examples', 'shop', 'catalog.yaml');

type K8s = Record<string, any>;

const key = (o: K8s) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** The chart's objects split into the mesh's (under the Mesh construct) and the app's own. */
function synthesize(phase: Phase): { chart: ShopChart; mesh: K8s[]; workloads: K8s[] } {
  const chart = new ShopChart(new App(), phase);
  const objects = chart.toJson();
  const meshKeys = new Set(chart.mesh.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject).map(o => key(o.toJson())));
  return { chart, mesh: objects.filter(o => meshKeys.has(key(o))), workloads: objects.filter(o => !meshKeys.has(key(o))) };
}

function matches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

describe('examples/kplus: the shop in cdk8s-plus, meshed in the same chart', () => {
  const yamlCatalog = ServiceCatalog.fromFile(SHOP_YAML);

  test('a cdk8s app of its own: cdk8s.yaml runs main.ts, one chart per phase named after it', () => {
    const config = YAML.parse(fs.readFileSync(path.join(EXAMPLE, 'cdk8s.yaml'), 'utf8'));
    expect(config.app).toMatch(/main\.ts$/);
    expect(shopApp(new App()).map(c => c.node.id)).toEqual(['baseline', 'cilium', 'linkerd', 'istio']);
  });

  test('no service, route or peer is referred to by a string', () => {
    // gRPC match fields (`grpc: { service: 'shop.Checkout' }`) name protobuf services, not mesh services.
    const source = fs.readFileSync(path.join(EXAMPLE, 'main.ts'), 'utf8').replace(/grpc: \{ service: '[^']*'/g, 'grpc: {');
    expect(source).toMatch(/\.calls\(catalog, \{ port: catalog\.port\(80\), routes: \[listProducts, getProduct\] \}\)/);
    // What the data API writes: `service: 'payments/charge'`, `routes: ['get-product']`, `peer: 'kube-apiserver'`.
    expect(source).not.toMatch(/\b(service|peer|routes|ports?)\s*:\s*\[?\s*['"`]/);
    expect(source).not.toMatch(/\.(calls|allowFrom|port)\(\s*['"`]/);
  });

  test("the mesh's settings and peers are the YAML catalog's, in the catalog's own types", () => {
    const { services: yamlServices, peers: yamlPeers, ...yamlSettings } = YAML.parse(fs.readFileSync(SHOP_YAML, 'utf8'));
    const { services, peers, ...settings } = new ShopChart(new App(), Phase.BASELINE).mesh.toCatalogSpec();
    expect(JSON.parse(JSON.stringify(settings))).toEqual(yamlSettings);
    const byName = (list: any[]) => [...list].sort((a, b) => a.name.localeCompare(b.name));
    // The built-in peers the YAML declares only to restate them (none here) aside, the same peers.
    expect(byName(JSON.parse(JSON.stringify(peers)))).toEqual(byName(yamlPeers));
    expect(services.map(s => `${s.namespace}/${s.name}`)).toEqual(yamlServices.map((s: any) => `${s.namespace ?? 'shop'}/${s.name}`));
  });

  test('app.synthYaml() (validation before collection, as `cdk8s synth`) includes every chart\'s mesh and patched pods', () => {
    const app = new App();
    shopApp(app);
    const docs = YAML.parseAllDocuments(app.synthYaml()).map(d => d.toJSON());
    expect(docs.filter(d => d.kind === 'Server').length).toBeGreaterThan(0);
    expect(docs.filter(d => d.kind === 'VirtualService').length).toBeGreaterThan(0);
    expect(docs.filter(d => d.kind === 'Deployment')).toHaveLength(4 * 17);
    expect(docs.filter(d => d.kind === 'Deployment' && d.spec.template.metadata.annotations?.['linkerd.io/inject'] === 'enabled')).toHaveLength(17);
  });

  test('written as YAML, the mesh is a catalog for the CLI, resolving to the YAML catalog\'s model', () => {
    const spec = new ShopChart(new App(), Phase.BASELINE).mesh.toCatalogSpec();
    const fromMesh = JSON.parse(JSON.stringify(ServiceCatalog.fromYaml(YAML.stringify(spec), 'mesh.yaml')._resolved));
    // The one difference: the Deployments show which pods have no HTTP probes at all
    // (`httpPaths: []`), which catalog.yaml leaves unknown.
    const noHttpProbes = fromMesh.services.filter((s: any) => s.probes.httpPaths?.length === 0).map((s: any) => s.id);
    expect(noHttpProbes.sort()).toEqual([
      'payments/fraud', 'shop/catalog-operator', 'shop/checkout', 'shop/inventory', 'shop/loadgen',
      'shop/recommendations', 'shop/recommendations-chaos', 'shop/shipping',
    ]);
    for (const service of fromMesh.services) {
      if (service.probes.httpPaths?.length === 0) {
        delete service.probes.httpPaths;
      }
    }
    expect(fromMesh).toEqual(JSON.parse(JSON.stringify(yamlCatalog._resolved)));
  });

  test('deterministic: two apps synthesize byte-identical charts', () => {
    const render = () => JSON.stringify(shopApp(new App()).map(c => c.toJson()));
    expect(render()).toEqual(render());
  });

  describe.each(Object.values(Phase))('%s', phase => {
    const { chart, mesh, workloads } = synthesize(phase);

    test("the mesh's objects are those of the YAML catalog, byte for byte, with the same warnings", () => {
      const expected = MeshLadderChart.synthesize(yamlCatalog, phase);
      expect(mesh.map(key).sort()).toEqual(expected.objects.map(key).sort());
      const byKey = new Map(mesh.map(o => [key(o), o]));
      for (const object of expected.objects) {
        expect(byKey.get(key(object))).toEqual(object);
      }
      expect(chart.mesh.warnings).toEqual(expected.warnings);
      expect(chart.mesh.notes).toEqual(expected.notes);
    });

    test('check on the whole chart (workloads included) is OK', () => {
      const result = chart.mesh.check();
      expect(result.problems).toEqual([]);
      expect(result.ok).toBe(true);
    });

    test("each service's selector picks exactly its Deployments' pods, and every policy selects some Deployment's pods", () => {
      const deployments = workloads.filter(o => o.kind === 'Deployment');
      const specs = chart.mesh.toCatalogSpec().services;
      for (const service of chart.mesh.services) {
        const spec = specs.find(s => s.name === service.serviceName && s.namespace === service.namespace)!;
        const selected = deployments
          .filter(d => d.metadata.namespace === service.namespace && matches(spec.selector!, d.spec.template.metadata.labels))
          .map(d => d.metadata.name);
        expect([...new Set(service.workloads.map(w => w.name))].sort()).toEqual(selected.sort());
      }
      // Policies of peers in owned namespaces select the peers' pods, which the example does not deploy.
      const peerSelectors = (chart.mesh.toCatalogSpec().peers ?? []).map(p => JSON.stringify(p.selector ?? {}));
      const podSelectors = mesh.flatMap(o => {
        const selector = o.spec?.podSelector ?? o.spec?.endpointSelector ?? o.spec?.selector ?? o.spec?.workloadSelector;
        const labels = o.kind === 'Service' ? o.spec.selector : selector?.matchLabels ?? selector?.labels;
        const own = labels && Object.keys(labels).length > 0 && !Object.keys(labels).some(k => k.startsWith('k8s:')) && !peerSelectors.includes(JSON.stringify(labels));
        return own && o.metadata.namespace ? [{ namespace: o.metadata.namespace, labels, of: key(o) }] : [];
      });
      expect(podSelectors.length).toBeGreaterThan(0);
      for (const s of podSelectors) {
        const hit = deployments.some(d => d.metadata.namespace === s.namespace && matches(s.labels, d.spec.template.metadata.labels));
        expect({ of: s.of, selectsADeployment: hit }).toEqual({ of: s.of, selectsADeployment: true });
      }
    });

    test('Deployments carry what the phase needs on their pods', () => {
      const templates = workloads.filter(o => o.kind === 'Deployment').map(d => d.spec.template.metadata);
      expect(templates).toHaveLength(17);
      for (const t of templates) {
        if (phase === Phase.LINKERD) {
          expect(t.annotations).toMatchObject({ 'linkerd.io/inject': 'enabled', 'config.linkerd.io/default-inbound-policy': 'all-authenticated' });
        } else if (phase === Phase.ISTIO) {
          expect(t.labels['sidecar.istio.io/inject']).toBe('true');
          expect(t.annotations).toEqual({ 'sidecar.istio.io/rewriteAppHTTPProbers': 'true' });
        } else {
          expect(t.annotations).toBeUndefined();
        }
      }
      if (phase === Phase.LINKERD) {
        const operator = workloads.find(o => o.kind === 'Deployment' && o.metadata.name === 'catalog-operator')!;
        // The webhook (TLS, pod port 9443) is opaque to the proxy, like its Server says.
        expect(operator.spec.template.metadata.annotations['config.linkerd.io/opaque-ports']).toBe('9443');
      }
    });
  });
});
