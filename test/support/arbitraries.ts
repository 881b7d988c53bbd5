/**
 * fast-check generators of random, valid service catalogs (CatalogSpec), for property
 * tests of every phase: 1-3 namespaces, 1-8 services (some client-only), named and
 * unnamed ports (unnamed ones are called by number), targetPort != port, UDP, calls with
 * and without port limits (also `namespace/name` across namespaces), exposed services,
 * canary versions with weights summing to 100, cidr calls with `except` (IPv4 and IPv6)
 * and host calls with `cidrs`; peers outside the catalog (a namespace, labelled pods in
 * another namespace with a service account, labelled namespaces, any pod, the world or a
 * partner range, the API server) as callers limited to ports and as callees, metrics
 * ports scraped by the monitoring peer, versions with their own service account and
 * calls, splits to a clone Service, and (on request) header-routed versions.
 */
import * as fc from 'fast-check';
import { CallerSpec, CallSpec, CatalogSpec, NamespaceSpec, PeerSpec, PortProtocol, PortSpec, ServiceSpec, VersionSpec } from '../../src/model/types';

export interface CatalogArbitraryOptions {
  /** At most this many services (at least 1). Default 8. */
  readonly maxServices?: number;
  /** At most this many namespaces (1-3). Default 3. */
  readonly maxNamespaces?: number;
  /** Generate namespaces with `owned: false` too. Default false. */
  readonly unownedNamespaces?: boolean;
  /** Generate host calls (always with `cidrs`). Default true. */
  readonly hostCalls?: boolean;
  /** Generate cidr calls. Default true. */
  readonly cidrCalls?: boolean;
  /**
   * Peer kinds to generate (as callers, as callees, metrics ports for `monitoring`).
   * Default: all of them. `[]` generates no peers.
   */
  readonly peerKinds?: ReadonlyArray<PeerKindName>;
  /** Versions with their own service account and calls, and splits to a clone Service. Default true. */
  readonly versionSettings?: boolean;
  /** Header-routed versions (with their own timeouts): only phases with request routing. Default false. */
  readonly headerRoutes?: boolean;
}

/** The peer kinds the generator knows. */
export type PeerKindName = 'namespace' | 'workload' | 'namespaceSelector' | 'cluster' | 'world' | 'partner' | 'kube-apiserver' | 'monitoring';
export const ALL_PEER_KINDS: ReadonlyArray<PeerKindName> = ['namespace', 'workload', 'namespaceSelector', 'cluster', 'world', 'partner', 'kube-apiserver', 'monitoring'];

/** Declared peers, one per kind (the built-ins `cluster`, `world` and `monitoring` need none). */
const PEERS: Record<PeerKindName, PeerSpec | undefined> = {
  'namespace': { name: 'batch', namespace: 'batch' },
  'workload': { name: 'reporting', namespace: 'analytics', selector: { app: 'reporting' }, serviceAccount: 'reporting' },
  'namespaceSelector': { name: 'tenants', namespaceSelector: { tier: 'tenant' }, selector: { role: 'client' } },
  'cluster': undefined,
  'world': undefined,
  'partner': { name: 'partner', world: true, cidrs: ['198.51.100.0/24'] },
  'kube-apiserver': { name: 'kube-apiserver', kubeApiServer: true, cidrs: ['192.0.2.0/28'] },
  'monitoring': undefined,
};
/** Peer name of each kind. */
const PEER_NAMES: Record<PeerKindName, string> = {
  'namespace': 'batch',
  'workload': 'reporting',
  'namespaceSelector': 'tenants',
  'cluster': 'cluster',
  'world': 'world',
  'partner': 'partner',
  'kube-apiserver': 'kube-apiserver',
  'monitoring': 'monitoring',
};

