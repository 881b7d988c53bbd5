/**
 * What the analysis knows of each backend, in one registry: the enforcement system its
 * phase configures, the emitted objects it owns, the injection markers of its Namespaces,
 * how it evaluates inside a manifest set that mixes systems (a migration step), the intent
 * its own check proves, the check itself, and how two versions of its policies add up in a
 * migration step. `enforcement.ts`, `phases.ts` and `plan.ts` read it; the synthesis half
 * is `src/phases/registry.ts`, and `src/backends.ts` joins both (layering keeps them apart).
 */
import { CiliumEvaluator, checkCiliumReachability, ciliumIntent } from './cilium';
import { HostAliases } from './datapath';
import { Universe } from './endpoints';
import { HostAliasEvaluator } from './host-alias-evaluator';
import { declaredIntent, Intent } from './intent';
import { checkIstioReachability, IstioEvaluator } from './istio';
import { checkLinkerdReachability, LinkerdEvaluator, LinkerdMeshEvaluator } from './linkerd';
import { NetworkPolicyEvaluator } from './networkpolicy';
import { unionCiliumPolicies, unionIstioPolicies, unionNetworkPolicies } from './policy-union';
import { checkNetworkPolicyReachability, FlowEvaluator, ReachabilityOptions, ReachabilityReport } from './reachability';
import { CILIUM_GROUP } from '../model/mesh-facts/cilium';
import * as istio from '../model/mesh-facts/istio';
import * as linkerd from '../model/mesh-facts/linkerd';
import { ALL_PHASES, Phase } from '../model/phase';
import { ResolvedCatalog } from '../model/resolved';
import { apiGroup } from '../model/values';

/** Enforcement systems that decide whether a flow is allowed. */
export type EnforcementSystem = 'networkpolicy' | 'cilium' | 'linkerd' | 'istio';

/** Proves that a phase's manifests allow exactly the flows the catalog declares. */
export type PhaseCheck = (catalog: ResolvedCatalog, manifests: ReadonlyArray<unknown>, options?: ReachabilityOptions) => ReachabilityReport;

/** The Namespace markers by which a mesh injects its proxy into a namespace's pods. */
export interface InjectionMarkers {
  /** Namespace labels that turn the mesh's injection on or off (a migration step keeps only the injecting mesh's). */
  readonly labels: readonly string[];
  /** Namespace annotations that do the same. */
  readonly annotations: readonly string[];
  /** Whether a Namespace object's markers inject this mesh's proxies. */
  injects(namespace: any): boolean;
}

/** The evaluators a manifest set's systems are read by, shared between sets (`EvaluatorCache`). */
export interface SystemEvaluators {
  networkPolicyEvaluator(manifests: ReadonlyArray<unknown>): NetworkPolicyEvaluator;
  ciliumEvaluator(manifests: ReadonlyArray<unknown>, release: string): CiliumEvaluator;
  linkerdEvaluator(catalog: ResolvedCatalog, manifests: ReadonlyArray<unknown>, meshedWorkloads: boolean): LinkerdEvaluator;
}

/** One manifest set being evaluated (see `EnforcementEvaluator`). */
export interface SystemEvaluation {
  readonly catalog: ResolvedCatalog;
  readonly universe: Universe;
  readonly manifests: ReadonlyArray<unknown>;
  readonly evaluators: SystemEvaluators;
  readonly aliases: HostAliases;
}

/** A mesh's authorization on top of the L4 layer of a manifest set. */
export interface MeshAuthorization {
  /**
   * True when the mesh's evaluator judges the L4 layers itself (Linkerd: a meshed client
   * dials the proxy's inbound port, so the L4 layer is asked about that port): the L4
   * layers are then not ANDed on their own. False: the mesh is ANDed next to them.
   */
  readonly judgesL4: boolean;
  evaluator(context: SystemEvaluation, l4: FlowEvaluator[]): FlowEvaluator;
}

