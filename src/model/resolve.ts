/**
 * Validation and resolution of a catalog: every error at once, each naming its field
 * path; then defaults applied, references bound, and everything in canonical order so
 * that the output does not depend on the order of the input.
 */
import { cidrWithin, parseCidr } from './cidr';
import {
  DEFAULT_GRPC_RETRY_ON,
  DEFAULT_HTTP_RETRY_ON,
  DEFAULT_NON_IDEMPOTENT_RETRY_ON,
  isIdempotentMethod,
  unsafeConditions,
} from './idempotency';
import {
  checkDns1035Label,
  checkDns1123Label,
  checkDns1123Subdomain,
  checkHostName,
  checkPortName,
  suggest,
} from './names';
import {
  CATALOG_DEFAULTS, checkCidr, checkCidrList, checkLabels, checkPercent, compareStrings, DEFAULT_REPLICAS, duration, Issues,
  isMapping, L7_PROTOCOLS, location, MIN_RENEW_BEFORE_MS, optionalDuration, Path, show, sortedRecord,
} from './resolve-common';
import { resolvePhaseSettings, resolvePlatform, resolveTrafficPolicy } from './resolve-settings';
import {
  ExternalPort,
  IdempotencySource,
  ModelIssue,
  ResolvedCall,
  ResolvedCaller,
  ResolvedCatalog,
  ResolvedCertificate,
  ResolvedCertificateDefaults,
  ResolvedInbound,
  ResolvedLocation,
  ResolvedNamespace,
  ResolvedPeer,
  ResolvedPeerCall,
  ResolvedPort,
  ResolvedProbes,
  ResolvedRetries,
  ResolvedRoute,
  ResolvedService,
  ResolvedServiceCall,
  ResolvedFault,
  ResolvedRootRotation,
  ResolvedTrafficPolicy,
  ResolvedVersion,
} from './resolved';
import {
  CallerSpec,
  CallSpec,
  CatalogSpec,
  FaultSpec,
  L7Fallback,
  L7Widening,
  PeerSpec,
  PortProtocol,
  PortSpec,
  RootRotationSpec,
  RootRotationStage,
  RouteSpec,
  ServiceSpec,
  VersionSpec,
} from './types';


/** Everything about one service that does not depend on other services. */
interface ServiceDraft {
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
type MutablePort = { -readonly [K in keyof ResolvedPort]: ResolvedPort[K] };

/** Finds a port by reference: its name, or its (service) port number. */
function findPort(ports: readonly ResolvedPort[], ref: string | number): ResolvedPort | undefined {
  if (typeof ref === 'number') {
    return ports.find(p => p.port === ref);
  }
  return ports.find(p => p.name === ref) ?? (/^\d+$/.test(ref) ? ports.find(p => p.port === Number(ref)) : undefined);
}

function describePorts(ports: readonly ResolvedPort[]): string {
  return ports.map(p => (p.name ? `${p.name} (${p.port})` : String(p.port))).join(', ') || 'none';
}

function resolvePorts(issues: Issues, path: Path, specs: PortSpec[] | undefined): ResolvedPort[] {
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

function resolveRoute(issues: Issues, path: Path, spec: RouteSpec, ports: readonly ResolvedPort[]): ResolvedRoute | undefined {
  const nameProblem = checkDns1123Label(spec.name ?? '');
  if (nameProblem) {
    issues.error([...path, 'name'], nameProblem);
  }
  if ((spec.http === undefined) === (spec.grpc === undefined)) {
    issues.error(path, `route "${spec.name}" needs exactly one of "http" and "grpc"`);
    return undefined;
  }
  const kind: 'http' | 'grpc' = spec.http ? 'http' : 'grpc';
  if (spec.http) {
    const given = (['path', 'pathPrefix', 'pathRegex'] as const).filter(k => spec.http![k] !== undefined);
    if (given.length > 1) {
      issues.error([...path, 'http'], `give at most one of path, pathPrefix and pathRegex (got ${given.join(', ')})`);
    }
    for (const k of ['path', 'pathPrefix'] as const) {
      const value = spec.http[k];
      if (value !== undefined && !value.startsWith('/')) {
        issues.error([...path, 'http', k], `"${value}" must start with "/"`);
      }
    }
    if (spec.http.pathRegex !== undefined) {
      try {
        new RegExp(spec.http.pathRegex);
      } catch (e) {
        issues.error([...path, 'http', 'pathRegex'], `invalid regular expression: ${(e as Error).message}`);
      }
    }
  } else if (spec.grpc) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(spec.grpc.service ?? '')) {
      issues.error([...path, 'grpc', 'service'], `"${spec.grpc.service}" is not a fully qualified gRPC service name (e.g. shop.Checkout)`);
    }
    if (spec.grpc.method !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(spec.grpc.method)) {
      issues.error([...path, 'grpc', 'method'], `"${spec.grpc.method}" is not a gRPC method name`);
    }
  }

  // Ports that can carry the route: gRPC needs HTTP/2 framing.
  const fits = (p: ResolvedPort) => (kind === 'grpc' ? p.protocol === PortProtocol.GRPC || p.protocol === PortProtocol.HTTP2 : p.protocol === PortProtocol.HTTP || p.protocol === PortProtocol.HTTP2);
  let served: ResolvedPort[];
  if (spec.port !== undefined) {
    const port = findPort(ports, spec.port);
    if (!port) {
      issues.error([...path, 'port'], `unknown port "${spec.port}" (ports: ${describePorts(ports)})`);
      return undefined;
    }
    if (!L7_PROTOCOLS.has(port.protocol)) {
      issues.error([...path, 'port'], `port "${spec.port}" speaks ${port.protocol}; routes need an http, http2 or grpc port`);
      return undefined;
    }
    served = [port];
  } else {
    served = ports.filter(fits);
    if (served.length === 0) {
      issues.error(path, `route "${spec.name}" is ${kind === 'grpc' ? 'a gRPC' : 'an HTTP'} route but the service has no ${kind === 'grpc' ? 'grpc or http2' : 'http or http2'} port`);
      return undefined;
    }
  }

  let idempotent: boolean;
  let idempotentSource: IdempotencySource;
  if (spec.idempotent !== undefined) {
    idempotent = spec.idempotent;
    idempotentSource = 'declared';
  } else if (spec.http?.method !== undefined) {
    idempotent = isIdempotentMethod(spec.http.method);
    idempotentSource = 'method';
  } else {
    idempotent = false;
    idempotentSource = 'default';
  }

