// The `ImageSampler` contract: a seeded stream of image indices per epoch, sharded across
// processes and resumable from any position, which the sampler plug-ins implement.

import type { PluginState, Stateful } from './state.js';

/** What an image sampler knows about the dataset. */
export interface SamplerDataset {
  numImages: number;
  numClasses: number;
  /** For each image, the distinct class indices (0..C-1) it contains. */
  imageClasses: ReadonlyArray<ReadonlyArray<number>>;
}

/** Common construction options of every sampler. */
export interface SamplerInit {
  dataset: SamplerDataset;
  seed: number;
  /** This process's shard (0-based) and the number of shards; shards never overlap. */
  rank?: number;
  worldSize?: number;
}

/** Position of a sampler's cursor: where a resumed run picks up. */
export interface SamplerPosition {
  epoch: number;
  /** Index into this shard's stream for `epoch`. */
  offset: number;
}

/**
 * Epoch-wise stream of image indices, deterministic in (seed, epoch, rank, worldSize) and
 * resumable from any position.
 */
export interface ImageSampler extends Stateful {
  readonly type: string;
  /** This shard's image indices for `epoch`, in visiting order (pure: no cursor movement). */
  epochIndices(epoch: number): Int32Array;
  /** The next `count` indices from the cursor, crossing into the next epoch as needed. */
  take(count: number): { epoch: number; index: number }[];
  /** The cursor. `getState()`/`setState()` carry it through checkpoints. */
  position(): SamplerPosition;
  /** The cursor's state: host numbers only, so it is read synchronously (the data loader does). */
  getState(): PluginState;
}
