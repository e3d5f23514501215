// Seesaw's objectness and class cross-entropies of one step, with the gradient in closed form
// because autodiff of the same graph costs several times the loss on wasm.

import * as tf from '@tensorflow/tfjs-core';
import { seesawRowTerms } from './seesaw-factors.js';

/** mmdet's `weight_reduce_loss` adds float32 eps to avg_factor. */
export const AVG_FACTOR_EPS = 1.1920928955078125e-7;

/** What one Seesaw step needs besides the logits, all plain arrays (N rows, C classes). */
export interface SeesawStepInputs {
  numClasses: number;
  labels: Int32Array;
  /** Per-row weights (mmdet `label_weights`). */
  weights: Float32Array;
  /** The loss normaliser; `avgFactor + AVG_FACTOR_EPS` divides both sums. */
  avgFactor: number;
  /** Cumulative per-label counts (C+1), already including this step's labels. */
  cumSamples: ArrayLike<number>;
  p: number;
  q: number;
  eps: number;
  lossWeight: number;
}

/** The 2-way objectness softmax of every row, done in float64 on the host (it is 2N numbers). */
function objectnessTerms(pairs: ArrayLike<number>, s: SeesawStepInputs, scale: number) {
  const n = s.labels.length;
  let loss = 0;
  // d loss / d (object, background) logits, interleaved like `pairs`.
  const grad = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const a = pairs[2 * i];
    const b = pairs[2 * i + 1];
    const m = Math.max(a, b);
    const logSumExp = m + Math.log(Math.exp(a - m) + Math.exp(b - m));
    const background = s.labels[i] === s.numClasses;
    const rowScale = s.weights[i] * scale;
    loss += rowScale * (logSumExp - (background ? b : a));
    const pObject = Math.exp(a - logSumExp);
    const pBackground = Math.exp(b - logSumExp);
    grad[2 * i] = rowScale * (pObject - (background ? 0 : 1));
    grad[2 * i + 1] = rowScale * (pBackground - (background ? 1 : 0));
  }
  return { loss, grad };
}

/**
 * `[loss_cls_objectness, loss_cls_classes]` of `logits [N, C+2]` as one differentiable `[2]`
 * tensor, with the gradient in closed form (the factors are constants, as in the reference):
 * positive rows' class columns get `scale_i (softmax(z')_i - onehot(c))`, every row's
 * objectness pair `scale_i (softmax - onehot(target))`, scale_i = w_i·lossWeight/(avg+eps).
 * Closed form because on wasm the autodiff of the same graph (gather, slice, logSoftmax,
 * one-hot products) costs several times more than the loss itself.
 */
export async function seesawCrossEntropy(
  logits: tf.Tensor2D,
  s: SeesawStepInputs,
): Promise<tf.Tensor1D> {
  const [n, width] = logits.shape;
  const c = s.numClasses;
  const scale = s.lossWeight / (s.avgFactor + AVG_FACTOR_EPS);
  const objIndex = new Int32Array(4 * n);
  const positives: number[] = [];
  for (let i = 0; i < n; i++) {
    objIndex.set([i, c, i, c + 1], 4 * i);
    if (s.labels[i] !== c) positives.push(i);
  }
  const numPos = positives.length;
  const posRows = Int32Array.from(positives);
  const posIndex = new Int32Array(2 * numPos);
  const posLabels = new Int32Array(numPos);
  const posRowScale = new Float32Array(numPos);
  for (let r = 0; r < numPos; r++) {
    const label = s.labels[positives[r]];
    posIndex[2 * r] = r;
    posIndex[2 * r + 1] = label;
    posLabels[r] = label;
    posRowScale[r] = s.weights[positives[r]] * scale;
  }

  // The objectness pairs are read (asynchronously) before the custom op; the op needs them on
  // the host for the objectness terms.
  const pairTensor = tf.tidy(() => tf.gatherND(logits, tf.tensor2d(objIndex, [2 * n, 2], 'int32')));
  const pairs = await pairTensor.data();
  pairTensor.dispose();
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const z = args[0] as tf.Tensor2D;
    const save = args[1] as tf.GradSaveFunc;
    const objectness = objectnessTerms(pairs, s, scale);
    let classLoss: tf.Scalar = tf.scalar(0);
    let adjustedProb: tf.Tensor2D = tf.zeros([0, width]);
    if (numPos > 0) {
      // Whole rows (gatherND: wasm's row GatherV2 is far slower); the objectness pair is
      // masked out inside seesawRowTerms.
      const rows = tf.gatherND(z, tf.tensor2d(posRows, [numPos, 1], 'int32')) as tf.Tensor2D;
      const terms = seesawRowTerms(rows, c, posLabels, s.cumSamples, s);
      let adjusted = terms.masked;
      if (terms.compensation) adjusted = tf.add(adjusted, terms.compensation);
      if (terms.damping) adjusted = tf.sub(adjusted, terms.damping);
      adjustedProb = tf.softmax(adjusted);
      // CE_i = lse(z'_i) - z'_ic, lse from the row maximum of the softmax (never underflows);
      // z'_ic = z_ic because both log factors vanish at the true class.
      const logSumExp = tf.sub(tf.max(adjusted, 1), tf.log(tf.max(adjustedProb, 1)));
      const trueLogit = tf.gatherND(rows, tf.tensor2d(posIndex, [numPos, 2], 'int32'));
      classLoss = tf.sum(tf.mul(tf.sub(logSumExp, trueLogit), posRowScale));
      tf.dispose([terms.masked, terms.compensation, terms.damping]);
    }
    save([adjustedProb]);
    return {
      value: tf.stack([tf.scalar(objectness.loss), classLoss]) as tf.Tensor1D,
      gradFunc: (dy: tf.Tensor1D, saved: tf.Tensor[]) => {
        const [pAdj] = saved;
        const [dyObj, dyCls] = tf.split(dy, 2);
        let grad: tf.Tensor = tf.zeros([n, width]);
        if (numPos > 0) {
          const posIdx = tf.tensor2d(posIndex, [numPos, 2], 'int32');
          const rowScale = tf.mul(tf.reshape(tf.tensor1d(posRowScale), [numPos, 1]), dyCls);
          // softmax(z') is 0 on the masked objectness columns, so whole rows scatter back.
          const classGrad = tf.mul(
            tf.tensorScatterUpdate(pAdj, posIdx, tf.sub(tf.gatherND(pAdj, posIdx), 1)),
            rowScale,
          );
          grad = tf.scatterND(tf.tensor2d(posRows, [numPos, 1], 'int32'), classGrad, [n, width]);
        }
        return tf.tensorScatterUpdate(
          grad,
          tf.tensor2d(objIndex, [2 * n, 2], 'int32'),
          tf.mul(tf.tensor1d(objectness.grad), dyObj),
        );
      },
    };
  });
  return op(logits) as tf.Tensor1D;
}
