/**
 * Which enforcement system an emitted object belongs to, object identity across phases,
 * and one evaluator for a manifest set that mixes systems (a migration step): a flow is
 * allowed only when every system present allows it.
 */
import { Bitset } from './bitset';
import { CiliumEvaluator, ciliumIntent, isCiliumPolicy } from './cilium';
import { AllOfEvaluator, isRequestEvaluator } from './combined';
import { CiliumDatapathEvaluator, HostAliases } from './datapath';
import { Endpoint, Universe } from './endpoints';
import { AnalysisDiagnostic, PortProbe } from './flows';
import { declaredIntent, Intent } from './intent';
import { IstioEvaluator } from './istio';
import { LinkerdEvaluator, LinkerdMeshEvaluator } from './linkerd';
import { isNetworkPolicy, NetworkPolicyEvaluator } from './networkpolicy';
import { FlowEvaluator, uniteCandidates } from './reachability';
import { RequestEvaluator, RequestProbe } from './requests';
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


/** One L4 layer read through the host aliases of the catalog (see `HostAliases`). */
class HostAliasEvaluator implements FlowEvaluator, RequestEvaluator {
  public readonly name: string;
  public readonly diagnostics: ReadonlyArray<AnalysisDiagnostic>;

  public constructor(private readonly inner: FlowEvaluator, private readonly aliases: HostAliases, private readonly matches: 'address' | 'name') {
    this.name = inner.name;
    this.diagnostics = inner.diagnostics;
  }

  public allows(from: Endpoint, to: Endpoint, probe: PortProbe): boolean {
    return this.inner.allows(from, to, probe)
      || this.aliases.readings(to, this.matches).some(alias => alias.every(e => this.inner.allows(from, e, probe)));
  }

  public allowsRequest(from: Endpoint, to: Endpoint, probe: PortProbe, request: RequestProbe): boolean {
    return !isRequestEvaluator(this.inner) || this.inner.allowsRequest(from, to, probe, request);
  }

  public isEgressRestricted(endpoint: Endpoint): boolean {
    return this.inner.isEgressRestricted(endpoint);
  }

  /** The inner layer's candidates for `to` and for the first endpoint of each reading (all of a reading must pass). */
  public candidateSources(to: Endpoint, probe: PortProbe): Bitset | undefined {
    const readings = this.aliases.readings(to, this.matches);
    if (readings.some(r => r.length === 0)) {
      return undefined; // an empty reading passes every source
    }
    return uniteCandidates([to, ...readings.map(r => r[0])].map(e => () => this.inner.candidateSources?.(e, probe)));
  }
}

/**
 * Evaluators shared by manifest sets over one universe (the steps of a plan): a
 * NetworkPolicy, Cilium or Linkerd evaluator reads only its own kinds of objects, so sets
 * with the same such objects (the same references, in the same order) get the same
 * evaluator, indexes and caches.
 */
export class EvaluatorCache {
  private static readonly ids = new WeakMap<object, number>();
  private static nextId = 0;

  private static idOf(object: object): number {
    let id = EvaluatorCache.ids.get(object);
    if (id === undefined) {
      id = EvaluatorCache.nextId++;
      EvaluatorCache.ids.set(object, id);
    }
    return id;
  }

  private static get<T>(
    map: Map<string, T>, manifests: ReadonlyArray<unknown>, own: (m: unknown) => boolean, build: (objects: ReadonlyArray<unknown>) => T, prefix = '',
  ): T {
    const objects = manifests.filter(own);
    if (objects.some(o => typeof (o as any)?.metadata?.name !== 'string')) {
      return build(manifests); // a nameless object is reported by its position in the whole set
    }
    // By identity: steps share most object references (never mutated); an equal copy only misses the cache.
    const key = `${prefix}\u0000${objects.map(o => EvaluatorCache.idOf(o as object)).join(',')}`;
    let value = map.get(key);
    if (value === undefined) {
      value = build(objects);
      map.set(key, value);
    }
    return value;
  }

