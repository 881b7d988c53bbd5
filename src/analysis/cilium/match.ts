/**
 * Pure Cilium matching rules over endpoints of the universe: entities, authentication
 * modes, port rules (see index.ts for the semantics they follow).
 */
import { PeerRule } from './peers';
import { CiliumPort, CiliumPortRule } from './ports';
import { Endpoint } from '../endpoints';
import { PortProbe } from '../flows';

/** Label of a DNS name the universe declares as a wildcard (`*.example.com`). */
const WILDCARD_SAMPLE_LABEL = 'mesh-ladder-probe';

/** The name a DNS-name endpoint stands for (a wildcard gets a sample first label). */
export function representativeName(host: string): string {
  return host.startsWith('*.') ? `${WILDCARD_SAMPLE_LABEL}${host.slice(1)}` : host;
}

/** Whether a Cilium entity covers an endpoint of the universe. */
export function entityMatches(entity: string, endpoint: Endpoint): boolean {
  switch (entity) {
    case 'all':
      return true;
    case 'world':
      return endpoint.kind !== 'pod' && endpoint.role !== 'kube-apiserver';
    case 'cluster':
      return endpoint.kind === 'pod';
    case 'kube-apiserver':
      return endpoint.role === 'kube-apiserver';
    default:
      return false;
  }
}

/** `authentication.mode`: `required` passes pods only (SPIRE assumed healthy); an unknown mode (`test-always-fail`) drops. */
export function authenticationPasses(rule: PeerRule, peer: Endpoint): boolean {
  switch (rule.authentication) {
    case undefined:
    case 'disabled':
      return true;
    case 'required':
      return peer.kind === 'pod';
    default:
      return false;
  }
}

/** The port rules matching the probe (undefined: none; `[undefined]`: no `toPorts`, every port). */
export function portRulesMatch(
  toPorts: ReadonlyArray<CiliumPortRule> | undefined,
  destination: Endpoint,
  probe: PortProbe,
): Array<CiliumPortRule | undefined> | undefined {
  if (toPorts === undefined) {
    return [undefined];
  }
  const matched = toPorts.filter(r => r.ports === undefined || r.ports.some(p => portMatches(p, destination, probe)));
  return matched.length > 0 ? matched : undefined;
}

function portMatches(port: CiliumPort, destination: Endpoint, probe: PortProbe): boolean {
  if (port.protocol !== 'ANY' && port.protocol !== probe.protocol) {
    return false;
  }
  if (port.name !== undefined) {
    return destination.containerPorts.some(c => c.name === port.name && c.port === probe.port && (port.protocol === 'ANY' || c.protocol === probe.protocol));
  }
  if (port.port === undefined) {
    return true;
  }
  return port.endPort === undefined ? probe.port === port.port : probe.port >= port.port && probe.port <= port.endPort;
}
