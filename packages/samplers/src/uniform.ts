// `uniform`: every image once per epoch, shuffled per (seed, epoch) or in dataset order.

import type { SamplerInit } from '@crat/core';
import { createRandom, mixSeed, shuffleInPlace } from '@crat/core';
import { SamplerBase } from './sampler-base.js';

export interface UniformOptions {
  /** Shuffle each epoch (true) or visit images in dataset order (false). */
  shuffle: boolean;
}

/** Every image once per epoch, in a fresh random order each epoch. */
export class UniformSampler extends SamplerBase {
  readonly type = 'uniform';
  readonly options: UniformOptions;

  constructor(init: SamplerInit, options: Partial<UniformOptions> = {}) {
    super(init);
    this.options = { shuffle: true, ...options };
  }

  globalEpochIndices(epoch: number): Int32Array {
    const out = new Int32Array(this.dataset.numImages);
    for (let i = 0; i < out.length; i++) out[i] = i;
    if (this.options.shuffle) shuffleInPlace(out, createRandom(mixSeed(this.seed, epoch, 1)));
    return out;
  }
}
