/** Shape tests for values read from YAML or emitted manifests (untyped JSON). */

/** The API group of a Kubernetes `apiVersion` (`''` for the core group, or when it is not a string). */
export function apiGroup(apiVersion: unknown): string {
  return typeof apiVersion === 'string' && apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
}

/** A JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
