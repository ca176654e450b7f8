export * from './depex-opcodes';
export * from './depex-ast';
export * from './depex-compiler';
export * from './depex-disassembler';
export * from './depex-evaluator';
export * from './dispatch-order';
