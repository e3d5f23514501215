// Sampler-driven training batches, decoded on worker threads and prefetched, with the sampler
// position a checkpoint needs to resume at the next batch not yet handed out.

import { availableParallelism } from 'node:os';
import type { ImageSampler, PluginState } from '@crat/core';
import { mixSeed } from '@crat/core';
import { type Batch, collateSamples } from './collate.js';
import { DecodePool } from './decode-pool.js';
import type { LvisDetectionDataset } from './lvis-dataset.js';
import { type PipelineConfig, resolvePipelineConfig } from './pipeline-config.js';
import { ImageReadError, type PreparedSample } from './prepare-sample.js';

export interface DataLoaderOptions {
  dataset: LvisDetectionDataset;
  sampler: ImageSampler;
  batchSize: number;
  pipeline?: Partial<PipelineConfig>;
  /** Seed of the augmentation choices (scale, flip); default 0. */
  seed?: number;
  /** Decode threads; 0 decodes on this thread (still asynchronous). Default min(2, cores). */
  workers?: number;
  /** Batches decoded ahead of the consumer (the bound of the prefetch queue). Default 2. */
  prefetchBatches?: number;
  /** A missing or undecodable image: `error` (default) rejects naming the file; `skip` warns and leaves it out of its batch. */
  onBadImage?: 'error' | 'skip';
  onWarning?: (message: string) => void;
}

interface Scheduled {
  samples: Promise<(PreparedSample | undefined)[]>;
  positions: { epoch: number; index: number }[];
  /** The sampler's cursor after this batch's indices were taken. */
  after: { epoch: number; offset: number };
}

/**
 * Sampler-driven batches: the sampler's indices are taken in order, each sample is decoded
 * and augmented on a worker thread with random choices seeded by (seed, epoch, offset,
 * image), up to `prefetchBatches` batches ahead, and the main thread only turns the
 * finished arrays into tensors.
 */
export class DataLoader {
  readonly dataset: LvisDetectionDataset;
  readonly sampler: ImageSampler;
  readonly batchSize: number;
  readonly config: PipelineConfig;
  readonly seed: number;
  readonly #pool: DecodePool;
  readonly #prefetch: number;
  readonly #onBadImage: 'error' | 'skip';
  readonly #warn: (message: string) => void;
  readonly #queue: Scheduled[] = [];
  /** Sampler cursor after the last batch handed out (what a checkpoint stores). */
  #consumed: { epoch: number; offset: number };

  constructor(options: DataLoaderOptions) {
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1) {
      throw new RangeError(
        `data loader: batchSize must be a positive integer, got ${options.batchSize}`,
      );
    }
    if (options.sampler.epochIndices(0).some((i) => i >= options.dataset.numImages)) {
      throw new RangeError('data loader: the sampler yields indices beyond the dataset');
    }
    this.dataset = options.dataset;
    this.sampler = options.sampler;
    this.batchSize = options.batchSize;
    this.config = resolvePipelineConfig(options.pipeline);
    this.seed = options.seed ?? 0;
    this.#prefetch = Math.max(1, options.prefetchBatches ?? 2);
    this.#onBadImage = options.onBadImage ?? 'error';
    this.#warn = options.onWarning ?? ((m) => console.warn(m));
    this.#pool = new DecodePool(
      this.config,
      options.workers ?? Math.min(2, availableParallelism()),
    );
    this.#consumed = this.sampler.position();
  }

  /** Decode threads in use (0: this thread). */
  get threads(): number {
    return this.#pool.threads;
  }

  /** The next batch (prefetching the ones after it). Dispose it when done. */
  async next(): Promise<Batch> {
    for (;;) {
      this.#fill();
      const head = this.#queue.shift()!;
      this.#fill();
      let samples: (PreparedSample | undefined)[];
      try {
        samples = await head.samples;
      } catch (err) {
        this.#consumed = head.after;
        throw err;
      }
      this.#consumed = head.after;
      const kept = samples.flatMap((s, k) => (s ? [{ s, p: head.positions[k] }] : []));
      if (kept.length === 0) {
        this.#warn('data: every image of a batch was skipped; taking the next batch');
        continue;
      }
      return collateSamples(
        kept.map((k) => k.s),
        kept.map((k) => k.p),
      );
    }
  }

  /** `count` batches (or endless without a count). */
  async *batches(count = Number.POSITIVE_INFINITY): AsyncGenerator<Batch> {
    for (let b = 0; b < count; b++) yield await this.next();
  }

  /**
   * The sampler state at the first batch not yet handed out (prefetched ones included), for
   * checkpoints: restoring it into the sampler and building a new loader continues exactly.
   */
  samplerState(): PluginState {
    return { ...this.sampler.getState(), ...this.#consumed };
  }

  async close(): Promise<void> {
    // Let scheduled work settle so no rejection goes unhandled.
    const pending = this.#queue.splice(0).map((q) => q.samples.catch(() => undefined));
    await this.#pool.close();
    await Promise.all(pending);
  }

  #fill(): void {
    while (this.#queue.length < this.#prefetch) this.#queue.push(this.#schedule());
  }

  #schedule(): Scheduled {
    let { epoch, offset } = this.sampler.position();
    const taken = this.sampler.take(this.batchSize);
    const work = taken.map(({ epoch: e, index }) => {
      if (e !== epoch) {
        epoch = e;
        offset = 0;
      }
      const seedWord = mixSeed(this.seed, e, offset++, index);
      const record = this.dataset.images[index];
      return this.#pool.run(record, seedWord).catch((err: unknown) => {
        if (this.#onBadImage === 'skip' && err instanceof ImageReadError) {
          this.#warn(`data: skipping ${err.message}`);
          return undefined;
        }
        throw err;
      });
    });
    const samples = Promise.all(work);
    // The consumer sees the error when it reaches this batch; until then it is not unhandled.
    samples.catch(() => undefined);
    return { samples, positions: taken, after: this.sampler.position() };
  }
}
