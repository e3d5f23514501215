import type { TaskTransferInputs } from '@crat/core';
import * as tf from '@tensorflow/tfjs-core';
import { type BoxStep, type MaskStep, nchwToNhwc, rows } from './fixtures.js';

/** The bbox branch's TaskTransfer inputs for one fixture step: positives only, kernel [D, C*4]. */
export function boxInputs(
  step: BoxStep,
  numClasses: number,
  predictions: tf.Tensor2D,
): TaskTransferInputs {
  const pos = step.expected.pos_indices;
  const w = step.inputs.fc_reg_weight;
  return {
    branch: 'bbox',
    numClasses,
    features: tf.tensor2d(rows(step.inputs.features, pos)),
    labels: tf.tensor1d(step.expected.pos_labels, 'int32'),
    labelValues: Int32Array.from(step.expected.pos_labels),
    predictions,
    targets: tf.tensor2d(rows(step.inputs.bbox_targets, pos)),
    targetWeights: tf.tensor2d(rows(step.inputs.bbox_weights, pos)),
    kernel: tf.transpose(tf.tensor2d(w)),
    bias: tf.tensor1d(step.inputs.fc_reg_bias),
    avgFactor: step.expected.avg_factor_loss_bbox,
  };
}

/** The mask branch's TaskTransfer inputs for one fixture step (NCHW fixture → NHWC contract). */
export function maskInputs(
  step: MaskStep,
  numClasses: number,
  predictions: tf.Tensor4D,
): TaskTransferInputs {
  const feats = nchwToNhwc(step.inputs.mask_features);
  const [p, h, w] = feats.shape;
  return {
    branch: 'mask',
    numClasses,
    features: tf.tensor4d(feats.values, feats.shape),
    labels: tf.tensor1d(step.inputs.pos_labels, 'int32'),
    labelValues: Int32Array.from(step.inputs.pos_labels),
    predictions,
    targets: tf.tensor3d(step.inputs.mask_targets),
    kernel: tf.reshape(tf.transpose(tf.tensor2d(step.inputs.conv_logits_weight)), [
      1,
      1,
      feats.shape[3],
      numClasses,
    ]),
    bias: tf.tensor1d(step.inputs.conv_logits_bias),
    // mmdetection's mask loss is a mean over every pixel of every positive RoI.
    avgFactor: p * h * w,
  };
}

export function logitsNhwc(step: MaskStep): tf.Tensor4D {
  const l = nchwToNhwc(step.inputs.mask_logits);
  return tf.tensor4d(l.values, l.shape);
}
