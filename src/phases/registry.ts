/**
 * Which construct builds which phase. Adding a backend is adding its folder and one
 * entry here.
 */
import { Construct } from 'constructs';
import { BaselinePhase } from './baseline';
import { BaselinePhaseOptions } from './baseline/options';
import { Phase } from './phase';
import { ServiceCatalog } from '../model/catalog';

/** Options for every backend, keyed by phase; each backend reads its own. */
export interface PhaseBackendOptions {
  readonly baseline?: BaselinePhaseOptions;
}

type BackendFactory = (scope: Construct, id: string, catalog: ServiceCatalog, options: PhaseBackendOptions) => Construct;

export const PHASE_BACKENDS: Record<Phase, BackendFactory> = {
  [Phase.BASELINE]: (scope, id, catalog, options) => new BaselinePhase(scope, id, { catalog, ...options.baseline }),
};
