// Prepared samples stacked into one training batch of tensors, padded to the batch's largest size.

import * as tf from '@tensorflow/tfjs-core';
import type { ImageMeta, PreparedSample } from './prepare-sample.js';

/** A training batch: tensors for the model, bitmaps and metadata for the targets. */
export interface Batch {
  /** `[N, H, W, 3]` float32, normalized RGB; H and W are the largest padded size in the batch. */
  images: tf.Tensor4D;
  /** Per image `[n_i, 4]` float32 boxes `[x1, y1, x2, y2]` in that image's resized coordinates. */
  gtBoxes: tf.Tensor2D[];
  /** Per image `[n_i]` int32 labels 0..C-1. */
  gtLabels: tf.Tensor1D[];
  /** Per image `n_i x padH x padW` row-major 0/1 masks at the image's own `meta.padShape`. */
  gtMasks: Uint8Array[];
  metas: ImageMeta[];
  /** Where each image came from in the sampler's stream. */
  samples: { epoch: number; index: number }[];
  /** Dispose every tensor of the batch. */
  dispose(): void;
}

/**
 * Stack prepared samples into a batch. Images of different padded sizes are placed at the
 * top-left of the batch's largest size, zeros elsewhere (as mmdetection's collate pads).
 */
export function collateSamples(
  samples: readonly PreparedSample[],
  positions: readonly { epoch: number; index: number }[],
): Batch {
  if (samples.length === 0) throw new RangeError('collate: empty batch');
  const H = Math.max(...samples.map((s) => s.meta.padShape[0]));
  const W = Math.max(...samples.map((s) => s.meta.padShape[1]));
  const plane = H * W * 3;
  const data = new Float32Array(samples.length * plane);
  samples.forEach((s, k) => {
    const [h, w] = s.meta.padShape;
    if (h === H && w === W) {
      data.set(s.image, k * plane);
      return;
    }
    for (let y = 0; y < h; y++) {
      data.set(s.image.subarray(y * w * 3, (y + 1) * w * 3), k * plane + y * W * 3);
    }
  });
  const images = tf.tensor4d(data, [samples.length, H, W, 3], 'float32');
  const gtBoxes = samples.map((s) => tf.tensor2d(s.boxes, [s.labels.length, 4], 'float32'));
  const gtLabels = samples.map((s) => tf.tensor1d(s.labels, 'int32'));
  return {
    images,
    gtBoxes,
    gtLabels,
    gtMasks: samples.map((s) => s.masks),
    metas: samples.map((s) => s.meta),
    samples: [...positions],
    dispose() {
      tf.dispose([images, ...gtBoxes, ...gtLabels]);
    },
  };
}
