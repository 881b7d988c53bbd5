/** Test helpers: synthesize a phase to plain objects, write and edit NetworkPolicies by hand. */
import { Testing } from 'cdk8s';
import { ServiceCatalog } from '../../src/model/catalog';
import { CatalogSpec } from '../../src/model/types';
import { BaselinePhase, BaselinePhaseOptions } from '../../src/phases/baseline';

/** A Kubernetes object as plain JSON. */
export type Manifest = Record<string, any>;

/** The baseline phase's manifests (certificates off unless asked for). */
export function synthBaseline(catalog: ServiceCatalog | CatalogSpec, options: BaselinePhaseOptions = {}): Manifest[] {
  const model = catalog instanceof ServiceCatalog ? catalog : ServiceCatalog.fromSpec(catalog);
  const chart = Testing.chart();
  new BaselinePhase(chart, 'baseline', { certificates: false, ...options, catalog: model });
  return Testing.synth(chart);
}

/** A hand-written NetworkPolicy. */
export function networkPolicy(namespace: string, name: string, spec: Record<string, unknown>): Manifest {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec };
}

export function isNetworkPolicyManifest(m: Manifest): boolean {
  return m.kind === 'NetworkPolicy';
}

/** Finds a NetworkPolicy by namespace and name (throws when absent). */
export function findPolicy(manifests: Manifest[], namespace: string, name: string): Manifest {
  const found = manifests.find(m => isNetworkPolicyManifest(m) && m.metadata?.namespace === namespace && m.metadata?.name === name);
  if (!found) {
    throw new Error(`no NetworkPolicy ${namespace}/${name}`);
  }
  return found;
}

/** A deep copy of `manifests` with one ingress or egress rule of one policy removed. */
export function withoutRule(manifests: Manifest[], namespace: string, name: string, direction: 'ingress' | 'egress', index: number): Manifest[] {
  const copy: Manifest[] = JSON.parse(JSON.stringify(manifests));
  const policy = findPolicy(copy, namespace, name);
  const rules: unknown[] = policy.spec[direction];
  if (!rules || index >= rules.length) {
    throw new Error(`NetworkPolicy ${namespace}/${name} has no ${direction}[${index}]`);
  }
  rules.splice(index, 1);
  return copy;
}
