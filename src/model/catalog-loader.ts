/**
 * The YAML front door of the model: parse a catalog file, check its shape against the
 * generated JSON Schema, resolve it, and report every problem at once with its field path
 * and file:line:column. The stages live apart: `catalog-yaml` (YAML with positions),
 * `catalog-shape` (schema check and its messages), `catalog-problems` (format, order).
 *
 * Internal (not re-exported from the package index): plain TypeScript, unions allowed.
 */
import { dedupe, LocatedProblem, sortByLine, SourcePosition } from './catalog-problems';
import { checkCatalogShape } from './catalog-shape';
import { readCatalogYaml } from './catalog-yaml';
import { resolveCatalog } from './resolve';
import { ResolvedCatalog } from './resolved';
import { CatalogSpec } from './types';

export { formatProblem, MAX_CATALOG_BYTES, MAX_CATALOG_DEPTH } from './catalog-problems';
export type { LocatedProblem, SourcePosition } from './catalog-problems';
export { checkCatalogShape, createShapeChecker } from './catalog-shape';
export { decodeCatalogBytes } from './catalog-yaml';

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

/**
 * Parse, shape-check and resolve a YAML catalog. Never throws on bad input: every problem
 * (YAML syntax, shape, semantics) comes back in `problems`, with file:line:column.
 * Syntax errors stop before the shape check (the data would be partial); shape errors
 * stop before resolving (resolution assumes the right shape).
 */
export function parseCatalogYaml(text: string, fileName: string): CatalogParseResult {
  const { source, problems: yamlProblems } = readCatalogYaml(text, fileName);
  if (!source) {
    return { problems: yamlProblems };
  }
  const locate = (p: { severity: 'error' | 'warning'; path: Array<string | number>; message: string }): LocatedProblem =>
    ({ severity: p.severity, path: p.path, message: p.message, ...source.locate(p.path, p.message.startsWith('unknown field')) });

  const shape = checkCatalogShape(source.value).map(locate);
  if (shape.some(p => p.severity === 'error')) {
    return { problems: sortByLine(dedupe([...yamlProblems, ...shape])) };
  }

  const spec = source.value as CatalogSpec;
  const { catalog, issues } = resolveCatalog(spec);
  const problems = sortByLine(dedupe([...yamlProblems, ...shape, ...issues.map(locate)]));
  const hasErrors = problems.some(p => p.severity === 'error');
  return { spec, catalog: hasErrors ? undefined : catalog, problems, locate: path => source.locate(path, false) };
}
