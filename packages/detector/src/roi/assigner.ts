// mmdetection's `MaxIoUAssigner`: priors assigned to GT boxes by IoU, shared by the RPN and
// the RoI head.

import type { AssignerConfig } from '../config.js';

/** mmdetection `AssignResult`: per prior, 0 = negative, -1 = ignored, k + 1 = assigned to GT k. */
export interface AssignResult {
  numGts: number;
  gtInds: Int32Array;
  maxOverlaps: Float32Array;
  /** GT label of each positive prior, -1 elsewhere. */
  labels: Int32Array;
}

/**
 * mmdetection `MaxIoUAssigner.assign_wrt_overlaps` on a `[numGts, numPriors]` row-major IoU
 * matrix: negatives below `negIouThr`, positives at or above `posIouThr`, then (with
 * `matchLowQuality`) every GT whose best IoU reaches `minPosIou` claims its best prior(s),
 * later GTs overriding earlier ones. Ties in a prior's best GT go to the lowest index.
 */
export function maxIouAssign(
  overlaps: Float32Array,
  numGts: number,
  numPriors: number,
  gtLabels: Int32Array,
  cfg: AssignerConfig,
): AssignResult {
  if (overlaps.length !== numGts * numPriors) {
    throw new Error(
      `maxIouAssign: overlaps has ${overlaps.length} values, expected ${numGts}x${numPriors}`,
    );
  }
  const gtInds = new Int32Array(numPriors).fill(-1);
  const maxOverlaps = new Float32Array(numPriors);
  const labels = new Int32Array(numPriors).fill(-1);
  if (numGts === 0 || numPriors === 0) {
    gtInds.fill(0);
    return { numGts, gtInds, maxOverlaps, labels };
  }
  const argmax = new Int32Array(numPriors);
  for (let p = 0; p < numPriors; p++) {
    let best = -Infinity;
    let bestG = 0;
    for (let g = 0; g < numGts; g++) {
      const v = overlaps[g * numPriors + p];
      if (v > best) {
        best = v;
        bestG = g;
      }
    }
    maxOverlaps[p] = best;
    argmax[p] = bestG;
    if (best >= 0 && best < cfg.negIouThr) gtInds[p] = 0;
    if (best >= cfg.posIouThr) gtInds[p] = bestG + 1;
  }
  if (cfg.matchLowQuality) {
    for (let g = 0; g < numGts; g++) {
      const row = g * numPriors;
      let gtMax = -Infinity;
      let gtArg = 0;
      for (let p = 0; p < numPriors; p++) {
        if (overlaps[row + p] > gtMax) {
          gtMax = overlaps[row + p];
          gtArg = p;
        }
      }
      if (gtMax < cfg.minPosIou) continue;
      if (cfg.gtMaxAssignAll) {
        for (let p = 0; p < numPriors; p++) if (overlaps[row + p] === gtMax) gtInds[p] = g + 1;
      } else {
        gtInds[gtArg] = g + 1;
      }
    }
  }
  for (let p = 0; p < numPriors; p++) if (gtInds[p] > 0) labels[p] = gtLabels[gtInds[p] - 1];
  return { numGts, gtInds, maxOverlaps, labels };
}

/** mmdetection `AssignResult.add_gt_`: the GT boxes, prepended as priors, are assigned to themselves. */
export function addGtToAssignment(result: AssignResult, gtLabels: Int32Array): AssignResult {
  const g = result.numGts;
  const n = result.gtInds.length;
  const gtInds = new Int32Array(g + n);
  const maxOverlaps = new Float32Array(g + n);
  const labels = new Int32Array(g + n);
  for (let i = 0; i < g; i++) {
    gtInds[i] = i + 1;
    maxOverlaps[i] = 1;
    labels[i] = gtLabels[i];
  }
  gtInds.set(result.gtInds, g);
  maxOverlaps.set(result.maxOverlaps, g);
  labels.set(result.labels, g);
  return { numGts: g, gtInds, maxOverlaps, labels };
}
