/** The isolation policy in every form (supervisor-facts §4, §5). */
export * from './policy-types';
export * from './policy-binary';
export * from './policy-layout';
export * from './policy-xml';
export * from './policy-yaml';
export * from './policy-errors';
export * from './policy-status';
export * from './policy-validate';
export * from './policy-gates';
export * from './memory-policy';
export * from './measurement';
export * from './policy-text';
export * from './policy-file';
