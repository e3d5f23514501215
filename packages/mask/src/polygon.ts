// Polygons and boxes rasterized to RLEs bit-exactly as pycocotools' `rleFrPoly` does.

import { mergeRles } from './merge.js';
import type { Rle } from './rle.js';

/** pycocotools snaps polygon vertices to a grid this many times finer than a pixel. */
const UPSAMPLE = 5;

/**
 * Rasterize one polygon `[x1, y1, x2, y2, ...]` (continuous pixel coordinates) exactly as
 * pycocotools' `rleFrPoly`: vertices snapped to a 1/5-pixel grid with C truncation, the
 * boundary walked on that grid, its crossings of pixel-column centres turned into run
 * boundaries (even-odd fill). Bit-exact with pycocotools, which a point-in-polygon test
 * of pixel centres is not.
 */
export function polygonToRle(polygon: ArrayLike<number>, h: number, w: number): Rle {
  const k = Math.floor(polygon.length / 2);
  if (k === 0) return { h, w, counts: Uint32Array.of(h * w) };
  // Vertices on the 5x grid; (int)(v + .5) truncates toward zero.
  const x = new Int32Array(k + 1);
  const y = new Int32Array(k + 1);
  for (let j = 0; j < k; j++) {
    x[j] = Math.trunc(UPSAMPLE * polygon[2 * j] + 0.5);
    y[j] = Math.trunc(UPSAMPLE * polygon[2 * j + 1] + 0.5);
  }
  x[k] = x[0];
  y[k] = y[0];
  // Dense boundary points on the grid.
  let m = 0;
  for (let j = 0; j < k; j++) {
    m += Math.max(Math.abs(x[j] - x[j + 1]), Math.abs(y[j] - y[j + 1])) + 1;
  }
  const u = new Int32Array(m);
  const v = new Int32Array(m);
  m = 0;
  for (let j = 0; j < k; j++) {
    let xs = x[j];
    let xe = x[j + 1];
    let ys = y[j];
    let ye = y[j + 1];
    const dx = Math.abs(xe - xs);
    const dy = Math.abs(ys - ye);
    const flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
    if (flip) {
      let t = xs;
      xs = xe;
      xe = t;
      t = ys;
      ys = ye;
      ye = t;
    }
    if (dx >= dy) {
      const s = (ye - ys) / dx;
      for (let d = 0; d <= dx; d++) {
        const t = flip ? dx - d : d;
        u[m] = t + xs;
        // A zero-length edge gives NaN here (0/0), as in C; such a point never differs
        // in x from its neighbours, so it is never used below.
        v[m] = Math.trunc(ys + s * t + 0.5);
        m++;
      }
    } else {
      const s = (xe - xs) / dy;
      for (let d = 0; d <= dy; d++) {
        const t = flip ? dy - d : d;
        v[m] = t + ys;
        u[m] = Math.trunc(xs + s * t + 0.5);
        m++;
      }
    }
  }
  // Boundary crossings of pixel-column centres, downsampled to pixels.
  const bounds: number[] = [];
  for (let j = 1; j < m; j++) {
    if (u[j] === u[j - 1]) continue;
    let xd = u[j] < u[j - 1] ? u[j] : u[j] - 1;
    xd = (xd + 0.5) / UPSAMPLE - 0.5;
    if (Math.floor(xd) !== xd || xd < 0 || xd > w - 1) continue;
    let yd = Math.min(v[j], v[j - 1]);
    yd = (yd + 0.5) / UPSAMPLE - 0.5;
    if (yd < 0) yd = 0;
    else if (yd > h) yd = h;
    yd = Math.ceil(yd);
    bounds.push(xd * h + yd);
  }
  bounds.push(h * w);
  const a = Float64Array.from(bounds).sort();
  // Differences between sorted boundaries; an empty run merges its neighbours.
  let p = 0;
  for (let j = 0; j < a.length; j++) {
    const t = a[j];
    a[j] -= p;
    p = t;
  }
  const runs: number[] = [a[0]];
  let j = 1;
  while (j < a.length) {
    if (a[j] > 0) runs.push(a[j++]);
    else {
      j++;
      if (j < a.length) runs[runs.length - 1] += a[j++];
    }
  }
  return { h, w, counts: Uint32Array.from(runs) };
}

/** One RLE per polygon (pycocotools `frPyObjects(polygons, h, w)`). */
export function polygonsToRles(
  polygons: readonly ArrayLike<number>[],
  h: number,
  w: number,
): Rle[] {
  return polygons.map((p) => polygonToRle(p, h, w));
}

/** The union of an object's polygons: what COCO/LVIS `annToRLE` gives for polygons. */
export function polygonsToRle(polygons: readonly ArrayLike<number>[], h: number, w: number): Rle {
  if (polygons.length === 0) return { h, w, counts: Uint32Array.of(h * w) };
  return mergeRles(polygonsToRles(polygons, h, w));
}

/** A `[x, y, w, h]` box as an RLE, through the polygon rasterizer (pycocotools `frBbox`). */
export function bboxToRle(box: ArrayLike<number>, h: number, w: number): Rle {
  const xs = box[0];
  const ys = box[1];
  const xe = xs + box[2];
  const ye = ys + box[3];
  return polygonToRle([xs, ys, xs, ye, xe, ye, xe, ys], h, w);
}
