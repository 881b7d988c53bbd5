import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ServiceCatalog } from '../../src/model/catalog';
import { ServiceDescription } from '../../src/model/kplus';
import { PortProtocol, ServiceSpec } from '../../src/model/types';

/** A deployment like an app would write it (non-root image settings are irrelevant here). */
function deployment(scope: Construct, id: string, ports: kplus.ContainerPort[], props: Partial<kplus.DeploymentProps> = {}): kplus.Deployment {
  return new kplus.Deployment(scope, id, {
    containers: [{ image: `example/${id}:1`, ports, securityContext: { ensureNonRoot: false } }],
    ...props,
  });
}

describe('ServiceDescription.fromDeployment', () => {
  test('with a Service: its name, ports and target ports; the deployment selector and account', () => {
    const chart = Testing.chart();
    const account = new kplus.ServiceAccount(chart, 'checkout-sa', { metadata: { name: 'checkout' } });
    const checkout = deployment(chart, 'checkout', [{ number: 8080, name: 'http' }, { number: 9090, name: 'grpc' }], {
      metadata: { name: 'checkout', namespace: 'shop' },
      serviceAccount: account,
    });
    const service = new kplus.Service(chart, 'checkout-svc', {
      metadata: { name: 'checkout', namespace: 'shop' },
      selector: checkout,
      ports: [
        { name: 'http', port: 80, targetPort: 8080 },
        { name: 'grpc', port: 5050, targetPort: 9090 },
        { name: 'metrics', port: 9100 },
      ],
    });

    const spec = ServiceDescription.fromDeployment(checkout, {
      service,
      protocols: { http: PortProtocol.HTTP, grpc: PortProtocol.GRPC },
    });

    expect(spec).toEqual({
      name: 'checkout',
      namespace: 'shop',
      selector: checkout.matchLabels,
      serviceAccount: 'checkout',
      ports: [
        { name: 'http', port: 80, targetPort: 8080, protocol: 'http' },
        { name: 'grpc', port: 5050, targetPort: 9090, protocol: 'grpc' },
        { name: 'metrics', port: 9100, protocol: 'tcp' },
      ],
    });
    // The selector is what the deployment really selects its pods by.
    const manifest = Testing.synth(chart).find(o => o.kind === 'Deployment');
    expect(manifest.spec.selector.matchLabels).toEqual(spec.selector);
    expect(manifest.spec.template.metadata.labels).toMatchObject(spec.selector!);
  });

  test('without a Service: container ports, the deployment name and the default account', () => {
    const chart = Testing.chart();
    const web = deployment(chart, 'web', [{ number: 8080, name: 'http' }, { number: 5353, name: 'dns', protocol: kplus.Protocol.UDP }]);

    const spec = ServiceDescription.fromDeployment(web, { protocols: { http: PortProtocol.HTTP }, exposed: true });

    expect(spec.name).toBe(web.name);
    expect(spec.namespace).toBeUndefined();
    // kplus sets no serviceAccountName, so the pods run as the namespace's `default` account.
    expect(spec.serviceAccount).toBe('default');
    const podSpec = Testing.synth(chart).find(o => o.kind === 'Deployment').spec.template.spec;
    expect(podSpec.serviceAccountName).toBeUndefined();
    expect(spec.ports).toEqual([
      { name: 'http', port: 8080, protocol: 'http' },
      { name: 'dns', port: 5353, protocol: 'udp' },
    ]);
    expect(spec.exposed).toBe(true);
    expect(spec.clientOnly).toBeUndefined();
  });

  test('a workload without ports or Service is client-only', () => {
    const chart = Testing.chart();
    const loadgen = deployment(chart, 'loadgen', [], { metadata: { name: 'loadgen' } });
    const spec = ServiceDescription.fromDeployment(loadgen, { calls: [{ service: 'web' }] });
    expect(spec).toEqual({
      name: 'loadgen',
      selector: loadgen.matchLabels,
      serviceAccount: 'default',
      clientOnly: true,
      calls: [{ service: 'web' }],
    });
  });

  test('explicit options win over what the deployment says', () => {
    const chart = Testing.chart();
    const api = deployment(chart, 'api', [{ number: 8080 }], { metadata: { namespace: 'team-a' } });
    const spec = ServiceDescription.fromDeployment(api, {
      name: 'api',
      namespace: 'team-b',
      protocols: { 8080: PortProtocol.HTTP2 },
      routes: [{ name: 'all', http: { pathPrefix: '/' } }],
      versions: [{ name: 'v1', weight: 100 }],
      certificate: { extraDnsNames: ['api.example.com'] },
    });
    expect(spec).toMatchObject({
      name: 'api',
      namespace: 'team-b',
      ports: [{ port: 8080, protocol: 'http2' }],
      routes: [{ name: 'all' }],
      versions: [{ name: 'v1', weight: 100 }],
      certificate: { extraDnsNames: ['api.example.com'] },
    });
    expect(ServiceDescription.fromDeployment(api, { clientOnly: true })).toMatchObject({ clientOnly: true });
    expect(ServiceDescription.fromDeployment(api, { clientOnly: true }).ports).toBeUndefined();
  });

  test('refuses what the model cannot express, loudly', () => {
    const chart = Testing.chart();
    const web = deployment(chart, 'web', [{ number: 8080, name: 'http' }]);
    expect(() => ServiceDescription.fromDeployment(web, { protocols: { htp: PortProtocol.HTTP } }))
      .toThrow(/protocols given for unknown port "htp" \(ports: http\)/);
    const udp = deployment(chart, 'udp', [{ number: 53, name: 'dns', protocol: kplus.Protocol.UDP }]);
    expect(() => ServiceDescription.fromDeployment(udp, { protocols: { dns: PortProtocol.HTTP } })).toThrow(/UDP but protocols maps it to http/);
    const sctp = deployment(chart, 'sctp', [{ number: 3868, protocol: kplus.Protocol.SCTP }]);
    expect(() => ServiceDescription.fromDeployment(sctp)).toThrow(/SCTP/);
    const selectedByExpression = deployment(chart, 'expr', [{ number: 80 }]);
    selectedByExpression.select(kplus.LabelSelector.of({ expressions: [kplus.LabelExpression.in('tier', ['web'])] }));
    expect(() => ServiceDescription.fromDeployment(selectedByExpression)).toThrow(/matchExpressions/);
    const service = web.exposeViaService({ ports: [{ port: 80, targetPort: 8080 }] });
    expect(() => ServiceDescription.fromDeployment(web, { service, clientOnly: true })).toThrow(/clientOnly/);
    const otherNamespace = new kplus.Service(chart, 'elsewhere', { metadata: { namespace: 'other' }, ports: [{ port: 80 }] });
    expect(() => ServiceDescription.fromDeployment(web, { service: otherNamespace })).toThrow(/namespace "other"/);
  });

  test('derived specs validate as a catalog, with the calls between them resolved', () => {
    const chart = Testing.chart();
    const account = new kplus.ServiceAccount(chart, 'frontend-sa', { metadata: { name: 'frontend', namespace: 'shop' } });
    const frontend = deployment(chart, 'frontend', [{ number: 8080, name: 'http' }], {
      metadata: { name: 'frontend', namespace: 'shop' },
      serviceAccount: account,
    });
    const frontendService = frontend.exposeViaService({ name: 'frontend', ports: [{ name: 'http', port: 80, targetPort: 8080 }] });
    const catalogApi = deployment(chart, 'catalog', [{ number: 9090, name: 'grpc' }], { metadata: { name: 'catalog', namespace: 'shop' } });
    const loadgen = deployment(chart, 'loadgen', [], { metadata: { name: 'loadgen', namespace: 'shop' } });

    const services: ServiceSpec[] = [
      ServiceDescription.fromDeployment(frontend, {
        service: frontendService,
        protocols: { http: PortProtocol.HTTP },
        exposed: true,
        calls: [{ service: 'catalog', port: 'grpc' }],
      }),
      ServiceDescription.fromDeployment(catalogApi, {
        protocols: { grpc: PortProtocol.GRPC },
        routes: [{ name: 'list', grpc: { service: 'shop.Catalog', method: 'List' } }],
      }),
      ServiceDescription.fromDeployment(loadgen, { calls: [{ service: 'frontend' }] }),
    ];
    const catalog = ServiceCatalog.fromSpec({ namespace: 'shop', services });

    expect(catalog.serviceIds).toEqual(['shop/catalog', 'shop/frontend', 'shop/loadgen']);
    const resolvedFrontend = catalog._resolved.service('shop/frontend');
    expect(resolvedFrontend.serviceAccount).toBe('frontend');
    expect(resolvedFrontend.selector).toEqual(frontend.matchLabels);
    expect(resolvedFrontend.ports).toMatchObject([{ name: 'http', port: 80, targetPort: 8080, protocol: 'http' }]);
    expect(catalog._resolved.service('shop/catalog').serviceAccount).toBe('default');
    expect(catalog._resolved.service('shop/catalog').inbound.map(i => i.fromId)).toEqual(['shop/frontend']);
    expect(catalog._resolved.service('shop/loadgen').clientOnly).toBe(true);
  });
});
