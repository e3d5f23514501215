// EQLv2's inference scores: sigmoid probabilities, optionally times objectness.

import * as tf from '@tensorflow/tfjs-core';

/**
 * EQLv2 inference scores from `[N, C+1]` sigmoid logits: p = sigmoid(z); with
 * `testWithObj` the class columns become p_ij · (1 - p_iC) (objectness), the last column
 * staying the background probability p_iC.
 */
export function eqlv2Scores(logits: tf.Tensor2D, testWithObj: boolean): tf.Tensor2D {
  return tf.tidy(() => {
    const prob = tf.sigmoid(logits);
    if (!testWithObj) return prob as tf.Tensor2D;
    const [n, k] = logits.shape;
    const background = tf.slice(prob, [0, k - 1], [n, 1]);
    const classes = tf.mul(tf.slice(prob, [0, 0], [n, k - 1]), tf.sub(1, background));
    return tf.concat([classes, background], 1) as tf.Tensor2D;
  });
}
