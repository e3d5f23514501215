import { readFileSync } from 'node:fs';
import type { LVISResult } from 'lvis-ts-types';
import { describe, expect, it } from 'vitest';
import {
  arrayBody,
  type DetectionChunk,
  guessCuts,
  parseDetections,
} from '../src/detection-parser.js';
import { JsonByteReader } from '../src/json-bytes.js';
import { fixtureCases, fixturePath, loadGtObject } from './fixtures.js';

const bytesOf = (s: string) => new Uint8Array(Buffer.from(s));

function readAll(text: string): number | false {
  const r = new JsonByteReader(bytesOf(text));
  return r.readNumber() && r.pos === text.length ? r.value : false;
}

function parseWhole(bytes: Uint8Array): DetectionChunk {
  const body = arrayBody(bytes)!;
  const out = parseDetections(bytes, body.from, body.to, true);
  if (!('count' in out)) throw new Error(`not parsed: ${out.reason} at ${out.offset}`);
  return out;
}

function segmentationText(bytes: Uint8Array, c: DetectionChunk, i: number): unknown {
  if (c.segStart[i] < 0) return undefined;
  return JSON.parse(Buffer.from(bytes.subarray(c.segStart[i], c.segEnd[i])).toString('utf8'));
}

describe('JsonByteReader numbers', () => {
  it('gives exactly the double JSON.parse gives', () => {
    let s = 12345;
    const rand = () => {
      s = (s * 1103515245 + 12345) % 2 ** 31;
      return s / 2 ** 31;
    };
    const texts: string[] = ['0', '-0', '0.0', '-0.0e5', '1e22', '1e23', '9007199254740993'];
    texts.push('123456789012345', '1234567890123456', '0.1', '0.30000000000000004', '5e-324');
    texts.push('1.7976931348623157e308', '2.2250738585072014e-308', '1E+2', '1e-22', '4.35e-23');
    for (let i = 0; i < 20_000; i++) {
      const v = (rand() - 0.3) * 10 ** Math.floor(rand() * 12 - 4);
      texts.push(String(v), v.toFixed(Math.floor(rand() * 6)), v.toExponential(4));
      texts.push(String(Math.fround(v)), String(Math.round(v * 100) / 100));
    }
    for (const t of texts) {
      expect(Object.is(readAll(t), JSON.parse(t)), t).toBe(true);
    }
  });

  it('rejects what JSON.parse rejects', () => {
    for (const t of ['-', '.5', '1.', '1e', '1e+', '+1', '-a', '01']) {
      expect(readAll(t), t).toBe(false);
    }
  });
});

