/**
 * The services pass: each service on its own (ports, routes, versions, probes, its
 * certificate), before calls bind services to each other.
 */
import { checkDns1035Label, checkDns1123Label, checkDns1123Subdomain, checkPortName, suggest } from './names';
import { resolveServiceCertificate } from './resolve-certificates';
import {
  checkLabels,
  compareStrings,
  DEFAULT_REPLICAS,
  describePorts,
  findPort,
  isMapping,
  Issues,
  L7_PROTOCOLS,
  optionalDuration,
  Path,
  show,
  sortedRecord,
} from './resolve-common';
import { checkHeaders, resolveRoute } from './resolve-routes';
import { resolveTrafficPolicy } from './resolve-settings';
import {
  ResolvedCertificate,
  ResolvedCertificateDefaults,
  ResolvedPort,
  ResolvedProbes,
  ResolvedRoute,
  ResolvedTrafficPolicy,
} from './resolved';
import { PortProtocol, PortSpec, ServiceSpec, VersionSpec } from './types';

/** Everything about one service that does not depend on other services. */
export interface ServiceDraft {
  readonly index: number;
  readonly spec: ServiceSpec;
  readonly id: string;
  readonly name: string;
  readonly namespace: string;
  readonly selector: Record<string, string>;
  readonly serviceAccount: string;
  readonly ports: ResolvedPort[];
  readonly routes: ResolvedRoute[];
  readonly versions: VersionDraft[];
  readonly clientOnly: boolean;
  readonly exposed: boolean;
  readonly certificate?: ResolvedCertificate;
  readonly trafficPolicy: ResolvedTrafficPolicy;
  readonly probes: ResolvedProbes;
  readonly replicas: number;
  readonly suppressions: ReadonlyArray<{ readonly rule: string; readonly reason: string }>;
}

/** A port while resolving: `plaintext` is raised once the unmeshed callers are known. */
export type MutablePort = { -readonly [K in keyof ResolvedPort]: ResolvedPort[K] };


export function resolvePorts(issues: Issues, path: Path, specs: PortSpec[] | undefined): ResolvedPort[] {
  const ports: ResolvedPort[] = [];
  const names = new Map<string, number>();
  const numbers = new Map<number, number>();
  (specs ?? []).forEach((spec, i) => {
    const p = [...path, i];
    for (const field of ['port', 'targetPort'] as const) {
      const value = spec[field];
      if (value !== undefined && (!Number.isInteger(value) || value < 1 || value > 65535)) {
        issues.error([...p, field], `${field} ${show(value)} is out of range (1-65535)`);
      }
    }
    if (spec.name !== undefined) {
      const problem = checkPortName(spec.name);
      if (problem) {
        issues.error([...p, 'name'], problem);
      }
      if (names.has(spec.name)) {
        issues.error([...p, 'name'], `duplicate port name "${spec.name}" (also ports[${names.get(spec.name)}])`);
      }
      names.set(spec.name, i);
    }
    if (numbers.has(spec.port)) {
      issues.error([...p, 'port'], `duplicate port ${spec.port} (also ports[${numbers.get(spec.port)}])`);
    }
    numbers.set(spec.port, i);
    // Kept even when out of range (the catalog is invalid then anyway), so that calls and
    // routes naming the port do not report it as unknown on top.
    ports.push({
      name: spec.name,
      port: spec.port,
      targetPort: spec.targetPort ?? spec.port,
      protocol: spec.protocol ?? PortProtocol.TCP,
      ref: spec.name ?? String(spec.port),
      plaintext: spec.plaintext ?? false,
      plaintextDeclared: spec.plaintext ?? false,
      metrics: spec.metrics ?? false,
    });
  });
  return ports.sort((a, b) => a.port - b.port);
}


/** A version before its backend and calls are bound (pass 2). */
export interface VersionDraft {
  readonly index: number;
  readonly spec: VersionSpec;
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly weight: number;
  readonly headers: Record<string, string>;
  readonly serviceAccount: string;
  readonly timeoutMs?: number;
}

