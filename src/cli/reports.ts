/** `mesh-ladder assess` and `mesh-ladder graph`: reports over the catalog and its output. */
import * as fs from 'fs';
import * as YAML from 'yaml';
import { EmittedCount, formatAssessment } from '../analysis/assess';
import { assessCatalog, defaultNamespace, proveReachability, renderGraph, renderGraphReport } from '../catalog-analysis';
import { MeshLadderChart } from '../chart';
import { PhaseCapabilityError } from '../emit/common';
import { ServiceCatalog } from '../model/catalog';
import { ALL_PHASES, Phase } from '../model/phase';

/** Reads `namespace/name: pods` (or `name: pods` for the default namespace) from YAML or JSON. */
export function readReplicasFile(file: string, catalog: ServiceCatalog): Record<string, number> {
  const problems: string[] = [];
  let data: unknown;
  try {
    data = YAML.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new Error(`${file}: expected a mapping of service (namespace/name) to number of pods`);
  }
  const known = new Set(catalog.serviceIds);
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    const id = key.includes('/') ? key : `${defaultNamespace(catalog)}/${key}`;
    if (!known.has(id)) {
      problems.push(`${file}: ${key}: unknown service (known: ${[...known].join(', ')})`);
    } else if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      problems.push(`${file}: ${key}: pods must be a whole number of at least 0, got ${JSON.stringify(value)}`);
    } else {
      out[id] = value;
    }
  }
  if (problems.length > 0) {
    throw new Error(problems.join('\n'));
  }
  return out;
}

/** Objects each phase emits for the catalog, or why it cannot. */
export function emittedCounts(catalog: ServiceCatalog): EmittedCount[] {
  return ALL_PHASES.map(phase => {
    try {
      return { phase, objects: MeshLadderChart.manifests(catalog, phase).length };
    } catch (e) {
      if (e instanceof PhaseCapabilityError) {
        return { phase, error: e.message.split('\n')[0] };
      }
      throw e;
    }
  });
}

export function assessReport(catalog: ServiceCatalog, replicas: Record<string, number> | undefined, format: 'markdown' | 'json'): string {
  const assessment = assessCatalog(catalog, { replicas, emitted: emittedCounts(catalog) });
  return format === 'json' ? JSON.stringify(assessment, null, 2) + '\n' : formatAssessment(assessment);
}

export function graphReport(catalog: ServiceCatalog, phase: Phase, format: 'mermaid' | 'dot' | 'markdown'): string {
  switch (format) {
    case 'mermaid':
    case 'dot':
      return renderGraph(catalog, phase, format);
    case 'markdown':
      return renderGraphReport(catalog, phase, proveReachability(catalog, phase, MeshLadderChart.manifests(catalog, phase)));
  }
}
