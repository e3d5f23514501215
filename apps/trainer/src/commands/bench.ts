// `crat bench`: the command line of the benchmarks that train (`experiments`, `select`).

import { join } from 'node:path';
import type { BackendChoice } from '@crat/tensor';
import type { Command } from 'commander';
import { type ExperimentsOptions, runExperiments } from '../bench/experiments.js';

interface BenchCliOptions {
  budget: string;
  seeds: string;
  pipelineSeeds?: string;
  out?: string;
  readme?: string;
  valImages?: string;
  backend?: BackendChoice;
  workDir: string;
  only?: string[];
  rows?: string[];
  resume?: boolean;
  allowMixedCommits?: boolean;
  dryRun?: boolean;
}

function positiveInt(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`${flag}: expected a positive integer, got '${v}'`);
  return n;
}

function benchOptions(o: BenchCliOptions, kind: 'experiments' | 'select'): ExperimentsOptions {
  return {
    // The document goes beside the runs it is made from unless told otherwise.
    out: o.out ?? join(o.workDir, `${kind}.md`),
    kind,
    budget: positiveInt('--budget', o.budget),
    seeds: positiveInt('--seeds', o.seeds),
    ...(o.pipelineSeeds ? { pipelineSeeds: positiveInt('--pipeline-seeds', o.pipelineSeeds) } : {}),
    workDir: o.workDir,
    ...(o.readme ? { readme: o.readme } : {}),
    ...(o.valImages ? { valImages: positiveInt('--val-images', o.valImages) } : {}),
    ...(o.backend ? { backend: o.backend } : {}),
    ...(o.only ? { only: o.only } : {}),
    ...(o.rows ? { rows: o.rows } : {}),
    resume: o.resume ?? false,
    allowMixedCommits: o.allowMixedCommits ?? false,
    dryRun: o.dryRun ?? false,
  };
}

/** The options both commands share: budget, seeds, output, resume and provenance. */
function sharedOptions(cmd: Command, kind: 'experiments' | 'select', seeds: string): Command {
  return cmd
    .option('--budget <steps>', 'training steps per run', '150')
    .option('--seeds <n>', 'seeds per row (mean ± std, paired differences)', seeds)
    .option('--out <file>', `Markdown output (default <work-dir>/${kind}.md)`)
    .option(
      '--readme <file>',
      `also write the document between <!-- bench-${kind}:start --> and <!-- bench-${kind}:end --> of this Markdown file`,
    )
    .option('--val-images <n>', 'evaluate on the first N images of the split (default: all)')
    .option('--backend <name>', 'TF.js backend (default wasm)')
    .option('--work-dir <dir>', 'where the runs and their records go', `work_dirs/bench_${kind}`)
    .option('--only <names...>', 'only rows whose name contains one of these')
    .option(
      '--rows <names...>',
      "only the rows named exactly so, e.g. --rows 'EQLv2' 'EQLv2 + CRAT' (with --only: either)",
    )
    .option('--resume', "reuse the work dir's finished runs and train only the missing ones")
    .option(
      '--allow-mixed-commits',
      'let one table hold runs made with different code (refused by default)',
    )
    .option(
      '--dry-run',
      'say which runs would be reused and which trained; train nothing, write no document',
    );
}

export function registerBench(program: Command): void {
  const bench = program
    .command('bench')
    .description('benchmarks that train (see `pnpm bench` for kernels)');
  sharedOptions(
    bench
      .command('experiments')
      .description(
        'train {CE, EQLv2, Group softmax, Seesaw} x {without, with CRAT}, the CRAT modes, box-/mask-only CRAT, CRAT with each sampler and the decoupled stage 2 on the synthetic set, evaluate on val; write the tables, the paired differences and the per-class view',
      ),
    'experiments',
    '3',
  )
    .option('--pipeline-seeds <n>', "seeds of the default pipeline's pair (EQLv2 ± CRAT)", '5')
    .action(async (o: BenchCliOptions) => {
      const options = benchOptions(o, 'experiments');
      console.log(await runExperiments(options));
      if (options.dryRun) return;
      console.log(`written to ${options.out}${o.readme ? ` and ${o.readme}` : ''}`);
    });
  sharedOptions(
    bench
      .command('select')
      .description(
        'train the candidate CRAT settings (modes, temperature, loss weights) and evaluate them on the held-back minival split; report the pick (never chosen on val)',
      ),
    'select',
    '3',
  ).action(async (o: BenchCliOptions) => {
    const options = benchOptions(o, 'select');
    console.log(await runExperiments(options));
    if (options.dryRun) return;
    console.log(`written to ${options.out}${o.readme ? ` and ${o.readme}` : ''}`);
  });
}
