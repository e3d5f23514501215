// The official LVISResults preparation on detection columns: the per-image cut to the
// top-scored detections, the id checks against the ground truth, and filling in areas
// (and boxes from masks).
import { rleArea, rleToBboxInto, segmentationToRle } from '@crat/mask';
import type { IouType } from 'lvis-ts-types';
import type { DetectionColumns } from './detection-columns.js';
import type { LVIS } from './lvis.js';
import {
  LVISFormatError,
  missingFieldMessage,
  missingSegmentationMessage,
  negativeBoxMessage,
} from './validate.js';

/**
 * Which detections stay, in the order LVISResults keeps them: images in order of first
 * appearance; an image with more than `maxDets` detections sorted by score (descending,
 * ties in input order, as Python's stable `sorted(reverse=True)`) and cut. A negative
 * `maxDets` keeps everything in input order.
 */
export function keptOrder(
  imageId: ArrayLike<number>,
  score: ArrayLike<number>,
  maxDets: number,
): Int32Array {
  const n = imageId.length;
  if (maxDets < 0) return Int32Array.from({ length: n }, (_, i) => i);
  const slotOf = new Map<number, number>();
  const slot = new Int32Array(n);
  // Detector output lists an image's detections together: look up only on a change.
  let lastId = Number.NaN;
  let s = -1;
  for (let i = 0; i < n; i++) {
    if (imageId[i] !== lastId) {
      lastId = imageId[i];
      const known = slotOf.get(lastId);
      s = known ?? slotOf.size;
      if (known === undefined) slotOf.set(lastId, s);
    }
    slot[i] = s;
  }
  const starts = new Int32Array(slotOf.size + 1);
  for (let i = 0; i < n; i++) starts[slot[i] + 1]++;
  for (let s = 0; s < slotOf.size; s++) starts[s + 1] += starts[s];
  const grouped = new Int32Array(n);
  const fill = starts.slice(0, slotOf.size);
  for (let i = 0; i < n; i++) grouped[fill[slot[i]]++] = i;
  const out = new Int32Array(n);
  let m = 0;
  for (let s = 0; s < slotOf.size; s++) {
    let run = grouped.subarray(starts[s], starts[s + 1]);
    if (run.length > maxDets) {
      run = run.sort((a, b) => score[b] - score[a] || a - b).subarray(0, maxDets);
    }
    out.set(run, m);
    m += run.length;
  }
  return out.slice(0, m);
}

/**
 * Every record (kept or not, so a bad id is never hidden) must name an image and a
 * category of the ground truth.
 */
export function checkIds(cols: DetectionColumns, gt: LVIS, source: string): void {
  let checkedImage = Number.NaN;
  for (let i = 0; i < cols.count; i++) {
    if (cols.imageId[i] !== checkedImage && !gt.imgs.has(cols.imageId[i])) {
      throw new LVISFormatError(
        `${source}: results[${i}]: field 'image_id' names image ${cols.imageId[i]}, which is not in the ground truth ${gt.source}`,
      );
    }
    checkedImage = cols.imageId[i];
    if (!gt.cats.has(cols.categoryId[i])) {
      throw new LVISFormatError(
        `${source}: results[${i}]: field 'category_id' names category ${cols.categoryId[i]}, which is not in the ground truth ${gt.source}`,
      );
    }
  }
}

/** For an evaluation type: every record needs a box or a segmentation. */
export function checkColumns(
  cols: DetectionColumns,
  source: string,
  iouType: IouType | undefined,
): void {
  for (let i = 0; i < cols.count; i++) {
    const noBox = Number.isNaN(cols.bbox[4 * i]);
    const w = cols.bbox[4 * i + 2];
    const h = cols.bbox[4 * i + 3];
    if (!noBox && (w < 0 || h < 0)) {
      throw new LVISFormatError(
        negativeBoxMessage(source, i, Array.from(cols.bbox.subarray(4 * i, 4 * i + 4))),
      );
    }
    if (!iouType) continue;
    // Asked without parsing: a file's 600k segmentations would take ~0.3 s to parse.
    const noSegm = !cols.segmentations.has(i);
    if (iouType === 'segm' && noSegm)
      throw new LVISFormatError(missingSegmentationMessage(source, i));
    if (noBox && noSegm) throw new LVISFormatError(missingFieldMessage(source, i, iouType));
  }
}

/**
 * Areas as the official LVISResults fills them, for the kept detections: when the first
 * has a box, `w * h` for every one (each must have a box); otherwise the mask's pixel
 * count, with the box taken from the mask where a record has none (written into
 * `cols.bbox`).
 */
export function fillAreas(cols: DetectionColumns, gt: LVIS, source: string): Float64Array {
  const n = cols.count;
  const area = new Float64Array(n);
  if (n === 0) return area;
  const { bbox } = cols;
  const what = (i: number) =>
    `${source}: a kept detection (image ${cols.imageId[i]}, category ${cols.categoryId[i]}, score ${cols.score[i]})`;
  if (!Number.isNaN(bbox[0])) {
    for (let i = 0; i < n; i++) {
      if (Number.isNaN(bbox[4 * i])) {
        throw new LVISFormatError(`${what(i)} has no 'bbox' although the first one has`);
      }
      area[i] = bbox[4 * i + 2] * bbox[4 * i + 3];
    }
    return area;
  }
  for (let i = 0; i < n; i++) {
    const seg = cols.segmentations.get(i);
    if (seg === undefined) {
      throw new LVISFormatError(`${what(i)} has neither 'bbox' nor 'segmentation'`);
    }
    const img = gt.imgs.get(cols.imageId[i])!;
    const rle = segmentationToRle(seg, img.height, img.width);
    area[i] = rleArea(rle);
    if (Number.isNaN(bbox[4 * i])) rleToBboxInto(rle, bbox, 4 * i);
  }
  return area;
}
