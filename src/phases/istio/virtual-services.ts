import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { isL7, serviceHost } from './names';
import { routeRetries, serviceHttpRoutes, unsupportedRetryConditions } from './routes';
import * as istio from '../../../imports/networking.istio.io';
import { constructId, PhaseCapabilityError, reportDegradation, serviceLabels } from '../../emit/common';
import { bindingAt } from '../../emit/plain-api-object';
import { ServiceCatalog } from '../../model/catalog';
import { L7Fallback } from '../../model/types';

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
  /** What the targeted Istio release cannot say and is emitted safer (retry conditions). */
  public readonly degradations: string[] = [];
  private readonly byService = new Map<string, ApiObject>();

  public constructor(scope: Construct, id: string, props: IstioVirtualServicesProps) {
    super(scope, id);
    const VirtualServiceAtRelease = bindingAt(props.catalog._resolved.platform, 'VirtualService.networking.istio.io', istio.VirtualService);
    const model = props.catalog._resolved;
    const refused: string[] = [];
    for (const service of model.services) {
      if (service.clientOnly || !service.ports.some(p => isL7(p.protocol))) {
        continue;
      }
      for (const route of service.routes) {
        const dropped = unsupportedRetryConditions(route, model.platform);
        if (dropped.length === 0) {
          continue;
        }
        const left = routeRetries(route, model.platform);
        const message = `${service.id} route ${route.name}: retryOn ${dropped.join(', ')} is accepted from Istio 1.23 (platform.istio is ${model.platform.istio}; `
          + 'istiod would reject the whole VirtualService and Istio\'s default retries would apply)';
        refused.push(message);
        reportDegradation(this, this.degradations, `${message}: ${left.attempts === 0 ? 'retries off (attempts: 0)' : `retried on ${left.retryOn} only`}`);
      }
      this.byService.set(service.id, new VirtualServiceAtRelease(this, constructId(service.id), {
        metadata: { name: service.name, namespace: service.namespace, labels: serviceLabels(service) },
        spec: {
          hosts: [serviceHost(model, service)],
          http: serviceHttpRoutes(model, service),
        },
      }));
    }
    if (refused.length > 0 && model.l7Fallback === L7Fallback.REFUSE) {
      throw new PhaseCapabilityError(`the istio phase cannot emit ${refused.length} route(s) as declared for Istio ${model.platform.istio}:\n`
        + refused.map(r => `  - ${r}`).join('\n')
        + '\n  Target Istio 1.23 or later (platform.istio), remove reset-before-request from the routes\' retries.on, '
        + 'or set "l7Fallback: skip" to emit them without it (listed by `mesh-ladder check` and `mesh-ladder targets`).');
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
