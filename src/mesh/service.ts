import * as kplus from 'cdk8s-plus-28';
import { Call, ServiceCallOptions } from './call';
import { IPeer } from './peer';
import {
  CallerSpec, FaultSpec, GrpcMatchSpec, HttpMatchSpec, LintSuppressionSpec, PortSpec, ProbesSpec, RetrySpec, RouteSpec,
  ServiceCertificateSpec, ServiceSpec, TrafficPolicySpec, VersionSpec,
} from '../model/types';

/** Options every mesh service takes, however it is described. */
export interface MeshServiceOptions {
  /**
   * Reachable from the ingress controller on all ports (`expose()` does the same).
   * @default false
   */
  readonly exposed?: boolean;
  /**
   * Certificate options.
   * @default - a certificate with the mesh's certificate defaults
   */
  readonly certificate?: ServiceCertificateSpec;
  /**
   * Connection pool and outlier detection (phases with client-side load balancing).
   * @default - the phase's defaults
   */
  readonly trafficPolicy?: TrafficPolicySpec;
  /**
   * Number of pods, for the cost assessment.
   * @default - the workload's replicas; 2 without a workload
   */
  readonly replicas?: number;
  /**
   * Lint rules switched off for this service, each with the reason.
   * @default - every rule applies
   */
  readonly suppress?: LintSuppressionSpec[];
}

/** A mesh service described without cdk8s-plus objects (`Mesh.addService`). */
export interface MeshServiceProps extends MeshServiceOptions {
  /** Service name (DNS-1035 label). */
  readonly name: string;
  /**
   * Namespace.
   * @default - the mesh's namespace
   */
  readonly namespace?: string;
  /**
   * Pod labels that select the service's pods.
   * @default `{ app: <name> }`
   */
  readonly selector?: Record<string, string>;
  /**
   * Service account of the pods (the mesh identity).
   * @default - the service name
   */
  readonly serviceAccount?: string;
  /**
   * Ports. Required unless `clientOnly`.
   * @default - none
   */
  readonly ports?: PortSpec[];
  /**
   * A workload with no Service: it only calls.
   * @default false
   */
  readonly clientOnly?: boolean;
  /**
   * The kubelet probes of the pods.
   * @default - unknown: phases that must authorize probes warn instead
   */
  readonly probes?: ProbesSpec;
}

/** A route of a mesh service (`MeshService.addRoute`): a named request class. */
export interface MeshRouteProps {
  /** Route name (DNS-1123 label), unique within the service. */
  readonly name: string;
  /**
   * HTTP match. Give exactly one of `http` and `grpc`.
   * @default - not an HTTP route
   */
  readonly http?: HttpMatchSpec;
  /**
   * gRPC match. Give exactly one of `http` and `grpc`.
   * @default - not a gRPC route
   */
  readonly grpc?: GrpcMatchSpec;
  /**
   * The port that serves the route (`service.port(n)`).
   * @default - every HTTP, HTTP/2 or gRPC port of the service that fits the route kind
   */
  readonly port?: MeshPort;
  /**
   * Whether repeating the request is harmless.
   * @default - derived from the HTTP method; gRPC and method-less routes are not
   */
  readonly idempotent?: boolean;
  /**
   * Overall request timeout (Go duration, e.g. `500ms`).
   * @default - no route timeout (mesh phases apply their own default)
   */
  readonly timeout?: string;
  /**
   * Retry policy.
   * @default - no retries
   */
  readonly retries?: RetrySpec;
  /**
   * Fault injection for testing.
   * @default - no fault injection
   */
  readonly fault?: FaultSpec;
  /**
   * Let a phase that cannot enforce a limit to this route exactly enforce it wider (with a
   * warning). See docs/routes.md.
   * @default - the mesh's `l7Widening`
   */
  readonly allowWiderEnforcement?: boolean;
}

/** Options of `MeshService.allowFrom`. */
export interface AllowFromOptions {
  /**
   * The one port of this service the peer may call.
   * @default - every port (or those serving `routes`)
   */
  readonly port?: MeshPort;
  /**
   * Several ports, like `port`.
   * @default - every port (or those serving `routes`)
   */
  readonly ports?: MeshPort[];
  /**
   * Limit the peer to these routes of this service.
   * @default - any request on the ports
   */
  readonly routes?: MeshRoute[];
}

/** A canary version of a mesh service (`MeshService.addVersion`). */
export interface MeshVersionProps {
  /** Version name (DNS-1123 label). */
  readonly name: string;
  /** Share of traffic in percent; the weights of a service sum to 100. */
  readonly weight: number;
  /**
   * The cdk8s-plus workload running this version's pods: `labels` become its match labels
   * beyond the service's selector, `serviceAccount` its service account, and the mesh
   * patches its pod template like the service's.
   * @default - no workload: `labels` and `serviceAccount` as given
   */
  readonly workload?: kplus.Workload;
  /**
   * Extra pod labels that select this version's pods.
   * @default - from `workload`; else `{ version: <name> }`
   */
  readonly labels?: Record<string, string>;
  /**
   * Another service of the mesh, in the same namespace, that backs this version.
   * @default - a subset of this service's pods
   */
  readonly service?: MeshService;
  /**
   * Requests carrying all these headers (exact, lower-case names) go to this version.
   * @default - routed by weight only
   */
  readonly headers?: Record<string, string>;
  /**
   * Service account of this version's pods.
   * @default - from `workload`; else the service's
   */
  readonly serviceAccount?: string;
  /**
   * Request timeout of traffic routed to this version by its `headers`.
   * @default - the route's timeout
   */
  readonly timeout?: string;
}

