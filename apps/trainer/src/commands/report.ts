// `crat report`: the command line over `writeReport`.

import { resolve } from 'node:path';
import type { Command } from 'commander';
import { writeReport } from '../report/index.js';

interface ReportOptions {
  workDir: string;
  out?: string;
  ann?: string;
  trainAnn?: string;
  imgDir?: string;
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description(
      'write a self-contained HTML report of a run: loss curves, AP per frequency group, per-class AP against training count, the CRAT transfer matrix and top transfused samples',
    )
    .requiredOption(
      '--work-dir <dir>',
      'the run folder (metrics.jsonl, eval/, crat_transfer*.json, config.json)',
    )
    .option('--out <file>', 'where to write the page (default <work-dir>/report.html)')
    .option(
      '--ann <file>',
      'annotation file with the categories (default: the run config’s val annotations)',
    )
    .option('--train-ann <file>', 'training annotations, for image names of transfused samples')
    .option('--img-dir <dir>', 'folder of the training images')
    .action(async (o: ReportOptions) => {
      const out = await writeReport(resolve(o.workDir), {
        ...(o.out ? { out: resolve(o.out) } : {}),
        ...(o.ann ? { annFile: o.ann } : {}),
        ...(o.trainAnn ? { trainAnnFile: o.trainAnn } : {}),
        ...(o.imgDir ? { imgDir: o.imgDir } : {}),
      });
      console.log(`report written to ${out}`);
    });
}
