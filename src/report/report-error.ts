import { MmspecError } from '../common/errors';

/**
 * An input of the reports that cannot be read: the Cucumber message stream, the requirement catalog file, a
 * usage, digests or opcode-coverage file (catalog contents are checked by the scenario layer's loader). The message names the file and the line or field.
 */
export class ReportInputError extends MmspecError {
  constructor(code: 'REPORT_BAD_MESSAGES' | 'REPORT_BAD_CATALOG' | 'REPORT_BAD_USAGE' | 'REPORT_BAD_OPCODES' | 'REPORT_BAD_DIGESTS', message: string) {
    super(code, message);
  }
}
