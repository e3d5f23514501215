import type { LVISAnnotation, LVISResultRecord } from 'lvis-ts-types';
import type { LVIS } from './lvis.js';
import type { LVISResults } from './results.js';

/**
 * The ground truths and detections that take part in an evaluation, in flat typed
 * arrays grouped by category, in the orders the official API uses:
 * - ground truths of a category by image (ascending id), then file order;
 * - detections of a category by score (descending), then image, then results order,
 *   which is the official stable `argsort(-score, kind='mergesort')` over detections
 *   concatenated image by image; restricted to one image it is the per-image order.
 */
export interface EvalPlan {
  imgIds: number[];
  catIds: number[];
  gts: LVISAnnotation[];
  gtImg: Int32Array;
  gtArea: Float64Array;
  gtIgnore: Uint8Array;
  gtId: Float64Array;
  /** `gts` of category k are `gtStart[k] .. gtStart[k + 1]`. */
  gtStart: Int32Array;
  dts: LVISResultRecord[];
  dtImg: Int32Array;
  dtScore: Float64Array;
  dtArea: Float64Array;
  /** 1 when the detection's category is in its image's `not_exhaustive_category_ids`. */
  dtNotExhaustive: Uint8Array;
  dtStart: Int32Array;
}

/**
 * Select and order the records as the official `_prepare`: annotations of the evaluated
 * images and categories with `0 < area < inf`; a detection is kept only when its category
 * is annotated positive on the image (among those ground truths) or listed in the image's
 * `neg_category_ids` (federated evaluation).
 */
export function buildEvalPlan(
  gt: LVIS,
  dt: LVISResults,
  imgIdsIn: readonly number[],
  catIdsIn: readonly number[],
): EvalPlan {
  const imgIds = [...new Set(imgIdsIn)].sort((a, b) => a - b);
  const catIds = [...catIdsIn].sort((a, b) => a - b);
  const nI = imgIds.length;
  const nK = catIds.length;
  const imgIndex = new Map<number, number>();
  for (let i = 0; i < nI; i++) imgIndex.set(imgIds[i], i);
  const catIndex = new Map<number, number>();
  for (let k = 0; k < nK; k++) catIndex.set(catIds[k], k);
  const pairKey = (k: number, i: number) => k * nI + i;

  const gtAll = gt.filterAnns({ imgIds, catIds });
  const positive = new Set<number>();
  for (const a of gtAll)
    positive.add(pairKey(catIndex.get(a.category_id)!, imgIndex.get(a.image_id)!));
  const negative = new Set<number>();
  const notExhaustive = new Set<number>();
  for (let i = 0; i < nI; i++) {
    const img = gt.imgs.get(imgIds[i]);
    if (!img) throw new Error(`${gt.source}: image id ${imgIds[i]} is not in the ground truth`);
    for (const c of img.neg_category_ids) {
      const k = catIndex.get(c);
      if (k !== undefined) negative.add(pairKey(k, i));
    }
    for (const c of img.not_exhaustive_category_ids) {
      const k = catIndex.get(c);
      if (k !== undefined) notExhaustive.add(pairKey(k, i));
    }
  }

  // Ground truths: by (category, image, file order).
  const gOrder = sortedIndices(gtAll.length, (a, b) => {
    const x = gtAll[a];
    const y = gtAll[b];
    return (
      catIndex.get(x.category_id)! - catIndex.get(y.category_id)! ||
      imgIndex.get(x.image_id)! - imgIndex.get(y.image_id)! ||
      a - b
    );
  });
  const gts = Array.from(gOrder, (i) => gtAll[i]);
  const gtCat = Int32Array.from(gts, (a) => catIndex.get(a.category_id)!);
  const gtImg = Int32Array.from(gts, (a) => imgIndex.get(a.image_id)!);
  const gtArea = Float64Array.from(gts, (a) => a.area);
  const gtIgnore = Uint8Array.from(gts, (a) => ((a as { ignore?: unknown }).ignore ? 1 : 0));
  const gtId = Float64Array.from(gts, (a) => a.id);

  // Detections: federated filter, then by (category, -score, image, results order).
  const dtAll = dt.filterAnns({ imgIds, catIds }).filter((d) => {
    const key = pairKey(catIndex.get(d.category_id)!, imgIndex.get(d.image_id)!);
    return positive.has(key) || negative.has(key);
  });
  const dCat = Int32Array.from(dtAll, (d) => catIndex.get(d.category_id)!);
  const dImg = Int32Array.from(dtAll, (d) => imgIndex.get(d.image_id)!);
  const dScore = Float64Array.from(dtAll, (d) => d.score);
  const dOrder = sortedIndices(
    dtAll.length,
    (a, b) => dCat[a] - dCat[b] || dScore[b] - dScore[a] || dImg[a] - dImg[b] || a - b,
  );
  const dts = Array.from(dOrder, (i) => dtAll[i]);
  const dtCat = Int32Array.from(dOrder, (i) => dCat[i]);
  const dtImg = Int32Array.from(dOrder, (i) => dImg[i]);
  const dtScore = Float64Array.from(dOrder, (i) => dScore[i]);
  const dtArea = Float64Array.from(dts, (d) => d.area);
  const dtNotExhaustive = Uint8Array.from(dOrder, (i) =>
    notExhaustive.has(pairKey(dCat[i], dImg[i])) ? 1 : 0,
  );

  return {
    imgIds,
    catIds,
    gts,
    gtImg,
    gtArea,
    gtIgnore,
    gtId,
    gtStart: rangeStarts(gtCat, nK),
    dts,
    dtImg,
    dtScore,
    dtArea,
    dtNotExhaustive,
    dtStart: rangeStarts(dtCat, nK),
  };
}

function sortedIndices(n: number, compare: (a: number, b: number) => number): Int32Array {
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  return idx.sort(compare);
}

/** For values sorted ascending in [0, n): start offset of each value, plus the end. */
function rangeStarts(sorted: Int32Array, n: number): Int32Array {
  const starts = new Int32Array(n + 1);
  for (let i = 0; i < sorted.length; i++) starts[sorted[i] + 1]++;
  for (let k = 0; k < n; k++) starts[k + 1] += starts[k];
  return starts;
}
