/**
 * Which construct builds which phase. Adding a backend is adding its folder and one
 * entry here.
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

type BackendFactory = (scope: Construct, id: string, catalog: ServiceCatalog, options: PhaseBackendOptions) => Construct;

export const PHASE_BACKENDS: Record<Phase, BackendFactory> = {
  [Phase.BASELINE]: (scope, id, catalog, options) => new BaselinePhase(scope, id, { catalog, ...options.baseline }),
  [Phase.CILIUM]: (scope, id, catalog, options) => new CiliumPhase(scope, id, { catalog, ...options.cilium }),
  [Phase.LINKERD]: (scope, id, catalog, options) => new LinkerdPhase(scope, id, { catalog, ...options.linkerd }),
  [Phase.ISTIO]: (scope, id, catalog, options) => new IstioPhase(scope, id, { catalog, ...options.istio }),
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
