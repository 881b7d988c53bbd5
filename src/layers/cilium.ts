import { ApiObject, Chart, JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';
import { httpRuleOf } from './cilium-http';
import { MeshDataPlaneOptions, MeshEndpointSpec } from './mesh-options';
import * as cilium from '../../imports/cilium.io';
import { constructId, MANAGED_BY_LABELS, PhaseCapabilityError, serviceLabels } from '../emit/common';
import { bindingAt } from '../emit/plain-api-object';
import { ServiceCatalog } from '../model/catalog';
import { compareStrings } from '../model/compare';
import { peerCoversNamespace } from '../model/peers';
import { ciliumNamespaceLabelsCrossNamespaces, FEATURE_FACTS, supports } from '../model/releases';
import {
  ExternalPort,
  ResolvedCatalog,
  ResolvedCall,
  ResolvedLocation,
  ResolvedPeer,
  ResolvedPeerCall,
  ResolvedPort,
  ResolvedRoute,
  ResolvedService,
} from '../model/resolved';
import { routesOnPort } from '../model/routes';
import { CiliumSettingsSpec, PortProtocol } from '../model/types';

/** Label Cilium derives from a pod's namespace; selectors without it stay in the policy's namespace. */
const CILIUM_NAMESPACE_LABEL = 'k8s:io.kubernetes.pod.namespace';
/**
 * Prefix of the labels Cilium copies from a pod's namespace. A selector with such a key is
 * not confined to the policy's namespace (Cilium adds no namespace to it).
 */
const CILIUM_NAMESPACE_LABELS_PREFIX = 'k8s:io.cilium.k8s.namespace.labels.';
/** The built-in world peer's ranges: everything, which the `world` entity stands for. */
const WHOLE_WORLD = ['0.0.0.0/0', '::/0'];

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
    const model = props.catalog.withSettings({ cilium: props })._resolved;
    const ciliumSettings = model.cilium;
    const settings: LayerSettings = {
      l7: ciliumSettings.l7,
      mutualAuth: ciliumSettings.mutualAuth,
      proxyPorts: props.mesh?.inboundProxyPorts ?? [],
      ingressFromWorld: ciliumSettings.ingressFromWorld,
    };
    const defaultDeny = ciliumSettings.defaultDeny;
    const clusterwide = ciliumSettings.clusterwideDefaultDeny;
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
    const Cnp = bindingAt(platform, 'CiliumNetworkPolicy.cilium.io', cilium.CiliumNetworkPolicy);
    const Ccnp = bindingAt(platform, 'CiliumClusterwideNetworkPolicy.cilium.io', cilium.CiliumClusterwideNetworkPolicy);
    const namespaceLabelsHonoured = ciliumNamespaceLabelsCrossNamespaces(platform.cilium, false);

    const owned = model.namespaces.filter(n => n.owned).map(n => n.name);
    // Namespaces whose pods get the DNS (and control-plane) allow from a namespace-wide policy.
    const covered = new Set(defaultDeny ? owned : []);
    const controlPlaneRules = (props.mesh?.controlPlane ?? []).map(controlPlaneRule);

    if (defaultDeny && owned.length > 0) {
      const wide: Array<{ name: string; spec: cilium.CiliumNetworkPolicySpec }> = [
        { name: 'default-deny', spec: defaultDenySpec(hasEnableDefaultDeny) },
        { name: 'allow-dns', spec: { endpointSelector: {}, egress: [dnsRule(model.dns)] } },
        ...(controlPlaneRules.length > 0 ? [{ name: 'allow-mesh-control-plane', spec: { endpointSelector: {}, egress: controlPlaneRules } }] : []),
      ];
      if (clusterwide) {
        const inOwned: cilium.CiliumNetworkPolicySpecEndpointSelector = {
          matchExpressions: [{
            key: CILIUM_NAMESPACE_LABEL,
            operator: cilium.CiliumNetworkPolicySpecEndpointSelectorMatchExpressionsOperator.IN,
            values: owned,
          }],
        };
        for (const { name, spec } of wide) {
          const fullName = `${CLUSTERWIDE_PREFIX}-${name}`;
          this.clusterwidePolicies.push(clusterScoped(new Ccnp(this, constructId('clusterwide', name), {
            metadata: metadata(fullName, undefined, { ...MANAGED_BY_LABELS }),
            // Same JSON shape; the bindings only differ in (string) enum type names.
            spec: { ...spec, endpointSelector: inOwned } as unknown as cilium.CiliumClusterwideNetworkPolicySpec,
          })));
        }
      } else {
        for (const ns of owned) {
          this.byNamespace.set(ns, wide.map(({ name, spec }) => new Cnp(this, constructId(ns, name), {
            metadata: metadata(name, ns, { ...MANAGED_BY_LABELS }),
            spec,
          })));
        }
      }
    }

    for (const service of model.services) {
      const allIngress = ingressRules(model, service, settings);
      const allEgress = [
        ...egressRules(model, service.calls, service.peerCalls, settings.proxyPorts),
        // Outside covered namespaces no namespace-wide allows exist: carry them here.
        ...(covered.has(service.namespace) ? [] : [dnsRule(model.dns), ...controlPlaneRules]),
      ];
      // Rules whose peers are named by namespace labels go to a clusterwide policy where the
      // targeted release ignores namespace labels in a namespaced one (every supported
      // release: src/model/releases.ts).
      const movesWide = (rule: IngressRule | EgressRule) => !namespaceLabelsHonoured && namesNamespaceLabels(rule);
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
          ...enableDefaultDeny,
        } as unknown as cilium.CiliumClusterwideNetworkPolicySpecs);
      }
      // A version's own calls: egress of that version's pods only (what the whole service
      // may do already is not repeated).
      const serviceEgress = new Set(egress.map(rule => JSON.stringify(rule)));
      const versionRules = service.versions.map(v => ({
        v,
        rules: egressRules(model, v.calls, v.peerCalls, settings.proxyPorts).filter(rule => !serviceEgress.has(JSON.stringify(rule))),
      }));
      for (const { v, rules } of versionRules) {
        const wide = rules.filter(movesWide);
        if (wide.length > 0) {
          wideSpecs.push({
            endpointSelector: podsHere({ ...service.selector, ...v.labels }),
            egress: wide,
            ...enableDefaultDeny,
          } as unknown as cilium.CiliumClusterwideNetworkPolicySpecs);
        }
      }
      const versionSpecs = versionRules
        .map(({ v, rules }) => ({ v, rules: rules.filter(r => !movesWide(r)) }))
        .filter(({ rules }) => rules.length > 0)
        .map(({ v, rules }): cilium.CiliumNetworkPolicySpecs => ({
          endpointSelector: { matchLabels: { ...service.selector, ...v.labels } },
          egress: rules as unknown as cilium.CiliumNetworkPolicySpecsEgress[],
          ...enableDefaultDeny,
        }));
      const policy = new Cnp(this, constructId(service.id), {
        metadata: metadata(service.name, service.namespace, serviceLabels(service)),
        spec: {
          endpointSelector: { matchLabels: { ...service.selector } },
          // An empty list would leave the direction unenforced; `{}` allows nothing.
          ingress: ingress.length > 0 ? ingress : [{}],
          egress: egress.length > 0 ? egress : [{}],
          ...enableDefaultDeny,
        },
        ...(versionSpecs.length > 0 ? { specs: versionSpecs } : {}),
      });
      this.byService.set(service.id, policy);
      if (wideSpecs.length > 0) {
        const name = `${CLUSTERWIDE_PREFIX}-${service.namespace}-${service.name}-namespace-labels`;
        this.namespaceLabelPolicies.set(service.id, clusterScoped(new Ccnp(this, constructId('clusterwide', service.id, 'namespace-labels'), {
          metadata: metadata(checkedPolicyName(name), undefined, serviceLabels(service)),
          specs: wideSpecs,
        })));
      }
    }

    for (const side of peerSides(model, settings)) {
      const name = `${PEER_POLICY_PREFIX}${side.peer.name}`;
      if (!hasEnableDefaultDeny && !covered.has(side.namespace)) {
        const directions = [...(side.ingress.length > 0 ? ['ingress'] : []), ...(side.egress.length > 0 ? ['egress'] : [])].join(' and ');
        this.degradations.push(`peer ${side.peer.name} in namespace ${side.namespace}: policy ${name} cannot stay allow-only before Cilium 1.16 `
          + `(enableDefaultDeny; platform.cilium is ${platform.cilium}): the peer's pods there are in default-deny for ${directions}, `
          + 'so their flows the catalog does not declare stop (declare them, or own the namespace)');
      }
      const clash = model.services.find(s => s.namespace === side.namespace && s.name === name);
      if (clash) {
        throw new PhaseCapabilityError(`service ${clash.id} has the name of the policy that carries peer "${side.peer.name}"'s side of its flows in namespace ${side.namespace}: rename the service or the peer`);
      }
      const policy = new Cnp(this, constructId(side.namespace, name), {
        metadata: metadata(name, side.namespace, { ...MANAGED_BY_LABELS }),
        spec: {
          endpointSelector: Object.keys(side.peer.selector).length > 0 ? { matchLabels: { ...side.peer.selector } } : {},
          ...(side.ingress.length > 0 ? { ingress: side.ingress } : {}),
          ...(side.egress.length > 0 ? { egress: side.egress } : {}),
          // Allows only: the peer's pods are in default-deny where we put them there
          // (owned namespaces, catalog workloads) and stay untouched elsewhere. Before
          // Cilium 1.16 this cannot be said (src/phases/degradations.ts reports it).
          ...(hasEnableDefaultDeny ? { enableDefaultDeny: { ingress: false, egress: false } } : {}),
        },
      });
      this.byPeer.set(side.peer.name, [...(this.byPeer.get(side.peer.name) ?? []), policy]);
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
}

