/**
 * Object identity across phases, the enforcement systems a manifest set configures, and
 * one evaluator for a manifest set that mixes systems (a migration step): a flow is
 * allowed only when every system present allows it. What each system owns and how it
 * evaluates is its entry in `backends.ts`.
 */
import { AnalysisBackend, backendOfPhase, backendOfSystem, ENFORCEMENT_SYSTEMS, EnforcementSystem, injectedMesh, SystemEvaluation, systemOf } from './backends';
import { CiliumEvaluator, isCiliumPolicy } from './cilium';
import { AllOfEvaluator } from './combined';
import { CiliumDatapathEvaluator, HostAliases } from './datapath';
import { Universe } from './endpoints';
import { declaredIntent, Intent } from './intent';
import { LinkerdEvaluator } from './linkerd';
import { isNetworkPolicy, NetworkPolicyEvaluator } from './networkpolicy';
import { FlowEvaluator } from './reachability';
import { GATEWAY_GROUP, POLICY_GROUP } from '../model/mesh-facts/linkerd';
import { ResolvedCatalog } from '../model/resolved';
import { apiGroup } from '../model/values';

export { ENFORCEMENT_SYSTEMS, injectedMesh, systemOf } from './backends';
export type { EnforcementSystem } from './backends';

/** Identity of an object regardless of API version: group, kind, namespace, name. */
export function objectKey(obj: any): string {
  return `${apiGroup(obj?.apiVersion)}/${obj?.kind}/${obj?.metadata?.namespace ?? ''}/${obj?.metadata?.name}`;
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
    const read = (m: any) => (m?.apiVersion === 'v1' && m?.kind === 'Namespace') || [POLICY_GROUP, GATEWAY_GROUP].includes(apiGroup(m?.apiVersion));
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
    const evaluators = cache?.universe === universe ? cache : new EvaluatorCache(universe);
    const context: SystemEvaluation = { catalog, universe, manifests, evaluators, aliases: new HostAliases(universe, catalog) };
    const present = systems.map(backendOfSystem);
    const l4 = l4Layers(context, present);
    const meshes = present.filter(b => b.authorization !== undefined);
    const layers: FlowEvaluator[] = meshes.some(b => b.authorization!.judgesL4) ? [] : [...l4];
    layers.push(...meshes.map(b => b.authorization!.evaluator(context, l4)));
    super(layers, [], systems.length > 0 ? systems.join(' + ') : 'nothing enforced');
    this.systems = systems;
  }
}

/**
 * The L4 layer of a manifest set: each L4 system's own evaluator, except NetworkPolicies
 * and Cilium policies together. That is the one pair whose semantics differ from their
 * parts: Cilium enforces both as rules of one repository (a union, not an AND), so they
 * are read as one data path (`CiliumDatapathEvaluator`).
 */
function l4Layers(context: SystemEvaluation, present: readonly AnalysisBackend[]): FlowEvaluator[] {
  const systems = present.map(b => b.system);
  if (systems.includes('networkpolicy') && systems.includes('cilium')) {
    const cilium = context.evaluators.ciliumEvaluator(context.manifests, context.catalog.platform.cilium);
    return [new CiliumDatapathEvaluator(context.evaluators.networkPolicyEvaluator(context.manifests), cilium, context.aliases)];
  }
  return present.filter(b => b.l4 !== undefined).map(b => b.l4!(context));
}

/**
 * The declared intent as a phase's own check means it (host calls by name or by address,
 * exposed services from the world or from the ingress controller).
 */
export function phaseIntent(catalog: ResolvedCatalog, universe: Universe, phase: string, manifests: ReadonlyArray<unknown>): Intent {
  const systems = systemsIn(manifests);
  const backend = backendOfPhase(phase);
  return backend ? backend.intent(catalog, universe, systems) : declaredIntent(catalog, universe, { hostCalls: systems.includes('networkpolicy') ? 'cidrs' : 'fqdn' });
}
