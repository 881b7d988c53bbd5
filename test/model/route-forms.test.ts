import * as fs from 'fs';
import * as path from 'path';
import { ServiceCatalog } from '../../src/model/catalog';
import { formatProblem, parseCatalogYaml } from '../../src/model/catalog-loader';
import { ROUTE_FORMS, routeFormCell, widerEnforcementAllowed } from '../../src/model/route-forms';
import { L7Widening } from '../../src/model/types';

const DOC = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'routes.md'), 'utf8');

describe('the route forms table', () => {
  test('docs/routes.md tables every form with the model\'s enforcement per phase (cilium, linkerd, istio)', () => {
    for (const row of ROUTE_FORMS) {
      const line = DOC.split('\n').find(l => l.startsWith(`| ${row.form} |`));
      expect(line).toBeDefined();
      const cells = line!.split('|').map(c => c.trim()).filter(c => c !== '');
      expect(cells.slice(2)).toEqual([row.phases.cilium.enforcement, row.phases.linkerd.enforcement, row.phases.istio.enforcement]);
      expect(cells[1]).toBe(row.catalogField ? `\`${row.catalogField}\`` : '(not a route form of the catalog)');
    }
  });

  test('every cell cites an upstream source; only Istio regexes are wider, only the query is not expressible', () => {
    for (const row of ROUTE_FORMS) {
      for (const cell of Object.values(row.phases)) {
        expect(cell.source).toMatch(/(cilium|linkerd|istio|envoyproxy)\/[a-z0-9-]+ /);
        expect(cell.how.length).toBeGreaterThan(10);
      }
    }
    const wider = ROUTE_FORMS.flatMap(r => Object.entries(r.phases).filter(([, c]) => c.enforcement === 'WIDER').map(([p]) => `${r.form}/${p}`));
    expect(wider).toEqual(['path regex/istio']);
    expect(routeFormCell('query', 'istio').enforcement).toBe('NOT_EXPRESSIBLE');
    expect(routeFormCell('path regex', 'linkerd').enforcement).toBe('EXACT');
  });
});

describe('opting in to wider enforcement', () => {
  const yaml = (extra: string, route = '') => [
    'namespace: shop',
    extra,
    'services:',
    '  - name: api',
    '    ports: [{ name: http, port: 80, protocol: http }]',
    '    routes:',
    `      - { name: get, http: { method: GET, pathRegex: "/x/[0-9]+" }${route} }`,
    '',
  ].join('\n');

  test('routes[].allowWiderEnforcement overrides l7Widening (default refuse)', () => {
    const resolve = (text: string) => {
      const parsed = parseCatalogYaml(text, 'c.yaml');
      expect(parsed.problems).toEqual([]);
      return ServiceCatalog.fromSpec(parsed.spec!)._resolved;
    };
    const plain = resolve(yaml(''));
    expect(plain.l7Widening).toBe(L7Widening.REFUSE);
    expect(widerEnforcementAllowed(plain, plain.services[0].routes[0])).toBe(false);
    const global = resolve(yaml('l7Widening: allow'));
    expect(widerEnforcementAllowed(global, global.services[0].routes[0])).toBe(true);
    const routeOff = resolve(yaml('l7Widening: allow', ', allowWiderEnforcement: false'));
    expect(widerEnforcementAllowed(routeOff, routeOff.services[0].routes[0])).toBe(false);
    const routeOn = resolve(yaml('', ', allowWiderEnforcement: true'));
    expect(widerEnforcementAllowed(routeOn, routeOn.services[0].routes[0])).toBe(true);
  });

  test('a bad value is an error with its field path and position', () => {
    const problems = parseCatalogYaml(yaml('l7Widening: sometimes'), 'c.yaml').problems.map(formatProblem);
    expect(problems).toEqual([expect.stringMatching(/^c\.yaml:2:13: error: l7Widening: .*(allow|refuse)/)]);
  });
});
