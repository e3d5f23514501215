// LVISEval: the official evaluation (match, accumulate, summarize) on one thread or several.
import type { IouType, LVISEvalParams, LVISEvalReport, LVISMetrics } from 'lvis-ts-types';
import { type CategoryWork, costliestFirst, runCategories } from './category-loop.js';
import { buildEvalPlan, type EvalPlan } from './eval-plan.js';
import { iouSourceFor } from './iou-source.js';
import type { LVIS } from './lvis.js';
import { defaultParams } from './params.js';
import { formatResults } from './report.js';
import type { LVISResults } from './results.js';
import { type Accumulated, perCategoryAp, summarize } from './summarize.js';
import { evaluateOnThreads } from './threaded-eval.js';
import { startWorkers, threadCount } from './worker-threads.js';

export interface LVISEvalProgress {
  /** Categories done so far, out of `total`. */
  done: number;
  total: number;
}

export interface LVISEvalAsyncOptions {
  /**
   * Threads sharing the categories (1 = this thread only). Default: every core when there
   * are at least 20,000 detections, else one. The results are the same for any number:
   * each category is evaluated whole by one thread.
   */
  threads?: number;
  onProgress?: (p: LVISEvalProgress) => void;
}

/** Below this many detections, one thread is faster than starting workers. */
const MIN_DETECTIONS_FOR_THREADS = 20_000;

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

  /** Match and accumulate on this thread: fills `precision` `[T][R][K][A]` and `recall` `[T][K][A]`. */
  evaluate(onProgress?: (p: LVISEvalProgress) => void): Accumulated {
    const work = this.workFor(this.plan(), false);
    this.runHere(work, onProgress);
    return this.finish(work);
  }

  /**
   * {@link evaluate} with the categories shared among worker threads and this one; the
   * same numbers, bit for bit.
   */
  async evaluateAsync(options: LVISEvalAsyncOptions = {}): Promise<Accumulated> {
    const threads = threadCount(options.threads);
    const worthIt =
      options.threads !== undefined || this.dt.columns.count >= MIN_DETECTIONS_FOR_THREADS;
    // Started first: they load while the plan is built.
    const workers = worthIt ? startWorkers(threads - 1) : [];
    try {
      const work = this.workFor(this.plan(), workers.length > 0);
      if (workers.length > 0) {
        await evaluateOnThreads(workers, work, this.params.iouType, this.dt, options.onProgress);
      } else this.runHere(work, options.onProgress);
      return this.finish(work);
    } finally {
      for (const w of workers) w.stop();
    }
  }

  private plan(): EvalPlan {
    const p = this.params;
    return buildEvalPlan(this.gt, this.dt, p.imgIds, p.catIds);
  }

  /** The schedule and the output arrays (shared when threads will fill them). */
  private workFor(plan: EvalPlan, shared: boolean): CategoryWork {
    const p = this.params;
    const K = plan.catIds.length;
    const T = p.iouThrs.length;
    const R = p.recThrs.length;
    const A = p.areaRng.length;
    const array = (n: number) =>
      shared ? new Float64Array(new SharedArrayBuffer(8 * n)) : new Float64Array(n);
    return {
      plan,
      iouThrs: p.iouThrs,
      recThrs: p.recThrs,
      areaRng: p.areaRng,
      schedule: costliestFirst(plan),
      counters: shared ? new Int32Array(new SharedArrayBuffer(8)) : new Int32Array(2),
      precision: array(T * R * K * A).fill(-1),
      recall: array(T * K * A).fill(-1),
    };
  }

  private runHere(work: CategoryWork, onProgress?: (p: LVISEvalProgress) => void): void {
    const K = work.plan.catIds.length;
    const { plan } = work;
    const iouOf = iouSourceFor(
      plan,
      this.params.iouType,
      (g) => plan.gtSegmentation[g],
      (d) => this.dt.segmentationOf(plan.dtRow[d]),
    );
    runCategories(work, iouOf, (done) => {
      if (onProgress && (done % 64 === 0 || done === K)) onProgress({ done, total: K });
    });
  }

  private finish(work: CategoryWork): Accumulated {
    const p = this.params;
    this.accumulated = {
      precision: work.precision,
      recall: work.recall,
      T: p.iouThrs.length,
      R: p.recThrs.length,
      K: work.plan.catIds.length,
      A: p.areaRng.length,
    };
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

  /** evaluateAsync + summarize. */
  async runAsync(options: LVISEvalAsyncOptions = {}): Promise<LVISMetrics> {
    await this.evaluateAsync(options);
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
