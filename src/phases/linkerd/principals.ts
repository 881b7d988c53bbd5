/**
 * Who may call a Linkerd Server or inbound route: principals (service accounts, identity
 * patterns, networks without identity), how catalog callers and peers become principals,
 * and how a set of them is sorted and de-duplicated. Pure functions over the model.
 */
import { PhaseCapabilityError } from '../../emit/common';
import { compareStrings } from '../../model/compare';
import { ALL_NETWORKS_NAME, INGRESS_NETWORKS_NAME, namespaceIdentitySuffix, PEER_NETWORKS_PREFIX, serviceAccountIdentity } from '../../model/mesh-facts/linkerd';
import { ResolvedCatalog, ResolvedPeer, ResolvedRoute, ResolvedService } from '../../model/resolved';
import { L4Layer } from '../../model/types';

/** A mesh identity: a service account in a namespace. */
export interface Identity {
  readonly namespace: string;
  readonly serviceAccount: string;
}

/** A NetworkAuthentication (one per namespace and name): clients from these networks, no identity. */
export interface NetworkGrant {
  readonly name: string;
  readonly cidrs: string[];
}

/**
 * Who may send requests to a Server or an inbound route: service accounts (identityRefs),
 * identity patterns (`*.<ns>.serviceaccount.identity...`, `*`), and networks without
 * identity, each with why (for the objects' notes).
 */
export interface Principals {
  /** Sorted by namespace, then name; unique. */
  readonly accounts: Identity[];
  /** Identity strings with wildcards, sorted, unique. */
  readonly patterns: string[];
  /** Sorted by name. */
  readonly networks: ReadonlyArray<NetworkEntry>;
  /** Who the identities stand for (`shop/web`, `shop/web@v2`, `peer batch`), sorted. */
  readonly identityCallers: string[];
}

/** Kinds of clients: pods (meshed or not), the API server, other addresses outside the cluster. */
export type ClientKind = 'pods' | 'apiserver' | 'addresses';
export type ClientKinds = Readonly<Record<ClientKind, boolean>>;

/** A network granted on a target, with who it stands for. */
export interface NetworkEntry {
  readonly network: NetworkGrant;
  /** Who the grant is for (`peer monitoring (unmeshed pods)`, `plaintext port`), sorted. */
  readonly reasons: string[];
  /** The kind of clients each reason stands for. */
  readonly kinds: Readonly<Record<string, ClientKind>>;
  /**
   * Clients inside the network that are not its callers' own (every address holds every
   * pod and address; a pod CIDR, meshed pods): they get the grant too.
   */
  readonly reaches: ClientKinds;
}

/** Whether nobody is granted anything. */
export function isEmptyGrant(p: Principals): boolean {
  return p.accounts.length === 0 && p.patterns.length === 0 && p.networks.length === 0;
}

/** A route-limited grant on a Server: these principals, these routes' requests. */
export interface RouteGrant {
  readonly route: ResolvedRoute;
  readonly principals: Principals;
}

/** What the Server decisions need besides the model: how the phase reaches peers. */
export interface ServerDecisionOptions {
  /** The ingress controller is meshed (authorized by its service account). */
  readonly ingressMeshed: boolean;
  /** Networks of an unmeshed ingress controller. */
  readonly ingressNetworks: readonly string[];
  /** The ingress controller's callers reach its services straight from outside (Cilium ingressFromWorld). */
  readonly exposedFromWorld: boolean;
  /** The L4 layer under Linkerd: without one, network grants are not narrowed to the peer. */
  readonly l4: L4Layer;
}

export function identityKey(id: Identity): string {
  return `${id.namespace}/${id.serviceAccount}`;
}

function sortedIdentities(ids: Iterable<Identity>): Identity[] {
  const byKey = new Map<string, Identity>();
  for (const id of ids) {
    byKey.set(identityKey(id), id);
  }
  return [...byKey.entries()].sort(([a], [b]) => compareStrings(a, b)).map(([, id]) => id);
}

/** The NetworkAuthentication matching every address. */
export const ALL_NETWORKS: NetworkGrant = { name: ALL_NETWORKS_NAME, cidrs: ['0.0.0.0/0', '::/0'] };

/** Collects principals; `build` sorts and de-duplicates. */
export class PrincipalSet {
  private readonly accounts = new Map<string, Identity>();
  private readonly patterns = new Set<string>();
  private readonly networks = new Map<string, { network: NetworkGrant; kinds: Map<string, ClientKind>; reaches: Record<ClientKind, boolean> }>();
  private readonly callers = new Map<string, Set<string>>();

