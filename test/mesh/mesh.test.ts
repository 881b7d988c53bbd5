import { App, Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { Call, HttpMethod, Mesh, MeshLadderChart, Peer, Phase, PortProtocol, ServiceCatalog } from '../../src';

type K8s = Record<string, any>;

/** A Deployment whose pods carry (and are selected by) `labels`, listening on `ports`. */
function deployment(scope: Construct, name: string, opts: {
  namespace?: string; labels?: Record<string, string>; ports?: kplus.ContainerPort[]; serviceAccount?: string; httpProbe?: string; replicas?: number;
} = {}): kplus.Deployment {
  const labels = opts.labels ?? { app: name };
  const port = opts.ports?.[0]?.number;
  const d = new kplus.Deployment(scope, `${name}-deployment`, {
    metadata: { name, namespace: opts.namespace },
    select: false,
    replicas: opts.replicas,
    podMetadata: { labels },
    serviceAccount: opts.serviceAccount ? new kplus.ServiceAccount(scope, `${name}-sa`, { metadata: { name: opts.serviceAccount, namespace: opts.namespace } }) : undefined,
    containers: [{
      image: name,
      ports: opts.ports,
      securityContext: { user: 1000 },
      readiness: opts.httpProbe ? kplus.Probe.fromHttpGet(opts.httpProbe, { port }) : undefined,
    }],
  });
  d.select(kplus.LabelSelector.of({ labels }));
  return d;
}

function objectsOf(objects: K8s[], kind: string): K8s[] {
  return objects.filter(o => o.kind === kind);
}

function podTemplate(objects: K8s[], name: string): K8s {
  const d = objects.find(o => o.kind === 'Deployment' && o.metadata.name === name);
  if (!d) {
    throw new Error(`no Deployment ${name}`);
  }
  return d.spec.template.metadata;
}

describe('Mesh: compiles to the catalog the YAML path uses', () => {
  test('handles become the same CatalogSpec a YAML author writes, and the same manifests', () => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'shop' });
    const mesh = new Mesh(chart, 'mesh', { phase: Phase.CILIUM, l7Fallback: undefined });
    const api = mesh.addService({ name: 'api', ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: PortProtocol.HTTP }] });
    const web = mesh.addService({ name: 'web', ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: PortProtocol.HTTP }] });
    const list = api.addRoute({ name: 'list', http: { method: HttpMethod.GET, pathPrefix: '/items' }, port: api.port(80), timeout: '1s' });
    web.calls(api, { port: api.port(80), routes: [list] });
    web.expose();
    api.allowFrom(Peer.namespace('backoffice', { serviceAccount: 'bo' }), { routes: [list] });
    web.addCall(Call.toHost('api.example.com', { ports: [443], protocol: PortProtocol.TLS }));

    const expected = {
      namespace: 'shop',
      peers: [{ name: 'backoffice', namespace: 'backoffice', serviceAccount: 'bo' }],
      services: [
        {
          name: 'api',
          namespace: 'shop',
          ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'http' }],
          routes: [{ name: 'list', http: { method: 'GET', pathPrefix: '/items' }, port: 'http', timeout: '1s' }],
          callers: [{ peer: 'backoffice', routes: ['list'] }],
        },
        {
          name: 'web',
          namespace: 'shop',
          ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'http' }],
          calls: [{ service: 'shop/api', routes: ['list'], port: 'http' }, { host: 'api.example.com', protocol: 'tls', port: 443 }],
          exposed: true,
        },
      ],
    };
    expect(JSON.parse(JSON.stringify(mesh.toCatalogSpec()))).toEqual(expected);
    // The chart's namespace is not forced on the mesh's objects (cluster-scoped ones have none).
    expect(Testing.synth(chart)).toEqual(MeshLadderChart.manifests(ServiceCatalog.fromSpec(expected as any), Phase.CILIUM));
  });
});

