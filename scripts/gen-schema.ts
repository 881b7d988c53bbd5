/**
 * Generates the catalog JSON Schema from the model types (src/model/types.ts, `CatalogSpec`;
 * the generator follows its `export *` into src/model/spec/, where the types live by topic).
 *
 * Outputs (both committed, so a fresh clone compiles, runs the CLI, the benchmark and the
 * cdk8s app with no earlier task; `compile` regenerates them first):
 * - `catalog.schema.json` at the repository root, shipped in the npm package for editors
 *   (`# yaml-language-server: $schema=./node_modules/cdk8s-mesh-ladder/catalog.schema.json`);
 * - `src/model/catalog-schema.generated.ts`, the same schema as a module for the loader.
 *
 * `--check` writes nothing and fails when either file differs from what the types give
 * (the test task runs it, like CI's API.md check: `npm test` never rewrites the tree).
 *
 * Every object is closed (`additionalProperties: false`): a misspelt key must be an error,
 * never a silently dropped policy. Numbers in the model are all integral (ports, weights,
 * attempts) and get integer types and ranges here, since types.ts cannot carry schema tags.
 *
 * Usage: npx projen gen:schema          (write)
 *        npx projen check:schema        (verify, exit 1 when stale)
 */
import * as fs from 'fs';
import * as path from 'path';
import { createGenerator } from 'ts-json-schema-generator';
import * as modelTypes from '../src/model/types';

const ROOT = path.join(__dirname, '..');
const TYPES_FILE = path.join(ROOT, 'src', 'model', 'types.ts');
export const SCHEMA_JSON_FILE = path.join(ROOT, 'catalog.schema.json');
export const SCHEMA_MODULE_FILE = path.join(ROOT, 'src', 'model', 'catalog-schema.generated.ts');

const SCHEMA_ID = 'urn:cdk8s-mesh-ladder:catalog';
const SCHEMA_TITLE = 'cdk8s-mesh-ladder service catalog';

type Json = any;

interface IntegerRule {
  readonly minimum?: number;
  readonly maximum?: number;
  /** A share like 0.5 (percent): stays `number`, only the range applies. */
  readonly fractional?: boolean;
}

const PORT_RANGE: IntegerRule = { minimum: 1, maximum: 65535 };

/**
 * Integer fields by property name (wherever they occur). Any other `number` left in the
 * schema fails the script, so a new numeric field forces a decision here.
 */
const INTEGER_FIELDS: Record<string, IntegerRule> = {
  port: PORT_RANGE,
  ports: PORT_RANGE,
  targetPort: PORT_RANGE,
  controlPlanePorts: PORT_RANGE,
  weight: { minimum: 0, maximum: 100 },
  attempts: { minimum: 0 },
  percent: { minimum: 0, maximum: 100, fractional: true },
  tracingSampling: { minimum: 0, maximum: 100, fractional: true },
  maxEjectionPercent: { minimum: 0, maximum: 100, fractional: true },
  httpStatus: { minimum: 200, maximum: 599 },
  maxConnections: { minimum: 1 },
  http1MaxPendingRequests: { minimum: 1 },
  http2MaxRequests: { minimum: 1 },
  maxRequestsPerConnection: { minimum: 1 },
  maxRetries: { minimum: 0 },
  consecutive5xxErrors: { minimum: 1 },
  replicas: { minimum: 0 },
  tracedServices: { minimum: 0 },
  proxyExperts: { minimum: 0 },
};

/** Numeric schema nodes whose type was decided by a rule (fractional ones stay `number`). */
const DECIDED = new WeakSet<object>();

/** Plain token defaults (`2160h`, `cert-manager.io`) are real values; anything else is prose. */
const TOKEN_DEFAULT = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;

/** Build the schema object (not yet serialized). */
export function buildCatalogSchema(): Json {
  const generator = createGenerator({
    path: TYPES_FILE,
    tsconfig: path.join(ROOT, 'tsconfig.json'),
    type: 'CatalogSpec',
    expose: 'export',
    topRef: true,
    jsDoc: 'extended',
    additionalProperties: false,
    // types.ts is type-checked by the build itself; skipping here keeps this fast.
    skipTypeCheck: true,
  });
  const generated: Json = generator.createSchema('CatalogSpec');
  const definitions: Record<string, Json> = generated.definitions ?? {};

  for (const [name, def] of Object.entries(definitions)) {
    fixDefinition(name, def, definitions);
  }
  const leftover = findNumberTypes(definitions, []);
  if (leftover.length > 0) {
    throw new Error(`gen-schema: numeric fields without an integer rule: ${leftover.join(', ')} (add them to INTEGER_FIELDS)`);
  }
  for (const [name, def] of Object.entries(definitions)) {
    if (def.type === 'object' && def.properties && def.additionalProperties !== false) {
      throw new Error(`gen-schema: ${name} is not closed (additionalProperties must be false)`);
    }
  }

  return canonicalize({
    $schema: generated.$schema ?? 'http://json-schema.org/draft-07/schema#',
    $id: SCHEMA_ID,
    title: SCHEMA_TITLE,
    description: definitions.CatalogSpec?.description,
    $ref: '#/definitions/CatalogSpec',
    definitions,
  });
}

function fixDefinition(defName: string, def: Json, definitions: Record<string, Json>): void {
  if (!def || typeof def !== 'object' || !def.properties) {
    return;
  }
  for (const [prop, schema] of Object.entries<Json>(def.properties)) {
    const rule = INTEGER_FIELDS[prop];
    // `ports` of a service is a list of PortSpec objects, not numbers: rules apply to numeric leaves only.
    if (rule && !isReference(schema.type === 'array' ? schema.items : schema)) {
      applyIntegerRule(schema.type === 'array' ? schema.items : schema, rule, `${defName}.${prop}`);
    }
    fixDefault(schema, definitions);
  }
}

