import { decodeRle, rleArea } from '@crat/mask';
import type { LVISDataset, LVISResult } from 'lvis-ts-types';
import { describe, expect, it } from 'vitest';
import { LVIS, LVISEval, LVISFormatError, LVISResults, limitDetsPerImage } from '../src/index.js';
import { loadGtObject } from './fixtures.js';

/** A tiny federated dataset: image 1 has cat 1 (positive), cat 2 negative, cat 3 not exhaustive. */
function tinyDataset(): LVISDataset {
  const cat = (id: number, frequency: 'r' | 'c' | 'f') => ({
    id,
    name: `c${id}`,
    synset: `s${id}`,
    synonyms: [],
    def: '',
    frequency,
    image_count: 1,
    instance_count: 1,
  });
  return {
    images: [
      { id: 1, width: 100, height: 80, neg_category_ids: [2], not_exhaustive_category_ids: [3] },
      { id: 2, width: 50, height: 50, neg_category_ids: [], not_exhaustive_category_ids: [] },
    ],
    categories: [cat(1, 'f'), cat(2, 'c'), cat(3, 'r'), cat(4, 'r')],
    annotations: [
      {
        id: 1,
        image_id: 1,
        category_id: 1,
        bbox: [10, 10, 20, 20],
        area: 400,
        segmentation: [[10, 10, 30, 10, 30, 30, 10, 30]],
      },
      {
        id: 2,
        image_id: 1,
        category_id: 3,
        bbox: [50, 40, 10, 10],
        area: 100,
        segmentation: [[50, 40, 60, 40, 60, 50, 50, 50]],
      },
      {
        id: 3,
        image_id: 2,
        category_id: 1,
        bbox: [0, 0, 10, 10],
        area: 100,
        segmentation: [[0, 0, 10, 0, 10, 10, 0, 10]],
      },
    ],
  };
}

describe('LVIS index', () => {
  it('indexes the fixture like the official API', () => {
    const data = loadGtObject();
    const gt = new LVIS(data, { source: 'fixture' });
    expect(gt.getImgIds()).toEqual(data.images.map((i) => i.id));
    expect(gt.getCatIds()).toEqual(data.categories.map((c) => c.id));
    const img = data.images[0].id;
    const ids = gt.getAnnIds({ imgIds: [img] });
    expect(ids).toEqual(data.annotations.filter((a) => a.image_id === img).map((a) => a.id));
    const cat = data.annotations[0].category_id;
    expect(gt.catImgMap.get(cat)).toEqual(
      data.annotations.filter((a) => a.category_id === cat).map((a) => a.image_id),
    );
    expect(gt.loadAnns([data.annotations[3].id])[0]).toBe(data.annotations[3]);
    expect(() => gt.loadImgs([-5])).toThrow(/fixture: unknown image id -5/);
    // area filter is exclusive at both ends, as the official get_ann_ids
    const a0 = data.annotations[0];
    expect(gt.getAnnIds({ catIds: [a0.category_id], areaRng: [a0.area, 1e10] })).not.toContain(
      a0.id,
    );
  });

  it('annToMask gives a row-major bitmap with the polygon area', () => {
    const gt = new LVIS(tinyDataset());
    const ann = gt.dataset.annotations[0];
    const mask = gt.annToMask(ann);
    expect(mask.length).toBe(100 * 80);
    expect(mask[15 * 100 + 15]).toBe(1);
    expect(mask[5 * 100 + 5]).toBe(0);
    expect(rleArea(gt.annToRle(ann))).toBe(400);
    expect(decodeRle(gt.annToRle(ann))).toEqual(mask);
  });

  it('rejects a malformed annotation naming the record and field', () => {
    const data = tinyDataset();
    (data.annotations[1] as unknown as { bbox: unknown }).bbox = [1, 2, 3];
    expect(() => new LVIS(data, { source: 'gt.json' })).toThrow(
      /gt\.json: annotations\[1\] \(id 2\): field 'bbox' must be \[x, y, w, h\] numbers, got an array of 3/,
    );
    const noImages = { ...tinyDataset(), images: undefined } as unknown as LVISDataset;
    expect(() => new LVIS(noImages, { source: 'gt.json' })).toThrow(
      /gt\.json: field 'images' must be an array/,
    );
    const badFreq = tinyDataset();
    (badFreq.categories[2] as unknown as { frequency: string }).frequency = 'x';
    expect(() => new LVIS(badFreq)).toThrow(LVISFormatError);
  });
});

