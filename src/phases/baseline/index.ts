export * from './phase';
export * from './namespaces';
export * from './network-policies';
export * from './certificates';
export * from './options';
