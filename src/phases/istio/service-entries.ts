import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { egressServiceEntries, EgressServiceEntry } from './egress-service-entries';
import * as istio from '../../../imports/networking.istio.io';
import { constructId, MANAGED_BY_LABELS } from '../../emit/common';
import { bindingAt } from '../../emit/plain-api-object';
import { ServiceCatalog } from '../../model/catalog';

/** Properties of `IstioServiceEntries`. */
export interface IstioServiceEntriesProps {
  /** The validated service catalog. */
  readonly catalog: ServiceCatalog;
}

/**
 * ServiceEntries for calls that leave the mesh (sidecars run with
 * `outboundTrafficPolicy: REGISTRY_ONLY`, so anything not in the registry is refused):
 * - a `host` call: `MESH_EXTERNAL`, resolution DNS (NONE for `*.` wildcards, which
 *   cannot be resolved), its ports with protocol TLS, HTTP, HTTP2, GRPC or TCP; TCP
 *   ports of a host with `cidrs` are limited to those addresses;
 * - a `cidr` call: the range minus its exclusions as `addresses`, resolution NONE, TCP;
 * - a call to a world peer (the world, a partner range) or to the API server with
 *   `cidrs`: `peer-<peer>`, the peer's ranges as `addresses`, resolution NONE, TCP.
 * One entry per namespace and target (calls of versions included), exported to that
 * namespace only; UDP ports are left out (sidecars do not capture UDP; the L4 layer
 * governs it). The API server is also reached through its `kubernetes` Service.
 */
export class IstioServiceEntries extends Construct {
  /** @internal What was emitted, in order. */
  public readonly _entries: ReadonlyArray<EgressServiceEntry>;
  private readonly byKey = new Map<string, ApiObject>();

  public constructor(scope: Construct, id: string, props: IstioServiceEntriesProps) {
    super(scope, id);
    const ServiceEntryAtRelease = bindingAt(props.catalog._resolved.platform, 'ServiceEntry.networking.istio.io', istio.ServiceEntry);
    this._entries = egressServiceEntries(props.catalog._resolved);
    for (const e of this._entries) {
      this.byKey.set(`${e.namespace}/${e.name}`, new ServiceEntryAtRelease(this, constructId(e.namespace, e.name), {
        metadata: { name: e.name, namespace: e.namespace, labels: { ...MANAGED_BY_LABELS } },
        spec: {
          hosts: [e.host],
          ...(e.addresses.length > 0 ? { addresses: [...e.addresses] } : {}),
          location: istio.ServiceEntrySpecLocation.MESH_UNDERSCORE_EXTERNAL,
          resolution: e.resolution,
          ports: e.ports.map(p => ({ ...p })),
          exportTo: ['.'],
        },
      }));
    }
  }

  /**
   * A ServiceEntry by namespace and object name.
   * @param namespace namespace of the callers
   * @param name object name (`external-<host>` or `external-cidr-<range>`)
   */
  public entry(namespace: string, name: string): ApiObject | undefined {
    return this.byKey.get(`${namespace}/${name}`);
  }
}
