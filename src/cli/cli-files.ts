import { readFileSync, writeFileSync } from 'node:fs';
import { UsageError } from './command';

/** Reads a file a command was given; an unreadable file is a one-line usage error (exit status 2). */
export function readInputFile(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${path}${code === 'ENOENT' ? ': no such file' : code === 'EISDIR' ? ': is a directory' : code ? `: ${code}` : ''}`);
  }
}

/** Writes a command's output file; failure is a one-line usage error (exit status 2). */
export function writeOutputFile(path: string, bytes: Uint8Array): void {
  try {
    writeFileSync(path, bytes);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot write ${path}${code ? `: ${code}` : ''}`);
  }
}
