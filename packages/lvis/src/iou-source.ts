import {
  bboxIouPair,
  type Rle,
  rleIntersectionUnion,
  rleToBbox,
  segmentationToRle,
} from '@crat/mask';
import type { LVISImage, Segmentation } from 'lvis-ts-types';
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
  const db = boxesOf(plan.dts.map((d) => d.bbox));
  const gb = boxesOf(plan.gts.map((g) => g.bbox));
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
 * Mask IoU. Masks are rasterized only when needed: a detection whose outline cannot
 * reach any ground truth's box gets IoU 0 without being rasterized (pycocotools also
 * returns 0 there, after a box test on the rasterized masks).
 */
export function segmIouSource(plan: EvalPlan, imgs: ReadonlyMap<number, LVISImage>): IouSource {
  const gtRle: (Rle | undefined)[] = new Array(plan.gts.length);
  const gtBox = new Float64Array(plan.gts.length * 4).fill(Number.NaN);
  const imageOf = (imgIdx: number) => imgs.get(plan.imgIds[imgIdx])!;
  const extent = new Float64Array(4);
  return (dts, nd, g0, ng, out) => {
    const img = imageOf(plan.gtImg[g0]);
    for (let g = g0; g < g0 + ng; g++) {
      if (gtRle[g]) continue;
      const rle = segmentationToRle(plan.gts[g].segmentation, img.height, img.width);
      gtRle[g] = rle;
      gtBox.set(rleToBbox(rle), g * 4);
    }
    for (let d = 0; d < nd; d++) {
      const det = plan.dts[dts[d]];
      const seg = det.segmentation as Segmentation;
      let rle: Rle | undefined;
      const polygonal = Array.isArray(seg);
      if (polygonal) outlineExtent(seg, extent);
      for (let g = 0; g < ng; g++) {
        const q = (g0 + g) * 4;
        const gx = gtBox[q];
        const gy = gtBox[q + 1];
        const gw = gtBox[q + 2];
        const gh = gtBox[q + 3];
        // Pixels of a rasterized polygon have centres within 1/5 px of its outline's extent.
        if (
          gw === 0 ||
          (polygonal &&
            (extent[2] + 1 < gx ||
              extent[0] - 1 > gx + gw ||
              extent[3] + 1 < gy ||
              extent[1] - 1 > gy + gh))
        ) {
          out[d * ng + g] = 0;
          continue;
        }
        rle ??= segmentationToRle(seg, img.height, img.width);
        const gRle = gtRle[g0 + g]!;
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

function boxesOf(boxes: readonly (readonly number[])[]): Float64Array {
  const out = new Float64Array(boxes.length * 4);
  for (let i = 0; i < boxes.length; i++) out.set(boxes[i], i * 4);
  return out;
}
