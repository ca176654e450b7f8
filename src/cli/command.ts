import { MmspecError } from '../common/errors';

/** Where a command writes: injectable so tests can capture output. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Reads all of standard input (for `-` arguments and batch modes). */
  readStdin(): Promise<string>;
}

/** One `mmspec` sub-command (or command group). */
export interface CliCommand {
  /** e.g. `x86 run`, `policy compile`. */
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** The full `--help` text. */
  readonly usage: string;
  run(args: string[], io: CliIo): Promise<number>;
}

/**
 * A usage mistake: bad arguments, unreadable files. The CLI prints its message as one line and exits 2
 * (issue #3 "bad arguments and unreadable files give one clear line and exit status 2").
 */
export class UsageError extends MmspecError {
  constructor(message: string) {
    super('CLI_USAGE', message);
  }
}

/** Minimal option parser: `--flag`, `--opt value`, `--opt=value`, `-o value`; the rest are positionals. */
export function parseOptions(args: string[], spec: { flags?: string[]; options?: string[]; aliases?: Record<string, string> }): {
  flags: Set<string>;
  options: Map<string, string>;
  positionals: string[];
} {
  const flags = new Set<string>();
  const options = new Map<string, string>();
  const positionals: string[] = [];
  const known = new Set([...(spec.flags ?? []), ...(spec.options ?? [])]);
  for (let i = 0; i < args.length; i++) {
    let a = args[i];
    if (a === '-' || !a.startsWith('-')) { positionals.push(a); continue; }
    let inline: string | undefined;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) { inline = a.slice(eq + 1); a = a.slice(0, eq); }
    const name = spec.aliases?.[a] ?? a;
    if (!known.has(name)) throw new UsageError(`unknown option ${a}`);
    if (spec.flags?.includes(name)) {
      if (inline !== undefined) throw new UsageError(`option ${name} takes no value`);
      flags.add(name);
    } else {
      const v = inline ?? args[++i];
      if (v === undefined) throw new UsageError(`option ${name} needs a value`);
      options.set(name, v);
    }
  }
  return { flags, options, positionals };
}
