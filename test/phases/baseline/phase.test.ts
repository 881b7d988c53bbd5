/**
 * BaselinePhase on a real-cluster catalog (monitoring, an operator with an admission
 * webhook, partner and world traffic, a canary with its own account and calls, a split
 * to a clone Service), and its refusals of what needs request routing.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdk8s';
import * as YAML from 'yaml';
import { checkNetworkPolicyReachability } from '../../../src/analysis/reachability';
import { MeshLadderChart } from '../../../src/chart';
import { PhaseCapabilityError } from '../../../src/emit/common';
import { ServiceCatalog } from '../../../src/model/catalog';
import { Phase } from '../../../src/model/phase';
import { CatalogSpec, HttpMethod, L7Fallback, PortProtocol } from '../../../src/model/types';
import { BaselinePhase } from '../../../src/phases/baseline';
import { runCli, tmpDir } from '../../support/cli';
import { validateWithCrdSchemas } from '../../support/crd-schemas';
import { Manifest, findPolicy, synthBaseline } from '../../support/synth';
import { validateWithModels } from '../../support/validate-models';

const NS = 'kubernetes.io/metadata.name';

/** A cluster as a new user has it: things outside the catalog call in and are called. */
const realCluster: CatalogSpec = {
  namespace: 'shop',
  ingressController: { namespace: 'ingress-nginx', selector: { 'app.kubernetes.io/name': 'ingress-nginx' }, serviceAccount: 'ingress-nginx' },
  namespaces: [{ name: 'shop', labels: { team: 'shop' } }, { name: 'platform' }],
  peers: [
    { name: 'kube-apiserver', kubeApiServer: true, cidrs: ['10.0.0.10/32', '10.0.0.11/32'] },
    { name: 'partner', world: true, cidrs: ['198.51.100.0/24'] },
    { name: 'batch', namespace: 'batch', serviceAccount: 'runner' },
    { name: 'tenants', namespaceSelector: { tenant: 'true' }, selector: { role: 'client' }, meshed: false },
  ],
  services: [
    {
      name: 'storefront',
      ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: PortProtocol.HTTP }, { name: 'metrics', port: 9090, metrics: true }],
      routes: [{ name: 'pages', port: 'http', http: { method: HttpMethod.GET, pathPrefix: '/' } }],
      callers: [{ peer: 'ingress-controller', routes: ['pages'] }, { peer: 'tenants', port: 'http' }],
      calls: [{ service: 'orders', port: 'grpc' }],
    },
    {
      name: 'orders',
      ports: [{ name: 'grpc', port: 5050, protocol: PortProtocol.GRPC }],
      callers: [{ peer: 'batch' }, { peer: 'partner' }],
      versions: [
        { name: 'stable', weight: 90 },
        { name: 'next', weight: 5, serviceAccount: 'orders-next', calls: [{ service: 'ledger' }, { peer: 'world', port: 443 }] },
        { name: 'chaos', weight: 5, service: 'orders-chaos' },
      ],
    },
    { name: 'orders-chaos', ports: [{ name: 'grpc', port: 5050, targetPort: 5051, protocol: PortProtocol.GRPC }] },
    { name: 'ledger', ports: [{ port: 7000 }] },
    {
      name: 'operator',
      namespace: 'platform',
      ports: [{ name: 'webhook', port: 443, targetPort: 9443 }, { name: 'metrics', port: 8080, metrics: true }],
      callers: [{ peer: 'kube-apiserver', port: 'webhook' }],
      calls: [{ peer: 'kube-apiserver' }],
    },
  ],
};

