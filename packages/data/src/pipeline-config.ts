// The data pipeline's settings (mmdetection's Resize, RandomFlip, Normalize, Pad), their
// defaults, and their validation.

import type { ScalePair } from './rescale.js';

/** The train-time transform settings (mmdetection's Resize, RandomFlip, Normalize, Pad). */
export interface PipelineConfig {
  /** Target scales; one is chosen per sample (default `[[1333, 800]]`). */
  scales: ScalePair[];
  /** `value`: pick one of `scales`; `range`: draw long/short edges between them. */
  scaleMode: 'value' | 'range';
  keepRatio: boolean;
  /** Probability of a horizontal flip (0 at test time). */
  flipRatio: number;
  /** Per-channel RGB mean and std (ImageNet caffe/pytorch style, 0-255 scale). */
  mean: [number, number, number];
  std: [number, number, number];
  /** Pad bottom/right with zeros (after normalization) to a multiple of this. */
  padDivisor: number;
  /** Build GT bitmap masks (off for box-only training). */
  withMasks: boolean;
  /** sharp's resampling kernel; `linear` is closest to mmcv's default bilinear. */
  interpolation: 'nearest' | 'linear' | 'cubic' | 'lanczos3';
}

export const DEFAULT_PIPELINE: PipelineConfig = {
  scales: [[1333, 800]],
  scaleMode: 'value',
  keepRatio: true,
  flipRatio: 0.5,
  mean: [123.675, 116.28, 103.53],
  std: [58.395, 57.12, 57.375],
  padDivisor: 32,
  withMasks: true,
  interpolation: 'linear',
};

export function resolvePipelineConfig(partial: Partial<PipelineConfig> = {}): PipelineConfig {
  const cfg: PipelineConfig = { ...DEFAULT_PIPELINE, ...partial };
  const bad = (field: string, why: string): never => {
    throw new RangeError(`data pipeline: '${field}' ${why}`);
  };
  if (!Array.isArray(cfg.scales) || cfg.scales.length === 0)
    bad('scales', 'must be a non-empty list of [a, b]');
  cfg.scales.forEach((s, i) => {
    if (!Array.isArray(s) || s.length !== 2 || !s.every((v) => Number.isInteger(v) && v > 0)) {
      bad(`scales[${i}]`, `must be two positive integers, got ${JSON.stringify(s)}`);
    }
  });
  if (cfg.scaleMode !== 'value' && cfg.scaleMode !== 'range') {
    bad('scaleMode', `must be 'value' or 'range', got ${JSON.stringify(cfg.scaleMode)}`);
  }
  if (!(cfg.flipRatio >= 0 && cfg.flipRatio <= 1)) bad('flipRatio', 'must be in [0, 1]');
  if (!Number.isInteger(cfg.padDivisor) || cfg.padDivisor < 1)
    bad('padDivisor', 'must be a positive integer');
  if (cfg.mean.length !== 3 || cfg.std.length !== 3 || cfg.std.some((s) => !(s > 0))) {
    bad('mean/std', 'must be 3 numbers each, std > 0');
  }
  return cfg;
}
