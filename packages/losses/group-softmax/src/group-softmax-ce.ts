// Group Softmax's per-group cross-entropy, with its gradient in closed form because autodiff
// of the per-group graph is slow on wasm and needs gather's gradient.

import * as tf from '@tensorflow/tfjs-core';
import type { GroupLayout } from './group-layout.js';
import { groupedProbabilities, groupIndicators } from './grouped-probabilities.js';

/** One step's per-group labels and row weights (`[G][N]` each). */
export interface GroupStepInputs {
  layout: GroupLayout;
  groupLabels: Int32Array[];
  groupWeights: Float32Array[];
  lossWeight: number;
}

/** Each group's normaliser: its kept rows, at least 1. */
export function groupAvgFactors(groupWeights: Float32Array[]): number[] {
  return groupWeights.map((w) =>
    Math.max(
      w.reduce((s, x) => s + x, 0),
      1,
    ),
  );
}

/**
 * Per-group losses `[G]`: L_g = lossWeight · Σ_i w_gi · CE(softmax over group g's columns,
 * group label) / max(Σ_i w_gi, 1). The gradient is supplied in closed form,
 * `lossWeight·w_gi/A_g · (p_ij - y_ij)` on group g's columns, because autodiff of the
 * per-group graph (slices, concat, gathers) is several times slower on wasm and needs
 * gather's gradient, which wasm lacks. The probabilities (which read back group masses) are
 * computed before the custom op, so the reads can be awaited; the op assembles the value.
 */
export async function groupSoftmaxCrossEntropy(
  logits: tf.Tensor2D,
  s: GroupStepInputs,
): Promise<tf.Tensor1D> {
  const [n, k] = logits.shape;
  const { layout } = s;
  const g = layout.numGroups;
  const avg = groupAvgFactors(s.groupWeights);
  // Row-major [N, G]: row weight of each group, and the column of each row's group label.
  const rowScale = new Float32Array(n * g);
  const labelIndex = new Int32Array(2 * n * g);
  for (let i = 0; i < n; i++) {
    for (let q = 0; q < g; q++) {
      const t = i * g + q;
      rowScale[t] = (s.groupWeights[q][i] * s.lossWeight) / avg[q];
      labelIndex[2 * t] = i;
      labelIndex[2 * t + 1] = layout.groupStart[q] + s.groupLabels[q][i];
    }
  }
  const { byGroup } = groupIndicators(layout);
  const grouped = await groupedProbabilities(logits, layout, labelIndex);

  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[1] as tf.GradSaveFunc;
    const logProb = grouped.logProbAtLabel!;
    const losses = new Float64Array(g);
    for (let t = 0; t < n * g; t++) losses[t % g] -= rowScale[t] * logProb[t];
    save([grouped.prob]);
    return {
      value: tf.tensor1d(Float32Array.from(losses)),
      gradFunc: (dy: tf.Tensor1D, saved: tf.Tensor[]) => {
        const [prob] = saved;
        const scaled = tf.mul(tf.tensor2d(rowScale, [n, g]), tf.reshape(dy, [1, g]));
        const perMass = tf.mul(scaled, tf.tensor2d(grouped.invMass, [n, g]));
        // p_ij · scale_ig / mass_ig broadcast to every column of group g by one matMul.
        const grad = tf.mul(prob, tf.matMul(perMass, tf.tensor2d(byGroup, [g, k])));
        const index = tf.tensor2d(labelIndex, [n * g, 2], 'int32');
        const atLabel = tf.sub(
          tf.mul(tf.gatherND(prob, index), tf.reshape(perMass, [n * g])),
          tf.reshape(scaled, [n * g]),
        );
        return tf.tensorScatterUpdate(grad, index, atLabel);
      },
    };
  });
  const value = op(logits) as tf.Tensor1D;
  grouped.prob.dispose();
  return value;
}
