import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ServiceCatalog } from '../../model/catalog';
import { constructId, MANAGED_BY_LABELS } from '../common';
import { plainDataApiObject } from '../plain-api-object';

/** KubeNamespace with the plain-data synthesis shortcut (same output, less work). */
const NamespaceObject = plainDataApiObject(k8s.KubeNamespace, k8s.toJson_KubeNamespaceProps);

/** Properties of `BaselineNamespaces`. */
export interface BaselineNamespacesProps {
  /** The validated service catalog. */
  readonly catalog: ServiceCatalog;
}

/** A Namespace object, with the catalog's labels, for every owned namespace. */
export class BaselineNamespaces extends Construct {
  private readonly byName = new Map<string, ApiObject>();

  public constructor(scope: Construct, id: string, props: BaselineNamespacesProps) {
    super(scope, id);
    for (const ns of props.catalog._resolved.namespaces.filter(n => n.owned)) {
      this.byName.set(ns.name, new NamespaceObject(this, constructId(ns.name), {
        metadata: { name: ns.name, labels: { ...MANAGED_BY_LABELS, ...ns.labels } },
      }));
    }
  }

  /** The Namespace object of an owned namespace. */
  public namespace(name: string): ApiObject | undefined {
    return this.byName.get(name);
  }
}