describe('Mesh.addWorkload: read from cdk8s-plus objects', () => {
  test('name, namespace, selector, service account, ports, probes and replicas come from the Deployment and its Service', () => {
    const chart = new Chart(Testing.app(), 'c');
    const mesh = new Mesh(chart, 'mesh', { phase: Phase.BASELINE });
    const d = deployment(chart, 'orders', {
      namespace: 'sales',
      labels: { app: 'orders', tier: 'api' },
      ports: [{ number: 8080, name: 'http' }, { number: 9090, name: 'grpc-admin' }],
      serviceAccount: 'orders-sa',
      httpProbe: '/ready',
      replicas: 3,
    });
    const service = new kplus.Service(chart, 'orders-svc', {
      metadata: { name: 'orders-api', namespace: 'sales' },
      selector: d,
      ports: [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'grpc-admin', port: 9090 }, { port: 5000 }, { name: 'dns', port: 53, protocol: kplus.Protocol.UDP }],
    });
    const orders = mesh.addWorkload(d, { service, ports: [{ port: 5000, protocol: PortProtocol.TLS, plaintext: true }] });
    expect(orders.serviceId).toBe('sales/orders-api');
    expect(mesh.toCatalogSpec().services).toEqual([{
      name: 'orders-api',
      namespace: 'sales',
      // What the Service selects: cdk8s-plus selects a workload's pods by their address label.
      selector: { 'cdk8s.io/metadata.addr': d.podMetadata.getLabel('cdk8s.io/metadata.addr') },
      serviceAccount: 'orders-sa',
      ports: [
        { name: 'http', port: 80, targetPort: 8080, protocol: PortProtocol.HTTP },
        { name: 'grpc-admin', port: 9090, protocol: PortProtocol.GRPC },
        { port: 5000, protocol: PortProtocol.TLS, plaintext: true },
        { name: 'dns', port: 53, protocol: PortProtocol.UDP },
      ],
      probes: { httpPaths: ['/ready'] },
      replicas: 3,
    }]);
  });

  test('without a Service: the workload name, container ports, the namespace `default` account, the mesh namespace', () => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'team' });
    const mesh = new Mesh(chart, 'mesh', { phase: Phase.BASELINE });
    const worker = mesh.addWorkload(deployment(chart, 'worker', { labels: { app: 'worker', tier: 'jobs' }, ports: [{ number: 7000 }] }));
    const client = mesh.addWorkload(deployment(chart, 'client'));
    expect(worker.serviceId).toBe('team/worker');
    const [w, c] = mesh.toCatalogSpec().services;
    expect(w).toMatchObject({ name: 'worker', namespace: 'team', selector: { app: 'worker', tier: 'jobs' }, serviceAccount: 'default', ports: [{ port: 7000, protocol: PortProtocol.TCP }], probes: { httpPaths: [] } });
    expect(c.clientOnly).toBe(true);
    expect(c.ports).toBeUndefined();
    expect(client.workloads).toHaveLength(1);
  });

  test("a StatefulSet's own Service names the service", () => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'data' });
    const mesh = new Mesh(chart, 'mesh', { phase: Phase.BASELINE });
    const sts = new kplus.StatefulSet(chart, 'db', {
      metadata: { name: 'db' },
      containers: [{ image: 'postgres', ports: [{ number: 5432, name: 'tcp-pg' }], securityContext: { user: 999 } }],
    });
    const db = mesh.addWorkload(sts);
    expect(db.serviceName).toBe(sts.service.name);
    expect(mesh.toCatalogSpec().services[0].ports).toEqual([{ name: 'tcp-pg', port: 5432, protocol: PortProtocol.TCP }]);
  });

  test('what the objects cannot express is refused with the workload path', () => {
    const chart = new Chart(Testing.app(), 'c');
    const mesh = new Mesh(chart, 'mesh', { phase: Phase.BASELINE });
    const d = deployment(chart, 'x', { ports: [{ number: 80, name: 'http' }] });
    mesh.addWorkload(d, { ports: [{ port: 81, protocol: PortProtocol.HTTP }] });
    expect(() => mesh.toCatalogSpec()).toThrow(/Mesh.addWorkload\(c\/x-deployment\): port settings for 81, which the workload does not have \(ports: 80\)/);

    const chart2 = new Chart(Testing.app(), 'c');
    const mesh2 = new Mesh(chart2, 'mesh', { phase: Phase.BASELINE });
    const unlabelled = new kplus.Deployment(chart2, 'u', { select: false, containers: [{ image: 'u', securityContext: { user: 1 } }] });
    unlabelled.select(kplus.LabelSelector.of({ labels: { app: 'u' } }));
    mesh2.addWorkload(unlabelled);
    expect(() => Testing.synth(chart2)).toThrow(/the pod template lacks the selector's labels app=u/);

    const chart3 = new Chart(Testing.app(), 'c');
    const mesh3 = new Mesh(chart3, 'mesh', { phase: Phase.BASELINE });
    const expr = deployment(chart3, 'e');
    expr.select(kplus.LabelSelector.of({ expressions: [kplus.LabelExpression.exists('tier')] }));
    mesh3.addWorkload(expr);
    expect(() => mesh3.toCatalogSpec()).toThrow(/matchExpressions/);
  });
});

