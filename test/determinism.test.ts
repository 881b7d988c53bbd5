/**
 * Determinism and stability of the output:
 * - byte-identical output (every phase, as the CLI renders it) for any reordering of the
 *   input: services, calls, ports, routes, versions, namespaces, every list and every
 *   mapping's key order, shuffled by a seeded PRNG;
 * - stable object names: no generated hashes, and adding a service renames nothing;
 * - the two speed-ups behind it render exactly what the slow paths render: the plain-data
 *   ApiObject shortcut (against cdk8s's resolvers) and the YAML fast path (against
 *   `YAML.stringify`).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart, IResolver, JsonPatch, ResolutionContext } from 'cdk8s';
import { IConstruct } from 'constructs';
import * as fc from 'fast-check';
import * as YAML from 'yaml';
import { readTree } from './support/cli';
import { issueExample } from './support/fixtures';
import { propertyRuns } from './support/property-runs';
import { createRandom, Random, shuffled, syntheticCatalog } from './support/synthetic-catalog';
import { MeshLadderChart } from '../src/chart';
import { main } from '../src/cli/main';
import { objectFileName, renderPhaseFiles, toYaml } from '../src/cli/output';
import { NetworkPolicyLayer } from '../src/layers/network-policy';
import { ServiceCatalog } from '../src/model/catalog';
import { ALL_PHASES, Phase } from '../src/model/phase';
import { CatalogSpec } from '../src/model/types';

const SHOP_YAML = path.join(__dirname, '..', 'examples', 'shop', 'catalog.yaml');

/** Every list shuffled and every mapping's keys reordered, all the way down. */
function deepShuffle<T>(value: T, random: Random): T {
  if (Array.isArray(value)) {
    return shuffled(random, value.map(v => deepShuffle(v, random))) as unknown as T;
  }
  if (value !== null && typeof value === 'object') {
    const entries = shuffled(random, Object.entries(value as Record<string, unknown>));
    return Object.fromEntries(entries.map(([k, v]) => [k, deepShuffle(v, random)])) as T;
  }
  return value;
}

/** Every phase's files, as the CLI writes them. */
function renderAll(spec: CatalogSpec): Map<Phase, Map<string, string>> {
  const catalog = ServiceCatalog.fromSpec(spec);
  return new Map(ALL_PHASES.map(phase => [phase, renderPhaseFiles(MeshLadderChart.manifests(catalog, phase))]));
}

function expectSameOutput(actual: Map<Phase, Map<string, string>>, expected: Map<Phase, Map<string, string>>): void {
  expect([...actual.keys()]).toEqual([...expected.keys()]);
  for (const [phase, files] of expected) {
    const got = actual.get(phase)!;
    expect([...got.keys()]).toEqual([...files.keys()]);
    for (const [file, content] of files) {
      if (got.get(file) !== content) {
        // Name the file before the (long) diff.
        expect(`${phase}/${file}`).toBe(`${phase}/${file} byte-identical`);
      }
    }
  }
}

const SOURCES: Array<[string, () => CatalogSpec]> = [
  ['the issue example', () => JSON.parse(JSON.stringify(issueExample))],
  ['the shop example', () => YAML.parse(fs.readFileSync(SHOP_YAML, 'utf8'))],
  ['a synthetic catalog of 60 services', () => syntheticCatalog({ services: 60, namespaces: 3, seed: 11 })],
];

