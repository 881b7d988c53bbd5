export * from './phase';
export * from './options';
