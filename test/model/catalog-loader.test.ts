import * as fs from 'fs';
import * as path from 'path';
import { SCHEMA_JSON_FILE, buildCatalogSchema, renderOutputs } from '../../scripts/gen-schema';
import { CatalogValidationError, ServiceCatalog } from '../../src/model/catalog';
import {
  LocatedProblem,
  MAX_CATALOG_BYTES,
  checkCatalogShape,
  createShapeChecker,
  formatProblem,
  parseCatalogYaml,
} from '../../src/model/catalog-loader';
import { CATALOG_SCHEMA } from '../../src/model/catalog-schema.generated';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'catalogs');
const ISSUE_EXAMPLE = path.join(FIXTURES, 'issue-example.yaml');

/** Problems as the CLI prints them. */
function formatted(text: string, file = 'catalog.yaml'): string[] {
  return parseCatalogYaml(text, file).problems.map(formatProblem);
}

function shape(value: unknown): string[] {
  return checkCatalogShape(value).map(formatProblem);
}

const MINIMAL_SERVICE = { name: 'web', ports: [{ port: 80 }] };

describe('generated catalog schema', () => {
  const definitions = CATALOG_SCHEMA.definitions as Record<string, any>;

  test('is identifying itself and rooted at CatalogSpec', () => {
    expect(CATALOG_SCHEMA.$id).toBe('urn:cdk8s-mesh-ladder:catalog');
    expect(CATALOG_SCHEMA.title).toBe('cdk8s-mesh-ladder service catalog');
    expect(CATALOG_SCHEMA.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(CATALOG_SCHEMA.$ref).toBe('#/definitions/CatalogSpec');
  });

  test('contains every CatalogSpec key, with services required', () => {
    expect(Object.keys(definitions.CatalogSpec.properties).sort()).toEqual([
      'baseline', 'certificates', 'cilium', 'clusterDomain', 'dns', 'ingressController', 'istio', 'l7Fallback', 'l7Widening', 'linkerd', 'namespace', 'namespaces', 'peers', 'platform', 'readiness',
      'services', 'trustDomain',
    ]);
    expect(definitions.CatalogSpec.required).toEqual(['services']);
    expect(Object.keys(definitions.ServiceSpec.properties).sort()).toEqual([
      'callers', 'calls', 'certificate', 'clientOnly', 'exposed', 'name', 'namespace', 'ports', 'probes', 'replicas', 'routes', 'selector', 'serviceAccount', 'suppress',
      'trafficPolicy', 'versions',
    ]);
  });

  test('closes every object with properties', () => {
    const open = Object.entries(definitions)
      .filter(([, def]) => def.type === 'object' && def.properties && def.additionalProperties !== false)
      .map(([name]) => name);
    expect(open).toEqual([]);
    expect(Object.keys(definitions).length).toBeGreaterThanOrEqual(14);
  });

  test('ports, weights and attempts are integers; label maps are string maps', () => {
    expect(definitions.PortSpec.properties.port).toMatchObject({ type: 'integer', minimum: 1, maximum: 65535 });
    expect(definitions.PortSpec.properties.targetPort).toMatchObject({ type: 'integer', minimum: 1, maximum: 65535 });
    expect(definitions.RouteSpec.properties.port.type).toEqual(['string', 'integer']);
    expect(definitions.CallSpec.properties.ports.items.type).toEqual(['string', 'integer']);
    expect(definitions.VersionSpec.properties.weight).toMatchObject({ type: 'integer', minimum: 0, maximum: 100 });
    expect(definitions.RetrySpec.properties.attempts).toMatchObject({ type: 'integer', minimum: 0 });
    expect(definitions.ServiceSpec.properties.selector).toMatchObject({ type: 'object', additionalProperties: { type: 'string' } });
    // Only shares in percent stay fractional numbers.
    const numbers = JSON.stringify(CATALOG_SCHEMA).match(/"[A-Za-z0-9]+":\{"description":"[^"]*","maximum":100,"minimum":0,"type":"number"\}/g) ?? [];
    expect(numbers.map(n => n.slice(1, n.indexOf('"', 1))).sort()).toEqual(['maxEjectionPercent', 'percent', 'percent', 'tracingSampling']);
    expect(JSON.stringify(CATALOG_SCHEMA).split('"number"').length - 1).toBe(4);
  });

  test('enums are string enums, and only real values are kept as defaults', () => {
    expect(definitions.PortProtocol).toMatchObject({ type: 'string', enum: ['http', 'http2', 'grpc', 'tcp', 'udp', 'tls'] });
    expect(definitions.HttpMethod.enum).toContain('PATCH');
    expect(definitions.RetryCondition.enum).toContain('connect-failure');
    expect(definitions.PortSpec.properties.protocol.default).toBe('tcp');
    expect(definitions.CertificateDefaultsSpec.properties.duration.default).toBe('2160h');
    expect(definitions.ServiceSpec.properties.exposed.default).toBe(false);
    // jsii prose defaults move into the description instead of pretending to be values.
    expect(definitions.ServiceSpec.properties.serviceAccount.default).toBeUndefined();
    expect(definitions.ServiceSpec.properties.serviceAccount.description).toContain('Default: the service name.');
    expect(definitions.PortSpec.properties.port.description).toContain('1-65535');
  });

  test('matches the generator output and the shipped JSON file (regenerate with `npx projen gen:schema`)', () => {
    const built = buildCatalogSchema();
    expect(built).toEqual(CATALOG_SCHEMA);
    const { json, module } = renderOutputs(built);
    expect(json.endsWith('}\n')).toBe(true);
    expect(module.startsWith('/* eslint-disable */\n')).toBe(true);
    expect(module).toContain('export const CATALOG_SCHEMA: any = {');
    expect(renderOutputs(buildCatalogSchema()).json).toBe(json);
    expect(JSON.parse(fs.readFileSync(SCHEMA_JSON_FILE, 'utf8'))).toEqual(CATALOG_SCHEMA);
    // Keys are sorted at every level, so the file diffs cleanly.
    expect(Object.keys(CATALOG_SCHEMA.definitions)).toEqual(Object.keys(CATALOG_SCHEMA.definitions).sort());
  });

  test.each([
    ['top level', { services: [MINIMAL_SERVICE], namespaec: 'shop' }, 'namespaec: unknown field "namespaec" (did you mean "namespace"?)'],
    ['service', { services: [{ ...MINIMAL_SERVICE, expose: true }] }, 'services[0].expose: unknown field "expose" (did you mean "exposed"?)'],
    ['port', { services: [{ name: 'web', ports: [{ port: 80, protocl: 'http' }] }] }, 'services[0].ports[0].protocl: unknown field "protocl" (did you mean "protocol"?)'],
    ['route', { services: [{ ...MINIMAL_SERVICE, routes: [{ name: 'r', http: {}, timout: '1s' }] }] }, 'services[0].routes[0].timout: unknown field "timout" (did you mean "timeout"?)'],
    ['http match', { services: [{ ...MINIMAL_SERVICE, routes: [{ name: 'r', http: { prefix: '/a' } }] }] }, 'services[0].routes[0].http.prefix: unknown field "prefix" (allowed: method, path, pathPrefix, pathRegex)'],
    ['retries', { services: [{ ...MINIMAL_SERVICE, routes: [{ name: 'r', http: {}, retries: { attempts: 1, onn: [] } }] }] }, 'services[0].routes[0].retries.onn: unknown field "onn" (did you mean "on"?)'],
    ['call', { services: [{ ...MINIMAL_SERVICE, calls: [{ servce: 'db' }] }] }, 'services[0].calls[0].servce: unknown field "servce" (did you mean "service"?)'],
    ['version', { services: [{ ...MINIMAL_SERVICE, versions: [{ name: 'v1', weight: 100, wieght: 1 }] }] }, 'services[0].versions[0].wieght: unknown field "wieght" (did you mean "weight"?)'],
    ['certificate', { services: [{ ...MINIMAL_SERVICE, certificate: { secret: 'x' } }] }, 'services[0].certificate.secret: unknown field "secret" (did you mean "secretName"?)'],
    ['catalog certificates', { services: [], certificates: { renewbefore: '1h' } }, 'certificates.renewbefore: unknown field "renewbefore" (did you mean "renewBefore"?)'],
    ['namespace', { services: [], namespaces: [{ name: 'a', own: true }] }, 'namespaces[0].own: unknown field "own" (did you mean "owned"?)'],
    ['dns', { services: [], dns: { namespace: 'a', selector: {}, labels: {} } }, 'dns.labels: unknown field "labels" (allowed: namespace, selector, serviceAccount)'],
  ])('rejects an unknown field at the %s level', (_level, value, message) => {
    expect(shape(value)).toEqual([`error: ${message}`]);
  });
});

describe('checkCatalogShape', () => {
  test('accepts the issue catalog and TypeScript objects with undefined optionals', () => {
    expect(checkCatalogShape({ services: [{ name: 'web', namespace: undefined, ports: [{ port: 80, targetPort: undefined }] }] })).toEqual([]);
  });

  test('names types in catalog terms and shows the offending value', () => {
    expect(shape({ services: [{ name: 'web', ports: [{ port: '80' }] }] })).toEqual([
      'error: services[0].ports[0].port: expected integer, got string "80"',
    ]);
    expect(shape({ services: [{ name: 'web', ports: [{ port: 80.5 }] }] })).toEqual([
      'error: services[0].ports[0].port: expected integer, got number 80.5',
    ]);
    expect(shape({ services: { web: {} } })).toEqual(['error: services: expected list, got a mapping']);
    expect(shape({ services: null })).toEqual(['error: services: expected list, got an empty value']);
    expect(shape({ services: [{ ...MINIMAL_SERVICE, calls: [{ service: 'db', port: true }] }] })).toEqual([
      'error: services[0].calls[0].port: expected string or integer, got boolean true',
    ]);
    expect(shape({ services: [{ ...MINIMAL_SERVICE, selector: { app: 1 } }] })).toEqual([
      'error: services[0].selector.app: expected string, got number 1',
    ]);
    expect(shape(null)).toEqual(['error: expected mapping, got an empty value']);
  });

  test('enums list the allowed values and suggest the closest one', () => {
    expect(shape({ services: [{ name: 'web', ports: [{ port: 80, protocol: 'htp' }] }] })).toEqual([
      'error: services[0].ports[0].protocol: must be one of http, http2, grpc, tcp, udp, tls (got string "htp"; did you mean "http"?)',
    ]);
    expect(shape({ services: [{ ...MINIMAL_SERVICE, routes: [{ name: 'r', http: { method: 'get' } }] }] })).toEqual([
      'error: services[0].routes[0].http.method: must be one of GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS, TRACE, CONNECT (got string "get"; did you mean "GET"?)',
    ]);
    expect(shape({ services: [{ name: 'web', ports: [{ port: 80, protocol: 'quic' }] }] })).toEqual([
      'error: services[0].ports[0].protocol: must be one of http, http2, grpc, tcp, udp, tls (got string "quic")',
    ]);
  });

  test('required fields are reported at their own path', () => {
    expect(shape({})).toEqual(['error: services: is required']);
    expect(shape({ services: [{ ports: [{ name: 'http' }] }] })).toEqual([
      'error: services[0].name: is required',
      'error: services[0].ports[0].port: is required',
    ]);
  });

  test('reports every problem at once, sorted by path, and leaves ranges to resolveCatalog', () => {
    const problems = checkCatalogShape({
      services: [
        { name: 'b', ports: [{ port: 70000 }], versions: [{ name: 'v', weight: 'all' }] },
        { name: 'a', ports: [{ port: 'x' }], exposd: true },
      ],
      trustdomain: 'x',
    });
    expect(problems.map(p => [p.path, p.message])).toEqual([
      [['services', 0, 'versions', 0, 'weight'], 'expected integer, got string "all"'],
      [['services', 1, 'exposd'], 'unknown field "exposd" (did you mean "exposed"?)'],
      [['services', 1, 'ports', 0, 'port'], 'expected integer, got string "x"'],
      [['trustdomain'], 'unknown field "trustdomain" (did you mean "trustDomain"?)'],
    ]);
    expect(problems.every(p => p.severity === 'error' && p.file === undefined)).toBe(true);
  });

  test('collapses anyOf/oneOf noise into one message per path', () => {
    const check = createShapeChecker({
      type: 'object',
      additionalProperties: false,
      properties: {
        peer: { anyOf: [{ type: 'string' }, { type: 'integer' }, { type: 'object', additionalProperties: false, properties: { host: { type: 'string' } }, required: ['host'] }] },
        port: { oneOf: [{ type: 'string' }, { type: 'integer' }] },
      },
    });
    expect(check({ peer: true, port: false }).map(formatProblem)).toEqual([
      'error: peer: expected string, integer or mapping, got boolean true',
      'error: port: expected string or integer, got boolean false',
    ]);
    // Only the object branch fits a mapping: its own errors are the useful ones.
    expect(check({ peer: { hots: 'a' } }).map(formatProblem)).toEqual([
      'error: peer.host: is required',
      'error: peer.hots: unknown field "hots" (did you mean "host"?)',
    ]);
    expect(check({ peer: 'a', port: 1 })).toEqual([]);
  });
});

describe('formatProblem', () => {
  const base: LocatedProblem = { severity: 'error', path: ['services', 2, 'calls', 0, 'service'], message: 'unknown service "chekout"' };

  test('file:line:col, then severity, path and message', () => {
    expect(formatProblem({ ...base, file: 'c.yaml', line: 12, column: 7 })).toBe('c.yaml:12:7: error: services[2].calls[0].service: unknown service "chekout"');
    expect(formatProblem({ ...base, file: 'c.yaml', line: 12 })).toBe('c.yaml:12: error: services[2].calls[0].service: unknown service "chekout"');
    expect(formatProblem({ ...base, file: 'c.yaml' })).toBe('c.yaml: error: services[2].calls[0].service: unknown service "chekout"');
  });

  test('omits what is absent; warnings say so', () => {
    expect(formatProblem(base)).toBe('error: services[2].calls[0].service: unknown service "chekout"');
    expect(formatProblem({ ...base, severity: 'warning' })).toBe('warning: services[2].calls[0].service: unknown service "chekout"');
    expect(formatProblem({ severity: 'error', path: [], message: 'the catalog is empty', file: 'x.yaml', line: 1, column: 1 })).toBe('x.yaml:1:1: error: the catalog is empty');
  });
});

describe('parseCatalogYaml', () => {
  test('parses and resolves the issue catalog', () => {
    const result = parseCatalogYaml(fs.readFileSync(ISSUE_EXAMPLE, 'utf8'), ISSUE_EXAMPLE);
    expect(result.problems.filter(p => p.severity === 'error')).toEqual([]);
    expect(result.spec?.namespace).toBe('shop');
    expect(result.spec?.services.map(s => s.name)).toEqual(['frontend', 'checkout', 'catalog', 'loadgen', 'charge']);
    const catalog = result.catalog!;
    expect(catalog.services.map(s => s.id)).toEqual(['payments/charge', 'shop/catalog', 'shop/checkout', 'shop/frontend', 'shop/loadgen']);
    const checkout = catalog.service('shop/checkout');
    expect(checkout.calls.map(c => c.kind).sort()).toEqual(['cidr', 'host', 'service']);
    const stripe = checkout.calls.find(c => c.kind === 'host');
    expect(stripe).toMatchObject({ kind: 'host', host: 'api.stripe.com', ports: [{ port: 443 }] });
    expect(catalog.service('shop/catalog').versions.map(v => [v.name, v.weight])).toEqual([['v1', 90], ['v2', 10]]);
    expect(catalog.service('shop/loadgen').clientOnly).toBe(true);
  });

  test('the issue catalog loads through ServiceCatalog.fromFile', () => {
    const catalog = ServiceCatalog.fromFile(ISSUE_EXAMPLE);
    expect(catalog.serviceIds).toContain('shop/frontend');
    expect(catalog.spec.services).toHaveLength(5);
  });

  test('YAML syntax errors carry line and column, and stop before the shape check', () => {
    const text = [
      'namespace: shop',
      'services:',
      '  - name: web',
      '    ports: [{ port: 80 }',
      '    exposed: true',
      '',
    ].join('\n');
    const problems = parseCatalogYaml(text, 'bad.yaml').problems;
    expect(problems.length).toBeGreaterThanOrEqual(1);
    expect(problems[0]).toMatchObject({ severity: 'error', file: 'bad.yaml', path: [] });
    expect(problems[0].line).toBeGreaterThanOrEqual(4);
    expect(formatProblem(problems[0])).toMatch(/^bad\.yaml:\d+:\d+: error: /);
    expect(problems.some(p => p.message.startsWith('unknown field'))).toBe(false);
  });

  test('a second YAML document is an error, not silently ignored', () => {
    expect(formatted('services: []\n---\nservices: []\n', 'two.yaml')).toEqual([
      'two.yaml:2:1: error: a catalog is one YAML document; remove the "---" separator and what follows it, or merge the documents',
    ]);
  });

  test('YAML warnings are reported but do not block the catalog', () => {
    const result = parseCatalogYaml('services: !custom [{ name: web, ports: [{ port: 80 }] }]\n', 'w.yaml');
    expect(result.problems.map(formatProblem)).toEqual(['w.yaml:1:11: warning: Unresolved tag: !custom']);
    expect(result.catalog?.services.map(s => s.id)).toEqual(['default/web']);
  });

  test('tabs used as indentation are reported on their line', () => {
    expect(formatted('services:\n\t- name: a\n', 't.yaml')).toEqual(['t.yaml:2:1: error: Tabs are not allowed as indentation']);
  });

  test('unknown field: suggestion, path and the position of the key', () => {
    const text = [
      'namespace: shop',
      'services:',
      '  - name: frontend',
      '    ports: [{ name: http, port: 80 }]',
      '    expose: true',
      '',
    ].join('\n');
    expect(formatted(text, 'shop.yaml')).toEqual([
      'shop.yaml:5:5: error: services[0].expose: unknown field "expose" (did you mean "exposed"?)',
    ]);
  });

  test('wrong type points at the value', () => {
    const text = 'services:\n  - name: web\n    ports:\n      - port: "80"\n';
    expect(formatted(text)).toEqual(['catalog.yaml:4:15: error: services[0].ports[0].port: expected integer, got string "80"']);
  });

  test('missing services points at the top of the file', () => {
    expect(formatted('namespace: shop\n')).toEqual(['catalog.yaml:1:1: error: services: is required']);
  });

  test('a missing required field points at the mapping that lacks it', () => {
    const text = 'services:\n  - name: web\n    ports: [{ port: 80 }]\n  - ports: [{ port: 81 }]\n';
    expect(formatted(text)).toEqual(['catalog.yaml:4:5: error: services[1].name: is required']);
  });

  test.each([
    ['an empty file', ''],
    ['only comments', '# nothing here\n\n'],
    ['an explicit null', '~\n'],
  ])('rejects %s', (_what, text) => {
    expect(formatted(text, 'empty.yaml')).toEqual(['empty.yaml:1:1: error: the catalog is empty: expected a mapping with a "services" list']);
  });

  test('rejects a list or a scalar at the top level', () => {
    expect(formatted('# a list\n- name: web\n- name: db\n', 'l.yaml')).toEqual([
      'l.yaml:2:1: error: the top level must be a mapping with a "services" list, got a list',
    ]);
    expect(formatted('just text\n', 's.yaml')).toEqual([
      's.yaml:1:1: error: the top level must be a mapping with a "services" list, got a scalar ("just text")',
    ]);
  });

  test('rejects duplicate keys, naming the key, its field path and its line', () => {
    const text = 'services:\n  - name: web\n    ports: [{ port: 80 }]\n    name: api\n';
    expect(formatted(text, 'dup.yaml')).toEqual(['dup.yaml:4:5: error: services[0].name: duplicate key "name"']);
  });

  test('a duplicate key inside a selector names the selector key (block and flow style)', () => {
    const block = 'services:\n  - name: web\n    selector:\n      app: web\n      app: api\n    ports: [{ port: 80 }]\n';
    expect(formatted(block, 'sel.yaml')).toEqual(['sel.yaml:5:7: error: services[0].selector.app: duplicate key "app"']);
    const flow = 'peers:\n  - { name: p, namespace: x, selector: { k: a, k: b } }\nservices:\n  - name: web\n    ports: [{ port: 80 }]\n';
    expect(formatted(flow, 'flow.yaml')).toEqual(['flow.yaml:2:48: error: peers[0].selector.k: duplicate key "k"']);
  });

  test('reports several shape errors at once, in line order', () => {
    const text = [
      'namespace: shop', //                                    1
      'services:', //                                          2
      '  - name: frontend', //                                 3
      '    ports: [{ name: http, port: "80", protocol: htp }]', // 4
      '    exposd: true', //                                   5
      '    calls:', //                                         6
      '      - { service: checkout, port: [grpc] }', //        7
      '  - ports: [{ port: 81 }]', //                          8
      'trustdomain: cluster.local', //                         9
      '',
    ].join('\n');
    expect(formatted(text)).toEqual([
      'catalog.yaml:4:33: error: services[0].ports[0].port: expected integer, got string "80"',
      'catalog.yaml:4:49: error: services[0].ports[0].protocol: must be one of http, http2, grpc, tcp, udp, tls (got string "htp"; did you mean "http"?)',
      'catalog.yaml:5:5: error: services[0].exposd: unknown field "exposd" (did you mean "exposed"?)',
      'catalog.yaml:7:30: error: services[0].calls[0].port: expected string or integer, got a list',
      'catalog.yaml:8:5: error: services[1].name: is required',
      'catalog.yaml:9:1: error: trustdomain: unknown field "trustdomain" (did you mean "trustDomain"?)',
    ]);
  });

  test('semantic errors from resolveCatalog carry file:line:col', () => {
    const text = [
      'namespace: shop',
      'services:',
      '  - name: frontend',
      '    ports: [{ name: http, port: 80, protocol: http }]',
      '    calls:',
      '      - service: catalog',
      '      - service: chekout',
      '  - name: catalog',
      '    ports: [{ name: http, port: 80, protocol: http }]',
      '    versions:',
      '      - { name: v1, weight: 90 }',
      '      - { name: v2, weight: 20 }',
      '',
    ].join('\n');
    const result = parseCatalogYaml(text, 'shop.yaml');
    expect(result.catalog).toBeUndefined();
    expect(result.spec?.services).toHaveLength(2);
    const lines = result.problems.map(formatProblem);
    expect(lines).toEqual(expect.arrayContaining([
      expect.stringMatching(/^shop\.yaml:7:18: error: services\[0\]\.calls\[1\]\.service: .*chekout/),
      expect.stringMatching(/^shop\.yaml:10:5: error: services\[1\]\.versions: version weights sum to 110, not 100/),
    ]));
    // Sorted by line.
    const numbers = result.problems.map(p => p.line ?? 0);
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
  });

  test('range errors do not hide the semantic errors of the same file', () => {
    const text = 'services:\n  - name: web\n    ports: [{ port: 70000 }]\n    calls: [{ service: nope }]\n';
    const lines = formatted(text);
    expect(lines).toEqual(expect.arrayContaining([
      expect.stringMatching(/^catalog\.yaml:3:21: error: services\[0\]\.ports\[0\]\.port: .*70000.*1-65535/),
      expect.stringMatching(/^catalog\.yaml:4:24: error: services\[0\]\.calls\[0\]\.service: .*nope/),
    ]));
  });

  test('merge keys and anchors work; problems inside anchored data are located', () => {
    const text = [
      'x-http: &http { name: http, port: 80, protocol: http }',
      'services:',
      '  - name: web',
      '    ports: [*http]',
      '',
    ].join('\n');
    // `x-http` is not a catalog key: anchors must live inside catalog fields.
    expect(formatted(text)).toEqual(['catalog.yaml:1:1: error: x-http: unknown field "x-http" (allowed: baseline, certificates, cilium, clusterDomain, dns, ingressController, istio, l7Fallback, l7Widening, linkerd, namespace, namespaces, peers, platform, readiness, services, trustDomain)']);
    const merged = [
      'services:',
      '  - &base { name: web, ports: [{ port: 80 }], exposed: true }',
      '  - <<: *base',
      '    name: api',
      '',
    ].join('\n');
    const result = parseCatalogYaml(merged, 'm.yaml');
    expect(result.problems).toEqual([]);
    expect(result.spec?.services[1]).toEqual({ name: 'api', ports: [{ port: 80 }], exposed: true });
  });

  test('rejects files over 5 MiB without parsing them', () => {
    const text = 'services: []\n' + '#'.repeat(MAX_CATALOG_BYTES);
    expect(formatted(text, 'big.yaml')).toEqual([`big.yaml: error: file is ${MAX_CATALOG_BYTES + 13} bytes; catalogs are limited to ${MAX_CATALOG_BYTES} bytes (5 MiB)`]);
  });

  test('rejects nesting deeper than 64 levels', () => {
    const deep = 'services: ' + '['.repeat(70) + ']'.repeat(70) + '\n';
    expect(formatted(deep, 'deep.yaml')).toEqual(['deep.yaml:1:74: error: nesting is deeper than 64 levels']);
    const absurd = 'services: ' + '['.repeat(20000) + ']'.repeat(20000) + '\n';
    const problems = parseCatalogYaml(absurd, 'absurd.yaml').problems;
    expect(problems).toHaveLength(1);
    expect(problems[0].message).toBe('nesting is deeper than 64 levels');
  });

  test('rejects aliases that expand hugely', () => {
    const text = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'services: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
      '',
    ].join('\n');
    const problems = parseCatalogYaml(text, 'bomb.yaml').problems;
    expect(problems).toHaveLength(1);
    expect(problems[0].message).toMatch(/^aliases expand too much/);
  });

  test('ServiceCatalog.fromYaml throws every problem, located', () => {
    const text = 'services:\n  - name: web\n    expose: true\n    ports: [{ port: x }]\n';
    let error: unknown;
    try {
      ServiceCatalog.fromYaml(text, 'web.yaml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CatalogValidationError);
    const problems = (error as CatalogValidationError).problems;
    expect(problems.map(formatProblem)).toEqual([
      'web.yaml:3:5: error: services[0].expose: unknown field "expose" (did you mean "exposed"?)',
      'web.yaml:4:21: error: services[0].ports[0].port: expected integer, got string "x"',
    ]);
    expect((error as Error).message).toContain('invalid catalog (2 errors)');
  });
});
