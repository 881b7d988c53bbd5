/**
 * How each backend synthesizes: which construct builds which phase, and what it reports.
 * Adding a backend is adding its folder and one entry here (and its analysis entry in
 * `src/analysis/backends.ts`; `src/backends.ts` joins the two).
 */
import { Construct } from 'constructs';
import { BaselinePhase } from './baseline';
import { BaselinePhaseOptions } from './baseline/options';
import { CiliumPhase } from './cilium';
import { CiliumPhaseOptions } from './cilium/options';
import { IstioPhase } from './istio';
import { IstioPhaseOptions } from './istio/options';
import { LinkerdPhase } from './linkerd';
import { LinkerdPhaseOptions } from './linkerd/options';
import { ServiceCatalog } from '../model/catalog';
import { Phase } from '../model/phase';
import { PlatformSpec } from '../model/types';

/** Options for every backend, keyed by phase; each backend reads its own. */
export interface PhaseBackendOptions {
  readonly baseline?: BaselinePhaseOptions;
  readonly cilium?: CiliumPhaseOptions;
  readonly istio?: IstioPhaseOptions;
  readonly linkerd?: LinkerdPhaseOptions;
}

/** A phase's construct with what it reports: every backend reports the same things. */
export interface BuiltPhase {
  /** The construct that emitted the phase's objects. */
  readonly construct: Construct;
  /** What the backend could express only partly (each begins with the service id). */
  readonly warnings: readonly string[];
  /** What the catalog chose to leave out of this phase (e.g. `l7Fallback: skip`). */
  readonly notes: readonly string[];
}

/** How one backend synthesizes its phase. */
export interface SynthesisBackend {
  readonly phase: Phase;
  /** Builds the phase's construct under `scope` from the catalog and the backend's own options. */
  build(scope: Construct, id: string, catalog: ServiceCatalog, options: PhaseBackendOptions): BuiltPhase;
}

/** A phase construct as every backend builds one: it reports warnings, and notes where it leaves something out. */
type PhaseConstruct = Construct & { readonly warnings: string[]; readonly notes?: string[] };

/** The synthesis half of a backend from the construct it builds. */
function synthesisBackend(
  phase: Phase, construct: (scope: Construct, id: string, catalog: ServiceCatalog, options: PhaseBackendOptions) => PhaseConstruct,
): SynthesisBackend {
  return {
    phase,
    build: (scope, id, catalog, options) => {
      const built = construct(scope, id, catalog, options);
      return { construct: built, warnings: built.warnings, notes: built.notes ?? [] };
    },
  };
}

export const PHASE_BACKENDS: Record<Phase, SynthesisBackend> = {
  [Phase.BASELINE]: synthesisBackend(Phase.BASELINE, (scope, id, catalog, options) => new BaselinePhase(scope, id, { catalog, ...options.baseline })),
  [Phase.CILIUM]: synthesisBackend(Phase.CILIUM, (scope, id, catalog, options) => new CiliumPhase(scope, id, { catalog, ...options.cilium })),
  [Phase.LINKERD]: synthesisBackend(Phase.LINKERD, (scope, id, catalog, options) => new LinkerdPhase(scope, id, { catalog, ...options.linkerd })),
  [Phase.ISTIO]: synthesisBackend(Phase.ISTIO, (scope, id, catalog, options) => new IstioPhase(scope, id, { catalog, ...options.istio })),
};

/**
 * The catalog a chart synthesizes (and the analysis proves) a phase from: `platform` over
 * the catalog's releases, each phase's options over the catalog's settings section of the
 * same name, exactly as if the catalog said them (so `cilium` options reach the Cilium
 * layer under a mesh as the catalog's `cilium` section does).
 */
export function chartCatalog(catalog: ServiceCatalog, options: PhaseBackendOptions & { readonly platform?: PlatformSpec } = {}): ServiceCatalog {
  const targeted = options.platform ? catalog.withPlatform(options.platform) : catalog;
  return targeted.withSettings({ baseline: options.baseline, cilium: options.cilium, linkerd: options.linkerd, istio: options.istio });
}
