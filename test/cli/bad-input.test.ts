/**
 * Bad input that is generated rather than committed (huge, deeply nested, binary, mutated
 * files), encodings (BOM, CRLF, Latin-1), and bad places to read from or write to. The
 * CLI must exit 2 with a located message and no stack trace, and never touch earlier
 * output. The committed corpus is in test/corpus.test.ts.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CatalogValidationError, ServiceCatalog } from '../../src/model/catalog';
import { MAX_CATALOG_BYTES } from '../../src/model/catalog-loader';
import { CliResult, readTree, runCli } from '../support/cli';
import { createRandom, randomInt } from '../support/synthetic-catalog';

const VALID = `namespace: shop
services:
  - name: web
    ports: [{ name: http, port: 80, targetPort: 8080, protocol: http }]
    exposed: true
    calls: [{ service: api, port: http, routes: [list] }]
  - name: api
    ports: [{ name: http, port: 80, targetPort: 9090, protocol: http }]
    routes:
      - { name: list, http: { method: GET, pathPrefix: /items }, timeout: 2s, retries: { attempts: 2 } }
    versions: [{ name: v1, weight: 90 }, { name: v2, weight: 10 }]
`;


function problemLines(stderr: string): string[] {
  return stderr.split('\n').filter(l => /^ {2}\S/.test(l)).map(l => l.trim());
}

/** Exit 2, one `mesh-ladder:` report, no stack trace, nothing on stdout. */
function expectRejected(result: CliResult): void {
  expect(result.code).toBe(2);
  expect(result.stdout).toBe('');
  expect(result.stderr).toMatch(/^mesh-ladder: /);
  expect(result.stderr).not.toContain('internal error');
  expect(result.stderr).not.toMatch(/^\s+at \S.*:\d+:\d+\)?$/m);
}