describe('parseDetections', () => {
  it('reads every fixture record as JSON.parse does (or declines a file with other fields)', () => {
    const read = new Set([
      'image_id',
      'category_id',
      'score',
      'bbox',
      'segmentation',
      'id',
      'area',
    ]);
    for (const name of fixtureCases()) {
      const bytes = new Uint8Array(readFileSync(fixturePath(`results_${name}.json`)));
      const records = JSON.parse(Buffer.from(bytes).toString('utf8')) as LVISResult[];
      const body = arrayBody(bytes)!;
      const out = parseDetections(bytes, body.from, body.to, true);
      if (!records.every((r) => Object.keys(r).every((k) => read.has(k)))) {
        expect('count' in out, `results_${name}.json has other fields`).toBe(false);
        continue;
      }
      const c = parseWhole(bytes);
      expect(c.count).toBe(records.length);
      records.forEach((r, i) => {
        expect([c.imageId[i], c.categoryId[i], c.score[i]]).toEqual([
          r.image_id,
          r.category_id,
          r.score,
        ]);
        if (r.bbox) expect(Array.from(c.bbox.subarray(4 * i, 4 * i + 4))).toEqual(r.bbox);
        else expect(c.bbox[4 * i]).toBeNaN();
        expect(segmentationText(bytes, c, i)).toEqual(r.segmentation);
      });
    }
  });

  it('gives the same columns when cut into pieces, and notices a cut inside a record', () => {
    // Detections made from the fixture's ground truth, so any fixture folder has them.
    const records = loadGtObject().annotations.map((a, i) => ({
      image_id: a.image_id,
      category_id: a.category_id,
      bbox: a.bbox,
      score: (i % 97) / 97,
      segmentation: a.segmentation,
    }));
    const bytes = bytesOf(JSON.stringify(records));
    const whole = parseWhole(bytes);
    const body = arrayBody(bytes)!;
    for (const parts of [2, 3, 7]) {
      const cuts = guessCuts(bytes, body.from, body.to, parts);
      expect(cuts.length).toBe(parts + 1);
      const pieces = cuts.slice(0, -1).map((from, k) => {
        const out = parseDetections(bytes, from, cuts[k + 1], k === parts - 1);
        if (!('count' in out)) throw new Error(out.reason);
        return out;
      });
      expect(pieces.reduce((n, p) => n + p.count, 0)).toBe(whole.count);
      expect(new Float64Array(pieces.flatMap((p) => Array.from(p.score)))).toEqual(whole.score);
      expect(new Float64Array(pieces.flatMap((p) => Array.from(p.segEnd)))).toEqual(whole.segEnd);
    }
    // A cut inside the first record's segmentation.
    const inside = whole.segStart[0] + 3;
    expect('count' in parseDetections(bytes, body.from, inside, false)).toBe(false);
  });

  it('reads RLE segmentations, escapes, whitespace and fields it drops', () => {
    const text = ` [
      { "image_id" : 1, "score": 0.5e0, "category_id": 2, "id": 7, "area": 3.5,
        "segmentation": {"counts": "a\\\\b\\"\\u00e9", "size": [4, 5]} },
      {"image_id": 1, "category_id": 3, "score": 1, "bbox": [0, 0, 2, 2],
        "segmentation": {"size": [4, 5], "counts": [0, 20]}},
      {"image_id": 2, "category_id": 3, "score": -1e-3, "segmentation": [[], [1, 2, 3, 4, 5, 6]]},
      {"image_id": 2, "category_id": 3, "score": 2}
    ] `;
    const bytes = bytesOf(text);
    const c = parseWhole(bytes);
    const records = JSON.parse(text) as (LVISResult & { bbox?: number[] })[];
    expect(c.count).toBe(4);
    records.forEach((r, i) => {
      expect(c.score[i]).toBe(r.score);
      expect(segmentationText(bytes, c, i)).toEqual(r.segmentation);
      expect(Number.isNaN(c.bbox[4 * i])).toBe(r.bbox === undefined);
    });
    expect(parseWhole(bytesOf('[ ]')).count).toBe(0);
  });

  it('declines records it does not read, and malformed JSON', () => {
    const ok = '"image_id": 1, "category_id": 2, "score": 0.5';
    for (const record of [
      `{${ok}, "extra": 1}`,
      `{${ok}, "bbox": [1, 2, 3]}`,
      `{${ok}, "bbox": [1, 2, 3, "4"]}`,
      `{"image_id": "1", "category_id": 2, "score": 0.5}`,
      `{"category_id": 2, "score": 0.5}`,
      `{${ok}, "segmentation": [{"size": [1, 1], "counts": "0"}]}`,
      `{${ok}, "segmentation": {"size": [1], "counts": "0"}}`,
      `{${ok}, "segmentation": {"size": [1, 1], "counts": "0", "x": 1}}`,
      `{${ok}, "segmentation": [[1, 2,]]}`,
      `{${ok}, "score": 1e400}`,
      `{${ok},}`,
      `{${ok}}, `,
      `{${ok}} {${ok}}`,
    ]) {
      const bytes = bytesOf(`[${record}]`);
      const body = arrayBody(bytes)!;
      expect('count' in parseDetections(bytes, body.from, body.to, true), record).toBe(false);
    }
    expect(arrayBody(bytesOf('{"a": []}'))).toBeUndefined();
  });
});
