import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { MeshDataPlaneOptions, MeshEndpointSpec } from './mesh-options';
import { ServiceCatalog } from '../model/catalog';
import { ExternalPort, ResolvedCatalog, ResolvedLocation, ResolvedPort, ResolvedService } from '../model/resolved';
import { constructId, l4Protocol, MANAGED_BY_LABELS, PhaseCapabilityError, serviceLabels } from '../phases/common';
import { plainDataApiObject } from '../phases/plain-api-object';

/** Namespace label the API server sets on every namespace (Kubernetes 1.21+). */
const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** KubeNetworkPolicy with the plain-data synthesis shortcut (same output, less work). */
const NetworkPolicyObject = plainDataApiObject(k8s.KubeNetworkPolicy, k8s.toJson_KubeNetworkPolicyProps);

/** Properties of `NetworkPolicyLayer`. */
export interface NetworkPolicyLayerProps {
  /** The validated service catalog. */
  readonly catalog: ServiceCatalog;
  /**
   * Emit a default-deny policy (both directions) and a DNS allow in every owned namespace.
   * @default true
   */
  readonly defaultDeny?: boolean;
  /**
   * What a mesh data plane on top needs (proxy inbound ports, control plane).
   * @default - nothing: plain Kubernetes traffic
   */
  readonly mesh?: MeshDataPlaneOptions;
}

/**
 * Kubernetes NetworkPolicy allow-lists: deny by default, then one NetworkPolicy per
 * service. The baseline phase's policies, and the L4 layer under a mesh.
 *
 * A flow needs the source's egress AND the destination's ingress, so every declared
 * call is written twice: as egress on the caller and as ingress on the callee, on the
 * callee's pod port (policies never see Service ports).
 */
export class NetworkPolicyLayer extends Construct {
  private readonly byService = new Map<string, k8s.KubeNetworkPolicy>();

  public constructor(scope: Construct, id: string, props: NetworkPolicyLayerProps) {
    super(scope, id);
    const model = props.catalog._resolved;
    assertExpressible(model);
    const proxyPorts = props.mesh?.inboundProxyPorts ?? [];
    const controlPlane = (props.mesh?.controlPlane ?? []).map(controlPlaneRule);

    if (props.defaultDeny ?? true) {
      for (const ns of model.namespaces.filter(n => n.owned)) {
        new NetworkPolicyObject(this, constructId(ns.name, 'default-deny'), {
          metadata: { name: 'default-deny', namespace: ns.name, labels: { ...MANAGED_BY_LABELS } },
          spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
        });
        new NetworkPolicyObject(this, constructId(ns.name, 'allow-dns'), {
          metadata: { name: 'allow-dns', namespace: ns.name, labels: { ...MANAGED_BY_LABELS } },
          spec: { podSelector: {}, policyTypes: ['Egress'], egress: [dnsRule(model.dns)] },
        });
        if (controlPlane.length > 0) {
          new NetworkPolicyObject(this, constructId(ns.name, 'allow-mesh-control-plane'), {
            metadata: { name: 'allow-mesh-control-plane', namespace: ns.name, labels: { ...MANAGED_BY_LABELS } },
            spec: { podSelector: {}, policyTypes: ['Egress'], egress: controlPlane },
          });
        }
      }
    }

    const owned = new Set(model.namespaces.filter(n => n.owned).map(n => n.name));
    for (const service of model.services) {
      const policy = new NetworkPolicyObject(this, constructId(service.id), {
        metadata: { name: service.name, namespace: service.namespace, labels: serviceLabels(service) },
        spec: {
          podSelector: { matchLabels: { ...service.selector } },
          policyTypes: ['Ingress', 'Egress'],
          ingress: ingressRules(model, service, proxyPorts),
          // Outside owned namespaces no namespace-wide allows exist: carry them here.
          egress: [
            ...egressRules(model, service, proxyPorts),
            ...(owned.has(service.namespace) ? [] : [dnsRule(model.dns), ...controlPlane]),
          ],
        },
      });
      this.byService.set(service.id, policy);
    }
  }

  /**
   * The NetworkPolicy of a service, as an escape hatch.
   * @param serviceId `namespace/name`
   */
  public policyFor(serviceId: string): ApiObject | undefined {
    return this.byService.get(serviceId);
  }
}

function peer(location: { readonly namespace: string; readonly selector: Record<string, string> }): k8s.NetworkPolicyPeer {
  // One peer with both selectors: namespace AND pods (two peers would mean OR).
  return {
    namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: location.namespace } },
    podSelector: { matchLabels: { ...location.selector } },
  };
}

function servicePeer(service: ResolvedService): k8s.NetworkPolicyPeer {
  return peer({ namespace: service.namespace, selector: service.selector });
}

