import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main, schemaPathFor, translateRe2, validateManifests, ValidationReport } from '../../scripts/validate-manifests';

// Small hand-written schemas: the tests must not depend on ../shared.
const CONFIG_MAP_SCHEMA = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata'],
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { $ref: '#/definitions/ObjectMeta' },
    data: { type: 'object', additionalProperties: { type: 'string' } },
  },
  additionalProperties: false,
  definitions: {
    ObjectMeta: {
      type: 'object',
      properties: {
        name: { type: 'string' },
        namespace: { type: 'string' },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
      },
      additionalProperties: false,
    },
  },
};

/** A CRD-like schema whose patterns are Go RE2, as in the upstream CRDs. */
const WIDGET_SCHEMA = {
  type: 'object',
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    spec: {
      type: 'object',
      properties: {
        mode: { type: 'string', pattern: '^(?i)(abort|warn)?$' },
        title: { type: 'string', pattern: '^\\PC*$' },
        // RE2 ungreedy flag: no JavaScript equivalent, so the pattern is skipped.
        code: { type: 'string', pattern: '(?U)^a+$' },
        rule: {
          type: 'object',
          properties: { ports: { type: 'array', items: { type: 'object', properties: { port: { type: 'integer' } }, additionalProperties: false } } },
          additionalProperties: false,
        },
      },
      additionalProperties: false,
    },
  },
};

let tmp: string;
let schemas: string;
let manifests: string;

function write(file: string, content: string | object): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
}

function run(paths: string[], allowUnknown = false): { report: ValidationReport; lines: string[] } {
  const lines: string[] = [];
  const report = validateManifests(paths, { schemasDir: schemas, allowUnknown, log: l => lines.push(l) });
  return { report, lines };
}

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'validate-manifests-'));
  schemas = path.join(tmp, 'schemas');
  manifests = path.join(tmp, 'out');
  write(path.join(schemas, 'core', 'configmap_v1.json'), CONFIG_MAP_SCHEMA);
  write(path.join(schemas, 'example.com', 'widget_v1alpha1.json'), WIDGET_SCHEMA);
  fs.mkdirSync(manifests, { recursive: true });
});

afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('schemaPathFor', () => {
  test('core group for bare versions, the group folder otherwise, kind lower-cased', () => {
    expect(schemaPathFor('/s', 'v1', 'ConfigMap')).toBe(path.join('/s', 'core', 'configmap_v1.json'));
    expect(schemaPathFor('/s', 'apps/v1', 'Deployment')).toBe(path.join('/s', 'apps', 'deployment_v1.json'));
    expect(schemaPathFor('/s', 'networking.k8s.io/v1', 'NetworkPolicy')).toBe(path.join('/s', 'networking.k8s.io', 'networkpolicy_v1.json'));
    expect(schemaPathFor('/s', 'trust.cert-manager.io/v1alpha1', 'Bundle')).toBe(path.join('/s', 'trust.cert-manager.io', 'bundle_v1alpha1.json'));
  });
});

