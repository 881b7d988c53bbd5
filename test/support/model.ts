/**
 * Model helpers for tests: a catalog's findings as `path: message` lines, and the
 * resolved model of a catalog that must be valid.
 */
import { resolveCatalog } from '../../src/model/resolve';
import { formatPath, ModelIssue, ResolvedCatalog } from '../../src/model/resolved';
import { CatalogSpec } from '../../src/model/types';

/** Findings of one severity, as `services[0].calls[1].peer: message`. */
export function problems(spec: unknown, severity: ModelIssue['severity'] = 'error'): string[] {
  return resolveCatalog(spec as CatalogSpec).issues.filter(i => i.severity === severity).map(i => `${formatPath(i.path)}: ${i.message}`);
}

/** The resolved model; fails the test when the catalog has errors. */
export function resolved(spec: CatalogSpec): ResolvedCatalog {
  const { catalog, issues } = resolveCatalog(spec);
  expect(issues.filter(i => i.severity === 'error')).toEqual([]);
  return catalog!;
}