describe('BaselinePhase on a real cluster', () => {
  const catalog = ServiceCatalog.fromSpec(realCluster);
  const manifests = synthBaseline(catalog);
  const spec = (ns: string, name: string) => findPolicy(manifests, ns, name).spec;

  test('every object is valid (kubernetes-models and the upstream JSON Schemas)', () => {
    expect(validateWithModels(manifests)).toEqual([]);
    const crd = validateWithCrdSchemas(manifests);
    expect(crd.problems).toEqual([]);
    if (crd.checked) {
      expect(crd.objects).toBe(manifests.length);
    }
  });

  test('the webhook admits the API server by address, on the webhook port only; the operator reaches it on 443/6443', () => {
    const operator = spec('platform', 'operator');
    expect(operator.ingress).toEqual([
      { from: [{ ipBlock: { cidr: '10.0.0.10/32' } }, { ipBlock: { cidr: '10.0.0.11/32' } }], ports: [{ protocol: 'TCP', port: 9443 }] },
      { from: [{ namespaceSelector: { matchLabels: { [NS]: 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }], ports: [{ protocol: 'TCP', port: 8080 }] },
    ]);
    expect(operator.egress).toEqual([
      { to: [{ ipBlock: { cidr: '10.0.0.10/32' } }, { ipBlock: { cidr: '10.0.0.11/32' } }], ports: [{ protocol: 'TCP', port: 443 }, { protocol: 'TCP', port: 6443 }] },
    ]);
  });

  test('exposure limited to a route opens that route\'s port only; metrics go to the scraper only', () => {
    const storefront = spec('shop', 'storefront');
    expect(storefront.ingress.map((r: Manifest) => [r.from[0].namespaceSelector, r.ports.map((p: Manifest) => p.port)])).toEqual([
      [{ matchLabels: { [NS]: 'ingress-nginx' } }, [8080]],
      [{ matchLabels: { [NS]: 'monitoring' } }, [9090]],
      [{ matchLabels: { tenant: 'true' } }, [8080]],
    ]);
  });

  test('the canary\'s own calls leave from its pods only; the clone takes the split\'s meshed callers', () => {
    expect(spec('shop', 'orders.next').podSelector).toEqual({ matchLabels: { app: 'orders', version: 'next' } });
    expect(spec('shop', 'ledger').ingress).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { [NS]: 'shop' } }, podSelector: { matchLabels: { app: 'orders', version: 'next' } } }], ports: [{ protocol: 'TCP', port: 7000 }] },
    ]);
    const chaos = spec('shop', 'orders-chaos');
    // The partner (the world: unmeshed) reaches orders' pods directly: no proxy on its side
    // splits its requests, so the clone does not admit it.
    expect(chaos.ingress.map((r: Manifest) => r.ports)).toEqual([
      [{ protocol: 'TCP', port: 5051 }], // batch
      [{ protocol: 'TCP', port: 5051 }], // storefront, derived from its call to orders
    ]);
    expect(chaos.ingress.some((r: Manifest) => r.from.some((p: Manifest) => p.ipBlock))).toBe(false);
    expect(chaos.ingress[1].from[0].podSelector).toEqual({ matchLabels: { app: 'storefront' } });
  });

  test('the analysis proves exactly the declared flows', () => {
    const report = checkNetworkPolicyReachability(catalog._resolved, manifests);
    expect(report.diagnostics).toEqual([]);
    expect(report.missing).toEqual([]);
    expect(report.unexpected).toEqual([]);
    expect(report.ok).toBe(true);
  });

  test('matches a snapshot', () => {
    expect(manifests.filter(m => m.kind === 'NetworkPolicy')).toMatchSnapshot();
  });
});

