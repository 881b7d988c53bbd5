export * from './phase';
export * from './namespaces';
export * from './certificates';
export * from './options';
