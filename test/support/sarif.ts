/**
 * Validates SARIF logs against the OASIS SARIF 2.1.0 JSON Schema as the
 * `@microsoft/jest-sarif` package ships it (sarif-2.1.0-rtm.5.json, read from
 * node_modules, never copied). The schema is draft-04; ajv 8 reads it once its draft-04
 * `id` is given as `$id` (it uses no other draft-04-only keyword).
 */
import * as fs from 'fs';
import Ajv, { ValidateFunction } from 'ajv';

let validator: ValidateFunction | undefined;

function sarifValidator(): ValidateFunction {
  if (!validator) {
    const file = require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
    const { $schema: _draft, id, ...schema } = JSON.parse(fs.readFileSync(file, 'utf8'));
    // Formats (uri, date-time) are not checked: ajv-formats is no dependency of this package.
    // The schema's language pattern `^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$` is no valid `u` regex.
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, unicodeRegExp: false });
    validator = ajv.compile({ ...schema, $id: id });
  }
  return validator;
}

/** The schema violations of a SARIF log (empty when it is valid). */
export function sarifErrors(log: unknown): string[] {
  const validate = sarifValidator();
  return validate(log) ? [] : (validate.errors ?? []).map(e => `${e.instancePath} ${e.message}`);
}

/** The 1-based line of the first line of `text` that contains `needle` (after line `after`). */
export function lineOf(text: string, needle: string, after = 0): number {
  const lines = text.split('\n');
  const index = lines.findIndex((line, i) => i >= after && line.includes(needle));
  if (index < 0) {
    throw new Error(`"${needle}" is not in the text`);
  }
  return index + 1;
}
