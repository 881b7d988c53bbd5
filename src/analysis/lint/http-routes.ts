/**
 * The HTTP routes of emitted VirtualServices, mapped to the catalog service whose host
 * they name and to the catalog route they implement: what the manifest rules read.
 */
import { LintHttpRoute } from './rule';
import { FAULT_ROUTE_SUFFIX, NETWORKING_GROUP } from '../../model/mesh-facts/istio';
import { ResolvedCatalog, ResolvedService } from '../../model/resolved';
import { isRecord } from '../../model/values';

/** The catalog service a VirtualService host names (`name`, `name.ns`, `name.ns.svc[.domain]`). */
function serviceForHost(catalog: ResolvedCatalog, host: string, namespace: string): ResolvedService | undefined {
  const parts = host.split('.');
  const name = parts[0];
  const ns = parts.length > 1 ? parts[1] : namespace;
  const full = `${name}.${ns}.svc.${catalog.clusterDomain}`;
  if (parts.length > 2 && host !== full && host !== `${name}.${ns}.svc`) {
    return undefined;
  }
  return catalog.services.find(s => s.name === name && s.namespace === ns && !s.clientOnly);
}

/** Every HTTP route of the VirtualServices among `manifests`, mapped to the catalog when given. */
export function collectHttpRoutes(manifests: ReadonlyArray<unknown>, catalog?: ResolvedCatalog): LintHttpRoute[] {
  const out: LintHttpRoute[] = [];
  for (const m of manifests) {
    if (!isRecord(m) || m.kind !== 'VirtualService' || typeof m.apiVersion !== 'string' || !m.apiVersion.startsWith(`${NETWORKING_GROUP}/`)) {
      continue;
    }
    const namespace = isRecord(m.metadata) && typeof m.metadata.namespace === 'string' ? m.metadata.namespace : 'default';
    const name = isRecord(m.metadata) && typeof m.metadata.name === 'string' ? m.metadata.name : '(unnamed)';
    const spec = isRecord(m.spec) ? m.spec : {};
    const hosts: string[] = Array.isArray(spec.hosts) ? spec.hosts.filter((h: unknown) => typeof h === 'string') : [];
    const service = catalog ? hosts.map(h => serviceForHost(catalog, h, namespace)).find(s => s !== undefined) : undefined;
    const http: unknown[] = Array.isArray(spec.http) ? spec.http : [];
    http.forEach((route, index) => {
      if (!isRecord(route)) {
        return;
      }
      const routeName = typeof route.name === 'string' ? route.name : undefined;
      const baseName = routeName?.endsWith(FAULT_ROUTE_SUFFIX) ? routeName.slice(0, -FAULT_ROUTE_SUFFIX.length) : routeName;
      const catalogRoute = service && baseName !== undefined ? service.routes.find(r => r.name === baseName) : undefined;
      const matches = Array.isArray(route.match) ? route.match : [];
      const catchAll = !catalogRoute && (matches.length === 0 || matches.every((x: unknown) => isRecord(x) && Object.keys(x).length === 0));
      out.push({ virtualService: `${namespace}/${name}`, index, name: routeName, route, service, catalogRoute, catchAll });
    });
  }
  return out;
}
