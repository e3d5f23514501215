import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  cropWithBox,
  downsample,
  movingAverage,
  readReportInputs,
  renderReport,
  transferReportFromSummary,
  validateTransferReport,
  writeReport,
} from '../src/report/index.js';
import { makeSyntheticRun } from './helpers/synthetic-work-dir.js';

describe('crat report', () => {
  it('renders a self-contained page with every section from a work dir', async () => {
    const run = await makeSyntheticRun(3);
    const out = await writeReport(run.workDir);
    expect(out).toBe(join(run.workDir, 'report.html'));
    const html = readFileSync(out, 'utf8');
    // self-contained: nothing fetched from anywhere
    expect(html).not.toMatch(/\b(src|href)\s*=\s*"(?!data:|#)/);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<link\b/);
    for (const title of [
      'total loss',
      'loss terms',
      'learning rate',
      'evaluation during training',
      'AP per frequency group',
      'bbox: per-class AP against training instances',
      'segm: per-class AP against training instances',
      'transfer weight, source → target',
    ]) {
      expect(html).toContain(title);
    }
    // loss terms from the log
    for (const k of ['loss_cls', 'loss_bbox', 'loss_crat_bbox']) expect(html).toContain(k);
    // evaluations during training: headline APs with a marker per evaluation
    expect(html.match(/<circle [^>]*><title>bbox_AP @ \d+: /g)).toHaveLength(3);
    // the metrics table: 13 rows, bbox and segm columns, -1 shown as n/a
    expect(html).toContain('<th>bbox</th><th>segm</th>');
    expect(html).toMatch(/<td>APs<\/td><td>n\/a<\/td>/);
    expect(html).toMatch(/<td>AP<\/td><td>0\.3100<\/td><td>0\.2700<\/td>/);
    // heat map: one cell per class pair, with tooltips naming source and target
    const c = run.classNames.length;
    const cells = html.match(/<rect [^>]*><title>[^<]* → [^<]*: [^<]*<\/title><\/rect>/g) ?? [];
    expect(cells).toHaveLength(c * c);
    // class names are escaped
    expect(html).toContain('dotted &lt;star&gt;');
    expect(html).not.toContain('dotted <star>');
    // per tail class: crops as inline PNGs, rare classes first, frequent ones left out
    const crops = html.match(/<img alt="image \d+" src="data:image\/png;base64,/g) ?? [];
    expect(crops.length).toBeGreaterThanOrEqual(run.rareClasses.length * 3);
    expect(html).toContain('image 999 not found');
    const headings = [...html.matchAll(/<h3><span class="freq-(\w)">/g)].map((m) => m[1]);
    expect(headings.length).toBeGreaterThan(0);
    expect(headings).not.toContain('f');
    expect(headings.indexOf('c') === -1 || headings.lastIndexOf('r') < headings.indexOf('c')).toBe(
      true,
    );
    // per-class scatter: one dot per class with a defined AP
    const dots = html.match(/<circle [^>]*fill-opacity/g) ?? [];
    expect(dots.length).toBe(2 * (c - 1));
  });

  it('reads training counts, frequencies and image files from the annotations', async () => {
    const run = await makeSyntheticRun(4);
    const inputs = readReportInputs(run.workDir);
    expect(inputs.categories.map((x) => x.name)).toEqual(run.classNames);
    const counts = new Array(run.classNames.length).fill(0);
    for (const objs of run.objects.values()) for (const o of objs) counts[o.cls]++;
    expect(inputs.categories.map((x) => x.trainCount)).toEqual(counts);
    const [firstId] = run.objects.keys();
    expect(inputs.imagePath(firstId!)).toBe(
      join(run.dataDir, 'train', `${String(firstId).padStart(12, '0')}.png`),
    );
    expect(inputs.imagePath(424242)).toBeNull();
    expect(inputs.transfers.map((t) => t.branch)).toEqual(['bbox']);
    expect(inputs.evals).toHaveLength(1);
    expect(inputs.configFile).toBe('configs/synth/eqlv2_crat.ts');
  });

  it('draws the box on the crop, around the object', async () => {
    const run = await makeSyntheticRun(5);
    const [imageId, objs] = [...run.objects.entries()][0]!;
    const { box, color } = objs[0]!;
    const png = await cropWithBox(readReportInputs(run.workDir).imagePath(imageId)!, box, {
      margin: 0.5,
      size: 100,
      color: '#ff00ff',
      lineWidth: 2,
    });
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect(Math.max(info.width, info.height)).toBe(100);
    const at = (x: number, y: number) =>
      Array.from(
        data.subarray(
          (y * info.width + x) * info.channels,
          (y * info.width + x) * info.channels + 3,
        ),
      );
    // the crop's centre is the object's colour; the box outline is magenta somewhere on each side
    const cx = Math.floor(info.width / 2);
    const cy = Math.floor(info.height / 2);
    const centre = at(cx, cy);
    for (let k = 0; k < 3; k++) expect(Math.abs(centre[k]! - color[k]!)).toBeLessThan(30);
    const magenta = (p: number[]) => p[0]! > 200 && p[1]! < 60 && p[2]! > 200;
    const column = Array.from({ length: info.height }, (_, y) => magenta(at(cx, y)));
    const row = Array.from({ length: info.width }, (_, x) => magenta(at(x, cy)));
    expect(column.filter(Boolean).length).toBeGreaterThanOrEqual(2);
    expect(row.filter(Boolean).length).toBeGreaterThanOrEqual(2);
    expect(magenta(at(0, 0))).toBe(false);
  });

  it('switches the heat map to one raster image for many classes', async () => {
    const run = await makeSyntheticRun(6, 3);
    const inputs = readReportInputs(run.workDir);
    const n = 120;
    const big = {
      branch: 'mask',
      classNames: Array.from({ length: n }, (_, i) => `class ${i}`),
      matrix: Array.from({ length: n }, (_, i) =>
        Array.from({ length: n }, (_, j) => ((i * 7 + j) % 11) / 10),
      ),
      topSamples: {},
    };
    const html = await renderReport({ ...inputs, categories: [], transfers: [big] });
    expect(html).toMatch(/<image [^>]*href="data:image\/png;base64,/);
    expect(html.match(/<rect [^>]*><title>class \d+ → /g)).toBeNull();
  });

  it('reports a bad transfer file by file and field', () => {
    const ok = {
      classNames: ['a', 'b'],
      matrix: [
        [0, 1],
        [2, 0],
      ],
      topSamples: { 1: [{ imageId: 1, box: [0, 0, 1, 1], sourceClass: 0, weight: 1 }] },
    };
    expect(validateTransferReport(ok, 'f.json').matrix).toEqual(ok.matrix);
    expect(() => validateTransferReport({ ...ok, matrix: [[0, 1]] }, 'f.json')).toThrow(
      /f\.json: matrix: expected 2 rows/,
    );
    expect(() =>
      validateTransferReport(
        {
          ...ok,
          matrix: [
            [0, 1],
            [2, 'x'],
          ],
        },
        'f.json',
      ),
    ).toThrow(/f\.json: matrix\[1\]: expected 2 finite numbers/);
    expect(() =>
      validateTransferReport(
        { ...ok, topSamples: { 1: [{ imageId: 1, box: [0, 0, 1], sourceClass: 0, weight: 1 }] } },
        'f.json',
      ),
    ).toThrow(/f\.json: topSamples\['1'\]\[0\]\.box/);
    expect(() => validateTransferReport({ ...ok, topSamples: { 5: [] } }, 'f.json')).toThrow(
      /topSamples\['5'\]: not a class index/,
    );
  });

  it('fails on a bad transfer file in the work dir, naming it', async () => {
    const run = await makeSyntheticRun(7, 2);
    writeFileSync(
      join(run.workDir, 'crat_transfer_mask.json'),
      JSON.stringify({ classNames: ['a'], matrix: [] }),
    );
    expect(() => readReportInputs(run.workDir)).toThrow(/crat_transfer_mask\.json: matrix/);
    expect(existsSync(join(run.workDir, 'report.html'))).toBe(false);
  });

  it('converts CRAT summaries into the report format', () => {
    const r = transferReportFromSummary(
      {
        branch: 'bbox',
        numClasses: 3,
        targets: [
          {
            target: 2,
            topSources: [
              { source: 0, weight: 0.7 },
              { source: 1, weight: 0.2 },
            ],
            topRois: [
              { imageId: 5, box: [1, 2, 3, 4], sourceClass: 0, weight: 0.4 },
              { imageId: null, box: null, sourceClass: 1, weight: 0.1 },
            ],
          },
        ],
      },
      ['x', 'y', 'z'],
    );
    expect(r.matrix).toEqual([
      [0, 0, 0.7],
      [0, 0, 0.2],
      [0, 0, 0],
    ]);
    expect(r.topSamples).toEqual({
      2: [{ imageId: 5, box: [1, 2, 3, 4], sourceClass: 0, weight: 0.4 }],
    });
    expect(() => transferReportFromSummary({ numClasses: 2, targets: [] }, ['a'])).toThrow(
      /2 classes, 1 class names/,
    );
  });

  it('averages curves down without moving their ends', () => {
    const pts = Array.from({ length: 10 }, (_, i) => [i + 1, i] as [number, number]);
    expect(downsample(pts, 5)).toEqual([
      [2, 0.5],
      [4, 2.5],
      [6, 4.5],
      [8, 6.5],
      [10, 8.5],
    ]);
    expect(downsample(pts, 20)).toBe(pts);
    expect(movingAverage(pts.slice(0, 4), 2)).toEqual([
      [1, 0],
      [2, 0.5],
      [3, 1.5],
      [4, 2.5],
    ]);
  });
});