describe('Mesh: pod templates get what the phase needs', () => {
  function meshed(phase: Phase): K8s[] {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'shop' });
    const mesh = new Mesh(chart, 'mesh', { phase });
    const api = mesh.addWorkload(deployment(chart, 'api', { ports: [{ number: 8080, name: 'http' }, { number: 5432, name: 'tcp-db' }, { number: 9443, name: 'tls' }] }));
    const stable = deployment(chart, 'web', { labels: { app: 'web', track: 'stable' }, ports: [{ number: 8080, name: 'http' }] });
    const canary = deployment(chart, 'web-canary', { labels: { app: 'web', track: 'canary' }, ports: [{ number: 8080, name: 'http' }], serviceAccount: 'web-canary' });
    const svc = new kplus.Service(chart, 'web-svc', { metadata: { name: 'web' }, ports: [{ name: 'http', port: 8080 }] });
    svc.selectLabel('app', 'web');
    const web = mesh.addWorkload(stable, { service: svc });
    web.addVersion({ name: 'stable', workload: stable, weight: 90 });
    web.addVersion({ name: 'canary', workload: canary, weight: 10 });
    web.calls(api);
    return Testing.synth(chart);
  }

  test('linkerd: injection, default inbound policy and opaque ports (the TCP and TLS pod ports) on every workload, versions included', () => {
    const objects = meshed(Phase.LINKERD);
    expect(podTemplate(objects, 'api').annotations).toEqual({
      'config.linkerd.io/default-inbound-policy': 'all-authenticated',
      'config.linkerd.io/opaque-ports': '5432,9443',
      'linkerd.io/inject': 'enabled',
    });
    for (const name of ['web', 'web-canary']) {
      expect(podTemplate(objects, name).annotations).toEqual({ 'config.linkerd.io/default-inbound-policy': 'all-authenticated', 'linkerd.io/inject': 'enabled' });
    }
  });

  test('istio: the sidecar injection label and probe rewriting', () => {
    const objects = meshed(Phase.ISTIO);
    for (const name of ['api', 'web', 'web-canary']) {
      expect(podTemplate(objects, name).labels['sidecar.istio.io/inject']).toBe('true');
      expect(podTemplate(objects, name).annotations).toEqual({ 'sidecar.istio.io/rewriteAppHTTPProbers': 'true' });
    }
  });

  test('baseline and cilium leave pod templates alone', () => {
    for (const phase of [Phase.BASELINE, Phase.CILIUM]) {
      const objects = meshed(phase);
      expect(podTemplate(objects, 'api').annotations).toBeUndefined();
      expect(Object.keys(podTemplate(objects, 'api').labels).sort()).toEqual(['app', 'cdk8s.io/metadata.addr']);
    }
  });

  test('linkerd in a namespace the platform does not own: the mesh patches the pods instead of asking the user to', () => {
    const chart = new Chart(Testing.app(), 'c');
    const mesh = new Mesh(chart, 'mesh', { phase: Phase.LINKERD, namespaces: [{ name: 'team', owned: false }] });
    const api = mesh.addWorkload(deployment(chart, 'api', { namespace: 'team', ports: [{ number: 8080, name: 'http' }], serviceAccount: 'api' }));
    mesh.addService({ name: 'legacy', namespace: 'team', ports: [{ port: 80, protocol: PortProtocol.HTTP }] }).calls(api);
    const objects = Testing.synth(chart);
    expect(objectsOf(objects, 'Namespace')).toEqual([]);
    expect(podTemplate(objects, 'api').annotations['linkerd.io/inject']).toBe('enabled');
    // Only the service without a workload (its pods are elsewhere) still needs the user.
    expect(mesh.warnings.filter(w => w.includes('add to the pod template'))).toEqual([
      'team/legacy: namespace team is not owned, so nothing injects its pods; add to the pod template these annotations: '
      + 'config.linkerd.io/default-inbound-policy: all-authenticated, linkerd.io/inject: enabled',
    ]);
  });

  test("a canary workload's labels and service account become the version's", () => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'shop' });
    const mesh = new Mesh(chart, 'mesh', { phase: Phase.LINKERD });
    const stable = deployment(chart, 'web', { labels: { app: 'web', track: 'stable' }, ports: [{ number: 8080, name: 'http' }], serviceAccount: 'web' });
    const canary = deployment(chart, 'web-canary', { labels: { app: 'web', track: 'canary' }, ports: [{ number: 8080, name: 'http' }], serviceAccount: 'web-canary' });
    const svc = new kplus.Service(chart, 'web-svc', { metadata: { name: 'web' }, ports: [{ name: 'http', port: 8080 }] });
    svc.selectLabel('app', 'web');
    const web = mesh.addWorkload(stable, { service: svc });
    web.addVersion({ name: 'stable', workload: stable, weight: 90 });
    web.addVersion({ name: 'canary', workload: canary, weight: 10 });
    expect(mesh.toCatalogSpec().services[0]).toMatchObject({
      selector: { app: 'web' },
      serviceAccount: 'web',
      versions: [
        { name: 'stable', weight: 90, labels: { track: 'stable' } },
        { name: 'canary', weight: 10, labels: { track: 'canary' }, serviceAccount: 'web-canary' },
      ],
    });
    expect(web.workloads.map(w => w.name)).toEqual(['web', 'web', 'web-canary']);

    // A version workload that the Service would not reach, or that cannot be told apart, is refused.
    const stray = deployment(chart, 'stray', { labels: { app: 'other', track: 'x' } });
    const plain = deployment(chart, 'plain', { labels: { app: 'web' } });
    web.addVersion({ name: 'stray', workload: stray, weight: 0 });
    expect(() => mesh.toCatalogSpec()).toThrow(/shop\/web version "stray" \(c\/stray-deployment\): the pod template lacks the service's selector labels app=web/);
    expect(() => new Mesh(chart, 'mesh2', { phase: Phase.BASELINE })).toThrow(/chart c already has a Mesh \(c\/mesh\); use one Mesh per chart/);
    const mesh2 = new Mesh(new Chart(Testing.app(), 'other'), 'mesh2', { phase: Phase.BASELINE });
    mesh2.addWorkload(stable, { service: svc }).addVersion({ name: 'plain', workload: plain, weight: 100 });
    expect(() => mesh2.toCatalogSpec()).toThrow(/selects its pods by the service's selector only; give it a label of its own \(e.g. version: plain\)/);
  });
});

