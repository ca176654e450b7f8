import { readFileSync } from 'node:fs';
import { isMmspecError } from '../common/errors';
import { CliCommand, CliIo, UsageError } from './command';
import { COMMANDS } from './registry';

const processIo: CliIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  readStdin: async () => readFileSync(0, 'utf8'),
};

function topHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'usage: mmspec <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'mmspec <command> --help' for a command's options.",
    '',
  ].join('\n');
}

/** Finds the longest command name that prefixes `args` ("policy compile" before "policy"). */
function resolve(args: string[]): { command: CliCommand; rest: string[] } | undefined {
  let best: { command: CliCommand; rest: string[] } | undefined;
  for (const c of COMMANDS) {
    const words = c.name.split(' ');
    if (words.every((w, i) => args[i] === w) && (!best || words.length > best.command.name.split(' ').length)) {
      best = { command: c, rest: args.slice(words.length) };
    }
  }
  return best;
}

/** Runs the CLI; resolves to the process exit status. */
export async function main(args: string[], io: CliIo = processIo): Promise<number> {
  if (args.length === 0 || args[0] === '--help' || args[0] === '-h' || args[0] === 'help') {
    io.out(topHelp());
    return args.length === 0 ? 2 : 0;
  }
  const found = resolve(args);
  if (!found) {
    const group = COMMANDS.filter((c) => c.name.split(' ')[0] === args[0]);
    if (group.length > 0) {
      io.err(`mmspec: '${args.slice(0, 2).join(' ')}' is not a command; ${args[0]} has: ${group.map((c) => c.name.split(' ').slice(1).join(' ')).join(', ')}\n`);
    } else {
      io.err(`mmspec: unknown command '${args[0]}'; run 'mmspec --help'\n`);
    }
    return 2;
  }
  if (found.rest.includes('--help') || found.rest.includes('-h')) {
    io.out(found.command.usage.endsWith('\n') ? found.command.usage : found.command.usage + '\n');
    return 0;
  }
  try {
    return await found.command.run(found.rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`mmspec ${found.command.name}: ${e.message}\n`);
      return 2;
    }
    if (isMmspecError(e)) {
      io.err(`mmspec ${found.command.name}: ${e.message} [${e.code}]\n`);
      return 1;
    }
    throw e;
  }
}
