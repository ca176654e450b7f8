export * from './paging-audit';
export * from './image-writable-sections';