/** What the analysis knows of one backend (its phase and the enforcement system it configures). */
export interface AnalysisBackend {
  readonly phase: Phase;
  readonly system: EnforcementSystem;
  /** Set for a mesh: how its Namespaces say that its proxies are injected. */
  readonly injection?: InjectionMarkers;
  /** Set for a mesh: its authorization on top of the L4 layer. */
  readonly authorization?: MeshAuthorization;
  /** The phase's own check: the manifests allow exactly the declared flows. */
  readonly check: PhaseCheck;
  /** Whether an emitted object configures this system (its policy objects). */
  owns(obj: any): boolean;
  /** Set for an L4 system: its evaluator when it is the only L4 system of a set, read through host aliases. */
  l4?(context: SystemEvaluation): FlowEvaluator;
  /**
   * The declared intent as the phase's own check means it (host calls by name or by
   * address, exposed services from the world or from the ingress controller), given the
   * systems present in the manifest set.
   */
  intent(catalog: ResolvedCatalog, universe: Universe, systems: readonly EnforcementSystem[]): Intent;
  /**
   * Two versions of one of its policy objects as one, allowing what either does (a
   * migration step holds both phases' rules while they overlap); undefined when they
   * cannot be combined. Unset: the newer version replaces the older.
   */
  unionPolicies?(older: any, newer: any): any | undefined;
}


/** Host calls are declared by address where NetworkPolicies enforce them (they match CIDRs only), else by name. */
function hostCallsOver(systems: readonly EnforcementSystem[]): 'cidrs' | 'fqdn' {
  return systems.includes('networkpolicy') ? 'cidrs' : 'fqdn';
}

const BASELINE: AnalysisBackend = {
  phase: Phase.BASELINE,
  system: 'networkpolicy',
  owns: obj => apiGroup(obj?.apiVersion) === 'networking.k8s.io' && obj?.kind === 'NetworkPolicy',
  l4: context => new HostAliasEvaluator(context.evaluators.networkPolicyEvaluator(context.manifests), context.aliases, 'address'),
  intent: (catalog, universe) => declaredIntent(catalog, universe, { hostCalls: 'cidrs' }),
  check: checkNetworkPolicyReachability,
  unionPolicies: unionNetworkPolicies,
};

const CILIUM: AnalysisBackend = {
  phase: Phase.CILIUM,
  system: 'cilium',
  owns: obj => apiGroup(obj?.apiVersion) === CILIUM_GROUP && /NetworkPolicy$/.test(String(obj?.kind)),
  l4: context => new HostAliasEvaluator(
    context.evaluators.ciliumEvaluator(context.manifests, context.catalog.platform.cilium), context.aliases, 'name'),
  intent: (catalog, universe) => ciliumIntent(catalog, universe),
  check: checkCiliumReachability,
  unionPolicies: unionCiliumPolicies,
};

const LINKERD: AnalysisBackend = {
  phase: Phase.LINKERD,
  system: 'linkerd',
  owns: obj => apiGroup(obj?.apiVersion) === linkerd.POLICY_GROUP,
  injection: {
    labels: [],
    annotations: [linkerd.INJECT_ANNOTATION],
    // linkerd.io/2/features/proxy-injection: `linkerd.io/inject: enabled` on the namespace.
    injects: ns => ns?.metadata?.annotations?.[linkerd.INJECT_ANNOTATION] === 'enabled',
  },
  authorization: {
    judgesL4: true,
    evaluator: (context, l4) => {
      // Namespaces are emitted with every phase: their annotation alone says who is meshed.
      const meshedWorkloads = !context.manifests.some(m => (m as any)?.kind === 'Namespace');
      return new LinkerdMeshEvaluator(context.evaluators.linkerdEvaluator(context.catalog, context.manifests, meshedWorkloads), l4);
    },
  },
  // The Linkerd check proves over Cilium's L4 intent where Cilium is underneath (`checkLinkerdReachability`).
  intent: (catalog, universe, systems) => (systems.includes('cilium')
    ? ciliumIntent(catalog, universe) : declaredIntent(catalog, universe, { hostCalls: hostCallsOver(systems) })),
  check: checkLinkerdReachability,
};