  public add(p: Principal): void {
    if (p.kind === 'account' || p.kind === 'pattern') {
      const key = p.kind === 'account' ? identityKey(p.identity) : p.pattern;
      if (p.kind === 'account') {
        this.accounts.set(key, p.identity);
      } else {
        this.patterns.add(key);
      }
      this.callers.set(key, (this.callers.get(key) ?? new Set<string>()).add(p.who));
    } else {
      const entry = this.networks.get(p.network.name)
        ?? { network: p.network, kinds: new Map<string, ClientKind>(), reaches: { pods: false, apiserver: false, addresses: false } };
      entry.kinds.set(p.reason, p.clients);
      (Object.keys(entry.reaches) as ClientKind[]).forEach(k => { entry.reaches[k] = entry.reaches[k] || p.reaches[k]; });
      this.networks.set(p.network.name, entry);
    }
  }

  public addAll(ps: Iterable<Principal>): void {
    for (const p of ps) {
      this.add(p);
    }
  }

  /** What this set grants beyond `covered` (a Server's grant already applies to its routes). */
  public build(covered?: Principals): Principals {
    const coveredAccounts = new Set((covered?.accounts ?? []).map(identityKey));
    const coveredPatterns = new Set(covered?.patterns ?? []);
    const coveredNetworks = new Set((covered?.networks ?? []).map(n => n.network.name));
    const patterns = [...this.patterns].filter(p => !coveredPatterns.has(p)).sort(compareStrings);
    const everyIdentity = patterns.includes('*') || coveredPatterns.has('*');
    const allPatterns = [...patterns, ...coveredPatterns];
    const accounts = everyIdentity ? [] : sortedIdentities([...this.accounts.values()]
      // An account a pattern already matches would only repeat it.
      .filter(id => !coveredAccounts.has(identityKey(id)) && !allPatterns.some(p => patternNamespace(p) === id.namespace)));
    const keptPatterns = everyIdentity && !coveredPatterns.has('*') ? ['*'] : everyIdentity ? [] : patterns;
    const kept = [...accounts.map(identityKey), ...keptPatterns];
    return {
      accounts,
      patterns: keptPatterns,
      networks: [...this.networks.values()]
        .filter(n => !coveredNetworks.has(n.network.name))
        .sort((a, b) => compareStrings(a.network.name, b.network.name))
        .map(n => ({
          network: n.network,
          reasons: [...n.kinds.keys()].sort(compareStrings),
          kinds: Object.fromEntries(n.kinds),
          reaches: { ...n.reaches },
        })),
      identityCallers: [...new Set(kept.flatMap(k => [...(this.callers.get(k) ?? [])]))].sort(compareStrings),
    };
  }
}

/** One way to be authorized. */
export type Principal =
  | { readonly kind: 'account'; readonly identity: Identity; readonly who: string }
  | { readonly kind: 'pattern'; readonly pattern: string; readonly who: string }
  /**
   * `clients`: what the callers are (pods or addresses); `reaches`: other clients inside
   * the network, which get the grant too.
   */
  | { readonly kind: 'network'; readonly network: NetworkGrant; readonly reason: string; readonly clients: ClientKind; readonly reaches: ClientKinds };

/** `<sa>.<ns>.serviceaccount.identity.<control plane ns>.<trust domain>`: a Linkerd identity. */
export function identityString(id: Identity, controlPlaneNamespace: string, trustDomain: string): string {
  return serviceAccountIdentity(id.serviceAccount, id.namespace, controlPlaneNamespace, trustDomain);
}

/** The namespace a `*.<ns>.serviceaccount.identity...` pattern stands for. */
export function patternNamespace(pattern: string): string | undefined {
  const m = /^\*\.([^.]+)\.serviceaccount\.identity\./.exec(pattern);
  return m ? m[1] : undefined;
}

function hasAllAddresses(cidrs: readonly string[]): boolean {
  return cidrs.some(c => /\/0$/.test(c));
}

/**
 * How a peer is authorized: meshed pods by identity (their service account, else every
 * identity of their namespace, or any identity for all namespaces), everything else by
 * network (its addresses, or every address, which the L4 layer narrows to the peer).
 * Refuses what Linkerd cannot express, and network or namespace grants wider than the
 * peer when no L4 layer narrows them.
 */
