// RPN proposals for one image (mmdetection 2.x `RPNHead._get_bboxes_single`): the best anchors
// per level, decoded, filtered by size and NMS.

import { batchedNms, type DeltaXYWHBBoxCoder } from '@crat/tensor';
import { decodeDeltas } from '../boxes.js';
import type { ProposalConfig } from '../config.js';
import type { AnchorSet } from './anchors.js';

export interface Proposals {
  /** `P x 4` boxes `x1, y1, x2, y2` in resized-image pixels, by descending score. */
  boxes: Float32Array;
  scores: Float32Array;
}

/** Indices of the `k` largest values of `values[start..start+n)`, descending (stable for ties). */
function topK(values: Float32Array, start: number, n: number, k: number): Int32Array {
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  if (k >= n) return idx.sort((a, b) => values[start + b] - values[start + a] || a - b);
  return idx.sort((a, b) => values[start + b] - values[start + a] || a - b).subarray(0, k);
}

/**
 * mmdetection 2.x `RPNHead._get_bboxes_single` for one image: per level the `nmsPre` best
 * anchors by objectness, decoded and clipped to the image, boxes not larger than
 * `minBboxSize` dropped, NMS per level (`batched_nms` with the level as class), the best
 * `maxPerImg` kept.
 *
 * `logits` holds this image's objectness logits for all anchors (concatenated levels),
 * `deltas` the matching `4 x total` deltas.
 */
export async function rpnProposals(
  anchors: AnchorSet,
  logits: Float32Array,
  deltas: Float32Array,
  imageShape: [number, number],
  cfg: ProposalConfig,
  coder: DeltaXYWHBBoxCoder,
): Promise<Proposals> {
  const chosen: number[] = [];
  const levels: number[] = [];
  const scores: number[] = [];
  anchors.perLevel.forEach((lvl, l) => {
    const n = lvl.length / 4;
    const start = anchors.levelStart[l];
    const keep = topK(logits, start, n, cfg.nmsPre);
    for (const k of keep) {
      chosen.push(start + k);
      levels.push(l);
      scores.push(1 / (1 + Math.exp(-logits[start + k])));
    }
  });
  const priorArr = new Float32Array(chosen.length * 4);
  const deltaArr = new Float32Array(chosen.length * 4);
  chosen.forEach((a, i) => {
    const local = a - anchors.levelStart[levels[i]];
    priorArr.set(anchors.perLevel[levels[i]].subarray(local * 4, local * 4 + 4), i * 4);
    deltaArr.set(deltas.subarray(a * 4, a * 4 + 4), i * 4);
  });
  const boxes = await decodeDeltas(coder, priorArr, deltaArr, imageShape);
  const keepIdx: number[] = [];
  for (let i = 0; i < chosen.length; i++) {
    const w = boxes[i * 4 + 2] - boxes[i * 4];
    const h = boxes[i * 4 + 3] - boxes[i * 4 + 1];
    if (w > cfg.minBboxSize && h > cfg.minBboxSize) keepIdx.push(i);
  }
  const kb = new Float32Array(keepIdx.length * 4);
  const ks = new Float32Array(keepIdx.length);
  const kl = new Int32Array(keepIdx.length);
  keepIdx.forEach((i, k) => {
    kb.set(boxes.subarray(i * 4, i * 4 + 4), k * 4);
    ks[k] = scores[i];
    kl[k] = levels[i];
  });
  const kept = batchedNms(kb, ks, kl, cfg.nmsIouThr, cfg.maxPerImg);
  const outBoxes = new Float32Array(kept.length * 4);
  const outScores = new Float32Array(kept.length);
  kept.forEach((i, k) => {
    outBoxes.set(kb.subarray(i * 4, i * 4 + 4), k * 4);
    outScores[k] = ks[i];
  });
  return { boxes: outBoxes, scores: outScores };
}
