import { MmspecError } from '../common/errors';

/** Stable codes of every error the assembler raises on purpose. */
export type AsmErrorCode =
  | 'ASM_SYNTAX'
  | 'ASM_UNKNOWN_MNEMONIC'
  | 'ASM_BAD_OPERAND'
  | 'ASM_UNDEFINED_LABEL'
  | 'ASM_DUPLICATE_LABEL'
  | 'ASM_VALUE_RANGE'
  | 'ASM_INVALID_MODE';

/** Where in the source an error points: 1-based line and column, and the offending token text. */
export interface AsmLocation {
  source: string;
  line: number;
  column: number;
  token: string;
}

/**
 * An assembly error. The message names the place the way compilers do:
 * `file.asm:12:9: unknown mnemonic 'mvo' (did you mean 'mov'?)`.
 */
export class AsmError extends MmspecError {
  readonly line: number;
  readonly column: number;
  readonly token: string;
  readonly source: string;
  /** The message without the `file:line:col: ` prefix. */
  readonly detail: string;
  constructor(code: AsmErrorCode, detail: string, where: AsmLocation, options?: { cause?: unknown }) {
    super(code, `${where.source}:${where.line}:${where.column}: ${detail}`, options);
    this.line = where.line;
    this.column = where.column;
    this.token = where.token;
    this.source = where.source;
    this.detail = detail;
  }
}
