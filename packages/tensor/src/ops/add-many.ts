// The elementwise sum of many same-shaped tensors, in chunks that a WebGPU compute shader can
// bind: tfjs-backend-webgpu's AddN binds every input as a storage buffer, and WebGPU allows 8
// per shader stage by default (lavapipe's limit too), so one `tf.addN` over a hundred
// gradients' squared norms makes an invalid pipeline and a silently wrong result.

import * as tf from '@tensorflow/tfjs-core';

/** Inputs per `tf.addN` call: 7 plus the output is WebGPU's default 8 storage buffers. */
export const ADD_N_MAX_INPUTS = 7;

/**
 * `tf.addN(list)` in chunks of at most {@link ADD_N_MAX_INPUTS} inputs, each chunk adding the
 * running sum first. That is the same left fold in the same order as one `tf.addN` on the
 * cpu and wasm backends, so their results are unchanged bit for bit (tested).
 */
export function addMany<T extends tf.Tensor>(list: T[]): T {
  if (list.length === 0) throw new Error('addMany: no tensors to add');
  if (list.length <= ADD_N_MAX_INPUTS) return tf.addN(list);
  return tf.tidy(() => {
    let sum = tf.addN(list.slice(0, ADD_N_MAX_INPUTS));
    for (let i = ADD_N_MAX_INPUTS; i < list.length; i += ADD_N_MAX_INPUTS - 1) {
      sum = tf.addN([sum, ...list.slice(i, i + ADD_N_MAX_INPUTS - 1)]);
    }
    return sum;
  });
}