describe('Mesh: lazy, validated at synthesis', () => {
  test('a call added after synthesis changes the output; services and ports added late count', () => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'shop' });
    const mesh = new Mesh(chart, 'mesh', { phase: Phase.BASELINE });
    const api = mesh.addWorkload(deployment(chart, 'api', { ports: [{ number: 8080, name: 'http' }] }));
    const before = Testing.synth(chart);
    const ingressOf = (objects: K8s[], name: string) => objectsOf(objects, 'NetworkPolicy').find(p => p.metadata.name === name)?.spec.ingress;

    // Declared after the chart was synthesized once, in "wrong" order: the caller before its port.
    const webDeployment = deployment(chart, 'web');
    const web = mesh.addWorkload(webDeployment);
    web.calls(api, { port: api.port(8080) });
    const after = Testing.synth(chart);
    expect(after).not.toEqual(before);
    expect(JSON.stringify(ingressOf(after, 'api'))).toContain('"app":"web"');
    expect(JSON.stringify(ingressOf(before, 'api') ?? [])).not.toContain('"app":"web"');
    expect(mesh.check().ok).toBe(true);

    // A container port added to the workload after addWorkload is a port of the service.
    webDeployment.containers[0].addPort({ number: 9000, name: 'http-admin' });
    expect(mesh.toCatalogSpec().services[1].ports).toEqual([{ name: 'http-admin', port: 9000, protocol: PortProtocol.HTTP }]);
    expect(mesh.check().ok).toBe(true);
  });

  test('cdk8s synth fails with the catalog field-path messages', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c', { namespace: 'shop' });
    const mesh = new Mesh(chart, 'mesh', { phase: Phase.BASELINE });
    const api = mesh.addWorkload(deployment(chart, 'api', { ports: [{ number: 8080, name: 'http' }] }));
    const web = mesh.addWorkload(deployment(chart, 'web'));
    web.calls(api, { port: api.port(8081) });
    api.addRoute({ name: 'Bad_Name', http: { path: '/' } });
    expect(() => app.synth()).toThrow(/Validation failed with the following errors:\n {2}\[c\/mesh\] error: services\[\d\]\.routes\[0\]\.name: /);
    expect(() => Testing.synth(chart)).toThrow(/\[c\/mesh\] error: services\[1\]\.calls\[0\]\.port: /);
    expect(() => mesh.catalog).toThrow(/invalid catalog/);
  });

  test('warnings go to construct metadata once, and to `warnings`', () => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'shop' });
    const mesh = new Mesh(chart, 'mesh', { phase: Phase.BASELINE });
    mesh.addWorkload(deployment(chart, 'a', { ports: [{ number: 80, name: 'http' }] }));
    mesh.addWorkload(deployment(chart, 'b', { ports: [{ number: 80, name: 'http' }] }));
    Testing.synth(chart);
    Testing.synth(chart);
    const recorded = mesh.node.metadata.filter(m => m.type === Mesh.WARNING_METADATA).map(m => m.data);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatch(/shares service account "default" with shop\/a/);
    expect(mesh.warnings).toEqual(recorded);
  });

  test('two charts in one app do not mix', () => {
    const app = Testing.app();
    const charts = ['one', 'two'].map(ns => {
      const chart = new Chart(app, ns, { namespace: ns });
      const mesh = new Mesh(chart, 'mesh', { phase: Phase.LINKERD });
      const api = mesh.addWorkload(deployment(chart, `api-${ns}`, { ports: [{ number: 8080, name: 'http' }], serviceAccount: `api-${ns}` }));
      mesh.addWorkload(deployment(chart, `web-${ns}`, { serviceAccount: `web-${ns}` })).calls(api);
      return { chart, mesh, ns };
    });
    for (const { chart, mesh, ns } of charts) {
      const objects = Testing.synth(chart);
      const other = ns === 'one' ? 'two' : 'one';
      expect(JSON.stringify(objects)).not.toContain(`-${other}`);
      expect(objectsOf(objects, 'Deployment').map(o => o.metadata.name)).toEqual([`api-${ns}`, `web-${ns}`]);
      expect(objectsOf(objects, 'Server').map(o => o.spec.podSelector.matchLabels)).toEqual([{ app: `api-${ns}` }]);
      expect(mesh.check().ok).toBe(true);
    }
  });
});

