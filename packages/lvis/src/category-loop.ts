// Evaluates and accumulates categories taken one at a time from a shared schedule, so
// that any number of threads can work through it; each category's entries of the
// precision and recall arrays are written by whichever thread took it, and by no other.
import { accumulateCategory } from './accumulate.js';
import type { EvalPlan } from './eval-plan.js';
import { evaluateCategory, Scratch } from './evaluate-category.js';
import type { IouSource } from './iou-source.js';

/** Index of the next schedule entry to take, and of the number of categories done. */
export const NEXT = 0;
export const DONE = 1;

export interface CategoryWork {
  plan: EvalPlan;
  iouThrs: readonly number[];
  recThrs: readonly number[];
  areaRng: readonly (readonly [number, number])[];
  /** Category indices in the order they are handed out. */
  schedule: Int32Array;
  /** `[NEXT, DONE]` counters, in shared memory when threads share the work. */
  counters: Int32Array;
  /** `[T][R][K][A]` and `[T][K][A]`, filled with -1 beforehand. */
  precision: Float64Array;
  recall: Float64Array;
}

/** Take categories from the schedule until none is left. */
export function runCategories(
  work: CategoryWork,
  iouOf: IouSource,
  afterEach?: (done: number) => void,
): void {
  const { plan, iouThrs, recThrs, areaRng, schedule, counters } = work;
  const K = plan.catIds.length;
  const T = iouThrs.length;
  const A = areaRng.length;
  const scratch = new Scratch();
  const accScratch = {
    tp: new Float64Array(1024),
    fp: new Float64Array(1024),
    pr: new Float64Array(1024),
  };
  for (;;) {
    const j = Atomics.add(counters, NEXT, 1);
    if (j >= schedule.length) return;
    const k = schedule[j];
    const outcome = evaluateCategory(plan, k, iouThrs, areaRng, iouOf, scratch);
    accumulateCategory(outcome, k, K, T, recThrs, A, work.precision, work.recall, accScratch);
    const done = Atomics.add(counters, DONE, 1) + 1;
    afterEach?.(done);
  }
}

/**
 * Categories with the most detections and ground truths first, so that the last ones
 * handed out are short and the threads finish together.
 */
export function costliestFirst(plan: EvalPlan): Int32Array {
  const K = plan.catIds.length;
  const cost = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    cost[k] = plan.dtStart[k + 1] - plan.dtStart[k] + 8 * (plan.gtStart[k + 1] - plan.gtStart[k]);
  }
  return Int32Array.from({ length: K }, (_, k) => k).sort((a, b) => cost[b] - cost[a] || a - b);
}
