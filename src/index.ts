export * from './model/types';
export { ServiceCatalog } from './model/catalog';
export * from './model/kplus';
export { Phase } from './phases/phase';
export * from './layers/mesh-options';
export * from './layers/network-policy';
export * from './phases/baseline';
export * from './chart';
export * from './reachability';
