import { type CategoryOutcome, FALSE_POSITIVE, TRUE_POSITIVE } from './evaluate-category.js';

/** numpy's `np.spacing(1)`: the official API adds it to precision denominators. */
const EPS = 2 ** -52;

/**
 * The official `accumulate` for one category: per area range and IoU threshold, the
 * cumulative true/false positives over the score-ordered detections (ignored ones keep
 * their place), precision made monotone from the right, and read at the recall points
 * with `searchsorted(side='left')` (0 past the last reached recall). Writes
 * `precision[((t * R + r) * K + k) * A + a]` and `recall[(t * K + k) * A + a]`; entries of
 * an (area range) with no non-ignored ground truth stay -1.
 */
export function accumulateCategory(
  outcome: CategoryOutcome,
  k: number,
  K: number,
  T: number,
  recThrs: readonly number[],
  A: number,
  precision: Float64Array,
  recall: Float64Array,
  scratch: { tp: Float64Array; fp: Float64Array; pr: Float64Array },
): void {
  if (!outcome.hasEntries) return;
  const R = recThrs.length;
  const { status } = outcome;
  const nd = status.length / (A * T);
  if (scratch.tp.length < nd) {
    scratch.tp = new Float64Array(nd * 2);
    scratch.fp = new Float64Array(nd * 2);
    scratch.pr = new Float64Array(nd * 2);
  }
  const { tp, fp, pr } = scratch;
  for (let a = 0; a < A; a++) {
    const numGt = outcome.numGt[a];
    if (numGt === 0) continue;
    for (let t = 0; t < T; t++) {
      let ctp = 0;
      let cfp = 0;
      for (let d = 0; d < nd; d++) {
        const s = status[(d * A + a) * T + t];
        if (s === TRUE_POSITIVE) ctp++;
        else if (s === FALSE_POSITIVE) cfp++;
        tp[d] = ctp;
        fp[d] = cfp;
      }
      recall[(t * K + k) * A + a] = nd ? tp[nd - 1] / numGt : 0;
      for (let d = 0; d < nd; d++) pr[d] = tp[d] / (fp[d] + tp[d] + EPS);
      for (let d = nd - 1; d > 0; d--) if (pr[d] > pr[d - 1]) pr[d - 1] = pr[d];
      // searchsorted(rc, recThrs, 'left') with rc = tp / numGt non-decreasing.
      let d = 0;
      for (let r = 0; r < R; r++) {
        while (d < nd && tp[d] / numGt < recThrs[r]) d++;
        precision[((t * R + r) * K + k) * A + a] = d < nd ? pr[d] : 0;
      }
    }
  }
}
