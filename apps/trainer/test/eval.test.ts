import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { LVIS_METRIC_NAMES, type LVISEvalReport } from 'lvis-ts-types';
import { afterAll, describe, expect, it } from 'vitest';
import { runEvalCommand } from '../src/commands/eval.js';
import { buildProgram } from '../src/program.js';

const FIXTURES = process.env.CRAT_FIXTURES_DIR ?? resolve(__dirname, '../../../../shared/fixtures');
const LVIS_DIR = join(FIXTURES, 'lvis');
const GT = join(LVIS_DIR, 'lvis_val_100.json');
const RESULTS = join(LVIS_DIR, 'results_a.json');
const EXPECTED = join(LVIS_DIR, 'expected_a.json');

const tmp = mkdtempSync(join(tmpdir(), 'crat-eval-cmd-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function runCli(args: string[]): Promise<{ out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...a: unknown[]) => out.push(a.join(' '));
  console.error = (...a: unknown[]) => err.push(a.join(' '));
  try {
    await buildProgram()
      .exitOverride()
      .parseAsync(['node', 'crat', ...args]);
  } finally {
    console.log = log;
    console.error = error;
  }
  return { out, err };
}

describe('crat eval', () => {
  it('is listed in the help', () => {
    expect(buildProgram().helpInformation()).toMatch(/eval/);
  });

  it('prints the 13-line table and writes the expected schema, equal to the official numbers', async () => {
    const outFile = join(tmp, 'nested', 'bbox.json');
    const { out } = await runCli([
      'eval',
      '--gt',
      GT,
      '--results',
      RESULTS,
      '--type',
      'bbox',
      '--json',
      outFile,
    ]);
    const table = out.join('\n').split('\n');
    expect(table).toHaveLength(13);
    expect(table[0]).toMatch(
      /^ Average Precision {2}\(AP\) @\[ IoU=0\.50:0\.95 \| area= {3}all \| maxDets=300 catIds=all\] = \d\.\d{3}$/,
    );
    expect(table[12]).toMatch(
      /^ Average Recall {5}\(AR\) @\[ IoU=0\.50:0\.95 \| area= {5}l \| maxDets=300 catIds=all\] = /,
    );
    const written = JSON.parse(readFileSync(outFile, 'utf8')) as LVISEvalReport;
    expect(Object.keys(written)).toEqual(['metrics', 'per_category_ap']);
    expect(Object.keys(written.metrics)).toEqual([...LVIS_METRIC_NAMES]);
    const expected = (JSON.parse(readFileSync(EXPECTED, 'utf8')) as Record<string, LVISEvalReport>)
      .bbox;
    for (const k of LVIS_METRIC_NAMES)
      expect(Math.abs(written.metrics[k] - expected.metrics[k])).toBeLessThanOrEqual(1e-6);
    expect(Object.keys(written.per_category_ap).sort()).toEqual(
      Object.keys(expected.per_category_ap).sort(),
    );
    // nothing half-written left beside the output
    expect(readdirSync(join(tmp, 'nested'))).toEqual(['bbox.json']);
  });

  it('evaluates segm through the command function', async () => {
    const { report, table } = await runEvalCommand({
      gt: GT,
      results: RESULTS,
      type: 'segm',
      progress: null,
    });
    const expected = (JSON.parse(readFileSync(EXPECTED, 'utf8')) as Record<string, LVISEvalReport>)
      .segm;
    expect(Math.abs(report.metrics.AP - expected.metrics.AP)).toBeLessThanOrEqual(1e-6);
    expect(table.split('\n')).toHaveLength(13);
  });

  it('fails with a clear error on malformed JSON, wrong schema and unknown ids, writing nothing', async () => {
    const outFile = join(tmp, 'never.json');
    const bad = join(tmp, 'bad.json');
    writeFileSync(bad, '[{"image_id": 1,, }]');
    await expect(
      runCli(['eval', '--gt', GT, '--results', bad, '--type', 'bbox', '--json', outFile]),
    ).rejects.toThrow(/bad\.json: malformed JSON/);

    const gtRecords = JSON.parse(readFileSync(GT, 'utf8')) as { images: { id: number }[] };
    const imageId = gtRecords.images[0].id;
    const wrongField = join(tmp, 'wrong-field.json');
    writeFileSync(
      wrongField,
      JSON.stringify([{ image_id: imageId, category_id: 1, bbox: [1, 2, 3, 4], score: 'x' }]),
    );
    await expect(
      runCli(['eval', '--gt', GT, '--results', wrongField, '--type', 'bbox', '--json', outFile]),
    ).rejects.toThrow(/wrong-field\.json: results\[0\]: field 'score' must be a number/);

    const notArray = join(tmp, 'object.json');
    writeFileSync(notArray, '{"annotations": []}');
    await expect(
      runEvalCommand({ gt: GT, results: notArray, type: 'bbox', progress: null }),
    ).rejects.toThrow(/object\.json: a results file must be a JSON array/);

    const unknownImage = join(tmp, 'unknown-image.json');
    writeFileSync(
      unknownImage,
      JSON.stringify([
        { image_id: imageId, category_id: 1, bbox: [1, 2, 3, 4], score: 0.5 },
        { image_id: -7, category_id: 1, bbox: [1, 2, 3, 4], score: 0.5 },
      ]),
    );
    await expect(
      runEvalCommand({ gt: GT, results: unknownImage, type: 'bbox', progress: null }),
    ).rejects.toThrow(
      /unknown-image\.json: results\[1\]: field 'image_id' names image -7, which is not in the ground truth/,
    );

    const badGt = join(tmp, 'bad-gt.json');
    writeFileSync(
      badGt,
      JSON.stringify({ images: [], categories: [], annotations: [{ id: 5, image_id: 1 }] }),
    );
    await expect(
      runEvalCommand({ gt: badGt, results: RESULTS, type: 'bbox', progress: null }),
    ).rejects.toThrow(
      /bad-gt\.json: annotations\[0\] \(id 5\): field 'category_id' must be a number, got missing/,
    );

    await expect(
      runEvalCommand({ gt: GT, results: RESULTS, type: 'mask' as 'bbox', progress: null }),
    ).rejects.toThrow(/--type must be 'bbox' or 'segm'/);
    expect(existsSync(outFile)).toBe(false);
  });
});
