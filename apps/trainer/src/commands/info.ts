// `crat info`: prints the machine and plug-in summary, as text or JSON.

import type { Command } from 'commander';
import { collectInfo, formatInfo } from '../info.js';

export function registerInfo(program: Command): void {
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
}