const NAMESPACES = ['shop', 'payments', 'ops'];
const SERVICE_NAMES = ['web', 'api', 'db', 'cache', 'auth', 'pay', 'feed', 'mail'];
const PORT_NAMES = ['http', 'grpc', 'metrics', 'admin', 'data', 'sync'];
const SERVICE_PORTS = [53, 80, 443, 5050, 5432, 6379, 8080, 8443, 9090, 11211];
const TARGET_PORTS = [3000, 8080, 8081, 9000, 9443, 10053];
const L7_PROTOCOLS = [PortProtocol.HTTP, PortProtocol.HTTP2, PortProtocol.GRPC];
const PROTOCOLS = [PortProtocol.HTTP, PortProtocol.HTTP2, PortProtocol.GRPC, PortProtocol.TCP, PortProtocol.UDP, PortProtocol.TLS];

/** External ranges with optional exclusions (canonical text: the model rejects host bits). */
const CIDRS: ReadonlyArray<{ cidr: string; except: string[] }> = [
  { cidr: '10.20.0.0/16', except: ['10.20.5.0/24'] },
  { cidr: '192.168.10.0/24', except: [] },
  { cidr: '172.16.0.0/12', except: ['172.16.1.0/24', '172.17.0.0/16'] },
  { cidr: '203.0.113.0/24', except: [] },
  { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] },
  { cidr: '2001:db8:1::/48', except: ['2001:db8:1:5::/64'] },
  { cidr: '2001:db8:2::/64', except: [] },
];
const HOSTS = ['api.example.com', '*.svc.example.net', 'db.partner.example'];
const EXTERNAL_PORTS = [53, 123, 443, 5432, 9092];

/** What phase 1 decides before calls can refer to services. */
interface ServiceSkeleton {
  readonly namespace: string;
  readonly name: string;
  readonly clientOnly: boolean;
  readonly ports: PortSpec[];
  readonly exposed: boolean;
  readonly versions?: VersionSpec[];
  readonly selector?: Record<string, string>;
  /** Split one version off to a clone Service (added by the generator). */
  readonly splitToClone?: boolean;
}

function portsArb(): fc.Arbitrary<PortSpec[]> {
  return fc.uniqueArray(fc.constantFrom(...SERVICE_PORTS), { minLength: 1, maxLength: 3 }).chain(numbers =>
    fc.tuple(
      fc.shuffledSubarray(PORT_NAMES, { minLength: numbers.length, maxLength: numbers.length }),
      fc.array(fc.record({
        named: fc.boolean(),
        target: fc.option(fc.constantFrom(...TARGET_PORTS), { freq: 2 }),
        protocol: fc.option(fc.constantFrom(...PROTOCOLS), { freq: 3 }),
      }), { minLength: numbers.length, maxLength: numbers.length }),
    ).map(([names, details]) => numbers.map((port, i) => {
      const d = details[i];
      const spec: { name?: string; port: number; targetPort?: number; protocol?: PortProtocol } = { port };
      if (d.named) {
        spec.name = names[i];
      }
      if (d.target !== null) {
        spec.targetPort = d.target;
      }
      if (d.protocol !== null) {
        spec.protocol = d.protocol;
      }
      return spec;
    })),
  );
}

function versionsArb(options: CatalogArbitraryOptions): fc.Arbitrary<VersionSpec[] | undefined> {
  const settings = options.versionSettings ?? true;
  const twoOrThree = fc.integer({ min: 2, max: 3 }).chain(count =>
    fc.tuple(
      fc.uniqueArray(fc.integer({ min: 1, max: 99 }), { minLength: count - 1, maxLength: count - 1 }),
      fc.boolean(),
      fc.constantFrom(...(settings ? [false, true] : [false])),
      fc.constantFrom(...(options.headerRoutes ? [false, true] : [false])),
      fc.boolean(),
    ).map(([cuts, customLabels, ownAccount, headerRoute, withTimeout]) => {
      const points = [0, ...[...cuts].sort((a, b) => a - b), 100];
      return points.slice(1).map((p, i): VersionSpec => {
        const name = `v${i + 1}`;
        const last = i === count - 1;
        return {
          name,
          ...(customLabels ? { labels: { track: name } } : {}),
          weight: p - points[i],
          ...(last && ownAccount ? { serviceAccount: `canary-${name}` } : {}),
          ...(last && headerRoute ? { headers: { 'x-canary': name }, ...(withTimeout ? { timeout: '3s' } : {}) } : {}),
        };
      });
    }),
  );
  return fc.option(twoOrThree, { freq: 3 }).map(v => v ?? undefined);
}

