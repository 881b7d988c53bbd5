import * as kplus from 'cdk8s-plus-28';
import { CallSpec, PortProtocol, PortSpec, RouteSpec, ServiceCertificateSpec, ServiceSpec, VersionSpec } from './types';

/** Options for `ServiceDescription.fromDeployment`. */
export interface ServiceFromDeploymentOptions {
  /**
   * Service name.
   * @default - the name of `service` when given (clients and certificates use the Service's DNS name), else the deployment's name
   */
  readonly name?: string;
  /**
   * Namespace.
   * @default - the deployment's namespace; the catalog's namespace when the deployment has none
   */
  readonly namespace?: string;
  /**
   * The Service in front of the deployment: its ports (port, targetPort, name) become the
   * service's ports.
   * @default - no Service: ports come from the containers' ports
   */
  readonly service?: kplus.Service;
  /**
   * Application protocol per port, keyed by port name (or by port number, as a string, for
   * unnamed ports). Every key must name a port.
   * @default - UDP ports are `udp`, all others `tcp`
   */
  readonly protocols?: { [port: string]: PortProtocol };
  /**
   * Routes served by the service.
   * @default - none
   */
  readonly routes?: RouteSpec[];
  /**
   * Outgoing calls.
   * @default - none
   */
  readonly calls?: CallSpec[];
  /**
   * Reachable from the ingress controller on all ports.
   * @default false
   */
  readonly exposed?: boolean;
  /**
   * Canary versions with weights summing to 100.
   * @default - one unversioned set of pods
   */
  readonly versions?: VersionSpec[];
  /**
   * A workload with no Service: it only calls.
   * @default - true when no `service` is given and no container declares a port
   */
  readonly clientOnly?: boolean;
  /**
   * Certificate options.
   * @default - a certificate with the catalog defaults
   */
  readonly certificate?: ServiceCertificateSpec;
}

/**
 * Builds service descriptions from cdk8s-plus objects, so an app that already defines its
 * workloads with cdk8s-plus does not describe selectors, ports and identities twice.
 *
 * Prefer the `Mesh` construct (`mesh.addWorkload(deployment, { service })`), which reads
 * the same facts at synthesis, takes calls as handles and patches the pod templates.
 */
export class ServiceDescription {
  /**
   * Describe a `kplus.Deployment` (and optionally the `kplus.Service` in front of it).
   *
   * - selector: the deployment's match labels (the labels its pods carry);
   * - ports: the Service's ports, or without a Service the containers' ports;
   * - serviceAccount: the deployment's service account, or `default` when it has none,
   *   because Kubernetes then runs the pods as the namespace's `default` account (the
   *   model's own default, the service name, would name the wrong identity).
   */
  public static fromDeployment(deployment: kplus.Deployment, options: ServiceFromDeploymentOptions = {}): ServiceSpec {
    const service = options.service;
    const where = `ServiceDescription.fromDeployment(${deployment.node.path})`;

    if (deployment.matchExpressions.length > 0) {
      throw new Error(`${where}: the deployment selects pods with matchExpressions, which a service description cannot express; select by labels only`);
    }
    const selector = deployment.matchLabels;
    if (Object.keys(selector).length === 0) {
      throw new Error(`${where}: the deployment has no match labels to select its pods by`);
    }

    const deploymentNamespace = deployment.metadata.namespace;
    const serviceNamespace = service?.metadata.namespace;
    if (service && serviceNamespace !== deploymentNamespace) {
      throw new Error(`${where}: the Service is in namespace "${serviceNamespace ?? '(default)'}" but the deployment in "${deploymentNamespace ?? '(default)'}"; a Service selects pods of its own namespace only`);
    }

    const containerPorts = deployment.containers.flatMap(c => c.ports);
    const clientOnly = options.clientOnly ?? (!service && containerPorts.length === 0);
    if (clientOnly && service) {
      throw new Error(`${where}: clientOnly workloads have no Service, but a service was given`);
    }

    const candidates: CandidatePort[] = clientOnly
      ? []
      : service
        ? service.ports.map(p => ({ name: p.name, port: p.port, targetPort: p.targetPort, kubeProtocol: p.protocol }))
        : containerPorts.map(p => ({ name: p.name, port: p.number, kubeProtocol: p.protocol }));
    const ports = toPortSpecs(candidates, options.protocols ?? {}, where);

    const namespace = options.namespace ?? deploymentNamespace;
    const spec: { -readonly [K in keyof ServiceSpec]: ServiceSpec[K] } = {
      name: options.name ?? service?.name ?? deployment.name,
      selector,
      serviceAccount: deployment.serviceAccount?.name ?? 'default',
    };
    if (namespace !== undefined) {
      spec.namespace = namespace;
    }
    if (!clientOnly) {
      spec.ports = ports;
    }
    if (options.routes !== undefined) {
      spec.routes = options.routes;
    }
    if (options.calls !== undefined) {
      spec.calls = options.calls;
    }
    if (options.exposed !== undefined) {
      spec.exposed = options.exposed;
    }
    if (options.versions !== undefined) {
      spec.versions = options.versions;
    }
    if (clientOnly) {
      spec.clientOnly = true;
    }
    if (options.certificate !== undefined) {
      spec.certificate = options.certificate;
    }
    return spec;
  }

  private constructor() {}
}

interface CandidatePort {
  readonly name?: string;
  readonly port: number;
  readonly targetPort?: number;
  readonly kubeProtocol?: kplus.Protocol;
}

function toPortSpecs(candidates: CandidatePort[], protocols: { [port: string]: PortProtocol }, where: string): PortSpec[] {
  const used = new Set<string>();
  const ports = candidates.map(candidate => {
    const key = candidate.name !== undefined && protocols[candidate.name] !== undefined ? candidate.name : String(candidate.port);
    const mapped = protocols[key];
    if (mapped !== undefined) {
      used.add(key);
    }
    const protocol = portProtocol(candidate, mapped, where);
    const port: { -readonly [K in keyof PortSpec]: PortSpec[K] } = { port: candidate.port };
    if (candidate.name !== undefined) {
      port.name = candidate.name;
    }
    if (candidate.targetPort !== undefined && candidate.targetPort !== candidate.port) {
      port.targetPort = candidate.targetPort;
    }
    port.protocol = protocol;
    return port;
  });
  // A protocol for a port that does not exist is a typo: say so instead of ignoring it.
  const unused = Object.keys(protocols).filter(k => !used.has(k)).sort();
  if (unused.length > 0) {
    const known = candidates.map(c => c.name ?? String(c.port)).join(', ') || 'none';
    throw new Error(`${where}: protocols given for unknown port${unused.length === 1 ? '' : 's'} ${unused.map(k => `"${k}"`).join(', ')} (ports: ${known})`);
  }
  return ports;
}

function portProtocol(candidate: CandidatePort, mapped: PortProtocol | undefined, where: string): PortProtocol {
  const label = candidate.name ?? String(candidate.port);
  switch (candidate.kubeProtocol) {
    case kplus.Protocol.SCTP:
      throw new Error(`${where}: port ${label} is SCTP, which the service model does not support`);
    case kplus.Protocol.UDP:
      if (mapped !== undefined && mapped !== PortProtocol.UDP) {
        throw new Error(`${where}: port ${label} is UDP but protocols maps it to ${mapped}`);
      }
      return PortProtocol.UDP;
    default:
      if (mapped === PortProtocol.UDP) {
        throw new Error(`${where}: port ${label} is TCP but protocols maps it to udp`);
      }
      return mapped ?? PortProtocol.TCP;
  }
}
