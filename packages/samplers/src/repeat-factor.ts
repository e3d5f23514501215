// `repeat-factor`: LVIS repeat-factor sampling (Gupta et al. 2019), each image repeated by its
// rarest class's factor, rounded stochastically (Detectron2) or up (mmengine).

import type { SamplerDataset, SamplerInit } from '@crat/core';
import { createRandom, mixSeed, shuffleInPlace } from '@crat/core';
import { SamplerBase } from './sampler-base.js';

/** Repeat factors of LVIS repeat-factor sampling (Gupta et al. 2019). */
export interface RepeatFactors {
  threshold: number;
  /** f_c: fraction of all images (empty ones included) that contain class c; 0 if none does. */
  categoryFreq: Float64Array;
  /** Images containing class c. */
  categoryImageCount: Int32Array;
  /** r_c = max(1, sqrt(t / f_c)); 1 for classes in no image (they never raise an image's factor). */
  categoryRepeat: Float64Array;
  /** r_i = max over the image's classes of r_c; 1 for an image without annotations. */
  imageRepeat: Float64Array;
}

/** The formulas of mmengine's `ClassBalancedDataset._get_repeat_factors`. */
export function computeRepeatFactors(dataset: SamplerDataset, threshold: number): RepeatFactors {
  if (!(threshold > 0))
    throw new RangeError(`repeat factors: threshold must be > 0, got ${threshold}`);
  const n = dataset.numImages;
  const counts = new Int32Array(dataset.numClasses);
  for (const classes of dataset.imageClasses) for (const c of new Set(classes)) counts[c] += 1;
  const categoryFreq = new Float64Array(dataset.numClasses);
  const categoryRepeat = new Float64Array(dataset.numClasses).fill(1);
  for (let c = 0; c < dataset.numClasses; c++) {
    if (counts[c] === 0) continue;
    categoryFreq[c] = counts[c] / n;
    categoryRepeat[c] = Math.max(1, Math.sqrt(threshold / categoryFreq[c]));
  }
  const imageRepeat = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let r = 1;
    for (const c of dataset.imageClasses[i]) r = Math.max(r, categoryRepeat[c]);
    imageRepeat[i] = r;
  }
  return { threshold, categoryFreq, categoryImageCount: counts, categoryRepeat, imageRepeat };
}

export interface RepeatFactorOptions {
  /** t in r_c = max(1, sqrt(t / f_c)); LVIS uses 0.001. */
  threshold: number;
  /**
   * How a fractional r_i becomes a count each epoch: `stochastic` (floor + Bernoulli(frac),
   * redrawn per epoch, as Detectron2 does: the expected count is r_i) or `ceil` (mmengine's
   * ClassBalancedDataset: the same ceil(r_i) copies every epoch).
   */
  rounding: 'stochastic' | 'ceil';
}

/** Repeat each image r_i times per epoch (rounded), then shuffle. */
export class RepeatFactorSampler extends SamplerBase {
  readonly type = 'repeat-factor';
  readonly options: RepeatFactorOptions;
  readonly factors: RepeatFactors;

  constructor(init: SamplerInit, options: Partial<RepeatFactorOptions> = {}) {
    super(init);
    this.options = { threshold: 0.001, rounding: 'stochastic', ...options };
    if (this.options.rounding !== 'stochastic' && this.options.rounding !== 'ceil') {
      throw new RangeError(
        `repeat-factor sampler: option 'rounding' must be 'stochastic' or 'ceil', got ${JSON.stringify(this.options.rounding)}`,
      );
    }
    this.factors = computeRepeatFactors(this.dataset, this.options.threshold);
  }

  /** How many times each image appears in `epoch`. */
  epochRepeatCounts(epoch: number): Int32Array {
    const r = this.factors.imageRepeat;
    const counts = new Int32Array(r.length);
    if (this.options.rounding === 'ceil') {
      for (let i = 0; i < r.length; i++) counts[i] = Math.ceil(r[i]);
      return counts;
    }
    const random = createRandom(mixSeed(this.seed, epoch, 2));
    for (let i = 0; i < r.length; i++) {
      const whole = Math.floor(r[i]);
      counts[i] = whole + (random() < r[i] - whole ? 1 : 0);
    }
    return counts;
  }

  globalEpochIndices(epoch: number): Int32Array {
    const counts = this.epochRepeatCounts(epoch);
    let total = 0;
    for (const c of counts) total += c;
    const out = new Int32Array(total);
    let k = 0;
    for (let i = 0; i < counts.length; i++) for (let j = 0; j < counts[i]; j++) out[k++] = i;
    return shuffleInPlace(out, createRandom(mixSeed(this.seed, epoch, 3)));
  }
}
