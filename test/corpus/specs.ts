/**
 * Bad catalogs given as TypeScript data (`ServiceCatalog.fromSpec`): values YAML cannot
 * produce (NaN, Infinity, Dates, Maps, cycles, class instances) and the usual mistakes
 * written as objects. Each lists every problem the catalog must report, as
 * `path: message` (a prefix of the message is enough).
 *
 * `yaml: true` marks specs that are plain JSON: those also go through the CLI as a YAML
 * file and must report the same problems there.
 */

export interface BadSpec {
  readonly name: string;
  /** The catalog as a TypeScript caller could pass it (types deliberately bypassed). */
  readonly spec: () => unknown;
  /** Every problem reported, `path: message prefix`, in any order. */
  readonly expected: string[];
  /** Plain JSON: also run through the CLI as YAML. */
  readonly yaml?: boolean;
}

const web = { name: 'web', ports: [{ name: 'http', port: 80, protocol: 'http' }] };

class PortObject {
  public readonly port = 80;
}

export const BAD_SPECS: BadSpec[] = [
  {
    name: 'NaN port',
    spec: () => ({ services: [{ name: 'web', ports: [{ port: NaN }] }] }),
    expected: ['services[0].ports[0].port: expected integer, got number NaN'],
  },
  {
    name: 'Infinity as a weight',
    spec: () => ({ services: [{ ...web, versions: [{ name: 'v1', weight: Infinity }, { name: 'v2', weight: 0 }] }] }),
    expected: ['services[0].versions[0].weight: weight Infinity must be an integer from 0 to 100'],
  },
  {
    name: 'fractional port',
    spec: () => ({ services: [{ name: 'web', ports: [{ port: 80.5 }] }] }),
    expected: ['services[0].ports[0].port: expected integer, got number 80.5'],
    yaml: true,
  },
  {
    name: 'null instead of an absent optional field',
    spec: () => ({ namespace: null, services: [web] }),
    expected: ['namespace: expected string, got an empty value'],
    yaml: true,
  },
  {
    name: 'a Date as a timeout',
    spec: () => ({ services: [{ ...web, routes: [{ name: 'list', http: { path: '/' }, timeout: new Date(0) }] }] }),
    expected: ['services[0].routes[0].timeout: expected plain data (a mapping, list, string, number or boolean), got a Date object'],
  },
  {
    name: 'a Map as a selector',
    spec: () => ({ services: [{ ...web, selector: new Map([['app', 'web']]) }] }),
    expected: ['services[0].selector: expected plain data (a mapping, list, string, number or boolean), got a Map object'],
  },
  {
    name: 'a class instance as a port',
    spec: () => ({ services: [{ name: 'web', ports: [new PortObject()] }] }),
    expected: ['services[0].ports[0]: expected plain data (a mapping, list, string, number or boolean), got a PortObject object'],
  },
  {
    name: 'a String object as a name',
    // eslint-disable-next-line no-new-wrappers
    spec: () => ({ services: [{ ...web, name: new String('web') }] }),
    expected: ['services[0].name: expected plain data (a mapping, list, string, number or boolean), got a String object'],
  },
  {
    name: 'a cycle',
    spec: () => {
      const catalog: any = { services: [{ ...web }] };
      catalog.services[0].selector = catalog;
      return catalog;
    },
    expected: ['services[0].selector: refers back to a value that contains it (a cycle)'],
  },
  {
    name: 'a hole in the services list',
    // eslint-disable-next-line no-sparse-arrays
    spec: () => ({ services: [, web] }),
    expected: ['services[0]: expected mapping, got an empty value'],
  },
  {
    name: 'a function as a value',
    spec: () => ({ services: [{ ...web, exposed: () => true }] }),
    expected: ['services[0].exposed: expected boolean, got function'],
  },
  {
    name: 'a bigint port',
    spec: () => ({ services: [{ name: 'web', ports: [{ port: BigInt(80) }] }] }),
    expected: ['services[0].ports[0].port: expected integer, got bigint'],
  },
  {
    name: 'no services',
    spec: () => ({ namespace: 'shop' }),
    expected: ['services: is required'],
    yaml: true,
  },
  {
    name: 'a list instead of a catalog',
    spec: () => [web],
    expected: ['expected mapping, got a list'],
  },
  {
    name: 'a string instead of a catalog',
    spec: () => 'services: []',
    expected: ['expected mapping, got string "services: []"'],
  },
  {
    name: 'services keyed by name instead of listed',
    spec: () => ({ services: { web } }),
    expected: ['services: expected list, got a mapping'],
    yaml: true,
  },
  {
    name: 'an unknown field deep inside (a typo TypeScript would catch, unless cast)',
    spec: () => ({ services: [{ ...web, routes: [{ name: 'list', http: { method: 'GET', pathPrefx: '/items' } }] }] }),
    expected: ['services[0].routes[0].http.pathPrefx: unknown field "pathPrefx" (did you mean "pathPrefix"?)'],
    yaml: true,
  },
  {
    name: 'an HTTP method in lower case',
    spec: () => ({ services: [{ ...web, routes: [{ name: 'list', http: { method: 'get', path: '/' } }] }] }),
    expected: ['services[0].routes[0].http.method: must be one of GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS, TRACE, CONNECT (got string "get"; did you mean "GET"?)'],
    yaml: true,
  },
  {
    name: 'a call with both service and host',
    spec: () => ({ services: [{ ...web, calls: [{ service: 'api', host: 'api.example.com', port: 443 }] }, { name: 'api', ports: [{ port: 443 }] }] }),
    expected: ['services[0].calls[0]: a call names one peer; got service and host'],
    yaml: true,
  },
  {
    name: 'a call with no peer',
    spec: () => ({ services: [{ ...web, calls: [{ port: 443 }] }] }),
    expected: ['services[0].calls[0]: a call needs one of "service", "peer", "host" or "cidr"'],
    yaml: true,
  },
  {
    name: 'a host call without a port, and a cidr call with a named port',
    spec: () => ({ services: [{ ...web, calls: [{ host: 'api.example.com' }, { cidr: '10.0.0.0/8', port: 'postgres' }] }] }),
    expected: [
      'services[0].calls[0]: a host call needs "port" or "ports"',
      'services[0].calls[1].port: cidr calls need port numbers (1-65535), got "postgres"',
    ],
    yaml: true,
  },
  {
    name: 'negative replicas and a retry without conditions',
    spec: () => ({
      services: [{ ...web, replicas: -1, routes: [{ name: 'list', http: { method: 'GET', path: '/' }, retries: { attempts: 2, on: [] } }] }],
    }),
    expected: [
      'services[0].replicas: replicas -1 must be a whole number of at least 0',
      'services[0].routes[0].retries.on: retries with attempts > 0 need at least one condition',
    ],
    yaml: true,
  },
  {
    name: 'a version label that contradicts the selector',
    spec: () => ({ services: [{ ...web, selector: { app: 'web', track: 'stable' }, versions: [{ name: 'canary', labels: { track: 'canary' }, weight: 100 }] }] }),
    expected: ['services[0].versions[0].labels.track: label "track" conflicts with the service selector (track=stable): no pod could match both'],
    yaml: true,
  },
  {
    name: 'an existing issuer with a kind cert-manager does not have',
    spec: () => ({ certificates: { issuerRef: { name: 'corp-ca', kind: 'Vault' } }, services: [web] }),
    expected: ['certificates.issuerRef.kind: cert-manager.io issuers are "ClusterIssuer" or "Issuer", got "Vault"'],
    yaml: true,
  },
  {
    name: 'fault injection with a bad percentage and two statuses',
    spec: () => ({
      services: [{ ...web, routes: [{ name: 'list', http: { method: 'GET', path: '/' }, fault: { abort: { httpStatus: 503, grpcStatus: 'UNAVAILABLE', percent: 10 }, delay: { fixedDelay: '1s', percent: 250 } } }] }],
    }),
    expected: [
      'services[0].routes[0].fault.abort: an abort needs exactly one of "httpStatus" and "grpcStatus"',
      'services[0].routes[0].fault.delay.percent: percent 250 must be a number from 0 to 100',
    ],
    yaml: true,
  },
  {
    name: 'an Infinity peer port',
    spec: () => ({ peers: [{ name: 'ops', namespace: 'ops', ports: [Infinity] }], services: [web] }),
    expected: ['peers[0].ports[0]: port Infinity is out of range (1-65535)'],
  },
  {
    name: 'a NaN version timeout',
    spec: () => ({ services: [{ ...web, versions: [{ name: 'v1', weight: 50, headers: { 'x-canary': 'on' }, timeout: NaN }, { name: 'v2', weight: 50 }] }] }),
    expected: ['services[0].versions[0].timeout: expected string, got number NaN'],
  },
  {
    name: 'peer fields of the wrong type: meshed as a string, cidrs as a string, a fractional caller port',
    spec: () => ({
      peers: [{ name: 'ops', namespace: 'ops', meshed: 'yes' }, { name: 'partner', world: true, cidrs: '198.51.100.0/24' }],
      services: [{ ...web, callers: [{ peer: 'ops', ports: [80.5] }] }],
    }),
    expected: [
      'peers[0].meshed: expected boolean, got string "yes"',
      'peers[1].cidrs: expected list, got string "198.51.100.0/24"',
      'services[0].callers[0].ports[0]: expected string or integer, got number 80.5',
    ],
    yaml: true,
  },
  {
    name: 'a peer without a scope, an empty namespace selector, a partner range with host bits',
    spec: () => ({
      peers: [
        { name: 'ops' },
        { name: 'tenants', namespaceSelector: {} },
        { name: 'partner', world: true, cidrs: ['198.51.100.7/24'] },
      ],
      services: [web],
    }),
    expected: [
      'peers[0]: a peer needs one scope: "namespace", "namespaceSelector", "allNamespaces", "world" or "kubeApiServer"',
      'peers[1].namespaceSelector: an empty namespaceSelector selects every namespace: use "allNamespaces: true"',
      'peers[2].cidrs[0]: "198.51.100.7/24" has host bits set; did you mean 198.51.100.0/24?',
    ],
    yaml: true,
  },
  {
    name: 'a peer call with except and cidrs, and a caller on a client-only workload',
    spec: () => ({
      services: [
        { ...web, calls: [{ peer: 'world', port: 443, except: ['10.0.0.0/8'], cidrs: ['10.0.0.0/8'] }] },
        { name: 'job', clientOnly: true, callers: [{ peer: 'cluster' }] },
      ],
    }),
    expected: [
      'services[0].calls[0].except: "except" applies to cidr calls only',
      'services[0].calls[0].cidrs: "cidrs" of a peer belong to the peer (catalog "peers")',
      'services[1].callers: a client-only workload has no Service to call',
    ],
    yaml: true,
  },
  {
    name: 'header routes: an upper-case header name, an empty header set',
    spec: () => ({
      services: [{ ...web, versions: [{ name: 'v1', weight: 50, headers: { 'X-Canary': 'true' } }, { name: 'v2', weight: 50, headers: {} }] }],
    }),
    expected: [
      'services[0].versions[0].headers.X-Canary: "X-Canary" is not a lower-case HTTP header name',
      'services[0].versions[1].headers: give at least one header (or remove "headers" to route by weight only)',
    ],
    yaml: true,
  },
  {
    name: 'a version backed by its own service, one backed by a client-only workload, one with its own account',
    spec: () => ({
      services: [
        { ...web, versions: [{ name: 'v1', weight: 50, service: 'web' }, { name: 'v2', weight: 25, service: 'job' }, { name: 'v3', weight: 25, service: 'clone', serviceAccount: 'web-v3' }] },
        { name: 'job', clientOnly: true },
        { name: 'clone', ports: [{ port: 80, protocol: 'http' }] },
      ],
    }),
    expected: [
      'services[0].versions[0].service: a version cannot be backed by its own service (give it labels instead)',
      'services[0].versions[1].service: "default/job" is client-only (no Service): it cannot take traffic',
      'services[0].versions[2].serviceAccount: version "v3" is backed by service "clone": its pods, identity and calls are that service\'s; remove "serviceAccount"',
    ],
    yaml: true,
  },
];
