// The detector's batch types, their validation, and the one converter from `@crat/data`'s collated batches.

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
 * - `gtMasks[i]`: `G_i` bitmaps (row-major, 0/1), each `imageShape[0] * imageShape[1]` bytes, or
 *   `padShape[0] * padShape[1]` bytes (the padded image, as mmdetection and `@crat/data` keep them).
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
    const pad = meta.padShape;
    const sizes = batch.gtMasks[i].map((m) => m.length);
    batch.gtMasks[i].forEach((m, k) => {
      if (m.length !== ih * iw && !(pad && m.length === pad[0] * pad[1])) {
        fail(
          i,
          `gtMasks[${k}]`,
          `has ${m.length} pixels, expected ${ih}x${iw}${pad ? ` or ${pad[0]}x${pad[1]}` : ''}`,
        );
      }
      if (m.length !== sizes[0])
        fail(i, `gtMasks[${k}]`, `has ${m.length} pixels, gtMasks[0] has ${sizes[0]}`);
    });
  }
}

/** `[height, width]` of image `meta`'s GT bitmaps of `length` pixels (its resized or padded size). */
export function maskShape(meta: DetectorImageMeta, length: number): [number, number] {
  const [h, w] = meta.imageShape;
  if (length === h * w || !meta.padShape) return [h, w];
  return meta.padShape;
}

/**
 * What `@crat/data`'s collated batches look like (structurally: the detector does not import
 * the data package): boxes and labels as tensors, one `n x padH x padW` mask buffer per image.
 */
export interface CollatedBatchLike {
  images: tf.Tensor4D;
  gtBoxes: tf.Tensor[];
  gtLabels: tf.Tensor[];
  gtMasks: Uint8Array[];
  metas: {
    imageId: number;
    oriShape: [number, number];
    imgShape: [number, number];
    padShape: [number, number];
    scaleFactor: [number, number];
    flip: boolean;
  }[];
}

/** `@crat/data`'s image metadata in the detector's terms. */
export function detectorMetaFromCollated(m: CollatedBatchLike['metas'][number]): DetectorImageMeta {
  return {
    imageId: m.imageId,
    imageShape: [m.imgShape[0], m.imgShape[1]],
    padShape: [m.padShape[0], m.padShape[1]],
    originalShape: [m.oriShape[0], m.oriShape[1]],
    scaleFactor: [m.scaleFactor[0], m.scaleFactor[1]],
    flipped: m.flip,
  };
}

/** Inference input from a collated batch: the image tensor is shared, not copied. */
export function detectorInputsFromCollated(
  b: Pick<CollatedBatchLike, 'images' | 'metas'>,
): DetectorInputs {
  return { images: b.images, metas: b.metas.map(detectorMetaFromCollated) };
}

/**
 * The one converter from a collated `@crat/data` batch to a training batch: boxes and labels
 * read back (asynchronously) to typed arrays, each image's masks (stored at its padded size by
 * the pipeline) cropped to the resized image. The image tensor stays shared; the GT tensors
 * are left to the caller. Call it before the step's gradient scope opens.
 */
export async function detectorBatchFromCollated(b: CollatedBatchLike): Promise<DetectorBatch> {
  const gtBoxes: Float32Array[] = [];
  const gtLabels: Int32Array[] = [];
  for (const t of b.gtBoxes) gtBoxes.push(Float32Array.from(await t.data()));
  for (const t of b.gtLabels) gtLabels.push(Int32Array.from(await t.data()));
  const gtMasks = b.metas.map((m, i) => {
    const n = gtLabels[i].length;
    const [ph, pw] = m.padShape;
    const [h, w] = m.imgShape;
    const all = b.gtMasks[i];
    if (all.length !== n * ph * pw) {
      throw new Error(
        `collated batch: image ${i} (id ${m.imageId}): gtMasks has ${all.length} bytes, expected ${n} x ${ph} x ${pw}`,
      );
    }
    const out: Uint8Array[] = [];
    for (let k = 0; k < n; k++) {
      const mask = new Uint8Array(h * w);
      for (let y = 0; y < h; y++) {
        const src = k * ph * pw + y * pw;
        mask.set(all.subarray(src, src + w), y * w);
      }
      out.push(mask);
    }
    return out;
  });
  return { ...detectorInputsFromCollated(b), gtBoxes, gtLabels, gtMasks };
}
