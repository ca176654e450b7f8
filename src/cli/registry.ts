import { CliCommand } from './command';
import { fvBuildCommand } from './commands/fv-build';
import { fvInspectCommand } from './commands/fv-inspect';
import { hobDumpCommand } from './commands/hob-dump';
import { policyCheckCommand } from './commands/policy-check';
import { policyCompileCommand } from './commands/policy-compile';
import { policyShowCommand } from './commands/policy-show';
import { x86RunCommand } from './commands/x86-run';

/**
 * Every `mmspec` command, in the order `--help` lists them. Each lives in its own file under
 * src/cli/commands/; add one line here per command.
 */
export const COMMANDS: CliCommand[] = [
  x86RunCommand,
  policyCompileCommand,
  policyShowCommand,
  policyCheckCommand,
  fvBuildCommand,
  fvInspectCommand,
  hobDumpCommand,
];
