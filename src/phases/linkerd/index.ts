export * from './phase';
export * from './options';
export * from './namespaces';
export * from './authorization';
export * from './traffic';
