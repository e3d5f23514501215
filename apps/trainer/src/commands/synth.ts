// `crat synth`: the command line of the synthetic dataset generator, with its progress line and
// summary.

import { generateSynthDataset, type SynthResult } from '@crat/lvis-synth';
import type { Command } from 'commander';

/** One progress line: bar, count, percentage, rate and time left. */
export function formatProgress(done: number, total: number, seconds: number, width = 30): string {
  const frac = total > 0 ? done / total : 1;
  const filled = Math.round(frac * width);
  const rate = seconds > 0 ? done / seconds : 0;
  const eta = rate > 0 ? (total - done) / rate : Number.NaN;
  const etaText = Number.isFinite(eta) ? `${eta.toFixed(0)}s` : '?';
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} ${(frac * 100).toFixed(0)}% ${rate.toFixed(0)} img/s ETA ${etaText}`;
}

/** A progress reporter: redraws one line on a terminal, prints every 10% otherwise. */
export function progressReporter(
  stream: NodeJS.WriteStream,
  label: string,
): (done: number, total: number) => void {
  const t0 = performance.now();
  let lastDraw = 0;
  let lastDecile = -1;
  return (done, total) => {
    const now = performance.now();
    const line = `${label} ${formatProgress(done, total, (now - t0) / 1000)}`;
    if (stream.isTTY) {
      if (done < total && now - lastDraw < 100) return;
      lastDraw = now;
      stream.write(`\r${line}${done >= total ? '\n' : ''}`);
    } else {
      const decile = Math.floor((10 * done) / total);
      if (decile === lastDecile) return;
      lastDecile = decile;
      stream.write(`${line}\n`);
    }
  };
}

function integer(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n)) throw new Error(`--${name} must be an integer, got '${value}'`);
    return n;
  };
}

export function summarizeSynth(r: SynthResult): string {
  const groups = { f: 0, c: 0, r: 0 };
  for (const c of r.classes) groups[c.frequency]++;
  return [
    `wrote ${r.out} in ${r.seconds.toFixed(1)} s`,
    `  train: ${r.counts.trainImages} images, ${r.counts.trainAnnotations} annotations -> ${r.trainAnnotationFile}`,
    `  val:   ${r.counts.valImages} images, ${r.counts.valAnnotations} annotations -> ${r.valAnnotationFile}`,
    ...(r.minivalAnnotationFile
      ? [
          `  minival: ${r.counts.minivalImages} images, ${r.counts.minivalAnnotations} annotations -> ${r.minivalAnnotationFile} (held back for recipe and model choices)`,
        ]
      : []),
    `  ${r.classes.length} classes: ${groups.f} frequent, ${groups.c} common, ${groups.r} rare`,
  ].join('\n');
}

export function registerSynth(program: Command): void {
  program
    .command('synth')
    .description('generate the synthetic long-tailed LVIS v1-format dataset')
    .requiredOption('--out <dir>', 'output folder (written atomically)')
    .option('--seed <n>', 'random seed', integer('seed'), 0)
    .option('--train <n>', 'train images', integer('train'), 3000)
    .option('--val <n>', 'val images', integer('val'), 600)
    .option(
      '--minival <n>',
      'minival images (held back for choices; 0: none)',
      integer('minival'),
      300,
    )
    .option('--size <px>', 'image side in pixels', integer('size'), 128)
    .option('--families <n>', 'shape families (1-10)', integer('families'), 8)
    .option('--variants <n>', 'appearance variants per family (1-6)', integer('variants'), 5)
    .option(
      '--workers <n>',
      'render threads (0: main thread; default min(2, cores))',
      integer('workers'),
    )
    .option('--overwrite', 'replace a non-empty output folder')
    .action(
      async (opts: {
        out: string;
        seed: number;
        train: number;
        val: number;
        minival: number;
        size: number;
        families: number;
        variants: number;
        workers?: number;
        overwrite?: boolean;
      }) => {
        const result = await generateSynthDataset({
          out: opts.out,
          seed: opts.seed,
          trainImages: opts.train,
          valImages: opts.val,
          minivalImages: opts.minival,
          size: opts.size,
          families: opts.families,
          variants: opts.variants,
          workers: opts.workers,
          overwrite: opts.overwrite,
          onProgress: progressReporter(process.stderr, 'synth'),
        });
        console.log(summarizeSynth(result));
      },
    );
}
