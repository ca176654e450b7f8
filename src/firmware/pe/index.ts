export * from './pe-types';
export * from './pe-writer';
export * from './pe-loader';
export * from './pe-layout-fixpoint';
