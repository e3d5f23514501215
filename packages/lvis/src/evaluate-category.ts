import type { EvalPlan } from './eval-plan.js';
import type { IouSource } from './iou-source.js';
import { pushTo } from './multimap.js';

/** What a detection counts as at one (area range, IoU threshold). */
export const IGNORED = 0;
export const TRUE_POSITIVE = 1;
export const FALSE_POSITIVE = 2;

export interface CategoryOutcome {
  /** `status[(d * A + a) * T + t]` for the category's detections in plan order. */
  status: Uint8Array;
  /** Non-ignored ground truths per area range. */
  numGt: Int32Array;
  /** Whether the official API has an entry for (category, area): any gt or dt at all. */
  hasEntries: boolean;
}

/** Reusable scratch buffers, grown on demand. */
export class Scratch {
  iou = new Float64Array(1024);
  localDts = new Int32Array(1024);
  localPos = new Int32Array(1024);
  gtOrder = new Int32Array(64);
  gtIgnoreSorted = new Uint8Array(64);
  gtMatched = new Uint8Array(64);

  ensure(nd: number, ng: number): void {
    if (this.iou.length < nd * ng) this.iou = new Float64Array(nd * ng * 2);
    if (this.localDts.length < nd) {
      this.localDts = new Int32Array(nd * 2);
      this.localPos = new Int32Array(nd * 2);
    }
    if (this.gtOrder.length < ng) {
      this.gtOrder = new Int32Array(ng * 2);
      this.gtIgnoreSorted = new Uint8Array(ng * 2);
      this.gtMatched = new Uint8Array(ng * 2);
    }
  }
}

/**
 * Match one category's detections to its ground truths image by image, for every area
 * range and IoU threshold, exactly as the official `evaluate_img`: detections by score,
 * ground truths with ignored ones last (stable), each detection takes the unmatched
 * ground truth of highest IoU >= threshold, preferring non-ignored ones; an unmatched
 * detection outside the area range or of a not-exhaustively annotated category is ignored.
 */
export function evaluateCategory(
  plan: EvalPlan,
  k: number,
  iouThrs: readonly number[],
  areaRng: readonly (readonly [number, number])[],
  iouOf: IouSource,
  scratch: Scratch,
): CategoryOutcome {
  const T = iouThrs.length;
  const A = areaRng.length;
  const g0 = plan.gtStart[k];
  const g1 = plan.gtStart[k + 1];
  const d0 = plan.dtStart[k];
  const d1 = plan.dtStart[k + 1];
  const nd = d1 - d0;
  const status = new Uint8Array(nd * A * T);
  const numGt = new Int32Array(A);
  const thr = iouThrs.map((t) => Math.min(t, 1 - 1e-10));

  // Detections of this category grouped by image, keeping score order inside an image.
  const byImage = new Map<number, number[]>();
  for (let d = d0; d < d1; d++) {
    pushTo(byImage, plan.dtImg[d], d);
  }

  const markUnmatched = (d: number) => {
    const pos = d - d0;
    const area = plan.dtArea[d];
    const nel = plan.dtNotExhaustive[d] === 1;
    for (let a = 0; a < A; a++) {
      const ignore = nel || area < areaRng[a][0] || area > areaRng[a][1];
      status.fill(ignore ? IGNORED : FALSE_POSITIVE, (pos * A + a) * T, (pos * A + a + 1) * T);
    }
  };

  // Images with ground truths.
  let g = g0;
  while (g < g1) {
    const img = plan.gtImg[g];
    let gEnd = g + 1;
    while (gEnd < g1 && plan.gtImg[gEnd] === img) gEnd++;
    const ng = gEnd - g;
    const dets = byImage.get(img);
    byImage.delete(img);
    const ndi = dets ? dets.length : 0;
    scratch.ensure(ndi, ng);
    for (let a = 0; a < A; a++) {
      const [lo, hi] = areaRng[a];
      for (let j = g; j < gEnd; j++) {
        if (!(plan.gtIgnore[j] || plan.gtArea[j] < lo || plan.gtArea[j] > hi)) numGt[a]++;
      }
    }
    if (ndi > 0 && dets) {
      const local = scratch.localDts;
      for (let i = 0; i < ndi; i++) local[i] = dets[i];
      const iou = scratch.iou;
      iouOf(local, ndi, g, ng, iou);
      matchImage(plan, local, ndi, g, ng, iou, thr, areaRng, status, d0, scratch);
    }
    g = gEnd;
  }
  // Images with detections but no ground truth of this category (negative labels).
  for (const dets of byImage.values()) for (const d of dets) markUnmatched(d);

  return { status, numGt, hasEntries: nd > 0 || g1 > g0 };
}

function matchImage(
  plan: EvalPlan,
  dets: Int32Array,
  nd: number,
  g0: number,
  ng: number,
  iou: Float64Array,
  thr: readonly number[],
  areaRng: readonly (readonly [number, number])[],
  status: Uint8Array,
  d0: number,
  scratch: Scratch,
): void {
  const T = thr.length;
  const A = areaRng.length;
  const order = scratch.gtOrder;
  const igSorted = scratch.gtIgnoreSorted;
  const matched = scratch.gtMatched;
  for (let a = 0; a < A; a++) {
    const [lo, hi] = areaRng[a];
    // Stable: non-ignored ground truths first, then ignored, each in file order.
    let n = 0;
    for (let pass = 0; pass < 2; pass++) {
      for (let j = 0; j < ng; j++) {
        const gi = g0 + j;
        const ig = plan.gtIgnore[gi] || plan.gtArea[gi] < lo || plan.gtArea[gi] > hi ? 1 : 0;
        if (ig === pass) {
          order[n] = j;
          igSorted[n] = ig;
          n++;
        }
      }
    }
    for (let t = 0; t < T; t++) {
      matched.fill(0, 0, ng);
      for (let i = 0; i < nd; i++) {
        const d = dets[i];
        let best = thr[t];
        let m = -1;
        const row = i * ng;
        for (let s = 0; s < ng; s++) {
          if (matched[s]) continue;
          if (m > -1 && igSorted[m] === 0 && igSorted[s] === 1) break;
          const v = iou[row + order[s]];
          if (v < best) continue;
          best = v;
          m = s;
        }
        const dtArea = plan.dtArea[d];
        const mask = plan.dtNotExhaustive[d] === 1 || dtArea < lo || dtArea > hi;
        let st: number;
        if (m === -1) st = mask ? 0 : 2;
        else {
          matched[m] = 1;
          // A match to a ground truth with id 0 reads as "unmatched" in the official
          // arrays (they store the matched id and test it against 0).
          const matchedNonZero = plan.gtId[g0 + order[m]] !== 0;
          const ignored = igSorted[m] === 1 || (!matchedNonZero && mask);
          st = ignored ? 0 : matchedNonZero ? 1 : 2;
        }
        status[((d - d0) * A + a) * T + t] = st;
      }
    }
  }
}
