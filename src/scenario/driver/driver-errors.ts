import { MmspecError } from '../../common/errors';
import type { SourceLocation } from './driver-action';

/** Stable codes of the driver action language and driver packaging errors. */
export type DriverErrorCode =
  /** The doc string or fixture is not valid YAML, or not the expected shape (a list, a mapping …). */
  | 'DRIVER_ACTION_SYNTAX'
  /** An action word that the language does not have. */
  | 'DRIVER_ACTION_UNKNOWN'
  /** An action field with a wrong, missing or out-of-range value (or an unknown status/register/word). */
  | 'DRIVER_ACTION_INVALID'
  /** An `asm:` block the assembler rejects. */
  | 'DRIVER_ACTION_ASM'
  /** Actions written after `return:` (they would never run). */
  | 'DRIVER_ACTION_UNREACHABLE'
  /** A driver fixture field that is wrong (name, guid, type, depex, installs, handlers). */
  | 'DRIVER_FIXTURE_INVALID'
  /** A driver spec that cannot be packaged (file type, depex). */
  | 'DRIVER_BUILD_INVALID';

/**
 * An error in a driver action list, a driver fixture or a driver spec. The message reads like a compiler's:
 * `features/x.feature:14:7: wrmsr.value: expected an integer (0x… or decimal), got "abc"` and ends with
 * "(did you mean …?)" when close alternatives exist.
 */
export class DriverActionError extends MmspecError {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  constructor(
    code: DriverErrorCode,
    readonly at: SourceLocation | undefined,
    /** The field path, e.g. `[2].io_write.width` or `handlers[0].guid`. */
    readonly field: string,
    /** What was expected (and what was found). */
    readonly expected: string,
    /** Close alternatives for an unknown word, best first. */
    readonly suggestions: readonly string[] = [],
    options?: { cause?: unknown },
  ) {
    const where = at ? `${at.file}:${at.line}:${at.column}: ` : '';
    const hint = suggestions.length ? ` (did you mean ${suggestions.join(', ')}?)` : '';
    super(code, `${where}${field}: ${expected}${hint}`, options);
    this.file = at?.file ?? '';
    this.line = at?.line ?? 0;
    this.column = at?.column ?? 0;
  }
}
