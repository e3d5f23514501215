// `class-aware`: class-aware sampling (Shen et al. 2016) as mmdetection does it: a class from a
// random cycle over the classes, then an image from that class's own cycle.

import type { SamplerInit } from '@crat/core';
import { createRandom, mixSeed, type Random, randomInt, shuffleInPlace } from '@crat/core';
import { SamplerBase } from './sampler-base.js';

export interface ClassAwareOptions {
  /** Samples per epoch; 0 means the number of images, as mmdetection's ClassAwareSampler. */
  epochLength: number;
  /** Consecutive images drawn for each picked class (mmdetection's `num_sample_class`). */
  samplesPerClass: number;
}

/**
 * Walks a list in random order, reshuffling each time it runs out: every member comes up
 * equally often, without the clumps of independent draws (mmdetection's RandomCycleIter).
 */
class RandomCycle {
  #order: Int32Array;
  #at: number;
  constructor(
    members: ArrayLike<number>,
    private readonly random: Random,
  ) {
    this.#order = Int32Array.from(members);
    this.#at = this.#order.length;
  }
  next(): number {
    if (this.#at >= this.#order.length) {
      shuffleInPlace(this.#order, this.random);
      this.#at = 0;
    }
    return this.#order[this.#at++];
  }
}

/**
 * Class-aware sampling (Shen et al. 2016): pick a class uniformly among the classes that
 * have images, then an image that contains it. Classes and each class's images are visited
 * as random cycles, as in mmdetection.
 */
export class ClassAwareSampler extends SamplerBase {
  readonly type = 'class-aware';
  readonly options: ClassAwareOptions;
  /** Images of each class (classes with none are never picked). */
  readonly classImages: Int32Array[];

  constructor(init: SamplerInit, options: Partial<ClassAwareOptions> = {}) {
    super(init);
    this.options = { epochLength: 0, samplesPerClass: 1, ...options };
    const { epochLength, samplesPerClass } = this.options;
    if (!Number.isInteger(epochLength) || epochLength < 0) {
      throw new RangeError(
        `class-aware sampler: option 'epochLength' must be an integer >= 0, got ${epochLength}`,
      );
    }
    if (!Number.isInteger(samplesPerClass) || samplesPerClass < 1) {
      throw new RangeError(
        `class-aware sampler: option 'samplesPerClass' must be an integer >= 1, got ${samplesPerClass}`,
      );
    }
    const lists: number[][] = Array.from({ length: this.dataset.numClasses }, () => []);
    this.dataset.imageClasses.forEach((classes, i) => {
      for (const c of new Set(classes)) lists[c].push(i);
    });
    this.classImages = lists.map((l) => Int32Array.from(l));
  }

  globalEpochIndices(epoch: number): Int32Array {
    const length = this.options.epochLength || this.dataset.numImages;
    const out = new Int32Array(length);
    const nonEmpty: number[] = [];
    this.classImages.forEach((imgs, c) => {
      if (imgs.length > 0) nonEmpty.push(c);
    });
    if (nonEmpty.length === 0) {
      // No annotated image at all: fall back to uniform draws so the stream still exists.
      const random = createRandom(mixSeed(this.seed, epoch, 4));
      for (let k = 0; k < length; k++) out[k] = randomInt(random, this.dataset.numImages);
      return this.dataset.numImages === 0 ? new Int32Array(0) : out;
    }
    const random = createRandom(mixSeed(this.seed, epoch, 5));
    const classCycle = new RandomCycle(nonEmpty, random);
    const imageCycles = new Map<number, RandomCycle>();
    let k = 0;
    while (k < length) {
      const c = classCycle.next();
      let cycle = imageCycles.get(c);
      if (!cycle) {
        cycle = new RandomCycle(this.classImages[c], random);
        imageCycles.set(c, cycle);
      }
      for (let s = 0; s < this.options.samplesPerClass && k < length; s++) out[k++] = cycle.next();
    }
    return out;
  }
}
