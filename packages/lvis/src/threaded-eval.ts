// Shares an evaluation's categories among worker threads and this thread.
import type { IouType } from 'lvis-ts-types';
import { type CategoryWork, DONE, runCategories } from './category-loop.js';
import { iouSourceFor } from './iou-source.js';
import { type PackedSegmentations, packSegmentations } from './packed-segmentations.js';
import type { LVISResults } from './results.js';
import { inSharedMemory, type PendingWorker } from './worker-threads.js';

/** What an evaluating worker receives: the work (outputs and counters shared) and the masks. */
export interface EvaluateJob {
  kind: 'evaluate';
  work: CategoryWork;
  iouType: IouType;
  /** For `segm`: the ground truths' segmentations by plan index. */
  gtSegmentations?: PackedSegmentations;
  /** For `segm`: the detections' segmentations by results row. */
  dtSegmentations?: PackedSegmentations;
}

/**
 * Run `work` on the workers and this thread: each takes categories from the shared
 * schedule until it is empty. Resolves when every category is done.
 */
export async function evaluateOnThreads(
  workers: readonly PendingWorker[],
  work: CategoryWork,
  iouType: IouType,
  dt: LVISResults,
  onProgress?: (p: { done: number; total: number }) => void,
): Promise<void> {
  const { plan } = work;
  const total = plan.catIds.length;
  const segm = iouType === 'segm';
  const job: EvaluateJob = {
    kind: 'evaluate',
    // The segmentations travel packed, not as nested arrays (a slow structured clone).
    // Everything large in shared memory: one copy, whatever the number of workers.
    work: { ...work, plan: inSharedMemory({ ...plan, gtSegmentation: [] }) },
    iouType,
    gtSegmentations: segm ? inSharedMemory(packSegmentations(plan.gtSegmentation)) : undefined,
    dtSegmentations: segm ? inSharedMemory(dt.columns.segmentations.toPacked()) : undefined,
  };
  const running = workers.map((w) => w.run<null>(job));
  const report = () => onProgress?.({ done: Atomics.load(work.counters, DONE), total });
  let failure: unknown;
  try {
    const iouOf = iouSourceFor(
      plan,
      iouType,
      (g) => plan.gtSegmentation[g],
      (d) => dt.segmentationOf(plan.dtRow[d]),
    );
    runCategories(work, iouOf, (done) => {
      if (done % 64 === 0) report();
    });
  } catch (err) {
    failure = err;
  }
  // This thread found the schedule empty; the workers may still be finishing theirs.
  const timer = onProgress ? setInterval(report, 250) : undefined;
  const settled = await Promise.allSettled(running);
  if (timer) clearInterval(timer);
  if (failure) throw failure;
  for (const s of settled) if (s.status === 'rejected') throw s.reason;
  report();
}
