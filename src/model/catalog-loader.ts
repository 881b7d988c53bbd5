/**
 * The YAML front door of the model: parse a catalog file, check its shape against the
 * generated JSON Schema, resolve it, and report every problem at once with its field path
 * and file:line:column.
 *
 * Internal (not re-exported from the package index): plain TypeScript, unions allowed.
 */
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import { Document, LineCounter, Node as YamlNode, isAlias, isCollection, isMap, isPair, isScalar, isSeq, parseDocument, visit } from 'yaml';
import { CATALOG_SCHEMA } from './catalog-schema.generated';
import { suggest } from './names';
import { resolveCatalog } from './resolve';
import { ResolvedCatalog, formatPath } from './resolved';
import { CatalogSpec } from './types';

/** A problem with a catalog, located by field path and, for YAML input, by file position. */
export interface LocatedProblem {
  readonly severity: 'error' | 'warning';
  /** Field path, e.g. `['services', 2, 'calls', 0, 'service']`; empty for the whole file. */
  readonly path: Array<string | number>;
  readonly message: string;
  readonly file?: string;
  /** 1-based. */
  readonly line?: number;
  /** 1-based. */
  readonly column?: number;
}

export interface CatalogParseResult {
  /** The catalog data, when the YAML parsed and had the right shape. */
  readonly spec?: CatalogSpec;
  /** The resolved catalog, when there are no errors. */
  readonly catalog?: ResolvedCatalog;
  /** Every error and warning, sorted by line then path. */
  readonly problems: LocatedProblem[];
  /**
   * Where a field path of the parsed catalog is in the file (for errors found after
   * validation, e.g. a phase that cannot express a call); set when the YAML parsed.
   */
  readonly locate?: (path: ReadonlyArray<string | number>) => SourcePosition;
}

/** A place in a catalog file. */
export interface SourcePosition {
  readonly file: string;
  /** 1-based; absent when the path is not in the file. */
  readonly line?: number;
  /** 1-based. */
  readonly column?: number;
}

/** Catalogs are small; anything bigger is a mistake or an attack on the parser. */
export const MAX_CATALOG_BYTES = 5 * 1024 * 1024;
/** Deepest collection nesting accepted (the schema itself needs fewer than 10 levels). */
export const MAX_CATALOG_DEPTH = 64;
/** Alias expansions allowed while converting YAML to data (guards against "billion laughs"). */
const MAX_ALIAS_COUNT = 100;
/** YAML syntax errors listed before the rest are summarized. */
const MAX_YAML_ERRORS = 50;

/** `file:line:col: error: services[2].calls[0].service: unknown service ...` */
export function formatProblem(p: LocatedProblem): string {
  let location = '';
  if (p.file !== undefined) {
    location = p.file;
    if (p.line !== undefined) {
      location += `:${p.line}`;
      if (p.column !== undefined) {
        location += `:${p.column}`;
      }
    }
    location += ': ';
  }
  const where = p.path.length > 0 ? `${formatPath(p.path)}: ` : '';
  return escapeControls(`${location}${p.severity}: ${where}${p.message}`);
}

/**
 * Messages quote catalog values; control characters and bidirectional overrides in them
 * would break the one-line format or disguise the text on a terminal.
 */
