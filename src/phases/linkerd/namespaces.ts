import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { DEFAULT_INBOUND_POLICY_ANNOTATION, INJECT_ANNOTATION } from './constants';
import { LinkerdDefaultInboundPolicy } from './options';
import { ServiceCatalog } from '../../model/catalog';
import { constructId, MANAGED_BY_LABELS } from '../common';

/** Properties of `LinkerdNamespaces`. */
export interface LinkerdNamespacesProps {
  /** The validated service catalog. */
  readonly catalog: ServiceCatalog;
  /** Default inbound policy of the namespaces' pods. */
  readonly defaultInboundPolicy: LinkerdDefaultInboundPolicy;
}

/**
 * A Namespace object for every owned namespace, with `linkerd.io/inject: enabled` (the
 * proxy injector adds the proxy to every pod created there) and the default inbound
 * policy for ports no Server selects. Both take effect for pods created afterwards:
 * restart the workloads after applying.
 */
export class LinkerdNamespaces extends Construct {
  private readonly byName = new Map<string, ApiObject>();

  public constructor(scope: Construct, id: string, props: LinkerdNamespacesProps) {
    super(scope, id);
    for (const ns of props.catalog._resolved.namespaces.filter(n => n.owned)) {
      this.byName.set(ns.name, new k8s.KubeNamespace(this, constructId(ns.name), {
        metadata: {
          name: ns.name,
          labels: { ...MANAGED_BY_LABELS, ...ns.labels },
          annotations: {
            [DEFAULT_INBOUND_POLICY_ANNOTATION]: props.defaultInboundPolicy,
            [INJECT_ANNOTATION]: 'enabled',
          },
        },
      }));
    }
  }

  /** The Namespace object of an owned namespace, as an escape hatch. */
  public namespace(name: string): ApiObject | undefined {
    return this.byName.get(name);
  }
}