describe('validateManifests', () => {
  test('valid objects in multi-document YAML and JSON pass, one line each', () => {
    write(path.join(manifests, 'a.yaml'), [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: { name: one, namespace: shop }',
      'data: { key: value }',
      '---',
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: { name: two }',
      '---',
      '',
    ].join('\n'));
    write(path.join(manifests, 'nested', 'b.json'), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'three', namespace: 'payments' } });

    const { report, lines } = run([manifests]);

    expect(report).toMatchObject({ schemasFound: true, files: 2, objects: 3, valid: 3, invalid: 0, exitCode: 0 });
    expect(lines).toContain('ok   v1 ConfigMap shop/one');
    expect(lines).toContain('ok   v1 ConfigMap two');
    expect(lines).toContain('ok   v1 ConfigMap payments/three');
    expect(lines[lines.length - 1]).toMatch(/^PASS: 3 object\(s\) in 2 file\(s\): 3 valid, 0 invalid$/);
  });

  test('a misspelled nested field is rejected with its instance path', () => {
    write(path.join(manifests, 'bad.yaml'), [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: { name: typo, lables: { app: x } }',
    ].join('\n'));

    const { report, lines } = run([manifests]);

    expect(report).toMatchObject({ objects: 1, valid: 0, invalid: 1, exitCode: 1 });
    expect(lines[0]).toMatch(/^FAIL v1 ConfigMap typo \(.*bad\.yaml\)$/);
    expect(lines).toContain("     /metadata: must NOT have additional properties (unknown field 'lables')");
    expect(main([manifests, '--schemas', schemas], () => undefined)).toBe(1);
  });

  test('a wrong type deep inside a CRD spec is rejected', () => {
    write(path.join(manifests, 'w.yaml'), [
      'apiVersion: example.com/v1alpha1',
      'kind: Widget',
      'metadata: { name: w }',
      'spec: { rule: { ports: [{ port: 80 }, { port: http }] } }',
    ].join('\n'));

    const { report, lines } = run([manifests]);

    expect(report.invalid).toBe(1);
    expect(lines).toContain('     /spec/rule/ports/1/port: must be integer');
  });

  test('a kind without a schema is an error unless allowUnknown', () => {
    write(path.join(manifests, 'gadget.yaml'), 'apiVersion: example.com/v1\nkind: Gadget\nmetadata: { name: g, namespace: shop }\n');

    const strict = run([manifests]);
    expect(strict.report).toMatchObject({ invalid: 1, exitCode: 1 });
    expect(strict.lines).toContain(`     unknown kind: no schema ${path.join('example.com', 'gadget_v1.json')}`);

    const lenient = run([manifests], true);
    expect(lenient.report).toMatchObject({ invalid: 0, unknown: 1, exitCode: 0 });
    expect(lenient.lines[0]).toMatch(/^\?\? +example\.com\/v1 Gadget shop\/g: no schema/);
    expect(main([manifests, '--schemas', schemas, '--allow-unknown'], () => undefined)).toBe(0);
  });

  test('objects without apiVersion, kind or metadata.name are errors', () => {
    write(path.join(manifests, 'x.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n---\nmetadata: { name: a }\n');

    const { report, lines } = run([manifests]);

    expect(report).toMatchObject({ objects: 2, invalid: 2 });
    expect(lines).toContain('     missing metadata.name');
    expect(lines).toContain('     missing apiVersion, kind');
  });

  test('unparseable YAML is an error, kustomization files are skipped', () => {
    write(path.join(manifests, 'broken.yaml'), 'apiVersion: v1\nkind: [unclosed\n');
    write(path.join(manifests, 'kustomization.yaml'), 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [a.yaml]\n');

    const { report, lines } = run([manifests]);

    expect(report).toMatchObject({ objects: 1, invalid: 1 });
    expect(lines.some(l => /^FAIL .*broken\.yaml: cannot parse/.test(l))).toBe(true);
    expect(lines.some(l => l.startsWith('skip kustomize.config.k8s.io/v1beta1 Kustomization'))).toBe(true);
  });

  test('no objects at all fails: an empty synth must not pass silently', () => {
    write(path.join(manifests, 'README.md'), '# not a manifest\n');
    const { report } = run([manifests]);
    expect(report).toMatchObject({ objects: 0, exitCode: 1 });
  });

  test('Go RE2 patterns are rewritten where possible and skipped otherwise, each reported once', () => {
    const widget = (name: string, spec: object) => ({ apiVersion: 'example.com/v1alpha1', kind: 'Widget', metadata: { name }, spec });
    write(path.join(manifests, 'widgets.json'), [
      widget('upper-case-mode', { mode: 'WARN', title: 'Plain title', code: 'anything goes' }),
      widget('bad-mode', { mode: 'explode' }),
      widget('control-char', { title: 'bell\u0007' }),
      widget('again', { mode: 'Abort', code: 'zzz' }),
    ]);

    const { report, lines } = run([manifests]);

    // (?i) became the i flag; \PC became \P{C}; (?U) could not be rewritten.
    expect(report).toMatchObject({ objects: 4, valid: 2, invalid: 2 });
    expect(lines).toContain('ok   example.com/v1alpha1 Widget upper-case-mode');
    expect(lines).toContain('ok   example.com/v1alpha1 Widget again');
    expect(lines).toContain('     /spec/mode: must match pattern "^(?i)(abort|warn)?$"');
    expect(lines).toContain('     /spec/title: must match pattern "^\\PC*$"');
    expect(report.translatedPatterns).toEqual(['^(?i)(abort|warn)?$', '^\\PC*$']);
    expect(report.skippedPatterns).toEqual(['(?U)^a+$']);
    expect(lines.filter(l => l.includes('(?U)^a+$'))).toEqual(['note: pattern not checked (JavaScript cannot compile it): (?U)^a+$']);
  });

  test('a missing schema folder prints a notice and passes', () => {
    write(path.join(manifests, 'a.yaml'), 'apiVersion: v1\nkind: Nonsense\n');
    const lines: string[] = [];

    const report = validateManifests([manifests], { schemasDir: path.join(tmp, 'nowhere'), log: l => lines.push(l) });

    expect(report).toMatchObject({ schemasFound: false, objects: 0, exitCode: 0 });
    expect(lines).toEqual([`notice: schema folder ${path.join(tmp, 'nowhere')} not found; manifest validation skipped`]);
    expect(main([manifests, `--schemas=${path.join(tmp, 'nowhere')}`], () => undefined)).toBe(0);
  });
});

describe('translateRe2', () => {
  test('rewrites the RE2 forms used upstream', () => {
    expect(translateRe2('^(?i)(abort|warn)?$')?.test('ABORT')).toBe(true);
    expect(translateRe2('(?i)yes')?.flags).toContain('i');
    expect(translateRe2('^\\PC*$')?.test('tab\there')).toBe(false);
    expect(translateRe2('^\\pL+$')?.test('Zürich')).toBe(true);
    expect(translateRe2('\\A(?P<word>[a-z]+)\\z')?.exec('abc')?.groups?.word).toBe('abc');
    expect(translateRe2('(?U)a+')).toBeUndefined();
  });
});

describe('main', () => {
  test('usage errors exit 2', () => {
    const lines: string[] = [];
    expect(main([], l => lines.push(l))).toBe(2);
    expect(main(['--bogus', manifests], l => lines.push(l))).toBe(2);
    expect(main([path.join(tmp, 'missing.yaml')], l => lines.push(l))).toBe(2);
    expect(lines.join('\n')).toContain('usage: validate-manifests');
  });
});