function escapeControls(text: string): string {
  return text.replace(/[\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g, c => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`);
}

/**
 * Decodes a catalog file's bytes: UTF-8 (a leading byte order mark is dropped), at most
 * MAX_CATALOG_BYTES. Anything else comes back as a located problem.
 */
export function decodeCatalogBytes(bytes: Uint8Array, fileName: string): { text?: string; problems: LocatedProblem[] } {
  if (bytes.length > MAX_CATALOG_BYTES) {
    return { problems: [{ severity: 'error', path: [], message: `file is ${bytes.length} bytes; catalogs are limited to ${MAX_CATALOG_BYTES} bytes (5 MiB)`, file: fileName }] };
  }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), problems: [] };
  } catch {
    const offset = firstInvalidUtf8(bytes);
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < offset; i++) {
      if (bytes[i] === 0x0a) {
        line++;
        lineStart = i + 1;
      }
    }
    const byte = bytes[offset].toString(16).toUpperCase().padStart(2, '0');
    return { problems: [{ severity: 'error', path: [], message: `the file is not UTF-8 text (byte 0x${byte} at byte offset ${offset}); save the catalog as UTF-8 (is this a binary file?)`, file: fileName, line, column: offset - lineStart + 1 }] };
  }
}

/** Offset of the first byte that does not belong to a well-formed UTF-8 sequence. */
/* eslint-disable no-bitwise -- decoding UTF-8 is bit arithmetic */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    let need: number;
    let min: number;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else {
      return i;
    }
    let code = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) {
        return i;
      }
      code = (code << 6) | (c & 0x3f);
    }
    if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
      return i;
    }
    i += need + 1;
  }
  return bytes.length;
}
/* eslint-enable no-bitwise */

// ---------------------------------------------------------------------------------------
// Shape check (JSON Schema)
// ---------------------------------------------------------------------------------------

/**
 * Value ranges (ports 1-65535, weights 0-100, ...) are in the schema for editors, but the
 * shape check leaves them to resolveCatalog, which reports them with its own messages: a
 * range error is not a shape error and must not hide the semantic errors of the same file.
 */
const RANGE_KEYWORDS = new Set(['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum']);

/**
 * A shape checker for a JSON Schema (draft-07): returns one clear message per problem,
 * sorted by path. The schema is compiled on first use.
 */
export function createShapeChecker(schema: object): (value: unknown) => LocatedProblem[] {
  let validate: ValidateFunction | undefined;
  return (value: unknown) => {
    // verbose: errors carry the failing data and schema, which the messages need.
    validate ??= new Ajv({ allErrors: true, strict: false, verbose: true }).compile(schema);
    if (validate(value)) {
      return [];
    }
    return sortByPath(dedupe(translateErrors(validate.errors ?? [], value)));
  };
}

const catalogShapeChecker = createShapeChecker(CATALOG_SCHEMA);

/**
 * Check a catalog value (parsed YAML or a TypeScript object) against the catalog schema.
 * Returns one clear message per problem, sorted by path; empty when the shape is right.
 */
export function checkCatalogShape(value: unknown): LocatedProblem[] {
  const notPlain = plainDataProblems(value);
  return notPlain.length > 0 ? notPlain : catalogShapeChecker(value);
}

/** Problems reported by the plain-data walk before the schema runs. */
const MAX_PLAIN_DATA_PROBLEMS = 50;

/**
 * A catalog given as TypeScript data must be a tree of plain values: the schema check
 * would read a Map, a Date or a class instance as a mapping without keys (or miss the
 * point entirely), and a cycle is not a catalog. YAML input is always plain.
 */
function plainDataProblems(root: unknown): LocatedProblem[] {
  const problems: LocatedProblem[] = [];
  const ancestors = new Set<object>();
  const walk = (value: unknown, path: Array<string | number>): void => {
    if (problems.length >= MAX_PLAIN_DATA_PROBLEMS || value === null || typeof value !== 'object') {
      return;
    }
    if (ancestors.has(value)) {
      problems.push({ severity: 'error', path, message: 'refers back to a value that contains it (a cycle); a catalog is a tree of plain data' });
      return;
    }
    if (path.length > MAX_CATALOG_DEPTH) {
      problems.push({ severity: 'error', path, message: `nesting is deeper than ${MAX_CATALOG_DEPTH} levels` });
      return;
    }
    if (!Array.isArray(value) && !isPlainObject(value)) {
      problems.push({ severity: 'error', path, message: `expected plain data (a mapping, list, string, number or boolean), got ${describeValue(value)}` });
      return;
    }
    ancestors.add(value);
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        walk(value[i], [...path, i]);
      }
    } else {
      for (const key of Object.keys(value)) {
        walk((value as Record<string, unknown>)[key], [...path, key]);
      }
    }
    ancestors.delete(value);
  };
  walk(root, []);
  return problems;
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function translateErrors(errors: ErrorObject[], root: unknown): LocatedProblem[] {
  const out: LocatedProblem[] = [];
  // ajv reports a failing anyOf/oneOf as the combinator error plus one error per branch;
  // those branch errors are consumed by the combinator and not reported on their own.
  const combinators = errors.filter(e => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  const consumed = new Set<ErrorObject>();
  for (const combinator of combinators) {
    const prefix = combinator.schemaPath + '/';
    const branchErrors = errors.filter(e => e !== combinator && e.schemaPath.startsWith(prefix));
    branchErrors.forEach(e => consumed.add(e));
    out.push(...translateCombinator(combinator, branchErrors, root));
  }
  for (const error of errors) {
    if (consumed.has(error) || combinators.includes(error) || RANGE_KEYWORDS.has(error.keyword)) {
      continue;
    }
    out.push(translateError(error, root));
  }
  return out;
}

function translateCombinator(combinator: ErrorObject, branchErrors: ErrorObject[], root: unknown): LocatedProblem[] {
  const path = instancePath(combinator.instancePath, root);
  const branches = (combinator.parentSchema?.[combinator.keyword] ?? []) as any[];
  // Branches whose type fits the value but that failed deeper: report those failures.
  const fitting = branches
    .map((_, i) => branchErrors.filter(e => e.schemaPath.startsWith(`${combinator.schemaPath}/${i}/`)))
    .filter(errs => errs.length > 0 && !errs.some(e => e.keyword === 'type' && e.instancePath === combinator.instancePath));
  if (fitting.length === 1) {
    return translateErrors(fitting[0], root);
  }
  const expected = uniq(branches.flatMap(b => schemaTypeNames(b)));
  const message = expected.length > 0
    ? `expected ${joinOr(expected)}, got ${describeValue(combinator.data)}`
    : `does not match any allowed form (got ${describeValue(combinator.data)})`;
  return [{ severity: 'error', path, message }];
}

function translateError(error: ErrorObject, root: unknown): LocatedProblem {
  const path = instancePath(error.instancePath, root);
  const params = error.params as Record<string, any>;
  const parent = (error.parentSchema ?? {}) as Record<string, any>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const allowed = Object.keys(parent.properties ?? {});
      const suggestion = suggest(key, allowed);
      const hint = suggestion !== undefined
        ? ` (did you mean "${suggestion}"?)`
        : allowed.length > 0 ? ` (allowed: ${allowed.join(', ')})` : '';
      return { severity: 'error', path: [...path, key], message: `unknown field "${key}"${hint}` };
    }
    case 'required':
      return { severity: 'error', path: [...path, String(params.missingProperty)], message: 'is required' };
    case 'type': {
      const expected = typeof params.type === 'string' ? params.type.split(',') : (params.type as string[]);
      return { severity: 'error', path, message: `expected ${joinOr(expected.map(typeName))}, got ${describeValue(error.data)}` };
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      const suggestion = typeof error.data === 'string' ? suggest(error.data, allowed) : undefined;
      const hint = suggestion !== undefined ? `; did you mean "${suggestion}"?` : '';
      return { severity: 'error', path, message: `must be one of ${allowed.join(', ')} (got ${describeValue(error.data)}${hint})` };
    }
    default:
      return { severity: 'error', path, message: error.message ?? `fails ${error.keyword}` };
  }
}

/** JSON pointer → field path; numeric segments become numbers only inside lists. */
function instancePath(pointer: string, root: unknown): Array<string | number> {
  if (pointer === '') {
    return [];
  }
  const path: Array<string | number> = [];
  let current: any = root;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(current) && /^\d+$/.test(segment)) {
      const index = Number(segment);
      path.push(index);
      current = current[index];
    } else {
      path.push(segment);
      current = current !== null && typeof current === 'object' ? current[segment] : undefined;
    }
  }
  return path;
}

function typeName(type: string): string {
  switch (type) {
    case 'array': return 'list';
    case 'object': return 'mapping';
    default: return type;
  }
}

function schemaTypeNames(schema: any): string[] {
  if (!schema || typeof schema !== 'object') {
    return [];
  }
  if (typeof schema.type === 'string') {
    return [typeName(schema.type)];
  }
  if (Array.isArray(schema.type)) {
    return schema.type.map(typeName);
  }
  if (Array.isArray(schema.enum)) {
    return schema.enum.map((v: unknown) => JSON.stringify(v));
  }
  if (typeof schema.$ref === 'string') {
    return [schema.$ref.split('/').pop()!];
  }
  return [];
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) {
    return 'an empty value';
  }
  if (Array.isArray(value)) {
    return 'a list';
  }
  switch (typeof value) {
    case 'string': {
      const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
      return `string ${JSON.stringify(shown)}`;
    }
    case 'number': return `number ${value}`;
    case 'boolean': return `boolean ${value}`;
    case 'object': {
      if (isPlainObject(value as object)) {
        return 'a mapping';
      }
      const name = (value as object).constructor?.name;
      return name ? `a ${name} object` : 'an object that is not plain data';
    }
    default: return typeof value;
  }
}

function joinOr(items: string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

function uniq<T>(items: T[]): T[] {
  return [...new Set(items)];
}


// ---------------------------------------------------------------------------------------
// Ordering
// ---------------------------------------------------------------------------------------

function comparePaths(a: ReadonlyArray<string | number>, b: ReadonlyArray<string | number>): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) {
      continue;
    }
    if (typeof x === 'number' && typeof y === 'number') {
      return x - y;
    }
    return String(x) < String(y) ? -1 : 1;
  }
  return a.length - b.length;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortByPath(problems: LocatedProblem[]): LocatedProblem[] {
  return [...problems].sort((a, b) => comparePaths(a.path, b.path) || compareText(a.severity, b.severity) || compareText(a.message, b.message));
}

function sortByLine(problems: LocatedProblem[]): LocatedProblem[] {
  const far = Number.MAX_SAFE_INTEGER;
  return [...problems].sort((a, b) =>
    (a.line ?? far) - (b.line ?? far) ||
    (a.column ?? far) - (b.column ?? far) ||
    comparePaths(a.path, b.path) ||
    compareText(a.severity, b.severity) ||
    compareText(a.message, b.message));
}

function dedupe(problems: LocatedProblem[]): LocatedProblem[] {
  const seen = new Set<string>();
  return problems.filter(p => {
    const key = JSON.stringify([p.severity, p.path, p.message, p.line, p.column]);
    if (seen.has(key)) {
      return false;
    }
    seen.add(key);
    return true;
  });
}

// ---------------------------------------------------------------------------------------
// YAML
// ---------------------------------------------------------------------------------------

/**
 * Parse, shape-check and resolve a YAML catalog. Never throws on bad input: every problem
 * (YAML syntax, shape, semantics) comes back in `problems`, with file:line:column.
 * Syntax errors stop before the shape check (the data would be partial); shape errors
 * stop before resolving (resolution assumes the right shape).
 */
export function parseCatalogYaml(text: string, fileName: string): CatalogParseResult {
  const at = (line?: number, column?: number) => (line === undefined ? { file: fileName } : { file: fileName, line, column });
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_CATALOG_BYTES) {
    return { problems: [{ severity: 'error', path: [], message: `file is ${bytes} bytes; catalogs are limited to ${MAX_CATALOG_BYTES} bytes (5 MiB)`, ...at() }] };
  }

  const lineCounter = new LineCounter();
  const position = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return at(line, col);
  };

  // Binary data parses as one long scalar; say what it is instead.
  const control = NON_PRINTABLE.exec(text);
  if (control) {
    const { line, column } = lineAndColumn(text, control.index);
    const code = control[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    return { problems: [{ severity: 'error', path: [], message: `the file contains the non-printable character U+${code}; a catalog is UTF-8 text (is this a binary file?)`, ...at(line, column) }] };
  }

  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true, uniqueKeys: true });
  } catch (e) {
    // Pathological nesting can exhaust the parser's stack before any depth check runs.
    if (e instanceof RangeError) {
      return { problems: [{ severity: 'error', path: [], message: `nesting is deeper than ${MAX_CATALOG_DEPTH} levels`, ...at() }] };
    }
    throw e;
  }

  // The composer recovers from stack exhaustion node by node, so absurd nesting shows up as
  // thousands of identical errors: report it once.
  const overflow = doc.errors.find(e => /call stack/i.test(e.message));
  if (overflow) {
    return { problems: [{ severity: 'error', path: [], message: `nesting is deeper than ${MAX_CATALOG_DEPTH} levels`, ...position(overflow.pos[0]) }] };
  }

  const yamlProblems: LocatedProblem[] = [];
  for (const error of doc.errors.slice(0, MAX_YAML_ERRORS)) {
    yamlProblems.push({ severity: 'error', path: keyPathOf(doc, error.code, error.pos[0]), message: yamlErrorMessage(doc, error.code, error.message, text, error.pos), ...position(error.pos[0]) });
  }
  if (doc.errors.length > MAX_YAML_ERRORS) {
    const rest = doc.errors.length - MAX_YAML_ERRORS;
    yamlProblems.push({ severity: 'error', path: [], message: `${rest} more YAML error${rest === 1 ? '' : 's'} not shown`, ...position(doc.errors[MAX_YAML_ERRORS].pos[0]) });
  }
  for (const warning of doc.warnings) {
    yamlProblems.push({ severity: 'warning', path: keyPathOf(doc, warning.code, warning.pos[0]), message: yamlErrorMessage(doc, warning.code, warning.message, text, warning.pos), ...position(warning.pos[0]) });
  }
  if (doc.errors.length > 0) {
    return { problems: sortByLine(dedupe(yamlProblems)) };
  }

  const contents = doc.contents;
  if (contents === null || (isScalar(contents) && (contents.value === null || contents.value === undefined))) {
    return { problems: sortByLine([...yamlProblems, { severity: 'error', path: [], message: 'the catalog is empty: expected a mapping with a "services" list', ...at(1, 1) }]) };
  }
  if (!isMap(contents)) {
    const scalar = isScalar(contents) ? contents.value : null;
    const shown = typeof scalar === 'string' && scalar.length > 40 ? `${scalar.slice(0, 40)}…` : scalar;
    const got = isSeq(contents) ? 'a list' : isAlias(contents) ? 'an alias' : `a scalar (${JSON.stringify(shown) ?? String(shown)})`;
    const start = contents.range ? position(contents.range[0]) : at(1, 1);
    return { problems: sortByLine([...yamlProblems, { severity: 'error', path: [], message: `the top level must be a mapping with a "services" list, got ${got}`, ...start }]) };
  }

  const deep = findTooDeep(contents);
  if (deep) {
    const start = deep.range ? position(deep.range[0]) : at();
    return { problems: sortByLine([...yamlProblems, { severity: 'error', path: [], message: `nesting is deeper than ${MAX_CATALOG_DEPTH} levels`, ...start }]) };
  }

  const unsupported = unsupportedYaml(doc).map(u => ({ severity: 'error' as const, path: [], message: u.message, ...(u.offset === undefined ? at() : position(u.offset)) }));
  if (unsupported.length > 0) {
    return { problems: sortByLine(dedupe([...yamlProblems, ...unsupported])) };
  }

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    if (e instanceof ReferenceError || e instanceof RangeError) {
      const firstAlias = firstAliasOffset(doc);
      const where = firstAlias === undefined ? at() : position(firstAlias);
      return { problems: sortByLine([...yamlProblems, { severity: 'error', path: [], message: `aliases expand too much (${(e as Error).message}); a catalog needs at most ${MAX_ALIAS_COUNT} alias expansions`, ...where }]) };
    }
    throw e;
  }

  const locate = (p: { severity: 'error' | 'warning'; path: Array<string | number>; message: string }): LocatedProblem => {
    const offset = locatePath(doc, p.path, p.message.startsWith('unknown field'));
    return { severity: p.severity, path: p.path, message: p.message, ...(offset === undefined ? at() : position(offset)) };
  };

  const shape = checkCatalogShape(value).map(locate);
  if (shape.some(p => p.severity === 'error')) {
    return { problems: sortByLine(dedupe([...yamlProblems, ...shape])) };
  }

  const spec = value as CatalogSpec;
  const { catalog, issues } = resolveCatalog(spec);
  const problems = sortByLine(dedupe([...yamlProblems, ...shape, ...issues.map(locate)]));
  const hasErrors = problems.some(p => p.severity === 'error');
  const locateField = (path: ReadonlyArray<string | number>): SourcePosition => {
    const offset = locatePath(doc, path, false);
    return offset === undefined ? at() : position(offset);
  };
  return { spec, catalog: hasErrors ? undefined : catalog, problems, locate: locateField };
}

function yamlErrorMessage(doc: Document.Parsed, code: string, message: string, text: string, pos: [number, number]): string {
  if (code === 'DUPLICATE_KEY') {
    const key = keyAt(doc, pos[0]) ?? text.slice(pos[0]).split(/[:\n]/, 1)[0].trim();
    return key.length > 0 && key.length <= 60 ? `duplicate key ${JSON.stringify(key)}` : 'duplicate key';
  }
  if (code === 'MULTIPLE_DOCS') {
    return 'a catalog is one YAML document; remove the "---" separator and what follows it, or merge the documents';
  }
  // yaml appends " at line L, column C" in some messages; the location is reported separately.
  return message.replace(/ at line \d+, column \d+.*$/s, '').trim();
}

/**
 * Characters YAML does not allow in a stream (outside c-printable): C0 and C1 controls
 * other than tab, line feed, carriage return and NEL; DEL; lone surrogates; U+FFFE/U+FFFF.
 */
const NON_PRINTABLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u0084\u0086-\u009F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** 1-based line and column (in characters) of an offset. */
function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/** Standard tags that only restate what plain YAML means; the others change the data's type. */
const PLAIN_TAGS = new Set(['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map(t => `tag:yaml.org,2002:${t}`));

/**
 * YAML features a catalog cannot use: aliases without an anchor (which the parser leaves
 * for conversion to fail on), keys that are lists or mappings (JavaScript would turn them
 * into strings), and tags that make binary data, sets, timestamps or custom types.
 */
function unsupportedYaml(doc: Document.Parsed): Array<{ offset?: number; message: string }> {
  const found: Array<{ offset?: number; message: string }> = [];
  // Unknown local tags (`!custom`) keep their plain meaning; the parser warns about them.
  const checkTag = (node: YamlNode) => {
    if (node.tag !== undefined && node.tag.startsWith('tag:yaml.org,2002:') && !PLAIN_TAGS.has(node.tag)) {
      const tag = node.tag.replace(/^tag:yaml\.org,2002:/, '!!');
      found.push({ offset: startOf(node), message: `the YAML tag "${tag}" is not supported in a catalog; write plain strings, numbers, booleans, lists and mappings` });
    }
  };
  visit(doc, {
    Alias(_, alias) {
      if (alias.resolve(doc) === undefined) {
        found.push({ offset: startOf(alias), message: `unknown alias "*${alias.source}": define the anchor "&${alias.source}" before using it` });
      }
    },
    Pair(_, pair) {
      if (pair.key !== null && pair.key !== undefined && !isScalar(pair.key)) {
        const what = isSeq(pair.key) ? 'a list' : isMap(pair.key) ? 'a mapping' : 'an alias';
        found.push({ offset: startOf(pair.key), message: `mapping keys must be plain strings, got ${what}` });
      }
    },
    Scalar(_, node) {
      checkTag(node);
    },
    Map(_, node) {
      checkTag(node);
    },
    Seq(_, node) {
      checkTag(node);
    },
  });
  return found;
}

function firstAliasOffset(doc: Document.Parsed): number | undefined {
  let offset: number | undefined;
  visit(doc, {
    Alias(_, alias) {
      offset = startOf(alias);
      return visit.BREAK;
    },
  });
  return offset;
}

/** The scalar key that starts at `offset`, if any. */
/** The field path of a duplicate key (other YAML errors are about text, not fields). */
function keyPathOf(doc: Document.Parsed, code: string, offset: number): Array<string | number> {
  return code === 'DUPLICATE_KEY' ? fieldPathOfKey(doc, offset) ?? [] : [];
}

/**
 * The field path of the mapping key that starts at `offset` (e.g. a duplicate key:
 * `services[0].selector.app`), or undefined when no key starts there. Walks the parsed
 * tree (the composer keeps both duplicates), so the path is the one a reader sees.
 */
function fieldPathOfKey(doc: Document.Parsed, offset: number): Array<string | number> | undefined {
  const stack: Array<{ node: unknown; path: Array<string | number> }> = [{ node: doc.contents, path: [] }];
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
        if (key === undefined) {
          continue;
        }
        if (isScalar(pair.key) && pair.key.range?.[0] === offset) {
          return [...path, key];
        }
        stack.push({ node: pair.value, path: [...path, key] });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => stack.push({ node: item, path: [...path, i] }));
    }
  }
  return undefined;
}

function keyAt(doc: Document.Parsed, offset: number): string | undefined {
  let found: string | undefined;
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.range?.[0] === offset) {
        found = String(pair.key.value);
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

/** The first node nested deeper than the limit, walking without recursion. */
function findTooDeep(root: YamlNode): YamlNode | undefined {
  const stack: Array<{ node: unknown; depth: number }> = [{ node: root, depth: 1 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (!isCollection(node)) {
      continue;
    }
    if (depth > MAX_CATALOG_DEPTH) {
      return node;
    }
    for (const item of node.items as unknown[]) {
      if (isPair(item)) {
        stack.push({ node: item.key, depth: depth + 1 });
        stack.push({ node: item.value, depth: depth + 1 });
      } else {
        stack.push({ node: item, depth: depth + 1 });
      }
    }
  }
  return undefined;
}

/**
 * Source offset of a field path in the document: the value node when it exists (or its key,
 * for unknown fields), else the nearest ancestor that exists (a missing required field
 * points at the mapping that lacks it).
 */
function locatePath(doc: Document.Parsed, path: ReadonlyArray<string | number>, preferKey: boolean): number | undefined {
  let node: unknown = doc.contents;
  let best: number | undefined = startOf(node);
  for (let i = 0; i < path.length; i++) {
    if (isAlias(node)) {
      node = node.resolve(doc);
    }
    const segment = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find(item => keyMatches(item.key, segment));
      if (!pair) {
        return best;
      }
      const keyStart = startOf(pair.key);
      const valueStart = startOf(pair.value);
      if (last) {
        // Unknown fields and whole lists/mappings are named by their key; scalars by value.
        const atKey = preferKey || isCollection(pair.value) || isAlias(pair.value);
        return (atKey ? keyStart : valueStart ?? keyStart) ?? best;
      }
      best = valueStart ?? keyStart ?? best;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      const itemStart = startOf(item);
      if (item === undefined || item === null) {
        return best;
      }
      best = itemStart ?? best;
      node = item;
    } else {
      return best;
    }
  }
  return best;
}

function keyMatches(key: unknown, segment: string | number): boolean {
  const value = isScalar(key) ? key.value : key;
  return value === segment || String(value) === String(segment);
}

function startOf(node: unknown): number | undefined {
  if (node && typeof node === 'object' && 'range' in node) {
    const range = (node as { range?: [number, number, number] | null }).range;
    return range ? range[0] : undefined;
  }
  return undefined;
}
