/**
 * The bad-input corpus: every malformed catalog under test/corpus/yaml/ (with its sidecar
 * `.expected`) and every bad TypeScript spec in test/corpus/specs.ts goes through the CLI
 * in-process. Each must exit 2 and print every expected problem (field path and
 * file:line:col), all of them and nothing else, without a stack trace, and leave an
 * existing output directory exactly as it was.
 *
 * `.expected` format: `# description`, optional `args: <synth options>` (default
 * `--phase all`), then one line per expected problem: a substring of the printed line,
 * with `{file}` standing for the catalog's path. Lines starting with `{file}` or `- ` are
 * problem lines: the CLI must print exactly that many.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { BAD_SPECS, BadSpec } from './corpus/specs';
import { runCli } from './support/cli';
import { CatalogValidationError, ServiceCatalog } from '../src/model/catalog';
import { formatProblem } from '../src/model/catalog-loader';
import { CatalogSpec } from '../src/model/types';

const CORPUS = path.join(__dirname, 'corpus', 'yaml');

const VALID = `namespace: shop
services:
  - name: web
    ports: [{ name: http, port: 80, targetPort: 8080, protocol: http }]
    exposed: true
    calls: [{ service: api, port: http }, { host: api.example.com, port: 443, cidrs: [198.51.100.0/24] }]
  - name: api
    ports: [{ name: http, port: 80, targetPort: 9090, protocol: http }]
    routes: [{ name: list, http: { method: GET, pathPrefix: /items } }]
`;

interface Expectation {
  readonly description: string;
  readonly args: string[];
  /** Substrings that must each appear in stderr. */
  readonly lines: string[];
  /** How many problem lines the CLI must print. */
  readonly problems: number;
}

function readExpectation(name: string, file: string): Expectation {
  const raw = fs.readFileSync(path.join(CORPUS, `${name}.expected`), 'utf8').split('\n').filter(l => l.trim() !== '');
  const description = raw.filter(l => l.startsWith('#')).map(l => l.replace(/^#\s*/, '')).join(' ');
  const argsLine = raw.find(l => l.startsWith('args:'));
  const lines = raw.filter(l => !l.startsWith('#') && !l.startsWith('args:'));
  return {
    description,
    args: argsLine ? argsLine.slice('args:'.length).trim().split(/\s+/) : ['--phase', 'all'],
    lines: lines.map(l => l.split('{file}').join(file)),
    problems: lines.filter(l => l.startsWith('{file}') || l.startsWith('- ')).length,
  };
}


/** Every file under `dir` with its bytes, and every folder. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(d, entry.name);
      const rel = path.relative(dir, p);
      if (entry.isDirectory()) {
        out[`${rel}/`] = '';
        walk(p);
      } else {
        out[rel] = fs.readFileSync(p).toString('base64');
      }
    }
  };
  walk(dir);
  return out;
}

/** Problem lines of the CLI's stderr: the indented lines under the `mesh-ladder:` header. */
function problemLines(stderr: string): string[] {
  return stderr.split('\n').filter(l => /^ {2}\S/.test(l)).map(l => l.trim());
}

function expectCleanFailure(result: { code: number; stdout: string; stderr: string }): void {
  expect(result.code).toBe(2);
  expect(result.stdout).toBe('');
  expect(result.stderr).toMatch(/^mesh-ladder: /);
  expect(result.stderr).not.toContain('internal error');
  expect(result.stderr).not.toMatch(/^\s+at \S.*:\d+:\d+\)?$/m);
  // The header's count matches what is listed.
  const count = /invalid catalog \((\d+) errors?\)/.exec(result.stderr);
  if (count) {
    expect(problemLines(result.stderr).filter(l => / error: /.test(l))).toHaveLength(Number(count[1]));
  }
}

const yamlCases = fs.readdirSync(CORPUS).filter(f => f.endsWith('.yaml')).map(f => f.replace(/\.yaml$/, '')).sort();

describe('bad-input corpus through the CLI', () => {
  let root: string;
  let out: string;
  let before: Record<string, string>;

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-ladder-corpus-'));
    out = path.join(root, 'dist');
    fs.writeFileSync(path.join(root, 'valid.yaml'), VALID);
    const result = await runCli('synth', path.join(root, 'valid.yaml'), '--phase', 'all', '--out', out);
    expect(result.code).toBe(0);
    before = snapshot(out);
  });

  afterAll(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });

  afterEach(() => {
    // Output untouched, and no staging directory left behind.
    expect(snapshot(out)).toEqual(before);
    expect(fs.readdirSync(root).filter(f => f !== 'valid.yaml' && !f.startsWith('spec-')).sort()).toEqual(['dist']);
  });

  test('has at least 40 cases, each YAML file with its expectation', () => {
    expect(yamlCases.length + BAD_SPECS.length).toBeGreaterThanOrEqual(40);
    const sidecars = fs.readdirSync(CORPUS).filter(f => f.endsWith('.expected')).map(f => f.replace(/\.expected$/, '')).sort();
    expect(sidecars).toEqual(yamlCases);
    expect(before).toHaveProperty(['baseline/kustomization.yaml']);
  });

  test.each(yamlCases)('%s', async name => {
    const file = path.join(CORPUS, `${name}.yaml`);
    const expectation = readExpectation(name, file);
    expect(expectation.description).not.toBe('');
    expect(expectation.lines.length).toBeGreaterThan(0);

    const result = await runCli('synth', file, ...expectation.args, '--out', out);
    expectCleanFailure(result);
    for (const line of expectation.lines) {
      expect(result.stderr).toContain(line);
    }
    // All problems at once, and only the expected ones.
    const printed = problemLines(result.stderr);
    expect(printed).toHaveLength(expectation.problems);
    for (const line of printed) {
      expect(expectation.lines.some(expected => line.includes(expected))).toBe(true);
    }
  });

  const yamlSpecs = BAD_SPECS.filter(s => s.yaml);
  test.each(yamlSpecs.map(s => [s.name, s] as const))('TypeScript spec as YAML: %s', async (_name, bad: BadSpec) => {
    const file = path.join(root, `spec-${yamlSpecs.indexOf(bad)}.yaml`);
    fs.writeFileSync(file, YAML.stringify(bad.spec()));
    const result = await runCli('synth', file, '--phase', 'all', '--out', out);
    expectCleanFailure(result);
    const printed = problemLines(result.stderr);
    expect(printed).toHaveLength(bad.expected.length);
    for (const expected of bad.expected) {
      // The same path and message as through the TypeScript API, now with file:line:col.
      expect(printed.some(line => new RegExp(`^${escapeRegExp(file)}:\\d+:\\d+: error: ${escapeRegExp(expected)}`).test(line))).toBe(true);
    }
  });
});

describe('bad catalogs as TypeScript data', () => {
  test.each(BAD_SPECS.map(s => [s.name, s] as const))('%s', (_name, bad: BadSpec) => {
    let error: unknown;
    try {
      ServiceCatalog.fromSpec(bad.spec() as CatalogSpec);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CatalogValidationError);
    const problems = (error as CatalogValidationError).problems.map(p => formatProblem(p).replace(/^error: /, ''));
    expect(problems).toHaveLength(bad.expected.length);
    for (const expected of bad.expected) {
      expect(problems.some(p => p.startsWith(expected))).toBe(true);
    }
    // One message lists them all.
    expect((error as Error).message).toContain(`invalid catalog (${bad.expected.length} error`);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
