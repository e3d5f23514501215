import type * as tf from '@tensorflow/tfjs-core';

/** Per-image facts the model needs beside the pixels. Shapes are `[height, width]`. */
export interface DetectorImageMeta {
  /** Dataset image id (LVIS `image_id`). */
  imageId: number;
  /** Size after resizing, before padding: the region that holds the image. */
  imageShape: [number, number];
  /** This image's own padded size (a multiple of the size divisor); defaults to the batch tensor's size. */
  padShape?: [number, number];
  /** Size of the original image file, for results in original pixels. */
  originalShape: [number, number];
  /** `[sx, sy]`: resized = original * scale (mmdetection `scale_factor`). */
  scaleFactor: [number, number];
  /** Horizontally flipped by the augmentation (informational: the GT is already flipped). */
  flipped?: boolean;
}

/** Inference input: normalised images, NHWC, zero-padded to a common size (`[N, H, W, 3]`). */
export interface DetectorInputs {
  images: tf.Tensor4D;
  metas: DetectorImageMeta[];
}

/**
 * One training batch, as `@crat/data` produces it. Per image i:
 * - `gtBoxes[i]`: `4 * G_i` values `x1, y1, x2, y2` in resized-image pixels;
 * - `gtLabels[i]`: `G_i` class indices in `0..C-1`;
 * - `gtMasks[i]`: `G_i` bitmaps, each `imageShape[0] * imageShape[1]` bytes (row-major, 0/1).
 */
export interface DetectorBatch extends DetectorInputs {
  gtBoxes: Float32Array[];
  gtLabels: Int32Array[];
  gtMasks: Uint8Array[][];
}

/** Throws an error naming the image and field when a batch is inconsistent. */
export function validateBatch(batch: DetectorBatch, numClasses: number): void {
  const [n, h, w, c] = batch.images.shape;
  const fail = (i: number, field: string, msg: string): never => {
    throw new Error(`DetectorBatch: image ${i} (id ${batch.metas[i]?.imageId}): ${field} ${msg}`);
  };
  if (c !== 3)
    throw new Error(
      `DetectorBatch: images must be NHWC with 3 channels, got ${batch.images.shape}`,
    );
  for (const [field, arr] of [
    ['metas', batch.metas],
    ['gtBoxes', batch.gtBoxes],
    ['gtLabels', batch.gtLabels],
    ['gtMasks', batch.gtMasks],
  ] as const) {
    if (arr.length !== n)
      throw new Error(`DetectorBatch: ${field} has ${arr.length} entries for ${n} images`);
  }
  for (let i = 0; i < n; i++) {
    const meta = batch.metas[i];
    const [ih, iw] = meta.imageShape;
    if (ih > h || iw > w)
      fail(i, 'metas.imageShape', `[${ih}, ${iw}] exceeds the batch tensor [${h}, ${w}]`);
    const g = batch.gtLabels[i].length;
    if (batch.gtBoxes[i].length !== 4 * g)
      fail(i, 'gtBoxes', `has ${batch.gtBoxes[i].length} values for ${g} labels`);
    if (batch.gtMasks[i].length !== g)
      fail(i, 'gtMasks', `has ${batch.gtMasks[i].length} masks for ${g} labels`);
    batch.gtLabels[i].forEach((l, k) => {
      if (!(l >= 0 && l < numClasses))
        fail(i, `gtLabels[${k}]`, `= ${l} is outside 0..${numClasses - 1}`);
    });
    batch.gtMasks[i].forEach((m, k) => {
      if (m.length !== ih * iw)
        fail(i, `gtMasks[${k}]`, `has ${m.length} pixels, expected ${ih}x${iw}`);
    });
  }
}
