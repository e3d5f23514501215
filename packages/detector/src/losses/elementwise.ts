// The elementwise losses the heads share: stable binary cross-entropy with logits and the
// weighted L1 over mmdetection's `avg_factor`.

import * as tf from '@tensorflow/tfjs-core';

/** Elementwise binary cross-entropy with logits, numerically stable: max(x,0) - x*z + log(1 + e^-|x|). */
export function bceWithLogits(logits: tf.Tensor, targets: tf.Tensor): tf.Tensor {
  return tf.add(
    tf.sub(tf.relu(logits), tf.mul(logits, targets)),
    tf.log1p(tf.exp(tf.neg(tf.abs(logits)))),
  );
}

/** Sum of `weights * |pred - target|` divided by `avgFactor` (mmdetection L1Loss with avg_factor). */
export function weightedL1(
  pred: tf.Tensor,
  target: tf.Tensor,
  weights: tf.Tensor | undefined,
  avgFactor: number,
): tf.Scalar {
  const diff = tf.abs(tf.sub(pred, target));
  const weighted = weights ? tf.mul(diff, weights) : diff;
  return tf.div(tf.sum(weighted), Math.max(avgFactor, 1e-12)) as tf.Scalar;
}
