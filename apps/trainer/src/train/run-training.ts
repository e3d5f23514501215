import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageSampler, JsonValue, PluginState, Stateful } from '@crat/core';
import * as tf from '@tensorflow/tfjs-core';
import {
  CheckpointManager,
  checkpointName,
  resolveCheckpoint,
  type WeightsIO,
} from './checkpoint.js';
import { clipByGlobalNorm } from './grad-clip.js';
import type { LrSchedule } from './lr-schedule.js';
import { MetricsLog, type MetricsRecord } from './metrics-log.js';
import { ProgressReporter, type ProgressStream } from './progress.js';
import { deriveSeed, SeededRng } from './rng.js';
import { Sgd, type SgdOptions } from './sgd.js';

/** One sampled image: which epoch's stream it came from and its dataset index. */
export interface SampledImage {
  epoch: number;
  index: number;
}

export interface StepContext {
  /** Optimizer steps done before this one (0-based index of the step being computed). */
  iter: number;
  /** 1-based epoch of this step (`floor(iter / itersPerEpoch) + 1`). */
  epoch: number;
  /** Which micro-batch of the accumulated step this is (0-based). */
  microStep: number;
  /** The run's RNG (checkpointed): draw RoI sampling and other step randomness from it. */
  rng: SeededRng;
}

export interface StepOutput {
  /** Loss terms of this micro-batch as numbers; `loss` (their sum when absent) is the total. */
  losses: Record<string, number>;
  /** Gradient of the total loss w.r.t. each trainable parameter, by name. Owned by the loop afterwards. */
  grads: Record<string, tf.Tensor>;
}

export type TrainStepFn<Batch> = (
  batch: Batch,
  ctx: StepContext,
) => StepOutput | Promise<StepOutput>;

export interface IterRecord extends MetricsRecord {
  mode: 'train';
  lr: number;
  loss: number;
}

export interface TrainingHooks {
  /** After every optimizer step, with what was logged for it. */
  afterIter?(record: IterRecord): void | Promise<void>;
  /** After a checkpoint was written. */
  afterCheckpoint?(dir: string, iter: number): void | Promise<void>;
  /** Evaluation every `evalInterval` steps; the returned record is logged with `mode: 'val'`. */
  evaluate?(at: {
    iter: number;
    epoch: number;
  }): Promise<Record<string, JsonValue>> | Record<string, JsonValue>;
}

/**
 * Batches from a loader that drives the sampler itself (as `@crat/data`'s DataLoader does):
 * it must report the sampler state at the first batch not yet handed out.
 */
export interface BatchSource<Batch> {
  next(): Promise<Batch>;
  samplerState(): PluginState;
  close?(): Promise<void>;
}

