export * from './hob-types';
export * from './guid-hob-payloads';
export * from './hob-list';
export * from './hob-format';
export * from './unblock-params';
