import type { Detections } from '../src/post-processing.js';
import type { ToyImage } from '../src/toy-data.js';

function iou(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const iw = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const ih = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = iw * ih;
  const union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * COCO-style bbox AP at IoU 0.5 (greedy matching by descending score, 101-point interpolated
 * precision), averaged over the classes that have ground truth.
 */
export function bboxAp50(dets: Detections[], gts: ToyImage[], numClasses: number): number {
  const aps: number[] = [];
  for (let c = 0; c < numClasses; c++) {
    const numGt = gts.reduce((a, g) => a + g.labels.filter((l) => l === c).length, 0);
    if (numGt === 0) continue;
    const cand: { img: number; j: number; score: number }[] = [];
    dets.forEach((d, img) => {
      d.labels.forEach((l, j) => {
        if (l === c) cand.push({ img, j, score: d.scores[j] });
      });
    });
    cand.sort((a, b) => b.score - a.score);
    const used = gts.map((g) => new Uint8Array(g.labels.length));
    const tp: number[] = [];
    for (const { img, j } of cand) {
      const box = dets[img].boxes.subarray(j * 4, j * 4 + 4);
      let best = 0.5;
      let bestK = -1;
      gts[img].labels.forEach((l, k) => {
        if (l !== c || used[img][k]) return;
        const v = iou(box, gts[img].boxes.subarray(k * 4, k * 4 + 4));
        if (v >= best) {
          best = v;
          bestK = k;
        }
      });
      if (bestK >= 0) used[img][bestK] = 1;
      tp.push(bestK >= 0 ? 1 : 0);
    }
    const precision: number[] = [];
    const recall: number[] = [];
    let cum = 0;
    tp.forEach((t, i) => {
      cum += t;
      precision.push(cum / (i + 1));
      recall.push(cum / numGt);
    });
    for (let i = precision.length - 2; i >= 0; i--)
      precision[i] = Math.max(precision[i], precision[i + 1]);
    let ap = 0;
    for (let r = 0; r <= 100; r++) {
      const idx = recall.findIndex((x) => x >= r / 100);
      ap += idx >= 0 ? precision[idx] : 0;
    }
    aps.push(ap / 101);
  }
  return aps.reduce((a, b) => a + b, 0) / Math.max(aps.length, 1);
}
