// Multi-level RoIAlign (mmdetection's `SingleRoIExtractor`): each RoI pooled from the FPN level
// its size maps to, in RoI order.

import * as tf from '@tensorflow/tfjs-core';
import { pooledRows, type RoiAlignPart } from './roi-align.js';
import { planRoiAlign } from './roi-align-plan.js';

/**
 * mmdetection's map_roi_levels: level = floor(log2(sqrt(w*h) / finestScale + 1e-6)),
 * clamped to [0, numLevels - 1]. rois: K*5 rows (batchIndex, x1, y1, x2, y2).
 */
export function mapRoiLevels(rois: Float32Array, numLevels: number, finestScale = 56): Int32Array {
  const k = Math.floor(rois.length / 5);
  const out = new Int32Array(k);
  for (let i = 0; i < k; i++) {
    const w = rois[i * 5 + 3] - rois[i * 5 + 1];
    const h = rois[i * 5 + 4] - rois[i * 5 + 2];
    const scale = Math.sqrt(w * h);
    const lvl = Math.floor(Math.log2(scale / finestScale + 1e-6));
    out[i] = Math.min(numLevels - 1, Math.max(0, Number.isFinite(lvl) ? lvl : 0));
  }
  return out;
}

export interface MultiLevelRoiAlignOptions {
  outputSize: [number, number];
  /** stride of each level in image pixels (spatialScale = 1 / stride) */
  strides: number[];
  samplingRatio: number;
  aligned: boolean;
  finestScale?: number;
}

/**
 * mmdetection's SingleRoIExtractor: each RoI is pooled from the level `mapRoiLevels`
 * assigns it, output in RoI order, [K, PH, PW, C]; differentiable w.r.t. every level.
 * `rois` are host rows (K x 5: batchIndex, x1, y1, x2, y2): the levels and sampling plan
 * are made on the host, and the callers have their RoIs there already.
 */
export function multiLevelRoiAlign(
  features: tf.Tensor4D[],
  rois: Float32Array,
  opts: MultiLevelRoiAlignOptions,
): tf.Tensor4D {
  if (features.length !== opts.strides.length) {
    throw new Error(
      `multiLevelRoiAlign: ${features.length} feature levels but ${opts.strides.length} strides`,
    );
  }
  if (rois.length % 5 !== 0) {
    throw new Error(
      `multiLevelRoiAlign: rois must be K x 5 rows (batchIndex, x1, y1, x2, y2), got ${rois.length} values`,
    );
  }
  const roiValues = rois;
  const k = rois.length / 5;
  const levels = mapRoiLevels(roiValues, features.length, opts.finestScale ?? 56);
  const [ph, pw] = opts.outputSize;
  const bins = ph * pw;
  // One plan per level over that level's RoIs; plan rows map back to the RoI's own bins.
  const parts: RoiAlignPart[] = features.map((f, l) => {
    const idx: number[] = [];
    for (let i = 0; i < k; i++) if (levels[i] === l) idx.push(i);
    const sub = new Float32Array(idx.length * 5);
    idx.forEach((i, j) => {
      sub.set(roiValues.subarray(i * 5, i * 5 + 5), j * 5);
    });
    const [n, h, w] = f.shape;
    const plan = planRoiAlign(sub, {
      batch: n,
      height: h,
      width: w,
      outputSize: opts.outputSize,
      spatialScale: 1 / opts.strides[l],
      samplingRatio: opts.samplingRatio,
      aligned: opts.aligned,
    });
    const outRow = new Int32Array(plan.rows);
    idx.forEach((roi, j) => {
      for (let b = 0; b < bins; b++) outRow[j * bins + b] = roi * bins + b;
    });
    return { plan, outRow };
  });
  const c = features[0].shape[3];
  return tf.tidy(() => tf.reshape(pooledRows(features, parts, k * bins), [k, ph, pw, c]));
}
