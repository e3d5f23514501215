// Toy images of coloured shapes, one colour and shape per class, for smoke tests and benchmarks
// that need a detector to learn something quickly without a dataset.

import { Rng } from '@crat/core';
import * as tf from '@tensorflow/tfjs-core';
import type { DetectorBatch, DetectorImageMeta } from './batch.js';

/** One toy image: pixels (HWC, normalised), its objects' boxes, labels and masks. */
export interface ToyImage {
  pixels: Float32Array;
  boxes: Float32Array;
  labels: Int32Array;
  masks: Uint8Array[];
}

export interface ToyImageOptions {
  size: number;
  numClasses: number;
  /** Objects per image, inclusive range. */
  objects: [number, number];
  /** Object side, inclusive range in pixels. */
  objectSize: [number, number];
}

/**
 * Draw an image of filled shapes on a dark noisy background: class c has its own colour and
 * shape (even classes rectangles, odd classes ellipses), so a detector can learn it quickly.
 * For smoke tests and benchmarks; real data comes from `@crat/data`.
 */
export function drawToyImage(rng: Rng, opts: ToyImageOptions): ToyImage {
  const { size, numClasses } = opts;
  const pixels = new Float32Array(size * size * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = -1 + 0.2 * rng.next();
  const n = opts.objects[0] + Math.floor(rng.next() * (opts.objects[1] - opts.objects[0] + 1));
  const boxes: number[] = [];
  const labels: number[] = [];
  const masks: Uint8Array[] = [];
  for (let k = 0; k < n; k++) {
    const c = Math.floor(rng.next() * numClasses);
    const w =
      opts.objectSize[0] + Math.floor(rng.next() * (opts.objectSize[1] - opts.objectSize[0] + 1));
    const h =
      opts.objectSize[0] + Math.floor(rng.next() * (opts.objectSize[1] - opts.objectSize[0] + 1));
    const x0 = Math.floor(rng.next() * (size - w));
    const y0 = Math.floor(rng.next() * (size - h));
    const mask = new Uint8Array(size * size);
    // Colour: a point on the RGB cube edge picked by class.
    const hue = (c / numClasses) * 6;
    const colour = [0, 1, 2].map((j) => {
      const d = Math.abs(((hue + 2 * j) % 6) - 3);
      return Math.min(1, Math.max(0, d - 1)) * 2 - 0.5;
    });
    for (let y = y0; y < y0 + h; y++) {
      for (let x = x0; x < x0 + w; x++) {
        const inside =
          c % 2 === 0 ||
          ((x + 0.5 - x0 - w / 2) / (w / 2)) ** 2 + ((y + 0.5 - y0 - h / 2) / (h / 2)) ** 2 <= 1;
        if (!inside) continue;
        // Later objects occlude earlier ones.
        for (const m of masks) m[y * size + x] = 0;
        mask[y * size + x] = 1;
        pixels.set(colour, (y * size + x) * 3);
      }
    }
    boxes.push(x0, y0, x0 + w, y0 + h);
    labels.push(c);
    masks.push(mask);
  }
  return {
    pixels,
    boxes: Float32Array.from(boxes),
    labels: Int32Array.from(labels),
    masks,
  };
}

/** A `DetectorBatch` of toy images (image ids `firstId`, `firstId + 1`, ...). */
export function toyBatch(images: ToyImage[], size: number, firstId = 1): DetectorBatch {
  const data = new Float32Array(images.length * size * size * 3);
  images.forEach((im, i) => {
    data.set(im.pixels, i * size * size * 3);
  });
  const metas: DetectorImageMeta[] = images.map((_, i) => ({
    imageId: firstId + i,
    imageShape: [size, size],
    originalShape: [size, size],
    scaleFactor: [1, 1],
  }));
  return {
    images: tf.tensor4d(data, [images.length, size, size, 3]),
    metas,
    gtBoxes: images.map((im) => im.boxes),
    gtLabels: images.map((im) => im.labels),
    gtMasks: images.map((im) => im.masks),
  };
}

/** `count` toy images from `seed`. */
export function makeToyImages(seed: number, count: number, opts: ToyImageOptions): ToyImage[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => drawToyImage(rng, opts));
}
