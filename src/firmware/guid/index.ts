export * from './guid';
export * from './well-known-guids';
export * from './guid-registry';
