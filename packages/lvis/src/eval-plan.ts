// Selects and orders the ground truths and detections an evaluation takes part in, as flat
// arrays grouped by category (the official `_prepare`).
import type { Segmentation } from 'lvis-ts-types';
import { gather } from './detection-columns.js';
import type { LVIS } from './lvis.js';
import type { LVISResults } from './results.js';

/**
 * The ground truths and detections that take part in an evaluation, in flat arrays
 * grouped by category, in the orders the official API uses:
 * - ground truths of a category by image (ascending id), then file order;
 * - detections of a category by score (descending), then image, then results order,
 *   which is the official stable `argsort(-score, kind='mergesort')` over detections
 *   concatenated image by image; restricted to one image it is the per-image order.
 * Everything in it can be copied to a worker thread.
 */
export interface EvalPlan {
  imgIds: number[];
  catIds: number[];
  /** Size of each evaluated image, by image index. */
  imgHeight: Float64Array;
  imgWidth: Float64Array;
  gtSegmentation: Segmentation[];
  gtImg: Int32Array;
  gtArea: Float64Array;
  gtIgnore: Uint8Array;
  gtId: Float64Array;
  /** `[x, y, w, h]` per ground truth. */
  gtBox: Float64Array;
  /** Ground truths of category k are `gtStart[k] .. gtStart[k + 1]`. */
  gtStart: Int32Array;
  /** The detection's row in the results' columns. */
  dtRow: Int32Array;
  dtImg: Int32Array;
  dtScore: Float64Array;
  dtArea: Float64Array;
  /** 1 when the detection's category is in its image's `not_exhaustive_category_ids`. */
  dtNotExhaustive: Uint8Array;
  dtBox: Float64Array;
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
  const catLookup = indexLookup(catIds);

  const gtAll = gt.filterAnns({ imgIds, catIds });
  const gtAllCat = Int32Array.from(gtAll, (a) => catIndex.get(a.category_id)!);
  const gtAllImg = Int32Array.from(gtAll, (a) => imgIndex.get(a.image_id)!);
  // Federated labels per image: category indices annotated positive, verified negative,
  // not exhaustively annotated.
  const positiveOf: number[][] = Array.from({ length: nI }, () => []);
  for (let j = 0; j < gtAll.length; j++) positiveOf[gtAllImg[j]].push(gtAllCat[j]);
  const negativeOf: number[][] = [];
  const notExhaustiveOf: number[][] = [];
  const imgHeight = new Float64Array(nI);
  const imgWidth = new Float64Array(nI);
  for (let i = 0; i < nI; i++) {
    const img = gt.imgs.get(imgIds[i]);
    if (!img) throw new Error(`${gt.source}: image id ${imgIds[i]} is not in the ground truth`);
    imgHeight[i] = img.height;
    imgWidth[i] = img.width;
    negativeOf.push(indicesOf(img.neg_category_ids, catIndex));
    notExhaustiveOf.push(indicesOf(img.not_exhaustive_category_ids, catIndex));
  }

  // Ground truths: by (category, image, file order).
  const gOrder = sortedIndices(
    gtAll.length,
    (a, b) => gtAllCat[a] - gtAllCat[b] || gtAllImg[a] - gtAllImg[b] || a - b,
  );
  const gts = Array.from(gOrder, (i) => gtAll[i]);
  const gtCat = gather(new Int32Array(gts.length), gtAllCat, gOrder);
  const gtBox = new Float64Array(gts.length * 4);
  for (let j = 0; j < gts.length; j++) gtBox.set(gts[j].bbox, 4 * j);

