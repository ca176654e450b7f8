import { readInputFile } from '../cli-files';
import { basename } from 'node:path';
import { UsageError } from '../command';
import { FormatError } from '../../firmware/binary/format-error';
import { PolicySourceError } from '../../firmware/policy/policy-errors';
import { loadPolicy, PolicySourceFormat } from '../../firmware/policy/policy-file';
import { SecurePolicy } from '../../firmware/policy/policy-types';

/** Shared by the `policy` commands (not a command itself). */

/** Reads and parses a policy file; malformed content is a usage error (exit status 2). */
export function readPolicyFile(path: string, format?: PolicySourceFormat): { policy: SecurePolicy; format: PolicySourceFormat } {
  const bytes = readInputFile(path);
  try {
    return loadPolicy(path, bytes, format);
  } catch (e) {
    if (e instanceof PolicySourceError || e instanceof FormatError) throw new UsageError(e.message);
    throw e;
  }
}

export function one(positionals: string[], what: string): string {
  if (positionals.length === 0) throw new UsageError(`missing ${what}`);
  if (positionals.length > 1) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[1])}`);
  return positionals[0];
}

export function choice<T extends string>(value: string | undefined, allowed: readonly T[], option: string, fallback: T): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`${option} must be one of ${allowed.join(', ')} (got ${JSON.stringify(value)})`);
  return value as T;
}

export const INPUT_FORMATS = ['xml', 'yaml', 'bin'] as const;
export { basename };
