/**
 * Small helpers every backend may use. Not a backend: it knows no mesh and imports
 * only the model, so backends stay independent of each other.
 */
import { IConstruct } from 'constructs';
import { ServiceCatalog } from '../model/catalog';
import { ResolvedService } from '../model/resolved';
import { PlatformSpec, PortProtocol } from '../model/types';

/** Construct metadata type of a degradation (see `reportDegradation`). */
export const DEGRADATION_METADATA = 'mesh-ladder:degradation';

/**
 * Records that a targeted release cannot say something and what is emitted instead: on
 * the construct's `degradations` list (its public view) and as construct metadata, which
 * the chart collects from its whole tree (no construct needs to know the chart).
 */
export function reportDegradation(construct: IConstruct, degradations: string[], message: string): void {
  degradations.push(message);
  construct.node.addMetadata(DEGRADATION_METADATA, message);
}

/** Every degradation recorded in the tree under `scope`, in tree order, each once. */
export function degradationsUnder(scope: IConstruct): string[] {
  const found = scope.node.findAll()
    .flatMap(c => c.node.metadata.filter(m => m.type === DEGRADATION_METADATA).map(m => String(m.data)));
  return [...new Set(found)];
}

/** Label put on every object the library emits. */
export const MANAGED_BY_LABELS: Readonly<Record<string, string>> = { 'app.kubernetes.io/managed-by': 'cdk8s-mesh-ladder' };

/** Label naming the catalog service an object belongs to. */
export const SERVICE_LABEL = 'mesh-ladder.dev/service';

/** The L4 protocol Kubernetes APIs use for a port. */
export function l4Protocol(protocol: PortProtocol): 'TCP' | 'UDP' {
  return protocol === PortProtocol.UDP ? 'UDP' : 'TCP';
}

/** Labels of an object that belongs to a service. */
export function serviceLabels(service: ResolvedService): Record<string, string> {
  return { ...MANAGED_BY_LABELS, [SERVICE_LABEL]: service.name };
}

/** Phase props with their `platform` override applied to the catalog (`ServiceCatalog.withPlatform`). */
export function withTargetPlatform<P extends { readonly catalog: ServiceCatalog; readonly platform?: PlatformSpec }>(props: P): P {
  return props.platform ? { ...props, catalog: props.catalog.withPlatform(props.platform) } : props;
}

/** Construct ids must be unique per scope; `/` is not allowed in them. */
export function constructId(...parts: string[]): string {
  return parts.join('-').replace(/\//g, '--');
}

/**
 * Thrown when a phase cannot express something the catalog declares (e.g. a DNS-name
 * call under plain NetworkPolicy). Input error, not a bug: the CLI exits 2.
 */
export class PhaseCapabilityError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'PhaseCapabilityError';
  }
}
