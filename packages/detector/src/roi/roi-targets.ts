// RoI-head training targets: proposals assigned and sampled per image, and the positives' mask targets.

import type { Rng } from '@crat/core';
import { boxIou, maskTargets } from '@crat/tensor';
import { type DetectorBatch, maskShape } from '../batch.js';
import type { AssignerConfig, SamplerConfig } from '../config.js';
import { addGtToAssignment, maxIouAssign } from './assigner.js';
import { randomSample } from './sampler.js';

/**
 * The sampled RoIs of a batch, positives of every image first (image order), then the
 * negatives: the class-wise branches then take the first `numPos` rows with a slice.
 */
export interface RoiSamples {
  /** `K x 5` rows `batchIndex, x1, y1, x2, y2`. */
  rois: Float32Array;
  /** `K` labels, `numClasses` (background) for negatives. */
  labels: Int32Array;
  numPos: number;
  /** Per positive: its image, its GT's index in that image, the GT box. */
  posImage: Int32Array;
  posGtIndex: Int32Array;
  posGtBoxes: Float32Array;
}

/**
 * mmdetection `StandardRoIHead` sampling: per image, proposals assigned to the GT (MaxIoU),
 * GT boxes prepended as proposals (`add_gt_as_proposals`), random positive/negative sampling.
 */
export function sampleRois(
  proposals: Float32Array[],
  gtBoxes: Float32Array[],
  gtLabels: Int32Array[],
  numClasses: number,
  assigner: AssignerConfig,
  sampler: SamplerConfig,
  rng: Rng,
): RoiSamples {
  const pos: { img: number; box: ArrayLike<number>; gt: number; label: number }[] = [];
  const neg: { img: number; box: ArrayLike<number> }[] = [];
  proposals.forEach((props, img) => {
    const gts = gtBoxes[img];
    const labels = gtLabels[img];
    const g = labels.length;
    const p = props.length / 4;
    const overlaps = g > 0 && p > 0 ? boxIou(gts, props) : new Float32Array(g * p);
    let assign = maxIouAssign(overlaps, g, p, labels, assigner);
    let priors = props;
    if (sampler.addGtAsProposals && g > 0) {
      priors = new Float32Array((g + p) * 4);
      priors.set(gts, 0);
      priors.set(props, g * 4);
      assign = addGtToAssignment(assign, labels);
    }
    const s = randomSample(assign, sampler.num, sampler.posFraction, rng);
    s.posInds.forEach((k, j) => {
      const gt = s.posGtInds[j];
      pos.push({ img, box: priors.subarray(k * 4, k * 4 + 4), gt, label: labels[gt] });
    });
    for (const k of s.negInds) neg.push({ img, box: priors.subarray(k * 4, k * 4 + 4) });
  });
  const k = pos.length + neg.length;
  const rois = new Float32Array(k * 5);
  const outLabels = new Int32Array(k).fill(numClasses);
  const posImage = new Int32Array(pos.length);
  const posGtIndex = new Int32Array(pos.length);
  const posGtBoxes = new Float32Array(pos.length * 4);
  [...pos, ...neg].forEach((r, i) => {
    rois[i * 5] = r.img;
    for (let j = 0; j < 4; j++) rois[i * 5 + 1 + j] = r.box[j];
  });
  pos.forEach((r, i) => {
    outLabels[i] = r.label;
    posImage[i] = r.img;
    posGtIndex[i] = r.gt;
    posGtBoxes.set(gtBoxes[r.img].subarray(r.gt * 4, r.gt * 4 + 4), i * 4);
  });
  return { rois, labels: outLabels, numPos: pos.length, posImage, posGtIndex, posGtBoxes };
}

/** Columns 1..4 of `K x 5` RoI rows, for rows `[from, to)`. */
export function roiBoxes(rois: Float32Array, from: number, to: number): Float32Array {
  const out = new Float32Array((to - from) * 4);
  for (let i = from; i < to; i++) out.set(rois.subarray(i * 5 + 1, i * 5 + 5), (i - from) * 4);
  return out;
}

/**
 * `S x S` mask targets of the positives (mmdetection `mask_target`): each positive's GT bitmap
 * cropped to its box and resized, computed one image's run of positives at a time.
 */
export function roiMaskTargets(
  batch: DetectorBatch,
  posImage: Int32Array,
  posGtIndex: Int32Array,
  posBoxes: Float32Array,
  size: number,
): Float32Array {
  const out = new Float32Array(posImage.length * size * size);
  let start = 0;
  while (start < posImage.length) {
    const img = posImage[start];
    let end = start;
    while (end < posImage.length && posImage[end] === img) end++;
    const masks = Array.from(posGtIndex.subarray(start, end), (g) => batch.gtMasks[img][g]);
    const [h, w] = maskShape(batch.metas[img], masks[0].length);
    out.set(
      maskTargets(posBoxes.subarray(start * 4, end * 4), masks, h, w, size),
      start * size * size,
    );
    start = end;
  }
  return out;
}
