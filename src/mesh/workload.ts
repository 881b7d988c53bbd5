/**
 * What a cdk8s-plus workload says about a service (selector, identity, ports, probes,
 * replicas), read at synthesis so changes made to the workload after `addWorkload` count.
 */
import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { MeshServiceOptions, ServiceSource } from './service';
import { PortProtocol, PortSpec, ProbesSpec, ServiceSpec } from '../model/types';

/** Options of `Mesh.addWorkload`. */
export interface MeshWorkloadOptions extends MeshServiceOptions {
  /**
   * The Service in front of the workload: its name, selector and ports (port, targetPort,
   * name) become the service's. A StatefulSet's own (headless) Service is used when none
   * is given.
   * @default - StatefulSet: its Service; others: none (the workload's name, match labels and container ports)
   */
  readonly service?: kplus.Service;
  /**
   * Service name.
   * @default - the Service's name, else the workload's
   */
  readonly name?: string;
  /**
   * Port settings the objects cannot say (application protocol, `plaintext`, `metrics`),
   * matched to the derived ports by `port` (the service port number); the other fields of
   * an entry replace the derived ones. An entry that matches no port is an error.
   * @default - protocols from the port names (`http`, `http2`, `grpc`, `tcp`, `tls`, `https`, `udp`, optionally followed by `-suffix`: Istio's naming convention), else TCP (UDP for UDP ports)
   */
  readonly ports?: PortSpec[];
  /**
   * A workload with no Service: it only calls.
   * @default - true when there is no Service and no container declares a port
   */
  readonly clientOnly?: boolean;
  /**
   * Probe facts the objects cannot say (kubelet-native gRPC probes, which cdk8s-plus
   * cannot declare); each field given replaces the derived one.
   * @default - `httpPaths`: the paths of the containers' HTTP GET probes; `grpc`: whether a container has a gRPC probe, unknown when none does
   */
  readonly probes?: ProbesSpec;
}

/**
 * Istio's port-name convention (`<protocol>[-<suffix>]`, istio.io docs
 * ops/configuration/traffic-management/protocol-selection), mapped to the model's protocols.
 */
const PROTOCOL_BY_NAME_PREFIX: Readonly<Record<string, PortProtocol>> = {
  http: PortProtocol.HTTP,
  http2: PortProtocol.HTTP2,
  grpc: PortProtocol.GRPC,
  tcp: PortProtocol.TCP,
  tls: PortProtocol.TLS,
  https: PortProtocol.TLS,
  udp: PortProtocol.UDP,
};

/** Reads a workload (and its Service) at synthesis. */
export class WorkloadSource implements ServiceSource {
  public readonly name: string;
  public readonly namespace?: string;
  public readonly workloads: kplus.Workload[];
  private readonly workload: kplus.Workload;
  private readonly service?: kplus.Service;
  private readonly options: MeshWorkloadOptions;
  private readonly where: string;

  public constructor(workload: kplus.Workload, options: MeshWorkloadOptions, defaultNamespace: string) {
    this.workload = workload;
    this.workloads = [workload];
    this.service = options.service ?? (workload instanceof kplus.StatefulSet ? workload.service : undefined);
    this.options = options;
    this.where = `Mesh.addWorkload(${workload.node.path})`;
    this.name = options.name ?? this.service?.name ?? workload.name;
    this.namespace = workload.metadata.namespace ?? defaultNamespace;
    const serviceNamespace = this.service ? this.service.metadata.namespace ?? defaultNamespace : this.namespace;
    if (serviceNamespace !== this.namespace) {
      throw new Error(`${this.where}: the Service is in namespace "${serviceNamespace}" but the workload in "${this.namespace}"; a Service selects pods of its own namespace only`);
    }
    if (options.clientOnly && options.service) {
      throw new Error(`${this.where}: clientOnly workloads have no Service, but a service was given`);
    }
  }

