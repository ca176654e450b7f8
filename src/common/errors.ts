/**
 * The root of every error mmspec raises on purpose. Each carries a stable machine-readable `code`
 * (SCREAMING_SNAKE, namespaced by layer, e.g. `CPU_BUDGET_EXCEEDED`, `ASM_UNKNOWN_MNEMONIC`) so callers
 * and tests discriminate without matching message text.
 */
export class MmspecError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** True when `e` is an MmspecError, optionally with the given code. */
export function isMmspecError(e: unknown, code?: string): e is MmspecError {
  return e instanceof MmspecError && (code === undefined || e.code === code);
}
