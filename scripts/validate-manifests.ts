/**
 * Validates synthesized Kubernetes objects against per-kind JSON Schemas.
 *
 * Usage: ts-node --project test/tsconfig.json scripts/validate-manifests.ts <dir-or-file>...
 *          [--schemas ../shared/crds/jsonschema] [--allow-unknown]
 *
 * Every .yaml/.yml/.json file under the given paths is read (multi-document YAML too) and
 * each object is checked against `<schemas>/<group>/<kind>_<version>.json` (the core group
 * is `core`). Exit 0 when every object is valid, 1 otherwise, 2 on bad usage. When the
 * schema folder does not exist the check is skipped (exit 0), so CI passes without it.
 */
import * as fs from 'fs';
import * as path from 'path';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import * as YAML from 'yaml';

export const DEFAULT_SCHEMAS_DIR = path.join('..', 'shared', 'crds', 'jsonschema');

/** Options of `validateManifests`. */
export interface ValidateOptions {
  /** Folder holding `<group>/<kind>_<version>.json`. */
  readonly schemasDir: string;
  /** Accept objects whose kind has no schema file (reported, not counted as invalid). */
  readonly allowUnknown?: boolean;
  /** Output sink, one line per call. Defaults to stdout. */
  readonly log?: (line: string) => void;
}

/** What a run found. */
export interface ValidationReport {
  /** False when the schema folder does not exist (nothing was checked). */
  readonly schemasFound: boolean;
  readonly files: number;
  readonly objects: number;
  readonly valid: number;
  readonly invalid: number;
  /** Objects of kinds without a schema accepted because of `allowUnknown`. */
  readonly unknown: number;
  /** Schema patterns JavaScript could not compile, accepted without checking. */
  readonly skippedPatterns: string[];
  /** Schema patterns rewritten from Go RE2 syntax to a JavaScript equivalent. */
  readonly translatedPatterns: string[];
  /** 0 when every object is valid, 1 otherwise. */
  readonly exitCode: number;
}

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** Build-tool configuration that shares the output folder but is not a cluster object. */
const NON_CLUSTER_API_GROUPS = new Set(['kustomize.config.k8s.io']);

/** Lists manifest files under `paths`, sorted, so the output is stable. */
export function collectManifestFiles(paths: string[]): string[] {
  const files: string[] = [];
  const walk = (p: string): void => {
    const stat = fs.statSync(p);
    if (stat.isDirectory()) {
      for (const entry of fs.readdirSync(p).sort()) {
        if (entry !== 'node_modules') {
          walk(path.join(p, entry));
        }
      }
    } else if (MANIFEST_EXTENSIONS.has(path.extname(p).toLowerCase())) {
      files.push(p);
    }
  };
  for (const p of paths) {
    walk(p);
  }
  return [...new Set(files)].sort();
}

/** Schema file of an apiVersion/kind: `core/service_v1.json`, `apps/deployment_v1.json`. */
export function schemaPathFor(schemasDir: string, apiVersion: string, kind: string): string {
  const slash = apiVersion.lastIndexOf('/');
  const group = slash < 0 ? 'core' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  return path.join(schemasDir, group, `${kind.toLowerCase()}_${version}.json`);
}

/**
 * Rewrites the Go RE2 constructs the upstream schemas use into JavaScript:
 * a leading `(?i)` becomes the `i` flag, `\pX`/`\PX` become `\p{X}`/`\P{X}`,
 * `(?P<name>` becomes `(?<name>`, and `\A`/`\z` become `^`/`$`.
 * Returns undefined when the pattern needs more than that.
 */
