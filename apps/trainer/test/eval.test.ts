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

  it('refuses boxes of negative width and segm without segmentations, naming the record', async () => {
    const gtRecords = JSON.parse(readFileSync(GT, 'utf8')) as { images: { id: number }[] };
    const image_id = gtRecords.images[0].id;
    const file = join(tmp, 'negative-width.json');
    writeFileSync(
      file,
      JSON.stringify([
        { image_id, category_id: 1, bbox: [1, 2, 3, 4], score: 0.5 },
        { image_id, category_id: 1, bbox: [40, 2, 10 - 40, 4], score: 0.5 },
      ]),
    );
    await expect(
      runEvalCommand({ gt: GT, results: file, type: 'bbox', progress: null }),
    ).rejects.toThrow(
      /negative-width\.json: results\[1\]: field 'bbox' \[x, y, w, h\] has a negative width, got \[40,2,-30,4\] \(boxes are \[x, y, width, height\], not \[x1, y1, x2, y2\]\)/,
    );
    const boxesOnly = join(tmp, 'boxes-only.json');
    writeFileSync(
      boxesOnly,
      JSON.stringify([{ image_id, category_id: 1, bbox: [1, 2, 3, 4], score: 0.5 }]),
    );
    await expect(
      runEvalCommand({ gt: GT, results: boxesOnly, type: 'segm', progress: null }),
    ).rejects.toThrow(
      /boxes-only\.json: results\[0\]: no field 'segmentation', which segm evaluation needs/,
    );
  });

  it('warns about negative scores, naming the records, and evaluates them as the official API does', async () => {
    const results = JSON.parse(readFileSync(RESULTS, 'utf8')) as { score: number }[];
    const shifted = results.map((r) => ({ ...r, score: r.score - 2 })); // same ranking
    const file = join(tmp, 'negative-scores.json');
    writeFileSync(file, JSON.stringify(shifted));
    const json = join(tmp, 'negative-scores-report.json');
    const { err } = await runCli([
      'eval',
      '--gt',
      GT,
      '--results',
      file,
      '--type',
      'bbox',
      '--json',
      json,
    ]);
    expect(err[0]).toMatch(
      new RegExp(
        `^warning: .*negative-scores\\.json: ${results.length} detection\\(s\\) with a negative 'score': results\\[0\\] \\(score -`,
      ),
    );
    // the same ranking, so the official numbers of the unshifted scores
    const written = JSON.parse(readFileSync(json, 'utf8')) as LVISEvalReport;
    const expected = (JSON.parse(readFileSync(EXPECTED, 'utf8')) as Record<string, LVISEvalReport>)
      .bbox;
    for (const k of LVIS_METRIC_NAMES)
      expect(Math.abs(written.metrics[k] - expected.metrics[k]), k).toBeLessThanOrEqual(1e-6);
  });

  it('reads odd-length and 2-point ground-truth polygons as pycocotools does, with a warning naming each', async () => {
    const gt = JSON.parse(readFileSync(GT, 'utf8')) as {
      annotations: { id: number; segmentation: number[][] }[];
    };
    const [a, b] = gt.annotations.filter((x) => Array.isArray(x.segmentation));
    a!.segmentation[0]!.push(7); // one number too many: pycocotools ignores it
    b!.segmentation.push([3, 3, 9, 9]); // a 2-point polygon after the first: covers no pixel
    const file = join(tmp, 'odd-gt.json');
    writeFileSync(file, JSON.stringify(gt));
    const odd = await runEvalCommand({ gt: file, results: RESULTS, type: 'segm', progress: null });
    expect(odd.warnings).toHaveLength(2);
    expect(odd.warnings[0]).toMatch(
      new RegExp(
        `polygons with an odd count of numbers: annotations\\[\\d+\\] \\(id ${a!.id}\\) polygon 0 .*the last number is ignored`,
      ),
    );
    expect(odd.warnings[1]).toMatch(
      new RegExp(
        `polygons of fewer than 3 points: annotations\\[\\d+\\] \\(id ${b!.id}\\) polygon \\d+ \\(4 numbers\\); they cover no pixel`,
      ),
    );
    const expected = (JSON.parse(readFileSync(EXPECTED, 'utf8')) as Record<string, LVISEvalReport>)
      .segm;
    for (const k of LVIS_METRIC_NAMES)
      expect(Math.abs(odd.report.metrics[k] - expected.metrics[k]), k).toBeLessThanOrEqual(1e-6);
  });
});
