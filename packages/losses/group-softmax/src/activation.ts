// Group Softmax's inference scores: each class's within-group probability times "not
// background", the background probability last.

import * as tf from '@tensorflow/tfjs-core';
import type { GroupLayout } from './group-layout.js';
import { groupedProbabilities, groupIndicators } from './grouped-probabilities.js';

/**
 * Group Softmax inference scores `[N, C+1]`: a class's probability within its group times
 * the background group's "others" probability (not background); the last column is the
 * background group's background probability. Foreground groups' "others" are dropped.
 */
export async function groupSoftmaxScores(
  logits: tf.Tensor2D,
  layout: GroupLayout,
): Promise<tf.Tensor2D> {
  const grouped = await groupedProbabilities(logits, layout);
  const scores = tf.tidy(() => {
    const [n, k] = logits.shape;
    const g = layout.numGroups;
    const c = layout.numClasses;
    const { byGroup } = groupIndicators(layout);
    const prob = tf.mul(
      grouped.prob,
      tf.matMul(tf.tensor2d(grouped.invMass, [n, g]), tf.tensor2d(byGroup, [g, k])),
    );
    const columnOfClass = new Int32Array(c + 1);
    layout.columns.forEach((col, j) => {
      if (col.classId >= 0) columnOfClass[col.classId] = j;
    });
    const selected = tf.gather(prob, tf.tensor1d(columnOfClass, 'int32'), 1);
    const notBackground = tf.slice(prob, [0, layout.groupStart[g - 1]], [n, 1]);
    return tf.concat(
      [
        tf.mul(tf.slice(selected, [0, 0], [n, c]), notBackground),
        tf.slice(selected, [0, c], [n, 1]),
      ],
      1,
    ) as tf.Tensor2D;
  });
  grouped.prob.dispose();
  return scores;
}
