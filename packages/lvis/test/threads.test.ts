import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rleToJson, segmentationToRle } from '@crat/mask';
import type { LVISResult } from 'lvis-ts-types';
import { afterAll, describe, expect, it } from 'vitest';
import { LVIS, LVISEval, LVISFormatError, LVISResults } from '../src/index.js';
import { fixtureCases, fixturePath, GT_PATH, readJson } from './fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'crat-lvis-threads-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const gtPromise = LVIS.load(GT_PATH);

function sameBits(a: Float64Array, b: Float64Array): boolean {
  const x = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  const y = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  return x.equals(y);
}

describe('columnar results load', () => {
  it('gives the same records as JSON.parse, filled the same way', async () => {
    const gt = await gtPromise;
    for (const name of fixtureCases()) {
      const path = fixturePath(`results_${name}.json`);
      const columnar = await LVISResults.load(gt, path, { threads: 2 });
      const parsed = await LVISResults.load(gt, path, { columnar: false });
      expect(columnar.columns.count).toBe(parsed.columns.count);
      expect(columnar.area).toEqual(parsed.area);
      expect(columnar.annotations).toEqual(parsed.annotations);
    }
  });

  it('reads compressed RLEs in columns, and files it declines through JSON.parse', async () => {
    const gt = await gtPromise;
    const results = readJson<LVISResult[]>(fixturePath(`results_${fixtureCases()[0]}.json`));
    const withMasks = results.filter((r) => Array.isArray(r.segmentation)).slice(0, 400);
    const asRle = withMasks.map((r) => {
      const img = gt.imgs.get(r.image_id)!;
      return {
        ...r,
        segmentation: rleToJson(segmentationToRle(r.segmentation!, img.height, img.width)),
      };
    });
    const rlePath = join(tmp, 'rle.json');
    writeFileSync(rlePath, JSON.stringify(asRle, null, 2));
    const withNote = asRle.map((r, i) => (i === 7 ? { ...r, note: 'x' } : r));
    const notePath = join(tmp, 'note.json');
    writeFileSync(notePath, JSON.stringify(withNote));
    for (const path of [rlePath, notePath]) {
      const a = await LVISResults.load(gt, path);
      const b = await LVISResults.load(gt, path, { columnar: false });
      expect(a.annotations).toEqual(b.annotations);
      const evA = new LVISEval(gt, a, 'segm');
      const evB = new LVISEval(gt, b, 'segm');
      evA.evaluate();
      evB.evaluate();
      expect(evA.report()).toEqual(evB.report());
    }
    const declined = await LVISResults.load(gt, notePath);
    expect(declined.annotations[declined.annotations.findIndex((r) => 'note' in r)]).toHaveProperty(
      'note',
      'x',
    );
  });

  it('reports bad records as the JSON.parse path does', async () => {
    const gt = await gtPromise;
    const ok = {
      image_id: gt.getImgIds()[0],
      category_id: gt.getCatIds()[0],
      bbox: [1, 2, 3, 4],
      score: 0.5,
    };
    const cases: [unknown[], RegExp][] = [
      [[ok, { ...ok, image_id: -3 }], /results\[1\]: field 'image_id' names image -3/],
      [[ok, { ...ok, category_id: -7.5 }], /results\[1\]: field 'category_id' names category -7.5/],
      [[ok, { ...ok, score: 'high' }], /results\[1\]: field 'score' must be a number/],
      [[ok, { ...ok, bbox: undefined }], /has no 'bbox' although the first one has/],
    ];
    for (const [records, message] of cases) {
      const path = join(tmp, 'bad.json');
      writeFileSync(path, JSON.stringify(records));
      for (const columnar of [true, false]) {
        await expect(LVISResults.load(gt, path, { columnar })).rejects.toThrow(message);
        await expect(LVISResults.load(gt, path, { columnar })).rejects.toThrow(LVISFormatError);
      }
    }
    const negative = join(tmp, 'negative.json');
    writeFileSync(negative, JSON.stringify([ok, { ...ok, bbox: [9, 9, 2, -3] }]));
    const boxOnly = join(tmp, 'box-only.json');
    writeFileSync(boxOnly, JSON.stringify([ok]));
    for (const columnar of [true, false]) {
      await expect(LVISResults.load(gt, negative, { columnar })).rejects.toThrow(
        /results\[1\]: field 'bbox' \[x, y, w, h\] has a negative height, got \[9,9,2,-3\]/,
      );
      await expect(LVISResults.load(gt, boxOnly, { columnar, iouType: 'segm' })).rejects.toThrow(
        /results\[0\]: no field 'segmentation', which segm evaluation needs/,
      );
    }
    const malformed = join(tmp, 'malformed.json');
    writeFileSync(malformed, '[{"image_id": 1,}]');
    await expect(LVISResults.load(gt, malformed)).rejects.toThrow(
      /malformed\.json: malformed JSON/,
    );
  });
});

