// A zero loss still tied to a possibly empty tensor, so a step with no positive RoIs gives
// zero gradients rather than none or NaN.

import * as tf from '@tensorflow/tfjs-core';

/**
 * A zero loss that is still connected to `t` (so gradients w.r.t. it exist, all zero) when
 * `t` is empty. A padding element keeps the reduction non-empty: the wasm backend's Sum of
 * an empty tensor returns uninitialised memory, and 0 * NaN would poison the step.
 */
export function zeroLossOf(t: tf.Tensor): tf.Scalar {
  return tf.tidy(
    () => tf.mul(tf.sum(tf.concat([tf.reshape(t, [-1]), tf.zeros([1])])), 0) as tf.Scalar,
  );
}
