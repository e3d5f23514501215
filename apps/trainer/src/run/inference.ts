// Inference over a whole dataset with the config's test pipeline, as LVIS result records.

import { DataLoader, type LvisDetectionDataset } from '@crat/data';
import { detectorInputsFromCollated } from '@crat/detector';
import { UniformSampler } from '@crat/samplers';
import type { LVISResult } from 'lvis-ts-types';
import type { CratConfig } from '../config/schema.js';
import type { DetectorBackend, DetectorModel } from './detector-api.js';

export interface InferenceOptions {
  /** Images at a time (default: the config's batch size). */
  batchSize?: number;
  withMasks?: boolean;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Run the model over every image of a dataset once, in dataset order, with the config's
 * test pipeline (test scale, no flip), and return LVIS result records.
 */
export async function predictDataset(
  backend: DetectorBackend,
  model: DetectorModel,
  dataset: LvisDetectionDataset,
  cfg: CratConfig,
  o: InferenceOptions = {},
): Promise<LVISResult[]> {
  const n = dataset.numImages;
  const batchSize = o.batchSize ?? cfg.data.batchSize;
  const sampler = new UniformSampler(
    { dataset: dataset.samplerDataset(), seed: 0 },
    { shuffle: false },
  );
  const loader = new DataLoader({
    dataset,
    sampler,
    batchSize,
    pipeline: {
      scales: [cfg.pipeline.test.scale],
      scaleMode: 'value',
      keepRatio: cfg.pipeline.test.keepRatio,
      flipRatio: 0,
      mean: cfg.pipeline.mean,
      std: cfg.pipeline.std,
      padDivisor: cfg.pipeline.padDivisor,
      withMasks: false,
    },
    workers: cfg.data.workers,
    prefetchBatches: cfg.data.prefetch,
    onBadImage: cfg.dataset.skipBadImages ? 'skip' : 'error',
  });
  const categoryIds = dataset.labels.categoryIds;
  const results: LVISResult[] = [];
  let done = 0;
  try {
    for (let b = 0; b < Math.ceil(n / batchSize); b++) {
      const batch = await loader.next();
      try {
        const dets = await model.predict(detectorInputsFromCollated(batch), {
          withMasks: o.withMasks ?? true,
        });
        dets.forEach((d, k) => {
          // the sampler wraps into its next epoch to fill the last batch: those are repeats
          if (batch.samples[k]!.epoch === 0) results.push(...backend.toLvisResults(d, categoryIds));
        });
        done += batch.samples.filter((s) => s.epoch === 0).length;
        o.onProgress?.(done, n);
      } finally {
        batch.dispose();
      }
    }
  } finally {
    await loader.close();
  }
  return results;
}
