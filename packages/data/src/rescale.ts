// mmdetection's resize geometry (mmcv `rescale_size` / `imrescale` / `imresize`) and its
// multi-scale choice, as pure functions, so box scaling and the resized image always agree.

/** A target scale `[a, b]`: with keep_ratio, the long side fits max(a, b) and the short side min(a, b). */
export type ScalePair = readonly [number, number];

export interface ResizeGeometry {
  /** Resized width and height in pixels. */
  width: number;
  height: number;
  /** Per-axis factors new/old, as mmdetection stores `scale_factor` (w_scale, h_scale). */
  wScale: number;
  hScale: number;
}

/** mmcv `_scale_size`: `int(w * s + 0.5)` (s > 0, so truncation is floor). */
function scaleSize(w: number, h: number, s: number): [number, number] {
  return [Math.floor(w * s + 0.5), Math.floor(h * s + 0.5)];
}

/** mmcv `rescale_size` factor: min(long / max(h, w), short / min(h, w)). */
export function keepRatioFactor(width: number, height: number, scale: ScalePair | number): number {
  if (typeof scale === 'number') {
    if (!(scale > 0)) throw new RangeError(`resize: scale factor must be > 0, got ${scale}`);
    return scale;
  }
  const long = Math.max(scale[0], scale[1]);
  const short = Math.min(scale[0], scale[1]);
  return Math.min(long / Math.max(height, width), short / Math.min(height, width));
}

/**
 * The size an image of `width` x `height` is resized to. `keepRatio` follows mmcv
 * `imrescale` (one factor, sizes rounded); otherwise the image is stretched to exactly
 * `scale` = `[width, height]`, as mmcv `imresize`. The factors are new size / old size per
 * axis, which is what mmdetection multiplies boxes by.
 */
export function resizeGeometry(
  width: number,
  height: number,
  scale: ScalePair | number,
  keepRatio: boolean,
): ResizeGeometry {
  let w: number;
  let h: number;
  if (keepRatio || typeof scale === 'number') {
    [w, h] = scaleSize(width, height, keepRatioFactor(width, height, scale));
  } else {
    [w, h] = [scale[0], scale[1]];
  }
  w = Math.max(1, w);
  h = Math.max(1, h);
  return { width: w, height: h, wScale: w / width, hScale: h / height };
}

/** Round up to a multiple of `divisor` (mmdetection `Pad(size_divisor)`). */
export function padTo(size: number, divisor: number): number {
  return Math.ceil(size / divisor) * divisor;
}

/**
 * mmdetection's multi-scale choice. `value`: one of the scales, uniformly. `range`: long and
 * short edges drawn uniformly (integers, inclusive) between the smallest and largest
 * long/short edges of the given scales.
 */
export function chooseScale(
  scales: readonly ScalePair[],
  mode: 'value' | 'range',
  random: () => number,
): ScalePair {
  if (scales.length === 0) throw new RangeError('resize: scales must not be empty');
  if (scales.length === 1) return scales[0];
  if (mode === 'value') return scales[Math.floor(random() * scales.length)];
  const longs = scales.map((s) => Math.max(s[0], s[1]));
  const shorts = scales.map((s) => Math.min(s[0], s[1]));
  const pick = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  return [
    pick(Math.min(...longs), Math.max(...longs)),
    pick(Math.min(...shorts), Math.max(...shorts)),
  ];
}
