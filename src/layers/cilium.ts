import { ApiObject, ApiObjectMetadata, Chart, JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';
import { CILIUM_NAMESPACE_LABEL, EgressRule, IngressRule, namesNamespaceLabels } from './cilium-peers';
import { controlPlaneRule, defaultDenySpec, dnsRule, egressRules, ingressRules, LayerSettings, PeerSide, peerSides } from './cilium-rules';
import { MeshDataPlaneOptions } from './mesh-options';
import * as cilium from '../../imports/cilium.io';
import { constructId, MANAGED_BY_LABELS, PhaseCapabilityError, reportDegradation, serviceLabels } from '../emit/common';
import { bindingAt } from '../emit/plain-api-object';
import { ServiceCatalog } from '../model/catalog';
import { ciliumNamespaceLabelsCrossNamespaces, FEATURE_FACTS, supports } from '../model/releases';
import { ResolvedCatalog, ResolvedService } from '../model/resolved';
import { CiliumSettingsSpec } from '../model/types';

/** Prefix of cluster-scoped object names (they share one namespace-less name space). */
const CLUSTERWIDE_PREFIX = 'mesh-ladder';
/** Prefix of the policies that carry a peer's side of its flows in a catalog namespace. */
const PEER_POLICY_PREFIX = 'peer-';

/**
 * Properties of `CiliumPolicyLayer`: the catalog, and the catalog's `cilium` settings
 * field by field over what the catalog says (mesh phases set `l7: false`: their proxies
 * enforce L7, and Cilium's own L7 proxy would sit in between).
 */
export interface CiliumPolicyLayerProps extends CiliumSettingsSpec {
  /** The validated service catalog. */
  readonly catalog: ServiceCatalog;
  /**
   * What a mesh data plane on top needs (proxy inbound ports, control plane).
   * @default - nothing: plain Kubernetes traffic
   */
  readonly mesh?: MeshDataPlaneOptions;
}

/**
 * Cilium allow-lists (cilium.io/v2): deny by default, then one CiliumNetworkPolicy per
 * service. The cilium phase's policies (with L7 HTTP rules), and the L4 layer under a
 * mesh (without them).
 *
 * A flow needs the source's egress AND the destination's ingress, so every declared call
 * is written twice: as egress on the caller and as ingress on the callee, on the callee's
 * pod port. L7 rules sit on the callee's ingress only (one proxy hop per request).
 *
 * Peers outside the catalog: pod peers are `fromEndpoints`/`toEndpoints` (namespace,
 * namespace labels, or any namespace), the whole world is the `world` entity, a partner
 * range is a CIDR set, and the API server is the `kube-apiserver` entity. A version's own
 * calls are an extra rule (`specs`) selecting that version's pods. Where a pod peer's
 * pods live in a catalog namespace (under our default-deny or our per-service policies),
 * a `peer-<name>` policy there allows their side of each declared flow.
 */
export class CiliumPolicyLayer extends Construct {
  /** CiliumClusterwideNetworkPolicies (default-deny, DNS, control plane), when emitted. */
  public readonly clusterwidePolicies: ApiObject[] = [];
  /** What the targeted Cilium release cannot say, and what is emitted instead. */
  public readonly degradations: string[] = [];
  private readonly byService = new Map<string, ApiObject>();
  private readonly byNamespace = new Map<string, ApiObject[]>();
  private readonly byPeer = new Map<string, ApiObject[]>();
  private readonly namespaceLabelPolicies = new Map<string, ApiObject>();


  public constructor(scope: Construct, id: string, props: CiliumPolicyLayerProps) {
    super(scope, id);
    const emission = layerEmission(props);
    this.addNamespaceWidePolicies(emission);
    for (const service of emission.model.services) {
      this.addServicePolicies(emission, service);
    }
    for (const side of peerSides(emission.model, emission.settings)) {
      this.addPeerPolicy(emission, side);
    }
  }

  /**
   * The CiliumNetworkPolicy of a service, as an escape hatch.
   * @param serviceId `namespace/name`
   */
  public policyFor(serviceId: string): ApiObject | undefined {
    return this.byService.get(serviceId);
  }

  /**
   * The CiliumClusterwideNetworkPolicy carrying a service's rules whose peers are named by
   * namespace labels (Cilium honours those only in clusterwide policies), if any.
   * @param serviceId `namespace/name`
   */
  public namespaceLabelPolicyFor(serviceId: string): ApiObject | undefined {
    return this.namespaceLabelPolicies.get(serviceId);
  }

  /**
   * The namespace-wide CiliumNetworkPolicies of an owned namespace (default-deny, DNS
   * allow, control-plane allow), in that order; empty when none were emitted there.
   */
  public namespacePoliciesFor(namespace: string): ApiObject[] {
    return [...(this.byNamespace.get(namespace) ?? [])];
  }

  /**
   * The policies (`peer-<name>`, one per catalog namespace the peer's pods may live in)
   * that allow a pod peer's side of its declared flows; empty when none were needed.
   * @param peerName the peer's name
   */
  public peerPoliciesFor(peerName: string): ApiObject[] {
    return [...(this.byPeer.get(peerName) ?? [])];
  }

  /** Default-deny, DNS and control-plane allows for every pod of the owned namespaces. */
  private addNamespaceWidePolicies(e: Emission): void {
    const { defaultDeny, clusterwideDefaultDeny: clusterwide } = e.model.cilium;
    if (!defaultDeny || e.owned.length === 0) {
      return;
    }
    const wide: Array<{ name: string; spec: cilium.CiliumNetworkPolicySpec }> = [
      { name: 'default-deny', spec: defaultDenySpec(e.hasEnableDefaultDeny) },
      { name: 'allow-dns', spec: { endpointSelector: {}, egress: [dnsRule(e.model.dns)] } },
      ...(e.controlPlaneRules.length > 0 ? [{ name: 'allow-mesh-control-plane', spec: { endpointSelector: {}, egress: e.controlPlaneRules } }] : []),
    ];
    if (clusterwide) {
      const inOwned: cilium.CiliumNetworkPolicySpecEndpointSelector = {
        matchExpressions: [{
          key: CILIUM_NAMESPACE_LABEL,
          operator: cilium.CiliumNetworkPolicySpecEndpointSelectorMatchExpressionsOperator.IN,
          values: e.owned,
        }],
      };
      for (const { name, spec } of wide) {
        const fullName = `${CLUSTERWIDE_PREFIX}-${name}`;
        this.clusterwidePolicies.push(clusterScoped(new e.Ccnp(this, constructId('clusterwide', name), {
          metadata: e.metadata(fullName, undefined, { ...MANAGED_BY_LABELS }),
          // Same JSON shape; the bindings only differ in (string) enum type names.
          spec: { ...spec, endpointSelector: inOwned } as unknown as cilium.CiliumClusterwideNetworkPolicySpec,
        })));
      }
    } else {
      for (const ns of e.owned) {
        this.byNamespace.set(ns, wide.map(({ name, spec }) => new e.Cnp(this, constructId(ns, name), {
          metadata: e.metadata(name, ns, { ...MANAGED_BY_LABELS }),
          spec,
        })));
      }
    }
  }

  /** A service's policy, and the clusterwide one for its rules that name namespace labels. */
  private addServicePolicies(e: Emission, service: ResolvedService): void {
    const { ingress, egress, versionSpecs, wideSpecs } = serviceRules(e, service);
    const policy = new e.Cnp(this, constructId(service.id), {
      metadata: e.metadata(service.name, service.namespace, serviceLabels(service)),
      spec: {
        endpointSelector: { matchLabels: { ...service.selector } },
        // An empty list would leave the direction unenforced; `{}` allows nothing.
        ingress: ingress.length > 0 ? ingress : [{}],
        egress: egress.length > 0 ? egress : [{}],
        ...e.enableDefaultDeny,
      },
      ...(versionSpecs.length > 0 ? { specs: versionSpecs } : {}),
    });
    this.byService.set(service.id, policy);
    if (wideSpecs.length > 0) {
      const name = `${CLUSTERWIDE_PREFIX}-${service.namespace}-${service.name}-namespace-labels`;
      this.namespaceLabelPolicies.set(service.id, clusterScoped(new e.Ccnp(this, constructId('clusterwide', service.id, 'namespace-labels'), {
        metadata: e.metadata(checkedPolicyName(name), undefined, serviceLabels(service)),
        specs: wideSpecs,
      })));
    }
  }

  /** A `peer-<name>` policy: a pod peer's side of its flows in one catalog namespace. */
  private addPeerPolicy(e: Emission, side: PeerSide): void {
    const name = `${PEER_POLICY_PREFIX}${side.peer.name}`;
    if (!e.hasEnableDefaultDeny && !e.covered.has(side.namespace)) {
      const directions = [...(side.ingress.length > 0 ? ['ingress'] : []), ...(side.egress.length > 0 ? ['egress'] : [])].join(' and ');
      reportDegradation(this, this.degradations, `peer ${side.peer.name} in namespace ${side.namespace}: policy ${name} cannot stay allow-only before Cilium 1.16 `
        + `(enableDefaultDeny; platform.cilium is ${e.model.platform.cilium}): the peer's pods there are in default-deny for ${directions}, `
        + 'so their flows the catalog does not declare stop (declare them, or own the namespace)');
    }
    const clash = e.model.services.find(s => s.namespace === side.namespace && s.name === name);
    if (clash) {
      throw new PhaseCapabilityError(`service ${clash.id} has the name of the policy that carries peer "${side.peer.name}"'s side of its flows in namespace ${side.namespace}: rename the service or the peer`);
    }
    const policy = new e.Cnp(this, constructId(side.namespace, name), {
      metadata: e.metadata(name, side.namespace, { ...MANAGED_BY_LABELS }),
      spec: {
        endpointSelector: Object.keys(side.peer.selector).length > 0 ? { matchLabels: { ...side.peer.selector } } : {},
        ...(side.ingress.length > 0 ? { ingress: side.ingress } : {}),
        ...(side.egress.length > 0 ? { egress: side.egress } : {}),
        // Allows only: the peer's pods are in default-deny where we put them there
        // (owned namespaces, catalog workloads) and stay untouched elsewhere. Before
        // Cilium 1.16 this cannot be said (reported as a degradation above).
        ...(e.hasEnableDefaultDeny ? { enableDefaultDeny: { ingress: false, egress: false } } : {}),
      },
    });
    this.byPeer.set(side.peer.name, [...(this.byPeer.get(side.peer.name) ?? []), policy]);
  }
}

/** What every policy of the layer shares, worked out once from the props. */
interface Emission {
  readonly model: ResolvedCatalog;
  readonly settings: LayerSettings;
  /** Object metadata carrying the catalog's policy labels and annotations. */
  readonly metadata: (name: string, namespace: string | undefined, labels: Record<string, string>) => ApiObjectMetadata;
  readonly Cnp: typeof cilium.CiliumNetworkPolicy;
  readonly Ccnp: typeof cilium.CiliumClusterwideNetworkPolicy;
  /** Whether the targeted release has `enableDefaultDeny` (Cilium 1.16 on). */
  readonly hasEnableDefaultDeny: boolean;
  /** The catalog's `enableDefaultDeny`, spread into every per-service spec (empty when unset). */
  readonly enableDefaultDeny: { readonly enableDefaultDeny?: { readonly ingress: boolean; readonly egress: boolean } };
  /** Whether the targeted release honours namespace labels in a namespaced policy. */
  readonly namespaceLabelsHonoured: boolean;
  /** The catalog's owned namespaces. */
  readonly owned: string[];
  /** Namespaces whose pods get the DNS (and control-plane) allow from a namespace-wide policy. */
  readonly covered: ReadonlySet<string>;
  readonly controlPlaneRules: EgressRule[];
}

function layerEmission(props: CiliumPolicyLayerProps): Emission {
  const model = props.catalog.withSettings({ cilium: props })._resolved;
  const ciliumSettings = model.cilium;
  const settings: LayerSettings = {
    l7: ciliumSettings.l7,
    mutualAuth: ciliumSettings.mutualAuth,
    proxyPorts: props.mesh?.inboundProxyPorts ?? [],
    ingressFromWorld: ciliumSettings.ingressFromWorld,
  };
  const metadata = (name: string, namespace: string | undefined, labels: Record<string, string>) => ({
    name,
    ...(namespace !== undefined ? { namespace } : {}),
    labels: { ...labels, ...ciliumSettings.policyLabels },
    ...(Object.keys(ciliumSettings.policyAnnotations).length > 0 ? { annotations: { ...ciliumSettings.policyAnnotations } } : {}),
  });
  const platform = model.platform;
  // `enableDefaultDeny` exists from Cilium 1.16 (src/model/releases.ts); before, `true`
  // is what Cilium does anyway and `false` cannot be said.
  const hasEnableDefaultDeny = supports(platform, 'ciliumEnableDefaultDeny');
  if (ciliumSettings.enableDefaultDeny === false && !hasEnableDefaultDeny) {
    throw new PhaseCapabilityError(`enableDefaultDeny: false needs Cilium 1.16 or later (platform.cilium is ${platform.cilium}; ${FEATURE_FACTS.ciliumEnableDefaultDeny.source}). Leave enableDefaultDeny unset, or target Cilium 1.16.`);
  }
  const enableDefaultDeny = ciliumSettings.enableDefaultDeny !== undefined && hasEnableDefaultDeny
    ? { enableDefaultDeny: { ingress: ciliumSettings.enableDefaultDeny, egress: ciliumSettings.enableDefaultDeny } }
    : {};
  const owned = model.namespaces.filter(n => n.owned).map(n => n.name);
  return {
    model,
    settings,
    metadata,
    Cnp: bindingAt(platform, 'CiliumNetworkPolicy.cilium.io', cilium.CiliumNetworkPolicy),
    Ccnp: bindingAt(platform, 'CiliumClusterwideNetworkPolicy.cilium.io', cilium.CiliumClusterwideNetworkPolicy),
    hasEnableDefaultDeny,
    enableDefaultDeny,
    namespaceLabelsHonoured: ciliumNamespaceLabelsCrossNamespaces(platform.cilium, false),
    owned,
    covered: new Set(ciliumSettings.defaultDeny ? owned : []),
    controlPlaneRules: (props.mesh?.controlPlane ?? []).map(controlPlaneRule),
  };
}

/**
 * A service's rules: its policy's ingress and egress, a `specs` entry per version with
 * calls of its own, and (for its clusterwide policy) the rules whose peers are named by
 * namespace labels.
 */
function serviceRules(e: Emission, service: ResolvedService) {
  const allIngress = ingressRules(e.model, service, e.settings);
  const allEgress = [
    ...egressRules(e.model, service.calls, service.peerCalls, e.settings.proxyPorts),
    // Outside covered namespaces no namespace-wide allows exist: carry them here.
    ...(e.covered.has(service.namespace) ? [] : [dnsRule(e.model.dns), ...e.controlPlaneRules]),
  ];
  // Rules whose peers are named by namespace labels go to a clusterwide policy where the
  // targeted release ignores namespace labels in a namespaced one (every supported
  // release: src/model/releases.ts).
  const movesWide = (rule: IngressRule | EgressRule) => !e.namespaceLabelsHonoured && namesNamespaceLabels(rule);
  const ingress = allIngress.filter(r => !movesWide(r));
  const egress = allEgress.filter(r => !movesWide(r));
  const wideSpecs: cilium.CiliumClusterwideNetworkPolicySpecs[] = [];
  const podsHere = (labels: Record<string, string>) => ({ matchLabels: { ...labels, [CILIUM_NAMESPACE_LABEL]: service.namespace } });
  const wideIngress = allIngress.filter(movesWide);
  const wideEgress = allEgress.filter(movesWide);
  if (wideIngress.length > 0 || wideEgress.length > 0) {
    wideSpecs.push({
      endpointSelector: podsHere(service.selector),
      ...(wideIngress.length > 0 ? { ingress: wideIngress } : {}),
      ...(wideEgress.length > 0 ? { egress: wideEgress } : {}),
      ...e.enableDefaultDeny,
    } as unknown as cilium.CiliumClusterwideNetworkPolicySpecs);
  }
  // A version's own calls: egress of that version's pods only (what the whole service
  // may do already is not repeated).
  const serviceEgress = new Set(egress.map(rule => JSON.stringify(rule)));
  const versionRules = service.versions.map(v => ({
    v,
    rules: egressRules(e.model, v.calls, v.peerCalls, e.settings.proxyPorts).filter(rule => !serviceEgress.has(JSON.stringify(rule))),
  }));
  for (const { v, rules } of versionRules) {
    const wide = rules.filter(movesWide);
    if (wide.length > 0) {
      wideSpecs.push({
        endpointSelector: podsHere({ ...service.selector, ...v.labels }),
        egress: wide,
        ...e.enableDefaultDeny,
      } as unknown as cilium.CiliumClusterwideNetworkPolicySpecs);
    }
  }
  const versionSpecs = versionRules
    .map(({ v, rules }) => ({ v, rules: rules.filter(r => !movesWide(r)) }))
    .filter(({ rules }) => rules.length > 0)
    .map(({ v, rules }): cilium.CiliumNetworkPolicySpecs => ({
      endpointSelector: { matchLabels: { ...service.selector, ...v.labels } },
      egress: rules as unknown as cilium.CiliumNetworkPolicySpecsEgress[],
      ...e.enableDefaultDeny,
    }));
  return { ingress, egress, versionSpecs, wideSpecs };
}

/** A cluster-scoped policy name made of namespace and service names. */
function checkedPolicyName(name: string): string {
  if (name.length > 253) {
    throw new PhaseCapabilityError(`the clusterwide policy name ${name} is longer than 253 characters; shorten the namespace or service name`);
  }
  return name;
}

/**
 * cdk8s gives every ApiObject its chart's namespace; a cluster-scoped object must not
 * carry one.
 */
function clusterScoped<T extends ApiObject>(obj: T): T {
  if (Chart.of(obj).namespace !== undefined) {
    obj.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
  }
  return obj;
}
