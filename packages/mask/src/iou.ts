// IoU matrices of masks and of boxes, bit-identical with pycocotools' `iou` (crowd ground
// truths included), for evaluation.

import { rleArea, rleToBboxInto } from './measure.js';
import type { Rle } from './rle.js';

/** Box in COCO format `[x, y, w, h]`. */
export type XYWH = readonly [number, number, number, number] | readonly number[];

/**
 * Intersection and union pixel counts of two masks of the same size, walking both run
 * lists once.
 */
export function rleIntersectionUnion(a: Rle, b: Rle): { intersection: number; union: number } {
  const A = a.counts;
  const B = b.counts;
  let ca = A[0];
  let cb = B[0];
  let va = false;
  let vb = false;
  let ia = 1;
  let ib = 1;
  let inter = 0;
  let union = 0;
  let ct = 1;
  while (ct > 0) {
    const c = Math.min(ca, cb);
    if (va || vb) {
      union += c;
      if (va && vb) inter += c;
    }
    ct = 0;
    ca -= c;
    if (!ca && ia < A.length) {
      ca = A[ia++];
      va = !va;
    }
    ct += ca;
    cb -= c;
    if (!cb && ib < B.length) {
      cb = B[ib++];
      vb = !vb;
    }
    ct += cb;
  }
  return { intersection: inter, union };
}

/**
 * IoU of one detection mask with one ground-truth mask as pycocotools computes it: for a
 * crowd ground truth the denominator is the detection's area; 0 when nothing overlaps;
 * -1 when the sizes differ.
 */
export function rleIouPair(dt: Rle, gt: Rle, gtIsCrowd = false): number {
  if (dt.h !== gt.h || dt.w !== gt.w) return -1;
  const { intersection, union } = rleIntersectionUnion(dt, gt);
  if (intersection === 0) return 0;
  return intersection / (gtIsCrowd ? rleArea(dt) : union);
}

/**
 * IoU matrix `[dt.length][gt.length]` of masks (pycocotools `iou` on RLEs). Pairs whose
 * boxes do not overlap are 0 without walking the runs, as in pycocotools.
 */
export function rleIou(
  dt: readonly Rle[],
  gt: readonly Rle[],
  iscrowd?: ArrayLike<number | boolean>,
): number[][] {
  checkCrowd(gt.length, iscrowd);
  const db = new Float64Array(dt.length * 4);
  const gb = new Float64Array(gt.length * 4);
  for (let i = 0; i < dt.length; i++) rleToBboxInto(dt[i], db, i * 4);
  for (let i = 0; i < gt.length; i++) rleToBboxInto(gt[i], gb, i * 4);
  const boxes = bboxIouFlat(db, gb, dt.length, gt.length, iscrowd);
  const out: number[][] = [];
  for (let d = 0; d < dt.length; d++) {
    const row: number[] = new Array(gt.length);
    for (let g = 0; g < gt.length; g++) {
      row[g] = boxes[d * gt.length + g] > 0 ? rleIouPair(dt[d], gt[g], Boolean(iscrowd?.[g])) : 0;
    }
    out.push(row);
  }
  return out;
}

/**
 * IoU of two `[x, y, w, h]` boxes with pycocotools' floating-point operations (so the
 * result is bit-identical); for a crowd ground truth the denominator is the detection's
 * area.
 */
export function bboxIouPair(
  dx: number,
  dy: number,
  dw: number,
  dh: number,
  gx: number,
  gy: number,
  gw: number,
  gh: number,
  gtIsCrowd = false,
): number {
  const w = Math.min(dw + dx, gw + gx) - Math.max(dx, gx);
  if (w <= 0) return 0;
  const h = Math.min(dh + dy, gh + gy) - Math.max(dy, gy);
  if (h <= 0) return 0;
  const i = w * h;
  const da = dw * dh;
  const u = gtIsCrowd ? da : da + gw * gh - i;
  return i / u;
}

/** IoU matrix `[dt.length][gt.length]` of `[x, y, w, h]` boxes (pycocotools `iou` on boxes). */
export function bboxIou(
  dt: readonly XYWH[],
  gt: readonly XYWH[],
  iscrowd?: ArrayLike<number | boolean>,
): number[][] {
  checkCrowd(gt.length, iscrowd);
  const flat = bboxIouFlat(flattenBoxes(dt), flattenBoxes(gt), dt.length, gt.length, iscrowd);
  const out: number[][] = [];
  for (let d = 0; d < dt.length; d++) {
    out.push(Array.from(flat.subarray(d * gt.length, (d + 1) * gt.length)));
  }
  return out;
}

/** Box IoU on flat `[x, y, w, h, ...]` arrays; returns row-major `[m][n]`. */
export function bboxIouFlat(
  dt: ArrayLike<number>,
  gt: ArrayLike<number>,
  m: number,
  n: number,
  iscrowd?: ArrayLike<number | boolean>,
): Float64Array {
  const out = new Float64Array(m * n);
  for (let d = 0; d < m; d++) {
    const o = d * 4;
    for (let g = 0; g < n; g++) {
      const q = g * 4;
      out[d * n + g] = bboxIouPair(
        dt[o],
        dt[o + 1],
        dt[o + 2],
        dt[o + 3],
        gt[q],
        gt[q + 1],
        gt[q + 2],
        gt[q + 3],
        Boolean(iscrowd?.[g]),
      );
    }
  }
  return out;
}

function flattenBoxes(boxes: readonly XYWH[]): Float64Array {
  const flat = new Float64Array(boxes.length * 4);
  boxes.forEach((b, i) => {
    if (b.length !== 4) throw new Error(`box ${i} has ${b.length} values, expected [x, y, w, h]`);
    flat.set(b, i * 4);
  });
  return flat;
}

function checkCrowd(n: number, iscrowd?: ArrayLike<number | boolean>): void {
  if (iscrowd && iscrowd.length !== n) {
    throw new Error(`iscrowd has ${iscrowd.length} flags for ${n} ground truths`);
  }
}