function isReference(schema: Json): boolean {
  return !!schema && typeof schema.$ref === 'string';
}

function applyIntegerRule(schema: Json, rule: IntegerRule, where: string): void {
  if (!schema || !schema.type) {
    throw new Error(`gen-schema: ${where} has no type to make integral`);
  }
  DECIDED.add(schema);
  if (rule.fractional && (schema.type === 'number' || (Array.isArray(schema.type) && schema.type.includes('number')))) {
    // Keep `number`.
  } else if (schema.type === 'number') {
    schema.type = 'integer';
  } else if (Array.isArray(schema.type) && schema.type.includes('number')) {
    schema.type = schema.type.map((t: string) => (t === 'number' ? 'integer' : t));
  } else {
    throw new Error(`gen-schema: ${where} is not numeric (${JSON.stringify(schema.type)})`);
  }
  if (rule.minimum !== undefined) {
    schema.minimum = rule.minimum;
  }
  if (rule.maximum !== undefined) {
    schema.maximum = rule.maximum;
  }
}

/**
 * jsii `@default` tags are often prose (`- the service name`). Keep a `default` only when it
 * is a value of the field's type; otherwise move the text into the description, where
 * editors still show it.
 */
function fixDefault(schema: Json, definitions: Record<string, Json>): void {
  if (!('default' in schema)) {
    return;
  }
  let value = schema.default;
  const enumDef = typeof schema.$ref === 'string' ? definitions[schema.$ref.replace('#/definitions/', '')] : undefined;
  if (enumDef?.enum && typeof value === 'string') {
    // `PortProtocol.TCP` → `tcp`, using the enum itself.
    const member = /^(\w+)\.(\w+)$/.exec(value);
    const enumObject = member ? (modelTypes as Record<string, any>)[member[1]] : undefined;
    if (enumObject && typeof enumObject[member![2]] === 'string') {
      value = enumObject[member![2]];
    }
  }
  const isValue =
    (schema.type === 'boolean' && typeof value === 'boolean') ||
    (schema.type === 'string' && typeof value === 'string' && TOKEN_DEFAULT.test(value)) ||
    (enumDef?.enum && enumDef.enum.includes(value));
  if (isValue) {
    schema.default = value;
    return;
  }
  delete schema.default;
  const prose = String(value).replace(/^-\s*/, '');
  const base = schema.description ? `${schema.description} ` : '';
  schema.description = `${base}Default: ${prose}.`.replace(/\.\.$/, '.');
}

function findNumberTypes(node: Json, at: string[]): string[] {
  if (Array.isArray(node)) {
    return node.flatMap((item, i) => findNumberTypes(item, [...at, String(i)]));
  }
  if (!node || typeof node !== 'object') {
    return [];
  }
  const found: string[] = [];
  const type = node.type;
  if (!DECIDED.has(node) && (type === 'number' || (Array.isArray(type) && type.includes('number')))) {
    found.push(at.join('.'));
  }
  for (const [key, value] of Object.entries(node)) {
    found.push(...findNumberTypes(value, [...at, key]));
  }
  return found;
}

/** Sort object keys recursively (arrays keep their order, except `required`). */
function canonicalize(node: Json): Json {
  if (Array.isArray(node)) {
    return node.map(canonicalize);
  }
  if (!node || typeof node !== 'object') {
    return node;
  }
  const out: Record<string, Json> = {};
  for (const key of Object.keys(node).sort()) {
    const value = node[key];
    out[key] = key === 'required' && Array.isArray(value) ? [...value].sort() : canonicalize(value);
  }
  return out;
}

/** The two file contents, exactly as written. */
export function renderOutputs(schema: Json): { json: string; module: string } {
  const body = JSON.stringify(schema, null, 2);
  return {
    json: body + '\n',
    module: [
      '/* eslint-disable */',
      '// Generated by scripts/gen-schema.ts from src/model/types.ts (npx projen gen:schema). Do not edit.',
      `export const CATALOG_SCHEMA: any = ${body};`,
      '',
    ].join('\n'),
  };
}

/** Write a file only when its content changed (keeps timestamps and watchers quiet). */
function writeIfChanged(file: string, content: string): boolean {
  if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === content) {
    return false;
  }
  fs.writeFileSync(file, content);
  return true;
}

function main(): void {
  const { json, module } = renderOutputs(buildCatalogSchema());
  const rel = (f: string) => path.relative(ROOT, f);
  if (process.argv.includes('--check')) {
    const stale = [SCHEMA_JSON_FILE, SCHEMA_MODULE_FILE].filter((file, i) => !fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== (i === 0 ? json : module));
    if (stale.length > 0) {
      console.error(`gen-schema: ${stale.map(rel).join(', ')} ${stale.length === 1 ? 'is' : 'are'} stale: the catalog types (src/model/types.ts, src/model/spec/) changed; run 'npx projen gen:schema' and commit the result`);
      process.exitCode = 1;
      return;
    }
    console.log('gen-schema: catalog schema up to date');
    return;
  }
  const changed = [SCHEMA_JSON_FILE, SCHEMA_MODULE_FILE].filter((file, i) => writeIfChanged(file, i === 0 ? json : module));
  console.log(changed.length > 0 ? `gen-schema: wrote ${changed.map(rel).join(', ')}` : 'gen-schema: catalog schema up to date');
}

if (require.main === module) {
  main();
}