  const timeoutMs = optionalDuration(issues, [...path, 'timeout'], spec.timeout, 'timeout');
  let retries: ResolvedRetries | undefined;
  if (spec.retries) {
    const r = spec.retries;
    if (!Number.isInteger(r.attempts) || r.attempts < 0 || r.attempts > 10) {
      issues.error([...path, 'retries', 'attempts'], `attempts ${show(r.attempts)} must be an integer from 0 to 10`);
    }
    const perTryTimeoutMs = optionalDuration(issues, [...path, 'retries', 'perTryTimeout'], r.perTryTimeout, 'perTryTimeout');
    const on = r.on ?? (idempotent ? (kind === 'grpc' ? DEFAULT_GRPC_RETRY_ON : DEFAULT_HTTP_RETRY_ON) : DEFAULT_NON_IDEMPOTENT_RETRY_ON);
    if (r.on !== undefined && r.on.length === 0 && r.attempts > 0) {
      issues.error([...path, 'retries', 'on'], 'retries with attempts > 0 need at least one condition');
    }
    if (!idempotent && r.attempts > 0) {
      const unsafe = unsafeConditions(on);
      if (unsafe.length > 0) {
        const why = idempotentSource === 'method' ? `${spec.http!.method} is not idempotent` : idempotentSource === 'declared' ? 'it is declared non-idempotent' : `${kind === 'grpc' ? 'gRPC' : 'method-less'} routes are non-idempotent unless declared`;
        issues.error([...path, 'retries', 'on'], `route "${spec.name}" is not idempotent (${why}): retrying on ${unsafe.join(', ')} can repeat a request the server already processed; use only connect-failure, refused-stream, reset-before-request, or declare "idempotent: true" if repeating it is harmless`);
      }
    }
    retries = { attempts: r.attempts, perTryTimeoutMs, on: [...new Set(on)].sort(), conditionsDeclared: r.on !== undefined };
  }

  const fault = spec.fault ? resolveFault(issues, [...path, 'fault'], spec.fault, kind) : undefined;

  return {
    name: spec.name,
    kind,
    fault,
    http: spec.http ? { ...spec.http } : undefined,
    grpc: spec.grpc ? { ...spec.grpc } : undefined,
    ports: served,
    idempotent,
    idempotentSource,
    timeoutMs,
    retries,
    ...(spec.allowWiderEnforcement !== undefined ? { allowWiderEnforcement: spec.allowWiderEnforcement } : {}),
  };
}

/** A version before its backend and calls are bound (pass 2). */
interface VersionDraft {
  readonly index: number;
  readonly spec: VersionSpec;
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly weight: number;
  readonly headers: Record<string, string>;
  readonly serviceAccount: string;
  readonly timeoutMs?: number;
}