interface LayerSettings {
  readonly l7: boolean;
  readonly mutualAuth: boolean;
  readonly proxyPorts: readonly number[];
  readonly ingressFromWorld: boolean;
}

type PortsEntry = cilium.CiliumNetworkPolicySpecEgressToPortsPorts;
type IngressRule = cilium.CiliumNetworkPolicySpecIngress;
type EgressRule = cilium.CiliumNetworkPolicySpecEgress;
type IngressToPorts = cilium.CiliumNetworkPolicySpecIngressToPorts;

/** An endpoint selector as plain data (the bindings type ingress and egress selectors apart). */
interface Selector {
  readonly matchLabels?: Record<string, string>;
  readonly matchExpressions?: ReadonlyArray<{ readonly key: string; readonly operator: string }>;
}

/** Who a rule is about, without ports: pods, entities or address ranges. */
interface RulePeer {
  readonly endpoints?: Selector[];
  readonly entities?: Array<'world' | 'kube-apiserver'>;
  readonly cidrs?: string[];
}

function defaultDenySpec(hasEnableDefaultDeny: boolean): cilium.CiliumNetworkPolicySpec {
  // `{}` rules select the direction and allow nothing; `enableDefaultDeny: true` restates
  // Cilium's default, said where the release has the field (1.16 on).
  const restated = hasEnableDefaultDeny ? { enableDefaultDeny: { ingress: true, egress: true } } : {};
  return { endpointSelector: {}, ingress: [{}], egress: [{}], ...restated };
}

