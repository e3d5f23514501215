// `crat eval`: LVIS evaluation of a results file, with progress over categories and an
// optional JSON report.

import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { writeJsonAtomic } from '@crat/core';
import { LVIS, LVISEval, LVISResults } from '@crat/lvis';
import type { Command } from 'commander';
import type { IouType, LVISEvalReport } from 'lvis-ts-types';

export interface EvalCommandOptions {
  gt: string;
  results: string;
  type: IouType;
  /** Where to write `{ metrics, per_category_ap }`; nothing written when absent. */
  json?: string;
  /** Progress lines go here (stderr by default); `null` for none. */
  progress?: NodeJS.WriteStream | null;
  /** Threads for loading and evaluating (default: every core; the numbers are the same). */
  threads?: number;
}

export interface EvalCommandResult {
  report: LVISEvalReport;
  /** The official 13-line table. */
  table: string;
  seconds: number;
  /**
   * Inputs evaluated as the official API does but probably wrong, naming the records:
   * negative scores, and (for segm) polygons pycocotools treats specially.
   */
  warnings: string[];
}

/** Load, evaluate, and write the report atomically (temporary file, then rename). */
export async function runEvalCommand(opts: EvalCommandOptions): Promise<EvalCommandResult> {
  if (opts.type !== 'bbox' && opts.type !== 'segm') {
    throw new Error(`--type must be 'bbox' or 'segm', got '${opts.type}'`);
  }
  const t0 = performance.now();
  const gt = await LVIS.load(opts.gt);
  const dt = await LVISResults.load(gt, opts.results, {
    iouType: opts.type,
    threads: opts.threads,
  });
  const ev = new LVISEval(gt, dt, opts.type);
  const stream = opts.progress === undefined ? process.stderr : opts.progress;
  await ev.evaluateAsync({
    threads: opts.threads,
    onProgress: stream ? categoryProgress(stream, `eval ${opts.type}`) : undefined,
  });
  const result = {
    report: ev.report(),
    table: ev.format(),
    seconds: (performance.now() - t0) / 1000,
    // ground-truth polygons are rasterized for segm only
    warnings: [...(opts.type === 'segm' ? gt.warnings : []), ...dt.warnings],
  };
  if (opts.json) {
    const target = resolve(opts.json);
    await mkdir(dirname(target), { recursive: true });
    await writeJsonAtomic(target, result.report, 2);
  }
  return result;
}

/** Progress over categories: a redrawn line on a terminal, every ~10% otherwise. */
function categoryProgress(
  stream: NodeJS.WriteStream,
  label: string,
): (p: { done: number; total: number }) => void {
  const t0 = performance.now();
  let lastDecile = -1;
  return ({ done, total }) => {
    const secs = (performance.now() - t0) / 1000;
    const rate = secs > 0 ? done / secs : 0;
    const eta = rate > 0 ? `${((total - done) / rate).toFixed(1)}s` : '?';
    const width = 30;
    const filled = Math.round((done / total) * width);
    const line = `${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} categories ${rate.toFixed(0)}/s ETA ${eta}`;
    if (stream.isTTY) {
      stream.write(`\r${line}${done >= total ? '\n' : ''}`);
      return;
    }
    const decile = Math.floor((10 * done) / total);
    if (decile !== lastDecile) {
      lastDecile = decile;
      stream.write(`${line}\n`);
    }
  };
}

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description('LVIS evaluation of a results file (official LVIS API semantics and numbers)')
    .requiredOption('--gt <file>', 'LVIS annotation file (ground truth)')
    .requiredOption(
      '--results <file>',
      'detections: a JSON array of {image_id, category_id, score, bbox, segmentation}',
    )
    .requiredOption('--type <bbox|segm>', 'evaluation type')
    .option('--json <file>', 'also write {metrics, per_category_ap} to this file')
    .option('--threads <n>', 'threads for loading and evaluating (default: every core)')
    .action(
      async (o: { gt: string; results: string; type: string; json?: string; threads?: string }) => {
        const threads = o.threads === undefined ? undefined : Number(o.threads);
        if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1)) {
          throw new Error(`--threads must be a positive integer, got '${o.threads}'`);
        }
        const { table, seconds, warnings } = await runEvalCommand({
          gt: o.gt,
          results: o.results,
          type: o.type as IouType,
          json: o.json,
          threads,
        });
        for (const w of warnings) console.error(`warning: ${w}`);
        console.log(table);
        console.error(`evaluated in ${seconds.toFixed(2)} s${o.json ? `; wrote ${o.json}` : ''}`);
      },
    );
}
