// Row-major 0/1 bitmaps (`mask[y * w + x]`): the resize, flip and pad steps applied to GT
// masks, matching what mmdetection does to BitmapMasks.

/**
 * Nearest-neighbour resize as OpenCV's INTER_NEAREST (which mmcv uses for masks): output
 * pixel (x, y) takes source pixel (floor(x * sw / dw), floor(y * sh / dh)).
 */
export function resizeNearest(
  src: Uint8Array,
  sw: number,
  sh: number,
  dw: number,
  dh: number,
  out: Uint8Array = new Uint8Array(dw * dh),
  outStride = dw,
): Uint8Array {
  const xs = new Int32Array(dw);
  const fx = sw / dw;
  const fy = sh / dh;
  for (let x = 0; x < dw; x++) xs[x] = Math.min(sw - 1, Math.floor(x * fx));
  for (let y = 0; y < dh; y++) {
    const sy = Math.min(sh - 1, Math.floor(y * fy));
    const row = sy * sw;
    const o = y * outStride;
    for (let x = 0; x < dw; x++) out[o + x] = src[row + xs[x]];
  }
  return out;
}

/** Mirror each row of a `w`-wide region (rows `outStride` apart) in place. */
export function flipRowsInPlace(mask: Uint8Array, w: number, h: number, stride = w): Uint8Array {
  for (let y = 0; y < h; y++) {
    let a = y * stride;
    let b = a + w - 1;
    while (a < b) {
      const t = mask[a];
      mask[a++] = mask[b];
      mask[b--] = t;
    }
  }
  return mask;
}

/**
 * {@link resizeNearest} then (optionally) {@link flipRowsInPlace}, in one pass, from a
 * column-major source (pycocotools' layout, `src[x * sh + y]`) into a zeroed output of row
 * stride `outStride`. Only destination pixels whose source lies in `srcBox` `[x, y, w, h]`
 * (a box around every set pixel) are visited: the rest is background. Same result as the
 * two-step path, at the cost of the object's area instead of the image's.
 */
export function paintResizedMask(
  src: Uint8Array,
  sw: number,
  sh: number,
  srcBox: readonly number[],
  dw: number,
  dh: number,
  flip: boolean,
  out: Uint8Array,
  outStride = dw,
): void {
  const [bx, by, bw, bh] = srcBox;
  if (bw <= 0 || bh <= 0) return;
  const fx = sw / dw;
  const fy = sh / dh;
  const x0 = Math.max(0, Math.floor(bx / fx) - 1);
  const x1 = Math.min(dw, Math.ceil((bx + bw) / fx) + 1);
  const y0 = Math.max(0, Math.floor(by / fy) - 1);
  const y1 = Math.min(dh, Math.ceil((by + bh) / fy) + 1);
  const cols = new Int32Array(x1 - x0);
  for (let x = x0; x < x1; x++) cols[x - x0] = Math.min(sw - 1, Math.floor(x * fx)) * sh;
  for (let y = y0; y < y1; y++) {
    const sy = Math.min(sh - 1, Math.floor(y * fy));
    const row = y * outStride;
    for (let x = x0; x < x1; x++) {
      if (src[cols[x - x0] + sy]) out[row + (flip ? dw - 1 - x : x)] = 1;
    }
  }
}