/** An endpoint selector for pods of a location, always naming the namespace. */
function peerSelector(location: { readonly namespace: string; readonly selector: Record<string, string> }): { matchLabels: Record<string, string> } {
  return { matchLabels: { ...location.selector, [CILIUM_NAMESPACE_LABEL]: location.namespace } };
}

/**
 * A peer as Cilium names it. Pods: their labels plus the namespace (by name, by the
 * namespace's labels, or any namespace: an empty selector would mean the policy's own
 * namespace only). The whole world: the `world` entity; a partner range: a CIDR set; the
 * API server: the `kube-apiserver` entity (in or outside the cluster, no addresses needed).
 */
function rulePeer(peer: ResolvedPeer): RulePeer {
  switch (peer.kind) {
    case 'kube-apiserver':
      return { entities: ['kube-apiserver'] };
    case 'world':
      return isWholeWorld(peer) ? { entities: ['world'] } : { cidrs: [...peer.cidrs] };
    case 'pods': {
      const labels = { ...peer.selector };
      if (peer.namespace !== undefined) {
        return { endpoints: [{ matchLabels: { ...labels, [CILIUM_NAMESPACE_LABEL]: peer.namespace } }] };
      }
      if (peer.namespaceSelector !== undefined) {
        const nsLabels = Object.fromEntries(Object.entries(peer.namespaceSelector).map(([k, v]) => [`${CILIUM_NAMESPACE_LABELS_PREFIX}${k}`, v]));
        return { endpoints: [{ matchLabels: { ...labels, ...nsLabels } }] };
      }
      // Any namespace: naming the namespace key keeps Cilium from scoping the selector to
      // the policy's namespace. (The `cluster` entity would also admit nodes and hosts.)
      return {
        endpoints: [{
          ...(Object.keys(labels).length > 0 ? { matchLabels: labels } : {}),
          matchExpressions: [{ key: CILIUM_NAMESPACE_LABEL, operator: 'Exists' }],
        }],
      };
    }
  }
}