describe('Peers and calls', () => {
  test('built-in peers are not declared; named and derived peers are; clashing names are refused', () => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'shop' });
    const mesh = new Mesh(chart, 'mesh', { phase: Phase.CILIUM });
    const api = mesh.addService({ name: 'api', ports: [{ port: 443, protocol: PortProtocol.TLS }] });
    api.allowFrom(Peer.ingressController());
    api.allowFrom(Peer.kubeApiServer());
    api.allowFrom(Peer.namespace('ops', { selector: { app: 'Tool' } }));
    api.allowFrom(Peer.namespaceSelector({ tier: 'tenant' }));
    api.allowFrom(Peer.allNamespaces({ selector: { app: 'probe' }, meshed: false }));
    api.addCall(Call.toPeer(Peer.world({ name: 'partner', cidrs: ['203.0.113.0/24'] }), { ports: [443] }));
    expect(mesh.toCatalogSpec().peers).toEqual([
      { name: 'ops-tool', namespace: 'ops', selector: { app: 'Tool' } },
      { name: 'namespaces-tenant', namespaceSelector: { tier: 'tenant' } },
      { name: 'any-namespace-probe', allNamespaces: true, selector: { app: 'probe' }, meshed: false },
      { name: 'partner', world: true, cidrs: ['203.0.113.0/24'] },
    ]);
    expect(mesh.check().ok).toBe(true);

    api.allowFrom(Peer.namespace('ops', { name: 'ops-tool' }));
    expect(() => mesh.toCatalogSpec()).toThrow(/two different peers are named "ops-tool"/);

    const mesh2 = new Mesh(new Chart(Testing.app(), 'd'), 'mesh', { phase: Phase.CILIUM });
    mesh2.addService({ name: 'api', ports: [{ port: 80 }] }).allowFrom({ peerName: 'a', spec: { name: 'b', allNamespaces: true } });
    expect(() => mesh2.toCatalogSpec()).toThrow(/peer "a" declares the name "b"/);
  });

  test("routes and ports are the callee's own", () => {
    const mesh = new Mesh(new Chart(Testing.app(), 'c'), 'mesh', { phase: Phase.BASELINE });
    const a = mesh.addService({ name: 'a', ports: [{ port: 80, protocol: PortProtocol.HTTP }] });
    const b = mesh.addService({ name: 'b', ports: [{ port: 80, protocol: PortProtocol.HTTP }] });
    const route = a.addRoute({ name: 'r', http: { path: '/' } });
    expect(() => b.calls(b, { routes: [route] })).toThrow(/route "r" belongs to default\/a, not to the callee/);
    expect(() => b.calls(b, { port: a.port(80) })).toThrow(/port 80 belongs to default\/a/);
    expect(() => b.allowFrom(Peer.cluster(), { routes: [route] })).toThrow(/belongs to default\/a/);
    expect(() => b.addRoute({ name: 'x', port: a.port(80) })).toThrow(/names port 80 of default\/a/);
    expect(() => mesh.addService({ name: 'a' })).toThrow(/service default\/a was already added/);
  });
});

