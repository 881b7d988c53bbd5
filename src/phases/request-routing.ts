/**
 * Request-level features a phase may lack: header routes to a version (with the
 * version's timeout) need a proxy that picks a destination per request; header-scoped
 * faults need fault injection too. Phases without them refuse the catalog
 * (`l7Fallback: refuse`, the default) or leave them out as the catalog chose
 * (`l7Fallback: skip`), listed as notes, never silently. Shared by the backends (it knows no mesh);
 * internal: not re-exported from the index.
 */
import { PhaseCapabilityError } from '../emit/common';
import { ResolvedCatalog } from '../model/resolved';
import { L7Fallback } from '../model/types';

/** One request-level feature the phase cannot express. */
export interface UnroutableFeature {
  /** `namespace/name` of the service. */
  readonly serviceId: string;
  /** `version v2` or `route get-quote`. */
  readonly where: string;
  /** Catalog field, e.g. `versions[1].headers`. */
  readonly field: string;
  /** What it asks for, e.g. `x-canary=true`. */
  readonly what: string;
  /** What it needs: `request routing` or `fault injection`. */
  readonly needs: string;
  /** Phases that express it. */
  readonly phases: string;
  /** What happens when it is left out (`l7Fallback: skip`). */
  readonly skipped: string;
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

function formatHeaders(headers: Record<string, string>): string {
  return Object.keys(headers).sort().map(k => `${k}=${headers[k]}`).join(',');
}

/** What a phase can do with requests. */
export interface RequestRoutingSupport {
  /** The phase's name in messages, e.g. `cilium`. */
  readonly phase: string;
  /** Why it lacks what it lacks, e.g. `Cilium enforces policy but routes no request`. */
  readonly reason: string;
  /** Routes requests by header to a version. */
  readonly headerRoutes: boolean;
  /** Injects faults. */
  readonly faults: boolean;
}

/** Header routes, their timeouts and header-scoped faults of the catalog, in catalog order. */
export function unroutableFeatures(model: ResolvedCatalog, support: Pick<RequestRoutingSupport, 'headerRoutes' | 'faults'> = { headerRoutes: false, faults: false }): UnroutableFeature[] {
  const found: UnroutableFeature[] = [];
  for (const service of model.services) {
    service.versions.forEach((version, i) => {
      if (support.headerRoutes) {
        return;
      }
      if (Object.keys(version.headers).length > 0) {
        found.push({
          serviceId: service.id,
          where: `version ${version.name}`,
          field: `versions[${i}].headers`,
          what: `requests carrying ${formatHeaders(version.headers)} go to this version`,
          needs: 'request routing',
          phases: 'linkerd or istio',
          skipped: 'those requests are balanced over every version like the others',
        });
      }
      if (version.timeoutMs !== undefined) {
        found.push({
          serviceId: service.id,
          where: `version ${version.name}`,
          field: `versions[${i}].timeout`,
          what: `a ${formatMs(version.timeoutMs)} timeout for its header route`,
          needs: 'request routing',
          phases: 'linkerd or istio',
          skipped: 'no timeout is enforced',
        });
      }
    });
    for (const route of support.faults ? [] : service.routes) {
      if (route.fault && Object.keys(route.fault.headers).length > 0) {
        found.push({
          serviceId: service.id,
          where: `route ${route.name}`,
          field: 'fault.headers',
          what: `a fault for requests carrying ${formatHeaders(route.fault.headers)}`,
          needs: 'fault injection by header',
          phases: 'istio',
          skipped: 'no fault is injected',
        });
      }
    }
  }
  return found;
}

function describe(feature: UnroutableFeature): string {
  return `${feature.serviceId} ${feature.where}: ${feature.field} (${feature.what}) needs ${feature.needs}; use the ${feature.phases} phase`;
}

/**
 * Refuses the catalog when it asks for what the phase lacks (`l7Fallback: refuse`, the
 * default), or returns one note per feature that is left out (`l7Fallback: skip`): the
 * catalog chose the omission, so it is listed by `check`, not repeated as a warning.
 */
export function checkRequestRouting(model: ResolvedCatalog, support: RequestRoutingSupport): string[] {
  const features = unroutableFeatures(model, support);
  if (features.length === 0) {
    return [];
  }
  if (model.l7Fallback === L7Fallback.SKIP) {
    return features.map(f => `${describe(f)}. Left out (l7Fallback: skip): ${f.skipped}.`);
  }
  throw new PhaseCapabilityError(
    `the ${support.phase} phase cannot express ${features.length} request-level feature(s): ${support.reason}.\n`
    + features.map(f => `  - ${describe(f)}`).join('\n')
    + `\n  Or set "l7Fallback: skip" in the catalog to synthesize the ${support.phase} phase without them (listed by \`mesh-ladder check\`).`,
  );
}