describe('LVISResults', () => {
  it('keeps the top 300 per image by score, stable on ties, and fills id and area', () => {
    const gt = new LVIS(tinyDataset());
    const dets: LVISResult[] = [];
    for (let i = 0; i < 305; i++)
      dets.push({
        image_id: 1,
        category_id: 1,
        bbox: [i % 50, 0, 2, 3],
        score: i % 3 === 0 ? 0.5 : (i % 7) / 10,
      });
    dets.push({ image_id: 2, category_id: 1, bbox: [0, 0, 4, 5], score: 0.1 });
    const res = new LVISResults(
      gt,
      dets.map((d) => ({ ...d })),
    );
    expect(res.annotations.length).toBe(301);
    const expectedKept = limitDetsPerImage(dets, 300);
    expect(res.annotations.map((a) => a.score)).toEqual(expectedKept.map((a) => a.score));
    const img1 = res.annotations.filter((a) => a.image_id === 1);
    for (let i = 1; i < img1.length; i++)
      expect(img1[i - 1].score).toBeGreaterThanOrEqual(img1[i].score);
    expect(res.annotations.map((a) => a.id)).toEqual(res.annotations.map((_, i) => i + 1));
    expect(res.annotations[300]).toMatchObject({
      area: 20,
      segmentation: [[0, 0, 0, 5, 4, 5, 4, 0]],
    });
  });

  it('fills area and bbox from the mask when the results have no boxes', () => {
    const gt = new LVIS(tinyDataset());
    const res = new LVISResults(gt, [
      { image_id: 1, category_id: 1, score: 0.9, segmentation: [[10, 10, 30, 10, 30, 30, 10, 30]] },
    ]);
    expect(res.annotations[0].area).toBe(400);
    expect(res.annotations[0].bbox).toEqual([10, 10, 20, 20]);
  });

  it('names the record for unknown ids and bad fields', () => {
    const gt = new LVIS(tinyDataset(), { source: 'gt.json' });
    const ok = {
      image_id: 1,
      category_id: 1,
      bbox: [0, 0, 1, 1] as [number, number, number, number],
      score: 1,
    };
    expect(() => new LVISResults(gt, [ok, { ...ok, image_id: 9 }], { source: 'r.json' })).toThrow(
      /r\.json: results\[1\]: field 'image_id' names image 9, which is not in the ground truth gt\.json/,
    );
    expect(() => new LVISResults(gt, [{ ...ok, category_id: 77 }], { source: 'r.json' })).toThrow(
      /results\[0\]: field 'category_id' names category 77/,
    );
    expect(
      () =>
        new LVISResults(gt, [ok, { ...ok, score: 'high' } as unknown as LVISResult], {
          source: 'r.json',
        }),
    ).toThrow(/r\.json: results\[1\]: field 'score' must be a number, got string "high"/);
    expect(
      () => new LVISResults(gt, { a: 1 } as unknown as LVISResult[], { source: 'r.json' }),
    ).toThrow(/r\.json: a results file must be a JSON array/);
  });
});

describe('LVISEval federated semantics', () => {
  const run = (dets: LVISResult[]) => {
    const gt = new LVIS(tinyDataset());
    return new LVISEval(gt, new LVISResults(gt, dets), 'bbox').report();
  };
  const hit1 = {
    image_id: 1,
    category_id: 1,
    bbox: [10, 10, 20, 20] as [number, number, number, number],
    score: 0.9,
  };
  const hit2 = {
    image_id: 2,
    category_id: 1,
    bbox: [0, 0, 10, 10] as [number, number, number, number],
    score: 0.8,
  };

  it('perfect detections give AP 1 for the positive category', () => {
    expect(run([hit1, hit2]).per_category_ap['1']).toBeCloseTo(1, 12);
  });

  it('a higher-scored detection of a negative category is a false positive; an unverified category is not evaluated', () => {
    const withNeg = run([
      hit1,
      hit2,
      { image_id: 1, category_id: 2, bbox: [70, 60, 5, 5], score: 0.99 },
    ]);
    // category 2 has no ground truth anywhere: its precision is undefined, not 0
    expect(withNeg.per_category_ap['2']).toBeUndefined();
    // category 4 is neither positive nor negative on any image: detections of it are dropped
    const withUnknown = run([
      hit1,
      hit2,
      { image_id: 2, category_id: 4, bbox: [0, 0, 10, 10], score: 1 },
    ]);
    expect(withUnknown).toEqual(run([hit1, hit2]));
  });

  it('unmatched detections of a not-exhaustive category are ignored, false positives otherwise', () => {
    const gtHit = {
      image_id: 1,
      category_id: 3,
      bbox: [50, 40, 10, 10] as [number, number, number, number],
      score: 0.5,
    };
    const stray = {
      image_id: 1,
      category_id: 3,
      bbox: [0, 60, 10, 10] as [number, number, number, number],
      score: 0.9,
    };
    expect(run([hit1, gtHit, stray]).per_category_ap['3']).toBeCloseTo(1, 12);
    const strayCat1 = { ...stray, category_id: 1 };
    expect(run([hit1, hit2, strayCat1]).per_category_ap['1']).toBeLessThan(1);
  });
});

describe('LVISEval on RLE results', () => {
  it('gives the same segm report for compressed-RLE detections as for their polygons', async () => {
    const { fixtureCases, fixturePath, readJson } = await import('./fixtures.js');
    const { rleToJson, segmentationToRle } = await import('@crat/mask');
    const data = loadGtObject();
    const gt = new LVIS(data);
    const results = readJson<LVISResult[]>(fixturePath(`results_${fixtureCases()[0]}.json`));
    const asRle = results.map((r) => {
      const img = gt.imgs.get(r.image_id)!;
      return {
        ...r,
        segmentation: rleToJson(segmentationToRle(r.segmentation!, img.height, img.width)),
      };
    });
    const poly = new LVISEval(gt, new LVISResults(gt, results), 'segm').report();
    const rle = new LVISEval(gt, new LVISResults(gt, asRle), 'segm').report();
    expect(rle).toEqual(poly);
  });
});
