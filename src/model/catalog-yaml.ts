/**
 * A catalog file read as YAML with positions: its bytes decoded, its text parsed (syntax
 * errors, unsupported YAML features, absurd nesting or aliases refused with file:line:col)
 * into plain data, and every field path of that data placed back in the file.
 */
import { Document, LineCounter, Node as YamlNode, isAlias, isCollection, isMap, isPair, isScalar, isSeq, parseDocument, visit } from 'yaml';
import { dedupe, LocatedProblem, MAX_CATALOG_BYTES, MAX_CATALOG_DEPTH, sortByLine, SourcePosition } from './catalog-problems';

/** Alias expansions allowed while converting YAML to data (guards against "billion laughs"). */
const MAX_ALIAS_COUNT = 100;
/** YAML syntax errors listed before the rest are summarized. */
const MAX_YAML_ERRORS = 50;

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

/** A catalog's YAML as plain data, with where each field path of it is in the file. */
export interface YamlCatalogSource {
  /** The data (not yet shape-checked). */
  readonly value: unknown;
  /**
   * Where a field path is in the file: the value when it exists (its key for an unknown
   * field, `preferKey`), else the nearest ancestor that exists; the file alone otherwise.
   */
  readonly locate: (path: ReadonlyArray<string | number>, preferKey: boolean) => SourcePosition;
}

/** What reading a catalog's YAML gave: the data when it is usable, and the YAML's own problems. */
export interface YamlReadResult {
  /** Set when the YAML parsed into data a shape check can read (only warnings in `problems`). */
  readonly source?: YamlCatalogSource;
  /** YAML errors and warnings, sorted by line (when `source` is unset, they say why). */
  readonly problems: LocatedProblem[];
}

/** Positions in one file: by line and column, or by offset in the text. */
interface Placer {
  at(line?: number, column?: number): SourcePosition;
  position(offset: number): SourcePosition;
}

/**
 * Reads a catalog's YAML into data. Never throws on bad input: syntax errors stop before
 * the data is built (it would be partial); so do a top level that is not a mapping,
 * nesting deeper than MAX_CATALOG_DEPTH, unsupported YAML and aliases that expand too much.
 */
export function readCatalogYaml(text: string, fileName: string): YamlReadResult {
  const at = (line?: number, column?: number) => (line === undefined ? { file: fileName } : { file: fileName, line, column });
  const lineCounter = new LineCounter();
  const place: Placer = {
    at,
    position: (offset: number) => {
      const { line, col } = lineCounter.linePos(offset);
      return at(line, col);
    },
  };
  const refused = refuseText(text, place);
  if (refused) {
    return { problems: [refused] };
  }
  const parsed = parseYaml(text, lineCounter, place);
  if ('severity' in parsed) {
    return { problems: [parsed] };
  }
  const doc = parsed;
  const yamlProblems = syntaxProblems(doc, text, place);
  if (doc.errors.length > 0) {
    return { problems: sortByLine(dedupe(yamlProblems)) };
  }
  const unfit = topLevelProblem(doc, place);
  if (unfit) {
    return { problems: sortByLine([...yamlProblems, unfit]) };
  }
  const unsupported = unsupportedYaml(doc).map(u => ({ severity: 'error' as const, path: [], message: u.message, ...(u.offset === undefined ? at() : place.position(u.offset)) }));
  if (unsupported.length > 0) {
    return { problems: sortByLine(dedupe([...yamlProblems, ...unsupported])) };
  }
  const data = toData(doc, place);
  if ('problem' in data) {
    return { problems: sortByLine([...yamlProblems, data.problem]) };
  }
  const locate = (path: ReadonlyArray<string | number>, preferKey: boolean): SourcePosition => {
    const offset = locatePath(doc, path, preferKey);
    return offset === undefined ? at() : place.position(offset);
  };
  return { source: { value: data.value, locate }, problems: yamlProblems };
}

/** A text too big for a catalog, or binary data (which parses as one long scalar): say what it is. */
function refuseText(text: string, place: Placer): LocatedProblem | undefined {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_CATALOG_BYTES) {
    return { severity: 'error', path: [], message: `file is ${bytes} bytes; catalogs are limited to ${MAX_CATALOG_BYTES} bytes (5 MiB)`, ...place.at() };
  }
  const control = NON_PRINTABLE.exec(text);
  if (control) {
    const { line, column } = lineAndColumn(text, control.index);
    const code = control[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    return { severity: 'error', path: [], message: `the file contains the non-printable character U+${code}; a catalog is UTF-8 text (is this a binary file?)`, ...place.at(line, column) };
  }
  return undefined;
}

