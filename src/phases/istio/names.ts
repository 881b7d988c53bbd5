/**
 * Names the istio phase derives from the model: hosts, identities, object names.
 * Internal to the phase (not re-exported from the package).
 */
import { CIDR_HOST_SUFFIX, PEER_HOST_SUFFIX, principal } from '../../model/mesh-facts/istio';
import { ResolvedCatalog, ResolvedService } from '../../model/resolved';
import { PortProtocol } from '../../model/types';

export {
  ALLOW_NOTHING_NAME,
  CATCH_ALL_ROUTE,
  DRY_RUN_ANNOTATION,
  FAULT_ROUTE_SUFFIX,
  INJECTION_ENABLED,
  INJECTION_LABEL,
  KUBE_APISERVER_SERVICE_PORTS,
  NAMESPACE_DEFAULT_NAME,
  PEER_POLICY_PREFIX,
  TELEMETRY_NAME,
} from '../../model/mesh-facts/istio';
export { CIDR_HOST_SUFFIX, PEER_HOST_SUFFIX, principal };

/** `<name>.<namespace>.svc.<clusterDomain>`: the host every Istio object names. */
export function serviceHost(catalog: ResolvedCatalog, service: { readonly name: string; readonly namespace: string }): string {
  return `${service.name}.${service.namespace}.svc.${catalog.clusterDomain}`;
}

/** The `kubernetes` Service in `default`: how pods (and their sidecars) reach the API server. */
export function kubernetesApiHost(catalog: ResolvedCatalog): string {
  return `kubernetes.default.svc.${catalog.clusterDomain}`;
}

export function servicePrincipal(catalog: ResolvedCatalog, service: ResolvedService): string {
  return principal(catalog.trustDomain, service.namespace, service.serviceAccount);
}

/** True for the protocols a sidecar proxies (it does not capture UDP). */
export function isProxied(protocol: PortProtocol): boolean {
  return protocol !== PortProtocol.UDP;
}

/** True for ports Istio routes at L7 (VirtualService http routes, HTTP authorization). */
export function isL7(protocol: PortProtocol): boolean {
  return protocol === PortProtocol.HTTP || protocol === PortProtocol.HTTP2 || protocol === PortProtocol.GRPC;
}

/**
 * Name of a per-service object in a namespace that also holds namespace-wide objects:
 * the service name, unless it equals one of `reserved`.
 */
export function perServiceName(service: { readonly name: string }, reserved: ReadonlyArray<string>): string {
  return reserved.includes(service.name) ? `${service.name}-workload` : service.name;
}

/** A 32-bit polynomial hash as 8 hex digits: a stable short suffix for names that are too long. */
function shortHash(text: string): string {
  let hash = 7;
  for (let i = 0; i < text.length; i++) {
    hash = (hash * 31 + text.charCodeAt(i)) % 4294967296;
  }
  return hash.toString(16).padStart(8, '0');
}

/**
 * A DNS-1123 label made from free text (`10.20.0.0/16` → `10-20-0-0-16`), at most `max`
 * characters; longer ones are cut and get a hash suffix so they stay unique.
 */
export function slug(text: string, max = 63): string {
  let s = text.toLowerCase().replace(/\*/g, 'wildcard').replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
  if (s === '') {
    s = 'x';
  }
  if (s.length <= max) {
    return s;
  }
  const hash = shortHash(text);
  return `${s.slice(0, max - hash.length - 1).replace(/-+$/, '')}-${hash}`;
}

/** Object name of the ServiceEntry for an external host (`external-api.stripe.com`). */
export function hostEntryName(host: string): string {
  const labels = host.toLowerCase().split('.').map(l => slug(l, 50));
  const name = `external-${labels.join('.')}`;
  return name.length <= 253 ? name : `external-${slug(host)}`;
}

/** Object name and made-up host of the ServiceEntry for calls to an address peer. */
export function peerEntry(peerName: string): { name: string; host: string } {
  const label = slug(peerName, 50);
  return { name: `peer-${label}`, host: `${label}.${PEER_HOST_SUFFIX}` };
}

/** Object name and made-up host of the ServiceEntry for a CIDR call. */
export function cidrEntry(cidr: string, except: ReadonlyArray<string>): { name: string; host: string } {
  const text = except.length === 0 ? cidr : `${cidr} except ${except.join(' ')}`;
  const label = slug(text, 50);
  return { name: `external-cidr-${label}`, host: `${label}.${CIDR_HOST_SUFFIX}` };
}
