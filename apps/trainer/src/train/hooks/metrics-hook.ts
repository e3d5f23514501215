// Every step's record to `metrics.jsonl` and to the progress bar.

import type { IterRecord, LoopState, TrainHook } from '../loop.js';
import type { MetricsLog } from '../metrics-log.js';
import type { ProgressReporter } from '../progress.js';

const NOT_LOSSES = new Set(['mode', 'iter', 'epoch', 'lr', 'grad_norm', 'time', 'data_time']);

export class MetricsHook implements TrainHook {
  constructor(
    readonly log: MetricsLog,
    readonly progress: ProgressReporter | null,
  ) {}

  afterStep(_loop: LoopState, r: IterRecord): void {
    this.log.append(r);
    const losses: Record<string, number> = {};
    for (const [k, v] of Object.entries(r)) {
      if (!NOT_LOSSES.has(k) && typeof v === 'number') losses[k] = v;
    }
    this.progress?.update({ iter: r.iter, epoch: r.epoch, lr: r.lr, losses });
  }

  afterTrain(): void {
    this.progress?.finish();
  }
}
