/**
 * Which enforcement system an emitted object belongs to, object identity across phases,
 * and one evaluator for a manifest set that mixes systems (a migration step): a flow is
 * allowed only when every system present allows it.
 */
import { CiliumEvaluator, ciliumIntent } from './cilium';
import { AllOfEvaluator, isRequestEvaluator } from './combined';
import { Endpoint, Universe } from './endpoints';
import { AnalysisDiagnostic, PortProbe } from './flows';
import { declaredIntent, Intent } from './intent';
import { IstioEvaluator } from './istio';
import { LinkerdEvaluator, LinkerdMeshEvaluator } from './linkerd';
import { NetworkPolicyEvaluator } from './networkpolicy';
import { FlowEvaluator } from './reachability';
import { RequestEvaluator, RequestProbe } from './requests';
import { cidrContains, parseCidr } from '../model/cidr';
import { ResolvedCatalog } from '../model/resolved';

/** Enforcement systems that decide whether a flow is allowed. */
export type EnforcementSystem = 'networkpolicy' | 'cilium' | 'linkerd' | 'istio';

export const ENFORCEMENT_SYSTEMS: readonly EnforcementSystem[] = ['networkpolicy', 'cilium', 'linkerd', 'istio'];

function group(apiVersion: unknown): string {
  const text = String(apiVersion ?? '');
  return text.includes('/') ? text.slice(0, text.indexOf('/')) : '';
}

/** Identity of an object regardless of API version: group, kind, namespace, name. */
export function objectKey(obj: any): string {
  return `${group(obj?.apiVersion)}/${obj?.kind}/${obj?.metadata?.namespace ?? ''}/${obj?.metadata?.name}`;
}

/** The enforcement system an object configures; undefined for everything else. */
export function systemOf(obj: any): EnforcementSystem | undefined {
  const g = group(obj?.apiVersion);
  if (g === 'networking.k8s.io' && obj?.kind === 'NetworkPolicy') {
    return 'networkpolicy';
  }
  if (g === 'cilium.io' && /NetworkPolicy$/.test(String(obj?.kind))) {
    return 'cilium';
  }
  if (g === 'policy.linkerd.io') {
    return 'linkerd';
  }
  if (g === 'security.istio.io') {
    return 'istio';
  }
  return undefined;
}

/** The mesh whose proxies a Namespace object injects, if any. */
export function injectedMesh(obj: any): 'linkerd' | 'istio' | undefined {
  if (obj?.kind !== 'Namespace') {
    return undefined;
  }
  const labels = obj.metadata?.labels ?? {};
  if (labels['istio-injection'] === 'enabled' || (labels['istio.io/rev'] !== undefined && labels['istio-injection'] !== 'disabled')) {
    return 'istio';
  }
  return obj.metadata?.annotations?.['linkerd.io/inject'] === 'enabled' ? 'linkerd' : undefined;
}

/**
 * The enforcement systems a manifest set configures, in ladder order. A mesh counts when
 * it has policy objects or a namespace injects its proxies (proxies enforce defaults).
 */
export function systemsIn(manifests: ReadonlyArray<unknown>): EnforcementSystem[] {
  const present = new Set<EnforcementSystem | undefined>(manifests.map(systemOf));
  manifests.forEach(m => present.add(injectedMesh(m)));
  return ENFORCEMENT_SYSTEMS.filter(s => present.has(s));
}


/**
 * A host call is one connection to a DNS name and to an address at once; the universe
 * has an endpoint for each. An address-matching layer (NetworkPolicy) is asked about the
 * addresses the catalog declares for a name, a name-matching layer (Cilium `toFQDNs`)
 * about the name of an address it declares, so that layers of both kinds can be combined.
 */
class HostAliasEvaluator implements FlowEvaluator, RequestEvaluator {
  public readonly name: string;
  public readonly diagnostics: ReadonlyArray<AnalysisDiagnostic>;
  private readonly hosts: ReadonlyArray<{ host: string; blocks: ReturnType<typeof parseCidr>[] }>;

  public constructor(private readonly inner: FlowEvaluator, private readonly universe: Universe, catalog: ResolvedCatalog, private readonly matches: 'address' | 'name') {
    this.name = inner.name;
    this.diagnostics = inner.diagnostics;
    this.hosts = catalog.services.flatMap(s => s.calls).flatMap(c => (c.kind === 'host' ? [{ host: c.host, blocks: c.cidrs.map(x => parseCidr(x)) }] : []));
  }

