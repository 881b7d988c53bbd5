/**
 * Which ServiceEntries the catalog needs (shared by the ServiceEntry and Sidecar
 * constructs). Internal to the phase.
 */
import { subtractCidrs } from './addresses';
import { cidrEntry, hostEntryName, isProxied } from './names';
import * as istio from '../../../imports/networking.istio.io';
import { ExternalPort, ResolvedCatalog } from '../../model/resolved';
import { PortProtocol } from '../../model/types';
import { PhaseCapabilityError } from '../common';

/** One ServiceEntry to emit: an external host or CIDR that services of a namespace call. */
export interface PlannedServiceEntry {
  readonly namespace: string;
  readonly name: string;
  /** The host (a DNS name, possibly `*.` wildcard, or a made-up name for a CIDR). */
  readonly host: string;
  readonly kind: 'host' | 'cidr';
  readonly resolution: istio.ServiceEntrySpecResolution;
  /** Addresses (CIDRs) the entry is limited to; empty = by name. */
  readonly addresses: string[];
  readonly ports: istio.ServiceEntrySpecPorts[];
  /** `namespace/name` of every service that calls it (their Sidecars import it). */
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

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The ServiceEntries a catalog needs: per namespace, one per external host and one per
 * CIDR (with its exclusions) that services there call on proxied (non-UDP) ports.
 * Entries are exported to their own namespace only.
 */
export function planServiceEntries(model: ResolvedCatalog): PlannedServiceEntry[] {
  interface Draft { namespace: string; host: string; kind: 'host' | 'cidr'; name: string; wildcard: boolean; cidrs: Set<string>; ports: Map<number, ExternalPort>; callers: Set<string> }
  const drafts = new Map<string, Draft>();
  const problems: string[] = [];
  for (const service of model.services) {
    for (const call of service.calls) {
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
        key = `${service.namespace}|host|${call.host}`;
        draft = drafts.get(key) ?? { namespace: service.namespace, host: call.host, kind: 'host', name: hostEntryName(call.host), wildcard: call.wildcard, cidrs: new Set(), ports: new Map(), callers: new Set() };
        call.cidrs.forEach(c => draft!.cidrs.add(c));
        if (call.wildcard && call.cidrs.length === 0 && ports.some(p => !NAME_MATCHED.has(p.protocol))) {
          problems.push(`${service.id} calls ${call.host} over TCP: Istio matches TCP by address, and a wildcard name has none, so the entry would admit every destination on port ${ports.map(p => p.port).join(',')}. Add "cidrs" (the host's address ranges) to the call, or declare "protocol: tls" if it is TLS (matched by SNI).`);
        }
      } else {
        const entry = cidrEntry(call.cidr, call.except);
        key = `${service.namespace}|cidr|${entry.name}`;
        draft = drafts.get(key) ?? { namespace: service.namespace, host: entry.host, kind: 'cidr', name: entry.name, wildcard: false, cidrs: new Set(subtractCidrs(call.cidr, call.except)), ports: new Map(), callers: new Set() };
      }
      for (const p of ports) {
        if (!draft.ports.has(p.port)) {
          draft.ports.set(p.port, p);
        }
      }
      draft.callers.add(service.id);
      drafts.set(key, draft);
    }
  }
  if (problems.length > 0) {
    throw new PhaseCapabilityError(`the istio phase cannot express ${problems.length} call(s) precisely:\n` + problems.map(p => `  - ${p}`).join('\n'));
  }
  return [...drafts.values()]
    .map((d): PlannedServiceEntry => {
      const ports = [...d.ports.values()].sort((a, b) => a.port - b.port).map(p => {
        // Address-matched entries pass traffic through by destination: plain TCP.
        const protocol = d.kind === 'cidr' ? 'TCP' : entryProtocol(p.protocol);
        return { number: p.port, name: `${protocol.toLowerCase()}-${p.port}`, protocol };
      });
      const byAddress = d.kind === 'cidr' || (d.cidrs.size > 0 && ports.some(p => p.protocol === 'TCP'));
      const addresses = byAddress ? [...d.cidrs].sort() : [];
      let resolution: istio.ServiceEntrySpecResolution;
      if (byAddress || d.wildcard) {
        // Forward to the address the client dialled (a wildcard cannot be resolved).
        resolution = istio.ServiceEntrySpecResolution.NONE;
      } else {
        resolution = istio.ServiceEntrySpecResolution.DNS;
      }
      return { namespace: d.namespace, name: d.name, host: d.host, kind: d.kind, resolution, addresses, ports, callers: [...d.callers].sort() };
    })
    .sort((a, b) => compare(a.namespace, b.namespace) || compare(a.name, b.name));
}

