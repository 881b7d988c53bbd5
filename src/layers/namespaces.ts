import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { constructId, MANAGED_BY_LABELS } from '../emit/common';
import { ServiceCatalog } from '../model/catalog';

/** Properties of `NamespaceLayer`. */
export interface NamespaceLayerProps {
  /** The validated service catalog. */
  readonly catalog: ServiceCatalog;
  /**
   * Labels every owned namespace gets besides the catalog's (e.g. a mesh's injection label).
   * @default - none
   */
  readonly labels?: Record<string, string>;
  /**
   * Annotations every owned namespace gets (e.g. a mesh's injection annotation).
   * @default - none
   */
  readonly annotations?: Record<string, string>;
}

/**
 * A Namespace object for every owned namespace, with the catalog's labels plus what the
 * phase needs (mesh injection). Injection takes effect for pods created afterwards:
 * restart the workloads after applying. Namespaces the catalog does not own get no
 * object; each phase documents what their pod templates need instead.
 */
export class NamespaceLayer extends Construct {
  private readonly byName = new Map<string, ApiObject>();

  public constructor(scope: Construct, id: string, props: NamespaceLayerProps) {
    super(scope, id);
    const annotations = props.annotations && Object.keys(props.annotations).length > 0 ? { ...props.annotations } : undefined;
    for (const ns of props.catalog._resolved.namespaces.filter(n => n.owned)) {
      this.byName.set(ns.name, new k8s.KubeNamespace(this, constructId(ns.name), {
        metadata: {
          name: ns.name,
          labels: { ...MANAGED_BY_LABELS, ...ns.labels, ...props.labels },
          ...(annotations ? { annotations } : {}),
        },
      }));
    }
  }

  /** The Namespace object of an owned namespace, as an escape hatch. */
  public namespace(name: string): ApiObject | undefined {
    return this.byName.get(name);
  }
}