  public base(): ServiceSpec {
    const workload = this.workload;
    if (workload.matchExpressions.length > 0) {
      throw new Error(`${this.where}: the workload selects pods with matchExpressions, which the mesh cannot express; select by labels only`);
    }
    const selector = this.service ? serviceSelector(this.service) : workload.matchLabels;
    if (Object.keys(selector).length === 0) {
      throw new Error(`${this.where}: no labels to select the pods by`);
    }
    const unlabelled = Object.entries(selector).filter(([k, v]) => workload.podMetadata.getLabel(k) !== v);
    if (unlabelled.length > 0) {
      throw new Error(`${this.where}: the pod template lacks the selector's labels ${unlabelled.map(([k, v]) => `${k}=${v}`).join(', ')}, so the mesh's policies would select none of its pods`);
    }
    const containerPorts = workload.containers.flatMap(c => c.ports);
    const clientOnly = this.options.clientOnly ?? (!this.service && containerPorts.length === 0);
    const spec: { -readonly [K in keyof ServiceSpec]: ServiceSpec[K] } = {
      name: this.name,
      namespace: this.namespace,
      selector,
      // Kubernetes runs pods without a service account as the namespace's `default`.
      serviceAccount: workload.serviceAccount?.name ?? 'default',
    };
    if (clientOnly) {
      spec.clientOnly = true;
    } else {
      const derived = this.service
        ? this.service.ports.map(p => ({ name: p.name, port: p.port, targetPort: p.targetPort, kube: p.protocol }))
        : containerPorts.map(p => ({ name: p.name, port: p.number, targetPort: undefined, kube: p.protocol }));
      spec.ports = applyPortSettings(derived.map(p => derivedPort(p, this.where)), this.options.ports ?? [], this.where);
    }
    const probes = { ...derivedProbes(workload), ...this.options.probes };
    if (Object.keys(probes).length > 0) {
      spec.probes = probes;
    }
    const replicas = (workload as { replicas?: unknown }).replicas;
    if (typeof replicas === 'number') {
      spec.replicas = replicas;
    }
    return spec;
  }
}

/** The labels a kplus Service selects (its rendered `spec.selector`). */
function serviceSelector(service: kplus.Service): Record<string, string> {
  return { ...(ApiObject.of(service).toJson().spec?.selector ?? {}) };
}

interface DerivedPort {
  readonly name?: string;
  readonly port: number;
  readonly targetPort?: number;
  readonly kube?: kplus.Protocol;
}

function derivedPort(p: DerivedPort, where: string): PortSpec {
  if (p.kube === kplus.Protocol.SCTP) {
    throw new Error(`${where}: port ${p.name ?? p.port} is SCTP, which the mesh does not support`);
  }
  const byName = p.name === undefined ? undefined : PROTOCOL_BY_NAME_PREFIX[p.name.split('-')[0]];
  const protocol = p.kube === kplus.Protocol.UDP ? PortProtocol.UDP : byName === PortProtocol.UDP ? PortProtocol.TCP : byName ?? PortProtocol.TCP;
  const port: { -readonly [K in keyof PortSpec]: PortSpec[K] } = { port: p.port };
  if (p.name !== undefined) {
    port.name = p.name;
  }
  if (p.targetPort !== undefined && p.targetPort !== p.port) {
    port.targetPort = p.targetPort;
  }
  port.protocol = protocol;
  return port as PortSpec;
}

/** Overlays the user's port settings on the derived ports (matched by service port). */
function applyPortSettings(derived: PortSpec[], settings: PortSpec[], where: string): PortSpec[] {
  const unmatched = settings.filter(s => !derived.some(d => d.port === s.port));
  if (unmatched.length > 0) {
    throw new Error(`${where}: port settings for ${unmatched.map(s => s.port).join(', ')}, which the workload does not have (ports: ${derived.map(d => d.port).join(', ') || 'none'})`);
  }
  return derived.map(d => {
    const setting = settings.find(s => s.port === d.port);
    return setting ? { ...d, ...setting } : d;
  });
}

/** HTTP GET paths and gRPC use of the containers' kubelet probes. */
function derivedProbes(workload: kplus.Workload): ProbesSpec {
  const paths = new Set<string>();
  let grpc = false;
  for (const container of workload.containers) {
    // cdk8s-plus keeps the probes private: read them from the container it renders.
    const rendered = container._toKube();
    for (const kube of [rendered.readinessProbe, rendered.livenessProbe, rendered.startupProbe]) {
      if (!kube) {
        continue;
      }
      if (kube.httpGet?.path !== undefined) {
        paths.add(kube.httpGet.path);
      }
      grpc = grpc || kube.grpc !== undefined;
    }
  }
  return grpc ? { httpPaths: [...paths].sort(), grpc } : { httpPaths: [...paths].sort() };
}