describe('what needs request routing is refused', () => {
  const canary = (version: Record<string, unknown>): CatalogSpec => ({
    namespace: 'shop',
    services: [{
      name: 'reviews',
      ports: [{ name: 'http', port: 80, protocol: PortProtocol.HTTP }],
      versions: [{ name: 'v1', weight: 90 }, { name: 'v2', weight: 10, ...version }],
    }],
  });

  function refusal(spec: CatalogSpec): string {
    try {
      synthBaseline(spec);
    } catch (e) {
      expect(e).toBeInstanceOf(PhaseCapabilityError);
      return (e as Error).message;
    }
    throw new Error('not refused');
  }

  test('a header route names the service, the version, the field and the phases that can', () => {
    const message = refusal(canary({ headers: { 'x-canary': 'true' } }));
    expect(message).toMatch(/^the baseline phase cannot express 1 request-level feature\(s\): NetworkPolicy works on connections, not requests/);
    expect(message).toContain('shop/reviews version v2: versions[1].headers (requests carrying x-canary=true go to this version) needs request routing; use the linkerd or istio phase');
    expect(message).toContain('Or set "l7Fallback: skip"');
  });

  test('a header route\'s timeout is named with it', () => {
    const message = refusal(canary({ headers: { 'x-canary': 'true' }, timeout: '1500ms' }));
    expect(message).toContain('shop/reviews version v2: versions[1].headers (requests carrying x-canary=true go to this version) needs request routing');
    expect(message).toContain('shop/reviews version v2: versions[1].timeout (a 1500ms timeout for its header route) needs request routing');
  });

  test('a header-scoped fault names the route and the field', () => {
    const spec: CatalogSpec = {
      namespace: 'shop',
      services: [{
        name: 'reviews',
        ports: [{ name: 'http', port: 80, protocol: PortProtocol.HTTP }],
        routes: [
          { name: 'list', http: { pathPrefix: '/reviews' }, fault: { abort: { httpStatus: 503, percent: 5 }, headers: { 'x-chaos': 'on' } } },
          { name: 'read', http: { pathPrefix: '/review' }, fault: { abort: { httpStatus: 503, percent: 5 } } },
        ],
      }],
    };
    const message = refusal(spec);
    expect(message).toMatch(/cannot express 1 request-level feature\(s\)/);
    expect(message).toContain('shop/reviews route list: fault.headers (a fault for requests carrying x-chaos=on) needs fault injection by header; use the istio phase');
  });

  test('weights alone and a version\'s own service account are not refused', () => {
    expect(() => synthBaseline(canary({ serviceAccount: 'reviews-v2' }))).not.toThrow();
  });

  test('l7Fallback: skip synthesizes without them and lists them in the phase\'s notes, not its warnings', () => {
    const spec: CatalogSpec = {
      ...canary({ headers: { 'x-canary': 'true' }, timeout: '2s' }),
      l7Fallback: L7Fallback.SKIP,
    };
    const phase = new BaselinePhase(Testing.chart(), 'baseline', { catalog: ServiceCatalog.fromSpec(spec), certificates: false });
    expect(phase.warnings).toEqual([]);
    expect(phase.notes).toEqual([
      'shop/reviews version v2: versions[1].headers (requests carrying x-canary=true go to this version) needs request routing; use the linkerd or istio phase. '
      + 'Left out (l7Fallback: skip): those requests are balanced over every version like the others.',
      'shop/reviews version v2: versions[1].timeout (a 2s timeout for its header route) needs request routing; use the linkerd or istio phase. '
      + 'Left out (l7Fallback: skip): no timeout is enforced.',
    ]);
    expect(new BaselinePhase(Testing.chart(), 'baseline', { catalog: ServiceCatalog.fromSpec(canary({})), certificates: false }).notes).toEqual([]);
  });

  test('through the chart, the skipped settings are the chart\'s notes', () => {
    const spec: CatalogSpec = { ...canary({ headers: { 'x-canary': 'true' } }), l7Fallback: L7Fallback.SKIP };
    const { warnings, notes } = MeshLadderChart.synthesize(ServiceCatalog.fromSpec(spec), Phase.BASELINE);
    expect(warnings).toEqual([]);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/versions\[1\]\.headers .*Left out \(l7Fallback: skip\)/);
  });

  test('the CLI exits 2 with the message', async () => {
    const dir = tmpDir('mesh-ladder-baseline-');
    const file = path.join(dir, 'catalog.yaml');
    fs.writeFileSync(file, YAML.stringify(canary({ headers: { 'x-canary': 'true' } })));
    const result = await runCli('synth', file, '--phase', 'baseline', '--out', path.join(dir, 'out'));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('versions[1].headers (requests carrying x-canary=true go to this version) needs request routing; use the linkerd or istio phase');
  });

  test('check on a real cluster through the CLI passes', async () => {
    const dir = tmpDir('mesh-ladder-baseline-');
    const file = path.join(dir, 'catalog.yaml');
    fs.writeFileSync(file, YAML.stringify(realCluster));
    const result = await runCli('check', file, '--phase', 'baseline');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});