/** Pod ports of the given service ports, plus the mesh proxy's inbound ports (TCP). */
function podPorts(ports: readonly ResolvedPort[], proxyPorts: readonly number[]): k8s.NetworkPolicyPort[] {
  const all = [
    ...ports.map(p => ({ port: p.targetPort, protocol: l4Protocol(p.protocol) })),
    ...proxyPorts.map(port => ({ port, protocol: 'TCP' as const })),
  ].sort((a, b) => a.port - b.port || (a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : 0));
  const seen = new Set<string>();
  const out: k8s.NetworkPolicyPort[] = [];
  for (const { port, protocol } of all) {
    const key = `${port}/${protocol}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push({ protocol, port: k8s.IntOrString.fromNumber(port) });
    }
  }
  return out;
}

function controlPlaneRule(endpoint: MeshEndpointSpec): k8s.NetworkPolicyEgressRule {
  return {
    to: [{
      namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: endpoint.namespace } },
      podSelector: endpoint.selector ? { matchLabels: { ...endpoint.selector } } : {},
    }],
    ports: [...endpoint.ports].sort((a, b) => a - b).map(port => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) })),
  };
}

function externalPorts(ports: readonly ExternalPort[]): k8s.NetworkPolicyPort[] {
  return ports.map(p => ({ protocol: l4Protocol(p.protocol), port: k8s.IntOrString.fromNumber(p.port) }));
}

function dnsRule(dns: ResolvedLocation): k8s.NetworkPolicyEgressRule {
  return {
    to: [peer(dns)],
    ports: [
      { protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) },
      { protocol: 'TCP', port: k8s.IntOrString.fromNumber(53) },
    ],
  };
}

/** Merges the ports of several calls between the same pair into one rule. */
type PeerPorts = Map<string, { peer: k8s.NetworkPolicyPeer; ports: ResolvedPort[] }>;

function mergePorts(groups: PeerPorts, key: string, p: k8s.NetworkPolicyPeer, ports: readonly ResolvedPort[]): void {
  const entry = groups.get(key) ?? { peer: p, ports: [] };
  entry.ports.push(...ports);
  groups.set(key, entry);
}

function ingressRules(model: ResolvedCatalog, service: ResolvedService, proxyPorts: readonly number[]): k8s.NetworkPolicyIngressRule[] {
  const rules: k8s.NetworkPolicyIngressRule[] = [];
  if (service.exposed) {
    rules.push({ from: [peer(model.ingressController)], ports: podPorts(service.ports, proxyPorts) });
  }
  const callers: PeerPorts = new Map();
  for (const inbound of service.inbound) {
    mergePorts(callers, inbound.fromId, servicePeer(model.service(inbound.fromId)), inbound.call.ports);
  }
  for (const [, { peer: from, ports }] of [...callers.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    rules.push({ from: [from], ports: podPorts(ports, proxyPorts) });
  }
  return rules;
}

function egressRules(model: ResolvedCatalog, service: ResolvedService, proxyPorts: readonly number[]): k8s.NetworkPolicyEgressRule[] {
  const callees: PeerPorts = new Map();
  const rules: k8s.NetworkPolicyEgressRule[] = [];
  for (const call of service.calls) {
    switch (call.kind) {
      case 'service':
        mergePorts(callees, call.targetId, servicePeer(model.service(call.targetId)), call.ports);
        break;
      case 'cidr':
        rules.push({
          to: [{ ipBlock: { cidr: call.cidr, except: call.except.length > 0 ? [...call.except] : undefined } }],
          ports: externalPorts(call.ports),
        });
        break;
      case 'host':
        rules.push({ to: call.cidrs.map(cidr => ({ ipBlock: { cidr } })), ports: externalPorts(call.ports) });
        break;
    }
  }
  const serviceRules = [...callees.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, { peer: to, ports }]) => ({ to: [to], ports: podPorts(ports, proxyPorts) }));
  return [...serviceRules, ...rules];
}

/**
 * NetworkPolicy matches addresses, not names: a `host` call without `cidrs` cannot be
 * written in this phase. Refuse loudly rather than drop the call.
 */
function assertExpressible(model: ResolvedCatalog): void {
  const problems: string[] = [];
  for (const service of model.services) {
    for (const call of service.calls) {
      if (call.kind === 'host' && call.cidrs.length === 0) {
        problems.push(`${service.id} calls host ${call.host}:${call.ports.map(p => p.port).join(',')}: NetworkPolicy matches IP addresses, not DNS names. Add "cidrs" (the host's address ranges) to the call, or use the cilium phase, which matches DNS names (toFQDNs).`);
      }
    }
  }
  if (problems.length > 0) {
    throw new PhaseCapabilityError(`the baseline phase cannot express ${problems.length} call(s):\n` + problems.map(p => `  - ${p}`).join('\n'));
  }
}
