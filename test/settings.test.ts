/**
 * Every phase setting is one catalog key: set in the YAML catalog it changes the output as
 * the construct option of the same name does (byte for byte), and the proof reads the same
 * setting (`Reachability.check`, `MigrationPlan.create` take the chart's options).
 */
import * as YAML from 'yaml';
import { issueExample } from './support/fixtures';
import { MeshLadderChart, MeshLadderChartOptions } from '../src/chart';
import { PhaseCapabilityError } from '../src/emit/common';
import { ServiceCatalog } from '../src/model/catalog';
import { CATALOG_SCHEMA } from '../src/model/catalog-schema.generated';
import { Phase } from '../src/model/phase';
import { CatalogSpec, HttpMethod, LinkerdDefaultInboundPolicy, PortProtocol, RetryCondition, SidecarScope } from '../src/model/types';
import { MigrationPlan } from '../src/plan';
import { Reachability } from '../src/reachability';

type Manifest = any;
type Section = 'baseline' | 'cilium' | 'linkerd' | 'istio';

/** The catalog with `settings` written into its `section`, loaded from YAML text. */
function yamlCatalog(spec: CatalogSpec, section: Section, settings: object): ServiceCatalog {
  return ServiceCatalog.fromYaml(YAML.stringify({ ...spec, [section]: settings }), 'settings.yaml');
}

const PHASE_OF: Record<Section, Phase> = { baseline: Phase.BASELINE, cilium: Phase.CILIUM, linkerd: Phase.LINKERD, istio: Phase.ISTIO };

/** Synthesizes with the setting as a catalog key, checks the construct option gives the same bytes. */
function synthBoth(spec: CatalogSpec, section: Section, settings: object): { keyed: Manifest[]; plain: Manifest[] } {
  const phase = PHASE_OF[section];
  const keyed = MeshLadderChart.manifests(yamlCatalog(spec, section, settings), phase);
  const viaOption = MeshLadderChart.manifests(ServiceCatalog.fromSpec(spec), phase, { [section]: settings });
  expect(JSON.stringify(viaOption)).toBe(JSON.stringify(keyed));
  return { keyed, plain: MeshLadderChart.manifests(ServiceCatalog.fromSpec(spec), phase) };
}

const kinds = (manifests: Manifest[]) => new Set(manifests.map(m => m.kind));
const named = (manifests: Manifest[], kind: string, namespace: string | undefined, name: string) =>
  manifests.find(m => m.kind === kind && m.metadata?.name === name && m.metadata?.namespace === namespace);

/** A catalog with a route-limited HTTP port (probe authorization) and a retry Linkerd cannot express fully. */
const probed: CatalogSpec = {
  namespace: 'shop',
  services: [
    {
      name: 'api',
      ports: [{ name: 'http', port: 80, protocol: PortProtocol.HTTP }],
      routes: [{ name: 'get', http: { method: HttpMethod.GET, path: '/a' }, retries: { attempts: 2, on: [RetryCondition.RESET, RetryCondition.GATEWAY_ERROR] } }],
    },
    { name: 'web', clientOnly: true, calls: [{ service: 'api', routes: ['get'] }] },
  ],
};

