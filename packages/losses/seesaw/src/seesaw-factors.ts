// Seesaw's mitigation and compensation factors, in log form, each full-size step one fast kernel.

import * as tf from '@tensorflow/tfjs-core';

/** Logs of Seesaw's two re-weighting factors for the positive rows, each `[P, C]`. */
export interface SeesawLogFactors {
  /** log M_ij = p · min(0, log N_j - log N_c): damps negatives on classes rarer than c. */
  logMitigation?: tf.Tensor2D;
  /** log K_ij = q · max(0, log s_ij - log max(s_ic, eps)): amplifies confusing negatives. */
  logCompensation?: tf.Tensor2D;
}

/** The working form of the factors, over rows that may carry extra (masked) columns. */
export interface SeesawRowTerms {
  /** The logits with every column ≥ C set to -Infinity (the rows themselves when width = C). */
  masked: tf.Tensor2D;
  /** -log M ≥ 0 (absent when p = 0); 0 on the extra columns. */
  damping?: tf.Tensor2D;
  /** log K ≥ 0 (absent when q = 0); 0 on the extra columns. */
  compensation?: tf.Tensor2D;
}

/**
 * Seesaw's factors for positive rows `rows [P, W]` whose first C = `numClasses` columns are
 * the class logits (the loss passes whole C+2-wide rows, so no slice/pad round trip is
 * needed: the extra columns are masked to -Infinity and get factors of 1). N_j =
 * max(cumSamples[j], 1). Both logs are 0 at j = c, so adding them leaves the true class's
 * logit unchanged, as the reference does.
 *
 * Every full-size step is one fast kernel: the mitigation gap is a rank-2 outer product
 * (a matMul), and log s_ij = z_ij - lse_i with lse_i = max_j z_ij - log max_j s_ij (that
 * maximum is ≥ 1/C, so it cannot underflow).
 */
export function seesawRowTerms(
  rows: tf.Tensor2D,
  numClasses: number,
  labels: Int32Array,
  cumSamples: ArrayLike<number>,
  hyper: { p: number; q: number; eps: number },
): SeesawRowTerms {
  const [numPos, width] = rows.shape;
  return tf.tidy(() => {
    const terms: SeesawRowTerms = { masked: rows };
    if (numPos === 0) {
      if (hyper.p > 0) terms.damping = tf.zeros([0, width]);
      if (hyper.q > 0) terms.compensation = tf.zeros([0, width]);
      return terms as unknown as tf.TensorContainerObject;
    }
    if (width > numClasses) {
      const mask = new Float32Array(width).fill(Number.NEGATIVE_INFINITY, numClasses);
      terms.masked = tf.add(rows, tf.tensor2d(mask, [1, width]));
    }
    if (hyper.p > 0) {
      // p·(log N_c - log N_j) as [p·log N_c, 1] · [1; -p·log N_j]; 0 on the extra columns.
      const rowTerms = new Float32Array(2 * numPos);
      for (let i = 0; i < numPos; i++) {
        rowTerms[2 * i] = hyper.p * Math.log(Math.max(cumSamples[labels[i]], 1));
        rowTerms[2 * i + 1] = 1;
      }
      const colTerms = new Float32Array(2 * width);
      for (let j = 0; j < numClasses; j++) {
        colTerms[j] = 1;
        colTerms[width + j] = -hyper.p * Math.log(Math.max(cumSamples[j], 1));
      }
      const gap = tf.matMul(tf.tensor2d(rowTerms, [numPos, 2]), tf.tensor2d(colTerms, [2, width]));
      terms.damping = tf.relu(gap) as tf.Tensor2D;
    }
    if (hyper.q > 0) {
      const index = new Int32Array(2 * numPos);
      for (let i = 0; i < numPos; i++) {
        index[2 * i] = i;
        index[2 * i + 1] = labels[i];
      }
      const prob = tf.softmax(terms.masked);
      const logSumExp = tf.sub(tf.max(terms.masked, 1), tf.log(tf.max(prob, 1)));
      const trueProb = tf.gatherND(prob, tf.tensor2d(index, [numPos, 2], 'int32'));
      const logSelf = tf.log(tf.maximum(trueProb, hyper.eps));
      const threshold = tf.reshape(tf.add(logSumExp, logSelf), [numPos, 1]);
      // q·relu(z_ij - lse_i - log max(s_ic, eps)) = q·relu(log s_ij - log max(s_ic, eps))
      const excess = tf.relu(tf.sub(terms.masked, threshold));
      terms.compensation = (hyper.q === 1 ? excess : tf.mul(excess, hyper.q)) as tf.Tensor2D;
    }
    return terms as unknown as tf.TensorContainerObject;
  }) as unknown as SeesawRowTerms;
}

/**
 * Seesaw's factors in log form for positive rows with class logits `classLogits [P, C]`,
 * labels c (0..C-1) and cumulative counts `cumSamples` (length ≥ C). A factor whose
 * exponent is 0 is left out (it is identically 1).
 */
export function seesawLogFactors(
  classLogits: tf.Tensor2D,
  labels: Int32Array,
  cumSamples: ArrayLike<number>,
  hyper: { p: number; q: number; eps: number },
): SeesawLogFactors {
  return tf.tidy(() => {
    const terms = seesawRowTerms(classLogits, classLogits.shape[1], labels, cumSamples, hyper);
    const factors: SeesawLogFactors = {};
    if (terms.damping) factors.logMitigation = tf.neg(terms.damping);
    if (terms.compensation) factors.logCompensation = terms.compensation;
    return factors as tf.TensorContainerObject;
  }) as SeesawLogFactors;
}