  private readonly networkPolicies = new Map<string, NetworkPolicyEvaluator>();
  private readonly cilium = new Map<string, CiliumEvaluator>();
  private readonly linkerd = new WeakMap<ResolvedCatalog, Map<string, LinkerdEvaluator>>();

  public constructor(public readonly universe: Universe) {}

  public networkPolicyEvaluator(manifests: ReadonlyArray<unknown>): NetworkPolicyEvaluator {
    return EvaluatorCache.get(this.networkPolicies, manifests, isNetworkPolicy, objects => new NetworkPolicyEvaluator(this.universe, objects));
  }

  /** The Cilium release is part of the key: namespace-label semantics differ per release (see `CiliumEvaluator`). */
  public ciliumEvaluator(manifests: ReadonlyArray<unknown>, release: string): CiliumEvaluator {
    return EvaluatorCache.get(this.cilium, manifests, isCiliumPolicy, objects => new CiliumEvaluator(this.universe, objects, release), release);
  }

  /** A Linkerd evaluator reads Namespaces, policy.linkerd.io objects and Gateway API routes (see `parseLinkerd`). */
  public linkerdEvaluator(catalog: ResolvedCatalog, manifests: ReadonlyArray<unknown>, meshedWorkloads: boolean): LinkerdEvaluator {
    let byObjects = this.linkerd.get(catalog);
    if (!byObjects) {
      byObjects = new Map();
      this.linkerd.set(catalog, byObjects);
    }
    const read = (m: any) => (m?.apiVersion === 'v1' && m?.kind === 'Namespace') || ['policy.linkerd.io', 'gateway.networking.k8s.io'].includes(group(m?.apiVersion));
    const options = { meshedWorkloads };
    return EvaluatorCache.get(byObjects, manifests, read, objects => new LinkerdEvaluator(this.universe, catalog, objects, options), `${meshedWorkloads}`);
  }
}

/**
 * Every enforcement system present in a manifest set: the L4 layer (NetworkPolicy,
 * Cilium, or both added up as Cilium enforces them, see `CiliumDatapathEvaluator`),
 * ANDed with Linkerd authorization (with the proxy's inbound port on the L4 layer) and
 * Istio authorization. A system with no objects allows everything.
 *
 * NetworkPolicies and Cilium policies are not ANDed: Cilium, the only enforcer of the
 * latter, enforces the former as rules of the same repository. ANDing them would report
 * drops that do not happen (a meshed pod's 4143 admitted by Cilium's rules only) and hide
 * allows that do (a NetworkPolicy's L4 allow next to a Cilium L7 rule).
 */
export class EnforcementEvaluator extends AllOfEvaluator {
  public readonly systems: EnforcementSystem[];

  /** @param cache evaluators shared with other manifest sets over `universe` (default: none) */
  public constructor(catalog: ResolvedCatalog, universe: Universe, manifests: ReadonlyArray<unknown>, cache?: EvaluatorCache) {
    const systems = systemsIn(manifests);
    const l4: FlowEvaluator[] = [];
    const aliases = new HostAliases(universe, catalog);
    const evaluators = cache?.universe === universe ? cache : new EvaluatorCache(universe);
    if (systems.includes('networkpolicy') && systems.includes('cilium')) {
      const cilium = evaluators.ciliumEvaluator(manifests, catalog.platform.cilium);
      l4.push(new CiliumDatapathEvaluator(evaluators.networkPolicyEvaluator(manifests), cilium, aliases));
    } else if (systems.includes('networkpolicy')) {
      l4.push(new HostAliasEvaluator(evaluators.networkPolicyEvaluator(manifests), aliases, 'address'));
    } else if (systems.includes('cilium')) {
      l4.push(new HostAliasEvaluator(evaluators.ciliumEvaluator(manifests, catalog.platform.cilium), aliases, 'name'));
    }
    const layers: FlowEvaluator[] = [];
    if (systems.includes('linkerd')) {
      // Namespaces are emitted with every phase: their annotation alone says who is meshed.
      const meshedWorkloads = !manifests.some(m => (m as any)?.kind === 'Namespace');
      layers.push(new LinkerdMeshEvaluator(evaluators.linkerdEvaluator(catalog, manifests, meshedWorkloads), l4));
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
