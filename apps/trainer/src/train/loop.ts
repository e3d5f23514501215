// The training loop (detectron2's `TrainerBase.train`): take micro-batches, average their
// gradients, clip, stop on a non-finite loss or gradient, one SGD step at the scheduled rate,
// then the hooks. Everything else (logging, checkpoints, evaluation, Ctrl-C) is a hook.

import type { JsonValue } from '@crat/core';
import { clipByGlobalNorm, globalNorm, type Sgd, type StepFn } from '@crat/tensor';
import * as tf from '@tensorflow/tfjs-core';
import type { LrSchedule } from './lr-schedule.js';
import type { MetricsRecord } from './metrics-log.js';
import { checkGradientsFinite, checkLossesFinite } from './non-finite.js';

/** What a step function is told about the micro-batch it computes. */
export interface StepContext {
  /** Optimizer steps done before this one (0-based index of the step being computed). */
  iter: number;
  /** 1-based epoch of this step (`floor(iter / itersPerEpoch) + 1`). */
  epoch: number;
  /** Which micro-batch of the accumulated step this is (0-based). */
  microStep: number;
}

export type TrainStepFn<Batch> = StepFn<Batch, StepContext>;

/** What one optimizer step logged. */
export interface IterRecord extends MetricsRecord {
  mode: 'train';
  lr: number;
  loss: number;
}

/**
 * Batches in training order, with the sampler state at the first batch not yet handed out.
 * A batch's tensors are made in `next()` (or before it resolves), never in prefetching work
 * that runs on while the step awaits: the step's gradient scope (`variableGradsAsync`) would
 * take them in and free them.
 */
export interface BatchSource<Batch> {
  next(): Promise<Batch>;
  samplerState(): JsonValue;
  close?(): Promise<void>;
}

/** The loop as hooks see it. */
export interface LoopState {
  /** Optimizer steps done. */
  readonly iter: number;
  readonly total: number;
  readonly itersPerEpoch: number;
  /** Set by a hook to end the run after the current step (Ctrl-C, an abort signal). */
  stopRequested: boolean;
  /** Set when the loop ends by an error: hooks must not save a checkpoint then. */
  readonly failed: boolean;
}

/** detectron2's `HookBase`: called before the first step, after every step and at the end (also on error). */
export interface TrainHook {
  beforeTrain?(loop: LoopState): void | Promise<void>;
  afterStep?(loop: LoopState, record: IterRecord): void | Promise<void>;
  afterTrain?(loop: LoopState): void | Promise<void>;
}

export interface TrainLoopOptions<Batch> {
  step: TrainStepFn<Batch>;
  source: BatchSource<Batch>;
  /** Frees a batch once its step is done. */
  disposeBatch?: (batch: Batch) => void;
  /** Micro-batches whose gradients are averaged into one optimizer step. */
  accumulationSteps: number;
  schedule: LrSchedule;
  optimizer: Sgd;
  gradClip?: { maxNorm: number } | null;
  /** Steps already done (a resumed run). */
  startIter: number;
  hooks: TrainHook[];
}

/**
 * Runs steps `startIter..total` unless a hook asks to stop; returns the steps done. A step
 * with a non-finite loss or gradient throws {@link NonFiniteError} before the update.
 */
export async function trainLoop<Batch>(o: TrainLoopOptions<Batch>): Promise<number> {
  const accum = o.accumulationSteps;
  const state = {
    iter: o.startIter,
    total: o.schedule.totalIters,
    itersPerEpoch: o.schedule.itersPerEpoch,
    stopRequested: false,
    failed: false,
  };
  try {
    for (const h of o.hooks) await h.beforeTrain?.(state);
    while (state.iter < state.total && !state.stopRequested) {
      const t0 = performance.now();
      let dataMs = 0;
      const iter = state.iter;
      const epoch = Math.floor(iter / state.itersPerEpoch) + 1;
      const lr = o.schedule.lrAt(iter);
      let summed: Record<string, tf.Tensor> | null = null;
      const sums: Record<string, number> = {};
      for (let micro = 0; micro < accum; micro++) {
        const td = performance.now();
        const batch = await o.source.next();
        dataMs += performance.now() - td;
        const out = await o.step(batch, { iter, epoch, microStep: micro });
        o.disposeBatch?.(batch);
        for (const [k, v] of Object.entries(out.losses)) sums[k] = (sums[k] ?? 0) + v;
        summed = addInto(summed, out.grads);
      }
      const means = Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / accum]));
      let grads = summed ?? {};
      let gradNorm: number | undefined;
      try {
        checkLossesFinite(iter + 1, means);
        if (accum > 1) grads = scaleOwned(grads, 1 / accum);
        if (o.gradClip) {
          const clipped = await clipByGlobalNorm(grads, o.gradClip.maxNorm);
          disposeAll(grads);
          grads = clipped.grads;
          gradNorm = clipped.norm;
        }
        await checkGradientsFinite(iter + 1, grads, gradNorm ?? (await globalNorm(grads)));
        o.optimizer.step(grads, lr);
      } finally {
        disposeAll(grads);
      }
      state.iter++;
      const record: IterRecord = {
        mode: 'train',
        iter: state.iter,
        epoch,
        lr,
        ...means,
        loss: means.loss!,
        ...(gradNorm !== undefined ? { grad_norm: gradNorm } : {}),
        time: (performance.now() - t0) / 1000,
        data_time: dataMs / 1000,
      };
      for (const h of o.hooks) await h.afterStep?.(state, record);
    }
  } catch (err) {
    state.failed = true;
    throw err;
  } finally {
    for (const h of o.hooks) await h.afterTrain?.(state);
  }
  return state.iter;
}

/** `acc + grads`, disposing both inputs' tensors (the loop owns them). */
function addInto(
  acc: Record<string, tf.Tensor> | null,
  grads: Record<string, tf.Tensor>,
): Record<string, tf.Tensor> {
  if (!acc) return { ...grads };
  for (const [k, g] of Object.entries(grads)) {
    const prev = acc[k];
    if (prev) {
      acc[k] = tf.add(prev, g);
      prev.dispose();
      g.dispose();
    } else acc[k] = g;
  }
  return acc;
}

function scaleOwned(grads: Record<string, tf.Tensor>, s: number): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const [k, g] of Object.entries(grads)) {
    out[k] = tf.mul(g, s);
    g.dispose();
  }
  return out;
}

function disposeAll(grads: Record<string, tf.Tensor>): void {
  for (const g of Object.values(grads)) g.dispose();
}
