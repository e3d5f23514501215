import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { LVIS } from '@crat/lvis';
import type { LVISResult } from 'lvis-ts-types';
import { describe, expect, it } from 'vitest';
import { readReportInputs } from '../src/report/inputs.js';
import {
  evaluateResults,
  flattenMetrics,
  formatEvalTable,
  writeEvalRecord,
} from '../src/run/evaluation.js';

const FIXTURES = process.env.CRAT_FIXTURES_DIR ?? resolve(__dirname, '../../../../shared/fixtures');

describe('evaluation outputs', () => {
  it('evaluates bbox and segm, writes the record the report reads, prints the table', async () => {
    const gtFile = join(FIXTURES, 'lvis/lvis_val_100.json');
    const gt = await LVIS.load(gtFile);
    const results = JSON.parse(
      readFileSync(join(FIXTURES, 'lvis/results_a.json'), 'utf8'),
    ) as LVISResult[];
    const expected = JSON.parse(readFileSync(join(FIXTURES, 'lvis/expected_a.json'), 'utf8'));
    const reports = evaluateResults(gt, results, ['bbox', 'segm']);
    // the trainer hands results through unchanged: the official numbers come out
    expect(reports.bbox!.metrics.AP).toBeCloseTo(expected.bbox.metrics.AP, 6);
    expect(reports.segm!.metrics.APr).toBeCloseTo(expected.segm.metrics.APr, 6);

    const flat = flattenMetrics(reports);
    expect(Object.keys(flat)).toHaveLength(26);
    expect(flat.bbox_AP).toBe(reports.bbox!.metrics.AP);

    const table = formatEvalTable(reports);
    const lines = table.split('\n');
    expect(lines[1]).toMatch(/^metric\s+bbox\s+segm$/);
    expect(lines).toHaveLength(13 + 4);
    expect(table).toContain(`AP${' '.repeat(7)}${reports.bbox!.metrics.AP.toFixed(4).padStart(9)}`);

    const workDir = mkdtempSync(join(tmpdir(), 'crat-eval-'));
    const path = await writeEvalRecord(workDir, { iter: 42, epoch: 1, ...reports });
    expect(path).toBe(join(workDir, 'eval', 'iter_000042.json'));
    expect(existsSync(path)).toBe(true);
    const inputs = readReportInputs(workDir);
    expect(inputs.evals).toHaveLength(1);
    expect(inputs.evals[0]!.bbox!.per_category_ap).toEqual(reports.bbox!.per_category_ap);
  });
});
