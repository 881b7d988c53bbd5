export * from './phase';
export * from './options';
export * from './authorization';
export * from './traffic';