export function peerPrincipals(peer: ResolvedPeer, model: ResolvedCatalog, options: ServerDecisionOptions, where: string): Principal[] {
  const noL4 = options.l4 === L4Layer.NONE;
  const l4Hint = 'use l4: cilium or l4: networkpolicy, which narrow it to the peer';
  if (peer.name === 'ingress-controller') {
    const out: Principal[] = [];
    if (options.ingressMeshed) {
      out.push({ kind: 'account', identity: { namespace: model.ingressController.namespace, serviceAccount: model.ingressController.serviceAccount }, who: 'the ingress controller' });
    } else {
      // Its networks (a pod or node CIDR) may hold other pods.
      out.push({
        kind: 'network',
        network: { name: INGRESS_NETWORKS_NAME, cidrs: [...options.ingressNetworks] },
        reason: 'the unmeshed ingress controller',
        clients: 'pods',
        reaches: { pods: true, apiserver: false, addresses: false },
      });
    }
    if (options.exposedFromWorld) {
      out.push({
        kind: 'network',
        network: ALL_NETWORKS,
        reason: 'ingress from outside the cluster (Cilium ingressFromWorld)',
        clients: 'addresses',
        reaches: { pods: true, apiserver: true, addresses: false },
      });
    }
    return out;
  }
  if (peer.kind === 'pods' && peer.meshed) {
    if (peer.namespaceSelector !== undefined) {
      throw new PhaseCapabilityError(`${where}: the linkerd phase cannot authorize the meshed peer "${peer.name}": it selects namespaces by label, and Linkerd identities name one namespace (or all). Declare one peer per namespace (peers[].namespace), or set peers[${peer.name}].meshed: false to authorize it by network under the L4 layer`);
    }
    if (peer.serviceAccount !== undefined && peer.namespace !== undefined) {
      return [{ kind: 'account', identity: { namespace: peer.namespace, serviceAccount: peer.serviceAccount }, who: `peer ${peer.name}` }];
    }
    if (noL4 && Object.keys(peer.selector).length > 0) {
      throw new PhaseCapabilityError(`${where}: the linkerd phase authorizes meshed pods by service account, and peer "${peer.name}" gives pod labels but no service account: without an L4 layer every pod of ${peer.namespace !== undefined ? `namespace ${peer.namespace}` : 'the cluster'} could call. Give peers[${peer.name}].serviceAccount, or ${l4Hint}`);
    }
    const pattern = peer.namespace !== undefined
      ? `*${namespaceIdentitySuffix(peer.namespace, model.linkerd.controlPlaneNamespace, model.trustDomain)}`
      : '*';
    return [{ kind: 'pattern', pattern, who: `peer ${peer.name}` }];
  }
  const cidrs = peer.kind === 'pods' ? [] : peer.cidrs;
  const everywhere = cidrs.length === 0 || hasAllAddresses(cidrs);
  if (everywhere && noL4) {
    const wayOut = peer.kind === 'kube-apiserver'
      ? `give peers[${peer.name}].cidrs (the API server's addresses: kubectl get endpoints kubernetes), or ${l4Hint}`
      : peer.kind === 'world'
        ? `give peers[${peer.name}].cidrs (the ranges it calls from), or ${l4Hint}`
        : `mesh the peer (peers[${peer.name}].meshed: true, with its serviceAccount), or ${l4Hint}`;
    throw new PhaseCapabilityError(`${where}: the linkerd phase authorizes the unmeshed peer "${peer.name}" by network, and that network is every address: without an L4 layer any pod or address could call. ${wayOut.charAt(0).toUpperCase()}${wayOut.slice(1)}`);
  }
  const network: NetworkGrant = everywhere
    ? ALL_NETWORKS
    : { name: `${PEER_NETWORKS_PREFIX}${peer.name}`, cidrs: [...cidrs].sort(compareStrings) };
  // Who else is inside the network: every address holds every pod and address, but every
  // pod of the cluster is the `cluster` peer's own, and every address outside it but the
  // API server's the world's.
  const everyPod = peer.kind === 'pods' && peer.allNamespaces && Object.keys(peer.selector).length === 0;
  const reaches: ClientKinds = everywhere
    ? { pods: !everyPod, apiserver: peer.kind !== 'kube-apiserver', addresses: peer.kind !== 'world' }
    : { pods: false, apiserver: false, addresses: false };
  return [{
    kind: 'network',
    network,
    reason: `peer ${peer.name} (${peer.kind === 'pods' ? 'unmeshed pods' : peer.kind})`,
    clients: peer.kind === 'pods' ? 'pods' : peer.kind === 'kube-apiserver' ? 'apiserver' : 'addresses',
    reaches,
  }];
}

/** Principals of a catalog caller: every service account of its pods, or the version's. */
export function callerPrincipals(caller: ResolvedService, fromVersion: string | undefined): Principal[] {
  const version = fromVersion === undefined ? undefined : caller.versions.find(v => v.name === fromVersion);
  const accounts = version ? [version.serviceAccount] : caller.serviceAccounts;
  const who = fromVersion === undefined ? caller.id : `${caller.id}@${fromVersion}`;
  return accounts.map(serviceAccount => ({ kind: 'account', identity: { namespace: caller.namespace, serviceAccount }, who }));
}


/** Who a principal stands for (a caller, or a network's reason). */
export function principalWho(p: Principal): string {
  return p.kind === 'network' ? p.reason : p.who;
}
