/**
 * Writing a synthesized phase to disk: one file per object, a kustomization.yaml, and
 * an atomic swap so that a failure never leaves half an output behind.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { compareStrings } from '../model/compare';

/** Where an object goes: `<namespace or cluster>/<kind>-<name>.yaml`. */
export function objectFileName(obj: any): string {
  const kind = String(obj.kind ?? 'object').toLowerCase();
  const name = String(obj.metadata?.name ?? 'unnamed');
  const folder = obj.metadata?.namespace ?? '_cluster';
  return `${folder}/${kind}-${name}.yaml`;
}

const YAML_OPTIONS = { aliasDuplicateObjects: false, lineWidth: 0 } as const;

/** Stable YAML for one object: no anchors, no line folding, keys as emitted. */
export function toYaml(obj: unknown): string {
  return blockYaml(obj) ?? YAML.stringify(obj, YAML_OPTIONS);
}

// ---------------------------------------------------------------------------------------
// A fast path for `YAML.stringify(obj, YAML_OPTIONS)` on plain JSON manifests.
//
// Serializing dominates synthesis (the yaml package builds a whole document model first).
// Manifests are maps, lists and one-line scalars, whose block layout is fixed: so the
// layout is written here directly, and every distinct scalar is rendered once by the yaml
// package itself (quoting rules stay yaml's). Anything else — multi-line or
// indentation-sensitive strings, long keys, non-plain values, very deep nesting — returns
// undefined and the caller uses the yaml package for the whole object. The output is
// byte-identical either way (test/determinism.test.ts compares them).
// ---------------------------------------------------------------------------------------

/** Scalars rendered by the yaml package, by kind; `null` marks a scalar this path leaves alone. */
const scalarCache = {
  values: new Map<string, string | null>(),
  keys: new Map<string, string | null>(),
  numbers: new Map<number, string | null>(),
};
/** Keeps a long-running process from growing the caches without bound. */
const MAX_CACHED_SCALARS = 200_000;
const MAX_BLOCK_DEPTH = 100;

class NotBlockYaml extends Error {}
const NOT_BLOCK = new NotBlockYaml();

/** The whole rendering of `obj` if it is a plain JSON map or list, else undefined. */
function blockYaml(obj: unknown): string | undefined {
  try {
    // Pieces joined once: one flat string, not a rope of thousands of small ones.
    const out: string[] = [];
    if (Array.isArray(obj)) {
      if (obj.length === 0) {
        return '[]\n';
      }
      blockSeq(out, obj, '', '', 0);
      return out.join('');
    }
    if (isPlainMap(obj)) {
      const keys = Object.keys(obj);
      if (keys.length === 0) {
        return '{}\n';
      }
      blockMap(out, obj, keys, '', '', 0);
      return out.join('');
    }
    return undefined;
  } catch (e) {
    if (e === NOT_BLOCK) {
      return undefined;
    }
    throw e;
  }
}

function isPlainMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

/** A non-empty map; its first line starts with `first`, the others with `indent`. */
function blockMap(out: string[], map: Record<string, unknown>, keys: readonly string[], first: string, indent: string, depth: number): void {
  if (depth > MAX_BLOCK_DEPTH || typeof map.toJSON === 'function') {
    throw NOT_BLOCK;
  }
  const inner = indent + '  ';
  let prefix = first;
  for (const key of keys) {
    const value = map[key];
    const k = keyText(key);
    if (Array.isArray(value) && value.length > 0) {
      out.push(prefix, k, ':\n');
      blockSeq(out, value, inner, inner, depth + 1);
    } else if (isPlainMap(value)) {
      const childKeys = Object.keys(value);
      if (childKeys.length > 0) {
        out.push(prefix, k, ':\n');
        blockMap(out, value, childKeys, inner, inner, depth + 1);
      } else {
        out.push(prefix, k, ': {}\n');
      }
    } else {
      out.push(prefix, k, ': ', scalarText(value), '\n');
    }
    prefix = indent;
  }
}

/** A non-empty list; its first line starts with `first`, the others with `indent`. */
function blockSeq(out: string[], items: readonly unknown[], first: string, indent: string, depth: number): void {
  if (depth > MAX_BLOCK_DEPTH) {
    throw NOT_BLOCK;
  }
  const inner = indent + '  ';
  let prefix = first;
  for (let i = 0; i < items.length; i++) {
    if (!(i in items)) {
      throw NOT_BLOCK;
    }
    const item = items[i];
    if (Array.isArray(item) && item.length > 0) {
      blockSeq(out, item, prefix + '- ', inner, depth + 1);
    } else if (isPlainMap(item)) {
      const keys = Object.keys(item);
      if (keys.length > 0) {
        blockMap(out, item, keys, prefix + '- ', inner, depth + 1);
      } else {
        out.push(prefix, '- {}\n');
      }
    } else {
      out.push(prefix, '- ', scalarText(item), '\n');
    }
    prefix = indent;
  }
}

/**
 * Strings the yaml package always writes as they are: a letter, then letters, digits and
 * `_./-`, and not one of the words the core schema reads as a boolean or null (numbers
 * start with a digit, a sign or a dot). Everything else asks the yaml package.
 */
