import { CliCommand } from './command';

/**
 * Every `mmspec` command, in the order `--help` lists them. Each lives in its own file under
 * src/cli/commands/; add one line here per command.
 */
export const COMMANDS: CliCommand[] = [
  (require('./commands/policy-compile') as typeof import('./commands/policy-compile')).policyCompileCommand,
  (require('./commands/policy-show') as typeof import('./commands/policy-show')).policyShowCommand,
  (require('./commands/policy-check') as typeof import('./commands/policy-check')).policyCheckCommand,
];
