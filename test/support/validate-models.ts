/**
 * Validates emitted objects with the independent `kubernetes-models` packages (their own
 * schemas, not our bindings). Pinned to the 4.x line, which loads under ts-jest.
 */
/* eslint-disable @typescript-eslint/no-require-imports */

/** apiVersion/kind → module exporting a model class named after the kind. */
const MODELS: Record<string, string> = {
  'v1/Namespace': 'kubernetes-models/v1/Namespace',
  'v1/Service': 'kubernetes-models/v1/Service',
  'v1/ServiceAccount': 'kubernetes-models/v1/ServiceAccount',
  'apps/v1/Deployment': 'kubernetes-models/apps/v1/Deployment',
  'networking.k8s.io/v1/NetworkPolicy': 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy',
  'cert-manager.io/v1/Certificate': '@kubernetes-models/cert-manager/cert-manager.io/v1/Certificate',
  'cert-manager.io/v1/ClusterIssuer': '@kubernetes-models/cert-manager/cert-manager.io/v1/ClusterIssuer',
  'cert-manager.io/v1/Issuer': '@kubernetes-models/cert-manager/cert-manager.io/v1/Issuer',
  'trust.cert-manager.io/v1alpha1/Bundle': '@kubernetes-models/cert-manager/trust.cert-manager.io/v1alpha1/Bundle',
  'monitoring.coreos.com/v1/PrometheusRule': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule',
};

/**
 * Validates each object against its `kubernetes-models` schema.
 * @returns one message per invalid object or unknown kind (empty when all are valid)
 */
export function validateWithModels(objects: any[]): string[] {
  const problems: string[] = [];
  for (const obj of objects) {
    const label = `${obj.kind} ${obj.metadata?.namespace ? obj.metadata.namespace + '/' : ''}${obj.metadata?.name}`;
    const modulePath = MODELS[`${obj.apiVersion}/${obj.kind}`];
    if (!modulePath) {
      problems.push(`${label}: no model for ${obj.apiVersion}`);
      continue;
    }
    const Model = require(modulePath)[obj.kind];
    try {
      new Model(obj).validate();
    } catch (e) {
      problems.push(`${label}: ${(e as Error).message}`);
    }
  }
  return problems;
}