const ALWAYS_PLAIN = /^[A-Za-z][A-Za-z0-9_./-]{0,200}$/;
const CORE_SCHEMA_WORDS = new Set(['null', 'Null', 'NULL', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE']);

function isAlwaysPlain(text: string): boolean {
  return ALWAYS_PLAIN.test(text) && !CORE_SCHEMA_WORDS.has(text);
}

function scalarText(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return isAlwaysPlain(value) ? value : cached(scalarCache.values, value, stringValueText);
    case 'number':
      // Map keys do not tell -0 from 0.
      return Object.is(value, -0) ? numberText(value)! : cached(scalarCache.numbers, value, numberText);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) {
        return 'null';
      }
      if (Array.isArray(value)) {
        return '[]';
      }
      throw NOT_BLOCK;
    default:
      throw NOT_BLOCK;
  }
}

function keyText(key: string): string {
  return isAlwaysPlain(key) ? key : cached(scalarCache.keys, key, keyTextOf);
}

function cached<K>(cache: Map<K, string | null>, key: K, render: (key: K) => string | undefined): string {
  let text = cache.get(key);
  if (text === undefined) {
    if (cache.size >= MAX_CACHED_SCALARS) {
      cache.clear();
    }
    text = render(key) ?? null;
    cache.set(key, text);
  }
  if (text === null) {
    throw NOT_BLOCK;
  }
  return text;
}

/**
 * How the yaml package writes `value` as a map value, or undefined unless that is one
 * line and the same at every depth and as a list item.
 */
function stringValueText(value: string): string | undefined {
  if (value.includes('\n') || value.includes('\r')) {
    return undefined;
  }
  const top = between(YAML.stringify({ k: value }, YAML_OPTIONS), 'k: ', '\n');
  const nested = between(YAML.stringify({ k: { k: value } }, YAML_OPTIONS), 'k:\n  k: ', '\n');
  const item = between(YAML.stringify([value], YAML_OPTIONS), '- ', '\n');
  return top !== undefined && top === nested && top === item ? top : undefined;
}

function keyTextOf(key: string): string | undefined {
  if (key.includes('\n') || key.includes('\r') || key.length > 512) {
    return undefined;
  }
  const top = between(YAML.stringify({ [key]: 0 }, YAML_OPTIONS), '', ': 0\n');
  const nested = between(YAML.stringify({ k: { [key]: 0 } }, YAML_OPTIONS), 'k:\n  ', ': 0\n');
  return top !== undefined && top === nested && !top.startsWith('?') ? top : undefined;
}

function numberText(value: number): string | undefined {
  return Number.isFinite(value) ? between(YAML.stringify({ k: value }, YAML_OPTIONS), 'k: ', '\n') : undefined;
}

/** The text between a known prefix and suffix, if it is one line. */
function between(text: string, prefix: string, suffix: string): string | undefined {
  if (!text.startsWith(prefix) || !text.endsWith(suffix) || text.length < prefix.length + suffix.length) {
    return undefined;
  }
  const middle = text.slice(prefix.length, text.length - suffix.length);
  return middle.length > 0 && !middle.includes('\n') ? middle : undefined;
}

/** The files of one phase directory, keyed by relative path, in sorted order. */
export function renderPhaseFiles(objects: readonly any[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const obj of objects) {
    const file = objectFileName(obj);
    if (files.has(file)) {
      throw new Error(`two objects map to ${file}: ${obj.apiVersion} ${obj.kind} ${obj.metadata?.namespace ?? ''}/${obj.metadata?.name}`);
    }
    files.set(file, toYaml(obj));
  }
  const sorted = new Map([...files.entries()].sort(([a], [b]) => compareStrings(a, b)));
  const kustomization = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: [...sorted.keys()],
  };
  sorted.set('kustomization.yaml', '# Generated by mesh-ladder. Apply with: kubectl apply -k .\n' + toYaml(kustomization));
  return sorted;
}

/**
 * Replaces `target` with a directory holding `files`, atomically as far as the file
 * system allows: everything is written to a sibling temporary directory first, then
 * swapped in with renames. On any error the old `target` stays as it was.
 */
export function writeDirectoryAtomically(target: string, files: ReadonlyMap<string, string>): void {
  const parent = path.dirname(path.resolve(target));
  fs.mkdirSync(parent, { recursive: true });
  const staging = fs.mkdtempSync(path.join(parent, `.${path.basename(target)}.new-`));
  try {
    for (const [rel, content] of files) {
      const file = path.join(staging, rel);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content);
    }
  } catch (e) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw e;
  }
  const backup = `${staging}.old`;
  const hadTarget = fs.existsSync(target);
  if (hadTarget) {
    fs.renameSync(target, backup);
  }
  try {
    fs.renameSync(staging, target);
  } catch (e) {
    if (hadTarget) {
      fs.renameSync(backup, target);
    }
    fs.rmSync(staging, { recursive: true, force: true });
    throw e;
  }
  if (hadTarget) {
    fs.rmSync(backup, { recursive: true, force: true });
  }
}
