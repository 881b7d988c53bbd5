/** `services[].probes`: the pods' kubelet probes, validated with field paths. */
import { ServiceCatalog } from '../../src/model/catalog';
import { resolveCatalog } from '../../src/model/resolve';
import { formatPath, ModelIssue } from '../../src/model/resolved';
import { CatalogSpec, ProbesSpec } from '../../src/model/types';
import { issueExample } from '../support/fixtures';

/** issueExample services: 0 frontend (http), 1 checkout (grpc), 2 catalog (http), 3 loadgen (client-only), 4 charge (http). */
function withProbes(index: number, probes: ProbesSpec): CatalogSpec {
  return { ...issueExample, services: issueExample.services.map((s, i) => (i === index ? { ...s, probes } : s)) };
}

function errors(spec: CatalogSpec): string[] {
  return resolveCatalog(spec).issues.filter((i: ModelIssue) => i.severity === 'error').map(i => `${formatPath(i.path)}: ${i.message}`);
}

test('declared probes resolve sorted; undeclared fields stay unknown (absent)', () => {
  const { catalog } = resolveCatalog(withProbes(0, { httpPaths: ['/ready', '/healthz'] }));
  expect(catalog!.service('shop/frontend').probes).toEqual({ httpPaths: ['/healthz', '/ready'] });
  expect(catalog!.service('shop/catalog').probes).toEqual({});
  const grpc = resolveCatalog(withProbes(1, { grpc: false, httpPaths: [] })).catalog!;
  expect(grpc.service('shop/checkout').probes).toEqual({ httpPaths: [], grpc: false });
});

test.each<[string, number, ProbesSpec, string]>([
  ['a relative path', 0, { httpPaths: ['healthz'] }, 'services[0].probes.httpPaths[0]: probe path "healthz" must be an absolute path without query or spaces, e.g. "/healthz"'],
  ['a query string', 0, { httpPaths: ['/healthz?full=1'] }, 'services[0].probes.httpPaths[0]: probe path "/healthz?full=1" must be an absolute path'],
  ['a path listed twice', 0, { httpPaths: ['/a', '/a'] }, 'services[0].probes.httpPaths[1]: probe path "/a" is listed twice'],
  ['HTTP probes without an HTTP port', 1, { httpPaths: ['/healthz'] }, 'services[1].probes.httpPaths: HTTP probes need an http or http2 port; "checkout" has grpc'],
  ['gRPC probes without a gRPC port', 0, { grpc: true }, 'services[0].probes.grpc: gRPC probes need a grpc port; "frontend" has http'],
  ['probes on a client-only workload', 3, { httpPaths: ['/healthz'] }, 'services[3].probes: a client-only workload has no Service ports to probe'],
])('refuses %s, naming the field', (_, index, probes, message) => {
  expect(errors(withProbes(index, probes))).toEqual([expect.stringContaining(message)]);
});

test('a YAML catalog names the line of a bad probe path', () => {
  const yaml = [
    'services:',
    '  - name: web',
    '    ports: [{ port: 80, protocol: http }]',
    '    probes: { httpPaths: [/ok, bad] }',
  ].join('\n');
  expect(() => ServiceCatalog.fromYaml(yaml, 'c.yaml')).toThrow(/c\.yaml:4:32: error: services\[0\]\.probes\.httpPaths\[1\]: probe path "bad"/);
});
