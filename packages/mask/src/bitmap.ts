// Bitmaps to RLEs and back, row-major or column-major.

import { assertRleCoversImage, type Rle } from './rle.js';

/**
 * Encode a row-major (`mask[y * w + x]`) binary mask. Any non-zero byte counts as set.
 * The runs are column-major, as pycocotools writes them.
 */
export function encodeMask(mask: ArrayLike<number>, h: number, w: number): Rle {
  checkMaskSize(mask.length, h, w);
  const runs: number[] = [];
  let prev = 0;
  let run = 0;
  for (let x = 0; x < w; x++) {
    for (let i = x; i < h * w; i += w) {
      const v = mask[i] ? 1 : 0;
      if (v !== prev) {
        runs.push(run);
        run = 0;
        prev = v;
      }
      run++;
    }
  }
  runs.push(run);
  return { h, w, counts: Uint32Array.from(runs) };
}

/** Encode a column-major (`mask[x * h + y]`, numpy Fortran order) binary mask. */
export function encodeColumnMajorMask(mask: ArrayLike<number>, h: number, w: number): Rle {
  checkMaskSize(mask.length, h, w);
  const runs: number[] = [];
  let prev = 0;
  let run = 0;
  const n = h * w;
  for (let i = 0; i < n; i++) {
    const v = mask[i] ? 1 : 0;
    if (v !== prev) {
      runs.push(run);
      run = 0;
      prev = v;
    }
    run++;
  }
  runs.push(run);
  return { h, w, counts: Uint32Array.from(runs) };
}

/** Decode into a new row-major `Uint8Array` of `h * w` values 0/1 (`mask[y * w + x]`). */
export function decodeRle(rle: Rle): Uint8Array {
  assertRleCoversImage(rle);
  const { h, w, counts } = rle;
  const out = new Uint8Array(h * w);
  let pos = 0;
  for (let j = 0; j < counts.length; j++) {
    const len = counts[j];
    if (j % 2 === 1) {
      // Walk the run one column segment at a time.
      let k = pos;
      const end = pos + len;
      while (k < end) {
        const x = Math.floor(k / h);
        const y = k - x * h;
        const n = Math.min(h - y, end - k);
        for (let t = 0, i = y * w + x; t < n; t++, i += w) out[i] = 1;
        k += n;
      }
    }
    pos += len;
  }
  return out;
}

/** Decode into a new column-major `Uint8Array` (`mask[x * h + y]`), pycocotools' own layout. */
export function decodeRleColumnMajor(rle: Rle): Uint8Array {
  assertRleCoversImage(rle);
  const out = new Uint8Array(rle.h * rle.w);
  let pos = 0;
  const counts = rle.counts;
  for (let j = 0; j < counts.length; j++) {
    if (j % 2 === 1) out.fill(1, pos, pos + counts[j]);
    pos += counts[j];
  }
  return out;
}

function checkMaskSize(length: number, h: number, w: number): void {
  if (!Number.isInteger(h) || !Number.isInteger(w) || h < 0 || w < 0) {
    throw new Error(`mask size must be non-negative integers, got h=${h}, w=${w}`);
  }
  if (length !== h * w) {
    throw new Error(`mask has ${length} values but h * w = ${h} * ${w} = ${h * w}`);
  }
}
