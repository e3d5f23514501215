// A training run from its parts: resume from a checkpoint when asked, then the loop with the
// standard hooks (metrics and progress, user hooks, checkpoints, evaluation, Ctrl-C).

import { mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { JsonValue, PluginState, Stateful } from '@crat/core';
import { Sgd, type SgdOptions } from '@crat/tensor';
import type * as tf from '@tensorflow/tfjs-core';
import {
  CheckpointManager,
  listCheckpoints,
  resolveCheckpoint,
  type TrainingState,
  type WeightsIO,
} from './checkpoint.js';
import { CheckpointIntegrityError } from './checkpoint-integrity.js';
import { CheckpointHook } from './hooks/checkpoint-hook.js';
import { EvalHook, type Evaluate } from './hooks/eval-hook.js';
import { InterruptHook } from './hooks/interrupt-hook.js';
import { MetricsHook } from './hooks/metrics-hook.js';
import { tidyLeftovers } from './leftovers.js';
import { type BatchSource, type TrainHook, type TrainStepFn, trainLoop } from './loop.js';
import type { LrSchedule } from './lr-schedule.js';
import { MetricsLog } from './metrics-log.js';
import { NonFiniteError } from './non-finite.js';
import { ProgressReporter, type ProgressStream } from './progress.js';

export interface RunTrainingOptions<Batch> {
  /** Trainable parameters by name; frozen ones are simply not listed. */
  params: Record<string, tf.Variable>;
  step: TrainStepFn<Batch>;
  /** Builds the batch source, given the sampler state to resume from (`null` on a fresh run). */
  batches: (
    resumeSamplerState: PluginState | null,
  ) => BatchSource<Batch> | Promise<BatchSource<Batch>>;
  /** Frees a batch once it was trained on. */
  disposeBatch?: (batch: Batch) => void;
  /** Micro-batches whose gradients are averaged into one optimizer step. */
  accumulationSteps?: number;
  schedule: LrSchedule;
  optimizer: SgdOptions & { gradClip?: { maxNorm: number } | null };
  weights: WeightsIO;
  /** Running state saved in checkpoints beside the weights (losses, transfers), by name. */
  stateful?: Record<string, Stateful>;
  workDir: string;
  /** Save every N steps (0: only at the end and on interrupt). */
  checkpointInterval?: number;
  maxKeep?: number;
  /** Evaluation, every `evalInterval` steps (0: never); its record is logged with `mode: 'val'`. */
  evaluate?: Evaluate;
  evalInterval?: number;
  /** Plain progress lines every N steps when stdout is not a TTY. */
  logInterval?: number;
  /** `true`: continue from the work dir's newest checkpoint, if any; a path: from that checkpoint. */
  resume?: boolean | string;
  /**
   * When the checkpoint to resume from fails its checksums, set it aside
   * (`iter_NNNNNN.damaged`) and try the next older one of the work dir, instead of stopping.
   */
  resumeFallback?: boolean;
  /** More hooks, run after the metrics hook and before checkpointing and evaluation. */
  hooks?: TrainHook[];
  /** Where the progress bar goes; `false` for none. */
  progress?: ProgressStream | false;
  /** Stops the run like Ctrl-C does: checkpoint, then return. */
  signal?: AbortSignal;
  /**
   * Turn SIGINT (Ctrl-C) into a clean stop with a checkpoint (default true); a second one
   * waits for that checkpoint, a third exits at once.
   */
  handleSigint?: boolean;
  /** Facts written into every checkpoint's meta.json. */
  meta?: { [key: string]: JsonValue };
}

export interface TrainingResult {
  status: 'completed' | 'interrupted';
  /** Optimizer steps done. */
  iter: number;
  /** The last checkpoint written. */
  checkpoint: string | null;
}

/**
 * Everything that shapes the numbers (weights, momentum, plug-in state, sampler cursor) goes
 * into checkpoints, so `resume` continues exactly.
 */
export async function runTraining<Batch>(o: RunTrainingOptions<Batch>): Promise<TrainingResult> {
  mkdirSync(o.workDir, { recursive: true });
  const stateful = o.stateful ?? {};
  const checkpoints = new CheckpointManager(o.workDir, o.weights, o.maxKeep ?? 0);
  const log = new MetricsLog(join(o.workDir, 'metrics.jsonl'));
  const out = o.progress === false ? null : (o.progress ?? process.stdout);

  const say0 = (msg: string) => out?.write(`${msg}\n`);
  for (const line of await tidyLeftovers(o.workDir)) say0(`leftover of a killed run: ${line}`);

  let startIter = 0;
  let samplerState: PluginState | null = null;
  const resumed = o.resume ? await resumeState(o, checkpoints, say0) : null;
  const sgd = new Sgd(o.params, {
    momentum: o.optimizer.momentum,
    weightDecay: o.optimizer.weightDecay,
  });
  if (resumed) {
    const { dir: resumeFrom, state } = resumed;
    sgd.setState(state.optimizer);
    for (const [name, s] of Object.entries(stateful)) {
      const saved = state.plugins[name];
      if (!saved) throw new Error(`${resumeFrom}/plugins.json: no state for '${name}'`);
      s.setState(saved);
    }
    samplerState = state.sampler;
    startIter = state.iter;
  } else if (o.resume === true) {
    say0(`no checkpoint in ${o.workDir}: starting from scratch`);
  }
  // A resumed run's log reads as one run: lines past the checkpoint (or all of them when a
  // killed run never reached one) belong to steps that are trained again.
  if (o.resume) await log.truncateAfter(startIter);
  const resumeFrom = resumed?.dir ?? null;

  let source: BatchSource<Batch>;
  try {
    source = await o.batches(samplerState);
  } catch (err) {
    sgd.dispose();
    throw err;
  }
  const progress = out
    ? new ProgressReporter({
        total: o.schedule.totalIters,
        start: startIter,
        interval: o.logInterval ?? 50,
        stream: out,
      })
    : null;
  const say = (msg: string) => progress?.log(msg);
  const checkpoint = new CheckpointHook({
    manager: checkpoints,
    optimizer: sgd,
    stateful,
    samplerState: () => source.samplerState(),
    interval: o.checkpointInterval ?? 0,
    meta: o.meta ?? {},
    resumedFrom: resumeFrom,
  });
  const hooks: TrainHook[] = [
    new MetricsHook(log, progress),
    ...(o.hooks ?? []),
    checkpoint,
    ...(o.evaluate ? [new EvalHook(o.evaluate, o.evalInterval ?? 0, log, say)] : []),
    // Last, so its SIGINT handler is still there while the checkpoint hook's final save runs.
    new InterruptHook(say, o.handleSigint !== false, o.signal),
  ];
  let iter: number;
  try {
    iter = await trainLoop({
      step: o.step,
      source,
      ...(o.disposeBatch ? { disposeBatch: o.disposeBatch } : {}),
      accumulationSteps: o.accumulationSteps ?? 1,
      schedule: o.schedule,
      optimizer: sgd,
      gradClip: o.optimizer.gradClip ?? null,
      startIter,
      hooks,
    });
  } catch (err) {
    if (err instanceof NonFiniteError) {
      err.message += checkpoint.last
        ? `. Nothing was saved for it; the last good checkpoint is ${checkpoint.last}`
        : '. Nothing was saved; there is no earlier checkpoint';
      err.message +=
        ' (a lower learning rate or gradient clipping, optimizer.gradClip, usually prevents it)';
    }
    throw err;
  } finally {
    await source.close?.();
    sgd.dispose();
  }
  const status = iter >= o.schedule.totalIters ? 'completed' : 'interrupted';
  if (status === 'interrupted') say(`stopped at step ${iter}; checkpoint ${checkpoint.last}`);
  return { status, iter, checkpoint: checkpoint.last };
}

/**
 * The checkpoint to resume from, its files checked against their checksums. A damaged one
 * stops the run, naming the file; with `resumeFallback` it is set aside and the next older
 * checkpoint of the same folder is tried.
 */
async function resumeState(
  o: Pick<RunTrainingOptions<unknown>, 'resume' | 'resumeFallback'>,
  checkpoints: CheckpointManager,
  say: (msg: string) => void,
): Promise<{ dir: string; state: TrainingState } | null> {
  const first = o.resume === true ? checkpoints.latest() : resolveCheckpoint(o.resume as string);
  let dir = first;
  while (dir) {
    try {
      const state = await checkpoints.load(dir);
      if (!state.verified) say(`${dir}: no checksums recorded (an older checkpoint): not verified`);
      if (dir !== first) say(`resuming from ${dir}`);
      return { dir, state };
    } catch (err) {
      if (!(err instanceof CheckpointIntegrityError)) throw err;
      if (!o.resumeFallback) {
        throw new CheckpointIntegrityError(
          err.file,
          `${err.reason}. Nothing was changed; --resume-fallback resumes from the newest intact earlier checkpoint instead`,
        );
      }
      const aside = await checkpoints.setAside(dir);
      say(`${err.message}\nmoved that checkpoint aside to ${aside}`);
      const name = basename(dir);
      const older = listCheckpoints(dirname(dirname(dir))).filter((n) => n < name);
      dir = older.length ? join(dirname(dir), older.at(-1)!) : null;
    }
  }
  if (first && !dir) {
    // Starting over would also drop the run's metrics log: leave that decision to the user.
    throw new CheckpointIntegrityError(
      first,
      'no intact checkpoint is left (the damaged ones were set aside as *.damaged); start a new run with --overwrite, or another --work-dir',
    );
  }
  return null;
}