  // Detections: the federated filter in results order, then by (category, -score,
  // image, results order). Rows come grouped by image (LVISResults keeps them so), so
  // the image's labels are flagged per category once per run of rows.
  const cols = dt.columns;
  const sel = new Int32Array(cols.count);
  const selCat = new Int32Array(cols.count);
  const selImg = new Int32Array(cols.count);
  const selNotExhaustive = new Uint8Array(cols.count);
  const POSITIVE = 1;
  const NEGATIVE = 2;
  const NOT_EXHAUSTIVE = 4;
  const flags = new Uint8Array(nK);
  const setFlags = (i: number, on: boolean) => {
    for (const k of positiveOf[i]) flags[k] = on ? flags[k] | POSITIVE : 0;
    for (const k of negativeOf[i]) flags[k] = on ? flags[k] | NEGATIVE : 0;
    for (const k of notExhaustiveOf[i]) flags[k] = on ? flags[k] | NOT_EXHAUSTIVE : 0;
  };
  let imageId = Number.NaN;
  let i = -1;
  let m = 0;
  for (let row = 0; row < cols.count; row++) {
    if (cols.imageId[row] !== imageId) {
      if (i >= 0) setFlags(i, false);
      imageId = cols.imageId[row];
      i = imgIndex.get(imageId) ?? -1;
      if (i >= 0) setFlags(i, true);
    }
    const k = catLookup(cols.categoryId[row]);
    const area = dt.area[row];
    if (k < 0 || i < 0 || !(area > 0 && area < Number.POSITIVE_INFINITY)) continue;
    const f = flags[k];
    if (!(f & (POSITIVE | NEGATIVE))) continue;
    sel[m] = row;
    selCat[m] = k;
    selImg[m] = i;
    selNotExhaustive[m] = f & NOT_EXHAUSTIVE ? 1 : 0;
    m++;
  }
  const dtStart = rangeStarts(selCat.subarray(0, m), nK);
  const order = new Int32Array(m);
  const next = dtStart.slice(0, nK);
  for (let j = 0; j < m; j++) order[next[selCat[j]]++] = j;
  const selScore = gather(new Float64Array(m), cols.score, sel);
  for (let k = 0; k < nK; k++) {
    // Positions j follow results order, so `a - b` is the last tie-break.
    order
      .subarray(dtStart[k], dtStart[k + 1])
      .sort((a, b) => selScore[b] - selScore[a] || selImg[a] - selImg[b] || a - b);
  }
  const dtRow = gather(new Int32Array(m), sel, order);
  const dtNotExhaustive = gather(new Uint8Array(m), selNotExhaustive, order);
  const dtBox = new Float64Array(m * 4);
  for (let d = 0; d < m; d++) {
    const r = 4 * dtRow[d];
    for (let c = 0; c < 4; c++) dtBox[4 * d + c] = cols.bbox[r + c];
  }

  return {
    imgIds,
    catIds,
    imgHeight,
    imgWidth,
    gtSegmentation: gts.map((a) => a.segmentation),
    gtImg: gather(new Int32Array(gts.length), gtAllImg, gOrder),
    gtArea: Float64Array.from(gts, (a) => a.area),
    gtIgnore: Uint8Array.from(gts, (a) => ((a as { ignore?: unknown }).ignore ? 1 : 0)),
    gtId: Float64Array.from(gts, (a) => a.id),
    gtBox,
    gtStart: rangeStarts(gtCat, nK),
    dtRow,
    dtImg: gather(new Int32Array(m), selImg, order),
    dtScore: gather(new Float64Array(m), selScore, order),
    dtArea: gather(new Float64Array(m), dt.area, dtRow),
    dtNotExhaustive,
    dtBox,
    dtStart,
  };
}

/** Index of `v` in `ids`, -1 when absent; a table for small integer ids, else a Map. */
function indexLookup(ids: readonly number[]): (v: number) => number {
  const max = ids.reduce((a, b) => Math.max(a, b), -1);
  if (ids.every((v) => Number.isInteger(v) && v >= 0) && max < 1 << 22) {
    const table = new Int32Array(max + 1).fill(-1);
    ids.forEach((v, k) => {
      table[v] = k;
    });
    return (v) => (v >= 0 && v <= max && Number.isInteger(v) ? table[v] : -1);
  }
  const map = new Map(ids.map((v, k) => [v, k]));
  return (v) => map.get(v) ?? -1;
}

/** The indices of the ids that `index` knows. */
function indicesOf(ids: readonly number[], index: ReadonlyMap<number, number>): number[] {
  const out: number[] = [];
  for (const c of ids) {
    const k = index.get(c);
    if (k !== undefined) out.push(k);
  }
  return out;
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
