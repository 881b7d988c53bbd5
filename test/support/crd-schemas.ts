/**
 * Validates emitted objects against the upstream CRDs' JSON Schemas in
 * `../shared/crds/jsonschema/<group>/<kind>_<version>.json` (via the CI script's
 * validator). Tests must pass without `../shared`: then nothing is checked here and
 * `checked` is false (the typed `imports/` bindings still constrain what is emitted).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { validateManifests } from '../../scripts/validate-manifests';

/** The schema folder beside the project, when present. */
export const CRD_SCHEMAS_DIR = path.resolve(__dirname, '..', '..', '..', 'shared', 'crds', 'jsonschema');

export interface CrdValidation {
  /** False when the schema folder is absent (nothing was checked). */
  readonly checked: boolean;
  /** Objects checked. */
  readonly objects: number;
  /** One line per invalid object and error (empty when all are valid). */
  readonly problems: string[];
}

/** Validates every object against its kind's JSON Schema (kinds without one are problems). */
export function validateWithCrdSchemas(objects: ReadonlyArray<unknown>): CrdValidation {
  if (!fs.existsSync(CRD_SCHEMAS_DIR)) {
    return { checked: false, objects: 0, problems: [] };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-ladder-crd-'));
  try {
    const file = path.join(dir, 'objects.json');
    fs.writeFileSync(file, JSON.stringify(objects));
    const lines: string[] = [];
    const report = validateManifests([file], { schemasDir: CRD_SCHEMAS_DIR, log: line => lines.push(line) });
    const problems = lines.filter(l => l.startsWith('FAIL') || l.startsWith('     '));
    return { checked: true, objects: report.objects, problems: report.invalid > 0 ? problems : [] };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