describe('output does not depend on input order', () => {
  test('the shuffle really reorders lists and keys', () => {
    const spec = syntheticCatalog({ services: 60, namespaces: 3, seed: 11 });
    const mixed = deepShuffle(spec, createRandom(1));
    expect(mixed.services.map(s => s.name)).not.toEqual(spec.services.map(s => s.name));
    expect(JSON.stringify(mixed)).not.toBe(JSON.stringify(spec));
    expect(new Set(JSON.stringify(mixed))).toEqual(new Set(JSON.stringify(spec)));
  });

  test.each(SOURCES)('%s: every phase is byte-identical across 4 shuffles', (_name, load) => {
    const expected = renderAll(load());
    expect(expected.size).toBe(ALL_PHASES.length);
    // The same input twice gives the same bytes, too.
    expectSameOutput(renderAll(load()), expected);
    for (const seed of [1, 2, 3, 4]) {
      expectSameOutput(renderAll(deepShuffle(load(), createRandom(seed))), expected);
    }
  });

  test('through the CLI: a shuffled YAML catalog writes the same directory tree', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-ladder-determinism-'));
    try {
      const spec: CatalogSpec = YAML.parse(fs.readFileSync(SHOP_YAML, 'utf8'));
      const trees: Array<Record<string, string>> = [];
      const warnings: string[][] = [];
      for (const [i, variant] of [spec, deepShuffle(spec, createRandom(9)), deepShuffle(spec, createRandom(10))].entries()) {
        const file = path.join(root, `catalog-${i}.yaml`);
        fs.writeFileSync(file, YAML.stringify(variant));
        const out = path.join(root, `out-${i}`);
        let stderr = '';
        const code = await main(['synth', file, '--phase', 'all', '--out', out], { stdout: () => undefined, stderr: t => { stderr += t; } });
        expect(code).toBe(0);
        trees.push(readTree(out));
        // Warnings may name services by position in the file; the rest must not change.
        warnings.push(stderr.split('\n').filter(l => l !== '').map(l => l.replace(/services\[\d+\]/g, 'services[]')).sort());
      }
      expect(Object.keys(trees[0]).length).toBeGreaterThan(ALL_PHASES.length * 5);
      expect(trees[1]).toEqual(trees[0]);
      expect(trees[2]).toEqual(trees[0]);
      // Grouped per service: a `warning:` line, its findings, then a count line per phase.
      expect(warnings[0].every(l => l.startsWith('warning: ') || l.startsWith('  - ') || /^[a-z]+: \d+ warnings? on \d+ services?$/.test(l))).toBe(true);
      expect(warnings[1]).toEqual(warnings[0]);
      expect(warnings[2]).toEqual(warnings[0]);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});


describe('object names are stable', () => {
  const base = syntheticCatalog({ services: 60, namespaces: 3, seed: 11 });

  function names(spec: CatalogSpec): Map<Phase, string[]> {
    const catalog = ServiceCatalog.fromSpec(spec);
    return new Map(ALL_PHASES.map(phase => [phase, MeshLadderChart.manifests(catalog, phase).map(o => `${o.kind} ${objectFileName(o)}`)]));
  }

  test('every object is named from the catalog: no generated hash suffixes, no duplicates', () => {
    for (const [phase, list] of names(base)) {
      expect(list.length).toBeGreaterThan(0);
      expect(new Set(list).size).toBe(list.length);
      for (const name of list) {
        // cdk8s appends an 8-hex-digit hash to names it generates from construct paths.
        expect({ phase, name, hashed: /-[0-9a-f]{8}\.yaml$/.test(name) }).toEqual({ phase, name, hashed: false });
      }
    }
  });

  test('adding a service renames nothing', () => {
    const before = names(base);
    const extended: CatalogSpec = {
      ...base,
      services: [
        ...base.services,
        { name: 'added-service', namespace: base.services[0].namespace, ports: [{ name: 'http', port: 80, protocol: base.services[0].ports?.[0]?.protocol }] },
      ],
    };
    const after = names(extended);
    for (const [phase, list] of before) {
      const now = new Set(after.get(phase));
      expect(list.filter(name => !now.has(name))).toEqual([]);
      expect(now.size).toBeGreaterThan(list.length);
    }
  });
});

describe('the plain-data synthesis shortcut renders what cdk8s renders', () => {
  function apiObjects(root: IConstruct): ApiObject[] {
    return root.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject);
  }

  /** The chart as cdk8s alone renders it: every object through its resolvers. */
  function cdk8sJson(chart: Chart): any[] {
    const subclassed = apiObjects(chart).filter(o => typeof (o as unknown as { _cdk8sToJson?: unknown })._cdk8sToJson === 'function');
    for (const obj of subclassed) {
      Object.defineProperty(obj, 'toJson', { configurable: true, writable: true, value: (obj as unknown as { _cdk8sToJson: () => any })._cdk8sToJson });
    }
    try {
      return Chart.prototype.toJson.call(chart);
    } finally {
      for (const obj of subclassed) {
        delete (obj as { toJson?: unknown }).toJson;
      }
    }
  }

  test.each(SOURCES)('%s: every phase, key order included, with the shortcut taken', (_name, load) => {
    const catalog = ServiceCatalog.fromSpec(load());
    for (const phase of ALL_PHASES) {
      const chart = new MeshLadderChart(new App(), phase, { catalog, phase });
      const resolved = jest.spyOn(ApiObject.prototype, 'toJson');
      const fast = chart.toJson();
      const slowCalls = resolved.mock.calls.length;
      resolved.mockRestore();
      expect(fast.length).toBeGreaterThan(0);
      // Every object skips cdk8s's resolvers (ApiObject.prototype.toJson): a cdk8s release
      // that changes what the shortcut relies on (generated binding shape, private
      // `patches`, `App.resolvers`) fails here instead of silently slowing synthesis down.
      // .ci/run runs this file against the lowest and the highest cdk8s of the peer range.
      expect(slowCalls).toBe(0);
      expect(JSON.stringify(fast)).toBe(JSON.stringify(cdk8sJson(chart)));
    }
  });

  function layer(app: App): NetworkPolicyLayer {
    const chart = new Chart(app, 'test');
    return new NetworkPolicyLayer(chart, 'np', { catalog: ServiceCatalog.fromSpec(issueExample) });
  }

  test('JSON patches still apply', () => {
    const policy = layer(new App()).policyFor('shop/frontend')!;
    policy.addJsonPatch(JsonPatch.add('/metadata/annotations', { 'example.com/owner': 'team-a' }));
    expect(policy.toJson().metadata.annotations).toEqual({ 'example.com/owner': 'team-a' });
  });

  test('JSON patches on any object of a MeshLadderChart still apply', () => {
    const catalog = ServiceCatalog.fromSpec(issueExample);
    for (const phase of ALL_PHASES) {
      const chart = new MeshLadderChart(new App(), phase, { catalog, phase });
      const objects = apiObjects(chart);
      const target = objects[objects.length - 1];
      target.addJsonPatch(JsonPatch.add('/metadata/annotations', { 'example.com/patched': 'yes' }));
      const rendered = chart.toJson()
        .find(o => o.kind === target.kind && o.metadata.name === target.name && o.metadata.namespace === target.metadata.namespace);
      expect(rendered?.metadata.annotations).toEqual({ 'example.com/patched': 'yes' });
      // The chart's objects are left as they were (no shadowed toJson remains).
      expect(objects.filter(o => Object.prototype.hasOwnProperty.call(o, 'toJson'))).toEqual([]);
    }
  });

  test('labels added through the metadata API still show', () => {
    const policy = layer(new App()).policyFor('shop/frontend')!;
    policy.metadata.addLabel('example.com/tier', 'edge');
    expect(policy.toJson().metadata.labels['example.com/tier']).toBe('edge');
  });

  test('custom App resolvers still run', () => {
    class UpperCaseNames implements IResolver {
      public resolve(context: ResolutionContext): void {
        // cdk8s resolves a replaced value again: replace only what changes.
        if (context.key.join('.') === 'metadata.name' && typeof context.value === 'string' && context.value !== context.value.toUpperCase()) {
          context.replaceValue(context.value.toUpperCase());
        }
      }
    }
    const policy = layer(new App({ resolvers: [new UpperCaseNames()] })).policyFor('shop/frontend')!;
    expect(policy.toJson().metadata.name).toBe('FRONTEND');
  });
});

describe('the CLI\'s YAML rendering is yaml.stringify, byte for byte', () => {
  const reference = (value: unknown) => YAML.stringify(value, { aliasDuplicateObjects: false, lineWidth: 0 });

  test.each(SOURCES)('%s: every object of every phase', (_name, load) => {
    const catalog = ServiceCatalog.fromSpec(load());
    for (const phase of ALL_PHASES) {
      for (const obj of MeshLadderChart.manifests(catalog, phase)) {
        expect(toYaml(obj)).toBe(reference(obj));
      }
    }
  });

  test('awkward scalars: quoting, look-alikes of other types, empty collections, -0', () => {
    const value = {
      'plain': 'web',
      'looks-true': 'true',
      'looks-null': 'null',
      'looks-number': '8080',
      'looks-float': '1e3',
      'octal': '0o17',
      'empty': '',
      'space': ' lead',
      'colon': 'a: b',
      'hash': 'a #b',
      'dash': '-',
      'quote': "it's",
      'both': 'a\'b"c',
      'multi': 'line one\nline two',
      'tab': 'a\tb',
      'unicode': 'café ✓',
      'doc': '--- x',
      'star': '*x',
      'percent': '%x',
      '': 'empty key',
      'key: colon': 1,
      '-0': -0,
      'float': 0.5,
      'big': 1e21,
      'neg': -3,
      'nothing': null,
      'yes': true,
      'list': [[], {}, [[1]], [{ a: [] }], 'x'],
      'map': { a: {}, b: [{ c: { d: [1, 'two'] } }] },
    };
    expect(toYaml(value)).toBe(reference(value));
    expect(toYaml([])).toBe(reference([]));
    expect(toYaml({})).toBe(reference({}));
  });

  test('random JSON-like values', () => {
    const text = fc.oneof(fc.string(), fc.constantFrom('true', 'no', '~', '-', '? x', ': x', 'x: y', '#', '---', '1_0', '0x1F', ' ', 'a\nb', '\t', '\u2028', '"', "'", '@', '`'));
    const { tree } = fc.letrec(tie => ({
      tree: fc.oneof({ depthSize: 'small' }, text, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), tie('list'), tie('map')),
      list: fc.array(tie('tree'), { maxLength: 4 }),
      map: fc.dictionary(text, tie('tree'), { maxKeys: 4 }),
    }));
    fc.assert(fc.property(fc.oneof(tree, fc.dictionary(text, tree)), value => toYaml(value) === reference(value)),
      { numRuns: propertyRuns(3000), seed: 17 });
  });
});
