import { ApiObject, Chart, JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';
import { httpRuleOf } from './cilium-http';
import { MeshDataPlaneOptions, MeshEndpointSpec } from './mesh-options';
import * as cilium from '../../imports/cilium.io';
import { ServiceCatalog } from '../model/catalog';
import { ExternalPort, ResolvedCatalog, ResolvedLocation, ResolvedPort, ResolvedRoute, ResolvedService, ResolvedServiceCall } from '../model/resolved';
import { routesOnPort } from '../model/routes';
import { PortProtocol } from '../model/types';
import { constructId, MANAGED_BY_LABELS, serviceLabels } from '../phases/common';

/** Label Cilium derives from a pod's namespace; selectors without it stay in the policy's namespace. */
const CILIUM_NAMESPACE_LABEL = 'k8s:io.kubernetes.pod.namespace';

/** Prefix of cluster-scoped object names (they share one namespace-less name space). */
const CLUSTERWIDE_PREFIX = 'mesh-ladder';

/** Properties of `CiliumPolicyLayer`. */
export interface CiliumPolicyLayerProps {
  /** The validated service catalog. */
  readonly catalog: ServiceCatalog;
  /**
   * Emit L7 HTTP rules (method and path) for calls limited to routes. Mesh phases turn
   * this off: their proxies enforce L7, and Cilium's own L7 proxy would sit in between.
   * @default true
   */
  readonly l7?: boolean;
  /**
   * Emit default-deny (both directions) and a DNS allow for the owned namespaces.
   * @default - the catalog's `cilium.defaultDeny` (true unless set)
   */
  readonly defaultDeny?: boolean;
  /**
   * Emit the default-deny and the DNS allow as CiliumClusterwideNetworkPolicies selecting
   * the owned namespaces, instead of one CiliumNetworkPolicy per owned namespace.
   * @default - the catalog's `cilium.clusterwideDefaultDeny` (false unless set)
   */
  readonly clusterwideDefaultDeny?: boolean;
  /**
   * Require mutual authentication (`authentication.mode: required`) on ingress rules
   * between catalog services. Needs Cilium's SPIRE integration; does not encrypt.
   * @default - the catalog's `cilium.mutualAuth` (false unless set)
   */
  readonly mutualAuth?: boolean;
  /**
   * Exposed services take traffic straight from outside the cluster (`fromEntities:
   * [world]`) instead of from the ingress controller.
   * @default - the catalog's `cilium.ingressFromWorld` (false unless set)
   */
  readonly ingressFromWorld?: boolean;
  /**
   * Set `enableDefaultDeny` (both directions) on every per-service policy. `false` makes
   * the per-service policies add allows without putting the pods into default-deny (a
   * migration aid); the namespace default-deny policies are not affected.
   * @default - not set: Cilium's default (default-deny in every direction with rules)
   */
  readonly enableDefaultDeny?: boolean;
  /**
   * Extra labels for every emitted policy.
   * @default - none
   */
  readonly labels?: Record<string, string>;
  /**
   * Annotations for every emitted policy.
   * @default - none
   */
  readonly annotations?: Record<string, string>;
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
 */
export class CiliumPolicyLayer extends Construct {
  /** CiliumClusterwideNetworkPolicies (default-deny, DNS, control plane), when emitted. */
  public readonly clusterwidePolicies: ApiObject[] = [];
  private readonly byService = new Map<string, ApiObject>();
  private readonly byNamespace = new Map<string, ApiObject[]>();

  public constructor(scope: Construct, id: string, props: CiliumPolicyLayerProps) {
    super(scope, id);
    const model = props.catalog._resolved;
    const settings = {
      l7: props.l7 ?? true,
      defaultDeny: props.defaultDeny ?? model.cilium.defaultDeny,
      clusterwide: props.clusterwideDefaultDeny ?? model.cilium.clusterwideDefaultDeny,
      mutualAuth: props.mutualAuth ?? model.cilium.mutualAuth,
      proxyPorts: props.mesh?.inboundProxyPorts ?? [],
      controlPlane: props.mesh?.controlPlane ?? [],
      ingressFromWorld: props.ingressFromWorld ?? model.cilium.ingressFromWorld,
    };
    const metadata = (name: string, namespace: string | undefined, labels: Record<string, string>) => ({
      name,
      ...(namespace !== undefined ? { namespace } : {}),
      labels: { ...labels, ...props.labels },
      ...(props.annotations && Object.keys(props.annotations).length > 0 ? { annotations: { ...props.annotations } } : {}),
    });

    const owned = model.namespaces.filter(n => n.owned).map(n => n.name);
    // Namespaces whose pods get the DNS (and control-plane) allow from a namespace-wide policy.
    const covered = new Set(settings.defaultDeny ? owned : []);
    const controlPlaneRules = settings.controlPlane.map(controlPlaneRule);

    if (settings.defaultDeny && owned.length > 0) {
      const wide: Array<{ name: string; spec: cilium.CiliumNetworkPolicySpec }> = [
        { name: 'default-deny', spec: defaultDenySpec() },
        { name: 'allow-dns', spec: { endpointSelector: {}, egress: [dnsRule(model.dns)] } },
        ...(controlPlaneRules.length > 0 ? [{ name: 'allow-mesh-control-plane', spec: { endpointSelector: {}, egress: controlPlaneRules } }] : []),
      ];
      if (settings.clusterwide) {
        const inOwned: cilium.CiliumNetworkPolicySpecEndpointSelector = {
          matchExpressions: [{
            key: CILIUM_NAMESPACE_LABEL,
            operator: cilium.CiliumNetworkPolicySpecEndpointSelectorMatchExpressionsOperator.IN,
            values: owned,
          }],
        };
        for (const { name, spec } of wide) {
          const fullName = `${CLUSTERWIDE_PREFIX}-${name}`;
          this.clusterwidePolicies.push(clusterScoped(new cilium.CiliumClusterwideNetworkPolicy(this, constructId('clusterwide', name), {
            metadata: metadata(fullName, undefined, { ...MANAGED_BY_LABELS }),
            // Same JSON shape; the bindings only differ in (string) enum type names.
            spec: { ...spec, endpointSelector: inOwned } as unknown as cilium.CiliumClusterwideNetworkPolicySpec,
          })));
        }
      } else {
        for (const ns of owned) {
          this.byNamespace.set(ns, wide.map(({ name, spec }) => new cilium.CiliumNetworkPolicy(this, constructId(ns, name), {
            metadata: metadata(name, ns, { ...MANAGED_BY_LABELS }),
            spec,
          })));
        }
      }
    }

    for (const service of model.services) {
      const ingress = ingressRules(model, service, settings);
      const egress = [
        ...egressRules(model, service, settings.proxyPorts),
        // Outside covered namespaces no namespace-wide allows exist: carry them here.
        ...(covered.has(service.namespace) ? [] : [dnsRule(model.dns), ...controlPlaneRules]),
      ];
      const policy = new cilium.CiliumNetworkPolicy(this, constructId(service.id), {
        metadata: metadata(service.name, service.namespace, serviceLabels(service)),
        spec: {
          endpointSelector: { matchLabels: { ...service.selector } },
          // An empty list would leave the direction unenforced; `{}` allows nothing.
          ingress: ingress.length > 0 ? ingress : [{}],
          egress: egress.length > 0 ? egress : [{}],
          ...(props.enableDefaultDeny !== undefined
            ? { enableDefaultDeny: { ingress: props.enableDefaultDeny, egress: props.enableDefaultDeny } }
            : {}),
        },
      });
      this.byService.set(service.id, policy);
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
   * The namespace-wide CiliumNetworkPolicies of an owned namespace (default-deny, DNS
   * allow, control-plane allow), in that order; empty when none were emitted there.
   */
  public namespacePoliciesFor(namespace: string): ApiObject[] {
    return [...(this.byNamespace.get(namespace) ?? [])];
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

function defaultDenySpec(): cilium.CiliumNetworkPolicySpec {
  // `{}` rules select the direction and allow nothing.
  return { endpointSelector: {}, ingress: [{}], egress: [{}], enableDefaultDeny: { ingress: true, egress: true } };
}

/** An endpoint selector for pods of a location, always naming the namespace. */
function peerSelector(location: { readonly namespace: string; readonly selector: Record<string, string> }): { matchLabels: Record<string, string> } {
  return { matchLabels: { ...location.selector, [CILIUM_NAMESPACE_LABEL]: location.namespace } };
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

function externalPorts(ports: readonly ExternalPort[]): PortsEntry[] {
  return portEntries(ports.map(p => ({ port: p.port, protocol: ciliumProtocol(p.protocol) })));
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

/** Per caller: for every called pod port, the routes (undefined = any request). */
interface PortRoutes {
  readonly port: ResolvedPort;
  routes?: Map<string, ResolvedRoute>;
}

function callerPortRoutes(calls: readonly ResolvedServiceCall[], l7: boolean): Map<string, PortRoutes> {
  const byPort = new Map<string, PortRoutes>();
  for (const call of calls) {
    for (const port of call.ports) {
      const key = `${port.targetPort}/${ciliumProtocol(port.protocol)}`;
      const limited = l7 ? routesOnPort(call, port) : undefined;
      const entry = byPort.get(key);
      if (!entry) {
        byPort.set(key, { port, routes: limited ? new Map(limited.map(r => [r.name, r])) : undefined });
      } else if (!limited) {
        entry.routes = undefined;
      } else if (entry.routes) {
        limited.forEach(r => entry.routes!.set(r.name, r));
      }
    }
  }
  return byPort;
}

function ingressRules(model: ResolvedCatalog, service: ResolvedService, settings: LayerSettings): IngressRule[] {
  const rules: IngressRule[] = [];
  if (service.exposed) {
    const toPorts = [{ ports: asIngressPorts(podPorts(service.ports, settings.proxyPorts)) }];
    rules.push(settings.ingressFromWorld
      ? { fromEntities: [cilium.CiliumNetworkPolicySpecIngressFromEntities.WORLD], toPorts }
      : { fromEndpoints: [peerSelector(model.ingressController)], toPorts });
  }
  const byCaller = new Map<string, ResolvedServiceCall[]>();
  for (const inbound of service.inbound) {
    byCaller.set(inbound.fromId, [...(byCaller.get(inbound.fromId) ?? []), inbound.call]);
  }
  for (const callerId of [...byCaller.keys()].sort()) {
    const caller = model.service(callerId);
    const ports = callerPortRoutes(byCaller.get(callerId)!, settings.l7);
    const l4Only: ResolvedPort[] = [];
    // L7 ports grouped by identical route sets, so each set is written once.
    const l7Groups = new Map<string, { ports: ResolvedPort[]; routes: ResolvedRoute[] }>();
    for (const { port, routes } of ports.values()) {
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
    const toPorts: cilium.CiliumNetworkPolicySpecIngressToPorts[] = [];
    if (l4Only.length > 0 || settings.proxyPorts.length > 0) {
      toPorts.push({ ports: asIngressPorts(podPorts(l4Only, settings.proxyPorts)) });
    }
    for (const key of [...l7Groups.keys()].sort()) {
      const group = l7Groups.get(key)!;
      toPorts.push({ ports: asIngressPorts(podPorts(group.ports, [])), rules: { http: group.routes.map(httpRuleOf) } });
    }
    rules.push({
      fromEndpoints: [peerSelector(caller)],
      toPorts,
      ...(settings.mutualAuth ? { authentication: { mode: cilium.CiliumNetworkPolicySpecIngressAuthenticationMode.REQUIRED } } : {}),
    });
  }
  return rules;
}

function egressRules(model: ResolvedCatalog, service: ResolvedService, proxyPorts: readonly number[]): EgressRule[] {
  const callees = new Map<string, ResolvedPort[]>();
  const external: EgressRule[] = [];
  for (const call of service.calls) {
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
  return [...serviceRules, ...external];
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
