/**
 * Problems with a catalog (located by field path and file position), their one-line
 * format and their order; the size limits every reader of a catalog enforces.
 */
import { compareStrings } from './compare';
import { formatPath } from './resolved';

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

/** Problems in field-path order (the shape check's order). */
export function sortByPath(problems: LocatedProblem[]): LocatedProblem[] {
  return [...problems].sort((a, b) => comparePaths(a.path, b.path) || compareStrings(a.severity, b.severity) || compareStrings(a.message, b.message));
}

/** Problems in file order (line, column), then by path: what a reader of the file sees. */
export function sortByLine(problems: LocatedProblem[]): LocatedProblem[] {
  const far = Number.MAX_SAFE_INTEGER;
  return [...problems].sort((a, b) =>
    (a.line ?? far) - (b.line ?? far) ||
    (a.column ?? far) - (b.column ?? far) ||
    comparePaths(a.path, b.path) ||
    compareStrings(a.severity, b.severity) ||
    compareStrings(a.message, b.message));
}

/** Problems without repeats (same severity, path, message and position). */
export function dedupe(problems: LocatedProblem[]): LocatedProblem[] {
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
