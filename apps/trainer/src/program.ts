// The `crat` command tree, built from the sub-commands' register functions.

import { Command } from 'commander';
import { COMMANDS } from './commands/index.js';
import { VERSION } from './version.js';

/** Build the `crat` command tree. */
export function buildProgram(): Command {
  const program = new Command('crat')
    .description('CRAT-TS: long-tailed detection and instance segmentation on LVIS')
    .version(VERSION, '-v, --version')
    .showHelpAfterError();
  for (const register of COMMANDS) register(program);
  return program;
}