describe('every setting of a phase is a catalog key', () => {
  test('the schema lists each one under its section', () => {
    const keys = (definition: string) => Object.keys(CATALOG_SCHEMA.definitions[definition].properties).sort();
    expect(keys('BaselineSettingsSpec')).toEqual(['certificates', 'defaultDeny', 'namespaces']);
    expect(keys('CiliumSettingsSpec')).toEqual([
      'certificates', 'clusterwideDefaultDeny', 'defaultDeny', 'enableDefaultDeny', 'ingressFromWorld', 'l7', 'mutualAuth', 'namespaces',
      'policyAnnotations', 'policyLabels',
    ]);
    expect(keys('LinkerdSettingsSpec')).toEqual([
      'certificates', 'controlPlaneNamespace', 'defaultInboundPolicy', 'ingress', 'l4', 'mode', 'namespaces', 'probes', 'strictRetries',
    ]);
    expect(keys('IstioSettingsSpec')).toEqual([
      'certificates', 'controlPlaneNamespace', 'controlPlanePorts', 'controlPlaneSelector', 'defaultTimeout', 'l4', 'mode', 'namespaces',
      'sidecarScope', 'tracingSampling', 'trafficPolicy',
    ]);
  });

  test('a misspelt or mistyped setting is an error naming the field and its line', () => {
    expect(() => yamlCatalog(issueExample, 'linkerd', { strictRetry: true })).toThrow(/settings\.yaml:\d+:\d+.*linkerd/);
    expect(() => yamlCatalog(issueExample, 'istio', { sidecarScope: 'pod' })).toThrow(/settings\.yaml:\d+:\d+.*istio\.sidecarScope/);
    expect(() => yamlCatalog(issueExample, 'istio', { controlPlanePorts: [70000] })).toThrow(/settings\.yaml:\d+:\d+.*istio\.controlPlanePorts/);
  });

  test('baseline.namespaces, baseline.defaultDeny, baseline.certificates', () => {
    expect(kinds(synthBoth(issueExample, 'baseline', { namespaces: false }).keyed).has('Namespace')).toBe(false);
    const { keyed, plain } = synthBoth(issueExample, 'baseline', { defaultDeny: false });
    expect(named(plain, 'NetworkPolicy', 'shop', 'default-deny')).toBeDefined();
    expect(named(keyed, 'NetworkPolicy', 'shop', 'default-deny')).toBeUndefined();
    expect(kinds(synthBoth(issueExample, 'baseline', { certificates: false }).keyed).has('Certificate')).toBe(false);
    // It cannot switch on what the catalog's certificates.enabled: false switched off.
    const off = { ...issueExample, certificates: { ...issueExample.certificates, enabled: false } };
    expect(kinds(synthBoth(off, 'baseline', { certificates: true }).keyed).has('Certificate')).toBe(false);
  });

  test('cilium.l7, cilium.enableDefaultDeny, cilium.policyLabels, cilium.policyAnnotations', () => {
    const http = (manifests: Manifest[]) => JSON.stringify(manifests.filter(m => m.kind === 'CiliumNetworkPolicy')).includes('"http":');
    const l7 = synthBoth(issueExample, 'cilium', { l7: false });
    expect(http(l7.plain)).toBe(true);
    expect(http(l7.keyed)).toBe(false);
    const { keyed } = synthBoth(issueExample, 'cilium', {
      enableDefaultDeny: false, policyLabels: { team: 'platform' }, policyAnnotations: { 'example.com/owner': 'net' },
    });
    const charge = named(keyed, 'CiliumNetworkPolicy', 'payments', 'charge');
    expect(charge.spec.enableDefaultDeny).toEqual({ ingress: false, egress: false });
    expect(charge.metadata.labels.team).toBe('platform');
    expect(charge.metadata.annotations).toEqual({ 'example.com/owner': 'net' });
  });

  test('cilium.namespaces, cilium.certificates', () => {
    expect(kinds(synthBoth(issueExample, 'cilium', { namespaces: false }).keyed).has('Namespace')).toBe(false);
    const { keyed, plain } = synthBoth(issueExample, 'cilium', { certificates: false });
    expect(kinds(plain).has('Certificate')).toBe(true);
    expect(kinds(keyed).has('Certificate')).toBe(false);
  });

  test('linkerd.defaultInboundPolicy, linkerd.namespaces, linkerd.certificates', () => {
    const { keyed } = synthBoth(issueExample, 'linkerd', { defaultInboundPolicy: LinkerdDefaultInboundPolicy.DENY });
    expect(named(keyed, 'Namespace', undefined, 'shop').metadata.annotations['config.linkerd.io/default-inbound-policy']).toBe('deny');
    expect(kinds(synthBoth(issueExample, 'linkerd', { namespaces: false }).keyed).has('Namespace')).toBe(false);
    expect(kinds(synthBoth(issueExample, 'linkerd', { certificates: false }).keyed).has('Certificate')).toBe(false);
  });

  test('linkerd.ingress (incl. ingress.meshed)', () => {
    const { keyed, plain } = synthBoth(issueExample, 'linkerd', { ingress: { meshed: false, networks: ['10.2.0.0/16'] } });
    expect(named(plain, 'NetworkAuthentication', 'shop', 'ingress-controller')).toBeUndefined();
    expect(named(keyed, 'NetworkAuthentication', 'shop', 'ingress-controller').spec.networks).toEqual([{ cidr: '10.2.0.0/16' }]);
    expect(() => yamlCatalog(issueExample, 'linkerd', { ingress: { meshed: false } }).withSettings({}))
      .not.toThrow(); // the catalog is valid; the phase refuses what it cannot authorize:
    expect(() => MeshLadderChart.manifests(yamlCatalog(issueExample, 'linkerd', { ingress: { meshed: false } }), Phase.LINKERD))
      .toThrow(/ingress\.networks/);
  });

  test('linkerd.probes', () => {
    const { keyed, plain } = synthBoth(probed, 'linkerd', { probes: { paths: ['/healthz'], networks: ['192.168.0.0/16'] } });
    expect(JSON.stringify(plain)).not.toContain('/healthz');
    expect(JSON.stringify(keyed)).toContain('/healthz');
    expect(JSON.stringify(keyed)).toContain('192.168.0.0/16');
  });

  test('linkerd.strictRetries', () => {
    expect(() => MeshLadderChart.manifests(ServiceCatalog.fromSpec(probed), Phase.LINKERD)).not.toThrow();
    expect(() => MeshLadderChart.manifests(yamlCatalog(probed, 'linkerd', { strictRetries: true }), Phase.LINKERD)).toThrow(PhaseCapabilityError);
    expect(() => MeshLadderChart.manifests(ServiceCatalog.fromSpec(probed), Phase.LINKERD, { linkerd: { strictRetries: true } })).toThrow(/reset/);
  });

  test('istio.sidecarScope, istio.controlPlaneSelector, istio.controlPlanePorts', () => {
    const sidecars = (manifests: Manifest[]) => manifests.filter(m => m.kind === 'Sidecar').map(m => `${m.metadata.namespace}/${m.metadata.name}`);
    const scoped = synthBoth(issueExample, 'istio', { sidecarScope: SidecarScope.NAMESPACE });
    expect(sidecars(scoped.keyed).length).toBeLessThan(sidecars(scoped.plain).length);
    const { keyed } = synthBoth(issueExample, 'istio', { controlPlaneSelector: { istio: 'pilot' }, controlPlanePorts: [15012, 15010] });
    const allow = named(keyed, 'CiliumNetworkPolicy', 'shop', 'allow-mesh-control-plane');
    const istiod = allow.spec.egress.find((r: any) => JSON.stringify(r).includes('pilot'));
    expect(istiod.toPorts[0].ports.map((p: any) => p.port)).toEqual(['15010', '15012']);
  });

  test('istio.namespaces, istio.certificates', () => {
    expect(kinds(synthBoth(issueExample, 'istio', { namespaces: false }).keyed).has('Namespace')).toBe(false);
    expect(kinds(synthBoth(issueExample, 'istio', { certificates: false }).keyed).has('Certificate')).toBe(false);
  });

  test('withSettings lays fields over the catalog one by one and leaves the rest of the model alone', () => {
    const catalog = ServiceCatalog.fromSpec({ ...issueExample, linkerd: { mode: 'permissive' as any, strictRetries: true } });
    const over = catalog.withSettings({ linkerd: { strictRetries: false } });
    expect(over._resolved.linkerd.mode).toBe('permissive');
    expect(over._resolved.linkerd.strictRetries).toBe(false);
    expect(over._resolved.services).toBe(catalog._resolved.services);
    expect(catalog.withSettings({})).toBe(catalog);
    expect(() => catalog.withSettings({ istio: { controlPlaneNamespace: 'Not_A_Namespace' } })).toThrow(/istio\.controlPlaneNamespace/);
  });
});

