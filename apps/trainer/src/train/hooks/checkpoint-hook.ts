// Checkpointing as a hook: every `interval` steps and at the end of a run (completed or
// stopped), never after an error.

import type { JsonValue, PluginState, Stateful } from '@crat/core';
import type { Sgd } from '@crat/tensor';
import { type CheckpointManager, checkpointName } from '../checkpoint.js';
import type { LoopState, TrainHook } from '../loop.js';

export interface CheckpointHookOptions {
  manager: CheckpointManager;
  optimizer: Sgd;
  /** Running state saved beside the weights, by name. */
  stateful: Record<string, Stateful>;
  /** The sampler cursor at the first batch not yet trained on. */
  samplerState: () => JsonValue;
  /** Save every N steps (0: only at the end). */
  interval: number;
  /** Facts written into every checkpoint's meta.json. */
  meta: { [key: string]: JsonValue };
  /** The checkpoint a resumed run started from. */
  resumedFrom: string | null;
}

export class CheckpointHook implements TrainHook {
  /** The last checkpoint written (or resumed from). */
  last: string | null;

  constructor(readonly o: CheckpointHookOptions) {
    this.last = o.resumedFrom;
  }

  async afterStep(loop: LoopState): Promise<void> {
    const every = this.o.interval;
    if (every && loop.iter % every === 0 && loop.iter < loop.total) await this.save(loop);
  }

  async afterTrain(loop: LoopState): Promise<void> {
    if (loop.failed) return;
    if (!this.last?.endsWith(checkpointName(loop.iter))) await this.save(loop);
  }

  async save(loop: LoopState): Promise<void> {
    const plugins: Record<string, PluginState> = {};
    for (const [name, s] of Object.entries(this.o.stateful)) plugins[name] = await s.getState();
    this.last = await this.o.manager.save({
      iter: loop.iter,
      epoch: Math.floor(Math.max(0, loop.iter - 1) / loop.itersPerEpoch) + 1,
      optimizer: await this.o.optimizer.getState(),
      plugins,
      sampler: this.o.samplerState() as PluginState | null,
      meta: { totalIters: loop.total, itersPerEpoch: loop.itersPerEpoch, ...this.o.meta },
    });
  }
}
