/**
 * Deterministic synthetic catalogs for the benchmark and the determinism tests: N services
 * over several namespaces, about 3 calls and 2 routes per service, 10% canaries, some
 * exposed services, client-only load generators, external hosts (always with `cidrs`, so
 * every phase, the baseline included, can express them) and CIDR calls.
 *
 * Everything comes from a seeded PRNG (no Math.random): the same options give the same
 * catalog, byte for byte.
 */
import { CallSpec, CatalogSpec, HttpMethod, NamespaceSpec, PortProtocol, PortSpec, RetryCondition, RouteSpec, ServiceSpec, VersionSpec } from '../../src/model/types';

/** A seeded PRNG returning floats in [0, 1) (mulberry32: small, fast, good enough here). */
export type Random = () => number;

/* eslint-disable no-bitwise -- a PRNG is 32-bit integer arithmetic */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
/* eslint-enable no-bitwise */

/** An integer in [min, max]. */
export function randomInt(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/** A Fisher-Yates shuffled copy. */
export function shuffled<T>(random: Random, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

export interface SyntheticCatalogOptions {
  /** Number of services (at least 2). */
  readonly services: number;
  /** PRNG seed. Default 1. */
  readonly seed?: number;
  /** Number of namespaces. Default: N/125, between 2 and 16. */
  readonly namespaces?: number;
}

/** Share of services of each kind, and of the features spread over them. */
const SHARES = {
  clientOnly: 0.02,
  tcp: 0.1,
  grpc: 0.3,
  metricsPort: 0.2,
  canary: 0.1,
  exposed: 0.05,
  customSelector: 0.1,
  hostCall: 0.06,
  cidrCall: 0.04,
  sameNamespaceCall: 0.75,
} as const;

const HTTP_SHARE = 1 - SHARES.clientOnly - SHARES.tcp - SHARES.grpc;

/** External APIs: each with the address ranges that let NetworkPolicy express it. */
const HOSTS: ReadonlyArray<{ host: string; cidrs: string[]; port: number }> = [
  { host: 'api.payments.example', cidrs: ['198.51.100.0/24'], port: 443 },
  { host: 'smtp.mail.example', cidrs: ['192.0.2.16/28', '192.0.2.32/28'], port: 587 },
  { host: '*.storage.example', cidrs: ['203.0.113.0/25'], port: 443 },
  { host: 'auth.partner.example', cidrs: ['203.0.113.128/26', '2001:db8:7::/48'], port: 443 },
  { host: 'events.stream.example', cidrs: ['100.64.10.0/24'], port: 9092 },
];

const CIDRS: ReadonlyArray<{ cidr: string; except?: string[]; port: number }> = [
  { cidr: '10.20.0.0/16', except: ['10.20.5.0/24'], port: 5432 },
  { cidr: '10.30.0.0/16', port: 6379 },
  { cidr: '172.20.0.0/16', except: ['172.20.1.0/24'], port: 9200 },
];

type ServiceKind = 'http' | 'grpc' | 'tcp' | 'client';

interface Skeleton {
  readonly index: number;
  readonly name: string;
  readonly namespace: string;
  readonly kind: ServiceKind;
  readonly ports: PortSpec[];
  readonly routes: RouteSpec[];
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** Names like `order-0042`: short, valid DNS-1035, unique by the number. */
const STEMS = ['order', 'cart', 'user', 'stock', 'price', 'ship', 'auth', 'search', 'promo', 'report', 'notify', 'media'];

function httpRoutes(random: Random, count: number): RouteSpec[] {
  const routes: RouteSpec[] = [];
  for (let r = 0; r < count; r++) {
    if (random() < 0.6) {
      routes.push({
        name: `get-r${r}`,
        http: random() < 0.5 ? { method: HttpMethod.GET, pathPrefix: `/api/r${r}` } : { method: HttpMethod.GET, path: `/api/r${r}/item` },
        ...(random() < 0.5 ? { timeout: '2s', retries: { attempts: 3, perTryTimeout: '500ms' } } : {}),
      });
    } else {
      // Not idempotent: it may only retry before the request was sent.
      routes.push({
        name: `post-r${r}`,
        http: { method: HttpMethod.POST, path: `/api/r${r}` },
        ...(random() < 0.3 ? { timeout: '5s', retries: { attempts: 2, on: [RetryCondition.CONNECT_FAILURE, RetryCondition.REFUSED_STREAM] } } : {}),
      });
    }
  }
  return routes;
}

function grpcRoutes(random: Random, count: number, grpcService: string): RouteSpec[] {
  const routes: RouteSpec[] = [];
  for (let r = 0; r < count; r++) {
    const read = random() < 0.6;
    routes.push(read
      ? {
        name: `get-m${r}`,
        grpc: { service: grpcService, method: `Get${r}` },
        idempotent: true,
        ...(random() < 0.5 ? { timeout: '1s', retries: { attempts: 2, perTryTimeout: '300ms' } } : {}),
      }
      : { name: `create-m${r}`, grpc: { service: grpcService, method: `Create${r}` } });
  }
  return routes;
}

function skeleton(random: Random, index: number, namespaces: readonly string[], width: number): Skeleton {
  const name = `${STEMS[index % STEMS.length]}-${pad(index, width)}`;
  const namespace = pick(random, namespaces);
  const roll = random();
  const kind: ServiceKind = roll < SHARES.clientOnly ? 'client'
    : roll < SHARES.clientOnly + SHARES.tcp ? 'tcp'
      : roll < SHARES.clientOnly + SHARES.tcp + SHARES.grpc ? 'grpc' : 'http';
  const ports: PortSpec[] = [];
  let routes: RouteSpec[] = [];
  switch (kind) {
    case 'http':
      ports.push({ name: 'http', port: 80, targetPort: 8080, protocol: PortProtocol.HTTP });
      routes = httpRoutes(random, randomInt(random, 1, 4));
      break;
    case 'grpc':
      ports.push({ name: 'grpc', port: 5050, protocol: PortProtocol.GRPC });
      routes = grpcRoutes(random, randomInt(random, 1, 4), `svc${pad(index, width)}.Api`);
      break;
    case 'tcp':
      ports.push({ name: 'data', port: 5432, protocol: PortProtocol.TCP });
      break;
    case 'client':
      break;
  }
  if (kind !== 'client' && random() < SHARES.metricsPort) {
    // Scraped by the monitoring peer (unmeshed Prometheus): plaintext in the meshes.
    ports.push({ name: 'metrics', port: 9090, protocol: PortProtocol.HTTP, metrics: true });
  }
  return { index, name, namespace, kind, ports, routes };
}

function serviceCall(random: Random, caller: Skeleton, target: Skeleton): CallSpec {
  const ref = target.namespace === caller.namespace ? target.name : `${target.namespace}/${target.name}`;
  const roll = random();
  if (roll < 0.3 && target.routes.length > 0) {
    const routes = shuffled(random, target.routes).slice(0, randomInt(random, 1, Math.min(2, target.routes.length))).map(r => r.name);
    return { service: ref, port: target.ports[0].name!, routes: routes.sort() };
  }
  if (roll < 0.6) {
    return { service: ref, port: target.ports[0].name! };
  }
  return { service: ref };
}

/** A valid catalog of `services` services (see the file comment for its shape). */
export function syntheticCatalog(options: SyntheticCatalogOptions): CatalogSpec {
  const count = Math.max(2, Math.floor(options.services));
  const random = createRandom(options.seed ?? 1);
  const namespaceCount = options.namespaces ?? Math.min(16, Math.max(2, Math.ceil(count / 125)));
  const namespaces = Array.from({ length: namespaceCount }, (_, i) => `team-${pad(i, 2)}`);
  const width = String(count - 1).length;

  const skeletons = Array.from({ length: count }, (_, i) => skeleton(random, i, namespaces, width));
  const callable = skeletons.filter(s => s.kind !== 'client');
  const callableByNamespace = new Map<string, Skeleton[]>();
  for (const s of callable) {
    callableByNamespace.set(s.namespace, [...(callableByNamespace.get(s.namespace) ?? []), s]);
  }

  // Exactly 10% canaries (rounded), spread by the PRNG over services that have pods to split.
  const canaries = new Set(shuffled(random, callable.map(s => s.index)).slice(0, Math.round(count * SHARES.canary)));

  const services: ServiceSpec[] = skeletons.map(s => {
    const calls: CallSpec[] = [];
    const targets = new Set<number>([s.index]);
    const wanted = s.kind === 'client' ? randomInt(random, 1, 3) : randomInt(random, 0, 6);
    for (let attempt = 0; calls.length < wanted && attempt < wanted * 4; attempt++) {
      const local = callableByNamespace.get(s.namespace) ?? [];
      const pool = random() < SHARES.sameNamespaceCall && local.length > 1 ? local : callable;
      const target = pick(random, pool);
      if (!targets.has(target.index)) {
        targets.add(target.index);
        calls.push(serviceCall(random, s, target));
      }
    }
    if (s.kind !== 'client' && random() < SHARES.hostCall) {
      const h = pick(random, HOSTS);
      calls.push({ host: h.host, port: h.port, cidrs: [...h.cidrs] });
    }
    if (s.kind !== 'client' && random() < SHARES.cidrCall) {
      const c = pick(random, CIDRS);
      calls.push({ cidr: c.cidr, port: c.port, ...(c.except ? { except: [...c.except] } : {}) });
    }
    // Operators call the API server (every 50th service); decided by index, so the
    // PRNG's other draws (and the rest of the catalog) stay as they were.
    if (s.kind !== 'client' && s.index % 50 === 7) {
      calls.push({ peer: 'kube-apiserver' });
    }

    const versions: VersionSpec[] | undefined = canaries.has(s.index)
      ? [{ name: 'v1', labels: { version: 'v1' }, weight: 90 }, { name: 'v2', labels: { version: 'v2' }, weight: 10 }]
      : undefined;
    const selector = random() < SHARES.customSelector ? { app: s.name, tier: s.kind === 'tcp' ? 'data' : 'backend' } : undefined;
    const service: ServiceSpec = {
      name: s.name,
      namespace: s.namespace,
      ...(selector ? { selector } : {}),
      ...(s.kind === 'client' ? { clientOnly: true } : { ports: s.ports }),
      ...(s.routes.length > 0 ? { routes: s.routes } : {}),
      ...(calls.length > 0 ? { calls } : {}),
      // Only HTTP services are exposed: their share is raised so that ~5% of all are.
      ...(s.kind === 'http' && random() < SHARES.exposed / HTTP_SHARE ? { exposed: true } : {}),
      ...(versions ? { versions } : {}),
      // A batch system in its own namespace calls every 30th service on its first port.
      ...(s.kind !== 'client' && s.index % 30 === 11 ? { callers: [{ peer: 'batch', port: s.ports[0].name ?? s.ports[0].port }] } : {}),
    };
    return service;
  });

  const namespaceSpecs: NamespaceSpec[] = namespaces.map((name, i) => ({ name, labels: { 'team': `t${i}`, 'mesh-ladder.dev/tier': i % 2 === 0 ? 'gold' : 'silver' } }));
  return {
    namespace: namespaces[0],
    certificates: { expiryAlert: true },
    namespaces: namespaceSpecs,
    peers: [
      { name: 'batch', namespace: 'batch', selector: { app: 'batch-runner' }, serviceAccount: 'batch-runner' },
      { name: 'kube-apiserver', kubeApiServer: true, cidrs: ['192.0.2.240/28'] },
    ],
    services,
  };
}

/** Averages over a catalog, to check the generator's shape. */
export interface CatalogShape {
  readonly services: number;
  readonly namespaces: number;
  readonly callsPerService: number;
  readonly routesPerService: number;
  readonly canaryShare: number;
  readonly hostCalls: number;
  readonly hostCallsWithoutCidrs: number;
  readonly cidrCalls: number;
  readonly exposed: number;
  readonly clientOnly: number;
  /** Caller entries of peers (incl. metrics ports scraped by `monitoring`). */
  readonly peerCallers: number;
  readonly peerCalls: number;
}

export function catalogShape(spec: CatalogSpec): CatalogShape {
  const services = spec.services;
  const calls = services.flatMap(s => s.calls ?? []);
  return {
    services: services.length,
    namespaces: new Set(services.map(s => s.namespace ?? spec.namespace ?? 'default')).size,
    callsPerService: calls.length / services.length,
    routesPerService: services.reduce((n, s) => n + (s.routes ?? []).length, 0) / services.length,
    canaryShare: services.filter(s => (s.versions ?? []).length > 0).length / services.length,
    hostCalls: calls.filter(c => c.host !== undefined).length,
    hostCallsWithoutCidrs: calls.filter(c => c.host !== undefined && (c.cidrs ?? []).length === 0).length,
    cidrCalls: calls.filter(c => c.cidr !== undefined).length,
    exposed: services.filter(s => s.exposed).length,
    clientOnly: services.filter(s => s.clientOnly).length,
    peerCallers: services.reduce((n, s) => n + (s.callers ?? []).length + ((s.ports ?? []).some(p => p.metrics) ? 1 : 0), 0),
    peerCalls: calls.filter(c => c.peer !== undefined).length,
  };
}
