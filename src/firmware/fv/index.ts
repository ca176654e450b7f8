export * from './fv-types';
export * from './checksum-error';
export * from './sections';
export * from './fv-writer';
export * from './fv-parser';