function skeletonArb(options: CatalogArbitraryOptions): fc.Arbitrary<{ namespaces: NamespaceSpec[]; services: ServiceSkeleton[] }> {
  const maxNamespaces = Math.min(Math.max(options.maxNamespaces ?? 3, 1), NAMESPACES.length);
  const maxServices = Math.max(options.maxServices ?? 8, 1);
  return fc.integer({ min: 1, max: maxNamespaces }).chain(nsCount => {
    const names = NAMESPACES.slice(0, nsCount);
    const namespaceSpecs = fc.tuple(...names.map(name => fc.record({
      labels: fc.option(fc.constant({ team: name }), { freq: 2 }),
      owned: options.unownedNamespaces ? fc.boolean() : fc.constant(true),
    }).map(({ labels, owned }): NamespaceSpec => ({
      name,
      ...(labels ? { labels } : {}),
      ...(owned ? {} : { owned: false }),
    }))));
    const service = fc.record({
      namespace: fc.constantFrom(...names),
      name: fc.constantFrom(...SERVICE_NAMES),
      clientOnly: fc.integer({ min: 0, max: 6 }).map(n => n === 0),
      ports: portsArb(),
      exposed: fc.boolean(),
      versions: versionsArb(options),
      customSelector: fc.integer({ min: 0, max: 4 }).map(n => n === 0),
      splitToClone: fc.integer({ min: 0, max: 3 }).map(n => n === 0 && (options.versionSettings ?? true)),
    }).map((s): ServiceSkeleton => ({
      namespace: s.namespace,
      name: s.name,
      clientOnly: s.clientOnly,
      ports: s.clientOnly ? [] : s.ports,
      exposed: !s.clientOnly && s.exposed,
      // Nothing routes requests to a client-only workload's versions, nor on opaque ports.
      versions: s.clientOnly || !s.ports.some(p => L7_PROTOCOLS.includes(p.protocol ?? PortProtocol.TCP))
        ? s.versions?.map(({ headers: _h, timeout: _t, ...v }) => v)
        : s.versions,
      // Unique per namespace because names are; never overlaps another service's pods.
      selector: s.customSelector ? { 'app.kubernetes.io/name': s.name } : undefined,
      splitToClone: !s.clientOnly && s.versions !== undefined && s.splitToClone,
    }));
    const services = fc.uniqueArray(service, {
      minLength: 1,
      maxLength: maxServices,
      selector: s => `${s.namespace}/${s.name}`,
    });
    return fc.record({ namespaces: namespaceSpecs, services });
  });
}

function serviceCallArb(caller: ServiceSkeleton, callees: ServiceSkeleton[]): fc.Arbitrary<CallSpec> {
  return fc.constantFrom(...callees).chain(callee => fc.record({
    qualified: fc.boolean(),
    limit: fc.option(fc.subarray(callee.ports, { minLength: 1 }), { freq: 2 }),
    byNumber: fc.boolean(),
    single: fc.boolean(),
  }).map(({ qualified, limit, byNumber, single }): CallSpec => {
    const service = callee.namespace !== caller.namespace || qualified ? `${callee.namespace}/${callee.name}` : callee.name;
    if (!limit) {
      return { service };
    }
    // Unnamed ports can only be referred to by number.
    const refs = limit.map(p => (p.name !== undefined && !byNumber ? p.name : p.port));
    return single && refs.length === 1 ? { service, port: refs[0] } : { service, ports: refs };
  }));
}

