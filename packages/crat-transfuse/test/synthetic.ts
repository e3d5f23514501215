import type { PositiveRoiInfo, TaskTransferInputs } from '@crat/core';
import * as tf from '@tensorflow/tfjs-core';
import { ints, rng, uniform } from './random.js';

export interface SyntheticStep {
  box: TaskTransferInputs;
  mask: TaskTransferInputs;
  labels: Int32Array;
  roiInfo: PositiveRoiInfo;
}

/** Random box and mask branch inputs for P positives (same RoIs, same order in both). */
export function syntheticStep(
  seed: number,
  p: number,
  c: number,
  d = 8,
  dm = 5,
  h = 4,
  w = 4,
): SyntheticStep {
  const r = rng(seed);
  const labels = ints(r, p, c);
  const roiInfo: PositiveRoiInfo = {
    imageIds: Array.from(ints(r, p, 50), (v) => 1000 + v),
    boxes: Array.from({ length: p }, () => {
      const x1 = Math.round(r() * 100);
      const y1 = Math.round(r() * 100);
      return [x1, y1, x1 + 10 + Math.round(r() * 50), y1 + 10 + Math.round(r() * 50)] as [
        number,
        number,
        number,
        number,
      ];
    }),
  };
  const box: TaskTransferInputs = {
    branch: 'bbox',
    numClasses: c,
    features: tf.tensor2d(uniform(r, p * d, 0, 1), [p, d]),
    labels: tf.tensor1d(labels, 'int32'),
    labelValues: labels,
    predictions: tf.tensor2d(uniform(r, p * c * 4, -1, 1), [p, c * 4]),
    targets: tf.tensor2d(uniform(r, p * 4, -1, 1), [p, 4]),
    targetWeights: tf.ones([p, 4]),
    kernel: tf.zeros([d, c * 4]),
    avgFactor: Math.max(4 * p, 1),
    roiInfo,
  };
  const mask: TaskTransferInputs = {
    branch: 'mask',
    numClasses: c,
    features: tf.tensor4d(uniform(r, p * h * w * dm, 0, 1), [p, h, w, dm]),
    labels: tf.tensor1d(labels, 'int32'),
    labelValues: labels,
    predictions: tf.tensor4d(uniform(r, p * h * w * c, -2, 2), [p, h, w, c]),
    targets: tf.tensor3d(
      Float32Array.from(uniform(r, p * h * w, 0, 1), (v) => (v > 0.5 ? 1 : 0)),
      [p, h, w],
    ),
    kernel: tf.zeros([1, 1, dm, c]),
    avgFactor: Math.max(p * h * w, 1),
    roiInfo,
  };
  return { box, mask, labels, roiInfo };
}

export function disposeStep(s: SyntheticStep): void {
  tf.dispose(
    [...Object.values(s.box), ...Object.values(s.mask)].filter(
      (t): t is tf.Tensor => t instanceof tf.Tensor,
    ),
  );
}
