// Unsorted segment sum (the gradient of gather) for the wasm backend, which lacks it.

import type * as tf from '@tensorflow/tfjs-core';
import { type KernelConfig, type KernelFunc, UnsortedSegmentSum } from '@tensorflow/tfjs-core';
import { asWasmBackend, f32, i32 } from './heap.js';

/**
 * out[segmentIds[i], ...] += x[i, ...] (the gradient of gather). A direct scatter-add over
 * the wasm heap: O(size(x)) and memory-bound, whereas the one-hot matmul alternative does
 * numSegments times more work. Negative or out-of-range ids are dropped, as in TF.
 */
function unsortedSegmentSum(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs: tf.NamedAttrMap;
}): tf.TensorInfo {
  const backend = asWasmBackend(args.backend);
  const x = args.inputs.x as tf.TensorInfo;
  const ids = args.inputs.segmentIds as tf.TensorInfo;
  const numSegments = (args.attrs as unknown as { numSegments: number }).numSegments;
  if (x.dtype !== 'float32' && x.dtype !== 'int32') {
    throw new Error(
      `@crat/tensor wasm UnsortedSegmentSum: x must be float32 or int32, got ${x.dtype}`,
    );
  }
  if (ids.dtype !== 'int32') {
    throw new Error(
      `@crat/tensor wasm UnsortedSegmentSum: segmentIds must be int32, got ${ids.dtype}`,
    );
  }
  const idRank = ids.shape.length;
  for (let d = 0; d < idRank; d++) {
    if (ids.shape[d] !== x.shape[d]) {
      throw new Error(
        `@crat/tensor wasm UnsortedSegmentSum: segmentIds shape [${ids.shape}] is not a prefix of x shape [${x.shape}]`,
      );
    }
  }
  const innerShape = x.shape.slice(idRank);
  const inner = innerShape.reduce((a, b) => a * b, 1);
  const out = backend.makeOutput([numSegments, ...innerShape], x.dtype);
  const dst = x.dtype === 'float32' ? f32(backend, out) : i32(backend, out);
  const src = x.dtype === 'float32' ? f32(backend, x) : i32(backend, x);
  const seg = i32(backend, ids);
  dst.fill(0);
  for (let i = 0; i < seg.length; i++) {
    const s = seg[i];
    if (s < 0 || s >= numSegments) continue;
    const o = s * inner;
    const b = i * inner;
    for (let j = 0; j < inner; j++) dst[o + j] += src[b + j];
  }
  return out;
}

export const unsortedSegmentSumConfig: KernelConfig = {
  kernelName: UnsortedSegmentSum,
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSum as unknown as KernelFunc,
};