export function translateRe2(pattern: string): RegExp | undefined {
  let source = pattern;
  let flags = 'u';
  // Case-insensitivity set before anything that could be case-sensitive covers the whole pattern.
  const leadingCaseFlag = /^(\^?)\(\?i\)/;
  if (leadingCaseFlag.test(source)) {
    source = source.replace(leadingCaseFlag, '$1');
    flags += 'i';
  }
  source = source
    .replace(/\\([pP])([A-Za-z])/g, '\\$1{$2}')
    .replace(/\(\?P</g, '(?<')
    .replace(/\\A/g, '^')
    .replace(/\\z/g, '$');
  try {
    return new RegExp(source, flags);
  } catch {
    return undefined;
  }
}

/** What ajv needs of a compiled pattern. */
interface PatternMatcher {
  test(s: string): boolean;
  toString(): string;
}

/** The regular-expression engine handed to ajv: JavaScript first, then RE2 rewrites, then accept-all. */
function makeRegExpEngine(skipped: Set<string>, translated: Set<string>) {
  const engine = (pattern: string, unicodeFlag: string): PatternMatcher => {
    try {
      return new RegExp(pattern, unicodeFlag);
    } catch {
      // not JavaScript syntax: try the RE2 rewrites below
    }
    const rewritten = translateRe2(pattern);
    if (rewritten) {
      translated.add(pattern);
      return rewritten;
    }
    skipped.add(pattern);
    // ajv keys compiled patterns by toString(): keep one entry per skipped pattern.
    return { test: () => true, toString: () => `skipped-pattern:${pattern}` };
  };
  // ajv only uses `code` when generating standalone code, which we never do.
  engine.code = 'mesh-ladder-regexp';
  return engine;
}

function describeObject(obj: Record<string, any>): string {
  const meta = (obj.metadata ?? {}) as Record<string, unknown>;
  const name = typeof meta.name === 'string' ? meta.name : '<no name>';
  const id = typeof meta.namespace === 'string' ? `${meta.namespace}/${name}` : name;
  return `${String(obj.apiVersion ?? '<no apiVersion>')} ${String(obj.kind ?? '<no kind>')} ${id}`;
}

function formatAjvError(err: ErrorObject): string {
  const where = err.instancePath === '' ? '(root)' : err.instancePath;
  const params = err.params as Record<string, unknown>;
  let detail = '';
  if (err.keyword === 'additionalProperties') {
    detail = ` (unknown field '${String(params.additionalProperty)}')`;
  } else if (err.keyword === 'enum') {
    detail = ` (allowed: ${JSON.stringify(params.allowedValues)})`;
  }
  return `${where}: ${err.message ?? err.keyword}${detail}`;
}

/** Parses a manifest file into its documents (null documents dropped). */
function readDocuments(file: string): { docs: unknown[]; parseErrors: string[] } {
  const text = fs.readFileSync(file, 'utf8');
  if (path.extname(file).toLowerCase() === '.json') {
    try {
      const parsed: unknown = JSON.parse(text);
      return { docs: Array.isArray(parsed) ? parsed : [parsed], parseErrors: [] };
    } catch (e) {
      return { docs: [], parseErrors: [(e as Error).message] };
    }
  }
  const docs: unknown[] = [];
  const parseErrors: string[] = [];
  for (const doc of YAML.parseAllDocuments(text)) {
    if (doc.errors.length > 0) {
      parseErrors.push(...doc.errors.map(e => e.message));
      continue;
    }
    const value: unknown = doc.toJS();
    if (value !== null && value !== undefined) {
      docs.push(value);
    }
  }
  return { docs, parseErrors };
}

/** Validates every manifest under `paths`; prints one line per object and a summary. */
export function validateManifests(paths: string[], options: ValidateOptions): ValidationReport {
  const log = options.log ?? ((line: string) => console.log(line));
  const schemasDir = options.schemasDir;
  if (!fs.existsSync(schemasDir) || !fs.statSync(schemasDir).isDirectory()) {
    log(`notice: schema folder ${schemasDir} not found; manifest validation skipped`);
    return { schemasFound: false, files: 0, objects: 0, valid: 0, invalid: 0, unknown: 0, skippedPatterns: [], translatedPatterns: [], exitCode: 0 };
  }

  const skipped = new Set<string>();
  const translated = new Set<string>();
  const ajv = new Ajv({
    strict: false,
    validateFormats: false,
    allErrors: true,
    code: { regExp: makeRegExpEngine(skipped, translated) },
  });
  // One compiled validator per schema file; undefined when the file does not exist.
  const validators = new Map<string, ValidateFunction | undefined>();
  const validatorFor = (file: string): ValidateFunction | undefined => {
    if (!validators.has(file)) {
      validators.set(file, fs.existsSync(file) ? ajv.compile(JSON.parse(fs.readFileSync(file, 'utf8'))) : undefined);
    }
    return validators.get(file);
  };

  const files = collectManifestFiles(paths);
  let objects = 0;
  let valid = 0;
  let invalid = 0;
  let unknown = 0;

  const check = (obj: unknown, file: string): void => {
    objects++;
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
      invalid++;
      log(`FAIL ${file}: document is not an object`);
      return;
    }
    const o = obj as Record<string, any>;
    const label = describeObject(o);
    const missing = ['apiVersion', 'kind'].filter(k => typeof o[k] !== 'string' || o[k] === '');
    if (typeof o.metadata?.name !== 'string' || o.metadata.name === '') {
      missing.push('metadata.name');
    }
    if (missing.length > 0) {
      invalid++;
      log(`FAIL ${label} (${file})`);
      log(`     missing ${missing.join(', ')}`);
      return;
    }
    const schemaFile = schemaPathFor(schemasDir, o.apiVersion, o.kind);
    const validate = validatorFor(schemaFile);
    if (!validate) {
      if (options.allowUnknown) {
        unknown++;
        log(`??   ${label}: no schema (${path.relative(schemasDir, schemaFile)})`);
      } else {
        invalid++;
        log(`FAIL ${label} (${file})`);
        log(`     unknown kind: no schema ${path.relative(schemasDir, schemaFile)}`);
      }
      return;
    }
    if (validate(o)) {
      valid++;
      log(`ok   ${label}`);
    } else {
      invalid++;
      log(`FAIL ${label} (${file})`);
      for (const err of validate.errors ?? []) {
        log(`     ${formatAjvError(err)}`);
      }
    }
  };

  for (const file of files) {
    const { docs, parseErrors } = readDocuments(file);
    for (const message of parseErrors) {
      objects++;
      invalid++;
      log(`FAIL ${file}: cannot parse: ${message.split('\n')[0]}`);
    }
    for (const doc of docs) {
      const o = doc as Record<string, any>;
      const group = typeof o?.apiVersion === 'string' ? o.apiVersion.split('/')[0] : '';
      if (NON_CLUSTER_API_GROUPS.has(group)) {
        log(`skip ${o.apiVersion} ${String(o.kind)} (${file}): build configuration, not a cluster object`);
        continue;
      }
      // A v1 List carries its objects in `items`.
      if (o?.apiVersion === 'v1' && o?.kind === 'List' && Array.isArray(o.items)) {
        o.items.forEach((item: unknown) => check(item, file));
        continue;
      }
      check(doc, file);
    }
  }

  if (objects === 0) {
    invalid++;
    log(`FAIL no Kubernetes objects found under ${paths.join(', ')}`);
  }
  const skippedPatterns = [...skipped].sort();
  const translatedPatterns = [...translated].sort();
  for (const p of translatedPatterns) {
    log(`note: Go RE2 pattern rewritten for JavaScript: ${p}`);
  }
  for (const p of skippedPatterns) {
    log(`note: pattern not checked (JavaScript cannot compile it): ${p}`);
  }
  const unknownNote = unknown > 0 ? `, ${unknown} without schema` : '';
  log(`${invalid === 0 ? 'PASS' : 'FAIL'}: ${objects} object(s) in ${files.length} file(s): ${valid} valid, ${invalid} invalid${unknownNote}`);
  return {
    schemasFound: true,
    files: files.length,
    objects,
    valid,
    invalid,
    unknown,
    skippedPatterns,
    translatedPatterns,
    exitCode: invalid === 0 ? 0 : 1,
  };
}

