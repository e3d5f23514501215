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

/** Running mean of the defined (> -1) entries, -1 when there are none (official `_summarize`). */
class DefinedMean {
  private sum = 0;
  private n = 0;

  add(v: number): void {
    if (v > -1) {
      this.sum += v;
      this.n++;
    }
  }

  get value(): number {
    return this.n === 0 ? -1 : this.sum / this.n;
  }
}

/** Mean defined precision over thresholds `tIdx`, all recall points, categories `kIdx` (all when null) and areas `aIdx`. */
function meanPrecision(
  acc: Accumulated,
  tIdx: readonly number[],
  kIdx: readonly number[] | null,
  aIdx: readonly number[],
): number {
  const { precision, R, K, A } = acc;
  const mean = new DefinedMean();
  // Summed in the official array order ([T][R][K][A]) so the float sum is the same.
  for (const t of tIdx)
    for (let r = 0; r < R; r++) {
      const row = (t * R + r) * K;
      if (kIdx) {
        for (const k of kIdx) for (const a of aIdx) mean.add(precision[(row + k) * A + a]);
      } else {
        for (let k = 0; k < K; k++) for (const a of aIdx) mean.add(precision[(row + k) * A + a]);
      }
    }
  return mean.value;
}

/** Mean defined recall over every threshold and category, areas `aIdx`. */
function meanRecall(acc: Accumulated, aIdx: readonly number[]): number {
  const { recall, T, K, A } = acc;
  const mean = new DefinedMean();
  for (let t = 0; t < T; t++)
    for (let k = 0; k < K; k++) for (const a of aIdx) mean.add(recall[(t * K + k) * A + a]);
  return mean.value;
}

/** The 13 numbers of the official `summarize`. */
export function summarize(acc: Accumulated, ctx: SummaryContext): LVISMetrics {
  const allT = Array.from({ length: acc.T }, (_, t) => t);
  const area = (lbl: AreaRangeLabel) => ctx.areaRngLbl.flatMap((l, i) => (l === lbl ? [i] : []));
  // Thresholds are matched by exact equality, as `np.where(iou_thr == iou_thrs)`.
  const atIou = (v: number) => ctx.iouThrs.flatMap((t, i) => (t === v ? [i] : []));
  const group = (f: Frequency) => ctx.freqGroups[ctx.imgCountLbl.indexOf(f)] ?? [];
  const ap = (tIdx: number[], aLbl: AreaRangeLabel, k: readonly number[] | null = null) =>
    meanPrecision(acc, tIdx, k, area(aLbl));
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
  catIds.forEach((id, k) => {
    const v = meanPrecision(acc, allT, [k], [allAreaIdx]);
    if (v > -1) out[String(id)] = v;
  });
  return out;
}
