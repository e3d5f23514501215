// The column-weighted sigmoid cross-entropy at EQLv2's core, with its gradient in closed form
// (autodiff costs several more full-size passes on wasm) and the statistics the state needs.

import * as tf from '@tensorflow/tfjs-core';
import type { ColumnWeights } from './column-weights.js';

/** The loss of one step plus the detached sigmoid statistics EQLv2's state update needs. */
export interface WeightedSigmoidResult {
  loss: tf.Scalar;
  /** Σ_i sigmoid(z_ij) for every column j. */
  probColumnSum: Float32Array;
  /** sigmoid(z_i,label_i) for every row i. */
  probAtLabel: Float32Array;
}

function allFinite(values: Float32Array): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return false;
  return true;
}

/**
 * `scale/N · Σ_ij w_ij · BCEWithLogits(z_ij, y_ij)`, y the one-hot of `labels` and
 * w_ij = `weights.pos[j]` where y_ij = 1, else `weights.neg[j]`, with the weights constant.
 *
 * The gradient `scale/N · w_ij (sigmoid(z_ij) - y_ij)` is supplied in closed form
 * (tf.customGrad): autodiff of the same formula costs several more full-size passes, and on
 * the single-threaded wasm backend each pass over a 1024×1204 matrix costs milliseconds.
 * For the same reason the loss's column weighting is applied to column sums, never to the
 * full matrix, and the label entries are patched with a scatter instead of a one-hot product.
 * Reads back the statistics asynchronously (run it inside an asynchronous gradient scope).
 */
export async function weightedSigmoidCrossEntropy(
  logits: tf.Tensor2D,
  labels: Int32Array,
  weights: ColumnWeights,
  scale: number,
): Promise<WeightedSigmoidResult> {
  const [n, k] = logits.shape;
  if (n === 0) {
    return {
      loss: tf.mul(tf.sum(logits), 0),
      probColumnSum: new Float32Array(k),
      probAtLabel: new Float32Array(0),
    };
  }
  const labelIndex = new Int32Array(2 * n);
  const posAt = new Float32Array(n);
  const posMinusNegAt = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const c = labels[i];
    labelIndex[2 * i] = i;
    labelIndex[2 * i + 1] = c;
    posAt[i] = (weights.pos[c] * scale) / n;
    posMinusNegAt[i] = ((weights.pos[c] - weights.neg[c]) * scale) / n;
  }
  const negScaled = new Float32Array(k);
  for (let j = 0; j < k; j++) negScaled[j] = (weights.neg[j] * scale) / n;

  // The forward's tensors come first, outside the custom op, so that the reads they need
  // (the finiteness check, the statistics) can be awaited; the op then only assembles the
  // value from them. Their own tape records lead nowhere near the loss, so backprop skips them.
  const index = tf.tensor2d(labelIndex, [n, 2], 'int32');
  const onesColumn = tf.ones([n, 1]) as tf.Tensor2D;
  // Column sums as Aᵀ·1: wasm's Sum over axis 0 transposes first, and 1ᵀ·A would make
  // XNNPACK pack the big matrix as weights; this form does neither.
  const columnSum = (x: tf.Tensor2D) => tf.reshape(tf.matMul(x, onesColumn, true, false), [k]);
  const prob = tf.sigmoid(logits);
  // log sigmoid(-z) = -softplus(z): three fast kernels, where wasm's Softplus is slow.
  // sigmoid(-z) underflows for logits above ~88; then the exact kernel takes over.
  let logSigmoidNeg = tf.tidy(() => tf.log(tf.sigmoid(tf.neg(logits))));
  let softplusColumnSum = tf.tidy(() => tf.neg(columnSum(logSigmoidNeg)));
  if (!allFinite((await softplusColumnSum.data()) as Float32Array)) {
    tf.dispose([logSigmoidNeg, softplusColumnSum]);
    logSigmoidNeg = tf.tidy(() => tf.neg(tf.softplus(logits)));
    softplusColumnSum = tf.tidy(() => tf.neg(columnSum(logSigmoidNeg)));
  }
  const probLabel = tf.gatherND(prob, index);
  const probSums = tf.tidy(() => columnSum(prob));
  const probColumnSum = (await probSums.data()) as Float32Array;
  const probAtLabel = (await probLabel.data()) as Float32Array;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const logits2d = args[0] as tf.Tensor2D;
    const save = args[1] as tf.GradSaveFunc;
    // Σ_ij w_ij (softplus(z_ij) - y_ij z_ij) = Σ_j neg_j Σ_i softplus(z_ij)
    //   + Σ_i [(pos_c - neg_c) softplus(z_ic) - pos_c z_ic],   c = label_i
    const labelTerms = tf.add(
      tf.mul(tf.tensor1d(posMinusNegAt), tf.gatherND(logSigmoidNeg, index)),
      tf.mul(tf.tensor1d(posAt), tf.gatherND(logits2d, index)),
    );
    const value = tf.sub(
      tf.sum(tf.mul(tf.tensor1d(negScaled), softplusColumnSum)),
      tf.sum(labelTerms),
    ) as tf.Scalar;
    save([prob, probLabel]);
    return {
      value,
      gradFunc: (dy: tf.Scalar, saved: tf.Tensor[]) => {
        const [p, pLabel] = saved;
        // Off-label entries: neg_j/N · sigmoid(z_ij); label entries: pos_c/N · (sigmoid(z_ic) - 1).
        const grad = tf.mul(p, tf.mul(tf.tensor2d(negScaled, [1, k]), dy));
        const labelGrad = tf.mul(tf.mul(tf.sub(pLabel, 1), tf.tensor1d(posAt)), dy);
        return tf.tensorScatterUpdate(grad, tf.tensor2d(labelIndex, [n, 2], 'int32'), labelGrad);
      },
    };
  });
  const loss = op(logits) as tf.Scalar;
  tf.dispose([index, onesColumn, prob, logSigmoidNeg, softplusColumnSum, probLabel, probSums]);
  return { loss, probColumnSum, probAtLabel };
}
