/**
 * The service description: plain readonly data shared by the TypeScript API and the YAML
 * catalog. The catalog's JSON Schema is generated from these interfaces
 * (scripts/gen-schema.ts), so a field added here is a catalog key too.
 *
 * Durations are strings in Go/Kubernetes notation (`500ms`, `2s`, `1h30m`, `2160h`),
 * because that is what both YAML authors and the emitted manifests use.
 *
 * This file is the one entry point: the types live in ./spec/ by topic, each file
 * importing only the ones listed before it here (no circles), and every importer and
 * the schema generator read them through this file.
 */
export * from './spec/ports-routes';
export * from './spec/calls';
export * from './spec/certificates';
export * from './spec/services';
export * from './spec/phase-settings';
export * from './spec/catalog';
