import { Rng } from '@crat/core';
import { describe, expect, it } from 'vitest';
import type { AssignerConfig } from '../src/config.js';
import { addGtToAssignment, maxIouAssign } from '../src/roi/assigner.js';
import { randomSample } from '../src/roi/sampler.js';

const rpnCfg: AssignerConfig = {
  posIouThr: 0.7,
  negIouThr: 0.3,
  minPosIou: 0.3,
  matchLowQuality: true,
  gtMaxAssignAll: true,
};

describe('maxIouAssign', () => {
  it('assigns positives, negatives, ignored and low-quality matches as mmdetection', () => {
    // 2 GTs x 6 priors
    const overlaps = Float32Array.from([
      0.8,
      0.5,
      0.1,
      0.35,
      0.0,
      0.2, // gt 0
      0.75,
      0.2,
      0.25,
      0.35,
      0.6,
      0.2, // gt 1
    ]);
    const r = maxIouAssign(overlaps, 2, 6, Int32Array.from([4, 7]), rpnCfg);
    // prior 0: best gt 0 (0.8) -> pos 1; prior 1: 0.5 in [0.3, 0.7) -> ignored;
    // prior 2: 0.25 -> neg; prior 3: tie 0.35 -> ignored (first gt), prior 4: gt1 best 0.6 but
    // gt1's own best prior is 0.75 at prior 0 -> low-quality re-assigns prior 0 to gt 1.
    expect(Array.from(r.gtInds)).toEqual([2, -1, 0, -1, -1, 0]);
    expect(Array.from(r.labels)).toEqual([7, -1, -1, -1, -1, -1]);
    expect(r.maxOverlaps[0]).toBeCloseTo(0.8);
    expect(r.maxOverlaps[4]).toBeCloseTo(0.6);
  });

  it('gives every prior tied with a GT best IoU to that GT (gt_max_assign_all) and respects minPosIou', () => {
    const overlaps = Float32Array.from([0.5, 0.5, 0.1, 0.2]);
    const all = maxIouAssign(overlaps, 1, 4, Int32Array.from([0]), rpnCfg);
    expect(Array.from(all.gtInds)).toEqual([1, 1, 0, 0]);
    const one = maxIouAssign(overlaps, 1, 4, Int32Array.from([0]), {
      ...rpnCfg,
      gtMaxAssignAll: false,
    });
    expect(Array.from(one.gtInds)).toEqual([1, -1, 0, 0]);
    const weak = maxIouAssign(Float32Array.from([0.25, 0.1]), 1, 2, Int32Array.from([0]), rpnCfg);
    expect(Array.from(weak.gtInds)).toEqual([0, 0]);
    const noLow = maxIouAssign(overlaps, 1, 4, Int32Array.from([0]), {
      ...rpnCfg,
      matchLowQuality: false,
    });
    expect(Array.from(noLow.gtInds)).toEqual([-1, -1, 0, 0]);
  });

  it('makes every prior negative without GTs and prepends GTs with add_gt', () => {
    const r = maxIouAssign(new Float32Array(0), 0, 3, new Int32Array(0), rpnCfg);
    expect(Array.from(r.gtInds)).toEqual([0, 0, 0]);
    const base = maxIouAssign(Float32Array.from([0.9, 0.1]), 1, 2, Int32Array.from([3]), rpnCfg);
    const withGt = addGtToAssignment(base, Int32Array.from([3]));
    expect(Array.from(withGt.gtInds)).toEqual([1, 1, 0]);
    expect(Array.from(withGt.labels)).toEqual([3, 3, -1]);
    expect(withGt.maxOverlaps[0]).toBe(1);
  });

  it('rejects an overlaps matrix of the wrong size', () => {
    expect(() => maxIouAssign(new Float32Array(5), 2, 3, new Int32Array(2), rpnCfg)).toThrow(/2x3/);
  });
});

describe('randomSample', () => {
  const assign = (gtInds: number[]) => ({
    numGts: 2,
    gtInds: Int32Array.from(gtInds),
    maxOverlaps: new Float32Array(gtInds.length),
    labels: new Int32Array(gtInds.length),
  });

  it('caps positives at num * posFraction and fills with negatives', () => {
    const gt = [1, 2, 1, 2, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1];
    const s = randomSample(assign(gt), 8, 0.25, new Rng(1));
    expect(s.posInds.length).toBe(2);
    expect(s.negInds.length).toBe(6);
    for (const i of s.posInds) expect(gt[i]).toBeGreaterThan(0);
    for (const i of s.negInds) expect(gt[i]).toBe(0);
    expect(new Set(s.negInds).size).toBe(6);
    s.posInds.forEach((i, j) => {
      expect(s.posGtInds[j]).toBe(gt[i] - 1);
    });
  });

  it('takes every positive when there are few and never samples ignored priors', () => {
    const gt = [0, 1, -1, 0, 0, -1];
    const s = randomSample(assign(gt), 10, 0.5, new Rng(2));
    expect(Array.from(s.posInds)).toEqual([1]);
    expect(Array.from(s.negInds).sort()).toEqual([0, 3, 4]);
  });

  it('is reproducible for a seed', () => {
    const gt = Array.from({ length: 100 }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const a = randomSample(assign(gt), 16, 0.25, new Rng(7));
    const b = randomSample(assign(gt), 16, 0.25, new Rng(7));
    expect(Array.from(a.posInds)).toEqual(Array.from(b.posInds));
    expect(Array.from(a.negInds)).toEqual(Array.from(b.negInds));
  });
});