  public allows(from: Endpoint, to: Endpoint, probe: PortProbe): boolean {
    return this.inner.allows(from, to, probe) || this.aliases(to).some(alias => alias.every(e => this.inner.allows(from, e, probe)));
  }

  public allowsRequest(from: Endpoint, to: Endpoint, probe: PortProbe, request: RequestProbe): boolean {
    return !isRequestEvaluator(this.inner) || this.inner.allowsRequest(from, to, probe, request);
  }

  public isEgressRestricted(endpoint: Endpoint): boolean {
    return this.inner.isEgressRestricted(endpoint);
  }

  /** Alternative readings of `to`; each reading is a set of endpoints that must all be allowed. */
  private aliases(to: Endpoint): Endpoint[][] {
    if (this.matches === 'address' && to.kind === 'fqdn') {
      const blocks = this.hosts.filter(h => h.host === to.host).flatMap(h => h.blocks).filter(b => b !== undefined);
      const addresses = this.universe.endpoints.filter(e => e.kind === 'ip' && e.ip && blocks.some(b => cidrContains(b!, e.ip!)));
      return addresses.length > 0 ? [addresses] : [];
    }
    if (this.matches === 'name' && to.kind === 'ip' && to.ip) {
      const names = this.hosts.filter(h => h.blocks.some(b => b !== undefined && cidrContains(b, to.ip!))).map(h => h.host);
      return this.universe.endpoints.filter(e => e.kind === 'fqdn' && names.includes(e.host ?? '')).map(e => [e]);
    }
    return [];
  }
}

/**
 * Every enforcement system present in a manifest set, ANDed: NetworkPolicy, Cilium (L3/L4
 * and L7 rules), Linkerd authorization (with the proxy's inbound port on the L4 layers)
 * and Istio authorization. A system with no objects allows everything.
 *
 * Kubernetes NetworkPolicies and Cilium policies are both enforced by Cilium when it is
 * the CNI, which adds their allows up; ANDing them is the stricter reading, so a step that
 * passes here passes there.
 */
export class EnforcementEvaluator extends AllOfEvaluator {
  public readonly systems: EnforcementSystem[];

  public constructor(catalog: ResolvedCatalog, universe: Universe, manifests: ReadonlyArray<unknown>) {
    const systems = systemsIn(manifests);
    const l4: FlowEvaluator[] = [];
    if (systems.includes('networkpolicy')) {
      l4.push(new HostAliasEvaluator(new NetworkPolicyEvaluator(universe, manifests), universe, catalog, 'address'));
    }
    if (systems.includes('cilium')) {
      l4.push(new HostAliasEvaluator(new CiliumEvaluator(universe, manifests), universe, catalog, 'name'));
    }
    const layers: FlowEvaluator[] = [];
    if (systems.includes('linkerd')) {
      // Namespaces are emitted with every phase: their annotation alone says who is meshed.
      const meshedWorkloads = !manifests.some(m => (m as any)?.kind === 'Namespace');
      layers.push(new LinkerdMeshEvaluator(new LinkerdEvaluator(universe, catalog, manifests, { meshedWorkloads }), l4));
    } else {
      layers.push(...l4);
    }
    if (systems.includes('istio')) {
      layers.push(new IstioEvaluator(catalog, manifests));
    }
    super(layers, [], systems.length > 0 ? systems.join(' + ') : 'nothing enforced');
    this.systems = systems;
  }
}

/**
 * The declared intent as a phase's own check means it (host calls by name or by address,
 * exposed services from the world or from the ingress controller).
 */
export function phaseIntent(catalog: ResolvedCatalog, universe: Universe, phase: string, manifests: ReadonlyArray<unknown>): Intent {
  const systems = systemsIn(manifests);
  if (phase === 'cilium' || (phase === 'linkerd' && systems.includes('cilium'))) {
    return ciliumIntent(catalog, universe);
  }
  const hostCalls = phase === 'baseline' || systems.includes('networkpolicy') ? 'cidrs' : 'fqdn';
  return declaredIntent(catalog, universe, { hostCalls });
}