function externalPortsArb(): fc.Arbitrary<{ port?: number; ports?: number[]; protocol?: PortProtocol }> {
  return fc.record({
    ports: fc.uniqueArray(fc.constantFrom(...EXTERNAL_PORTS), { minLength: 1, maxLength: 2 }),
    protocol: fc.option(fc.constantFrom(PortProtocol.TCP, PortProtocol.UDP, PortProtocol.TLS), { freq: 2 }),
  }).map(({ ports, protocol }) => ({
    ...(ports.length === 1 ? { port: ports[0] } : { ports }),
    ...(protocol ? { protocol } : {}),
  }));
}

function cidrCallArb(): fc.Arbitrary<CallSpec> {
  return fc.tuple(fc.constantFrom(...CIDRS), fc.boolean(), externalPortsArb()).map(([range, withExcept, ports]) => ({
    cidr: range.cidr,
    ...(withExcept && range.except.length > 0 ? { except: [...range.except] } : {}),
    ...ports,
  }));
}

function hostCallArb(): fc.Arbitrary<CallSpec> {
  const ranges = CIDRS.filter(c => c.except.length === 0).map(c => c.cidr);
  return fc.tuple(fc.constantFrom(...HOSTS), fc.subarray(ranges, { minLength: 1, maxLength: 2 }), externalPortsArb())
    .map(([host, cidrs, ports]) => ({ host, cidrs, ...ports }));
}

function peerCallArb(kinds: ReadonlyArray<PeerKindName>): fc.Arbitrary<CallSpec> {
  return fc.tuple(fc.constantFrom(...kinds), externalPortsArb()).map(([kind, ports]): CallSpec =>
    // The API server's ports are known: a call may leave them out.
    (kind === 'kube-apiserver' && ports.protocol === undefined && ports.port !== undefined ? { peer: PEER_NAMES[kind] } : { peer: PEER_NAMES[kind], ...ports }));
}

function callsArb(caller: ServiceSkeleton, all: ServiceSkeleton[], options: CatalogArbitraryOptions): fc.Arbitrary<CallSpec[]> {
  const callees = all.filter(s => !s.clientOnly && s !== caller);
  const kinds: Array<fc.Arbitrary<CallSpec>> = [];
  if (callees.length > 0) {
    kinds.push(serviceCallArb(caller, callees), serviceCallArb(caller, callees));
  }
  const peerKinds = (options.peerKinds ?? ALL_PEER_KINDS).filter(k => k !== 'monitoring');
  if (peerKinds.length > 0) {
    kinds.push(peerCallArb(peerKinds));
  }
  if (options.cidrCalls ?? true) {
    kinds.push(cidrCallArb());
  }
  if (options.hostCalls ?? true) {
    kinds.push(hostCallArb());
  }
  if (kinds.length === 0) {
    return fc.constant([]);
  }
  return fc.array(fc.oneof(...kinds), { maxLength: 3 });
}

/** Peers calling a service: each limited to some of its ports (by name or number), or all. */
function callersArb(service: ServiceSkeleton, kinds: ReadonlyArray<PeerKindName>): fc.Arbitrary<CallerSpec[]> {
  const callerKinds = kinds.filter(k => k !== 'monitoring');
  if (service.clientOnly || callerKinds.length === 0) {
    return fc.constant([]);
  }
  const caller = fc.record({
    kind: fc.constantFrom(...callerKinds),
    limit: fc.option(fc.subarray(service.ports, { minLength: 1 }), { freq: 2 }),
    byNumber: fc.boolean(),
  }).map(({ kind, limit, byNumber }): CallerSpec => {
    if (!limit) {
      return { peer: PEER_NAMES[kind] };
    }
    const refs = limit.map(p => (p.name !== undefined && !byNumber ? p.name : p.port));
    return refs.length === 1 ? { peer: PEER_NAMES[kind], port: refs[0] } : { peer: PEER_NAMES[kind], ports: refs };
  });
  return fc.uniqueArray(caller, { maxLength: 2, selector: c => c.peer });
}

