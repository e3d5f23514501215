// The box branch's CRAT math in closed form: the regression loss and its derivative, per-RoI
// gradients of the box layer, and each RoI's target against every class's prediction.

import * as tf from '@tensorflow/tfjs-core';
import type { RegressionLoss } from './options.js';

/** The regression loss and its derivative, elementwise on a difference `d = pred - target`. */
export interface RegressionLossSpec {
  kind: RegressionLoss;
  /** Smooth L1 beta; 0 makes smooth L1 an L1. */
  beta: number;
}

/** Elementwise loss rho(d). */
export function regressionLoss(d: tf.Tensor, spec: RegressionLossSpec): tf.Tensor {
  return tf.tidy(() => {
    const a = tf.abs(d);
    if (spec.kind === 'l1' || spec.beta === 0) return a;
    // 0.5 min(|d|, b)^2 / b + (|d| - min(|d|, b)): smooth L1 without a comparison op, which
    // has no gradient on the tape.
    const m = tf.minimum(a, spec.beta);
    return tf.add(tf.div(tf.mul(0.5, tf.square(m)), spec.beta), tf.sub(a, m));
  });
}

/** Elementwise derivative rho'(d); for L1 it is sign(d) with sign(0) = 0, as PyTorch's abs gradient. */
export function regressionLossDerivative(d: tf.Tensor, spec: RegressionLossSpec): tf.Tensor {
  return tf.tidy(() => {
    if (spec.kind === 'l1' || spec.beta === 0) return tf.sign(d);
    return tf.where(tf.less(tf.abs(d), spec.beta), tf.div(d, spec.beta), tf.sign(d));
  });
}

/** Each RoI's prediction for its own class: `predictions [P, C*4]` → `[P, 4]` (one-hot select, no gather gradient needed). */
export function ownClassBoxPredictions(
  predictions: tf.Tensor2D,
  labelOneHot: tf.Tensor2D,
): tf.Tensor2D {
  return tf.tidy(() => {
    const [p, c] = labelOneHot.shape;
    const pred3 = tf.reshape(predictions, [p, c, 4]);
    return tf.sum(tf.mul(pred3, tf.reshape(labelOneHot, [p, c, 1])), 1) as tf.Tensor2D;
  });
}

/**
 * d loss_n / d pred_n for each RoI's own-class prediction, `[P, 4]`: `rho'(pred - target) *
 * weight * scale`, where `scale` is 1 / the branch's normaliser.
 */
export function boxLossDerivative(
  ownPredictions: tf.Tensor2D,
  targets: tf.Tensor2D,
  weights: tf.Tensor2D | undefined,
  scale: number,
  spec: RegressionLossSpec,
): tf.Tensor2D {
  return tf.tidy(() => {
    const g = regressionLossDerivative(tf.sub(ownPredictions, targets), spec);
    return tf.mul(weights ? tf.mul(g, weights) : g, scale) as tf.Tensor2D;
  });
}

/**
 * Per-RoI gradients of each RoI's own loss w.r.t. its class's slice of the class-wise box
 * layer (kernel `[D, C*4]`, slice `kernel[:, 4y:4y+4]`), in closed form: the outer product of
 * the RoI's feature `x_n [D]` and `g_n = d loss_n / d pred_n [4]`. Returns `[P, D*4]`, entry
 * `d*4+k` (the slice flattened row-major, the fixtures' Fisher layout).
 */
export function perRoiBoxGradients(features: tf.Tensor2D, dLossdPred: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const [p, d] = features.shape;
    const k = dLossdPred.shape[1];
    return tf.reshape(tf.mul(tf.reshape(features, [p, d, 1]), tf.reshape(dLossdPred, [p, 1, k])), [
      p,
      d * k,
    ]) as tf.Tensor2D;
  });
}

/**
 * `[P, C]`: for every RoI and class c, `sum_k weight[n,k] * rho(pred[n, 4c+k] - target[n,k])`,
 * i.e. the RoI's own target against every class's prediction (differentiable w.r.t. predictions).
 */
export function boxLossPerClass(
  predictions: tf.Tensor2D,
  targets: tf.Tensor2D,
  weights: tf.Tensor2D | undefined,
  numClasses: number,
  spec: RegressionLossSpec,
): tf.Tensor2D {
  return tf.tidy(() => {
    const p = predictions.shape[0];
    const d = tf.sub(tf.reshape(predictions, [p, numClasses, 4]), tf.reshape(targets, [p, 1, 4]));
    const rho = regressionLoss(d, spec);
    const weighted = weights ? tf.mul(rho, tf.reshape(weights, [p, 1, 4])) : rho;
    return tf.sum(weighted, 2) as tf.Tensor2D;
  });
}
