export * from './comm-size';
export * from './mmi-handler-interfaces';
export * from './mmi-handler-database';
export * from './mmi-manager';
