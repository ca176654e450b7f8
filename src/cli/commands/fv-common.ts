import { UsageError } from '../command';
import { FormatError } from '../../firmware/binary/format-error';

/** Shared by the `fv` and `hob` commands (not a command itself). */

/** Runs a parser; a malformed file (FormatError) becomes a one-line usage error (exit status 2). */
export function fvParseOrUsage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof FormatError) throw new UsageError(e.message);
    throw e;
  }
}

export function fvOnePositional(positionals: string[], what: string): string {
  if (positionals.length === 0) throw new UsageError(`missing ${what}`);
  if (positionals.length > 1) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[1])}`);
  return positionals[0];
}
