/** Names of the objects the linkerd phase emits, and the registry that keeps them unique per chart. */
import { Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { PhaseCapabilityError } from '../../emit/common';
import { ResolvedService } from '../../model/resolved';

/** Name of the Service of one canary version: `<service>-<version>`. */
export function versionServiceName(service: ResolvedService, version: string): string {
  return `${service.name}-${version}`;
}

/**
 * Object names must be unique per kind and namespace; names are built from service, port
 * and route names, so two combinations can meet (`a` + `b-c` and `a-b` + `c`). Refuse
 * rather than let one object overwrite another.
 */
export class NameRegistry {
  /** The registry shared by every linkerd construct of a chart. */
  public static of(scope: IConstruct): NameRegistry {
    const chart = Chart.of(scope);
    let registry = REGISTRIES.get(chart);
    if (!registry) {
      registry = new NameRegistry();
      REGISTRIES.set(chart, registry);
    }
    return registry;
  }

  private readonly seen = new Map<string, string>();

  public claim(kind: string, namespace: string, name: string, owner: string): string {
    const key = `${kind}\u0000${namespace}\u0000${name}`;
    const previous = this.seen.get(key);
    if (previous !== undefined && previous !== owner) {
      throw new PhaseCapabilityError(`the linkerd phase would emit two ${kind} objects named ${namespace}/${name} (for ${previous} and for ${owner}); rename one of the ports, routes or services involved`);
    }
    this.seen.set(key, owner);
    return name;
  }
}

const REGISTRIES = new WeakMap<Chart, NameRegistry>();
