import type { LVISDataset, LVISResult } from 'lvis-ts-types';
import { describe, expect, it } from 'vitest';
import { LVIS, LVISEval, LVISResults } from '../src/index.js';
import { fixtureCases, fixturePath, loadGtObject, readJson } from './fixtures.js';

/** The fixture with every category id mapped through `f`. */
function withCategoryIds(f: (id: number) => number): LVISDataset {
  const data = loadGtObject();
  return {
    ...data,
    categories: data.categories.map((c) => ({ ...c, id: f(c.id) })),
    annotations: data.annotations.map((a) => ({ ...a, category_id: f(a.category_id) })),
    images: data.images.map((im) => ({
      ...im,
      neg_category_ids: im.neg_category_ids.map(f),
      not_exhaustive_category_ids: im.not_exhaustive_category_ids.map(f),
    })),
  };
}

/** Records of all images interleaved, each image's own records keeping their order. */
function interleaved(results: readonly LVISResult[]): LVISResult[] {
  const byImage = new Map<number, LVISResult[]>();
  for (const r of results) byImage.set(r.image_id, [...(byImage.get(r.image_id) ?? []), r]);
  const lists = [...byImage.values()];
  const out: LVISResult[] = [];
  for (let j = 0; out.length < results.length; j++) {
    for (const l of lists) if (j < l.length) out.push(l[j]);
  }
  return out;
}

describe('evaluation plan', () => {
  const results = readJson<LVISResult[]>(fixturePath(`results_${fixtureCases()[0]}.json`));

  it('gives the same APs for category ids beyond a lookup table (large, fractional)', () => {
    const gt = new LVIS(loadGtObject());
    const plain = new LVISEval(gt, new LVISResults(gt, structuredClone(results)), 'bbox');
    const expected = plain.report();
    for (const f of [(id: number) => id * 1e7, (id: number) => id + 0.5]) {
      const gtMapped = new LVIS(withCategoryIds(f));
      const mapped = structuredClone(results).map((r) => ({ ...r, category_id: f(r.category_id) }));
      const report = new LVISEval(gtMapped, new LVISResults(gtMapped, mapped), 'bbox').report();
      expect(report.metrics).toEqual(expected.metrics);
      const renamed = Object.fromEntries(
        Object.entries(expected.per_category_ap).map(([id, ap]) => [String(f(Number(id))), ap]),
      );
      expect(report.per_category_ap).toEqual(renamed);
    }
  });

  it('gives the same APs when the rows of different images are interleaved', () => {
    const gt = new LVIS(loadGtObject());
    const grouped = new LVISResults(gt, structuredClone(results), { maxDets: -1 });
    const mixed = new LVISResults(gt, interleaved(structuredClone(results)), { maxDets: -1 });
    expect(mixed.columns.imageId[0]).not.toBe(mixed.columns.imageId[1]);
    for (const type of ['bbox', 'segm'] as const) {
      const a = new LVISEval(gt, grouped, type);
      const b = new LVISEval(gt, mixed, type);
      a.evaluate();
      b.evaluate();
      expect(b.report()).toEqual(a.report());
    }
  });
});
