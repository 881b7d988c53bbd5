/**
 * Who calls whom: a service's outgoing calls (to catalog services, peers, hosts, CIDRs),
 * the peers that call it, and the peers themselves (parties outside the catalog).
 * Re-exported by ../types.ts.
 */

import { PortProtocol } from './ports-routes';

/**
 * An outgoing call. Give exactly one of `service`, `peer`, `host` and `cidr`.
 */
export interface CallSpec {
  /**
   * Callee service in this catalog: `name` (in the caller's namespace) or `namespace/name`.
   * @default - not a service call
   */
  readonly service?: string;
  /**
   * Callee outside the catalog, by peer name: one of `peers`, or a built-in peer
   * (`kube-apiserver`, `world`, `cluster`, `monitoring`). Needs `port` or `ports`
   * (numbers), except for `kube-apiserver`, whose ports are known.
   * @default - not a peer call
   */
  readonly peer?: string;
  /**
   * External DNS name (e.g. `api.stripe.com`, `*.example.com`). Needs `port` or `ports`.
   * @default - not a host call
   */
  readonly host?: string;
  /**
   * IPv4 or IPv6 CIDR outside the cluster. Needs `port` or `ports`.
   * @default - not a CIDR call
   */
  readonly cidr?: string;
  /**
   * Address ranges behind `host`, for phases that cannot match DNS names (baseline
   * NetworkPolicy): the call becomes an ipBlock there and a DNS match elsewhere.
   * @default - none: phases without DNS matching refuse the call
   */
  readonly cidrs?: string[];
  /**
   * CIDRs excluded from `cidr`.
   * @default - none
   */
  readonly except?: string[];
  /**
   * One port: a callee port name or number for service calls, a number otherwise.
   * @default - all ports of the callee service
   */
  readonly port?: string | number;
  /**
   * Several ports, like `port`.
   * @default - all ports of the callee service
   */
  readonly ports?: Array<string | number>;
  /**
   * Protocol of `peer`, `host` and `cidr` calls.
   * @default PortProtocol.TCP
   */
  readonly protocol?: PortProtocol;
  /**
   * Limit the call to these routes of the callee (names).
   * @default - every route (and any request) on the called ports
   */
  readonly routes?: string[];
}

/**
 * A caller that is not a catalog service: a peer (see `CatalogSpec.peers`) allowed to
 * call some ports or routes of the service.
 */
export interface CallerSpec {
  /**
   * Peer name: one of `peers`, or a built-in peer (`ingress-controller`, `monitoring`,
   * `kube-apiserver`, `world`, `cluster`).
   */
  readonly peer: string;
  /**
   * One port of this service (name or number).
   * @default - every port (or those serving `routes`)
   */
  readonly port?: string | number;
  /**
   * Several ports, like `port`.
   * @default - every port (or those serving `routes`)
   */
  readonly ports?: Array<string | number>;
  /**
   * Limit the peer to these routes of this service (names).
   * @default - any request on the ports
   */
  readonly routes?: string[];
}

/**
 * A party outside the catalog that calls catalog services or is called by them. Give
 * exactly one scope: `namespace`, `namespaceSelector`, `allNamespaces`, `world` or
 * `kubeApiServer`.
 */
export interface PeerSpec {
  /**
   * Name that `calls[].peer` and `callers[].peer` use (DNS-1123 label). Declaring
   * `monitoring`, `kube-apiserver`, `world` or `cluster` replaces the built-in peer.
   */
  readonly name: string;
  /**
   * Pods in this namespace.
   * @default - not a single-namespace peer
   */
  readonly namespace?: string;
  /**
   * Pods in every namespace carrying these labels.
   * @default - not a namespace-selector peer
   */
  readonly namespaceSelector?: Record<string, string>;
  /**
   * Pods in any namespace of the cluster.
   * @default false
   */
  readonly allNamespaces?: boolean;
  /**
   * Only pods with these labels (with `namespace`, `namespaceSelector`, `allNamespaces`).
   * @default - every pod in scope
   */
  readonly selector?: Record<string, string>;
  /**
   * Service account of the peer's pods (needs `namespace`): the mesh identity mesh phases
   * authorize. Without it, mesh phases can only authorize the peer's namespace(s).
   * @default - unknown
   */
  readonly serviceAccount?: string;
  /**
   * Addresses outside the cluster: all of them, or those in `cidrs` (a partner network).
   * @default false
   */
  readonly world?: boolean;
  /**
   * The Kubernetes API server (it calls admission webhooks and aggregated APIs; operators
   * call it). Phases that cannot name it (NetworkPolicy, Linkerd, Istio) need `cidrs`.
   * @default false
   */
  readonly kubeApiServer?: boolean;
  /**
   * Address ranges of a `world` peer (default: everything outside the cluster) or of the
   * API server (its endpoint addresses, e.g. the control-plane nodes).
   * @default - world: 0.0.0.0/0 and ::/0; kube-apiserver: none
   */
  readonly cidrs?: string[];
  /**
   * Ports of the peer as a callee, for calls that give none.
   * @default - kube-apiserver: 443 and 6443; others: calls must give ports
   */
  readonly ports?: number[];
  /**
   * The peer's pods run in the mesh (they present a mesh identity). Unmeshed callers
   * reach a meshed service in plaintext: the ports they call accept plaintext in mesh
   * phases. The world and the API server are never meshed.
   * @default - true for pod peers, except `monitoring` (false)
   */
  readonly meshed?: boolean;
}
