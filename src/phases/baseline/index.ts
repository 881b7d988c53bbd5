export * from './phase';
export * from './namespaces';
export * from './options';
