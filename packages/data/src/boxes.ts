// Ground-truth box geometry through the pipeline: LVIS `[x, y, w, h]` to corners, scaled and
// clipped to the resized image, flipped with it.

import type { XYWHBox } from 'lvis-ts-types';

/** LVIS `[x, y, w, h]` to `[x1, y1, x2, y2]`. */
export function xywhToXyxy(b: XYWHBox | readonly number[]): [number, number, number, number] {
  return [b[0], b[1], b[0] + b[2], b[1] + b[3]];
}

/**
 * Scale `[x1, y1, x2, y2]` rows (flat) by the per-axis resize factors and clip them to the
 * resized image, as mmdetection's Resize does (clip_object_border). In place.
 */
export function scaleAndClipBoxes(
  boxes: Float32Array,
  wScale: number,
  hScale: number,
  width: number,
  height: number,
): Float32Array {
  for (let i = 0; i < boxes.length; i += 4) {
    boxes[i] = Math.min(Math.max(boxes[i] * wScale, 0), width);
    boxes[i + 1] = Math.min(Math.max(boxes[i + 1] * hScale, 0), height);
    boxes[i + 2] = Math.min(Math.max(boxes[i + 2] * wScale, 0), width);
    boxes[i + 3] = Math.min(Math.max(boxes[i + 3] * hScale, 0), height);
  }
  return boxes;
}

/** Horizontal flip of `[x1, y1, x2, y2]` rows in an image of `width`: x1' = W - x2, x2' = W - x1. In place. */
export function flipBoxesHorizontal(boxes: Float32Array, width: number): Float32Array {
  for (let i = 0; i < boxes.length; i += 4) {
    const x1 = boxes[i];
    boxes[i] = width - boxes[i + 2];
    boxes[i + 2] = width - x1;
  }
  return boxes;
}
