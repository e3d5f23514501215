// One measured run in a fresh process: load the ground truth and results, evaluate on every
// core, summarize; prints one JSON line with the phase times, the report and the peak RSS.
// Usage: node eval-child.mjs <gt.json> <results.json> <bbox|segm>
//        node eval-child.mjs --load-only <annotations.json>
// LVIS_BENCH_THREADS sets the thread count (default: every core).
import { LVIS, LVISEval, LVISResults } from '../dist/index.js';

const peakRssMb = () => process.resourceUsage().maxRSS / 1024;
const threads = process.env.LVIS_BENCH_THREADS ? Number(process.env.LVIS_BENCH_THREADS) : undefined;
const args = process.argv.slice(2);

if (args[0] === '--load-only') {
  const t0 = performance.now();
  const gt = await LVIS.load(args[1]);
  const seconds = (performance.now() - t0) / 1000;
  console.log(
    JSON.stringify({
      seconds,
      images: gt.imgs.size,
      annotations: gt.anns.size,
      peakRssMb: peakRssMb(),
    }),
  );
} else {
  const [gtPath, resultsPath, type] = args;
  const t0 = performance.now();
  const gt = await LVIS.load(gtPath);
  const t1 = performance.now();
  const dt = await LVISResults.load(gt, resultsPath, { threads });
  const t2 = performance.now();
  const ev = new LVISEval(gt, dt, type);
  await ev.runAsync({ threads });
  const report = ev.report();
  const t3 = performance.now();
  console.log(
    JSON.stringify({
      type,
      loadGt: (t1 - t0) / 1000,
      loadResults: (t2 - t1) / 1000,
      evaluate: (t3 - t2) / 1000,
      total: (t3 - t0) / 1000,
      detections: dt.columns.count,
      report,
      peakRssMb: peakRssMb(),
    }),
  );
}
