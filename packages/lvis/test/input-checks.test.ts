import type { LVISDataset, LVISResult } from 'lvis-ts-types';
import { describe, expect, it } from 'vitest';
import { LVIS, LVISFormatError, LVISResults } from '../src/index.js';

// Inputs the official API accepts silently: an error where its numbers mean nothing (a box
// of negative width, segm scored from boxes), a warning naming the records where it is
// followed (negative scores, polygons pycocotools reads specially).

function dataset(segmentations: number[][][]): LVISDataset {
  return {
    images: [
      { id: 1, width: 40, height: 40, neg_category_ids: [], not_exhaustive_category_ids: [] },
    ],
    categories: [
      {
        id: 1,
        name: 'a',
        synset: 'a.n.01',
        synonyms: [],
        def: '',
        frequency: 'f',
        image_count: 1,
        instance_count: 1,
      },
    ],
    annotations: segmentations.map((segmentation, i) => ({
      id: 10 + i,
      image_id: 1,
      category_id: 1,
      bbox: [1, 1, 8, 8],
      area: 64,
      segmentation,
    })),
  };
}

describe('annotation polygons pycocotools treats specially', () => {
  it('warns once per kind, naming each annotation and polygon, and rasterizes as pycocotools', () => {
    const square = [1, 1, 9, 1, 9, 9, 1, 9];
    const seen: string[] = [];
    const gt = new LVIS(
      dataset([
        [square],
        [[...square, 5]], // odd: the last number is ignored
        [square, [20, 20, 30, 30]], // a 2-point polygon after the first: no pixel
        [[1, 1, 8, 8]], // first polygon of 4 numbers: pycocotools takes it for a box and fails
        [[3, 3]], // first polygon of 2 numbers: pycocotools fails
      ]),
      { source: 'gt.json', onWarning: (m) => seen.push(m) },
    );
    expect(seen).toEqual(gt.warnings);
    expect(gt.warnings).toEqual([
      'gt.json: polygons with an odd count of numbers: annotations[1] (id 11) polygon 0 (9 numbers); the last number is ignored, as pycocotools does',
      'gt.json: polygons of fewer than 3 points: annotations[2] (id 12) polygon 1 (4 numbers); they cover no pixel, as in pycocotools',
      'gt.json: segmentations whose first polygon has 4 numbers (pycocotools takes them for [x, y, w, h] boxes and fails on them: the official API cannot evaluate segm on this file): annotations[3] (id 13); read as those boxes here',
      'gt.json: segmentations that are empty or whose first polygon has fewer than 4 numbers (pycocotools fails on them: the official API cannot evaluate segm on this file): annotations[4] (id 14); they cover no pixel here',
    ]);
    const area = (i: number) => gt.annToMask(gt.dataset.annotations[i]!).reduce((a, b) => a + b, 0);
    expect(area(1)).toBe(area(0));
    expect(area(2)).toBe(area(0));
    expect(area(3)).toBe(64);
    expect(area(4)).toBe(0);
  });

  it('names at most five records per warning and counts the rest', () => {
    const gt = new LVIS(dataset(Array.from({ length: 8 }, () => [[1, 1, 9, 1, 9, 9, 1]])));
    expect(gt.warnings).toHaveLength(1);
    expect(gt.warnings[0]).toMatch(
      /annotations\[4\] \(id 14\) polygon 0 \(7 numbers\) and 3 more;/,
    );
  });
});

describe('results the official API would score without a word', () => {
  const gt = new LVIS(dataset([[[1, 1, 9, 1, 9, 9, 1, 9]]]));
  const det = (o: Partial<LVISResult>): LVISResult => ({
    image_id: 1,
    category_id: 1,
    score: 0.5,
    bbox: [1, 1, 8, 8],
    ...o,
  });

  it('a box of negative width or height is an error naming the record', () => {
    expect(
      () => new LVISResults(gt, [det({}), det({ bbox: [9, 9, 2, -3] })], { source: 'r.json' }),
    ).toThrow(
      new LVISFormatError(
        "r.json: results[1]: field 'bbox' [x, y, w, h] has a negative height, got [9,9,2,-3] (boxes are [x, y, width, height], not [x1, y1, x2, y2])",
      ),
    );
  });

  it('segm evaluation of results without segmentations is an error; bbox and no iouType keep the official filling', () => {
    expect(() => new LVISResults(gt, [det({})], { source: 'r.json', iouType: 'segm' })).toThrow(
      /r\.json: results\[0\]: no field 'segmentation', which segm evaluation needs/,
    );
    const official = new LVISResults(gt, [det({})]);
    expect(official.annotations[0]!.segmentation).toEqual([[1, 1, 1, 9, 9, 9, 9, 1]]);
  });

  it('negative scores are a warning naming the records', () => {
    const seen: string[] = [];
    const dt = new LVISResults(gt, [det({ score: -0.25 }), det({}), det({ score: -1 })], {
      source: 'r.json',
      onWarning: (m) => seen.push(m),
    });
    expect(dt.warnings).toEqual([
      "r.json: 2 detection(s) with a negative 'score': results[0] (score -0.25), results[2] (score -1); evaluated as the official API does (scores only rank detections); scores are usually probabilities in [0, 1]",
    ]);
    expect(seen).toEqual(dt.warnings);
    expect(dt.annotations).toHaveLength(3);
  });
});
