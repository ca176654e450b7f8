import { CliCommand } from './command';

/**
 * Every `mmspec` command, in the order `--help` lists them. Each lives in its own file under
 * src/cli/commands/; add one line here per command.
 */
export const COMMANDS: CliCommand[] = [
];
