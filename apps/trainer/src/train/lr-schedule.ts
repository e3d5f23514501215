// The learning rate at every optimizer step, as mmcv's LrUpdater hooks compute it (step,
// cosine or constant, with linear warm-up).

import type { LrPolicyConfig, WarmupConfig } from '../config/schema.js';

/** The learning rate of every optimizer step, as mmcv's LrUpdater hooks compute it. */
export interface LrSchedule {
  /** Optimizer steps in the whole run. */
  readonly totalIters: number;
  readonly itersPerEpoch: number;
  /** Learning rate for the 0-based optimizer step `iter`. */
  lrAt(iter: number): number;
}

export interface LrScheduleOptions {
  baseLr: number;
  /** Whether the schedule's length and milestones count epochs or iterations. */
  by: 'epoch' | 'iter';
  length: number;
  itersPerEpoch: number;
  warmup: WarmupConfig | null;
  policy: LrPolicyConfig;
}

/**
 * Step decay counts milestones passed by the current epoch (or iteration), as mmcv's
 * `StepLrUpdaterHook`; cosine anneals per iteration from the base rate to
 * `base * minLrRatio`; linear warm-up scales the regular rate by
 * `1 - (1 - iter / warmupIters) * (1 - ratio)` for the first `warmupIters` steps, as
 * mmcv's `get_warmup_lr('linear')`. Warm-up always counts iterations.
 */
export function buildLrSchedule(o: LrScheduleOptions): LrSchedule {
  if (!(o.itersPerEpoch > 0) || !Number.isInteger(o.itersPerEpoch)) {
    throw new RangeError(`itersPerEpoch must be a positive integer, got ${o.itersPerEpoch}`);
  }
  const totalIters = o.by === 'epoch' ? o.length * o.itersPerEpoch : o.length;
  const progressOf = (iter: number) =>
    o.by === 'epoch' ? Math.floor(iter / o.itersPerEpoch) : iter;
  const regular = (iter: number): number => {
    const p = o.policy;
    switch (p.type) {
      case 'constant':
        return o.baseLr;
      case 'step': {
        const progress = progressOf(iter);
        const passed = p.milestones.filter((m) => progress >= m).length;
        return o.baseLr * p.gamma ** passed;
      }
      case 'cosine': {
        const min = o.baseLr * p.minLrRatio;
        const t = Math.min(1, iter / totalIters);
        return min + ((o.baseLr - min) * (1 + Math.cos(Math.PI * t))) / 2;
      }
    }
  };
  return {
    totalIters,
    itersPerEpoch: o.itersPerEpoch,
    lrAt(iter: number): number {
      const lr = regular(iter);
      const w = o.warmup;
      if (!w || iter >= w.iters) return lr;
      const k = (1 - iter / w.iters) * (1 - w.ratio);
      return lr * (1 - k);
    },
  };
}

/** Convert an interval in epochs or iterations to optimizer steps (0 stays 0: disabled). */
export function intervalToIters(
  interval: number,
  by: 'epoch' | 'iter',
  itersPerEpoch: number,
): number {
  return by === 'epoch' ? interval * itersPerEpoch : interval;
}
