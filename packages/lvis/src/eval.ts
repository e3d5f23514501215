import type { IouType, LVISEvalParams, LVISEvalReport, LVISMetrics } from 'lvis-ts-types';
import { accumulateCategory } from './accumulate.js';
import { buildEvalPlan, type EvalPlan } from './eval-plan.js';
import { evaluateCategory, Scratch } from './evaluate-category.js';
import { bboxIouSource, segmIouSource } from './iou-source.js';
import type { LVIS } from './lvis.js';
import { defaultParams } from './params.js';
import { formatResults } from './report.js';
import type { LVISResults } from './results.js';
import { type Accumulated, perCategoryAp, summarize } from './summarize.js';

export interface LVISEvalProgress {
  /** Categories done so far, out of `total`. */
  done: number;
  total: number;
}

/**
 * LVIS evaluation (`bbox` or `segm`) with the official API's semantics and numbers:
 * federated image sets per category, not-exhaustive categories, area ranges, 10 IoU
 * thresholds, 101 recall points, r/c/f frequency groups, 300 detections per image (cut in
 * {@link LVISResults}). Per-image matching and accumulation run category by category on
 * typed arrays.
 */
export class LVISEval {
  readonly gt: LVIS;
  readonly dt: LVISResults;
  readonly params: LVISEvalParams;
  /** Filled by {@link evaluate}. */
  accumulated: Accumulated | undefined;
  /** Filled by {@link summarize}. */
  results: LVISMetrics | undefined;

  constructor(gt: LVIS, dt: LVISResults, iouType: IouType = 'segm') {
    if (iouType !== 'bbox' && iouType !== 'segm') {
      throw new Error(`iouType must be 'bbox' or 'segm', got ${JSON.stringify(iouType)}`);
    }
    this.gt = gt;
    this.dt = dt;
    this.params = defaultParams(iouType);
    this.params.imgIds = gt.getImgIds().sort((a, b) => a - b);
    this.params.catIds = gt.getCatIds().sort((a, b) => a - b);
  }

  /** Match and accumulate: fills `precision` `[T][R][K][A]` and `recall` `[T][K][A]`. */
  evaluate(onProgress?: (p: LVISEvalProgress) => void): Accumulated {
    const p = this.params;
    const plan: EvalPlan = buildEvalPlan(this.gt, this.dt, p.imgIds, p.catIds);
    const T = p.iouThrs.length;
    const R = p.recThrs.length;
    const K = plan.catIds.length;
    const A = p.areaRng.length;
    const precision = new Float64Array(T * R * K * A).fill(-1);
    const recall = new Float64Array(T * K * A).fill(-1);
    const iouOf = p.iouType === 'bbox' ? bboxIouSource(plan) : segmIouSource(plan, this.gt.imgs);
    const scratch = new Scratch();
    const accScratch = {
      tp: new Float64Array(1024),
      fp: new Float64Array(1024),
      pr: new Float64Array(1024),
    };
    for (let k = 0; k < K; k++) {
      const outcome = evaluateCategory(plan, k, p.iouThrs, p.areaRng, iouOf, scratch);
      accumulateCategory(outcome, k, K, T, p.recThrs, A, precision, recall, accScratch);
      if (onProgress && (k % 64 === 0 || k === K - 1)) onProgress({ done: k + 1, total: K });
    }
    this.accumulated = { precision, recall, T, R, K, A };
    return this.accumulated;
  }

  /** The 13 summary metrics (runs {@link evaluate} first if needed). */
  summarize(): LVISMetrics {
    const acc = this.accumulated ?? this.evaluate();
    const freqGroups = this.params.imgCountLbl.map(() => [] as number[]);
    this.params.catIds.forEach((id, k) => {
      const f = this.gt.cats.get(id)!.frequency;
      const g = this.params.imgCountLbl.indexOf(f);
      if (g >= 0) freqGroups[g].push(k);
    });
    this.results = summarize(acc, {
      iouThrs: this.params.iouThrs,
      areaRngLbl: this.params.areaRngLbl,
      freqGroups,
      imgCountLbl: this.params.imgCountLbl,
    });
    return this.results;
  }

  /** evaluate + summarize. */
  run(onProgress?: (p: LVISEvalProgress) => void): LVISMetrics {
    this.evaluate(onProgress);
    return this.summarize();
  }

  /** AP per category id for area `all`, only categories whose precision is defined. */
  perCategoryAp(): Record<string, number> {
    const acc = this.accumulated ?? this.evaluate();
    return perCategoryAp(acc, this.params.catIds, this.params.areaRngLbl.indexOf('all'));
  }

  /** `{ metrics, per_category_ap }`, the schema of the fixtures' expected files. */
  report(): LVISEvalReport {
    return { metrics: this.results ?? this.summarize(), per_category_ap: this.perCategoryAp() };
  }

  /** The official `print_results` table (13 lines). */
  format(): string {
    return formatResults(this.results ?? this.summarize(), this.params);
  }
}
