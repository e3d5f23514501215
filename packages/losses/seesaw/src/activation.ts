// Seesaw's inference scores: class softmax times p(object), p(background) last.

import * as tf from '@tensorflow/tfjs-core';

/**
 * Seesaw inference scores from `[N, C+2]` logits: softmax over the C class logits times the
 * objectness probability p(object), then p(background) as the last column (`[N, C+1]`).
 */
export function seesawScores(logits: tf.Tensor2D, numClasses: number): tf.Tensor2D {
  return tf.tidy(() => {
    const n = logits.shape[0];
    const classProb = tf.softmax(tf.slice(logits, [0, 0], [n, numClasses]));
    const objProb = tf.softmax(tf.slice(logits, [0, numClasses], [n, 2]));
    const object = tf.slice(objProb, [0, 0], [n, 1]);
    const background = tf.slice(objProb, [0, 1], [n, 1]);
    return tf.concat([tf.mul(classProb, object), background], 1) as tf.Tensor2D;
  });
}
