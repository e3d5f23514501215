import { Command } from 'commander';
import { collectInfo, formatInfo } from './info.js';
import { VERSION } from './version.js';

/** Build the `crat` command tree. Each later command registers itself here. */
export function buildProgram(): Command {
  const program = new Command('crat')
    .description('CRAT-TS: long-tailed detection and instance segmentation on LVIS')
    .version(VERSION, '-v, --version')
    .showHelpAfterError();

  program
    .command('info')
    .description(
      'print the Node version, the TF.js backends available here and the registered plug-ins',
    )
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean }) => {
      const info = await collectInfo();
      console.log(opts.json ? JSON.stringify(info, null, 2) : formatInfo(info));
    });

  return program;
}
