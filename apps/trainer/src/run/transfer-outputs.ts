// Each transfer plug-in's diagnostics written as the report's `crat_transfer_<branch>.json`.

import { join } from 'node:path';
import type { TaskTransfer } from '@crat/core';
import { writeJsonAtomic } from '@crat/core';
import {
  type CratSummaryLike,
  type TransferReport,
  transferReportFromSummary,
  validateTransferReport,
} from '../report/transfer-report.js';

function isSummary(d: Record<string, unknown>): d is Record<string, unknown> & CratSummaryLike {
  return typeof d.numClasses === 'number' && Array.isArray(d.targets);
}

/**
 * Write each transfer plug-in's diagnostics as `crat_transfer_<branch>.json` in the report
 * format. CRAT's per-target summaries are converted (every frequency group kept); a plug-in
 * that already returns `{ matrix, classNames, topSamples }` is written as it is.
 * Returns the files written.
 */
export async function writeTransferReports(
  workDir: string,
  transfers: readonly Pick<TaskTransfer, 'branch' | 'diagnostics'>[],
  classNames: string[],
  classFrequencies?: string[],
): Promise<string[]> {
  const written: string[] = [];
  const seen = new Map<string, number>();
  for (const t of transfers) {
    if (!t.diagnostics) continue;
    const raw = t.diagnostics({
      ...(classFrequencies ? { classFrequencies } : {}),
      keep: ['r', 'c', 'f'],
    });
    const n = seen.get(t.branch) ?? 0;
    seen.set(t.branch, n + 1);
    const name = `crat_transfer_${t.branch}${n ? `_${n}` : ''}.json`;
    const path = join(workDir, name);
    const report: TransferReport = isSummary(raw)
      ? transferReportFromSummary({ ...raw, branch: t.branch }, classNames)
      : { ...validateTransferReport(raw, `${t.branch} transfer diagnostics`), branch: t.branch };
    await writeJsonAtomic(path, report);
    written.push(path);
  }
  return written;
}
