import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { isL7, serviceHost } from './names';
import { serviceHttpRoutes } from './routes';
import * as istio from '../../../imports/networking.istio.io';
import { ServiceCatalog } from '../../model/catalog';
import { constructId, serviceLabels } from '../common';
import { bindingAt } from '../plain-api-object';

/** Properties of `IstioVirtualServices`. */
export interface IstioVirtualServicesProps {
  /** The validated service catalog. */
  readonly catalog: ServiceCatalog;
}

/**
 * One VirtualService per service with an HTTP, HTTP/2 or gRPC port, for host
 * `<name>.<namespace>.svc.<clusterDomain>`:
 * - one HTTP route per catalog route, matched by method, path or gRPC method, most
 *   specific first, then a catch-all route for every other request;
 * - EVERY route carries an explicit `retries` block (without one, Istio retries twice,
 *   also after the server may have processed the request): idempotent routes get their
 *   configured retries (or none), non-idempotent routes and the catch-all get
 *   `attempts: 0` unless they opted into conditions that fire before the request left;
 * - every route has a timeout (its own or `istio.defaultTimeout`);
 * - canary versions become weighted destinations to the DestinationRule's subsets, or to
 *   the Service that backs a version (its host, no subset);
 * - header-routed versions come first: the routes again, matching the version's headers
 *   too, to that version only, with its timeout;
 * - a fault scoped to headers gets its own route just before the route it tests.
 *
 * Headers exist only on HTTP ports: the model refuses header-routed versions of a service
 * without one.
 */
export class IstioVirtualServices extends Construct {
  private readonly byService = new Map<string, ApiObject>();

  public constructor(scope: Construct, id: string, props: IstioVirtualServicesProps) {
    super(scope, id);
    const VirtualServiceAtRelease = bindingAt(props.catalog._resolved.platform, 'VirtualService.networking.istio.io', istio.VirtualService);
    const model = props.catalog._resolved;
    for (const service of model.services) {
      if (service.clientOnly || !service.ports.some(p => isL7(p.protocol))) {
        continue;
      }
      this.byService.set(service.id, new VirtualServiceAtRelease(this, constructId(service.id), {
        metadata: { name: service.name, namespace: service.namespace, labels: serviceLabels(service) },
        spec: {
          hosts: [serviceHost(model, service)],
          http: serviceHttpRoutes(model, service),
        },
      }));
    }
  }

  /**
   * The VirtualService of a service (none for services without HTTP ports).
   * @param serviceId `namespace/name`
   */
  public virtualServiceFor(serviceId: string): ApiObject | undefined {
    return this.byService.get(serviceId);
  }
}
