// `crat bench`: the command line of the benchmarks that train (`experiments`).

import type { BackendChoice } from '@crat/tensor';
import type { Command } from 'commander';
import { runExperiments } from '../bench/experiments.js';

interface ExperimentsCliOptions {
  budget: string;
  seeds: string;
  out: string;
  valImages?: string;
  backend?: BackendChoice;
  workDir?: string;
  only?: string[];
}

function positiveInt(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`${flag}: expected a positive integer, got '${v}'`);
  return n;
}

export function registerBench(program: Command): void {
  const bench = program
    .command('bench')
    .description('benchmarks that train (see `pnpm bench` for kernels)');
  bench
    .command('experiments')
    .description(
      'train {ce, eqlv2, group_softmax, seesaw} x {without, with CRAT} and the CRAT modes on EQLv2 on the synthetic set; write a Markdown table of box/mask AP, APr, APc, APf',
    )
    .option('--budget <steps>', 'training steps per run', '150')
    .option('--seeds <n>', 'seeds per experiment (mean ± std)', '1')
    .option('--out <file>', 'Markdown output', 'work_dirs/bench_experiments/experiments.md')
    .option('--val-images <n>', 'evaluate on the first N val images (default: all)')
    .option('--backend <name>', 'TF.js backend (default wasm)')
    .option(
      '--work-dir <dir>',
      'where the runs go (each replaces an earlier run of its name)',
      'work_dirs/bench_experiments',
    )
    .option('--only <names...>', 'only experiments whose name contains one of these')
    .action(async (o: ExperimentsCliOptions) => {
      const md = await runExperiments({
        budget: positiveInt('--budget', o.budget),
        seeds: positiveInt('--seeds', o.seeds),
        out: o.out,
        ...(o.valImages ? { valImages: positiveInt('--val-images', o.valImages) } : {}),
        ...(o.backend ? { backend: o.backend } : {}),
        ...(o.workDir ? { workDir: o.workDir } : {}),
        ...(o.only ? { only: o.only } : {}),
      });
      console.log(md);
      console.log(`written to ${o.out}`);
    });
}