describe('Mesh.check proves the chart as it is', () => {
  test('an extra policy the user adds to the chart is seen', () => {
    const app = new App();
    const chart = new Chart(app, 'c', { namespace: 'shop' });
    const mesh = new Mesh(chart, 'mesh', { phase: Phase.BASELINE });
    mesh.addWorkload(deployment(chart, 'api', { ports: [{ number: 8080, name: 'http' }] }));
    expect(mesh.check().ok).toBe(true);
    new kplus.NetworkPolicy(chart, 'open', {
      metadata: { name: 'allow-everything', namespace: 'shop' },
      selector: kplus.Pods.select(chart, 'all', { labels: { app: 'api' } }),
      ingress: { default: kplus.NetworkPolicyTrafficDefault.ALLOW },
    });
    const result = mesh.check();
    expect(result.ok).toBe(false);
    expect(result.problems.some(p => p.startsWith('UNEXPECTED'))).toBe(true);
  });
});

describe('Mesh: targeted releases (platform)', () => {
  test('the platform prop reaches the catalog: Linkerd 2.16 gets the Gateway API routes it serves', () => {
    const build = (platform?: { linkerd: string }) => {
      const chart = new Chart(Testing.app(), 'c', { namespace: 'shop' });
      const mesh = new Mesh(chart, 'mesh', { phase: Phase.LINKERD, platform });
      const api = mesh.addService({ name: 'api', ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: PortProtocol.HTTP }] });
      const web = mesh.addService({ name: 'web', ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: PortProtocol.HTTP }] });
      // A timeout makes an outbound (client-side) route: a Gateway API HTTPRoute.
      const list = api.addRoute({ name: 'list', http: { method: HttpMethod.GET, pathPrefix: '/items' }, port: api.port(80), timeout: '2s' });
      web.calls(api, { port: api.port(80), routes: [list] });
      return { mesh, objects: Testing.synth(chart) as K8s[] };
    };
    const old = build({ linkerd: '2.16' });
    expect(old.mesh.toCatalogSpec().platform).toEqual({ linkerd: '2.16' });
    const gatewayRoutes = (objects: K8s[]) => objectsOf(objects, 'HTTPRoute').filter(r => r.apiVersion.startsWith('gateway.networking.k8s.io/'));
    expect(gatewayRoutes(old.objects).length).toBeGreaterThan(0);
    expect(new Set(gatewayRoutes(old.objects).map(r => r.apiVersion))).toEqual(new Set(['gateway.networking.k8s.io/v1beta1']));
    expect(new Set(gatewayRoutes(build().objects).map(r => r.apiVersion))).toEqual(new Set(['gateway.networking.k8s.io/v1']));
  });
});
