// The official summary metrics and per-category APs from the accumulated arrays.
import type { AreaRangeLabel, Frequency, LVISMetrics } from 'lvis-ts-types';

/** The accumulated arrays, laid out as the official `eval['precision']` / `eval['recall']`. */
export interface Accumulated {
  /** `[T][R][K][A]`, -1 where undefined. */
  precision: Float64Array;
  /** `[T][K][A]`, -1 where undefined. */
  recall: Float64Array;
  T: number;
  R: number;
  K: number;
  A: number;
}

export interface SummaryContext {
  iouThrs: readonly number[];
  areaRngLbl: readonly AreaRangeLabel[];
  /** Category indices per frequency group, in `imgCountLbl` order. */
  freqGroups: readonly (readonly number[])[];
  imgCountLbl: readonly Frequency[];
}

/**
 * Sums and counts of the defined (> -1) precision entries over the recall points, per
 * (threshold, category, area) `[T][K][A]`: every AP below is a mean over a selection of
 * these, so the 5M-entry precision array is read once.
 */
interface RecallPointSums {
  sum: Float64Array;
  count: Float64Array;
}

function recallPointSums(acc: Accumulated): RecallPointSums {
  const { precision, T, R, K, A } = acc;
  const sum = new Float64Array(T * K * A);
  const count = new Float64Array(T * K * A);
  for (let t = 0; t < T; t++) {
    const out = t * K * A;
    for (let r = 0; r < R; r++) {
      const row = (t * R + r) * K * A;
      for (let ka = 0; ka < K * A; ka++) {
        const v = precision[row + ka];
        if (v > -1) {
          sum[out + ka] += v;
          count[out + ka]++;
        }
      }
    }
  }
  return { sum, count };
}

/**
 * Mean of the defined precision entries over thresholds `tIdx`, all recall points,
 * categories `kIdx` (all when null) and areas `aIdx`; -1 when there are none (official
 * `_summarize`).
 */
function meanPrecision(
  acc: Accumulated,
  sums: RecallPointSums,
  tIdx: readonly number[],
  kIdx: readonly number[] | null,
  aIdx: readonly number[],
): number {
  const { sum, count } = sums;
  const { K, A } = acc;
  let s = 0;
  let n = 0;
  for (const t of tIdx) {
    const add = (k: number) => {
      for (const a of aIdx) {
        s += sum[(t * K + k) * A + a];
        n += count[(t * K + k) * A + a];
      }
    };
    if (kIdx) for (const k of kIdx) add(k);
    else for (let k = 0; k < K; k++) add(k);
  }
  return n === 0 ? -1 : s / n;
}

/** Mean of the defined recall entries over every threshold and category, areas `aIdx`. */
function meanRecall(acc: Accumulated, aIdx: readonly number[]): number {
  const { recall, T, K, A } = acc;
  let sum = 0;
  let n = 0;
  for (let t = 0; t < T; t++) {
    for (let k = 0; k < K; k++) {
      for (const a of aIdx) {
        const v = recall[(t * K + k) * A + a];
        if (v > -1) {
          sum += v;
          n++;
        }
      }
    }
  }
  return n === 0 ? -1 : sum / n;
}

/** The 13 numbers of the official `summarize`. */
export function summarize(acc: Accumulated, ctx: SummaryContext): LVISMetrics {
  const allT = Array.from({ length: acc.T }, (_, t) => t);
  const area = (lbl: AreaRangeLabel) => ctx.areaRngLbl.flatMap((l, i) => (l === lbl ? [i] : []));
  // Thresholds are matched by exact equality, as `np.where(iou_thr == iou_thrs)`.
  const atIou = (v: number) => ctx.iouThrs.flatMap((t, i) => (t === v ? [i] : []));
  const group = (f: Frequency) => ctx.freqGroups[ctx.imgCountLbl.indexOf(f)] ?? [];
  const sums = recallPointSums(acc);
  const ap = (tIdx: number[], aLbl: AreaRangeLabel, k: readonly number[] | null = null) =>
    meanPrecision(acc, sums, tIdx, k, area(aLbl));
  return {
    AP: ap(allT, 'all'),
    AP50: ap(atIou(0.5), 'all'),
    AP75: ap(atIou(0.75), 'all'),
    APs: ap(allT, 'small'),
    APm: ap(allT, 'medium'),
    APl: ap(allT, 'large'),
    APr: ap(allT, 'all', group('r')),
    APc: ap(allT, 'all', group('c')),
    APf: ap(allT, 'all', group('f')),
    'AR@300': meanRecall(acc, area('all')),
    'ARs@300': meanRecall(acc, area('small')),
    'ARm@300': meanRecall(acc, area('medium')),
    'ARl@300': meanRecall(acc, area('large')),
  };
}

/**
 * AP per category id: mean precision over IoU thresholds and recall points for area
 * `all`, for the categories whose precision is defined (the fixtures' definition).
 */
export function perCategoryAp(
  acc: Accumulated,
  catIds: readonly number[],
  allAreaIdx: number,
): Record<string, number> {
  const out: Record<string, number> = {};
  const allT = Array.from({ length: acc.T }, (_, t) => t);
  const sums = recallPointSums(acc);
  catIds.forEach((id, k) => {
    const v = meanPrecision(acc, sums, allT, [k], [allAreaIdx]);
    if (v > -1) out[String(id)] = v;
  });
  return out;
}
