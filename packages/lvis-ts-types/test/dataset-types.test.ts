import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
// The JSON module import gives TypeScript the real file's structural type, so the
// assignment below is checked by `tsc` (pnpm typecheck) against the actual fixture.
import lvisVal100 from '../../../../shared/fixtures/lvis/lvis_val_100.json';
import {
  isCompressedRLE,
  isPolygons,
  type JsonShape,
  LVIS_METRIC_NAMES,
  type LVISDataset,
  type LVISEvalReport,
  type LVISMetrics,
  type LVISResult,
} from '../src/index.js';

const fixturesDir =
  process.env.CRAT_FIXTURES_DIR ?? resolve(__dirname, '../../../../shared/fixtures');

describe('LVIS dataset type', () => {
  it('accepts the real lvis_val_100.json at the type level', () => {
    // Checked by tsc (the package's test script runs it first): a compile error here
    // means the real LVIS file has a field the types do not describe correctly.
    const shaped: JsonShape<LVISDataset> = lvisVal100;
    expectTypeOf(lvisVal100).toMatchTypeOf<JsonShape<LVISDataset>>();
    expect(shaped.images.length).toBe(lvisVal100.images.length);
  });

  it('matches every record of the fixture file at run time', () => {
    const data = JSON.parse(
      readFileSync(join(fixturesDir, 'lvis', 'lvis_val_100.json'), 'utf8'),
    ) as LVISDataset;
    for (const img of data.images) {
      expect(Array.isArray(img.neg_category_ids)).toBe(true);
      expect(Array.isArray(img.not_exhaustive_category_ids)).toBe(true);
    }
    for (const cat of data.categories) expect(['r', 'c', 'f']).toContain(cat.frequency);
    for (const ann of data.annotations) {
      expect(ann.bbox).toHaveLength(4);
      expect(isPolygons(ann.segmentation) || isCompressedRLE(ann.segmentation)).toBe(true);
    }
  });

  it('types results and the evaluation report', () => {
    const r: LVISResult = { image_id: 1, category_id: 2, score: 0.5, bbox: [0, 0, 1, 1] };
    expectTypeOf(r.bbox).toEqualTypeOf<[number, number, number, number] | undefined>();
    const metrics = Object.fromEntries(
      LVIS_METRIC_NAMES.map((n) => [n, 0]),
    ) as unknown as LVISMetrics;
    const report: LVISEvalReport = { metrics, per_category_ap: { '1': 0.5 } };
    expect(Object.keys(report.metrics)).toHaveLength(13);
  });
});