/** A rule whose peer selectors name namespace labels (`io.cilium.k8s.namespace.labels.*`). */
function namesNamespaceLabels(rule: IngressRule | EgressRule): boolean {
  const selectors = [...((rule as IngressRule).fromEndpoints ?? []), ...((rule as EgressRule).toEndpoints ?? [])] as Selector[];
  return selectors.some(sel => Object.keys(sel.matchLabels ?? {}).some(k => k.startsWith(CILIUM_NAMESPACE_LABELS_PREFIX))
    || (sel.matchExpressions ?? []).some(e => e.key.startsWith(CILIUM_NAMESPACE_LABELS_PREFIX)));
}

/** A cluster-scoped policy name made of namespace and service names. */
function checkedPolicyName(name: string): string {
  if (name.length > 253) {
    throw new PhaseCapabilityError(`the clusterwide policy name ${name} is longer than 253 characters; shorten the namespace or service name`);
  }
  return name;
}

function isWholeWorld(peer: ResolvedPeer): boolean {
  return peer.cidrs.length === WHOLE_WORLD.length && WHOLE_WORLD.every(c => peer.cidrs.includes(c));
}

/** Mutual authentication is possible only with pods that have a SPIFFE identity. */
function authenticates(peer: ResolvedPeer): boolean {
  return peer.kind === 'pods' && peer.meshed && peer.name !== 'ingress-controller';
}

function ingressPeer(peer: RulePeer): IngressRule {
  return {
    ...(peer.endpoints ? { fromEndpoints: peer.endpoints as unknown as cilium.CiliumNetworkPolicySpecIngressFromEndpoints[] } : {}),
    ...(peer.entities ? { fromEntities: peer.entities as unknown as cilium.CiliumNetworkPolicySpecIngressFromEntities[] } : {}),
    ...(peer.cidrs ? { fromCidrSet: peer.cidrs.map(cidr => ({ cidr })) } : {}),
  };
}

function egressPeer(peer: RulePeer): EgressRule {
  return {
    ...(peer.endpoints ? { toEndpoints: peer.endpoints as unknown as cilium.CiliumNetworkPolicySpecEgressToEndpoints[] } : {}),
    ...(peer.entities ? { toEntities: peer.entities as unknown as cilium.CiliumNetworkPolicySpecEgressToEntities[] } : {}),
    ...(peer.cidrs ? { toCidrSet: peer.cidrs.map(cidr => ({ cidr })) } : {}),
  };
}

function ciliumProtocol(protocol: PortProtocol): cilium.CiliumNetworkPolicySpecEgressToPortsPortsProtocol {
  return protocol === PortProtocol.UDP
    ? cilium.CiliumNetworkPolicySpecEgressToPortsPortsProtocol.UDP
    : cilium.CiliumNetworkPolicySpecEgressToPortsPortsProtocol.TCP;
}

/** Sorted, de-duplicated port entries. */
function portEntries(ports: ReadonlyArray<{ port: number; protocol: cilium.CiliumNetworkPolicySpecEgressToPortsPortsProtocol }>): PortsEntry[] {
  const seen = new Set<string>();
  return [...ports]
    .sort((a, b) => a.port - b.port || (a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : 0))
    .filter(p => {
      const key = `${p.port}/${p.protocol}`;
      return seen.has(key) ? false : (seen.add(key), true);
    })
    .map(p => ({ port: String(p.port), protocol: p.protocol }));
}

/** The bindings type ingress and egress port protocols as distinct (identical) enums. */
function asIngressPorts(ports: PortsEntry[]): cilium.CiliumNetworkPolicySpecIngressToPortsPorts[] {
  return ports as unknown as cilium.CiliumNetworkPolicySpecIngressToPortsPorts[];
}

