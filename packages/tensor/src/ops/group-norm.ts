// Group normalization of NHWC activations (Wu & He, 2018; PyTorch `GroupNorm`), built from
// differentiable ops so every backend has its gradient.

import * as tf from '@tensorflow/tfjs-core';

/**
 * `x` `[N, H, W, C]` with its channels split into `numGroups` groups, each normalised per image
 * over H, W and the group's channels (biased variance, as PyTorch), then `* gamma + beta` per channel.
 */
export function groupNorm(
  x: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  numGroups: number,
  eps = 1e-5,
): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  if (c % numGroups !== 0) {
    throw new Error(`groupNorm: ${c} channels do not split into ${numGroups} groups`);
  }
  return tf.tidy(() => {
    const grouped = tf.reshape(x, [n, h * w, numGroups, c / numGroups]);
    const { mean, variance } = tf.moments(grouped, [1, 3], true);
    const normed = tf.reshape(tf.mul(tf.sub(grouped, mean), tf.rsqrt(tf.add(variance, eps))), [
      n,
      h,
      w,
      c,
    ]);
    return tf.add(tf.mul(normed, gamma), beta) as tf.Tensor4D;
  });
}
