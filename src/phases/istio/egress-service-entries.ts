/**
 * Which ServiceEntries the catalog needs (shared by the ServiceEntry and Sidecar
 * constructs). Internal to the phase.
 */
import { subtractCidrs } from './addresses';
import { cidrEntry, hostEntryName, isProxied, KUBE_APISERVER_SERVICE_PORTS, peerEntry } from './names';
import { workloadKey } from './peers';
import * as istio from '../../../imports/networking.istio.io';
import { PhaseCapabilityError } from '../../emit/common';
import { compareStrings } from '../../model/compare';
import { ExternalPort, ResolvedCall, ResolvedCatalog, ResolvedPeerCall } from '../../model/resolved';
import { PortProtocol } from '../../model/types';

/** One ServiceEntry to emit: an external host, CIDR or address peer that services of a namespace call. */
export interface EgressServiceEntry {
  readonly namespace: string;
  readonly name: string;
  /** The host (a DNS name, possibly `*.` wildcard, or a made-up name for a CIDR or a peer). */
  readonly host: string;
  readonly kind: 'host' | 'cidr' | 'peer';
  readonly resolution: istio.ServiceEntrySpecResolution;
  /** Addresses (CIDRs) the entry is limited to; empty = by name. */
  readonly addresses: string[];
  readonly ports: istio.ServiceEntrySpecPorts[];
  /**
   * Who calls it (their Sidecars import it): `namespace/name` for a service's calls,
   * `namespace/name@version` for calls only a version makes.
   */
  readonly callers: string[];
}

/** Protocols Istio matches by name (SNI or Host header); TCP is matched by address. */
const NAME_MATCHED: ReadonlySet<PortProtocol> = new Set([PortProtocol.TLS, PortProtocol.HTTP, PortProtocol.HTTP2, PortProtocol.GRPC]);

/** ServiceEntry port protocol of a call's protocol (TLS: matched by SNI). */
function entryProtocol(protocol: PortProtocol): string {
  switch (protocol) {
    case PortProtocol.HTTP: return 'HTTP';
    case PortProtocol.HTTP2: return 'HTTP2';
    case PortProtocol.GRPC: return 'GRPC';
    case PortProtocol.TLS: return 'TLS';
    default: return 'TCP';
  }
}

/** A ServiceEntry being collected: its callers' ports and address ranges, merged. */
interface Draft {
  namespace: string;
  host: string;
  kind: 'host' | 'cidr' | 'peer';
  name: string;
  wildcard: boolean;
  cidrs: Set<string>;
  ports: Map<number, ExternalPort>;
  callers: Set<string>;
}

/** The entry a draft becomes: matched by address or by name, ports sorted, resolution chosen. */
function toServiceEntry(d: Draft): EgressServiceEntry {
  const byAddress = d.kind !== 'host' || (d.cidrs.size > 0 && [...d.ports.values()].some(p => !NAME_MATCHED.has(p.protocol)));
  const ports = [...d.ports.values()].sort((a, b) => a.port - b.port).map(p => {
    // Address-matched entries pass traffic through by destination: plain TCP.
    const protocol = d.kind !== 'host' ? 'TCP' : entryProtocol(p.protocol);
    return { number: p.port, name: `${protocol.toLowerCase()}-${p.port}`, protocol };
  });
  const addresses = byAddress ? [...d.cidrs].sort() : [];
  let resolution: istio.ServiceEntrySpecResolution;
  if (byAddress || d.wildcard) {
    // Forward to the address the client dialled (a wildcard cannot be resolved).
    resolution = istio.ServiceEntrySpecResolution.NONE;
  } else {
    resolution = istio.ServiceEntrySpecResolution.DNS;
  }
  return { namespace: d.namespace, name: d.name, host: d.host, kind: d.kind, resolution, addresses, ports, callers: [...d.callers].sort() };
}

/**
 * The ServiceEntries a catalog needs: per namespace, one per external host, one per CIDR
 * (with its exclusions) and one per address peer (a world range, the API server's
 * addresses) that services there (or some of their versions) call on proxied (non-UDP)
 * ports. Entries are exported to their own namespace only. The API server without
 * addresses is reached through its `kubernetes` Service (see `peerCallHosts`), which
 * serves 443 only: other ports need its addresses.
 */