/** What a service is built from: plain props, or a cdk8s-plus workload (read at synthesis). @internal */
export interface ServiceSource {
  readonly name: string;
  readonly namespace?: string;
  /** The service's base entry: everything but routes, calls, callers and versions. */
  /** The workloads whose pod templates the mesh patches. */
  readonly workloads: kplus.Workload[];
  base(): ServiceSpec;
}

/** A port of a mesh service, by its service port number. */
export class MeshPort {
  /** @internal */
  public static _of(service: MeshService, port: number): MeshPort {
    return new MeshPort(service, port);
  }

  /** The service the port belongs to. */
  public readonly service: MeshService;
  /** The service port number. */
  public readonly port: number;

  private constructor(service: MeshService, port: number) {
    this.service = service;
    this.port = port;
  }

  /** How the catalog refers to the port: its name when it has one, else its number. @internal */
  public _ref(): string | number {
    const declared = (this.service._base().ports ?? []).find(p => p.port === this.port);
    return declared?.name ?? this.port;
  }
}

/** A route of a mesh service: what calls and callers are limited to. */
export class MeshRoute {
  /** @internal */
  public static _of(service: MeshService, props: MeshRouteProps): MeshRoute {
    return new MeshRoute(service, props);
  }

  /** The service that serves the route. */
  public readonly service: MeshService;
  /** The route name. */
  public readonly routeName: string;
  private readonly props: MeshRouteProps;

  private constructor(service: MeshService, props: MeshRouteProps) {
    if (props.port && props.port.service !== service) {
      throw new Error(`${service.serviceId}: route "${props.name}" names port ${props.port.port} of ${props.port.service.serviceId}`);
    }
    this.service = service;
    this.routeName = props.name;
    this.props = props;
  }

  /** @internal */
  public _toSpec(): RouteSpec {
    const { port, ...rest } = this.props;
    return defined({ ...rest, port: port?._ref() }) as RouteSpec;
  }
}

/** A canary version of a mesh service. */
export class MeshVersion {
  /** @internal */
  public static _of(service: MeshService, props: MeshVersionProps): MeshVersion {
    return new MeshVersion(service, props);
  }

  /** The service this is a version of. */
  public readonly service: MeshService;
  /** The version name. */
  public readonly versionName: string;
  /** The workload running the version's pods, when given. */
  public readonly workload?: kplus.Workload;
  private readonly props: MeshVersionProps;
  private readonly callList: Call[] = [];

  private constructor(service: MeshService, props: MeshVersionProps) {
    if (props.service && props.service.namespace !== service.namespace) {
      throw new Error(`${service.serviceId}: version "${props.name}" is backed by ${props.service.serviceId}, which is not in namespace ${service.namespace}`);
    }
    this.service = service;
    this.versionName = props.name;
    this.workload = props.workload;
    this.props = props;
  }

  /** Calls that only this version's pods make, on top of the service's calls. */
  public addCall(call: Call): void {
    this.callList.push(call);
  }

  /** Shorthand for `addCall(Call.toService(target, options))`. */
  public calls(target: MeshService, options: ServiceCallOptions = {}): void {
    this.addCall(Call.toService(target, options));
  }

  /** @internal */
  public _toSpec(): VersionSpec {
    const { workload, service, labels, serviceAccount, ...rest } = this.props;
    const base = this.service._base();
    let derivedLabels = labels;
    let derivedAccount = serviceAccount;
    if (workload) {
      const where = `${this.service.serviceId} version "${this.versionName}" (${workload.node.path})`;
      const selector = base.selector ?? {};
      const missing = Object.entries(selector).filter(([k, v]) => workload.podMetadata.getLabel(k) !== v);
      if (missing.length > 0) {
        throw new Error(`${where}: the pod template lacks the service's selector labels ${missing.map(([k, v]) => `${k}=${v}`).join(', ')}, so the service would not reach its pods`);
      }
      const extra = Object.fromEntries(Object.entries(workload.matchLabels).filter(([k, v]) => selector[k] !== v));
      if (labels === undefined && Object.keys(extra).length === 0) {
        throw new Error(`${where}: the workload selects its pods by the service's selector only; give it a label of its own (e.g. version: ${this.versionName}) to tell this version's pods apart`);
      }
      derivedLabels = labels ?? extra;
      const account = workload.serviceAccount?.name ?? 'default';
      derivedAccount = serviceAccount ?? (account === base.serviceAccount ? undefined : account);
    }
    return defined({
      ...rest,
      labels: derivedLabels,
      service: service?.serviceName,
      serviceAccount: derivedAccount,
      calls: this.callList.length > 0 ? this.callList.map(c => c._toSpec()) : undefined,
    }) as VersionSpec;
  }
}

