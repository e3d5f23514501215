// The RLE type in pycocotools' layout, and the check that its runs cover the image.

/**
 * A run-length encoded binary mask in pycocotools' layout: runs walk DOWN each column
 * (column-major, y fastest), alternate background/foreground and always start with a
 * background run (0 when pixel (0, 0) is set). The runs sum to `h * w`.
 */
export interface Rle {
  /** Image height (rows). */
  readonly h: number;
  /** Image width (columns). */
  readonly w: number;
  /** Run lengths, background first. */
  readonly counts: Uint32Array;
}

/** Build an {@link Rle}; `counts` is taken as it is (not copied). */
export function makeRle(h: number, w: number, counts: Uint32Array | readonly number[]): Rle {
  return { h, w, counts: counts instanceof Uint32Array ? counts : Uint32Array.from(counts) };
}

/** Sum of the runs; a well-formed RLE has `h * w`. */
export function rleLength(rle: Rle): number {
  let total = 0;
  const c = rle.counts;
  for (let i = 0; i < c.length; i++) total += c[i];
  return total;
}

/** Throw a clear error when the runs do not cover the image exactly. */
export function assertRleCoversImage(rle: Rle, what = 'RLE'): void {
  const total = rleLength(rle);
  if (total !== rle.h * rle.w) {
    throw new Error(
      `${what}: counts sum to ${total} but size [${rle.h}, ${rle.w}] needs ${rle.h * rle.w}`,
    );
  }
}