describe('columnar results warnings', () => {
  it('names negative scores as the JSON.parse path does, and tells onWarning', async () => {
    const gt = await gtPromise;
    const det = (score: number) => ({
      image_id: gt.getImgIds()[0],
      category_id: gt.getCatIds()[0],
      bbox: [1, 2, 3, 4],
      score,
    });
    const path = join(tmp, 'scores.json');
    writeFileSync(path, JSON.stringify([det(-0.25), det(0.5), det(-1)]));
    const heard: string[][] = [];
    const loaded: LVISResults[] = [];
    for (const columnar of [true, false]) {
      const seen: string[] = [];
      loaded.push(await LVISResults.load(gt, path, { columnar, onWarning: (w) => seen.push(w) }));
      heard.push(seen);
    }
    expect(loaded[0].warnings).toHaveLength(1);
    expect(loaded[0].warnings[0]).toMatch(
      /results\[0\] \(score -0\.25\), results\[2\] \(score -1\)/,
    );
    expect(loaded[0].warnings).toEqual(loaded[1].warnings);
    expect(heard[0]).toEqual(loaded[0].warnings);
    expect(heard[1]).toEqual(loaded[1].warnings);
  });
});

describe('evaluation on worker threads', () => {
  for (const name of fixtureCases()) {
    for (const type of ['bbox', 'segm'] as const) {
      it(`results_${name} ${type}: 2 and 3 threads give exactly the one-thread arrays`, async () => {
        const gt = await gtPromise;
        const dt = await LVISResults.load(gt, fixturePath(`results_${name}.json`));
        const one = new LVISEval(gt, dt, type);
        const single = one.evaluate();
        for (const threads of [2, 3]) {
          const ev = new LVISEval(gt, dt, type);
          const progress: number[] = [];
          const acc = await ev.evaluateAsync({ threads, onProgress: (p) => progress.push(p.done) });
          expect(acc.precision.buffer).toBeInstanceOf(SharedArrayBuffer);
          // Bit for bit (a failing toEqual on 5M numbers would print for minutes).
          expect(sameBits(acc.precision, single.precision)).toBe(true);
          expect(sameBits(acc.recall, single.recall)).toBe(true);
          expect(ev.report()).toEqual(one.report());
          expect(progress.at(-1)).toBe(gt.getCatIds().length);
        }
      });
    }
  }

  it('evaluates records handed in as objects on threads too', async () => {
    const gt = await gtPromise;
    const results = readJson<LVISResult[]>(fixturePath(`results_${fixtureCases()[0]}.json`));
    const dt = new LVISResults(gt, results);
    const one = new LVISEval(gt, dt, 'segm');
    one.evaluate();
    const two = new LVISEval(gt, dt, 'segm');
    await two.evaluateAsync({ threads: 2 });
    expect(two.report()).toEqual(one.report());
  });

  it('rejects a thread count that is not a positive integer', async () => {
    const gt = await gtPromise;
    const dt = new LVISResults(gt, []);
    await expect(new LVISEval(gt, dt, 'bbox').evaluateAsync({ threads: 0 })).rejects.toThrow(
      /threads must be a positive integer, got 0/,
    );
  });
});
