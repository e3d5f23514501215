// EQLv2's gradient-guided re-weighting: each class's positive and negative weights for one
// step, from its accumulated pos/neg gradient ratio.

/** Per-column weights of one EQLv2 step: length C+1, the last column being background. */
export interface ColumnWeights {
  /** Weight of a column's positive (target 1) entries. */
  pos: Float64Array;
  /** Weight of a column's negative (target 0) entries. */
  neg: Float64Array;
}

/**
 * EQLv2's gradient-guided re-weighting: classes whose accumulated positive gradient is small
 * relative to their negative gradient (`posNeg` low: rare classes) get their negatives
 * down-weighted and their positives up-weighted. The background column keeps weight 1.
 */
export function eqlv2ColumnWeights(
  posNeg: ArrayLike<number>,
  hyper: { gamma: number; mu: number; alpha: number },
): ColumnWeights {
  const numClasses = posNeg.length;
  const pos = new Float64Array(numClasses + 1);
  const neg = new Float64Array(numClasses + 1);
  for (let j = 0; j < numClasses; j++) {
    neg[j] = 1 / (1 + Math.exp(-hyper.gamma * (posNeg[j] - hyper.mu)));
    pos[j] = 1 + hyper.alpha * (1 - neg[j]);
  }
  neg[numClasses] = 1;
  pos[numClasses] = 1;
  return { pos, neg };
}
