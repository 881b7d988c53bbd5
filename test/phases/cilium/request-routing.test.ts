/**
 * Cilium routes no request: header routes (and their timeouts) and header-scoped faults
 * are refused with a message naming the service, the version or route, the field and the
 * phases that express it; `l7Fallback: skip` synthesizes without them and lists them as notes.
 */
import * as fs from 'fs';
import * as path from 'path';
import { checkPhaseReachability } from '../../../src/analysis/phases';
import { MeshLadderChart } from '../../../src/chart';
import { PhaseCapabilityError } from '../../../src/emit/common';
import { ServiceCatalog } from '../../../src/model/catalog';
import { Phase } from '../../../src/model/phase';
import { CatalogSpec, HttpMethod, L7Fallback, PortProtocol } from '../../../src/model/types';
import { runCli, tmpDir } from '../../support/cli';
import { synthCilium } from '../../support/synth-cilium';

const httpPort = { name: 'http', port: 80, targetPort: 8080, protocol: PortProtocol.HTTP };

const headerRouted: CatalogSpec = {
  namespace: 'shop',
  services: [
    {
      name: 'catalog',
      ports: [httpPort],
      routes: [{ name: 'list', http: { method: HttpMethod.GET, pathPrefix: '/products' } }],
      versions: [
        { name: 'v1', weight: 90 },
        { name: 'v2', weight: 10, headers: { 'x-canary': 'true' }, timeout: '2s' },
      ],
    },
    {
      name: 'reviews',
      ports: [httpPort],
      routes: [{
        name: 'check',
        http: { method: HttpMethod.HEAD, pathPrefix: '/reviews' },
        fault: { abort: { httpStatus: 503, percent: 5 }, headers: { 'x-chaos-test': 'true' } },
      }],
    },
    { name: 'web', clientOnly: true, calls: [{ service: 'catalog' }, { service: 'reviews' }] },
  ],
};

function refusal(spec: CatalogSpec): string {
  try {
    synthCilium(spec);
  } catch (e) {
    expect(e).toBeInstanceOf(PhaseCapabilityError);
    return (e as Error).message;
  }
  throw new Error('not refused');
}

describe('refused by default', () => {
  test('a header route: service, version, field, headers and the way out', () => {
    const message = refusal({ ...headerRouted, services: [{ ...headerRouted.services[0], versions: [{ name: 'v1', weight: 90 }, { name: 'v2', weight: 10, headers: { 'x-canary': 'true' } }] }] });
    expect(message).toBe([
      'the cilium phase cannot express 1 request-level feature(s): Cilium enforces policy but routes no request.',
      '  - shop/catalog version v2: versions[1].headers (requests carrying x-canary=true go to this version) needs request routing; use the linkerd or istio phase',
      '  Or set "l7Fallback: skip" in the catalog to synthesize the cilium phase without them (listed by `mesh-ladder check`).',
    ].join('\n'));
  });

  test('every feature at once: the header route, its timeout, and a header-scoped fault (istio only)', () => {
    const message = refusal(headerRouted);
    expect(message).toMatch(/cannot express 3 request-level feature/);
    expect(message).toContain('shop/catalog version v2: versions[1].timeout (a 2s timeout for its header route) needs request routing; use the linkerd or istio phase');
    expect(message).toContain('shop/reviews route check: fault.headers (a fault for requests carrying x-chaos-test=true) needs fault injection by header; use the istio phase');
  });

  test('weights, unscoped faults and header-free versions are not refused (nothing to route by header)', () => {
    const spec: CatalogSpec = {
      ...headerRouted,
      services: [
        { ...headerRouted.services[0], versions: [{ name: 'v1', weight: 90 }, { name: 'v2', weight: 10 }] },
        { ...headerRouted.services[1], routes: [{ name: 'check', http: { pathPrefix: '/reviews' }, fault: { abort: { httpStatus: 503, percent: 5 } } }] },
        headerRouted.services[2],
      ],
    };
    expect(() => synthCilium(spec)).not.toThrow();
  });

  test('the CLI exits 2 with the message, and writes nothing', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'catalog.yaml');
    fs.writeFileSync(file, JSON.stringify(headerRouted));
    const result = await runCli('synth', file, '--phase', 'cilium', '--out', path.join(dir, 'out'));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('shop/catalog version v2: versions[1].headers');
    expect(fs.existsSync(path.join(dir, 'out', 'cilium'))).toBe(false);
  });
});

describe('l7Fallback: skip', () => {
  const spec: CatalogSpec = { ...headerRouted, l7Fallback: L7Fallback.SKIP };

  test('synthesizes the policies and notes each feature left out (a choice, not a warning)', () => {
    const catalog = ServiceCatalog.fromSpec(spec);
    const { objects, warnings, notes } = MeshLadderChart.synthesize(catalog, Phase.CILIUM);
    expect(warnings).toEqual([]);
    expect(notes).toEqual([
      'shop/catalog version v2: versions[1].headers (requests carrying x-canary=true go to this version) needs request routing; use the linkerd or istio phase. Left out (l7Fallback: skip): those requests are balanced over every version like the others.',
      'shop/catalog version v2: versions[1].timeout (a 2s timeout for its header route) needs request routing; use the linkerd or istio phase. Left out (l7Fallback: skip): no timeout is enforced.',
      'shop/reviews route check: fault.headers (a fault for requests carrying x-chaos-test=true) needs fault injection by header; use the istio phase. Left out (l7Fallback: skip): no fault is injected.',
    ]);
    // Who may talk to whom does not depend on header routing: the proof still holds.
    expect(checkPhaseReachability(catalog._resolved, Phase.CILIUM, objects).ok).toBe(true);
  });

  test('check lists what was left out and succeeds; synth counts it on the phase line, with no warning', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'catalog.yaml');
    fs.writeFileSync(file, JSON.stringify(spec));
    const check = await runCli('check', file, '--phase', 'cilium');
    expect(check.code).toBe(0);
    expect(check.stderr).not.toMatch(/warning:/);
    expect(check.stdout).toMatch(/^Left out of this phase as the catalog chose \(l7Fallback: skip\):\n  - shop\/catalog version v2: versions\[1\]\.headers/m);
    const json = await runCli('check', file, '--phase', 'cilium', '--format', 'json');
    expect(JSON.parse(json.stdout).leftOut).toHaveLength(3);
    const synth = await runCli('synth', file, '--phase', 'cilium', '--out', path.join(dir, 'out'));
    expect(synth.code).toBe(0);
    expect(synth.stderr).toBe('');
    expect(synth.stdout).toMatch(/^cilium: wrote \d+ objects to .*; 3 settings left out as the catalog chose \(l7Fallback: skip; `mesh-ladder check` lists them\)$/m);
  });
});
