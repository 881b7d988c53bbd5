/**
 * Reachability analysis of emitted manifests against the catalog's declared flows.
 *
 * Internal to the library (plain TypeScript, not part of the jsii API): the CLI and the
 * tests use it; backends never do.
 */
export * from '../model/cidr';
export * from './endpoints';
export * from './flows';
export * from './intent';
export * from './networkpolicy';
export * from './reachability';
export * from './report';
export * from './selectors';
export * from './requests';
export * from './cilium';
export * from './linkerd';
export * from './istio';
export * from './lint';
export * from './assess';
export * from './graph';
export * from './plan';
export * from './enforcement';
export * from './bitset';
export * from './universe-index';
