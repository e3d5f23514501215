// LVIS evaluation of a run's results, and its outputs: the `eval/` record, the metrics-log
// fields and the printed table.

import { join } from 'node:path';
import { writeJsonAtomic } from '@crat/core';
import { LVIS, LVISEval, LVISResults } from '@crat/lvis';
import {
  type IouType,
  LVIS_METRIC_NAMES,
  type LVISEvalReport,
  type LVISResult,
} from 'lvis-ts-types';
import type { EvalRecord } from '../report/inputs.js';

export type EvalReports = Partial<Record<IouType, LVISEvalReport>>;

/** LVIS evaluation of detection results against a ground-truth set, for each IoU type asked. */
export function evaluateResults(
  gt: LVIS,
  results: readonly LVISResult[],
  types: readonly IouType[],
): EvalReports {
  const out: EvalReports = {};
  for (const type of types) {
    const usable = type === 'segm' ? results.filter((r) => r.segmentation !== undefined) : results;
    const ev = new LVISEval(gt, new LVISResults(gt, usable, { iouType: type }), type);
    ev.run();
    out[type] = ev.report();
  }
  return out;
}

/** Load ground truth from a file (streamed when large) and evaluate. */
export async function evaluateResultsFile(
  gtFile: string,
  results: readonly LVISResult[],
  types: readonly IouType[],
): Promise<EvalReports> {
  return evaluateResults(await LVIS.load(gtFile), results, types);
}

/** Write `eval/iter_NNNNNN.json` in the work dir (what `crat report` reads), atomically. */
export async function writeEvalRecord(
  workDir: string,
  record: EvalRecord & { iter: number },
): Promise<string> {
  const { mkdir } = await import('node:fs/promises');
  const dir = join(workDir, 'eval');
  await mkdir(dir, { recursive: true });
  const path = join(dir, `iter_${String(record.iter).padStart(6, '0')}.json`);
  await writeJsonAtomic(path, record);
  return path;
}

/** The summary metrics as flat numbers for the metrics log (`bbox_AP`, `segm_APr`, ...). */
export function flattenMetrics(reports: EvalReports): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [type, r] of Object.entries(reports)) {
    if (!r) continue;
    for (const name of LVIS_METRIC_NAMES) out[`${type}_${name}`] = r.metrics[name];
  }
  return out;
}

/** The LVIS table, one column per IoU type: AP, AP50, ..., AR@300 (-1 shown as n/a). */
export function formatEvalTable(reports: EvalReports): string {
  const types = (['bbox', 'segm'] as const).filter((t) => reports[t]);
  const head = `${'metric'.padEnd(9)}${types.map((t) => t.padStart(9)).join('')}`;
  const rows = LVIS_METRIC_NAMES.map((name) => {
    const cells = types.map((t) => {
      const v = reports[t]!.metrics[name];
      return (v < 0 ? 'n/a' : v.toFixed(4)).padStart(9);
    });
    return `${name.padEnd(9)}${cells.join('')}`;
  });
  const rule = '-'.repeat(head.length);
  return [rule, head, rule, ...rows, rule].join('\n');
}
