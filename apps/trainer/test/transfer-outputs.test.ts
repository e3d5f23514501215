import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TaskTransfer } from '@crat/core';
import { describe, expect, it } from 'vitest';
import { readReportInputs } from '../src/report/inputs.js';
import { writeTransferReports } from '../src/run/transfer-outputs.js';

describe('writeTransferReports', () => {
  it('writes one report file per transfer branch, readable by crat report', async () => {
    const workDir = mkdtempSync(join(tmpdir(), 'crat-transfer-'));
    const asked: unknown[] = [];
    const bbox: Pick<TaskTransfer, 'branch' | 'diagnostics'> = {
      branch: 'bbox',
      diagnostics: (opts?: unknown) => {
        asked.push(opts);
        return {
          numClasses: 3,
          targets: [
            {
              target: 1,
              topSources: [{ source: 0, weight: 0.9 }],
              topRois: [{ imageId: 7, box: [1, 1, 5, 5], sourceClass: 0, weight: 0.3 }],
            },
          ],
        };
      },
    };
    const mask: Pick<TaskTransfer, 'branch' | 'diagnostics'> = {
      branch: 'mask',
      diagnostics: () => ({
        matrix: [
          [0, 1, 0],
          [0, 0, 0],
          [2, 0, 0],
        ],
        classNames: ['a', 'b', 'c'],
        topSamples: {},
      }),
    };
    const silent: Pick<TaskTransfer, 'branch' | 'diagnostics'> = { branch: 'bbox' };
    const files = await writeTransferReports(
      workDir,
      [bbox, mask, silent],
      ['a', 'b', 'c'],
      ['f', 'r', 'c'],
    );
    expect(files.map((f) => f.split('/').at(-1))).toEqual([
      'crat_transfer_bbox.json',
      'crat_transfer_mask.json',
    ]);
    expect(asked[0]).toEqual({ classFrequencies: ['f', 'r', 'c'], keep: ['r', 'c', 'f'] });
    expect(readdirSync(workDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const inputs = readReportInputs(workDir);
    expect(inputs.transfers.map((t) => t.branch)).toEqual(['bbox', 'mask']);
    expect(inputs.transfers[0]!.matrix[0]![1]).toBe(0.9);
    expect(inputs.transfers[0]!.topSamples['1']).toEqual([
      { imageId: 7, box: [1, 1, 5, 5], sourceClass: 0, weight: 0.3 },
    ]);
    expect(inputs.transfers[1]!.matrix[2]![0]).toBe(2);
  });
});
