import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runEvalCommand } from '../src/commands/eval.js';
import { formatProgress } from '../src/commands/synth.js';
import { buildProgram } from '../src/program.js';

const root = mkdtempSync(join(tmpdir(), 'crat-synth-cmd-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('crat synth', () => {
  it('is listed in the help', () => {
    expect(buildProgram().helpInformation()).toMatch(/synth/);
  });

  it('writes a dataset with the requested sizes', async () => {
    const out = join(root, 'ds');
    const logs: string[] = [];
    const log = console.log;
    console.log = (...args: unknown[]) => logs.push(args.join(' '));
    try {
      await buildProgram().parseAsync(
        [
          'synth',
          '--out',
          out,
          '--seed',
          '1',
          '--train',
          '40',
          '--val',
          '40',
          '--size',
          '64',
          '--workers',
          '0',
        ],
        { from: 'user' },
      );
    } finally {
      console.log = log;
    }
    const train = JSON.parse(readFileSync(join(out, 'annotations/lvis_v1_train.json'), 'utf8'));
    const val = JSON.parse(readFileSync(join(out, 'annotations/lvis_v1_val.json'), 'utf8'));
    expect(train.images).toHaveLength(40);
    expect(val.images).toHaveLength(40);
    expect(train.images[0].width).toBe(64);
    expect(train.categories).toHaveLength(40);
    expect(logs.join('\n')).toMatch(/40 classes/);
  });

  it('writes val ground truth that crat eval accepts (perfect detections score AP 1)', async () => {
    const out = join(root, 'ds');
    const gt = join(out, 'annotations/lvis_v1_val.json');
    const val = JSON.parse(readFileSync(gt, 'utf8'));
    const results = val.annotations.map(
      (a: { image_id: number; category_id: number; bbox: number[]; segmentation: unknown }) => ({
        image_id: a.image_id,
        category_id: a.category_id,
        score: 0.9,
        bbox: a.bbox,
        segmentation: a.segmentation,
      }),
    );
    const file = join(root, 'perfect.json');
    writeFileSync(file, JSON.stringify(results));
    for (const type of ['bbox', 'segm'] as const) {
      const { report } = await runEvalCommand({ gt, results: file, type, progress: null });
      expect(report.metrics.AP).toBeCloseTo(1, 9);
      expect(report.metrics['AR@300']).toBeCloseTo(1, 9);
    }
  });

  it('draws a progress bar with rate and ETA', () => {
    expect(formatProgress(50, 200, 2, 10)).toBe('[###-------] 50/200 25% 25 img/s ETA 6s');
    expect(formatProgress(0, 10, 0, 4)).toBe('[----] 0/10 0% 0 img/s ETA ?');
  });
});
