/**
 * Peers as Cilium names them in the cilium layer's rules: endpoint selectors (always
 * naming the namespace, or namespace labels, or any namespace), entities and CIDR sets.
 * Internal: not re-exported from the index.
 */
import * as cilium from '../../imports/cilium.io';
import { CiliumEntity, K8S_LABEL_SOURCE, NAMESPACE_LABELS_PREFIX, POD_NAMESPACE_LABEL } from '../model/mesh-facts/cilium';
import { ResolvedPeer } from '../model/resolved';

/** Label Cilium derives from a pod's namespace; selectors without it stay in the policy's namespace. */
export const CILIUM_NAMESPACE_LABEL = `${K8S_LABEL_SOURCE}:${POD_NAMESPACE_LABEL}`;
/**
 * Prefix of the labels Cilium copies from a pod's namespace. A selector with such a key is
 * not confined to the policy's namespace (Cilium adds no namespace to it).
 */
const CILIUM_NAMESPACE_LABELS_PREFIX = `${K8S_LABEL_SOURCE}:${NAMESPACE_LABELS_PREFIX}`;
/** The built-in world peer's ranges: everything, which the `world` entity stands for. */
const WHOLE_WORLD = ['0.0.0.0/0', '::/0'];

export type IngressRule = cilium.CiliumNetworkPolicySpecIngress;
export type EgressRule = cilium.CiliumNetworkPolicySpecEgress;

/** An endpoint selector as plain data (the bindings type ingress and egress selectors apart). */
interface Selector {
  readonly matchLabels?: Record<string, string>;
  readonly matchExpressions?: ReadonlyArray<{ readonly key: string; readonly operator: string }>;
}

/** Who a rule is about, without ports: pods, entities or address ranges. */
export interface RulePeer {
  readonly endpoints?: Selector[];
  readonly entities?: Array<Extract<CiliumEntity, 'world' | 'kube-apiserver'>>;
  readonly cidrs?: string[];
}

/** An endpoint selector for pods of a location, always naming the namespace. */
export function peerSelector(
  location: { readonly namespace: string; readonly selector: Record<string, string> },
): { matchLabels: Record<string, string> } {
  return { matchLabels: { ...location.selector, [CILIUM_NAMESPACE_LABEL]: location.namespace } };
}

/**
 * A peer as Cilium names it. Pods: their labels plus the namespace (by name, by the
 * namespace's labels, or any namespace: an empty selector would mean the policy's own
 * namespace only). The whole world: the `world` entity; a partner range: a CIDR set; the
 * API server: the `kube-apiserver` entity (in or outside the cluster, no addresses needed).
 */
export function rulePeer(peer: ResolvedPeer): RulePeer {
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
export function namesNamespaceLabels(rule: IngressRule | EgressRule): boolean {
  const selectors = [...((rule as IngressRule).fromEndpoints ?? []), ...((rule as EgressRule).toEndpoints ?? [])] as Selector[];
  return selectors.some(sel => Object.keys(sel.matchLabels ?? {}).some(k => k.startsWith(CILIUM_NAMESPACE_LABELS_PREFIX))
    || (sel.matchExpressions ?? []).some(e => e.key.startsWith(CILIUM_NAMESPACE_LABELS_PREFIX)));
}

function isWholeWorld(peer: ResolvedPeer): boolean {
  return peer.cidrs.length === WHOLE_WORLD.length && WHOLE_WORLD.every(c => peer.cidrs.includes(c));
}

/** Mutual authentication is possible only with pods that have a SPIFFE identity. */
export function authenticates(peer: ResolvedPeer): boolean {
  return peer.kind === 'pods' && peer.meshed && peer.name !== 'ingress-controller';
}

export function ingressPeer(peer: RulePeer): IngressRule {
  return {
    ...(peer.endpoints ? { fromEndpoints: peer.endpoints as unknown as cilium.CiliumNetworkPolicySpecIngressFromEndpoints[] } : {}),
    ...(peer.entities ? { fromEntities: peer.entities as unknown as cilium.CiliumNetworkPolicySpecIngressFromEntities[] } : {}),
    ...(peer.cidrs ? { fromCidrSet: peer.cidrs.map(cidr => ({ cidr })) } : {}),
  };
}

export function egressPeer(peer: RulePeer): EgressRule {
  return {
    ...(peer.endpoints ? { toEndpoints: peer.endpoints as unknown as cilium.CiliumNetworkPolicySpecEgressToEndpoints[] } : {}),
    ...(peer.entities ? { toEntities: peer.entities as unknown as cilium.CiliumNetworkPolicySpecEgressToEntities[] } : {}),
    ...(peer.cidrs ? { toCidrSet: peer.cidrs.map(cidr => ({ cidr })) } : {}),
  };
}
