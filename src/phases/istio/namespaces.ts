import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { INJECTION_LABEL } from './names';
import { ServiceCatalog } from '../../model/catalog';
import { constructId, MANAGED_BY_LABELS } from '../common';

/** Properties of `IstioNamespaces`. */
export interface IstioNamespacesProps {
  /** The validated service catalog. */
  readonly catalog: ServiceCatalog;
}

/**
 * A Namespace object for every owned namespace, with the catalog's labels and
 * `istio-injection: enabled` so that every pod started there gets a sidecar.
 *
 * Workloads in namespaces the catalog does not own need injection too: label their pod
 * templates `sidecar.istio.io/inject: "true"` (or the namespace, if you may).
 */
export class IstioNamespaces extends Construct {
  private readonly byName = new Map<string, ApiObject>();

  public constructor(scope: Construct, id: string, props: IstioNamespacesProps) {
    super(scope, id);
    for (const ns of props.catalog._resolved.namespaces.filter(n => n.owned)) {
      this.byName.set(ns.name, new k8s.KubeNamespace(this, constructId(ns.name), {
        metadata: { name: ns.name, labels: { ...MANAGED_BY_LABELS, ...ns.labels, [INJECTION_LABEL]: 'enabled' } },
      }));
    }
  }

  /** The Namespace object of an owned namespace. */
  public namespace(name: string): ApiObject | undefined {
    return this.byName.get(name);
  }
}