const USAGE = `usage: validate-manifests <dir-or-file>... [--schemas <dir>] [--allow-unknown]

Validates every Kubernetes object in the .yaml/.yml/.json files under the given paths
against <schemas>/<group>/<kind>_<version>.json (default schemas: ${DEFAULT_SCHEMAS_DIR}).
  --schemas <dir>   schema folder; when it does not exist, validation is skipped (exit 0)
  --allow-unknown   accept kinds without a schema instead of failing
Exit status: 0 all valid (or no schema folder), 1 invalid objects, 2 bad usage.`;

/** Command-line entry point; returns the exit status. */
export function main(argv: string[], log: (line: string) => void = line => console.log(line)): number {
  const paths: string[] = [];
  let schemasDir = DEFAULT_SCHEMAS_DIR;
  let allowUnknown = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      log(USAGE);
      return 0;
    } else if (arg === '--allow-unknown') {
      allowUnknown = true;
    } else if (arg === '--schemas') {
      if (i + 1 >= argv.length) {
        log('error: --schemas needs a folder');
        return 2;
      }
      schemasDir = argv[++i];
    } else if (arg.startsWith('--schemas=')) {
      schemasDir = arg.slice('--schemas='.length);
    } else if (arg.startsWith('-')) {
      log(`error: unknown option ${arg}\n${USAGE}`);
      return 2;
    } else {
      paths.push(arg);
    }
  }
  if (paths.length === 0) {
    log(`error: no manifests given\n${USAGE}`);
    return 2;
  }
  const missing = paths.filter(p => !fs.existsSync(p));
  if (missing.length > 0) {
    log(`error: not found: ${missing.join(', ')}`);
    return 2;
  }
  return validateManifests(paths, { schemasDir, allowUnknown, log }).exitCode;
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
