export * from './protocol-database';
export * from './fv-discovery';
export * from './mm-dispatcher';
