import { CliCommand } from './command';

/**
 * Every `mmspec` command, in the order `--help` lists them. Each lives in its own file under
 * src/cli/commands/; add one line here per command.
 */
export const COMMANDS: CliCommand[] = [
  (require('./commands/x86-run') as typeof import('./commands/x86-run')).x86RunCommand,
  (require('./commands/policy-compile') as typeof import('./commands/policy-compile')).policyCompileCommand,
  (require('./commands/policy-show') as typeof import('./commands/policy-show')).policyShowCommand,
  (require('./commands/policy-check') as typeof import('./commands/policy-check')).policyCheckCommand,
  (require('./commands/fv-build') as typeof import('./commands/fv-build')).fvBuildCommand,
  (require('./commands/fv-inspect') as typeof import('./commands/fv-inspect')).fvInspectCommand,
  (require('./commands/hob-dump') as typeof import('./commands/hob-dump')).hobDumpCommand,
];
