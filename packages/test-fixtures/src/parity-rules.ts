// Test-only: the torchvision fixture README's comparison rules (per-tensor tolerance, one-to-one box and detection matching, mask IoU).

/** Largest |got - expected| against the README's `1e-4 · max|expected|` for one tensor. */
export function scaledMaxDiff(
  got: ArrayLike<number>,
  expected: ArrayLike<number>,
  relative = 1e-4,
): { maxDiff: number; tolerance: number; ok: boolean } {
  if (got.length !== expected.length) {
    throw new Error(`${got.length} values against ${expected.length} expected`);
  }
  let scale = 0;
  let maxDiff = 0;
  for (let i = 0; i < expected.length; i++) {
    scale = Math.max(scale, Math.abs(expected[i]));
    maxDiff = Math.max(maxDiff, Math.abs(got[i] - expected[i]));
  }
  const tolerance = relative * scale;
  return { maxDiff, tolerance, ok: maxDiff <= tolerance };
}

/** IoU of boxes `a[i]` and `b[j]` (flat `x1, y1, x2, y2`), areas without the +1 (torchvision's box_iou). */
export function boxIou(a: ArrayLike<number>, i: number, b: ArrayLike<number>, j: number): number {
  const ix = Math.max(0, Math.min(a[4 * i + 2], b[4 * j + 2]) - Math.max(a[4 * i], b[4 * j]));
  const iy = Math.max(
    0,
    Math.min(a[4 * i + 3], b[4 * j + 3]) - Math.max(a[4 * i + 1], b[4 * j + 1]),
  );
  const inter = ix * iy;
  const area = (v: ArrayLike<number>, k: number) =>
    (v[4 * k + 2] - v[4 * k]) * (v[4 * k + 3] - v[4 * k + 1]);
  const union = area(a, i) + area(b, j) - inter;
  return union > 0 ? inter / union : 0;
}

export interface Matching {
  /** `pairs[e]`: the got index matched to expected `e`, or -1. */
  pairs: Int32Array;
  matched: number;
  /** matched / number expected. */
  fraction: number;
}

/**
 * Greedy one-to-one matching: each expected box in order takes the unmatched got box of
 * highest IoU at or above `minIou` among those `compatible` allows (same label, close score).
 */
export function matchBoxes(
  got: ArrayLike<number>,
  expected: ArrayLike<number>,
  minIou: number,
  compatible: (g: number, e: number) => boolean = () => true,
): Matching {
  const nGot = got.length / 4;
  const nExp = expected.length / 4;
  const used = new Uint8Array(nGot);
  const pairs = new Int32Array(nExp).fill(-1);
  let matched = 0;
  for (let e = 0; e < nExp; e++) {
    let best = -1;
    let bestIou = minIou;
    for (let g = 0; g < nGot; g++) {
      if (used[g] || !compatible(g, e)) continue;
      const iou = boxIou(got, g, expected, e);
      if (iou >= bestIou) {
        best = g;
        bestIou = iou;
      }
    }
    if (best >= 0) {
      used[best] = 1;
      pairs[e] = best;
      matched++;
    }
  }
  return { pairs, matched, fraction: nExp === 0 ? 1 : matched / nExp };
}

export interface DetectionSet {
  /** `[D * 4]` x1, y1, x2, y2. */
  boxes: ArrayLike<number>;
  scores: ArrayLike<number>;
  /** In one indexing for both sets (torchvision's: background 0, classes from 1). */
  labels: ArrayLike<number>;
}

/** The README's detection rule: same label, IoU ≥ 0.99, |Δscore| ≤ 1e-4, one to one. */
export function matchDetections(
  got: DetectionSet,
  expected: DetectionSet,
  minIou = 0.99,
  maxScoreDiff = 1e-4,
): Matching {
  return matchBoxes(
    got.boxes,
    expected.boxes,
    minIou,
    (g, e) =>
      got.labels[g] === expected.labels[e] &&
      Math.abs(got.scores[g] - expected.scores[e]) <= maxScoreDiff,
  );
}

/** IoU of two binary masks of `size` pixels at `a[i * size ...]` and `b[j * size ...]` (1 when both are empty). */
export function maskIou(
  a: ArrayLike<number>,
  i: number,
  b: ArrayLike<number>,
  j: number,
  size: number,
): number {
  let inter = 0;
  let union = 0;
  for (let p = 0; p < size; p++) {
    const x = a[i * size + p] > 0;
    const y = b[j * size + p] > 0;
    if (x && y) inter++;
    if (x || y) union++;
  }
  return union === 0 ? 1 : inter / union;
}