/** A version's own calls (to peers or other services), for the last version of a service. */
function versionCallsArb(caller: ServiceSkeleton, all: ServiceSkeleton[], options: CatalogArbitraryOptions): fc.Arbitrary<CallSpec[]> {
  if (!(options.versionSettings ?? true) || !caller.versions) {
    return fc.constant([]);
  }
  return fc.option(callsArb(caller, all, { ...options, hostCalls: false }), { freq: 2 }).map(c => c ?? []);
}

/** Random valid catalogs; `ServiceCatalog.fromSpec` accepts every one. */
export function catalogSpecArb(options: CatalogArbitraryOptions = {}): fc.Arbitrary<CatalogSpec> {
  const peerKinds = options.peerKinds ?? ALL_PEER_KINDS;
  return skeletonArb(options).chain(({ namespaces, services }) =>
    fc.tuple(
      fc.tuple(...services.map(s => callsArb(s, services, options))),
      fc.tuple(...services.map(s => callersArb(s, peerKinds))),
      fc.tuple(...services.map(s => versionCallsArb(s, services, options))),
      fc.tuple(...services.map(s => fc.constantFrom(...(peerKinds.includes('monitoring') && s.ports.length > 0 ? [false, true] : [false])))),
      fc.constantFrom(...(peerKinds.includes('namespaceSelector') ? [false, true] : [false])),
    ).map(([calls, callers, versionCalls, scraped, tenantNamespace]): CatalogSpec => {
      const specs: ServiceSpec[] = services.map((s, i): ServiceSpec => {
        // The first port serves metrics when the service is scraped.
        const ports = scraped[i] ? s.ports.map((p, j) => (j === 0 ? { ...p, metrics: true } : p)) : s.ports;
        let versions = s.versions;
        if (versions && versionCalls[i].length > 0) {
          versions = versions.map((v, j) => (j === versions!.length - 1 ? { ...v, calls: versionCalls[i] } : v));
        }
        if (versions && s.splitToClone) {
          const last = versions[versions.length - 1];
          versions = [...versions.slice(0, -1), { name: last.name, weight: last.weight, service: `${s.name}-clone` }];
        }
        return {
          name: s.name,
          ...(s.namespace === namespaces[0].name ? {} : { namespace: s.namespace }),
          ...(s.selector ? { selector: s.selector } : {}),
          ...(s.clientOnly ? { clientOnly: true } : { ports }),
          ...(s.exposed ? { exposed: true } : {}),
          ...(versions ? { versions } : {}),
          ...(calls[i].length > 0 ? { calls: calls[i] } : {}),
          ...(callers[i].length > 0 ? { callers: callers[i] } : {}),
        };
      });
      // Clones that take a split's traffic: same ports, their own pods.
      const clones: ServiceSpec[] = services.filter(s => s.splitToClone).map(s => ({
        name: `${s.name}-clone`,
        ...(s.namespace === namespaces[0].name ? {} : { namespace: s.namespace }),
        ports: s.ports,
      }));
      const peers = peerKinds.map(k => PEERS[k]).filter((p): p is PeerSpec => p !== undefined);
      // One catalog namespace may carry the tenant label, so that a namespace-selector
      // peer also selects pods the catalog owns.
      const labelled = tenantNamespace ? namespaces.map((ns, i) => (i === namespaces.length - 1 ? { ...ns, labels: { ...ns.labels, tier: 'tenant' } } : ns)) : namespaces;
      return {
        namespace: namespaces[0].name,
        namespaces: labelled,
        ...(peers.length > 0 ? { peers } : {}),
        services: [...specs, ...clones],
      };
    }),
  );
}
