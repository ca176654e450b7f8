export * from './firmware-policy-loader';
export * from './memory-policy-generator';
export * from './memory-policy-snapshot';
