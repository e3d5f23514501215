// What an RLE measures, as pycocotools does: its area and its tight box.

import type { Rle } from './rle.js';

/** Number of set pixels (pycocotools `area`). */
export function rleArea(rle: Rle): number {
  let a = 0;
  const c = rle.counts;
  for (let j = 1; j < c.length; j += 2) a += c[j];
  return a;
}

/**
 * Tight box `[x, y, w, h]` around the set pixels (pycocotools `toBbox`), `[0, 0, 0, 0]`
 * for an empty mask. A foreground run that spans more than one column makes the box
 * cover the full height, as pycocotools does.
 */
export function rleToBbox(rle: Rle): [number, number, number, number] {
  const out = new Float64Array(4);
  rleToBboxInto(rle, out, 0);
  return [out[0], out[1], out[2], out[3]];
}

/** {@link rleToBbox} writing `[x, y, w, h]` into `out` at `offset` (no allocation). */
export function rleToBboxInto(rle: Rle, out: Float64Array, offset: number): void {
  const { h, w, counts } = rle;
  const m = counts.length - (counts.length % 2);
  if (m === 0) {
    out[offset] = out[offset + 1] = out[offset + 2] = out[offset + 3] = 0;
    return;
  }
  let xs = w;
  let ys = h;
  let xe = 0;
  let ye = 0;
  let cc = 0;
  let xp = 0;
  for (let j = 0; j < m; j++) {
    cc += counts[j];
    const t = cc - (j % 2);
    const y = t % h;
    const x = (t - y) / h;
    if (j % 2 === 0) xp = x;
    else if (xp < x) {
      ys = 0;
      ye = h - 1;
    }
    if (x < xs) xs = x;
    if (x > xe) xe = x;
    if (y < ys) ys = y;
    if (y > ye) ye = y;
  }
  out[offset] = xs;
  out[offset + 1] = ys;
  out[offset + 2] = xe - xs + 1;
  out[offset + 3] = ye - ys + 1;
}