/** A version's own pod labels (none for a version backed by another service), checked against the others'. */
function versionLabels(
  issues: Issues, p: Path, spec: VersionSpec, selector: Record<string, string>, labelSets: Map<string, string>, duplicate: boolean,
): Record<string, string> {
  if (spec.service !== undefined) {
    for (const field of ['labels', 'serviceAccount', 'calls'] as const) {
      if (spec[field] !== undefined) {
        issues.error([...p, field], `version "${spec.name}" is backed by service "${spec.service}": its pods, identity and calls are that service's; remove "${field}"`);
      }
    }
    return {};
  }
  const labels = spec.labels === undefined ? { version: spec.name } : checkLabels(issues, [...p, 'labels'], spec.labels, 'labels');
  if (Object.keys(labels).length === 0) {
    issues.error([...p, 'labels'], 'a version needs at least one label that tells its pods apart');
  }
  for (const [k, v] of Object.entries(labels)) {
    if (selector[k] !== undefined && selector[k] !== v) {
      issues.error([...p, 'labels', k], `label "${k}" conflicts with the service selector (${k}=${selector[k]}): no pod could match both`);
    }
  }
  const key = JSON.stringify(sortedRecord(labels));
  // Default labels of a duplicate name are the same by construction: one error is enough.
  if (labelSets.has(key) && !(duplicate && spec.labels === undefined)) {
    issues.error([...p, 'labels'], `same labels as version "${labelSets.get(key)}": the versions' pods could not be told apart`);
  }
  labelSets.set(key, spec.name);
  return labels;
}

export function resolveVersions(
  issues: Issues,
  path: Path,
  specs: VersionSpec[] | undefined,
  selector: Record<string, string>,
  serviceAccount: string,
): VersionDraft[] {
  if (!specs || specs.length === 0) {
    return [];
  }
  const versions: VersionDraft[] = [];
  const names = new Set<string>();
  const labelSets = new Map<string, string>();
  const headerSets = new Map<string, string>();
  let total = 0;
  specs.forEach((spec, i) => {
    const p = [...path, i];
    const problem = checkDns1123Label(spec.name ?? '');
    if (problem) {
      issues.error([...p, 'name'], problem);
    }
    const duplicate = names.has(spec.name);
    if (duplicate) {
      issues.error([...p, 'name'], `duplicate version "${spec.name}"`);
    }
    names.add(spec.name);
    if (!Number.isInteger(spec.weight) || spec.weight < 0 || spec.weight > 100) {
      issues.error([...p, 'weight'], `weight ${show(spec.weight)} must be an integer from 0 to 100`);
    } else {
      total += spec.weight;
    }
    const labels = versionLabels(issues, p, spec, selector, labelSets, duplicate);
    if (spec.serviceAccount !== undefined && checkDns1123Subdomain(spec.serviceAccount)) {
      issues.error([...p, 'serviceAccount'], checkDns1123Subdomain(spec.serviceAccount)!);
    }
    const headers = checkHeaders(issues, [...p, 'headers'], spec.headers);
    if (spec.headers !== undefined && Object.keys(headers).length === 0) {
      issues.error([...p, 'headers'], 'give at least one header (or remove "headers" to route by weight only)');
    }
    if (Object.keys(headers).length > 0) {
      const key = JSON.stringify(headers);
      if (headerSets.has(key)) {
        issues.error([...p, 'headers'], `same headers as version "${headerSets.get(key)}": a request could not be routed to one of them`);
      }
      headerSets.set(key, spec.name);
    }
    const timeoutMs = optionalDuration(issues, [...p, 'timeout'], spec.timeout, 'timeout');
    if (spec.timeout !== undefined && Object.keys(headers).length === 0) {
      issues.error([...p, 'timeout'], `a timeout of version "${spec.name}" needs "headers": weighted traffic to the service shares one route, and a route has one timeout`);
    }
    versions.push({
      index: i,
      spec,
      name: spec.name,
      labels: sortedRecord(labels),
      weight: spec.weight,
      headers,
      serviceAccount: spec.serviceAccount ?? serviceAccount,
      timeoutMs,
    });
  });
  if (total !== 100 && !issues.list.some(i => i.path.length > path.length && String(i.path[path.length + 1]) === 'weight')) {
    issues.error(path, `version weights sum to ${total}, not 100`);
  }
  return versions.sort((a, b) => compareStrings(a.name, b.name));
}


/**
 * A service's kubelet probes: exact absolute paths (no query, no duplicates), declared
 * only where the pods can be probed that way (HTTP paths need an http/http2 port, gRPC
 * probes a grpc port).
 */