export function egressServiceEntries(model: ResolvedCatalog): EgressServiceEntry[] {
  const drafts = new Map<string, Draft>();
  const problems: string[] = [];
  const addPorts = (draft: Draft, ports: ReadonlyArray<ExternalPort>, caller: string) => {
    for (const p of ports) {
      if (!draft.ports.has(p.port)) {
        draft.ports.set(p.port, p);
      }
    }
    draft.callers.add(caller);
  };
  const collect = (namespace: string, serviceId: string, caller: string, calls: ReadonlyArray<ResolvedCall>,
    peerCalls: ReadonlyArray<ResolvedPeerCall>) => {
    for (const call of calls) {
      if (call.kind === 'service') {
        continue;
      }
      const ports = call.ports.filter(p => isProxied(p.protocol));
      if (ports.length === 0) {
        continue; // UDP: sidecars do not capture it; the L4 layer decides
      }
      let key: string;
      let draft: Draft | undefined;
      if (call.kind === 'host') {
        key = `${namespace}|host|${call.host}`;
        draft = drafts.get(key) ?? { namespace, host: call.host, kind: 'host', name: hostEntryName(call.host), wildcard: call.wildcard, cidrs: new Set(), ports: new Map(), callers: new Set() };
        call.cidrs.forEach(c => draft!.cidrs.add(c));
        if (call.wildcard && call.cidrs.length === 0 && ports.some(p => !NAME_MATCHED.has(p.protocol))) {
          problems.push(`${serviceId} calls ${call.host} over TCP: Istio matches TCP by address, and a wildcard name has none, so the entry would admit every destination on port ${ports.map(p => p.port).join(',')}. Add "cidrs" (the host's address ranges) to the call, or declare "protocol: tls" if it is TLS (matched by SNI).`);
        }
      } else {
        const entry = cidrEntry(call.cidr, call.except);
        key = `${namespace}|cidr|${entry.name}`;
        draft = drafts.get(key) ?? { namespace, host: entry.host, kind: 'cidr', name: entry.name, wildcard: false, cidrs: new Set(subtractCidrs(call.cidr, call.except)), ports: new Map(), callers: new Set() };
      }
      addPorts(draft, ports, caller);
      drafts.set(key, draft);
    }
    for (const call of peerCalls) {
      const peer = call.peer;
      const ports = call.ports.filter(p => isProxied(p.protocol));
      if (ports.length === 0 || peer.kind === 'pods') {
        continue; // pod peers are reached through their Services (see peerCallHosts)
      }
      if (peer.cidrs.length === 0) {
        const beyond = ports.filter(p => !KUBE_APISERVER_SERVICE_PORTS.includes(p.port)).map(p => p.port);
        if (beyond.length > 0) {
          problems.push(`${serviceId} calls the API server (peer "${peer.name}") on port ${beyond.join(',')}: sidecars reach it through the kubernetes Service (443, forwarded to its endpoints), and the peer gives no addresses for other ports. Give peers[${peer.name}].cidrs (its endpoint addresses: kubectl get endpoints kubernetes), or call it on 443.`);
        }
        continue;
      }
      const entry = peerEntry(peer.name);
      const key = `${namespace}|peer|${entry.name}`;
      const draft = drafts.get(key) ?? { namespace, host: entry.host, kind: 'peer', name: entry.name, wildcard: false, cidrs: new Set(peer.cidrs), ports: new Map(), callers: new Set() };
      addPorts(draft, ports, caller);
      drafts.set(key, draft);
    }
  };
  for (const service of model.services) {
    collect(service.namespace, service.id, service.id, service.calls, service.peerCalls);
    for (const version of service.versions) {
      collect(service.namespace, `${service.id} (version ${version.name})`, workloadKey(service, version), version.calls, version.peerCalls);
    }
  }
  if (problems.length > 0) {
    throw new PhaseCapabilityError(`the istio phase cannot express ${problems.length} call(s) precisely:\n` + problems.map(p => `  - ${p}`).join('\n'));
  }
  return [...drafts.values()]
    .map(toServiceEntry)
    .sort((a, b) => compareStrings(a.namespace, b.namespace) || compareStrings(a.name, b.name));
}
