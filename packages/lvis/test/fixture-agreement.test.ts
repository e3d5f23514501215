import { LVIS_METRIC_NAMES } from 'lvis-ts-types';
import { describe, expect, it } from 'vitest';
import { LVIS, LVISEval, LVISResults } from '../src/index.js';
import { type Expected, fixtureCases, fixturePath, GT_PATH, readJson } from './fixtures.js';

const TOL = 1e-6;
const cases = fixtureCases();

describe('agreement with the official LVIS API on the fixtures', () => {
  it('finds at least one results/expected pair', () => {
    expect(cases.length).toBeGreaterThan(0);
  });

  for (const name of cases) {
    for (const type of ['bbox', 'segm'] as const) {
      it(`results_${name} ${type}: metrics and per-category AP within ${TOL}`, async () => {
        const expected = readJson<Expected>(fixturePath(`expected_${name}.json`))[type];
        const gt = await LVIS.load(GT_PATH);
        const dt = await LVISResults.load(gt, fixturePath(`results_${name}.json`));
        const report = new LVISEval(gt, dt, type).report();
        for (const key of LVIS_METRIC_NAMES) {
          expect(Math.abs(report.metrics[key] - expected.metrics[key]), key).toBeLessThanOrEqual(
            TOL,
          );
        }
        expect(Object.keys(report.per_category_ap).sort()).toEqual(
          Object.keys(expected.per_category_ap).sort(),
        );
        for (const [cat, ap] of Object.entries(expected.per_category_ap)) {
          expect(Math.abs(report.per_category_ap[cat] - ap), `category ${cat}`).toBeLessThanOrEqual(
            TOL,
          );
        }
      });
    }
  }
});
