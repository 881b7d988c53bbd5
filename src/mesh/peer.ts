import { PeerSpec } from '../model/types';

/**
 * A party outside the mesh's services that calls them or is called by them: pods in other
 * namespaces, the ingress controller, Prometheus, the API server, the world. Made by the
 * `Peer` factories; services name it in `allowFrom` and `Call.toPeer`.
 */
export interface IPeer {
  /** The peer's name in the catalog the mesh compiles to (DNS-1123 label). */
  readonly peerName: string;
  /**
   * The peer's declaration, or undefined for a built-in peer the catalog knows by name
   * (`ingress-controller`, `monitoring`, `kube-apiserver`, `world`, `cluster`).
   */
  readonly spec?: PeerSpec;
}

/** Options of peers made of pods (`Peer.namespace`, `Peer.namespaceSelector`, `Peer.allNamespaces`). */
export interface PodPeerOptions {
  /**
   * The peer's name (DNS-1123 label), shown in emitted object names and reports.
   * @default - derived from the scope: the namespace name, or `namespaces-<label values>`, or `any-namespace`, followed by the selector's label values
   */
  readonly name?: string;
  /**
   * Only pods with these labels.
   * @default - every pod in scope
   */
  readonly selector?: Record<string, string>;
  /**
   * Service account of the peer's pods (single-namespace peers only): the mesh identity
   * mesh phases authorize.
   * @default - unknown: mesh phases authorize the peer's namespace(s)
   */
  readonly serviceAccount?: string;
  /**
   * The peer's pods run in the mesh (they present a mesh identity).
   * @default true
   */
  readonly meshed?: boolean;
  /**
   * Ports of the peer as a callee, for calls that give none.
   * @default - calls must give ports
   */
  readonly ports?: number[];
}

/** Options of address-range peers (`Peer.world`, `Peer.kubeApiServer`). */
export interface AddressPeerOptions {
  /**
   * The peer's name (DNS-1123 label). The default names are those of the built-in peers,
   * which a declaration with address ranges or ports replaces for the whole mesh.
   * @default - `world` or `kube-apiserver`
   */
  readonly name?: string;
  /**
   * Address ranges: a partner network for a world peer, the API server's endpoint
   * addresses (e.g. the control-plane nodes) for the API server.
   * @default - world: 0.0.0.0/0 and ::/0; kube-apiserver: none (phases that cannot name the API server refuse it)
   */
  readonly cidrs?: string[];
  /**
   * Ports of the peer as a callee, for calls that give none.
   * @default - kube-apiserver: 443 and 6443; world: calls must give ports
   */
  readonly ports?: number[];
}

/**
 * Factories for peers. Built-in peers need no declaration; the others are declared in the
 * catalog by the mesh that uses them, under their name.
 */
export class Peer implements IPeer {
  /** The ingress controller (where `MeshProps.ingressController` says it runs). */
  public static ingressController(): IPeer {
    return new Peer('ingress-controller');
  }

  /**
   * Any pod of the cluster (`cluster`): for callers that cannot be narrowed down.
   */
  public static cluster(): IPeer {
    return new Peer('cluster');
  }

  /**
   * Prometheus: the built-in `monitoring` peer (namespace `monitoring`, pods
   * `app.kubernetes.io/name: prometheus`, service account `prometheus-k8s`, unmeshed),
   * which may call every metrics port. To describe another Prometheus, declare a pod peer
   * named `monitoring` (`Peer.namespace(ns, { name: 'monitoring', ... })`) and add it with
   * `Mesh.addPeer`.
   */
  public static monitoring(): IPeer {
    return new Peer('monitoring');
  }

  /**
   * Addresses outside the cluster: all of them (the built-in `world`), or those in `cidrs`.
   */
  public static world(options: AddressPeerOptions = {}): IPeer {
    const name = options.name ?? 'world';
    if (options.cidrs === undefined && options.ports === undefined && name === 'world') {
      return new Peer(name);
    }
    return new Peer(name, { name, world: true, cidrs: copy(options.cidrs), ports: copy(options.ports) });
  }

  /**
   * The Kubernetes API server (it calls admission webhooks; operators call it). Phases
   * that cannot name it (NetworkPolicy, Linkerd, Istio) need its `cidrs`.
   */
  public static kubeApiServer(options: AddressPeerOptions = {}): IPeer {
    const name = options.name ?? 'kube-apiserver';
    if (options.cidrs === undefined && options.ports === undefined && name === 'kube-apiserver') {
      return new Peer(name);
    }
    return new Peer(name, { name, kubeApiServer: true, cidrs: copy(options.cidrs), ports: copy(options.ports) });
  }

  /** Pods in one namespace (all of them, or those `selector` picks). */
  public static namespace(namespace: string, options: PodPeerOptions = {}): IPeer {
    const name = options.name ?? derivedName([namespace], options.selector);
    return new Peer(name, { name, namespace, ...podFields(options) });
  }

  /** Pods in every namespace carrying these labels. */
  public static namespaceSelector(namespaceLabels: Record<string, string>, options: PodPeerOptions = {}): IPeer {
    const name = options.name ?? derivedName(['namespaces', ...sortedValues(namespaceLabels)], options.selector);
    return new Peer(name, { name, namespaceSelector: { ...namespaceLabels }, ...podFields(options) });
  }

  /** Pods in any namespace (those `selector` picks). */
  public static allNamespaces(options: PodPeerOptions = {}): IPeer {
    const name = options.name ?? derivedName(['any-namespace'], options.selector);
    return new Peer(name, { name, allNamespaces: true, ...podFields(options) });
  }

  public readonly peerName: string;
  public readonly spec?: PeerSpec;

  private constructor(peerName: string, spec?: PeerSpec) {
    this.peerName = peerName;
    this.spec = spec === undefined ? undefined : withoutUndefined(spec);
  }
}

function podFields(options: PodPeerOptions): Partial<PeerSpec> {
  return {
    selector: options.selector === undefined ? undefined : { ...options.selector },
    serviceAccount: options.serviceAccount,
    meshed: options.meshed,
    ports: copy(options.ports),
  };
}

function sortedValues(labels: Record<string, string> | undefined): string[] {
  return Object.keys(labels ?? {}).sort().map(k => labels![k]);
}

/** A DNS-1123 label from the scope and the selector's values (invalid ones are reported by the catalog). */
function derivedName(scope: string[], selector: Record<string, string> | undefined): string {
  return [...scope, ...sortedValues(selector)]
    .join('-')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 63)
    .replace(/-$/, '');
}

function copy<T>(values: T[] | undefined): T[] | undefined {
  return values === undefined ? undefined : [...values];
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
