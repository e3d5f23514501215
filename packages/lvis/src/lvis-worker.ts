// Worker thread entry: waits for one job, parses a piece of a results file or evaluates
// categories of a shared schedule, replies once and exits.
import { parentPort } from 'node:worker_threads';
import { runCategories } from './category-loop.js';
import { segmentationOrBox } from './detection-columns.js';
import type { ParseJob } from './detection-file.js';
import { parseDetections } from './detection-parser.js';
import { iouSourceFor } from './iou-source.js';
import { unpackSegmentation } from './packed-segmentations.js';
import type { EvaluateJob } from './threaded-eval.js';
import type { WorkerReply } from './worker-threads.js';

const port = parentPort!;

port.once('message', (job: ParseJob | EvaluateJob) => {
  try {
    if (job.kind === 'parse') {
      const out = parseDetections(job.bytes, job.from, job.to, job.endsArray);
      const reply: WorkerReply<typeof out> = { ok: true, value: out };
      // The columns are this thread's own memory: hand them over rather than copy them.
      const transfer =
        'count' in out
          ? [out.imageId, out.categoryId, out.score, out.bbox, out.segStart, out.segEnd].map(
              (a) => a.buffer as ArrayBuffer,
            )
          : [];
      port.postMessage(reply, transfer);
      return;
    }
    const { plan } = job.work;
    const { gtSegmentations, dtSegmentations } = job;
    const iouOf = iouSourceFor(
      plan,
      job.iouType,
      (g) => unpackSegmentation(gtSegmentations!, g)!,
      (d) =>
        segmentationOrBox(
          dtSegmentations && unpackSegmentation(dtSegmentations, plan.dtRow[d]),
          plan.dtBox,
          4 * d,
        ),
    );
    runCategories(job.work, iouOf);
    const reply: WorkerReply<null> = { ok: true, value: null };
    port.postMessage(reply);
  } catch (err) {
    const reply: WorkerReply<null> = {
      ok: false,
      error: err instanceof Error ? (err.stack ?? err.message) : String(err),
    };
    port.postMessage(reply);
  }
});