export function resolveProbes(issues: Issues, path: Path, service: ServiceSpec, ports: readonly ResolvedPort[]): ResolvedProbes {
  const spec = service.probes;
  if (spec === undefined) {
    return {};
  }
  if (service.clientOnly && (spec.httpPaths?.length || spec.grpc)) {
    issues.error(path, 'a client-only workload has no Service ports to probe through the mesh; remove "probes" (or give the service ports)');
  }
  let httpPaths: string[] | undefined;
  if (spec.httpPaths !== undefined) {
    const seen = new Set<string>();
    spec.httpPaths.forEach((p, i) => {
      if (typeof p !== 'string' || !/^\/[^?#\s]*$/.test(p)) {
        issues.error([...path, 'httpPaths', i], `probe path ${show(p)} must be an absolute path without query or spaces, e.g. "/healthz"`);
      } else if (seen.has(p)) {
        issues.error([...path, 'httpPaths', i], `probe path "${p}" is listed twice`);
      }
      seen.add(p);
    });
    if (seen.size > 0 && !service.clientOnly && !ports.some(p => p.protocol === PortProtocol.HTTP || p.protocol === PortProtocol.HTTP2)) {
      issues.error([...path, 'httpPaths'], `HTTP probes need an http or http2 port; "${service.name}" has ${ports.map(p => p.protocol).join(', ') || 'none'}`);
    }
    httpPaths = [...seen].sort(compareStrings);
  }
  if (spec.grpc === true && !service.clientOnly && !ports.some(p => p.protocol === PortProtocol.GRPC)) {
    issues.error([...path, 'grpc'], `gRPC probes need a grpc port; "${service.name}" has ${ports.map(p => p.protocol).join(', ') || 'none'}`);
  }
  return { ...(httpPaths !== undefined ? { httpPaths } : {}), ...(spec.grpc !== undefined ? { grpc: spec.grpc } : {}) };
}


/**
 * The ports and routes of `target` that a call or a caller entry names: given ports (and
 * routes among them), or the ports serving the given routes, or every port.
 */
export function bindPortsAndRoutes(
  issues: Issues,
  path: Path,
  ref: { readonly port?: string | number; readonly ports?: Array<string | number>; readonly routes?: string[] },
  target: ServiceDraft,
  targetId: string,
): { ports: ResolvedPort[]; routes: ResolvedRoute[] } | undefined {
  const ports: ResolvedPort[] = [];
  const refs = [...(ref.port !== undefined ? [ref.port] : []), ...(ref.ports ?? [])];
  refs.forEach((portRef, i) => {
    const field: Path = ref.port !== undefined && i === 0 ? [...path, 'port'] : [...path, 'ports', ref.port !== undefined ? i - 1 : i];
    const port = findPort(target.ports, portRef);
    if (!port) {
      issues.error(field, `unknown port "${portRef}" on ${targetId} (ports: ${describePorts(target.ports)})`);
      return;
    }
    if (!ports.includes(port)) {
      ports.push(port);
    }
  });

  const routes: ResolvedRoute[] = [];
  (ref.routes ?? []).forEach((routeName, i) => {
    const route = target.routes.find(r => r.name === routeName);
    if (!route) {
      const hint = suggest(routeName, target.routes.map(r => r.name));
      issues.error([...path, 'routes', i], `unknown route "${routeName}" on ${targetId} (routes: ${target.routes.map(r => r.name).join(', ') || 'none'})${hint ? `; did you mean "${hint}"?` : ''}`);
      return;
    }
    if (refs.length > 0 && !route.ports.some(p => ports.includes(p))) {
      issues.error([...path, 'routes', i], `route "${routeName}" is served on ${describePorts(route.ports)}, not on the called port(s) ${describePorts(ports)}`);
      return;
    }
    if (!routes.includes(route)) {
      routes.push(route);
    }
  });

  let callPorts: ResolvedPort[];
  if (refs.length > 0) {
    callPorts = ports;
  } else if ((ref.routes ?? []).length > 0) {
    // Only the ports that serve the named routes.
    callPorts = target.ports.filter(p => routes.some(r => r.ports.includes(p)));
  } else {
    callPorts = [...target.ports];
  }
  if (callPorts.length === 0) {
    return undefined;
  }
  return {
    ports: [...callPorts].sort((a, b) => a.port - b.port),
    routes: routes.sort((a, b) => compareStrings(a.name, b.name)),
  };
}


/** Two services whose selectors select the same pods cannot be told apart by any policy. */
export function checkOverlappingSelectors(issues: Issues, drafts: ServiceDraft[]): void {
  const seen = new Map<string, ServiceDraft>();
  for (const d of drafts) {
    const key = `${d.namespace}|${JSON.stringify(d.selector)}`;
    const other = seen.get(key);
    if (other && other.id !== d.id) {
      issues.error(['services', d.index, 'selector'], `same pod selector as services[${other.index}] (${other.id}): policies could not tell the two apart`);
    }
    seen.set(key, d);
  }
}

/** A shared service account is one mesh identity: mesh policies cannot separate them. */
export function checkSharedServiceAccounts(issues: Issues, drafts: ServiceDraft[]): void {
  const seen = new Map<string, ServiceDraft>();
  for (const d of drafts) {
    const accounts: Array<[string, Path]> = [[d.serviceAccount, ['services', d.index, 'serviceAccount']]];
    for (const v of d.versions) {
      if (v.spec.service === undefined && v.spec.serviceAccount !== undefined) {
        accounts.push([v.serviceAccount, ['services', d.index, 'versions', v.index, 'serviceAccount']]);
      }
    }
    for (const [account, path] of accounts) {
      const key = `${d.namespace}/${account}`;
      const other = seen.get(key);
      if (other && other.id !== d.id) {
        issues.warn(path, `shares service account "${account}" with ${other.id}: mesh identity cannot tell them apart (the L4 layer still does)`);
      }
      seen.set(key, d);
    }
  }
}


/** What the services pass needs from the catalog-wide fields. */
export interface ServiceContext {
  readonly defaultNamespace: string;
  readonly clusterDomain: string;
  readonly certificates: ResolvedCertificateDefaults;
}

/** The services pass: every service drafted on its own, and the ids they are known by. */
export function draftServices(
  issues: Issues, specs: ServiceSpec[], context: ServiceContext,
): { drafts: ServiceDraft[]; byId: Map<string, ServiceDraft> } {
  const drafts: ServiceDraft[] = [];
  const byId = new Map<string, ServiceDraft>();
  specs.forEach((service, index) => {
    const path: Path = ['services', index];
    if (!isMapping(service)) {
      issues.error(path, 'each service must be a mapping');
      return;
    }
    const draft = draftService(issues, path, index, service, context);
    const previous = byId.get(draft.id);
    if (previous) {
      issues.error([...path, 'name'], `duplicate service "${draft.id}" (also services[${previous.index}])`);
    } else {
      byId.set(draft.id, draft);
    }
    drafts.push(draft);
  });
  checkOverlappingSelectors(issues, drafts);
  checkSharedServiceAccounts(issues, drafts);
  return { drafts, byId };
}

function draftService(issues: Issues, path: Path, index: number, service: ServiceSpec, context: ServiceContext): ServiceDraft {
  // In the order the findings are reported.
  const { name, namespace, selector, serviceAccount } = serviceIdentity(issues, path, service, context.defaultNamespace);
  const clientOnly = service.clientOnly ?? false;
  const ports = resolvePorts(issues, [...path, 'ports'], service.ports);
  checkClientOnly(issues, path, service, clientOnly);
  const routes = draftRoutes(issues, path, service, ports, clientOnly);
  const versions = resolveVersions(issues, [...path, 'versions'], service.versions, selector, serviceAccount);
  checkVersionRouting(issues, path, name, versions, ports, clientOnly);
  const certificate = resolveServiceCertificate(issues, [...path, 'certificate'], service, namespace, context.clusterDomain, context.certificates);
  const trafficPolicy = resolveTrafficPolicy(issues, [...path, 'trafficPolicy'], service.trafficPolicy);
  const probes = resolveProbes(issues, [...path, 'probes'], service, ports);
  const suppressions = resolveSuppressions(issues, path, service);
  const replicas = service.replicas ?? DEFAULT_REPLICAS;
  if (!Number.isInteger(replicas) || replicas < 0) {
    issues.error([...path, 'replicas'], `replicas ${show(replicas)} must be a whole number of at least 0`);
  }
  return {
    index,
    spec: service,
    id: `${namespace}/${name}`,
    name,
    namespace,
    selector,
    serviceAccount,
    ports,
    routes,
    versions,
    clientOnly,
    exposed: service.exposed ?? false,
    certificate,
    trafficPolicy,
    probes,
    replicas,
    suppressions,
  };
}

/** Name, namespace, selector and service account of a service, checked. */
function serviceIdentity(
  issues: Issues, path: Path, service: ServiceSpec, defaultNamespace: string,
): { name: string; namespace: string; selector: Record<string, string>; serviceAccount: string } {
  const name = service.name;
  const nameProblem = checkDns1035Label(name ?? '');
  if (nameProblem) {
    issues.error([...path, 'name'], nameProblem);
  }
  const namespace = service.namespace ?? defaultNamespace;
  if (service.namespace !== undefined) {
    const problem = checkDns1123Label(service.namespace);
    if (problem) {
      issues.error([...path, 'namespace'], problem);
    }
  }
  const selector = service.selector === undefined ? { app: name } : checkLabels(issues, [...path, 'selector'], service.selector, 'selector');
  if (service.selector !== undefined && Object.keys(selector).length === 0) {
    issues.error([...path, 'selector'], 'selector must name at least one label (an empty selector would select every pod in the namespace)');
  }
  const serviceAccount = service.serviceAccount ?? name;
  if (service.serviceAccount !== undefined && checkDns1123Subdomain(service.serviceAccount)) {
    issues.error([...path, 'serviceAccount'], checkDns1123Subdomain(service.serviceAccount)!);
  }
  return { name, namespace, selector, serviceAccount };
}

/** What a client-only workload (no Service) cannot have. */
function checkClientOnly(issues: Issues, path: Path, service: ServiceSpec, clientOnly: boolean): void {
  if (!clientOnly && (service.ports ?? []).length === 0) {
    issues.error([...path, 'ports'], `service "${service.name}" has no ports; declare its ports, or set "clientOnly: true" for a workload without a Service`);
  }
  if (clientOnly && (service.routes ?? []).length > 0) {
    issues.error([...path, 'routes'], 'a client-only workload serves no routes');
  }
  if (clientOnly && service.exposed) {
    issues.error([...path, 'exposed'], 'a client-only workload has no Service to expose');
  }
}

/** The service's routes, sorted by name; names unique. */
function draftRoutes(issues: Issues, path: Path, service: ServiceSpec, ports: readonly ResolvedPort[], clientOnly: boolean): ResolvedRoute[] {
  const routes: ResolvedRoute[] = [];
  const routeNames = new Map<string, number>();
  // A client-only workload's routes are reported once (checkClientOnly), not route by route.
  (clientOnly ? [] : service.routes ?? []).forEach((route, r) => {
    if (routeNames.has(route.name)) {
      issues.error([...path, 'routes', r, 'name'], `duplicate route name "${route.name}" (also routes[${routeNames.get(route.name)}])`);
    }
    routeNames.set(route.name, r);
    const resolved = resolveRoute(issues, [...path, 'routes', r], route, ports);
    if (resolved) {
      routes.push(resolved);
    }
  });
  return routes.sort((a, b) => compareStrings(a.name, b.name));
}

/** Header routes and version timeouts need an L7 port and a Service. */
function checkVersionRouting(
  issues: Issues, path: Path, name: string, versions: readonly VersionDraft[], ports: readonly ResolvedPort[], clientOnly: boolean,
): void {
  if (!clientOnly && !ports.some(p => L7_PROTOCOLS.has(p.protocol))) {
    for (const v of versions) {
      for (const field of ['headers', 'timeout'] as const) {
        if (v.spec[field] !== undefined) {
          issues.error([...path, 'versions', v.index, field], `requests are routed by header on http, http2 and grpc ports only; "${name}" has none`);
        }
      }
    }
  }
  if (clientOnly) {
    // No Service: nothing routes requests to a client-only workload's versions.
    for (const v of versions) {
      for (const field of ['headers', 'timeout', 'service'] as const) {
        if (v.spec[field] !== undefined) {
          issues.error([...path, 'versions', v.index, field], `a client-only workload has no Service: no request is routed to its versions; remove "${field}"`);
        }
      }
    }
  }
}

/** Lint rules switched off for the service, each with its reason; sorted by rule. */
function resolveSuppressions(issues: Issues, path: Path, service: ServiceSpec): ServiceDraft['suppressions'] {
  return (service.suppress ?? []).map((entry, i) => {
    if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(entry.rule ?? '')) {
      issues.error([...path, 'suppress', i, 'rule'], `"${entry.rule}" is not a rule id (lower-case words joined by '-')`);
    }
    if (typeof entry.reason !== 'string' || entry.reason.trim() === '') {
      issues.error([...path, 'suppress', i, 'reason'], 'say why the rule does not apply (the reason is printed with every report)');
    }
    return { rule: entry.rule, reason: entry.reason };
  }).sort((a, b) => compareStrings(a.rule, b.rule));
}
