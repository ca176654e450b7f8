import type { CliIo } from '../../src/cli/command';

/** A captured CliIo for running commands through main() in tests. */
export function captureIo(stdin = ''): CliIo & { stdout: () => string; stderr: () => string } {
  let out = '', err = '';
  return {
    out: (t) => { out += t; },
    err: (t) => { err += t; },
    readStdin: async () => stdin,
    stdout: () => out,
    stderr: () => err,
  };
}
