import { Testing } from 'cdk8s';
import { NamespaceLayer } from '../../src/layers/namespaces';
import { ServiceCatalog } from '../../src/model/catalog';
import { validateWithModels } from '../support/validate-models';

describe('NamespaceLayer', () => {
  const catalog = ServiceCatalog.fromSpec({
    namespaces: [{ name: 'shop', labels: { team: 'web' } }, { name: 'legacy', owned: false }],
    services: [{ name: 'a', namespace: 'shop', ports: [{ port: 80 }] }, { name: 'b', namespace: 'legacy', ports: [{ port: 80 }] }],
  });

  test('one Namespace per owned namespace, with catalog labels and the phase additions', () => {
    const chart = Testing.chart();
    const layer = new NamespaceLayer(chart, 'ns', { catalog, labels: { 'istio-injection': 'enabled' }, annotations: { 'linkerd.io/inject': 'enabled' } });
    const objects = Testing.synth(chart);
    expect(objects).toEqual([{
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: 'shop',
        labels: { 'app.kubernetes.io/managed-by': 'cdk8s-mesh-ladder', 'team': 'web', 'istio-injection': 'enabled' },
        annotations: { 'linkerd.io/inject': 'enabled' },
      },
    }]);
    expect(validateWithModels(objects)).toEqual([]);
    expect(layer.namespace('shop')).toBeDefined();
    expect(layer.namespace('legacy')).toBeUndefined();
  });

  test('no annotations key when there are none', () => {
    const chart = Testing.chart();
    new NamespaceLayer(chart, 'ns', { catalog });
    expect(Testing.synth(chart)[0].metadata.annotations).toBeUndefined();
  });
});