describe('generated bad input', () => {
  let root: string;
  let out: string;
  let before: Record<string, string>;

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-ladder-bad-input-'));
    out = path.join(root, 'dist');
    fs.writeFileSync(path.join(root, 'valid.yaml'), VALID);
    expect((await runCli('synth', path.join(root, 'valid.yaml'), '--phase', 'all', '--out', out)).code).toBe(0);
    before = readTree(out);
  });

  afterAll(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });

  afterEach(() => {
    expect(readTree(out)).toEqual(before);
    expect(fs.readdirSync(root).filter(f => f.startsWith('.'))).toEqual([]);
  });

  function write(name: string, content: string | Buffer): string {
    const file = path.join(root, name);
    fs.writeFileSync(file, content);
    return file;
  }

  test('a file over 5 MiB is refused before it is parsed', async () => {
    const padding = '# padding\n'.repeat(Math.ceil((MAX_CATALOG_BYTES + 100_000) / 10));
    const file = write('huge.yaml', VALID + padding);
    const size = fs.statSync(file).size;
    expect(size).toBeGreaterThan(5 * 1024 * 1024);
    const result = await runCli('synth', file, '--out', out);
    expectRejected(result);
    expect(problemLines(result.stderr)).toEqual([`${file}: error: file is ${size} bytes; catalogs are limited to 5242880 bytes (5 MiB)`]);
    // The library refuses it too.
    expect(() => ServiceCatalog.fromYaml(VALID + padding, 'huge.yaml')).toThrow(/limited to 5242880 bytes/);
    fs.rmSync(file);
  });

  test.each([
    ['flow lists', 100, (depth: number) => `services: ${'['.repeat(depth)}${']'.repeat(depth)}\n`],
    ['block mappings', 100, (depth: number) => 'services:\n' + Array.from({ length: depth }, (_, i) => `${'  '.repeat(i + 1)}k${i}:\n`).join('') + `${'  '.repeat(depth + 1)}x: 1\n`],
    ['flow lists, far beyond the parser stack', 20_000, (depth: number) => `services: ${'['.repeat(depth)}${']'.repeat(depth)}\n`],
  ])('nesting too deep (%s, %i levels) is one located error, not a crash', async (_what, depth, make) => {
    const file = write('deep.yaml', make(depth));
    const result = await runCli('synth', file, '--out', out);
    expectRejected(result);
    const lines = problemLines(result.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(:\\d+:\\d+)?: error: nesting is deeper than 64 levels$`));
  });

  test.each([1, 2, 3, 4, 5])('binary garbage (seed %i) is reported as not being a text catalog', async seed => {
    const random = createRandom(seed);
    const bytes = Buffer.from(Array.from({ length: 4096 }, () => randomInt(random, 0, 255)));
    const file = write('garbage.bin', bytes);
    const result = await runCli('synth', file, '--out', out);
    expectRejected(result);
    const lines = problemLines(result.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/garbage\.bin:\d+:\d+: error: the file (is not UTF-8 text|contains the non-printable character U\+[0-9A-F]{4})/);
  });

  test.each([1, 2, 3, 4, 5, 6, 7, 8])('random printable text (seed %i) fails cleanly with located errors', async seed => {
    const random = createRandom(100 + seed);
    const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789 :-[]{},#&*!|>\'"%@`?\n\n\n\t';
    const text = Array.from({ length: 3000 }, () => alphabet[randomInt(random, 0, alphabet.length - 1)]).join('');
    const file = write('noise.yaml', text);
    const result = await runCli('synth', file, '--out', out);
    expectRejected(result);
    const lines = problemLines(result.stderr);
    expect(lines.length).toBeGreaterThan(0);
    // Syntax errors are capped at 50 plus one summary line.
    expect(lines.length).toBeLessThanOrEqual(51);
    for (const line of lines) {
      expect(line.startsWith(`${file}:`) || line.startsWith(`${file}: `)).toBe(true);
    }
  });

  test('every single-character mutation of a valid catalog either synthesizes or fails cleanly', async () => {
    const random = createRandom(2024);
    const alphabet = 'abz09 :-[]{},#&*!|>\'"\n\t/.';
    let rejected = 0;
    for (let i = 0; i < 60; i++) {
      const at = randomInt(random, 0, VALID.length - 1);
      const kind = randomInt(random, 0, 2);
      const char = alphabet[randomInt(random, 0, alphabet.length - 1)];
      const mutated = kind === 0 ? VALID.slice(0, at) + VALID.slice(at + 1)
        : kind === 1 ? VALID.slice(0, at) + char + VALID.slice(at)
          : VALID.slice(0, at) + char + VALID.slice(at + 1);
      const file = write('mutated.yaml', mutated);
      const target = path.join(root, 'mutated-out');
      const result = await runCli('synth', file, '--phase', 'all', '--out', target);
      expect([0, 2]).toContain(result.code);
      if (result.code === 2) {
        rejected++;
        expectRejected(result);
        expect(fs.existsSync(target)).toBe(false);
        const lines = problemLines(result.stderr);
        expect(lines.length).toBeGreaterThan(0);
        for (const line of lines) {
          // Located in the file, or a phase's list of calls it cannot express.
          expect(line.startsWith(`${file}:`) || line.startsWith('- ')).toBe(true);
        }
      }
      fs.rmSync(target, { recursive: true, force: true });
    }
    expect(rejected).toBeGreaterThan(10);
  });

  test('a thousand errors are all printed at once', async () => {
    const services = Array.from({ length: 1000 }, (_, i) => `  - { name: svc-${i}, ports: [{ port: ${70_000 + i} }] }`).join('\n');
    const file = write('thousand.yaml', `services:\n${services}\n`);
    const result = await runCli('synth', file, '--out', out);
    expectRejected(result);
    expect(result.stderr).toContain('invalid catalog (1000 errors)');
    const lines = problemLines(result.stderr);
    expect(lines).toHaveLength(1000);
    expect(lines[999]).toBe(`${file}:1001:38: error: services[999].ports[0].port: port 70999 is out of range (1-65535)`);
  });

  test('YAML syntax errors are capped at 50, with a count of the rest', async () => {
    const file = write('tabs.yaml', 'services:\n' + '\t- name: web\n'.repeat(120));
    const result = await runCli('synth', file, '--out', out);
    expectRejected(result);
    const lines = problemLines(result.stderr);
    expect(lines).toHaveLength(51);
    expect(lines[50]).toMatch(/: error: 70 more YAML errors not shown$/);
  });

  test('Latin-1 text is located by line and column of the first bad byte', async () => {
    const file = write('latin1.yaml', Buffer.concat([Buffer.from('services:\n  - name: web\n    # caf'), Buffer.from([0xe9]), Buffer.from('\n    ports: [{ port: 80 }]\n')]));
    const result = await runCli('synth', file, '--out', out);
    expectRejected(result);
    expect(problemLines(result.stderr)).toEqual([`${file}:3:10: error: the file is not UTF-8 text (byte 0xE9 at byte offset 33); save the catalog as UTF-8 (is this a binary file?)`]);
  });

  test('control characters and bidirectional overrides in values are escaped in messages', async () => {
    const file = write('controls.yaml', 'services:\n  - name: "web\\u0000\\u202e"\n    ports: [{ port: 80 }]\n');
    const result = await runCli('synth', file, '--out', out);
    expectRejected(result);
    expect(result.stderr).toContain('"web\\u0000\\u202E" is not a valid DNS-1035 label');
    expect(result.stderr).not.toMatch(/[\u0000\u202e]/);
  });

  test('a directory, a device and a missing file are usage errors', async () => {
    expectRejected(await runCli('synth', root, '--out', out));
    expect((await runCli('synth', root, '--out', out)).stderr).toContain('is a directory');
    expect((await runCli('synth', path.join(root, 'missing.yaml'), '--out', out)).stderr).toContain('catalog file not found');
    if (fs.existsSync('/dev/zero')) {
      const device = await runCli('synth', '/dev/zero', '--out', out);
      expectRejected(device);
      expect(device.stderr).toContain('/dev/zero is not a regular file');
    }
  });

  test('an --out that is a file, or lies under a file, is refused before anything is written', async () => {
    const valid = path.join(root, 'valid.yaml');
    const blocker = write('blocker', 'keep me\n');
    const underFile = await runCli('synth', valid, '--out', path.join(blocker, 'dist'));
    expectRejected(underFile);
    expect(underFile.stderr).toContain(`${blocker} is not a directory`);

    const other = path.join(root, 'other');
    fs.mkdirSync(other);
    fs.writeFileSync(path.join(other, 'baseline'), 'not a directory\n');
    const phaseIsFile = await runCli('synth', valid, '--phase', 'all', '--out', other);
    expectRejected(phaseIsFile);
    expect(phaseIsFile.stderr).toContain(`${path.join(other, 'baseline')}: it exists and is not a directory`);
    expect(fs.readFileSync(path.join(other, 'baseline'), 'utf8')).toBe('not a directory\n');
    expect(fs.readdirSync(other)).toEqual(['baseline']);
    expect(fs.readFileSync(blocker, 'utf8')).toBe('keep me\n');
    fs.rmSync(other, { recursive: true });
    fs.rmSync(blocker);
  });
});

