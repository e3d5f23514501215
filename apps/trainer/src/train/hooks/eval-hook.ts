// Periodic evaluation as a hook: every `interval` steps, the result logged as a `val` record.

import type { JsonValue } from '@crat/core';
import type { IterRecord, LoopState, TrainHook } from '../loop.js';
import type { MetricsLog } from '../metrics-log.js';

export type Evaluate = (at: {
  iter: number;
  epoch: number;
}) => Promise<Record<string, JsonValue>> | Record<string, JsonValue>;

export class EvalHook implements TrainHook {
  constructor(
    readonly evaluate: Evaluate,
    /** Every N steps (0: never). */
    readonly interval: number,
    readonly log: MetricsLog,
    readonly say: (message: string) => void,
  ) {}

  async afterStep(loop: LoopState, record: IterRecord): Promise<void> {
    if (!this.interval || loop.iter % this.interval !== 0) return;
    const result = await this.evaluate({ iter: loop.iter, epoch: record.epoch });
    this.log.append({ mode: 'val', iter: loop.iter, epoch: record.epoch, ...result });
    this.say(`evaluation at step ${loop.iter}: ${JSON.stringify(result).slice(0, 200)}`);
  }
}
