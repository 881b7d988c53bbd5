import { IPeer } from './peer';
import type { MeshPort, MeshRoute, MeshService } from './service';
import { CallSpec, PortProtocol } from '../model/types';

/** Options of a call to a service of the mesh. */
export interface ServiceCallOptions {
  /**
   * The one callee port called.
   * @default - every port of the callee (or those serving `routes`)
   */
  readonly port?: MeshPort;
  /**
   * Several callee ports, like `port`.
   * @default - every port of the callee (or those serving `routes`)
   */
  readonly ports?: MeshPort[];
  /**
   * Limit the call to these routes of the callee.
   * @default - any request on the called ports
   */
  readonly routes?: MeshRoute[];
}

/** Options of a call to a peer. */
export interface PeerCallOptions {
  /**
   * Ports called.
   * @default - the peer's `ports` (the API server: 443 and 6443)
   */
  readonly ports?: number[];
  /**
   * Protocol spoken.
   * @default PortProtocol.TCP
   */
  readonly protocol?: PortProtocol;
}

/** Options of a call to an external DNS name. */
export interface HostCallOptions {
  /** Ports called. */
  readonly ports: number[];
  /**
   * Protocol spoken.
   * @default PortProtocol.TCP
   */
  readonly protocol?: PortProtocol;
  /**
   * Address ranges behind the host, for phases that cannot match DNS names (baseline
   * NetworkPolicy).
   * @default - none: phases without DNS matching refuse the call
   */
  readonly cidrs?: string[];
}

/** Options of a call to an address range outside the cluster. */
export interface CidrCallOptions {
  /** Ports called. */
  readonly ports: number[];
  /**
   * Protocol spoken.
   * @default PortProtocol.TCP
   */
  readonly protocol?: PortProtocol;
  /**
   * Ranges excluded from the CIDR.
   * @default - none
   */
  readonly except?: string[];
}

/**
 * An outgoing call of a service (or of one version of it). Made by the factories; added
 * with `MeshService.addCall` / `MeshVersion.addCall`, or the `calls` shorthands.
 */
export class Call {
  /** A call to a service of the same mesh, on some of its ports or routes. */
  public static toService(service: MeshService, options: ServiceCallOptions = {}): Call {
    for (const route of options.routes ?? []) {
      if (route.service !== service) {
        throw new Error(`Call.toService(${service.serviceId}): route "${route.routeName}" belongs to ${route.service.serviceId}, not to the callee`);
      }
    }
    for (const port of [...(options.port ? [options.port] : []), ...(options.ports ?? [])]) {
      if (port.service !== service) {
        throw new Error(`Call.toService(${service.serviceId}): port ${port.port} belongs to ${port.service.serviceId}, not to the callee`);
      }
    }
    return new Call(() => withPorts({
      service: service.serviceId,
      routes: options.routes?.map(r => r.routeName),
    }, [...(options.port ? [options.port] : []), ...(options.ports ?? [])].map(p => p._ref())), undefined, service);
  }

  /** A call to a peer (pods outside the mesh's services, the API server, the world). */
  public static toPeer(peer: IPeer, options: PeerCallOptions = {}): Call {
    return new Call(() => withPorts({ peer: peer.peerName, protocol: options.protocol }, options.ports ?? []), peer);
  }

  /** A call to an external DNS name (e.g. `api.stripe.com`, `*.example.com`). */
  public static toHost(host: string, options: HostCallOptions): Call {
    return new Call(() => withPorts({
      host,
      protocol: options.protocol,
      cidrs: options.cidrs === undefined ? undefined : [...options.cidrs],
    }, options.ports));
  }

  /** A call to an IPv4 or IPv6 range outside the cluster. */
  public static toCidr(cidr: string, options: CidrCallOptions): Call {
    return new Call(() => withPorts({
      cidr,
      protocol: options.protocol,
      except: options.except === undefined ? undefined : [...options.except],
    }, options.ports));
  }

  /** The peer called, for a peer call. */
  public readonly peer?: IPeer;
  /** The service called, for a service call. */
  public readonly service?: MeshService;
  private readonly render: () => CallSpec;

  private constructor(render: () => CallSpec, peer?: IPeer, service?: MeshService) {
    this.render = render;
    this.peer = peer;
    this.service = service;
  }

  /** The catalog entry of the call (at synthesis: port names are looked up then). @internal */
  public _toSpec(): CallSpec {
    return this.render();
  }
}

/** One port as `port`, several as `ports`, none left out; undefined fields dropped. */
function withPorts(spec: Record<string, unknown>, ports: Array<string | number>): CallSpec {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(spec)) {
    if (value !== undefined) {
      out[key] = value;
    }
  }
  if (ports.length === 1) {
    out.port = ports[0];
  } else if (ports.length > 1) {
    out.ports = ports;
  }
  return out as CallSpec;
}
