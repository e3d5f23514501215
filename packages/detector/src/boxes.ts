// Host-side box arrays: rows picked by index, deltas encoded and decoded through the box coder,
// boxes scaled between image sizes.

import type { DeltaXYWHBBoxCoder } from '@crat/tensor';
import * as tf from '@tensorflow/tfjs-core';

/** Rows `indices` of an `N x 4` box array. */
export function takeBoxes(boxes: Float32Array, indices: ArrayLike<number>): Float32Array {
  const out = new Float32Array(indices.length * 4);
  for (let i = 0; i < indices.length; i++)
    out.set(boxes.subarray(indices[i] * 4, indices[i] * 4 + 4), i * 4);
  return out;
}

/** Encode `gt` relative to `priors` (both `N x 4`) through the backend, read back to the host. */
export async function encodeDeltas(
  coder: DeltaXYWHBBoxCoder,
  priors: Float32Array,
  gt: Float32Array,
): Promise<Float32Array> {
  const n = priors.length / 4;
  if (n === 0) return new Float32Array(0);
  return readAndDispose(
    tf.tidy(() => coder.encode(tf.tensor2d(priors, [n, 4]), tf.tensor2d(gt, [n, 4]))),
  );
}

/**
 * Decode `deltas` (`N x 4k`) against `priors` (`N x 4`) through the backend, clipped to
 * `maxShape` `[h, w]`, read back to the host.
 */
export async function decodeDeltas(
  coder: DeltaXYWHBBoxCoder,
  priors: Float32Array,
  deltas: Float32Array,
  maxShape: [number, number],
): Promise<Float32Array> {
  const n = priors.length / 4;
  if (n === 0) return new Float32Array(0);
  return readAndDispose(
    tf.tidy(() =>
      coder.decode(tf.tensor2d(priors, [n, 4]), tf.tensor2d(deltas, [n, deltas.length / n]), {
        maxShape,
      }),
    ),
  );
}

/**
 * The values of `t` (read asynchronously, the one read every backend has), then `t` disposed.
 * Reading inside `tf.tidy` instead would hand the typed array to tidy's result walk, which
 * visits it element by element (16 ms per inference batch of 2 images for the 150 x 160 box
 * deltas, measured).
 */
async function readAndDispose(t: tf.Tensor): Promise<Float32Array> {
  const values = (await t.data()) as Float32Array;
  t.dispose();
  return values;
}

/** Scale `N x 4` boxes by `[sx, sy]` (divide when `inverse`). */
export function scaleBoxes(
  boxes: Float32Array,
  scale: [number, number],
  inverse = false,
): Float32Array {
  const out = new Float32Array(boxes.length);
  const sx = inverse ? 1 / scale[0] : scale[0];
  const sy = inverse ? 1 / scale[1] : scale[1];
  for (let i = 0; i < boxes.length; i += 4) {
    out[i] = boxes[i] * sx;
    out[i + 1] = boxes[i + 1] * sy;
    out[i + 2] = boxes[i + 2] * sx;
    out[i + 3] = boxes[i + 3] * sy;
  }
  return out;
}
