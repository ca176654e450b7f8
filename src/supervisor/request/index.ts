export * from './request-layout';
export * from './request-interfaces';
export * from './unblock-database';
export * from './unblock-memory';
export * from './version-info';
export * from './fetch-policy';
export * from './comm-update';
export * from './supervisor-request-handler';
