// The pure pieces of CRAT's class weights: cosine similarity to each class's Fisher, the
// class-excluding softmax, and which classes have a Fisher yet.

import * as tf from '@tensorflow/tfjs-core';

/**
 * Cosine similarity of each gradient vector (rows of `vectors`, `[R, K]`) with each class's
 * Fisher row (`fisher`, `[C, K]`), with norms floored at `eps` as PyTorch's `F.normalize`
 * does, so an all-zero Fisher row has similarity 0. Returns `[R, C]`.
 */
export function cosineToFisher(
  vectors: tf.Tensor2D,
  fisher: tf.Tensor2D,
  eps: number,
): tf.Tensor2D {
  return tf.tidy(() => {
    // Explicit transpose: on wasm, matMul with a transposed operand leaves XNNPACK's fast path
    // (measured at LVIS sizes: 2.2 s with transposeB vs 0.04 s transpose + 0.19 s matMul).
    // A single row (the `reference` shortcut) is cheaper as fisher x row^T than transposing the Fisher.
    const dot =
      vectors.shape[0] === 1
        ? tf.reshape(tf.matMul(fisher, tf.reshape(vectors, [-1, 1])), [1, -1])
        : tf.matMul(vectors, tf.transpose(fisher));
    const vNorm = tf.maximum(tf.norm(vectors, 'euclidean', 1, true), eps);
    const cNorm = tf.maximum(tf.sqrt(tf.sum(tf.square(fisher), 1)), eps);
    return tf.div(tf.div(dot, vNorm), tf.reshape(cNorm, [1, -1])) as tf.Tensor2D;
  });
}

/**
 * CRAT's class-excluding softmax: in row n the ground-truth column is 0 and the other C-1
 * entries are `softmax(scores / temperature)` over those columns only. `labelOneHot` is
 * `[P, C]` float. With a single class every weight is 0.
 */
export function classExcludingSoftmax(
  scores: tf.Tensor2D,
  labelOneHot: tf.Tensor2D,
  temperature: number,
): tf.Tensor2D {
  return tf.tidy(() => {
    const logits = tf.div(scores, temperature);
    const others = tf.sub(1, labelOneHot);
    // Subtract the row maximum over the allowed columns (not the label column) for stability.
    const rowMax = tf.max(tf.sub(logits, tf.mul(labelOneHot, 1e30)), 1, true);
    const e = tf.mul(tf.exp(tf.sub(logits, rowMax)), others);
    return tf.divNoNan(e, tf.sum(e, 1, true)) as tf.Tensor2D;
  });
}

/** 1 for classes whose Fisher row has a nonzero sum (has received a gradient), else 0: `[C]`. */
export function seenClassMask(fisher: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.cast(tf.notEqual(tf.sum(fisher, 1), 0), 'float32') as tf.Tensor1D);
}