/**
 * A service of a `Mesh`: a Kubernetes Service and the pods behind it (or only pods, for a
 * client). Add routes, calls, callers and versions at any time before synthesis.
 */
export class MeshService {
  /** @internal */
  public static _of(source: ServiceSource, options: MeshServiceOptions): MeshService {
    return new MeshService(source, options);
  }

  /** Service name. */
  public readonly serviceName: string;
  /** Namespace. */
  public readonly namespace: string;
  /** The cdk8s-plus workloads (service and versions) whose pod templates the mesh patches. */
  public get workloads(): kplus.Workload[] {
    return [...this.source.workloads, ...this.versionList.flatMap(v => (v.workload ? [v.workload] : []))];
  }

  private readonly source: ServiceSource;
  private readonly options: MeshServiceOptions;
  private readonly routeList: MeshRoute[] = [];
  private readonly callList: Call[] = [];
  private readonly callerList: Array<{ peer: IPeer; options: AllowFromOptions }> = [];
  private readonly versionList: MeshVersion[] = [];
  private isExposed: boolean;

  private constructor(source: ServiceSource, options: MeshServiceOptions) {
    this.source = source;
    this.options = options;
    this.serviceName = source.name;
    this.namespace = source.namespace ?? 'default';
    this.isExposed = options.exposed ?? false;
  }

  /** `namespace/name`: how reports and errors name the service. */
  public get serviceId(): string {
    return `${this.namespace}/${this.serviceName}`;
  }

  /** The port with this service port number (checked at synthesis). */
  public port(port: number): MeshPort {
    return MeshPort._of(this, port);
  }

  /** Adds a route the service serves; calls and callers can be limited to it. */
  public addRoute(props: MeshRouteProps): MeshRoute {
    const route = MeshRoute._of(this, props);
    this.routeList.push(route);
    return route;
  }

  /** Adds an outgoing call. */
  public addCall(call: Call): void {
    this.callList.push(call);
  }

  /** Shorthand for `addCall(Call.toService(target, options))`. */
  public calls(target: MeshService, options: ServiceCallOptions = {}): void {
    this.addCall(Call.toService(target, options));
  }

  /** Lets a peer call this service (on some ports or routes). */
  public allowFrom(peer: IPeer, options: AllowFromOptions = {}): void {
    for (const r of options.routes ?? []) {
      if (r.service !== this) {
        throw new Error(`${this.serviceId}.allowFrom(${peer.peerName}): route "${r.routeName}" belongs to ${r.service.serviceId}`);
      }
    }
    this.callerList.push({ peer, options });
  }

  /** Makes the service reachable from the ingress controller on all ports. */
  public expose(): void {
    this.isExposed = true;
  }

  /** Adds a canary version. */
  public addVersion(props: MeshVersionProps): MeshVersion {
    const version = MeshVersion._of(this, props);
    this.versionList.push(version);
    return version;
  }

  /** The peers this service names (calls, callers). @internal */
  public _peers(): IPeer[] {
    return [
      ...this.callerList.map(c => c.peer),
      ...this.callList.flatMap(c => (c.peer ? [c.peer] : [])),
    ];
  }

  /** @internal */
  public _base(): ServiceSpec {
    return this.source.base();
  }

  /** The catalog entry of the service. @internal */
  public _toSpec(): ServiceSpec {
    const base = this.source.base();
    const callers: CallerSpec[] = this.callerList.map(({ peer, options }) => {
      const ports = [...(options.port ? [options.port] : []), ...(options.ports ?? [])].map(p => p._ref());
      return defined({
        peer: peer.peerName,
        port: ports.length === 1 ? ports[0] : undefined,
        ports: ports.length > 1 ? ports : undefined,
        routes: options.routes?.map(r => r.routeName),
      }) as CallerSpec;
    });
    return defined({
      ...base,
      routes: nonEmpty(this.routeList.map(r => r._toSpec())),
      calls: nonEmpty(this.callList.map(c => c._toSpec())),
      exposed: this.isExposed ? true : undefined,
      callers: nonEmpty(callers),
      versions: nonEmpty(this.versionList.map(v => v._toSpec())),
      certificate: this.options.certificate,
      trafficPolicy: this.options.trafficPolicy,
      replicas: this.options.replicas ?? base.replicas,
      suppress: this.options.suppress,
    }) as ServiceSpec;
  }
}

function nonEmpty<T>(values: T[]): T[] | undefined {
  return values.length > 0 ? values : undefined;
}

/** Drops undefined fields, so the spec looks like what YAML gives. */
function defined<T>(value: T): T {
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined)) as T;
}
