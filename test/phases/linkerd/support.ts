/** Test helpers of the linkerd phase: synthesize it, find objects. */
import { Testing } from 'cdk8s';
import { ServiceCatalog } from '../../../src/model/catalog';
import { CatalogSpec } from '../../../src/model/types';
import { LinkerdPhase, LinkerdPhaseOptions } from '../../../src/phases/linkerd';
import { Manifest } from '../../support/synth';

export interface LinkerdSynth {
  readonly manifests: Manifest[];
  readonly phase: LinkerdPhase;
  readonly catalog: ServiceCatalog;
}

/** The linkerd phase of a catalog, as plain objects. */
export function synthLinkerd(catalog: ServiceCatalog | CatalogSpec, options: LinkerdPhaseOptions = {}): LinkerdSynth {
  const model = catalog instanceof ServiceCatalog ? catalog : ServiceCatalog.fromSpec(catalog);
  const chart = Testing.chart();
  const phase = new LinkerdPhase(chart, 'linkerd', { ...options, catalog: model });
  return { manifests: Testing.synth(chart), phase, catalog: model };
}

/** Objects of a kind (optionally of one API group), in emission order. */
export function ofKind(manifests: Manifest[], kind: string, group?: string): Manifest[] {
  return manifests.filter(m => m.kind === kind && (group === undefined || String(m.apiVersion).split('/')[0] === group));
}

/** One object by kind, namespace and name (throws when absent). */
export function find(manifests: Manifest[], kind: string, namespace: string | undefined, name: string, group?: string): Manifest {
  const found = ofKind(manifests, kind, group).find(m => m.metadata?.namespace === namespace && m.metadata?.name === name);
  if (!found) {
    throw new Error(`no ${kind} ${namespace ?? ''}/${name}; have: ${ofKind(manifests, kind, group).map(m => `${m.metadata?.namespace}/${m.metadata?.name}`).join(', ')}`);
  }
  return found;
}

/** Names of the objects of a kind in a namespace, sorted. */
export function names(manifests: Manifest[], kind: string, namespace: string, group?: string): string[] {
  return ofKind(manifests, kind, group).filter(m => m.metadata?.namespace === namespace).map(m => m.metadata.name).sort();
}

export const POLICY = 'policy.linkerd.io';
export const GATEWAY = 'gateway.networking.k8s.io';
