// COCO/LVIS segmentations to RLEs and back: the JSON forms of an RLE, any annotation's
// segmentation as one mask (`annToRLE`), and pycocotools' `frPyObjects`.

import type { CompressedRLE, Segmentation, UncompressedRLE } from 'lvis-ts-types';
import { compressCounts, decompressCounts } from './counts-codec.js';
import { mergeRles } from './merge.js';
import { bboxToRle, polygonsToRle, polygonToRle } from './polygon.js';
import type { Rle } from './rle.js';

/** An RLE as stored in COCO/LVIS JSON (`{ size: [h, w], counts: "..." }`). */
export function rleToJson(rle: Rle): CompressedRLE {
  return { size: [rle.h, rle.w], counts: compressCounts(rle.counts) };
}

/** Read a compressed or uncompressed JSON RLE; its own `size` is used. */
export function rleFromJson(json: CompressedRLE | UncompressedRLE): Rle {
  const size = json.size;
  if (!Array.isArray(size) || size.length !== 2) {
    throw new Error(`RLE 'size' must be [height, width], got ${JSON.stringify(size)}`);
  }
  const [h, w] = size;
  if (typeof json.counts === 'string') return { h, w, counts: decompressCounts(json.counts) };
  if (Array.isArray(json.counts)) return { h, w, counts: Uint32Array.from(json.counts) };
  throw new Error(`RLE 'counts' must be a string or an array of numbers`);
}

/**
 * Any COCO/LVIS segmentation as one RLE, as the official `annToRLE` does: polygons
 * (several parts merged by union), uncompressed RLE, or compressed RLE. As in pycocotools'
 * `frPyObjects`, a polygon list whose first entry has exactly 4 numbers is read as
 * `[x, y, w, h]` boxes.
 */
export function segmentationToRle(seg: Segmentation, h: number, w: number): Rle {
  if (Array.isArray(seg)) {
    if (seg.length > 0 && seg[0].length === 4) {
      return mergeRles(
        seg.map((b, i) => {
          if (b.length !== 4) {
            throw new Error(
              `segmentation: entry 0 has 4 numbers (a box, as pycocotools reads it) but entry ${i} has ${b.length}`,
            );
          }
          return bboxToRle(b, h, w);
        }),
      );
    }
    return polygonsToRle(seg, h, w);
  }
  if (seg && typeof seg === 'object' && 'counts' in seg) return rleFromJson(seg);
  throw new Error('segmentation must be a list of polygons or an RLE {size, counts}');
}

/**
 * pycocotools `frPyObjects` for JSON-shaped input: a list of polygons gives one RLE per
 * polygon, a list of `[x, y, w, h]` boxes one per box, an uncompressed RLE (or a list of
 * them) the compressed form.
 */
export function frPyObjects(
  obj: readonly (readonly number[])[] | UncompressedRLE | readonly UncompressedRLE[],
  h: number,
  w: number,
): CompressedRLE | CompressedRLE[] {
  if (!Array.isArray(obj)) return rleToJson(rleFromJson(obj as UncompressedRLE));
  const list = obj as readonly unknown[];
  if (list.length === 0) return [];
  const first = list[0];
  if (Array.isArray(first)) {
    const shapes = list as readonly (readonly number[])[];
    if (first.length === 4) return shapes.map((b) => rleToJson(bboxToRle(b, h, w)));
    return shapes.map((p) => rleToJson(polygonToRle(p, h, w)));
  }
  return (list as readonly UncompressedRLE[]).map((r) => rleToJson(rleFromJson(r)));
}
