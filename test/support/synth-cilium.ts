/** Test helper: synthesize the cilium phase to plain objects. */
import { Testing } from 'cdk8s';
import { Manifest } from './synth';
import { ServiceCatalog } from '../../src/model/catalog';
import { CatalogSpec } from '../../src/model/types';
import { CiliumPhase, CiliumPhaseOptions } from '../../src/phases/cilium';

/** The cilium phase's manifests. */
export function synthCilium(catalog: ServiceCatalog | CatalogSpec, options: CiliumPhaseOptions = {}): Manifest[] {
  const model = catalog instanceof ServiceCatalog ? catalog : ServiceCatalog.fromSpec(catalog);
  const chart = Testing.chart();
  new CiliumPhase(chart, 'cilium', { ...options, catalog: model });
  return Testing.synth(chart);
}

/** Finds a Cilium policy by kind, namespace and name (throws when absent). */
export function findCiliumPolicy(manifests: Manifest[], namespace: string | undefined, name: string, kind = 'CiliumNetworkPolicy'): Manifest {
  const found = manifests.find(m => m.kind === kind && m.metadata?.namespace === namespace && m.metadata?.name === name);
  if (!found) {
    throw new Error(`no ${kind} ${namespace ?? ''}/${name}`);
  }
  return found;
}
