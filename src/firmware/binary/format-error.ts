import { MmspecError } from '../../common/errors';

/**
 * Malformed bytes in a firmware format. Always names the format, the byte offset (from the start of the
 * outermost buffer being parsed) and the field, so a report can say exactly where the input is wrong.
 */
export class FormatError extends MmspecError {
  constructor(
    readonly format: string,
    readonly offset: number,
    readonly field: string,
    readonly reason: string,
    readonly source?: string,
  ) {
    super('FORMAT_INVALID', `${source ? source + ': ' : ''}${format} at offset 0x${offset.toString(16)}: field ${field}: ${reason}`);
  }
}
