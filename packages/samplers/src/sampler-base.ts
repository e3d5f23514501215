// What every sampler shares (sharding, the cursor, `take()`, checkpoint state), so a sampler
// only says how one epoch's whole stream is built from (seed, epoch).

import type {
  ImageSampler,
  PluginState,
  SamplerDataset,
  SamplerInit,
  SamplerPosition,
} from '@crat/core';

export class SamplerStateError extends Error {
  override name = 'SamplerStateError';
}

/** The shard's positions within a global stream of `length`: rank, rank+W, rank+2W, ... */
export function shardIndices(global: Int32Array, rank: number, worldSize: number): Int32Array {
  if (worldSize === 1) return global;
  const n = Math.max(0, Math.ceil((global.length - rank) / worldSize));
  const out = new Int32Array(n);
  for (let k = 0; k < n; k++) out[k] = global[rank + k * worldSize];
  return out;
}

/**
 * What every sampler shares: sharding, the cursor, `take()` and checkpoint state. A subclass
 * only says how to build the whole (unsharded) stream of one epoch from (seed, epoch).
 *
 * Sharding is strided over the global stream, without padding: every position of the
 * global stream goes to exactly one rank, and shard lengths differ by at most one.
 */
export abstract class SamplerBase implements ImageSampler {
  abstract readonly type: string;
  readonly dataset: SamplerDataset;
  readonly seed: number;
  readonly rank: number;
  readonly worldSize: number;
  #epoch = 0;
  #offset = 0;
  #cached: { epoch: number; indices: Int32Array } | undefined;

  constructor(init: SamplerInit) {
    const rank = init.rank ?? 0;
    const worldSize = init.worldSize ?? 1;
    if (!Number.isInteger(worldSize) || worldSize < 1) {
      throw new RangeError(`sampler: worldSize must be a positive integer, got ${worldSize}`);
    }
    if (!Number.isInteger(rank) || rank < 0 || rank >= worldSize) {
      throw new RangeError(`sampler: rank must be an integer in [0, ${worldSize}), got ${rank}`);
    }
    if (!Number.isFinite(init.seed)) {
      throw new RangeError(`sampler: seed must be a finite number, got ${init.seed}`);
    }
    validateDataset(init.dataset);
    this.dataset = init.dataset;
    this.seed = init.seed;
    this.rank = rank;
    this.worldSize = worldSize;
  }

  /** The whole epoch's stream across all ranks; pure in (seed, epoch). */
  abstract globalEpochIndices(epoch: number): Int32Array;

  epochIndices(epoch: number): Int32Array {
    if (!Number.isInteger(epoch) || epoch < 0) {
      throw new RangeError(`sampler: epoch must be a non-negative integer, got ${epoch}`);
    }
    if (this.#cached?.epoch === epoch) return this.#cached.indices.slice();
    return shardIndices(this.globalEpochIndices(epoch), this.rank, this.worldSize);
  }

  take(count: number): { epoch: number; index: number }[] {
    if (!Number.isInteger(count) || count < 0) {
      throw new RangeError(`sampler: take() count must be a non-negative integer, got ${count}`);
    }
    const out: { epoch: number; index: number }[] = [];
    let emptyEpochs = 0;
    while (out.length < count) {
      const indices = this.#current();
      if (this.#offset >= indices.length) {
        // An empty shard (more ranks than samples) would loop forever.
        if (indices.length === 0 && ++emptyEpochs > 1) {
          throw new RangeError(`sampler '${this.type}': rank ${this.rank} has no samples`);
        }
        this.#epoch += 1;
        this.#offset = 0;
        continue;
      }
      out.push({ epoch: this.#epoch, index: indices[this.#offset] });
      this.#offset += 1;
    }
    return out;
  }

  position(): SamplerPosition {
    return { epoch: this.#epoch, offset: this.#offset };
  }

  getState(): PluginState {
    return {
      type: this.type,
      seed: this.seed,
      rank: this.rank,
      worldSize: this.worldSize,
      numImages: this.dataset.numImages,
      epoch: this.#epoch,
      offset: this.#offset,
    };
  }

  setState(state: PluginState): void {
    const field = (name: string): number => {
      const v = state[name];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
        throw new SamplerStateError(
          `sampler '${this.type}' state: field '${name}' must be a non-negative integer, got ${JSON.stringify(v)}`,
        );
      }
      return v;
    };
    if (state.type !== this.type) {
      throw new SamplerStateError(
        `sampler state: field 'type' is ${JSON.stringify(state.type)}, this sampler is '${this.type}'`,
      );
    }
    // A stream is only the same stream with the same seed and dataset; rank/worldSize may
    // change on resume (the position is then this rank's offset in the new sharding).
    if (state.seed !== this.seed) {
      throw new SamplerStateError(
        `sampler '${this.type}' state: field 'seed' is ${JSON.stringify(state.seed)}, this sampler was built with ${this.seed}`,
      );
    }
    if (field('numImages') !== this.dataset.numImages) {
      throw new SamplerStateError(
        `sampler '${this.type}' state: field 'numImages' is ${state.numImages}, the dataset has ${this.dataset.numImages}`,
      );
    }
    this.#epoch = field('epoch');
    this.#offset = field('offset');
  }

  #current(): Int32Array {
    if (this.#cached?.epoch !== this.#epoch) {
      this.#cached = {
        epoch: this.#epoch,
        indices: shardIndices(this.globalEpochIndices(this.#epoch), this.rank, this.worldSize),
      };
    }
    return this.#cached.indices;
  }
}

function validateDataset(d: SamplerDataset): void {
  if (!Number.isInteger(d.numImages) || d.numImages < 0) {
    throw new RangeError(
      `sampler dataset: numImages must be a non-negative integer, got ${d.numImages}`,
    );
  }
  if (d.imageClasses.length !== d.numImages) {
    throw new RangeError(
      `sampler dataset: imageClasses has ${d.imageClasses.length} entries, numImages is ${d.numImages}`,
    );
  }
  for (let i = 0; i < d.imageClasses.length; i++) {
    for (const c of d.imageClasses[i]) {
      if (!Number.isInteger(c) || c < 0 || c >= d.numClasses) {
        throw new RangeError(
          `sampler dataset: image ${i} has class ${c}, outside 0..${d.numClasses - 1}`,
        );
      }
    }
  }
}