describe('the proof reads the settings the output was synthesized with', () => {
  const unmeshedIngress: MeshLadderChartOptions = { linkerd: { ingress: { meshed: false, networks: ['10.2.0.0/16'] } } };

  test('Reachability.check proves the chart options: a relaxed setting changes the verdict', () => {
    const catalog = ServiceCatalog.fromSpec(issueExample);
    expect(Reachability.check(catalog, Phase.BASELINE).ok).toBe(true);
    const relaxed = Reachability.check(catalog, Phase.BASELINE, undefined, { baseline: { defaultDeny: false } });
    expect(relaxed.ok).toBe(false);
    expect(relaxed.problems).toContain('UNEXPECTED ingress-nginx/ingress-controller -> payments/(other pod) 80/TCP');
    // The same setting as a catalog key, no options: the same verdict.
    expect(Reachability.check(yamlCatalog(issueExample, 'baseline', { defaultDeny: false }), Phase.BASELINE).problems).toEqual(relaxed.problems);
  });

  test('Reachability.check reads linkerd.ingress.meshed instead of assuming a meshed controller', () => {
    const catalog = ServiceCatalog.fromSpec(issueExample);
    const manifests = MeshLadderChart.manifests(catalog, Phase.LINKERD, unmeshedIngress);
    expect(manifests.some(m => m.kind === 'NetworkAuthentication' && m.metadata.name === 'ingress-controller')).toBe(true);
    expect(Reachability.check(catalog, Phase.LINKERD, manifests, unmeshedIngress).problems).toEqual([]);
    expect(Reachability.check(catalog, Phase.LINKERD, undefined, unmeshedIngress).ok).toBe(true);
    expect(Reachability.check(yamlCatalog(issueExample, 'linkerd', unmeshedIngress.linkerd!), Phase.LINKERD).ok).toBe(true);
    // Told nothing, the proof takes the controller for meshed (the default), which these
    // manifests authorize by network only: the verdict changes.
    const blind = Reachability.check(catalog, Phase.LINKERD, manifests);
    expect(blind.ok).toBe(false);
    expect(blind.problems).toContain('MISSING ingress-nginx/ingress-controller -> shop/frontend 8080/TCP');
  });

  test('MigrationPlan.create synthesizes and proves every step with the chart options', () => {
    const catalog = ServiceCatalog.fromSpec(issueExample);
    const plan = MigrationPlan.create(catalog, Phase.CILIUM, Phase.LINKERD, unmeshedIngress);
    expect(plan.problems).toEqual([]);
    const last = plan.steps[plan.steps.length - 1];
    expect(plan.manifests(last.id).some(m => m.kind === 'NetworkAuthentication' && m.metadata.name === 'ingress-controller')).toBe(true);
    const without = MigrationPlan.create(catalog, Phase.CILIUM, Phase.LINKERD);
    expect(without.manifests(without.steps[without.steps.length - 1].id).some(m => m.kind === 'NetworkAuthentication' && m.metadata.name === 'ingress-controller')).toBe(false);
  });
});
