/**
 * The benchmark's catalog generator (test/support/synthetic-catalog.ts): deterministic by
 * seed, valid for every phase, and of the shape the benchmark claims. No timings here.
 */
import { catalogShape, createRandom, shuffled, syntheticCatalog } from './support/synthetic-catalog';
import { MeshLadderChart } from '../src/chart';
import { ServiceCatalog } from '../src/model/catalog';
import { checkCatalogShape } from '../src/model/catalog-loader';
import { ALL_PHASES } from '../src/model/phase';

describe('createRandom', () => {
  test('the same seed gives the same sequence, in [0, 1)', () => {
    const a = createRandom(7);
    const b = createRandom(7);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(xs.every(x => x >= 0 && x < 1)).toBe(true);
    expect(new Set(xs).size).toBeGreaterThan(990);
    const c = createRandom(8);
    expect(Array.from({ length: 10 }, () => c())).not.toEqual(xs.slice(0, 10));
  });

  test('shuffled keeps the items and depends only on the seed', () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const once = shuffled(createRandom(3), items);
    expect(shuffled(createRandom(3), items)).toEqual(once);
    expect([...once].sort((x, y) => x - y)).toEqual(items);
    expect(once).not.toEqual(items);
  });
});

describe('syntheticCatalog', () => {
  test('is deterministic by seed and never calls Math.random', () => {
    const spy = jest.spyOn(Math, 'random').mockImplementation(() => {
      throw new Error('Math.random used');
    });
    try {
      const a = JSON.stringify(syntheticCatalog({ services: 300, seed: 5 }));
      expect(JSON.stringify(syntheticCatalog({ services: 300, seed: 5 }))).toBe(a);
      expect(JSON.stringify(syntheticCatalog({ services: 300, seed: 6 }))).not.toBe(a);
    } finally {
      spy.mockRestore();
    }
  });

  test.each([250, 1000])('%i services have the benchmark shape', n => {
    const spec = syntheticCatalog({ services: n, seed: 1 });
    const shape = catalogShape(spec);
    expect(shape.services).toBe(n);
    expect(shape.namespaces).toBe(Math.min(16, Math.max(2, Math.ceil(n / 125))));
    expect(shape.callsPerService).toBeGreaterThan(2.6);
    expect(shape.callsPerService).toBeLessThan(3.4);
    expect(shape.routesPerService).toBeGreaterThan(1.7);
    expect(shape.routesPerService).toBeLessThan(2.5);
    expect(shape.canaryShare).toBeCloseTo(0.1, 2);
    expect(shape.hostCalls).toBeGreaterThan(n * 0.03);
    // Every host call carries cidrs, so the baseline can express it.
    expect(shape.hostCallsWithoutCidrs).toBe(0);
    expect(shape.cidrCalls).toBeGreaterThan(0);
    expect(shape.exposed).toBeGreaterThan(0);
    expect(shape.clientOnly).toBeGreaterThan(0);
    // Peers outside the catalog: Prometheus on metrics ports, a batch system, the API server.
    expect(shape.peerCallers).toBeGreaterThan(n * 0.1);
    expect(shape.peerCalls).toBeGreaterThan(0);
    // Calls cross namespaces too.
    expect(spec.services.some(s => (s.calls ?? []).some(c => c.service?.includes('/')))).toBe(true);
  });

  test('the requested number of namespaces is used', () => {
    expect(catalogShape(syntheticCatalog({ services: 100, namespaces: 5, seed: 2 })).namespaces).toBe(5);
  });

  test.each([1, 2, 3])('seed %i gives a valid catalog that every phase synthesizes', seed => {
    const spec = syntheticCatalog({ services: 120, seed });
    expect(checkCatalogShape(spec)).toEqual([]);
    const catalog = ServiceCatalog.fromSpec(spec);
    expect(catalog.warnings).toEqual([]);
    expect(catalog.serviceIds).toHaveLength(120);
    for (const phase of ALL_PHASES) {
      const objects = MeshLadderChart.manifests(catalog, phase);
      expect(objects.length).toBeGreaterThan(0);
    }
  });
});
