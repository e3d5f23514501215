// mmdetection's `RandomSampler`: a fixed number of assigned priors, positives up to a fraction,
// drawn from the seeded generator.

import type { Rng } from '@crat/core';
import type { AssignResult } from './assigner.js';

/** Indices of the sampled priors: positives (with their GT index, 0-based) and negatives. */
export interface SampleResult {
  posInds: Int32Array;
  posGtInds: Int32Array;
  negInds: Int32Array;
}

/**
 * mmdetection `RandomSampler` (no negative upper bound): up to `num * posFraction` positives
 * drawn uniformly without replacement, then negatives to fill `num`.
 */
export function randomSample(
  assign: AssignResult,
  num: number,
  posFraction: number,
  rng: Rng,
): SampleResult {
  const pos: number[] = [];
  const neg: number[] = [];
  assign.gtInds.forEach((v, i) => {
    if (v > 0) pos.push(i);
    else if (v === 0) neg.push(i);
  });
  const numExpectedPos = Math.floor(num * posFraction);
  const posPicked = pos.length <= numExpectedPos ? pos : rng.choose(pos, numExpectedPos);
  const numExpectedNeg = num - posPicked.length;
  const negPicked = neg.length <= numExpectedNeg ? neg : rng.choose(neg, numExpectedNeg);
  const posInds = Int32Array.from(posPicked);
  return {
    posInds,
    posGtInds: posInds.map((i) => assign.gtInds[i] - 1),
    negInds: Int32Array.from(negPicked),
  };
}
