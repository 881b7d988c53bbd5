import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { DEFAULT_TRAFFIC_POLICY } from './defaults';
import { serviceHost } from './names';
import * as istio from '../../../imports/networking.istio.io';
import { constructId, serviceLabels } from '../../emit/common';
import { bindingAt } from '../../emit/plain-api-object';
import { ServiceCatalog } from '../../model/catalog';
import { formatSeconds } from '../../model/duration';
import { ResolvedTrafficPolicy } from '../../model/resolved';

/** Properties of `IstioDestinationRules`. */
export interface IstioDestinationRulesProps {
  /** The validated service catalog. */
  readonly catalog: ServiceCatalog;
}

/**
 * One DestinationRule per service (not client-only):
 * - `tls.mode: ISTIO_MUTUAL`: sidecars talk mTLS with mesh certificates;
 * - connection pool and outlier detection: the library defaults, overridden by
 *   `istio.trafficPolicy`, overridden by the service's `trafficPolicy`;
 * - one subset per canary version with pods of its own, selected by the version's labels
 *   (a version backed by another Service is routed to that Service's host instead).
 */
export class IstioDestinationRules extends Construct {
  private readonly byService = new Map<string, ApiObject>();

  public constructor(scope: Construct, id: string, props: IstioDestinationRulesProps) {
    super(scope, id);
    const DestinationRuleAtRelease = bindingAt(props.catalog._resolved.platform, 'DestinationRule.networking.istio.io', istio.DestinationRule);
    const model = props.catalog._resolved;
    for (const service of model.services) {
      if (service.clientOnly) {
        continue;
      }
      const p: Required<ResolvedTrafficPolicy> = { ...DEFAULT_TRAFFIC_POLICY, ...model.istio.trafficPolicy, ...service.trafficPolicy };
      this.byService.set(service.id, new DestinationRuleAtRelease(this, constructId(service.id), {
        metadata: { name: service.name, namespace: service.namespace, labels: serviceLabels(service) },
        spec: {
          host: serviceHost(model, service),
          trafficPolicy: {
            tls: { mode: istio.DestinationRuleSpecTrafficPolicyTlsMode.ISTIO_UNDERSCORE_MUTUAL },
            connectionPool: {
              tcp: { maxConnections: p.maxConnections, ...seconds('connectTimeout', p.connectTimeoutMs) },
              http: {
                http1MaxPendingRequests: p.http1MaxPendingRequests,
                http2MaxRequests: p.http2MaxRequests,
                // 0 means unlimited (keep-alive); Istio's default, so it is left out.
                ...(p.maxRequestsPerConnection > 0 ? { maxRequestsPerConnection: p.maxRequestsPerConnection } : {}),
                maxRetries: p.maxRetries,
                ...seconds('idleTimeout', p.idleTimeoutMs),
              },
            },
            outlierDetection: {
              consecutive5XxErrors: p.consecutive5xxErrors,
              ...seconds('interval', p.intervalMs),
              ...seconds('baseEjectionTime', p.baseEjectionTimeMs),
              maxEjectionPercent: p.maxEjectionPercent,
            },
          },
          ...(service.versions.some(v => v.backend === undefined)
            ? { subsets: service.versions.filter(v => v.backend === undefined).map(v => ({ name: v.name, labels: { ...v.labels } })) }
            : {}),
        },
      }));
    }
  }

  /**
   * The DestinationRule of a service.
   * @param serviceId `namespace/name`
   */
  public destinationRuleFor(serviceId: string): ApiObject | undefined {
    return this.byService.get(serviceId);
  }
}

/** `{ [field]: '<n>s' }`, or nothing for 0 (Istio's schema wants durations of at least 1ms). */
function seconds<K extends string>(field: K, ms: number): Partial<Record<K, string>> {
  return ms > 0 ? { [field]: formatSeconds(ms) } as Record<K, string> : {};
}