describe('encodings that are fine', () => {
  let root: string;

  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-ladder-encodings-'));
  });

  afterAll(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });

  async function synth(name: string, content: string): Promise<{ result: CliResult; files: Record<string, string> }> {
    const file = path.join(root, `${name}.yaml`);
    fs.writeFileSync(file, content);
    const target = path.join(root, `${name}-out`);
    const result = await runCli('synth', file, '--phase', 'all', '--out', target);
    return { result, files: result.code === 0 ? readTree(target) : {} };
  }

  test('a byte order mark and CRLF line ends give the same output as plain LF', async () => {
    const plain = await synth('plain', VALID);
    const bom = await synth('bom', '\ufeff' + VALID);
    const crlf = await synth('crlf', VALID.replace(/\n/g, '\r\n'));
    expect(plain.result.code).toBe(0);
    expect(bom.result.code).toBe(0);
    expect(crlf.result.code).toBe(0);
    expect(Object.keys(plain.files).length).toBeGreaterThan(10);
    expect(bom.files).toEqual(plain.files);
    expect(crlf.files).toEqual(plain.files);
  });

  test('with a BOM or CRLF, errors keep their line and column', async () => {
    const bad = VALID.replace('port: 80, targetPort: 9090', 'port: 80, targetPort: 99999');
    const expected = /:8:49: error: services\[1\]\.ports\[0\]\.targetPort: targetPort 99999 is out of range/;
    for (const [name, text] of [['bad-lf', bad], ['bad-bom', '\ufeff' + bad], ['bad-crlf', bad.replace(/\n/g, '\r\n')]]) {
      const { result } = await synth(name, text);
      expectRejected(result);
      expect(problemLines(result.stderr)).toHaveLength(1);
      expect(result.stderr).toMatch(expected);
    }
  });

  test('the library reports the same problems as a CatalogValidationError', () => {
    let error: unknown;
    try {
      ServiceCatalog.fromYaml('services:\n  - name: Web\n    ports: [{ port: 0 }]\n', 'lib.yaml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CatalogValidationError);
    expect((error as CatalogValidationError).problems.map(p => `${p.line}:${p.column} ${p.path.join('.')}`)).toEqual(['2:11 services.0.name', '3:21 services.0.ports.0.port']);
  });
});