function resolveVersions(
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
    const backed = spec.service !== undefined;
    let labels: Record<string, string> = {};
    if (backed) {
      for (const field of ['labels', 'serviceAccount', 'calls'] as const) {
        if (spec[field] !== undefined) {
          issues.error([...p, field], `version "${spec.name}" is backed by service "${spec.service}": its pods, identity and calls are that service's; remove "${field}"`);
        }
      }
    } else {
      labels = spec.labels === undefined ? { version: spec.name } : checkLabels(issues, [...p, 'labels'], spec.labels, 'labels');
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
    }
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

function externalPorts(issues: Issues, path: Path, call: CallSpec, what: string): ExternalPort[] {
  const refs = [...(call.port !== undefined ? [call.port] : []), ...(call.ports ?? [])];
  if (refs.length === 0) {
    issues.error(path, `a ${what} call needs "port" or "ports"`);
    return [];
  }
  const protocol = call.protocol ?? PortProtocol.TCP;
  const out: ExternalPort[] = [];
  refs.forEach((ref, i) => {
    const field: Path = call.port !== undefined && i === 0 ? [...path, 'port'] : [...path, 'ports', call.port !== undefined ? i - 1 : i];
    const n = typeof ref === 'number' ? ref : /^\d+$/.test(ref) ? Number(ref) : NaN;
    if (!Number.isInteger(n) || n < 1 || n > 65535) {
      issues.error(field, `${what} calls need port numbers (1-65535), got ${show(ref)}`);
      return;
    }
    if (!out.some(p => p.port === n)) {
      out.push({ port: n, protocol });
    }
  });
  return out.sort((a, b) => a.port - b.port);
}


function callKey(call: ResolvedCall): string {
  switch (call.kind) {
    case 'service':
      return `1|${call.targetId}|${call.ports.map(p => p.port).join(',')}|${call.routes.map(r => r.name).join(',')}`;
    case 'host':
      return `2|${call.host}|${call.ports.map(p => `${p.port}/${p.protocol}`).join(',')}`;
    case 'cidr':
      return `3|${call.cidr}|${call.ports.map(p => `${p.port}/${p.protocol}`).join(',')}`;
  }
}

/**
 * A service's kubelet probes: exact absolute paths (no query, no duplicates), declared
 * only where the pods can be probed that way (HTTP paths need an http/http2 port, gRPC
 * probes a grpc port).
 */
function resolveProbes(issues: Issues, path: Path, service: ServiceSpec, ports: readonly ResolvedPort[]): ResolvedProbes {
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
 * Validates a catalog and resolves it. Returns every issue found; `catalog` is set only
 * when there are no errors.
 */
export function resolveCatalog(spec: CatalogSpec): { catalog?: ResolvedCatalog; issues: ModelIssue[] } {
  const issues = new Issues();
  if (!isMapping(spec)) {
    issues.error([], 'the catalog must be a mapping with a "services" list');
    return { issues: issues.list };
  }
  if (!Array.isArray(spec.services)) {
    issues.error(['services'], 'is required (a list of services)');
    return { issues: issues.list };
  }

  const defaultNamespace = spec.namespace ?? CATALOG_DEFAULTS.namespace;
  const nsProblem = checkDns1123Label(defaultNamespace);
  if (nsProblem) {
    issues.error(['namespace'], nsProblem);
  }
  const clusterDomain = spec.clusterDomain ?? CATALOG_DEFAULTS.clusterDomain;
  if (checkDns1123Subdomain(clusterDomain)) {
    issues.error(['clusterDomain'], checkDns1123Subdomain(clusterDomain)!);
  }
  const trustDomain = spec.trustDomain ?? CATALOG_DEFAULTS.trustDomain;
  if (checkDns1123Subdomain(trustDomain)) {
    issues.error(['trustDomain'], checkDns1123Subdomain(trustDomain)!);
  }
  const dns = location(issues, ['dns'], spec.dns, CATALOG_DEFAULTS.dns);
  const ingressController = location(issues, ['ingressController'], spec.ingressController, CATALOG_DEFAULTS.ingressController);
  const peers = resolvePeers(issues, spec.peers, ingressController);
  const certificates = resolveCertificateDefaults(issues, spec);
  const phaseSettings = resolvePhaseSettings(issues, spec, certificates.enabled);
  const platform = resolvePlatform(issues, spec.platform);

  // Pass 1: each service on its own.
  const drafts: ServiceDraft[] = [];
  const byId = new Map<string, ServiceDraft>();
  spec.services.forEach((service, index) => {
    const path: Path = ['services', index];
    if (!isMapping(service)) {
      issues.error(path, 'each service must be a mapping');
      return;
    }
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
    const clientOnly = service.clientOnly ?? false;
    const ports = resolvePorts(issues, [...path, 'ports'], service.ports);
    if (!clientOnly && (service.ports ?? []).length === 0) {
      issues.error([...path, 'ports'], `service "${name}" has no ports; declare its ports, or set "clientOnly: true" for a workload without a Service`);
    }
    if (clientOnly && (service.routes ?? []).length > 0) {
      issues.error([...path, 'routes'], 'a client-only workload serves no routes');
    }
    if (clientOnly && service.exposed) {
      issues.error([...path, 'exposed'], 'a client-only workload has no Service to expose');
    }
    const routes: ResolvedRoute[] = [];
    const routeNames = new Map<string, number>();
    // A client-only workload's routes are reported once above, not route by route.
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
    const versions = resolveVersions(issues, [...path, 'versions'], service.versions, selector, serviceAccount);
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
    const certificate = resolveServiceCertificate(issues, [...path, 'certificate'], service, namespace, clusterDomain, certificates);
    const trafficPolicy = resolveTrafficPolicy(issues, [...path, 'trafficPolicy'], service.trafficPolicy);
    const probes = resolveProbes(issues, [...path, 'probes'], service, ports);
    const suppressions = (service.suppress ?? []).map((entry, i) => {
      if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(entry.rule ?? '')) {
        issues.error([...path, 'suppress', i, 'rule'], `"${entry.rule}" is not a rule id (lower-case words joined by '-')`);
      }
      if (typeof entry.reason !== 'string' || entry.reason.trim() === '') {
        issues.error([...path, 'suppress', i, 'reason'], 'say why the rule does not apply (the reason is printed with every report)');
      }
      return { rule: entry.rule, reason: entry.reason };
    }).sort((a, b) => compareStrings(a.rule, b.rule));
    const replicas = service.replicas ?? DEFAULT_REPLICAS;
    if (!Number.isInteger(replicas) || replicas < 0) {
      issues.error([...path, 'replicas'], `replicas ${show(replicas)} must be a whole number of at least 0`);
    }

    const draft: ServiceDraft = {
      index,
      spec: service,
      id: `${namespace}/${name}`,
      name,
      namespace,
      selector,
      serviceAccount,
      ports,
      routes: routes.sort((a, b) => compareStrings(a.name, b.name)),
      versions,
      clientOnly,
      exposed: service.exposed ?? false,
      certificate,
      trafficPolicy,
      probes,
      replicas,
      suppressions,
    };
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

  // Pass 2: calls, which bind services to each other, and peers.
  const callsById = new Map<string, ResolvedCall[]>();
  const peerCallsById = new Map<string, ResolvedPeerCall[]>();
  /** Version calls, by service id and version name. */
  const versionCalls = new Map<string, Map<string, ResolvedCall[]>>();
  const versionPeerCalls = new Map<string, Map<string, ResolvedPeerCall[]>>();
  const callersById = new Map<string, ResolvedCaller[]>();
  const backends = new Map<string, Map<string, string>>();
  const resolveCallList = (specs: CallSpec[] | undefined, path: Path, draft: ServiceDraft): [ResolvedCall[], ResolvedPeerCall[]] => {
    const unique = new Map<string, ResolvedCall>();
    const uniquePeers = new Map<string, ResolvedPeerCall>();
    (specs ?? []).forEach((call, c) => {
      const resolved = resolveCall(issues, [...path, c], call, draft, byId, peers);
      if (resolved?.kind === 'peer') {
        uniquePeers.set(peerCallKey(resolved), resolved);
      } else if (resolved) {
        unique.set(callKey(resolved), resolved);
      }
    });
    return [
      [...unique.entries()].sort(([x], [y]) => compareStrings(x, y)).map(([, call]) => call),
      [...uniquePeers.entries()].sort(([x], [y]) => compareStrings(x, y)).map(([, call]) => call),
    ];
  };
  for (const draft of byId.values()) {
    const [calls, peerCalls] = resolveCallList(draft.spec.calls, ['services', draft.index, 'calls'], draft);
    callsById.set(draft.id, calls);
    peerCallsById.set(draft.id, peerCalls);
    callersById.set(draft.id, resolveCallers(issues, draft, peers, byId));
    const own = new Map<string, ResolvedCall[]>();
    const ownPeers = new Map<string, ResolvedPeerCall[]>();
    const bound = new Map<string, string>();
    for (const version of draft.versions) {
      const path: Path = ['services', draft.index, 'versions', version.index];
      if (version.spec.calls !== undefined) {
        const [vCalls, vPeerCalls] = resolveCallList(version.spec.calls, [...path, 'calls'], draft);
        own.set(version.name, vCalls);
        ownPeers.set(version.name, vPeerCalls);
      }
      if (version.spec.service !== undefined) {
        const backendId = bindBackend(issues, [...path, 'service'], version.spec.service, draft, byId);
        if (backendId) {
          bound.set(version.name, backendId);
        }
      }
    }
    versionCalls.set(draft.id, own);
    versionPeerCalls.set(draft.id, ownPeers);
    backends.set(draft.id, bound);
  }

  // Pass 3: callers of a split service also call the services that back its versions.
  for (const draft of byId.values()) {
    for (const [versionName, backendId] of backends.get(draft.id) ?? []) {
      const backend = byId.get(backendId)!;
      const path: Path = ['services', draft.index, 'versions', draft.versions.find(v => v.name === versionName)!.index, 'service'];
      const mapCall = (callerId: string) => (call: ResolvedServiceCall): ResolvedServiceCall | undefined => {
        const mapped = mapToBackend(issues, path, call.ports, call.routes, backend, `${callerId} calls ${draft.id}`);
        return mapped && { kind: 'service', targetId: backendId, ports: mapped.ports, routes: mapped.routes, via: draft.id };
      };
      for (const [callerId, calls] of callsById) {
        const derived = calls.filter((c): c is ResolvedServiceCall => c.kind === 'service' && c.targetId === draft.id && c.via === undefined)
          .map(mapCall(callerId)).filter((c): c is ResolvedServiceCall => c !== undefined);
        callsById.set(callerId, dedupeCalls([...derived, ...calls]));
      }
      for (const [callerId, byVersion] of versionCalls) {
        for (const [name, calls] of byVersion) {
          const derived = calls.filter((c): c is ResolvedServiceCall => c.kind === 'service' && c.targetId === draft.id && c.via === undefined)
            .map(mapCall(`${callerId}@${name}`)).filter((c): c is ResolvedServiceCall => c !== undefined);
          byVersion.set(name, dedupeCalls([...derived, ...calls]));
        }
      }
      // Only meshed clients go through the split (an unmeshed peer's connection reaches the
      // split service's pods directly: no proxy on its side picks a version).
      const extra = (callersById.get(draft.id) ?? []).filter(caller => caller.peer.meshed).map((caller): ResolvedCaller | undefined => {
        const mapped = mapToBackend(issues, path, caller.ports, caller.routes, backend, `peer ${caller.peer.name} calls ${draft.id}`);
        return mapped && { peer: caller.peer, ports: mapped.ports, routes: mapped.routes, source: 'split' };
      }).filter((c): c is ResolvedCaller => c !== undefined);
      callersById.set(backendId, [...(callersById.get(backendId) ?? []), ...extra]);
    }
  }
  for (const [id, callers] of callersById) {
    const unique = new Map(callers.map(c => [callerKey(c), c]));
    callersById.set(id, [...unique.entries()].sort(([x], [y]) => compareStrings(x, y)).map(([, c]) => c));
    // Unmeshed callers reach a meshed server in plaintext.
    for (const caller of callers) {
      if (!caller.peer.meshed) {
        caller.ports.forEach(port => { (port as MutablePort).plaintext = true; });
      }
    }
  }

  // Namespaces: declared ones plus every namespace a service lives in.
  const namespaces = new Map<string, ResolvedNamespace>();
  (spec.namespaces ?? []).forEach((ns, i) => {
    const problem = checkDns1123Label(ns.name ?? '');
    if (problem) {
      issues.error(['namespaces', i, 'name'], problem);
    }
    if (namespaces.has(ns.name)) {
      issues.error(['namespaces', i, 'name'], `duplicate namespace "${ns.name}"`);
    }
    const labels = checkLabels(issues, ['namespaces', i, 'labels'], ns.labels, 'labels');
    if (labels['kubernetes.io/metadata.name'] !== undefined && labels['kubernetes.io/metadata.name'] !== ns.name) {
      issues.error(['namespaces', i, 'labels', 'kubernetes.io/metadata.name'], 'is set by the API server to the namespace name and cannot be changed');
    }
    namespaces.set(ns.name, { name: ns.name, labels, owned: ns.owned ?? true });
  });
  for (const draft of byId.values()) {
    if (!namespaces.has(draft.namespace)) {
      namespaces.set(draft.namespace, { name: draft.namespace, labels: {}, owned: true });
    }
  }

  // Default-deny in the namespace of DNS or the ingress controller would cut them off
  // (their own traffic is not described by the catalog).
  for (const [field, where] of [['dns', dns], ['ingressController', ingressController]] as const) {
    const ns = namespaces.get(where.namespace);
    if (ns?.owned) {
      issues.error([field, 'namespace'], `${field} runs in namespace "${where.namespace}", which the catalog owns: its default-deny would cut ${field === 'dns' ? 'cluster DNS' : 'the ingress controller'} off. Declare it in "namespaces" with "owned: false", or run ${field === 'dns' ? 'DNS' : 'the controller'} in its own namespace`);
    }
  }

  if (issues.hasErrors) {
    return { issues: issues.list };
  }

  // Build the final objects in canonical order.
  const inbound = new Map<string, ResolvedInbound[]>();
  const addInbound = (fromId: string, calls: readonly ResolvedCall[], fromVersion?: string) => {
    for (const call of calls) {
      if (call.kind === 'service') {
        const list = inbound.get(call.targetId) ?? [];
        list.push(fromVersion === undefined ? { fromId, call } : { fromId, fromVersion, call });
        inbound.set(call.targetId, list);
      }
    }
  };
  for (const [fromId, calls] of callsById) {
    addInbound(fromId, calls);
    for (const [version, vCalls] of versionCalls.get(fromId) ?? []) {
      addInbound(fromId, vCalls, version);
    }
  }
  const services: ResolvedService[] = [...byId.values()]
    .sort((a, b) => compareStrings(a.id, b.id))
    .map(d => {
      const versions: ResolvedVersion[] = d.versions.map(v => {
        const backend = backends.get(d.id)?.get(v.name);
        return {
          name: v.name,
          labels: v.labels,
          weight: v.weight,
          ...(backend !== undefined ? { backend } : {}),
          headers: v.headers,
          serviceAccount: backend !== undefined ? byId.get(backend)!.serviceAccount : v.serviceAccount,
          calls: versionCalls.get(d.id)?.get(v.name) ?? [],
          peerCalls: versionPeerCalls.get(d.id)?.get(v.name) ?? [],
          ...(v.timeoutMs !== undefined ? { timeoutMs: v.timeoutMs } : {}),
        };
      });
      return {
        name: d.name,
        namespace: d.namespace,
        id: d.id,
        selector: d.selector,
        serviceAccount: d.serviceAccount,
        serviceAccounts: [...new Set([d.serviceAccount, ...versions.filter(v => v.backend === undefined).map(v => v.serviceAccount)])].sort(),
        ports: d.ports,
        routes: d.routes,
        calls: callsById.get(d.id) ?? [],
        peerCalls: peerCallsById.get(d.id) ?? [],
        inbound: (inbound.get(d.id) ?? []).sort((a, b) => compareStrings(a.fromId, b.fromId)
          || compareStrings(a.fromVersion ?? '', b.fromVersion ?? '') || compareStrings(callKey(a.call), callKey(b.call))),
        callers: callersById.get(d.id) ?? [],
        versions,
        clientOnly: d.clientOnly,
        certificate: d.certificate,
        trafficPolicy: d.trafficPolicy,
        probes: d.probes,
        replicas: d.replicas,
        suppressions: d.suppressions,
      };
    });
  const index = new Map(services.map(s => [s.id, s]));
  const catalog: ResolvedCatalog = {
    defaultNamespace,
    clusterDomain,
    trustDomain,
    dns,
    ingressController,
    l7Fallback: spec.l7Fallback ?? L7Fallback.REFUSE,
    l7Widening: spec.l7Widening ?? L7Widening.REFUSE,
    peers: [...peers.values()].sort((a, b) => compareStrings(a.name, b.name)),
    certificates,
    namespaces: [...namespaces.values()].sort((a, b) => compareStrings(a.name, b.name)),
    services,
    ...phaseSettings,
    platform,
    service(id: string): ResolvedService {
      const found = index.get(id);
      if (!found) {
        throw new Error(`no service "${id}" in the catalog`);
      }
      return found;
    },
    peer(name: string): ResolvedPeer {
      const found = peers.get(name);
      if (!found) {
        throw new Error(`no peer "${name}" in the catalog`);
      }
      return found;
    },
  };
  return { catalog, issues: issues.list };
}

function resolveCall(
  issues: Issues,
  path: Path,
  call: CallSpec,
  caller: ServiceDraft,
  byId: Map<string, ServiceDraft>,
  peers: ReadonlyMap<string, ResolvedPeer>,
): ResolvedCall | ResolvedPeerCall | undefined {
  if (!isMapping(call)) {
    issues.error(path, 'each call must be a mapping');
    return undefined;
  }
  const kinds = (['service', 'peer', 'host', 'cidr'] as const).filter(k => call[k] !== undefined);
  if (kinds.length !== 1) {
    issues.error(path, kinds.length === 0 ? 'a call needs one of "service", "peer", "host" or "cidr"' : `a call names one peer; got ${kinds.join(' and ')}`);
    return undefined;
  }
  if (kinds[0] !== 'service' && call.routes !== undefined) {
    issues.error([...path, 'routes'], `routes limit calls to catalog services; a ${kinds[0]} call has none`);
  }
  if (kinds[0] !== 'cidr' && call.except !== undefined) {
    issues.error([...path, 'except'], '"except" applies to cidr calls only');
  }
  if (kinds[0] !== 'host' && call.cidrs !== undefined) {
    issues.error([...path, 'cidrs'], kinds[0] === 'peer' ? '"cidrs" of a peer belong to the peer (catalog "peers")' : '"cidrs" applies to host calls only (use "cidr" for an address range)');
  }

  if (call.peer !== undefined) {
    const peer = lookupPeer(issues, [...path, 'peer'], call.peer, peers, byId, caller.namespace, 'call');
    if (!peer) {
      return undefined;
    }
    if (peer.name === 'ingress-controller') {
      issues.error([...path, 'peer'], 'catalog services do not call the ingress controller; it calls them (use "exposed" or "callers")');
      return undefined;
    }
    const given = call.port !== undefined || call.ports !== undefined;
    if (!given && peer.ports.length === 0) {
      issues.error(path, `a call to peer "${peer.name}" needs "port" or "ports" (numbers)`);
      return undefined;
    }
    const ports = given ? externalPorts(issues, path, call, 'peer') : peer.ports.map(p => ({ port: p.port, protocol: call.protocol ?? p.protocol }));
    return ports.length > 0 ? { kind: 'peer', peer, ports } : undefined;
  }

  if (call.host !== undefined) {
    const problem = checkHostName(call.host);
    if (problem) {
      issues.error([...path, 'host'], problem);
    }
    const ports = externalPorts(issues, path, call, 'host');
    const cidrs = checkCidrList(issues, [...path, 'cidrs'], call.cidrs ?? []);
    return { kind: 'host', host: call.host.toLowerCase(), wildcard: call.host.startsWith('*.'), cidrs, ports, declaredAt: [...path] };
  }

  if (call.cidr !== undefined) {
    const cidr = checkCidr(issues, [...path, 'cidr'], call.cidr);
    const except = checkCidrList(issues, [...path, 'except'], call.except ?? []);
    if (cidr) {
      except.forEach((text, i) => {
        const inner = parseCidr(text)!;
        if (!cidrWithin(inner, cidr) || inner.prefix === cidr.prefix) {
          issues.error([...path, 'except', i], `"${text}" must lie strictly inside ${cidr.text}`);
        }
      });
    }
    const ports = externalPorts(issues, path, call, 'cidr');
    return cidr ? { kind: 'cidr', cidr: cidr.text, except, ports } : undefined;
  }

  // A catalog service: `name` or `namespace/name`.
  const ref = call.service!;
  const parts = ref.split('/');
  if (parts.length > 2 || parts.some(p => p === '')) {
    issues.error([...path, 'service'], `"${ref}" is not a service reference (use "name" or "namespace/name")`);
    return undefined;
  }
  const targetId = parts.length === 2 ? ref : `${caller.namespace}/${ref}`;
  const target = byId.get(targetId);
  if (!target) {
    const hint = suggest(targetId, [...byId.keys()]) ?? suggest(ref, [...byId.values()].map(d => d.name));
    const peerHint = peers.has(ref) ? `; "${ref}" is a peer: use "peer: ${ref}"` : '';
    issues.error([...path, 'service'], `unknown service "${ref}" (resolved as ${targetId})${hint ? `; did you mean "${hint}"?` : peerHint}`);
    return undefined;
  }
  if (target.clientOnly) {
    issues.error([...path, 'service'], `"${targetId}" is client-only (no Service): it cannot be called`);
    return undefined;
  }
  if (call.protocol !== undefined) {
    issues.error([...path, 'protocol'], 'the protocol of a service call comes from the callee\'s port; remove "protocol"');
  }
  const bound = bindPortsAndRoutes(issues, path, call, target, targetId);
  if (!bound) {
    return undefined;
  }
  return { kind: 'service', targetId, ports: bound.ports, routes: bound.routes };
}

/**
 * The ports and routes of `target` that a call or a caller entry names: given ports (and
 * routes among them), or the ports serving the given routes, or every port.
 */
function bindPortsAndRoutes(
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

/** Finds a peer by name, with a hint when the name is a catalog service or a near miss. */
function lookupPeer(
  issues: Issues,
  path: Path,
  name: string,
  peers: ReadonlyMap<string, ResolvedPeer>,
  byId: Map<string, ServiceDraft>,
  namespace: string,
  what: 'call' | 'caller',
): ResolvedPeer | undefined {
  const peer = peers.get(name);
  if (peer) {
    return peer;
  }
  const serviceId = name.includes('/') ? name : `${namespace}/${name}`;
  if (byId.has(serviceId)) {
    issues.error(path, what === 'call'
      ? `"${name}" is a catalog service, not a peer: use "service: ${name}"`
      : `"${name}" is a catalog service: declare the call on its side ("calls: [{service: ...}]" in ${serviceId}), not as a caller`);
    return undefined;
  }
  const hint = suggest(name, [...peers.keys()]);
  issues.error(path, `unknown peer "${name}" (peers: ${[...peers.keys()].join(', ')}; declare it in "peers")${hint ? `; did you mean "${hint}"?` : ''}`);
  return undefined;
}

/** The `callers` of a service, its `exposed` flag and its metrics ports, as peer entries. */
function resolveCallers(
  issues: Issues,
  draft: ServiceDraft,
  peers: ReadonlyMap<string, ResolvedPeer>,
  byId: Map<string, ServiceDraft>,
): ResolvedCaller[] {
  const path: Path = ['services', draft.index];
  const callers: ResolvedCaller[] = [];
  const specs: CallerSpec[] = draft.spec.callers ?? [];
  if (draft.clientOnly && specs.length > 0) {
    issues.error([...path, 'callers'], 'a client-only workload has no Service to call');
    return [];
  }
  if (draft.exposed) {
    const i = specs.findIndex(c => c?.peer === 'ingress-controller');
    if (i >= 0) {
      issues.error([...path, 'callers', i, 'peer'], '"exposed: true" already lets the ingress controller call every port; remove one of the two');
    }
    callers.push({ peer: peers.get('ingress-controller')!, ports: [...draft.ports], routes: [], source: 'exposed' });
  }
  specs.forEach((spec, i) => {
    const p: Path = [...path, 'callers', i];
    if (!isMapping(spec) || typeof spec.peer !== 'string') {
      issues.error(p, 'each caller needs "peer" (a peer name)');
      return;
    }
    const peer = lookupPeer(issues, [...p, 'peer'], spec.peer, peers, byId, draft.namespace, 'caller');
    if (!peer) {
      return;
    }
    const bound = bindPortsAndRoutes(issues, p, spec, draft, draft.id);
    if (bound) {
      callers.push({ peer, ports: bound.ports, routes: bound.routes, source: 'caller' });
    }
  });
  // Metrics ports an explicit `monitoring` caller entry already opens (any request) need no second entry.
  const covered = new Set(callers.filter(c => c.peer.name === 'monitoring' && c.routes.length === 0).flatMap(c => c.ports));
  const metrics = draft.ports.filter(port => port.metrics && !covered.has(port));
  if (metrics.length > 0) {
    callers.push({ peer: peers.get('monitoring')!, ports: metrics, routes: [], source: 'metrics' });
  }
  return callers;
}

function callerKey(caller: ResolvedCaller): string {
  return `${caller.peer.name}|${caller.source}|${caller.ports.map(p => p.port).join(',')}|${caller.routes.map(r => r.name).join(',')}`;
}

function peerCallKey(call: ResolvedPeerCall): string {
  return `${call.peer.name}|${call.ports.map(p => `${p.port}/${p.protocol}`).join(',')}`;
}

/** Built-in peers, then declared ones (which may replace a built-in). */
function resolvePeers(issues: Issues, specs: PeerSpec[] | undefined, ingress: ResolvedLocation): Map<string, ResolvedPeer> {
  const tcp = (ports: readonly number[]): ExternalPort[] => ports.map(port => ({ port, protocol: PortProtocol.TCP }));
  const pods = { kind: 'pods' as const, allNamespaces: false, cidrs: [], ports: [], builtIn: true };
  const peers = new Map<string, ResolvedPeer>([
    ['cluster', { ...pods, name: 'cluster', allNamespaces: true, selector: {}, meshed: false }],
    ['ingress-controller', {
      ...pods, name: 'ingress-controller', namespace: ingress.namespace, selector: { ...ingress.selector }, serviceAccount: ingress.serviceAccount, meshed: true,
    }],
    ['kube-apiserver', { kind: 'kube-apiserver', name: 'kube-apiserver', allNamespaces: false, selector: {}, meshed: false, cidrs: [], ports: tcp(CATALOG_DEFAULTS.kubeApiServerPorts), builtIn: true }],
    ['monitoring', {
      ...pods,
      name: 'monitoring',
      namespace: CATALOG_DEFAULTS.monitoring.namespace,
      selector: { ...CATALOG_DEFAULTS.monitoring.selector },
      serviceAccount: CATALOG_DEFAULTS.monitoring.serviceAccount,
      meshed: false,
    }],
    ['world', { kind: 'world', name: 'world', allNamespaces: false, selector: {}, meshed: false, cidrs: ['0.0.0.0/0', '::/0'], ports: [], builtIn: true }],
  ]);
  const declared = new Map<string, number>();
  (specs ?? []).forEach((spec, i) => {
    const path: Path = ['peers', i];
    if (!isMapping(spec)) {
      issues.error(path, 'each peer must be a mapping');
      return;
    }
    const nameProblem = checkDns1123Label(spec.name ?? '');
    if (nameProblem) {
      issues.error([...path, 'name'], nameProblem);
    }
    if (declared.has(spec.name)) {
      issues.error([...path, 'name'], `duplicate peer "${spec.name}" (also peers[${declared.get(spec.name)}])`);
    }
    declared.set(spec.name, i);
    if (spec.name === 'ingress-controller') {
      issues.error([...path, 'name'], 'the ingress controller is configured with the catalog\'s "ingressController"');
      return;
    }
    const scopes = (['namespace', 'namespaceSelector', 'allNamespaces', 'world', 'kubeApiServer'] as const)
      .filter(k => spec[k] !== undefined && spec[k] !== false);
    if (scopes.length !== 1) {
      issues.error(path, scopes.length === 0
        ? 'a peer needs one scope: "namespace", "namespaceSelector", "allNamespaces", "world" or "kubeApiServer"'
        : `a peer has one scope; got ${scopes.join(' and ')}`);
      return;
    }
    const scope = scopes[0];
    const isPods = scope === 'namespace' || scope === 'namespaceSelector' || scope === 'allNamespaces';
    if (!isPods) {
      for (const field of ['selector', 'serviceAccount'] as const) {
        if (spec[field] !== undefined) {
          issues.error([...path, field], `"${field}" selects pods; a ${scope === 'world' ? 'world' : 'kubeApiServer'} peer is addresses`);
        }
      }
      if (spec.meshed === true) {
        issues.error([...path, 'meshed'], `${scope === 'world' ? 'the world' : 'the API server'} is never in the mesh`);
      }
    } else if (spec.cidrs !== undefined) {
      issues.error([...path, 'cidrs'], '"cidrs" belongs to world and kubeApiServer peers; pod peers are selected by namespace and labels');
    }
    if (spec.serviceAccount !== undefined && isPods) {
      if (scope !== 'namespace') {
        issues.error([...path, 'serviceAccount'], 'a service account is namespaced: it needs "namespace"');
      } else if (checkDns1123Subdomain(spec.serviceAccount)) {
        issues.error([...path, 'serviceAccount'], checkDns1123Subdomain(spec.serviceAccount)!);
      }
    }
    if (spec.namespace !== undefined && checkDns1123Label(spec.namespace)) {
      issues.error([...path, 'namespace'], checkDns1123Label(spec.namespace)!);
    }
    let namespaceSelector: Record<string, string> | undefined;
    if (scope === 'namespaceSelector') {
      namespaceSelector = checkLabels(issues, [...path, 'namespaceSelector'], spec.namespaceSelector, 'namespaceSelector');
      if (Object.keys(namespaceSelector).length === 0) {
        issues.error([...path, 'namespaceSelector'], 'an empty namespaceSelector selects every namespace: use "allNamespaces: true"');
      }
    }
    const selector = checkLabels(issues, [...path, 'selector'], spec.selector, 'selector');
    const cidrs = checkCidrList(issues, [...path, 'cidrs'], spec.cidrs ?? []);
    if (scope === 'world' && spec.cidrs !== undefined && cidrs.length === 0 && (spec.cidrs ?? []).length === 0) {
      issues.error([...path, 'cidrs'], 'give at least one range (or remove "cidrs" for the whole world)');
    }
    const ports: ExternalPort[] = [];
    (spec.ports ?? []).forEach((port, j) => {
      if (!Number.isInteger(port) || port < 1 || port > 65535) {
        issues.error([...path, 'ports', j], `port ${show(port)} is out of range (1-65535)`);
      } else if (!ports.some(q => q.port === port)) {
        ports.push({ port, protocol: PortProtocol.TCP });
      }
    });
    const builtInPorts = scope === 'kubeApiServer' ? tcp(CATALOG_DEFAULTS.kubeApiServerPorts) : [];
    peers.set(spec.name, {
      name: spec.name,
      kind: isPods ? 'pods' : scope === 'world' ? 'world' : 'kube-apiserver',
      namespace: scope === 'namespace' ? spec.namespace : undefined,
      namespaceSelector,
      allNamespaces: scope === 'allNamespaces',
      selector: isPods ? selector : {},
      serviceAccount: scope === 'namespace' ? spec.serviceAccount : undefined,
      meshed: isPods ? spec.meshed ?? spec.name !== 'monitoring' : false,
      cidrs: scope === 'world' && spec.cidrs === undefined ? ['0.0.0.0/0', '::/0'] : cidrs,
      ports: spec.ports !== undefined ? ports.sort((a, b) => a.port - b.port) : builtInPorts,
      builtIn: false,
    });
  });
  return peers;
}

function dedupeCalls(calls: ResolvedCall[]): ResolvedCall[] {
  const unique = new Map(calls.map(c => [callKey(c), c]));
  return [...unique.entries()].sort(([x], [y]) => compareStrings(x, y)).map(([, c]) => c);
}

/** Binds a version's backing service: another service of the catalog in the same namespace. */
function bindBackend(issues: Issues, path: Path, ref: string, owner: ServiceDraft, byId: Map<string, ServiceDraft>): string | undefined {
  const parts = ref.split('/');
  const id = parts.length === 2 ? ref : `${owner.namespace}/${ref}`;
  const backend = byId.get(id);
  if (!backend) {
    const hint = suggest(id, [...byId.keys()]);
    issues.error(path, `unknown service "${ref}" (resolved as ${id})${hint ? `; did you mean "${hint}"?` : ''}`);
    return undefined;
  }
  if (backend.namespace !== owner.namespace) {
    issues.error(path, `"${id}" is in another namespace: a split's backends live in the namespace of the split service (${owner.namespace})`);
    return undefined;
  }
  if (backend.id === owner.id) {
    issues.error(path, 'a version cannot be backed by its own service (give it labels instead)');
    return undefined;
  }
  if (backend.clientOnly) {
    issues.error(path, `"${id}" is client-only (no Service): it cannot take traffic`);
    return undefined;
  }
  if (backend.versions.length > 0) {
    issues.error(path, `"${id}" has versions of its own: splits do not nest`);
    return undefined;
  }
  const missing = owner.ports.filter(p => !backend.ports.some(q => q.port === p.port && q.protocol === p.protocol));
  if (missing.length > 0) {
    issues.error(path, `"${id}" must serve every port of ${owner.id} with the same protocol; missing ${missing.map(p => `${p.port}/${p.protocol}`).join(', ')}`);
    return undefined;
  }
  return id;
}

/** The backend's ports (by service port number) and routes (by name) matching a call to the split service. */
function mapToBackend(
  issues: Issues,
  path: Path,
  ports: readonly ResolvedPort[],
  routes: readonly ResolvedRoute[],
  backend: ServiceDraft,
  who: string,
): { ports: ResolvedPort[]; routes: ResolvedRoute[] } | undefined {
  const mappedPorts = ports.map(p => backend.ports.find(q => q.port === p.port)).filter((p): p is ResolvedPort => p !== undefined);
  const mappedRoutes: ResolvedRoute[] = [];
  for (const route of routes) {
    const same = backend.routes.find(r => r.name === route.name);
    if (!same) {
      issues.error(path, `${who} limited to route "${route.name}", which backend ${backend.id} does not declare (a backend serves the routes its split service's callers use)`);
      return undefined;
    }
    mappedRoutes.push(same);
  }
  return mappedPorts.length > 0 ? { ports: [...new Set(mappedPorts)], routes: mappedRoutes } : undefined;
}

function resolveCertificateDefaults(issues: Issues, spec: CatalogSpec): ResolvedCertificateDefaults {
  const c = spec.certificates ?? {};
  const path: Path = ['certificates'];
  const durationMs = duration(issues, [...path, 'duration'], c.duration, CATALOG_DEFAULTS.certificateDuration);
  const renewBeforeMs = duration(issues, [...path, 'renewBefore'], c.renewBefore, CATALOG_DEFAULTS.certificateRenewBefore);
  const caDurationMs = duration(issues, [...path, 'caDuration'], c.caDuration, CATALOG_DEFAULTS.caDuration);
  const caRenewBeforeMs = duration(issues, [...path, 'caRenewBefore'], c.caRenewBefore, CATALOG_DEFAULTS.caRenewBefore);
  const expiryAlertBeforeMs = duration(issues, [...path, 'expiryAlertBefore'], c.expiryAlertBefore, CATALOG_DEFAULTS.expiryAlertBefore);
  checkRenewal(issues, path, durationMs, renewBeforeMs, 'duration');
  checkRenewal(issues, [...path, 'ca'], caDurationMs, caRenewBeforeMs, 'caDuration', 'caRenewBefore');
  if (!c.issuerRef && durationMs > 0 && caDurationMs > 0 && caDurationMs <= durationMs + renewBeforeMs) {
    issues.error([...path, 'caDuration'], `the CA (${c.caDuration ?? CATALOG_DEFAULTS.caDuration}) must outlive the leaves it signs (duration + renewBefore = ${c.duration ?? CATALOG_DEFAULTS.certificateDuration} + ${c.renewBefore ?? CATALOG_DEFAULTS.certificateRenewBefore})`);
  }
  const caNamespace = c.caNamespace ?? CATALOG_DEFAULTS.caNamespace;
  if (checkDns1123Label(caNamespace)) {
    issues.error([...path, 'caNamespace'], checkDns1123Label(caNamespace)!);
  }
  const caName = c.caName ?? CATALOG_DEFAULTS.caName;
  if (checkDns1123Label(caName)) {
    issues.error([...path, 'caName'], checkDns1123Label(caName)!);
  }
  const rootName = c.rootName ?? `${caName}-root`;
  const rootDurationMs = duration(issues, [...path, 'rootDuration'], c.rootDuration, CATALOG_DEFAULTS.rootDuration);
  const rootRenewBeforeMs = duration(issues, [...path, 'rootRenewBefore'], c.rootRenewBefore, CATALOG_DEFAULTS.rootRenewBefore);
  checkRenewal(issues, [...path, 'root'], rootDurationMs, rootRenewBeforeMs, 'rootDuration', 'rootRenewBefore');
  const generatedNames = new Set([`${caName}-ca`, `${caName}-selfsigned`]);
  if (c.rootName !== undefined && checkDns1123Label(rootName)) {
    issues.error([...path, 'rootName'], checkDns1123Label(rootName)!);
  } else if (generatedNames.has(rootName)) {
    issues.error([...path, 'rootName'], `"${rootName}" is the name of a generated issuer; choose another root name`);
  }
  const rootRotation = resolveRootRotation(issues, [...path, 'rootRotation'], c.rootRotation, rootName, generatedNames, durationMs);
  if (c.alertRunbookUrl !== undefined && (typeof c.alertRunbookUrl !== 'string' || !/^\S+$/.test(c.alertRunbookUrl))) {
    issues.error([...path, 'alertRunbookUrl'], 'must be a URL or path without spaces');
  }
  if (c.issuerRef && c.rootRotation) {
    issues.error([...path, 'rootRotation'], 'a root rotation replaces the generated root; with issuerRef there is none (rotate the external root where it lives)');
  }
  let issuerRef: ResolvedCertificateDefaults['issuerRef'];
  if (c.issuerRef) {
    const kind = c.issuerRef.kind ?? 'ClusterIssuer';
    const group = c.issuerRef.group ?? 'cert-manager.io';
    if (checkDns1123Subdomain(c.issuerRef.name ?? '')) {
      issues.error([...path, 'issuerRef', 'name'], checkDns1123Subdomain(c.issuerRef.name ?? '')!);
    }
    if (group === 'cert-manager.io' && kind !== 'ClusterIssuer' && kind !== 'Issuer') {
      issues.error([...path, 'issuerRef', 'kind'], `cert-manager.io issuers are "ClusterIssuer" or "Issuer", got "${kind}"`);
    }
    if (kind === 'Issuer') {
      issues.warn([...path, 'issuerRef', 'kind'], `an Issuer is namespaced: "${c.issuerRef.name}" must exist in every namespace that has certificates`);
    }
    issuerRef = { name: c.issuerRef.name, kind, group };
  }
  return {
    enabled: c.enabled ?? true,
    issuerRef,
    durationMs,
    renewBeforeMs,
    caDurationMs,
    caRenewBeforeMs,
    rootName,
    rootDurationMs,
    rootRenewBeforeMs,
    ...(rootRotation ? { rootRotation } : {}),
    caNamespace,
    caName,
    trustBundle: c.trustBundle ?? true,
    expiryAlert: c.expiryAlert ?? false,
    expiryAlertBeforeMs,
    alertRunbookUrl: c.alertRunbookUrl ?? 'docs/certificates.md',
  };
}

function resolveRootRotation(
  issues: Issues,
  path: Path,
  spec: RootRotationSpec | undefined,
  rootName: string,
  generatedNames: ReadonlySet<string>,
  leafDurationMs: number,
): ResolvedRootRotation | undefined {
  if (spec === undefined) {
    return undefined;
  }
  const nextRoot = spec.nextRoot ?? '';
  if (checkDns1123Label(nextRoot)) {
    issues.error([...path, 'nextRoot'], checkDns1123Label(nextRoot)!);
  } else if (nextRoot === rootName || generatedNames.has(nextRoot)) {
    issues.error([...path, 'nextRoot'], `"${nextRoot}" is already the name of the current root or a generated issuer`);
  }
  const stages = Object.values(RootRotationStage) as string[];
  if (!stages.includes(spec.stage)) {
    issues.error([...path, 'stage'], `stage must be one of ${stages.join(', ')} (got "${spec.stage}")`);
  }
  const overlapMs = spec.overlap === undefined ? leafDurationMs : duration(issues, [...path, 'overlap'], spec.overlap, '');
  return { nextRoot, stage: spec.stage, overlapMs };
}

function checkRenewal(issues: Issues, path: Path, durationMs: number, renewBeforeMs: number, durationField: string, renewField = 'renewBefore'): void {
  const base = path[path.length - 1] === 'ca' || path[path.length - 1] === 'root' ? path.slice(0, -1) : path;
  if (durationMs === 0 || renewBeforeMs === 0) {
    return;
  }
  if (renewBeforeMs >= durationMs) {
    issues.error([...base, renewField], `${renewField} must be shorter than ${durationField}`);
  } else if (renewBeforeMs < MIN_RENEW_BEFORE_MS) {
    issues.error([...base, renewField], `${renewField} must be at least 5m (cert-manager's minimum)`);
  }
}

function resolveServiceCertificate(
  issues: Issues,
  path: Path,
  service: ServiceSpec,
  namespace: string,
  clusterDomain: string,
  defaults: ResolvedCertificateDefaults,
): ResolvedCertificate | undefined {
  const c = service.certificate ?? {};
  const enabled = defaults.enabled && (c.enabled ?? !(service.clientOnly ?? false));
  const durationMs = c.duration === undefined ? defaults.durationMs : duration(issues, [...path, 'duration'], c.duration, '');
  const renewBeforeMs = c.renewBefore === undefined ? defaults.renewBeforeMs : duration(issues, [...path, 'renewBefore'], c.renewBefore, '');
  if (c.duration !== undefined || c.renewBefore !== undefined) {
    checkRenewal(issues, path, durationMs, renewBeforeMs, 'duration');
  }
  const secretName = c.secretName ?? `${service.name}-tls`;
  // The default is valid whenever the service name is (which is checked on its own).
  if (c.secretName !== undefined && checkDns1123Subdomain(secretName)) {
    issues.error([...path, 'secretName'], checkDns1123Subdomain(secretName)!);
  }
  (c.extraDnsNames ?? []).forEach((name, i) => {
    const problem = checkHostName(name);
    if (problem) {
      issues.error([...path, 'extraDnsNames', i], problem);
    }
  });
  if (!enabled) {
    return undefined;
  }
  const base = [service.name, `${service.name}.${namespace}`, `${service.name}.${namespace}.svc`, `${service.name}.${namespace}.svc.${clusterDomain}`];
  const extras = [...new Set(c.extraDnsNames ?? [])].filter(n => !base.includes(n)).sort();
  return { secretName, dnsNames: [...base, ...extras], durationMs, renewBeforeMs };
}

/** Two services whose selectors select the same pods cannot be told apart by any policy. */
function checkOverlappingSelectors(issues: Issues, drafts: ServiceDraft[]): void {
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
function checkSharedServiceAccounts(issues: Issues, drafts: ServiceDraft[]): void {
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

/** gRPC status names (google.rpc.Code) accepted by fault aborts. */
const GRPC_STATUS_NAMES = new Set([
  'OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE',
  'DATA_LOSS', 'UNAUTHENTICATED',
]);

/** HTTP field names are RFC 9110 tokens; meshes match them lower-cased. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;


function checkHeaders(issues: Issues, path: Path, headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (!HEADER_NAME.test(name)) {
      issues.error([...path, name], `"${name}" is not a lower-case HTTP header name`);
    }
    if (typeof value !== 'string') {
      issues.error([...path, name], `header values are strings, got ${show(value)}`);
    }
    out[name] = value;
  }
  return sortedRecord(out);
}

function resolveFault(issues: Issues, path: Path, spec: FaultSpec, kind: 'http' | 'grpc'): ResolvedFault | undefined {
  if (!spec.delay && !spec.abort) {
    issues.error(path, 'a fault needs "delay" or "abort"');
    return undefined;
  }
  let delay: ResolvedFault['delay'];
  if (spec.delay) {
    const fixedDelayMs = optionalDuration(issues, [...path, 'delay', 'fixedDelay'], spec.delay.fixedDelay, 'fixedDelay') ?? 0;
    delay = { fixedDelayMs, percent: checkPercent(issues, [...path, 'delay', 'percent'], spec.delay.percent) };
  }
  let abort: ResolvedFault['abort'];
  if (spec.abort) {
    const a = spec.abort;
    if ((a.httpStatus === undefined) === (a.grpcStatus === undefined)) {
      issues.error([...path, 'abort'], 'an abort needs exactly one of "httpStatus" and "grpcStatus"');
    } else if (a.httpStatus !== undefined && (!Number.isInteger(a.httpStatus) || a.httpStatus < 200 || a.httpStatus > 599)) {
      issues.error([...path, 'abort', 'httpStatus'], `httpStatus ${show(a.httpStatus)} must be an HTTP status from 200 to 599`);
    } else if (a.grpcStatus !== undefined && !GRPC_STATUS_NAMES.has(a.grpcStatus)) {
      issues.error([...path, 'abort', 'grpcStatus'], `"${a.grpcStatus}" is not a gRPC status name (e.g. UNAVAILABLE, INTERNAL)`);
    } else if (a.grpcStatus !== undefined && kind !== 'grpc') {
      issues.error([...path, 'abort', 'grpcStatus'], 'a gRPC status can only be injected on a gRPC route');
    }
    abort = { httpStatus: a.httpStatus, grpcStatus: a.grpcStatus, percent: checkPercent(issues, [...path, 'abort', 'percent'], a.percent) };
  }
  return { delay, abort, headers: checkHeaders(issues, [...path, 'headers'], spec.headers) };
}


export { BUILT_IN_PEERS, CATALOG_DEFAULTS } from './resolve-common';
export { resolvePlatformSection } from './resolve-settings';
