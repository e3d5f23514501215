// Inference post-processing: class-wise boxes to per-image detections (mmdetection's
// `multiclass_nms`) and mask probabilities pasted into the original image.

import {
  batchedNms,
  type DeltaXYWHBBoxCoder,
  pasteMasks,
  pasteMasksTorchvision,
} from '@crat/tensor';
import type { DetectorImageMeta } from './batch.js';
import { decodeDeltas, scaleBoxes } from './boxes.js';
import type { TestConfig } from './config.js';

/** Detections of one image in original-image pixels, by descending score. */
export interface Detections {
  imageId: number;
  /** `D x 4` boxes `x1, y1, x2, y2`. */
  boxes: Float32Array;
  scores: Float32Array;
  /** Class indices 0..C-1. */
  labels: Int32Array;
  /** Binary masks at the original image size (row-major), when requested. */
  masks?: Uint8Array[];
  originalShape: [number, number];
}

/**
 * mmdetection `multiclass_nms`: every (box, class) pair scoring above `scoreThr` is a
 * candidate with that class's box (unless smaller than `minBboxSize`, torchvision's
 * `remove_small_boxes`); NMS per class; the best `maxPerImg` kept.
 */
export function multiclassNms(
  boxes: Float32Array,
  scores: Float32Array,
  n: number,
  numClasses: number,
  cfg: { scoreThr: number; nmsIouThr: number; maxPerImg: number; minBboxSize?: number },
  meta: DetectorImageMeta,
): Detections {
  const minSize = cfg.minBboxSize ?? 0;
  const candBoxes: number[] = [];
  const candScores: number[] = [];
  const candLabels: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let cl = 0; cl < numClasses; cl++) {
      const sc = scores[i * (numClasses + 1) + cl];
      const o = i * numClasses * 4 + cl * 4;
      const big =
        minSize <= 0 ||
        (boxes[o + 2] - boxes[o] >= minSize && boxes[o + 3] - boxes[o + 1] >= minSize);
      if (sc > cfg.scoreThr && big) {
        candBoxes.push(boxes[o], boxes[o + 1], boxes[o + 2], boxes[o + 3]);
        candScores.push(sc);
        candLabels.push(cl);
      }
    }
  }
  const cb = Float32Array.from(candBoxes);
  const cs = Float32Array.from(candScores);
  const cl = Int32Array.from(candLabels);
  const keep =
    cs.length > 0 ? batchedNms(cb, cs, cl, cfg.nmsIouThr, cfg.maxPerImg) : new Int32Array(0);
  const outBoxes = new Float32Array(keep.length * 4);
  const outScores = new Float32Array(keep.length);
  const outLabels = new Int32Array(keep.length);
  keep.forEach((k, j) => {
    outBoxes.set(cb.subarray(k * 4, k * 4 + 4), j * 4);
    outScores[j] = cs[k];
    outLabels[j] = cl[k];
  });
  return {
    imageId: meta.imageId,
    boxes: outBoxes,
    scores: outScores,
    labels: outLabels,
    originalShape: meta.originalShape,
  };
}

/**
 * Per image: its proposals' class-wise deltas decoded (clipped to the resized image), scaled to
 * original pixels, then `multiclassNms`. Rows of `deltas` and `scores` follow the proposals, image by image.
 */
export async function boxDetections(
  coder: DeltaXYWHBBoxCoder,
  proposals: Float32Array[],
  deltas: Float32Array,
  scores: Float32Array,
  metas: DetectorImageMeta[],
  numClasses: number,
  cfg: TestConfig,
): Promise<Detections[]> {
  const c = numClasses;
  let offset = 0;
  const out: Detections[] = [];
  for (const [img, meta] of metas.entries()) {
    const ni = proposals[img].length / 4;
    const boxes = scaleBoxes(
      await decodeDeltas(
        coder,
        proposals[img],
        deltas.subarray(offset * 4 * c, (offset + ni) * 4 * c),
        meta.imageShape,
      ),
      meta.scaleFactor,
      true,
    );
    const dets = multiclassNms(
      boxes,
      scores.subarray(offset * (c + 1), (offset + ni) * (c + 1)),
      ni,
      c,
      cfg,
      meta,
    );
    offset += ni;
    out.push(dets);
  }
  return out;
}

/** Sets `masks` of every detection: its `m x m` probabilities (rows in detection order) pasted and binarised. */
export function pasteDetectionMasks(
  dets: Detections[],
  probs: Float32Array,
  m: number,
  threshold: number,
  paste: TestConfig['maskPaste'] = 'mmdetection',
): void {
  const pasteFn = paste === 'torchvision' ? pasteMasksTorchvision : pasteMasks;
  let offset = 0;
  for (const d of dets) {
    const nd = d.scores.length;
    const [h, w] = d.originalShape;
    d.masks = pasteFn(
      probs.subarray(offset * m * m, (offset + nd) * m * m),
      m,
      d.boxes,
      h,
      w,
      threshold,
    ).map((x) => Uint8Array.from(x));
    offset += nd;
  }
}
