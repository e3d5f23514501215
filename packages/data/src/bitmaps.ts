/**
 * Row-major 0/1 bitmaps (`mask[y * w + x]`): the resize, flip and pad steps applied to GT
 * masks, matching what mmdetection does to BitmapMasks.
 */

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
