export * from './model/types';
export { ServiceCatalog } from './model/catalog';
export * from './model/kplus';
export { Phase } from './phases/phase';
export * from './phases/baseline';
export * from './chart';