const ISTIO: AnalysisBackend = {
  phase: Phase.ISTIO,
  system: 'istio',
  owns: obj => apiGroup(obj?.apiVersion) === istio.SECURITY_GROUP,
  injection: {
    labels: [istio.INJECTION_LABEL, istio.REVISION_LABEL],
    annotations: [],
    // istio.io docs setup/additional-setup/sidecar-injection ("Controlling the injection
    // policy"): `istio-injection=enabled`, or a revision label unless injection is disabled.
    injects: ns => {
      const labels = ns?.metadata?.labels ?? {};
      return labels[istio.INJECTION_LABEL] === istio.INJECTION_ENABLED
        || (labels[istio.REVISION_LABEL] !== undefined && labels[istio.INJECTION_LABEL] !== istio.INJECTION_DISABLED);
    },
  },
  authorization: { judgesL4: false, evaluator: context => new IstioEvaluator(context.catalog, context.manifests) },
  // The Istio check declares host calls by the L4 layer underneath (`checkIstioReachability`).
  intent: (catalog, universe, systems) => declaredIntent(catalog, universe, { hostCalls: hostCallsOver(systems) }),
  check: checkIstioReachability,
  unionPolicies: unionIstioPolicies,
};

/** Every backend the analysis knows, by phase. Adding a backend adds its entry here. */
export const ANALYSIS_BACKENDS: Readonly<Record<Phase, AnalysisBackend>> = {
  [Phase.BASELINE]: BASELINE,
  [Phase.CILIUM]: CILIUM,
  [Phase.LINKERD]: LINKERD,
  [Phase.ISTIO]: ISTIO,
};

/** The backends in ladder order. */
const LADDER: readonly AnalysisBackend[] = ALL_PHASES.map(p => ANALYSIS_BACKENDS[p]);

/** The enforcement systems in ladder order. */
export const ENFORCEMENT_SYSTEMS: readonly EnforcementSystem[] = LADDER.map(b => b.system);

/** The backend of an enforcement system. */
export function backendOfSystem(system: EnforcementSystem): AnalysisBackend {
  return LADDER.find(b => b.system === system)!;
}

/** The backend of a phase name; undefined for a name that is no phase. */
export function backendOfPhase(phase: string): AnalysisBackend | undefined {
  return (ANALYSIS_BACKENDS as Record<string, AnalysisBackend | undefined>)[phase];
}

/** The enforcement system an object configures; undefined for everything else. */
export function systemOf(obj: any): EnforcementSystem | undefined {
  return LADDER.find(b => b.owns(obj))?.system;
}

/**
 * The meshes in the order their markers are read: a Namespace marked for both reads as
 * Istio's (a migration step never leaves both: see `mergeNamespace` in plan.ts).
 */
const INJECTING_MESHES: readonly AnalysisBackend[] = [ISTIO, LINKERD];

/** The mesh whose proxies a Namespace object injects, if any. */
export function injectedMesh(obj: any): 'linkerd' | 'istio' | undefined {
  if (obj?.kind !== 'Namespace') {
    return undefined;
  }
  return INJECTING_MESHES.find(b => b.injection!.injects(obj))?.system as 'linkerd' | 'istio' | undefined;
}

/** Every mesh's injection labels and annotations (what a Namespace of another mesh must lose). */
export function injectionMarkers(): { readonly labels: string[]; readonly annotations: string[] } {
  const meshes = LADDER.map(b => b.injection).filter((i): i is InjectionMarkers => i !== undefined);
  return { labels: meshes.flatMap(m => m.labels), annotations: meshes.flatMap(m => m.annotations) };
}
