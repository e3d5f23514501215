// IoUs of one image's detections with its ground truths, for boxes and for masks.
import {
  bboxIouPair,
  type Rle,
  rleIntersectionUnion,
  rleToBboxInto,
  segmentationToRle,
} from '@crat/mask';
import type { IouType, Segmentation } from 'lvis-ts-types';
import type { EvalPlan } from './eval-plan.js';

/**
 * IoUs of one image's detections (plan indices, in score order) with its ground truths
 * (plan indices, file order), written row-major `[d][g]` into `out`.
 */
export type IouSource = (
  dts: Int32Array,
  nd: number,
  gts: number,
  ng: number,
  out: Float64Array,
) => void;

/** Box IoU with pycocotools' arithmetic (LVIS has no crowd boxes). */
export function bboxIouSource(plan: EvalPlan): IouSource {
  const db = plan.dtBox;
  const gb = plan.gtBox;
  return (dts, nd, g0, ng, out) => {
    for (let d = 0; d < nd; d++) {
      const o = dts[d] * 4;
      for (let g = 0; g < ng; g++) {
        const q = (g0 + g) * 4;
        out[d * ng + g] = bboxIouPair(
          db[o],
          db[o + 1],
          db[o + 2],
          db[o + 3],
          gb[q],
          gb[q + 1],
          gb[q + 2],
          gb[q + 3],
        );
      }
    }
  };
}

/**
 * Mask IoU. Masks are rasterized only when needed: where a detection's outline cannot
 * reach a ground truth's outline (polygons), or its rasterized box, their pixels cannot
 * meet and the IoU is 0 (as pycocotools gives, after a box test on the rasterized masks),
 * so neither is rasterized for that pair; a ground truth no detection reaches never is.
 */
export function segmIouSource(
  plan: EvalPlan,
  gtSegmentation: (g: number) => Segmentation,
  dtSegmentation: (d: number) => Segmentation,
): IouSource {
  const nG = plan.gtImg.length;
  const gtRle: (Rle | undefined)[] = new Array(nG);
  const gtBox = new Float64Array(nG * 4);
  /** The ground truth's outline extent; NaN when it is not polygons (or not read yet). */
  const gtOutline = new Float64Array(nG * 4).fill(Number.NaN);
  const gtRead = new Uint8Array(nG);
  const extent = new Float64Array(4);
  return (dts, nd, g0, ng, out) => {
    const img = plan.gtImg[g0];
    const height = plan.imgHeight[img];
    const width = plan.imgWidth[img];
    for (let g = g0; g < g0 + ng; g++) {
      if (gtRead[g]) continue;
      gtRead[g] = 1;
      const seg = gtSegmentation(g);
      if (Array.isArray(seg)) outlineExtent(seg, gtOutline.subarray(4 * g, 4 * g + 4));
    }
    for (let d = 0; d < nd; d++) {
      const seg = dtSegmentation(dts[d]);
      let rle: Rle | undefined;
      const polygonal = Array.isArray(seg);
      if (polygonal) outlineExtent(seg, extent);
      for (let g = 0; g < ng; g++) {
        const q = (g0 + g) * 4;
        // Pixels of a rasterized polygon lie within half a pixel of its outline's extent.
        if (polygonal && apart(extent, gtOutline, q, 1)) {
          out[d * ng + g] = 0;
          continue;
        }
        let gRle = gtRle[g0 + g];
        if (!gRle) {
          gRle = segmentationToRle(gtSegmentation(g0 + g), height, width);
          gtRle[g0 + g] = gRle;
          rleToBboxInto(gRle, gtBox, q);
        }
        if (gtBox[q + 2] === 0 || (polygonal && apart(extent, gtBox, q, 0))) {
          out[d * ng + g] = 0;
          continue;
        }
        rle ??= segmentationToRle(seg, height, width);
        if (rle.h !== gRle.h || rle.w !== gRle.w) {
          // An RLE result of another size: pycocotools reports -1, which matches nothing.
          out[d * ng + g] = -1;
          continue;
        }
        const { intersection, union } = rleIntersectionUnion(rle, gRle);
        out[d * ng + g] = intersection === 0 ? 0 : intersection / union;
      }
    }
  };
}

/**
 * Whether an outline extent `[x0, y0, x1, y1]`, widened by a pixel, misses the box
 * `boxes[q..q+4]`: `[x, y, w, h]` when `corners` is 0, `[x0, y0, x1, y1]` widened by
 * another pixel when it is 1. A NaN box (not known) misses nothing.
 */
function apart(e: Float64Array, boxes: Float64Array, q: number, corners: number): boolean {
  const bx0 = boxes[q];
  const by0 = boxes[q + 1];
  const bx1 = corners ? boxes[q + 2] : bx0 + boxes[q + 2];
  const by1 = corners ? boxes[q + 3] : by0 + boxes[q + 3];
  const m = 1 + corners;
  return e[2] + m < bx0 || e[0] - m > bx1 || e[3] + m < by0 || e[1] - m > by1;
}

/** `[minX, minY, maxX, maxY]` over every vertex (or box corner) of a polygon list. */
function outlineExtent(polys: readonly (readonly number[])[], out: Float64Array): void {
  let x0 = Number.POSITIVE_INFINITY;
  let y0 = Number.POSITIVE_INFINITY;
  let x1 = Number.NEGATIVE_INFINITY;
  let y1 = Number.NEGATIVE_INFINITY;
  // pycocotools reads a list whose first entry has 4 numbers as [x, y, w, h] boxes.
  const boxes = polys.length > 0 && polys[0].length === 4;
  for (const p of polys) {
    if (boxes) {
      x0 = Math.min(x0, p[0], p[0] + p[2]);
      x1 = Math.max(x1, p[0], p[0] + p[2]);
      y0 = Math.min(y0, p[1], p[1] + p[3]);
      y1 = Math.max(y1, p[1], p[1] + p[3]);
      continue;
    }
    for (let j = 0; j + 1 < p.length; j += 2) {
      const x = p[j];
      const y = p[j + 1];
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  out[0] = x0;
  out[1] = y0;
  out[2] = x1;
  out[3] = y1;
}

/**
 * The IoU source of an evaluation type; the segmentations of ground truth g and of
 * detection d (plan indices) are read only for `segm`.
 */
export function iouSourceFor(
  plan: EvalPlan,
  iouType: IouType,
  gtSegmentation: (g: number) => Segmentation,
  dtSegmentation: (d: number) => Segmentation,
): IouSource {
  return iouType === 'bbox'
    ? bboxIouSource(plan)
    : segmIouSource(plan, gtSegmentation, dtSegmentation);
}