export interface RunTrainingOptions<Batch> {
  /** Trainable parameters by name; frozen ones are simply not listed. */
  params: Record<string, tf.Variable>;
  step: TrainStepFn<Batch>;
  /** The image sampler: with `loader`, the loop takes indices from it and prefetches. */
  sampler?: ImageSampler;
  /** Turns sampled images into a batch (may decode off-thread; called ahead by `prefetch`). */
  loader?: (images: SampledImage[]) => Batch | Promise<Batch>;
  /**
   * Instead of `sampler` + `loader`: build a batch source, given the sampler state to resume
   * from (`null` on a fresh run). Called once, after any checkpoint is loaded.
   */
  batches?: (
    resumeSamplerState: PluginState | null,
  ) => BatchSource<Batch> | Promise<BatchSource<Batch>>;
  /** Frees a prefetched batch that will not be trained on (interrupt, error). */
  disposeBatch?: (batch: Batch) => void;
  /** Images per micro-batch. */
  batchSize: number;
  /** Micro-batches whose gradients are averaged into one optimizer step. */
  accumulationSteps?: number;
  schedule: LrSchedule;
  optimizer: SgdOptions & { gradClip?: { maxNorm: number } | null };
  weights: WeightsIO;
  /** Running state saved in checkpoints beside the weights (losses, transfers), by name. */
  stateful?: Record<string, Stateful>;
  workDir: string;
  seed: number;
  /** Save every N steps (0: only at the end and on interrupt). */
  checkpointInterval?: number;
  maxKeep?: number;
  /** Evaluate every N steps (0: never). */
  evalInterval?: number;
  /** Plain progress lines every N steps when stdout is not a TTY. */
  logInterval?: number;
  /** Micro-batches loaded ahead of the model. */
  prefetch?: number;
  /** `true`: continue from the work dir's newest checkpoint, if any; a path: from that checkpoint. */
  resume?: boolean | string;
  hooks?: TrainingHooks;
  /** Where the progress bar goes; `false` for none. */
  progress?: ProgressStream | false;
  /** Stops the run like Ctrl-C does: checkpoint, then return. */
  signal?: AbortSignal;
  /** Turn SIGINT (Ctrl-C) into a clean stop with a checkpoint (default true); a second one exits at once. */
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

const RNG_KEY = '__rng__';

/**
 * The generic training loop: sample → load → step (forward/backward) → average the
 * accumulated gradients → clip → SGD with the scheduled learning rate → log, checkpoint,
 * evaluate. Everything that shapes the numbers (weights, momentum, plug-in state, RNG,
 * sampler cursor) goes into checkpoints, so `resume` continues exactly.
 */
export async function runTraining<Batch>(o: RunTrainingOptions<Batch>): Promise<TrainingResult> {
  const accum = o.accumulationSteps ?? 1;
  const total = o.schedule.totalIters;
  const itersPerEpoch = o.schedule.itersPerEpoch;
  mkdirSync(o.workDir, { recursive: true });
  const rng = new SeededRng(deriveSeed(o.seed, 'train'));
  const stateful: Record<string, Stateful> = { ...(o.stateful ?? {}), [RNG_KEY]: rng };
  const sgd = new Sgd(o.params, o.optimizer);
  const checkpoints = new CheckpointManager(o.workDir, o.weights, o.maxKeep ?? 0);
  const log = new MetricsLog(join(o.workDir, 'metrics.jsonl'));
  const progressOut = o.progress === false ? null : (o.progress ?? process.stdout);

  if (!o.batches && !(o.sampler && o.loader)) {
    throw new TypeError('runTraining: give either `batches` or both `sampler` and `loader`');
  }
  let iter = 0;
  let lastCheckpoint: string | null = null;
  let resumeSamplerState: PluginState | null = null;
  const resumeFrom =
    o.resume === true
      ? checkpoints.latest()
      : typeof o.resume === 'string'
        ? resolveCheckpoint(o.resume)
        : null;
  if (resumeFrom) {
    const state = await checkpoints.load(resumeFrom);
    sgd.setState(state.optimizer);
    for (const [name, s] of Object.entries(stateful)) {
      const saved = state.plugins[name];
      if (!saved) throw new Error(`${resumeFrom}/plugins.json: no state for '${name}'`);
      s.setState(saved);
    }
    resumeSamplerState = state.sampler;
    iter = state.iter;
    lastCheckpoint = resumeFrom;
    await log.truncateAfter(iter);
  } else if (o.resume === true && progressOut) {
    progressOut.write(`no checkpoint in ${o.workDir}: starting from scratch\n`);
  }

  if (resumeSamplerState && o.sampler && !o.batches) o.sampler.setState(resumeSamplerState);
  const source: BatchSource<Batch> = o.batches
    ? await o.batches(resumeSamplerState)
    : prefetchingSource(o.sampler!, o.loader!, o.batchSize, o.prefetch ?? 1, o.disposeBatch);
  const samplerStateNow = () => source.samplerState();

  let stopRequested = false;
  const progress = progressOut
    ? new ProgressReporter({
        total,
        start: iter,
        interval: o.logInterval ?? 50,
        stream: progressOut,
      })
    : null;
  const say = (msg: string) => (progress ? progress.log(msg) : undefined);
  const onSigint = () => {
    if (stopRequested) {
      say('second interrupt: exiting without a checkpoint');
      process.exit(130);
    }
    stopRequested = true;
    say('interrupt: saving a checkpoint after this step (Ctrl-C again to quit at once)');
  };
  const onAbort = () => {
    stopRequested = true;
  };
  if (o.handleSigint !== false) process.on('SIGINT', onSigint);
  o.signal?.addEventListener('abort', onAbort);
  if (o.signal?.aborted) stopRequested = true;

  const save = async () => {
    const epoch = Math.floor(Math.max(0, iter - 1) / itersPerEpoch) + 1;
    const plugins: Record<string, PluginState> = {};
    for (const [name, s] of Object.entries(stateful)) plugins[name] = s.getState();
    lastCheckpoint = await checkpoints.save({
      iter,
      epoch,
      optimizer: sgd.getState(),
      plugins,
      sampler: samplerStateNow(),
      meta: { totalIters: total, itersPerEpoch, ...(o.meta ?? {}) },
    });
    await o.hooks?.afterCheckpoint?.(lastCheckpoint, iter);
  };

  try {
    while (iter < total && !stopRequested) {
      const t0 = performance.now();
      let dataMs = 0;
      const epoch = Math.floor(iter / itersPerEpoch) + 1;
      const lr = o.schedule.lrAt(iter);
      let summed: Record<string, tf.Tensor> | null = null;
      const lossSums: Record<string, number> = {};
      for (let micro = 0; micro < accum; micro++) {
        const td = performance.now();
        const batch = await source.next();
        dataMs += performance.now() - td;
        const out = await o.step(batch, { iter, epoch, microStep: micro, rng });
        o.disposeBatch?.(batch);
        for (const [k, v] of Object.entries(out.losses)) lossSums[k] = (lossSums[k] ?? 0) + v;
        if (!('loss' in out.losses)) {
          const t = Object.values(out.losses).reduce((a, b) => a + b, 0);
          lossSums.loss = (lossSums.loss ?? 0) + t;
        }
        summed = addInto(summed, out.grads);
      }
      let grads = summed ?? {};
      if (accum > 1) grads = scaleOwned(grads, 1 / accum);
      let gradNorm: number | undefined;
      if (o.optimizer.gradClip) {
        const clipped = clipByGlobalNorm(grads, o.optimizer.gradClip.maxNorm);
        disposeAll(grads);
        grads = clipped.grads;
        gradNorm = clipped.norm;
      }
      sgd.step(grads, lr);
      disposeAll(grads);
      iter++;

      const losses: Record<string, number> = {};
      for (const [k, v] of Object.entries(lossSums)) losses[k] = v / accum;
      const record: IterRecord = {
        mode: 'train',
        iter,
        epoch,
        lr,
        ...losses,
        loss: losses.loss!,
        ...(gradNorm !== undefined ? { grad_norm: gradNorm } : {}),
        time: (performance.now() - t0) / 1000,
        data_time: dataMs / 1000,
      };
      log.append(record);
      progress?.update({ iter, epoch, lr, losses });
      await o.hooks?.afterIter?.(record);

      if (o.checkpointInterval && iter % o.checkpointInterval === 0 && iter < total) await save();
      if (o.evalInterval && o.hooks?.evaluate && iter % o.evalInterval === 0) {
        const result = await o.hooks.evaluate({ iter, epoch });
        log.append({ mode: 'val', iter, epoch, ...result });
        say(`evaluation at step ${iter}: ${JSON.stringify(result).slice(0, 200)}`);
      }
    }
    if (!lastCheckpoint?.endsWith(checkpointName(iter))) await save();
  } finally {
    progress?.finish();
    if (o.handleSigint !== false) process.off('SIGINT', onSigint);
    o.signal?.removeEventListener('abort', onAbort);
    await source.close?.();
    sgd.dispose();
  }
  const status = iter >= total ? 'completed' : 'interrupted';
  if (status === 'interrupted')
    say(`stopped at step ${iter}; resume with --resume (checkpoint ${lastCheckpoint})`);
  return { status, iter, checkpoint: lastCheckpoint };
}

/**
 * Batches from `sampler` + `loader`, `prefetch` micro-batches ahead. The sampler's state is
 * captured before each take, so a checkpoint records the cursor of the first batch not yet
 * trained on, not of the last one loaded.
 */
function prefetchingSource<Batch>(
  sampler: ImageSampler,
  loader: (images: SampledImage[]) => Batch | Promise<Batch>,
  batchSize: number,
  prefetch: number,
  disposeBatch?: (batch: Batch) => void,
): BatchSource<Batch> {
  const depth = Math.max(1, prefetch);
  const queue: { samplerState: PluginState; batch: Promise<Batch> }[] = [];
  const fill = () => {
    while (queue.length < depth) {
      const samplerState = sampler.getState();
      const images = sampler.take(batchSize);
      const batch = Promise.resolve().then(() => loader(images));
      batch.catch(() => {}); // surfaced when awaited
      queue.push({ samplerState, batch });
    }
  };
  return {
    async next() {
      fill();
      const head = queue.shift()!;
      fill();
      return head.batch;
    },
    samplerState: () => (queue.length ? queue[0]!.samplerState : sampler.getState()),
    async close() {
      for (const e of queue.splice(0)) {
        await e.batch.then((b) => disposeBatch?.(b)).catch(() => {});
      }
    },
  };
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