function podPorts(ports: readonly ResolvedPort[], proxyPorts: readonly number[]): PortsEntry[] {
  return portEntries([
    ...ports.map(p => ({ port: p.targetPort, protocol: ciliumProtocol(p.protocol) })),
    ...proxyPorts.map(port => ({ port, protocol: cilium.CiliumNetworkPolicySpecEgressToPortsPortsProtocol.TCP })),
  ]);
}

function externalPorts(ports: readonly ExternalPort[], proxyPorts: readonly number[] = []): PortsEntry[] {
  return portEntries([
    ...ports.map(p => ({ port: p.port, protocol: ciliumProtocol(p.protocol) })),
    ...proxyPorts.map(port => ({ port, protocol: cilium.CiliumNetworkPolicySpecEgressToPortsPortsProtocol.TCP })),
  ]);
}

function dnsRule(dns: ResolvedLocation): EgressRule {
  return {
    toEndpoints: [peerSelector(dns)],
    toPorts: [{
      ports: [{ port: '53', protocol: cilium.CiliumNetworkPolicySpecEgressToPortsPortsProtocol.ANY }],
      // The DNS proxy learns name -> IP mappings here; toFQDNs rules depend on it.
      rules: { dns: [{ matchPattern: '*' }] },
    }],
  };
}

function controlPlaneRule(endpoint: MeshEndpointSpec): EgressRule {
  return {
    toEndpoints: [{ matchLabels: { ...endpoint.selector, [CILIUM_NAMESPACE_LABEL]: endpoint.namespace } }],
    toPorts: [{
      ports: portEntries(endpoint.ports.map(port => ({ port, protocol: cilium.CiliumNetworkPolicySpecEgressToPortsPortsProtocol.TCP }))),
    }],
  };
}

/** Ports with the routes they are limited to: a service call or a peer's caller entry. */
interface PortsAndRoutes {
  readonly ports: readonly ResolvedPort[];
  readonly routes: readonly ResolvedRoute[];
}

/** Per source: for every allowed pod port, the routes (undefined = any request). */
interface PortRoutes {
  readonly port: ResolvedPort;
  routes?: Map<string, ResolvedRoute>;
}

function portRoutes(entries: readonly PortsAndRoutes[], l7: boolean): Map<string, PortRoutes> {
  const byPort = new Map<string, PortRoutes>();
  for (const entry of entries) {
    for (const port of entry.ports) {
      const key = `${port.targetPort}/${ciliumProtocol(port.protocol)}`;
      const limited = l7 ? routesOnPort(entry, port) : undefined;
      const existing = byPort.get(key);
      if (!existing) {
        byPort.set(key, { port, routes: limited ? new Map(limited.map(r => [r.name, r])) : undefined });
      } else if (!limited) {
        existing.routes = undefined;
      } else if (existing.routes) {
        limited.forEach(r => existing.routes!.set(r.name, r));
      }
    }
  }
  return byPort;
}

/**
 * The `toPorts` of one source's ingress rule: its L4-only ports (plus the mesh proxy's,
 * for meshed sources) in one entry, then one entry per set of routes (L7 rules).
 */
