// RPN training targets (mmdetection `AnchorHead.get_targets`): each image's valid anchors
// assigned and sampled, the positives given their GT's encoded deltas.

import type { Rng } from '@crat/core';
import { boxIou, type DeltaXYWHBBoxCoder } from '@crat/tensor';
import { encodeDeltas, takeBoxes } from '../boxes.js';
import type { AssignerConfig, SamplerConfig } from '../config.js';
import { maxIouAssign } from '../roi/assigner.js';
import { randomSample } from '../roi/sampler.js';

/** Dense RPN training targets over all anchors of the batch (`N * total` rows). */
export interface RpnTargets {
  /** 1 for sampled positives, 0 elsewhere. */
  labels: Float32Array;
  /** 1 for sampled anchors (positive or negative), 0 elsewhere. */
  labelWeights: Float32Array;
  /** Encoded deltas of positives (`4` per anchor), 0 elsewhere. */
  bboxTargets: Float32Array;
  /** 1 for the 4 deltas of each positive. */
  bboxWeights: Float32Array;
  /** Sampled anchors over the batch (mmdetection `num_total_samples`). */
  avgFactor: number;
  numPos: number;
}

/**
 * mmdetection `AnchorHead.get_targets` with sampling: per image, the valid anchors are
 * assigned (MaxIoU) and sampled (random), positives get their GT's encoded deltas.
 */
export async function rpnTargets(
  anchors: Float32Array,
  validFlags: Uint8Array[],
  gtBoxes: Float32Array[],
  assigner: AssignerConfig,
  sampler: SamplerConfig,
  coder: DeltaXYWHBBoxCoder,
  rng: Rng,
): Promise<RpnTargets> {
  const total = anchors.length / 4;
  const n = gtBoxes.length;
  const labels = new Float32Array(n * total);
  const labelWeights = new Float32Array(n * total);
  const bboxTargets = new Float32Array(n * total * 4);
  const bboxWeights = new Float32Array(n * total * 4);
  let avgFactor = 0;
  let numPos = 0;
  for (let i = 0; i < n; i++) {
    const valid: number[] = [];
    validFlags[i].forEach((f, a) => {
      if (f) valid.push(a);
    });
    const validAnchors = takeBoxes(anchors, valid);
    const g = gtBoxes[i].length / 4;
    const overlaps = g > 0 ? boxIou(gtBoxes[i], validAnchors) : new Float32Array(0);
    const assign = maxIouAssign(overlaps, g, valid.length, new Int32Array(g), assigner);
    const sample = randomSample(assign, sampler.num, sampler.posFraction, rng);
    const base = i * total;
    const posAnchorIdx = Array.from(sample.posInds, (k) => valid[k]);
    const deltas = await encodeDeltas(
      coder,
      takeBoxes(anchors, posAnchorIdx),
      takeBoxes(gtBoxes[i], sample.posGtInds),
    );
    posAnchorIdx.forEach((a, k) => {
      labels[base + a] = 1;
      labelWeights[base + a] = 1;
      bboxTargets.set(deltas.subarray(k * 4, k * 4 + 4), (base + a) * 4);
      bboxWeights.fill(1, (base + a) * 4, (base + a) * 4 + 4);
    });
    for (const k of sample.negInds) labelWeights[base + valid[k]] = 1;
    avgFactor += sample.posInds.length + sample.negInds.length;
    numPos += sample.posInds.length;
  }
  return { labels, labelWeights, bboxTargets, bboxWeights, avgFactor, numPos };
}
