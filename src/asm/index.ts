export { assemble, AssembleOptions, AssembledProgram } from './assembler';
export { AsmError, AsmErrorCode } from './asm-error';
export { disassemble, disassembleOne, DisassembledInstruction } from './disassembler';
