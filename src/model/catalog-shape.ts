/**
 * The shape check of a catalog value against the generated JSON Schema (ajv), with one
 * clear message per problem: a field path, what was expected and what was found.
 */
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import { dedupe, LocatedProblem, MAX_CATALOG_DEPTH, sortByPath } from './catalog-problems';
import { CATALOG_SCHEMA } from './catalog-schema.generated';
import { suggest } from './names';

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
