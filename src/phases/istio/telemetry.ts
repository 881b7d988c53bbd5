import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { perServiceName, TELEMETRY_NAME } from './names';
import * as tel from '../../../imports/telemetry.istio.io';
import { constructId, MANAGED_BY_LABELS, serviceLabels } from '../../emit/common';
import { bindingAt } from '../../emit/plain-api-object';
import { ServiceCatalog } from '../../model/catalog';

/** Properties of `IstioTelemetry`. */
export interface IstioTelemetryProps {
  /** The validated service catalog; emits nothing unless `istio.tracingSampling` is set. */
  readonly catalog: ServiceCatalog;
}

/**
 * Tracing sampling: with the catalog's `istio.tracingSampling`, a Telemetry object
 * (`randomSamplingPercentage`) per owned namespace, and per service in namespaces the
 * catalog does not own (so the setting never reaches workloads outside the catalog).
 * Uses the mesh's default tracing provider.
 */
export class IstioTelemetry extends Construct {
  /** The emitted Telemetry objects, in order. */
  public readonly objects: ApiObject[] = [];

  public constructor(scope: Construct, id: string, props: IstioTelemetryProps) {
    super(scope, id);
    const TelemetryAtRelease = bindingAt(props.catalog._resolved.platform, 'Telemetry.telemetry.istio.io', tel.Telemetry);
    const model = props.catalog._resolved;
    const sampling = model.istio.tracingSampling;
    if (sampling === undefined) {
      return;
    }
    const tracing = [{ randomSamplingPercentage: sampling }];
    const owned = new Set(model.namespaces.filter(n => n.owned).map(n => n.name));
    for (const ns of [...owned].sort()) {
      this.objects.push(new TelemetryAtRelease(this, constructId(ns), {
        metadata: { name: TELEMETRY_NAME, namespace: ns, labels: { ...MANAGED_BY_LABELS } },
        spec: { tracing },
      }));
    }
    for (const service of model.services.filter(s => !owned.has(s.namespace))) {
      this.objects.push(new TelemetryAtRelease(this, constructId(service.id), {
        metadata: { name: perServiceName(service, [TELEMETRY_NAME]), namespace: service.namespace, labels: serviceLabels(service) },
        spec: { selector: { matchLabels: { ...service.selector } }, tracing },
      }));
    }
  }
}