/** The parsed document, or the one problem of absurd nesting. */
function parseYaml(text: string, lineCounter: LineCounter, place: Placer): Document.Parsed | LocatedProblem {
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true, uniqueKeys: true });
  } catch (e) {
    // Pathological nesting can exhaust the parser's stack before any depth check runs.
    if (e instanceof RangeError) {
      return { severity: 'error', path: [], message: `nesting is deeper than ${MAX_CATALOG_DEPTH} levels`, ...place.at() };
    }
    throw e;
  }
  // The composer recovers from stack exhaustion node by node, so absurd nesting shows up as
  // thousands of identical errors: report it once.
  const overflow = doc.errors.find(e => /call stack/i.test(e.message));
  if (overflow) {
    return { severity: 'error', path: [], message: `nesting is deeper than ${MAX_CATALOG_DEPTH} levels`, ...place.position(overflow.pos[0]) };
  }
  return doc;
}

/** The parser's errors (at most MAX_YAML_ERRORS, then a count) and warnings. */
function syntaxProblems(doc: Document.Parsed, text: string, place: Placer): LocatedProblem[] {
  const yamlProblems: LocatedProblem[] = [];
  for (const error of doc.errors.slice(0, MAX_YAML_ERRORS)) {
    yamlProblems.push({ severity: 'error', path: keyPathOf(doc, error.code, error.pos[0]), message: yamlErrorMessage(doc, error.code, error.message, text, error.pos), ...place.position(error.pos[0]) });
  }
  if (doc.errors.length > MAX_YAML_ERRORS) {
    const rest = doc.errors.length - MAX_YAML_ERRORS;
    yamlProblems.push({ severity: 'error', path: [], message: `${rest} more YAML error${rest === 1 ? '' : 's'} not shown`, ...place.position(doc.errors[MAX_YAML_ERRORS].pos[0]) });
  }
  for (const warning of doc.warnings) {
    yamlProblems.push({ severity: 'warning', path: keyPathOf(doc, warning.code, warning.pos[0]), message: yamlErrorMessage(doc, warning.code, warning.message, text, warning.pos), ...place.position(warning.pos[0]) });
  }
  return yamlProblems;
}

/** An empty document, a top level that is not a mapping, or nesting deeper than the limit. */
function topLevelProblem(doc: Document.Parsed, place: Placer): LocatedProblem | undefined {
  const contents = doc.contents;
  if (contents === null || (isScalar(contents) && (contents.value === null || contents.value === undefined))) {
    return { severity: 'error', path: [], message: 'the catalog is empty: expected a mapping with a "services" list', ...place.at(1, 1) };
  }
  if (!isMap(contents)) {
    const scalar = isScalar(contents) ? contents.value : null;
    const shown = typeof scalar === 'string' && scalar.length > 40 ? `${scalar.slice(0, 40)}…` : scalar;
    const got = isSeq(contents) ? 'a list' : isAlias(contents) ? 'an alias' : `a scalar (${JSON.stringify(shown) ?? String(shown)})`;
    const start = contents.range ? place.position(contents.range[0]) : place.at(1, 1);
    return { severity: 'error', path: [], message: `the top level must be a mapping with a "services" list, got ${got}`, ...start };
  }
  const deep = findTooDeep(contents);
  if (deep) {
    const start = deep.range ? place.position(deep.range[0]) : place.at();
    return { severity: 'error', path: [], message: `nesting is deeper than ${MAX_CATALOG_DEPTH} levels`, ...start };
  }
  return undefined;
}

/** The document as plain data, or the problem of aliases that expand too much. */
function toData(doc: Document.Parsed, place: Placer): { value: unknown } | { problem: LocatedProblem } {
  try {
    return { value: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) };
  } catch (e) {
    if (e instanceof ReferenceError || e instanceof RangeError) {
      const firstAlias = firstAliasOffset(doc);
      const where = firstAlias === undefined ? place.at() : place.position(firstAlias);
      return { problem: { severity: 'error', path: [], message: `aliases expand too much (${(e as Error).message}); a catalog needs at most ${MAX_ALIAS_COUNT} alias expansions`, ...where } };
    }
    throw e;
  }
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