function ingressToPorts(entries: readonly PortsAndRoutes[], l7: boolean, proxyPorts: readonly number[]): IngressToPorts[] {
  const l4Only: ResolvedPort[] = [];
  // L7 ports grouped by identical route sets, so each set is written once.
  const l7Groups = new Map<string, { ports: ResolvedPort[]; routes: ResolvedRoute[] }>();
  for (const { port, routes } of portRoutes(entries, l7).values()) {
    if (!routes) {
      l4Only.push(port);
      continue;
    }
    const sorted = [...routes.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const key = sorted.map(r => r.name).join(',');
    const group = l7Groups.get(key) ?? { ports: [], routes: sorted };
    group.ports.push(port);
    l7Groups.set(key, group);
  }
  const toPorts: IngressToPorts[] = [];
  if (l4Only.length > 0 || proxyPorts.length > 0) {
    toPorts.push({ ports: asIngressPorts(podPorts(l4Only, proxyPorts)) });
  }
  for (const key of [...l7Groups.keys()].sort()) {
    const group = l7Groups.get(key)!;
    toPorts.push({ ports: asIngressPorts(podPorts(group.ports, [])), rules: { http: group.routes.map(httpRuleOf) } });
  }
  return toPorts;
}

const REQUIRED = { authentication: { mode: cilium.CiliumNetworkPolicySpecIngressAuthenticationMode.REQUIRED } };

function ingressRules(model: ResolvedCatalog, service: ResolvedService, settings: LayerSettings): IngressRule[] {
  const rules: IngressRule[] = [];

  // Peers (the ingress controller, monitoring, declared peers), in the order of
  // `callers`; entries that name the same sources share one rule.
  const groups = new Map<string, { peer: RulePeer; meshed: boolean; authenticated: boolean; entries: PortsAndRoutes[] }>();
  for (const caller of service.callers) {
    const fromWorld = settings.ingressFromWorld && caller.peer.name === 'ingress-controller';
    const peer = fromWorld ? { entities: ['world' as const] } : rulePeer(caller.peer);
    // The mesh proxy's inbound ports are for pod sources (not the world): even an unmeshed
    // peer's scope may hold meshed pods (`cluster`), and the proxy authorizes the rest.
    const meshed = !fromWorld && caller.peer.kind === 'pods';
    const authenticated = settings.mutualAuth && !fromWorld && authenticates(caller.peer);
    const key = JSON.stringify([peer, meshed, authenticated]);
    const group = groups.get(key) ?? { peer, meshed, authenticated, entries: [] };
    group.entries.push(caller);
    groups.set(key, group);
  }
  for (const group of groups.values()) {
    rules.push({
      ...ingressPeer(group.peer),
      toPorts: ingressToPorts(group.entries, settings.l7, group.meshed ? settings.proxyPorts : []),
      ...(group.authenticated ? REQUIRED : {}),
    });
  }

  // Catalog services: one rule per caller, and one per caller version with calls of its own.
  const byCaller = new Map<string, { fromId: string; version?: string; calls: PortsAndRoutes[] }>();
  for (const inbound of service.inbound) {
    const key = `${inbound.fromId}@${inbound.fromVersion ?? ''}`;
    const entry = byCaller.get(key) ?? { fromId: inbound.fromId, version: inbound.fromVersion, calls: [] };
    entry.calls.push(inbound.call);
    byCaller.set(key, entry);
  }
  const ordered = [...byCaller.values()].sort((a, b) => compareStrings(a.fromId, b.fromId) || compareStrings(a.version ?? '', b.version ?? ''));
  for (const { fromId, version, calls } of ordered) {
    const caller = model.service(fromId);
    let entries = calls;
    let labels: Record<string, string> = {};
    if (version !== undefined) {
      labels = caller.versions.find(v => v.name === version)?.labels ?? {};
      // What the whole service may do already, the version need not repeat.
      entries = uncovered(calls, byCaller.get(`${fromId}@`)?.calls ?? [], settings.l7);
      if (entries.length === 0) {
        continue;
      }
    }
    rules.push({
      fromEndpoints: [peerSelector({ namespace: caller.namespace, selector: { ...caller.selector, ...labels } })],
      toPorts: ingressToPorts(entries, settings.l7, settings.proxyPorts),
      ...(settings.mutualAuth ? REQUIRED : {}),
    });
  }
  return rules;
}

/** The ports (with their routes) of `entries` that `base` does not already allow. */
function uncovered(entries: readonly PortsAndRoutes[], base: readonly PortsAndRoutes[], l7: boolean): PortsAndRoutes[] {
  const allowed = portRoutes(base, l7);
  const out: PortsAndRoutes[] = [];
  for (const [key, { port, routes }] of portRoutes(entries, l7)) {
    const have = allowed.get(key);
    const covered = have !== undefined && (have.routes === undefined || (routes !== undefined && [...routes.keys()].every(r => have.routes!.has(r))));
    if (!covered) {
      out.push({ ports: [port], routes: routes ? [...routes.values()] : [] });
    }
  }
  return out;
}

function egressRules(
  model: ResolvedCatalog,
  calls: readonly ResolvedCall[],
  peerCalls: readonly ResolvedPeerCall[],
  proxyPorts: readonly number[],
): EgressRule[] {
  const callees = new Map<string, ResolvedPort[]>();
  const external: EgressRule[] = [];
  for (const call of calls) {
    switch (call.kind) {
      case 'service':
        callees.set(call.targetId, [...(callees.get(call.targetId) ?? []), ...call.ports]);
        break;
      case 'cidr':
        external.push({
          toCidrSet: [{ cidr: call.cidr, ...(call.except.length > 0 ? { except: [...call.except] } : {}) }],
          toPorts: [{ ports: externalPorts(call.ports) }],
        });
        break;
      case 'host':
        external.push({
          toFqdNs: [call.wildcard ? { matchPattern: call.host } : { matchName: call.host }],
          toPorts: [{ ports: externalPorts(call.ports) }],
        });
        break;
    }
  }
  const serviceRules = [...callees.keys()].sort().map((targetId): EgressRule => ({
    toEndpoints: [peerSelector(model.service(targetId))],
    toPorts: [{ ports: podPorts(callees.get(targetId)!, proxyPorts) }],
  }));
  // Meshed pod peers receive through their proxy: its inbound ports too.
  const peerRules = peerCalls.map((call): EgressRule => ({
    ...egressPeer(rulePeer(call.peer)),
    toPorts: [{ ports: externalPorts(call.ports, call.peer.kind === 'pods' ? proxyPorts : []) }],
  }));
  return [...serviceRules, ...external, ...peerRules];
}

/** A pod peer's side of its flows in one catalog namespace. */
interface PeerSide {
  readonly peer: ResolvedPeer;
  readonly namespace: string;
  readonly ingress: IngressRule[];
  readonly egress: EgressRule[];
}

/**
 * The pod peers' sides in catalog namespaces that we restrict (owned ones, and those with
 * catalog workloads): egress from the peer's pods to the services they may call, and
 * ingress to them from the services (or versions) that call them.
 */
function peerSides(model: ResolvedCatalog, settings: LayerSettings): PeerSide[] {
  const servicesIn = new Set(model.services.map(s => s.namespace));
  const restricted = model.namespaces.filter(n => n.owned || servicesIn.has(n.name));
  const sides: PeerSide[] = [];
  for (const peer of model.peers.filter(p => p.kind === 'pods')) {
    // Egress: the services this peer may call, with the ports of every entry.
    const callees = new Map<string, ResolvedPort[]>();
    for (const service of model.services) {
      for (const caller of service.callers) {
        const fromWorld = settings.ingressFromWorld && caller.peer.name === 'ingress-controller';
        if (caller.peer.name === peer.name && !fromWorld) {
          callees.set(service.id, [...(callees.get(service.id) ?? []), ...caller.ports]);
        }
      }
    }
    // Ingress: the services (and versions) that call this peer.
    const callers = new Map<string, { service: ResolvedService; labels: Record<string, string>; ports: ExternalPort[] }>();
    for (const service of model.services) {
      const sources = [
        { version: '', labels: {}, calls: service.peerCalls },
        ...service.versions.map(v => ({ version: v.name, labels: v.labels, calls: v.peerCalls })),
      ];
      for (const { version, labels, calls } of sources) {
        for (const call of calls.filter(c => c.peer.name === peer.name)) {
          const key = `${service.id}@${version}`;
          const entry = callers.get(key) ?? { service, labels, ports: [] };
          entry.ports.push(...call.ports);
          callers.set(key, entry);
        }
      }
    }
    if (callees.size === 0 && callers.size === 0) {
      continue;
    }
    const proxyPorts = peer.kind === 'pods' ? settings.proxyPorts : [];
    const egress = [...callees.keys()].sort().map((targetId): EgressRule => ({
      toEndpoints: [peerSelector(model.service(targetId))],
      toPorts: [{ ports: podPorts(callees.get(targetId)!, proxyPorts) }],
    }));
    const ingress = [...callers.keys()].sort().map((key): IngressRule => {
      const { service, labels, ports } = callers.get(key)!;
      return {
        fromEndpoints: [peerSelector({ namespace: service.namespace, selector: { ...service.selector, ...labels } })],
        toPorts: [{ ports: asIngressPorts(externalPorts(ports, proxyPorts)) }],
        ...(settings.mutualAuth && authenticates(peer) ? REQUIRED : {}),
      };
    });
    for (const namespace of restricted.filter(n => peerCoversNamespace(peer, n))) {
      sides.push({ peer, namespace: namespace.name, ingress, egress });
    }
  }
  return sides.sort((a, b) => compareStrings(a.namespace, b.namespace) || compareStrings(a.peer.name, b.peer.name));
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
