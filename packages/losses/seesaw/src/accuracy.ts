// Seesaw's training accuracies (mmdet `get_accuracy`): objectness over all rows, classes over
// foreground rows.

import * as tf from '@tensorflow/tfjs-core';

/** mmdet's Seesaw `get_accuracy`, in percent (0..100). */
export interface SeesawAccuracy {
  /** Top-1 accuracy of the 2-way objectness logits over all rows (target: object / background). */
  objectness: number;
  /** Top-1 accuracy of the class logits over foreground rows; 0 when there are none. */
  classes: number;
}

/** Top-1 accuracies of `[N, C+2]` logits against labels (C = background). */
export async function seesawAccuracy(
  logits: tf.Tensor2D,
  labels: Int32Array,
  numClasses: number,
): Promise<SeesawAccuracy> {
  const n = logits.shape[0];
  if (n === 0) return { objectness: 0, classes: 0 };
  const [classTop, objTop] = tf.tidy(() => [
    tf.argMax(tf.slice(logits, [0, 0], [n, numClasses]), 1),
    tf.argMax(tf.slice(logits, [0, numClasses], [n, 2]), 1),
  ]);
  const [classArgMax, objArgMax] = await Promise.all([classTop.data(), objTop.data()]);
  tf.dispose([classTop, objTop]);
  let objCorrect = 0;
  let numPos = 0;
  let classCorrect = 0;
  for (let i = 0; i < n; i++) {
    const background = labels[i] === numClasses;
    if (objArgMax[i] === (background ? 1 : 0)) objCorrect++;
    if (!background) {
      numPos++;
      if (classArgMax[i] === labels[i]) classCorrect++;
    }
  }
  return {
    objectness: (100 * objCorrect) / n,
    classes: numPos > 0 ? (100 * classCorrect) / numPos : 0,
  };
}
