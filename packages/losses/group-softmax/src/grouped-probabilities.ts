// Every group's softmax at once, from one whole-row softmax where that is exact enough (wasm's
// slices and concat cost several times more), per group otherwise.

import * as tf from '@tensorflow/tfjs-core';
import type { GroupLayout } from './group-layout.js';

/** Column → group indicator `[K, G]` and its transpose, per layout. */
const indicatorCache = new WeakMap<
  GroupLayout,
  { byColumn: Float32Array; byGroup: Float32Array }
>();

export function groupIndicators(layout: GroupLayout): {
  byColumn: Float32Array;
  byGroup: Float32Array;
} {
  let cached = indicatorCache.get(layout);
  if (!cached) {
    const k = layout.numLogits;
    const g = layout.numGroups;
    const byColumn = new Float32Array(k * g);
    const byGroup = new Float32Array(g * k);
    layout.columns.forEach((col, j) => {
      byColumn[j * g + col.group] = 1;
      byGroup[col.group * k + j] = 1;
    });
    cached = { byColumn, byGroup };
    indicatorCache.set(layout, cached);
  }
  return cached;
}

/**
 * Every group's softmax, in a form that needs no per-group slicing on the fast path:
 * `prob_ij / mass_i,g(j)` is the probability of column j within its group.
 */
export interface GroupedProbabilities {
  /** `[N, K]`: the whole-row softmax (fast path) or the per-group softmaxes (exact path). */
  prob: tf.Tensor2D;
  /** `[N·G]` row-major 1/mass (fast path) or ones (exact path). */
  invMass: Float32Array;
  /** log of the within-group probability at each `labelIndex` entry, when asked. */
  logProbAtLabel?: Float64Array;
}

/**
 * Fast path: one whole-row softmax (a single fast kernel), group masses by a matMul with
 * the `[K, G]` indicator, group probabilities as ratios; wasm's column slices and concat
 * cost several times that. It fails only when a whole group (or a label's probability)
 * underflows relative to the row (logit gaps beyond ~87); then every group is soft-maxed
 * on its own slice, exactly.
 *
 * `labelIndex` (`[M, 2]` row/column pairs, flattened) asks for log-probabilities there.
 */
export async function groupedProbabilities(
  logits: tf.Tensor2D,
  layout: GroupLayout,
  labelIndex?: Int32Array,
): Promise<GroupedProbabilities> {
  const [n, k] = logits.shape;
  const g = layout.numGroups;
  const { byColumn } = groupIndicators(layout);
  const numLabels = labelIndex ? labelIndex.length / 2 : 0;
  const index = labelIndex ? tf.tensor2d(labelIndex, [numLabels, 2], 'int32') : undefined;

  const rowProb = tf.softmax(logits);
  const mass = await readAndDispose(
    tf.tidy(() => tf.matMul(rowProb, tf.tensor2d(byColumn, [k, g]))),
  );
  const probAt = index ? await readAndDispose(tf.gatherND(rowProb, index)) : new Float32Array(0);
  let usable = true;
  for (let t = 0; t < mass.length && usable; t++) usable = mass[t] > 0 && Number.isFinite(mass[t]);
  for (let t = 0; t < probAt.length && usable; t++) usable = probAt[t] > 0;
  if (usable) {
    const invMass = Float32Array.from(mass, (m) => 1 / m);
    const out: GroupedProbabilities = { prob: rowProb, invMass };
    if (labelIndex) {
      out.logProbAtLabel = Float64Array.from(probAt, (p, t) => {
        const row = labelIndex[2 * t];
        const group = layout.columns[labelIndex[2 * t + 1]].group;
        return Math.log(p) - Math.log(mass[row * g + group]);
      });
    }
    index?.dispose();
    return out;
  }
  rowProb.dispose();

  const sizes = layout.groupClassIds.map((ids) => ids.length + 1);
  const parts = tf.split(logits, sizes, 1);
  const probs = parts.map((part) => tf.softmax(part));
  const prob = tf.concat(probs, 1) as tf.Tensor2D;
  const out: GroupedProbabilities = { prob, invMass: new Float32Array(n * g).fill(1) };
  if (index && labelIndex) {
    // log p = z_label - lse_g, lse_g = max z - log max softmax (≥ 1/size, never underflows).
    const logSumExp: Float32Array[] = [];
    for (let j = 0; j < parts.length; j++) {
      logSumExp.push(
        await readAndDispose(
          tf.tidy(() => tf.sub(tf.max(parts[j]!, 1), tf.log(tf.max(probs[j]!, 1)))),
        ),
      );
    }
    const atLabel = await readAndDispose(tf.gatherND(logits, index));
    out.logProbAtLabel = Float64Array.from(atLabel, (zl, t) => {
      const row = labelIndex[2 * t];
      const group = layout.columns[labelIndex[2 * t + 1]].group;
      return zl - logSumExp[group][row];
    });
  }
  tf.dispose([...parts, ...probs]);
  index?.dispose();
  return out;
}

/** The values of `t` (read asynchronously), then `t` disposed. */
async function readAndDispose(t: tf.Tensor): Promise<Float32Array> {
  const values = (await t.data()) as Float32Array;
  t.dispose();
  return values;
}
