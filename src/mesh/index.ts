export { Call } from './call';
export type { CidrCallOptions, HostCallOptions, PeerCallOptions, ServiceCallOptions } from './call';
export { Mesh } from './mesh';
export type { MeshProps } from './mesh';
export { Peer } from './peer';
export type { AddressPeerOptions, IPeer, PodPeerOptions } from './peer';
export { MeshPort, MeshRoute, MeshService, MeshVersion } from './service';
export type { AllowFromOptions, MeshRouteProps, MeshServiceOptions, MeshServiceProps, MeshVersionProps } from './service';
export type { MeshWorkloadOptions } from './workload';
