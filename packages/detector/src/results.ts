// One image's detections as LVIS result records: `[x, y, w, h]` boxes in original pixels,
// LVIS category ids, masks as compressed RLE.

import { encodeMask, rleToJson } from '@crat/mask';
import type { LVISResult } from 'lvis-ts-types';
import type { Detections } from './post-processing.js';

/**
 * LVIS result records of one image's detections: `bbox` as `[x, y, w, h]` in original-image
 * pixels, the class index mapped to its LVIS category id, masks as compressed RLE.
 * `categoryIds[c]` is the dataset id of class c (LVIS ids are 1-based and may have gaps).
 */
export function toLvisResults(dets: Detections, categoryIds: ArrayLike<number>): LVISResult[] {
  const [h, w] = dets.originalShape;
  const out: LVISResult[] = [];
  for (let j = 0; j < dets.scores.length; j++) {
    const label = dets.labels[j];
    if (label >= categoryIds.length) {
      throw new Error(
        `toLvisResults: image ${dets.imageId}: class ${label} has no category id (${categoryIds.length} given)`,
      );
    }
    const [x1, y1, x2, y2] = dets.boxes.subarray(j * 4, j * 4 + 4);
    const record: LVISResult = {
      image_id: dets.imageId,
      category_id: categoryIds[label],
      bbox: [x1, y1, x2 - x1, y2 - y1],
      score: dets.scores[j],
    };
    const mask = dets.masks?.[j];
    if (mask) record.segmentation = rleToJson(encodeMask(mask, h, w));
    out.push(record);
  }
  return out;
}
