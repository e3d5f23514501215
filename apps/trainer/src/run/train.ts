// `crat train`: a config file to checkpoints, metrics, evaluations and CRAT reports.

import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  deriveSeed,
  type ImageSampler,
  imageSamplers,
  type JsonValue,
  type PluginState,
} from '@crat/core';
import { DataLoader, type LvisDetectionDataset } from '@crat/data';
import { type DetectorBatch, detectorBatchFromCollated } from '@crat/detector';
import { LVIS } from '@crat/lvis';
import { type BackendChoice, gradientStep, initBackend } from '@crat/tensor';
import type { IouType } from 'lvis-ts-types';
import { type LoadedConfig, loadConfig } from '../config/load.js';
import type { CratConfig } from '../config/schema.js';
import { checkpointWeightsFile, type WeightsIO } from '../train/checkpoint.js';
import type { BatchSource, TrainHook } from '../train/loop.js';
import { buildLrSchedule, intervalToIters, type LrSchedule } from '../train/lr-schedule.js';
import { ProgressReporter, type ProgressStream } from '../train/progress.js';
import { runTraining, type TrainingResult } from '../train/run-training.js';
import { configDifferences, formatDifferences } from './config-diff.js';
import { loadDetectionDataset } from './datasets.js';
import { type DetectorBackend, type DetectorModel, detectorBackend } from './detector-api.js';
import {
  type EvalReports,
  evaluateResults,
  flattenMetrics,
  formatEvalTable,
  writeEvalRecord,
} from './evaluation.js';
import { predictDataset } from './inference.js';
import { resolvePretrained } from './pretrained.js';
import './plugins.js';
import { absoluteDatasetPaths, writeRunConfig } from './run-config.js';
import { ensureDataset } from './synth-dataset.js';
import { selectTrainable } from './trainable.js';
import { writeTransferReports } from './transfer-outputs.js';
import { checkWorkDirFree, clearRun, recordedConfig, WorkDirError } from './work-dir.js';

export interface TrainOptions {
  config: string;
  cfgOptions?: string[];
  workDir?: string;
  /** `true`: the work dir's newest checkpoint; a path: that checkpoint. */
  resume?: boolean | string;
  /** With `resume`: set a damaged checkpoint aside and resume from the newest intact earlier one. */
  resumeFallback?: boolean;
  /**
   * Replace the run the work dir holds (its files are removed once the new run starts);
   * without it (or `resume`) a work dir holding a run is an error.
   */
  overwrite?: boolean;
  backend?: BackendChoice;
  cwd?: string;
  log?: (message: string) => void;
  /** The detector to train (default: the registered one, `@crat/detector`). */
  detector?: DetectorBackend;
  /** Where progress goes (default stdout; `false` for none). */
  progress?: ProgressStream | false;
  /** Stops training like Ctrl-C (checkpoint, then return). */
  signal?: AbortSignal;
  /** Turn Ctrl-C into a checkpoint and a clean return (default true). */
  handleSigint?: boolean;
}

export interface TrainOutcome {
  workDir: string;
  result: TrainingResult;
  /** The last evaluation, when one ran. */
  eval?: EvalReports;
}

/** The detector's weights (safetensors for `@crat/detector`), in checkpoints. */
export function detectorWeightsIO<M extends DetectorModel>(
  backend: DetectorBackend<M>,
  model: M,
): WeightsIO {
  return {
    fileName: backend.weightsFileName,
    save: (path) => backend.saveWeights(model, path),
    load: (path) => backend.loadWeights(model, path),
  };
}

/** The config's schedule in optimizer steps (epochs counted over the sampler's epoch length). */
function scheduleOf(cfg: CratConfig, sampler: ImageSampler): LrSchedule {
  const imagesPerIter = cfg.data.batchSize * cfg.optimizer.accumulationSteps;
  const itersPerEpoch = Math.max(1, Math.ceil(sampler.epochIndices(0).length / imagesPerIter));
  const s = cfg.schedule;
  return buildLrSchedule({
    baseLr: cfg.optimizer.lr,
    by: s.by,
    length: s.length,
    itersPerEpoch,
    warmup: s.warmup,
    policy: s.policy,
  });
}

/** Training batches from the data loader (decoded off-thread), resumable at `state`. */
function trainBatches(
  cfg: CratConfig,
  train: LvisDetectionDataset,
  sampler: ImageSampler,
  state: PluginState | null,
): BatchSource<DetectorBatch> {
  if (state) sampler.setState(state);
  const p = cfg.pipeline;
  const loader = new DataLoader({
    dataset: train,
    sampler,
    batchSize: cfg.data.batchSize,
    pipeline: {
      scales: p.train.scales,
      scaleMode: p.train.scaleMode,
      keepRatio: p.train.keepRatio,
      flipRatio: p.train.flipRatio,
      mean: p.mean,
      std: p.std,
      padDivisor: p.padDivisor,
      withMasks: true,
    },
    seed: deriveSeed(cfg.seed, 'augment'),
    workers: cfg.data.workers,
    prefetchBatches: cfg.data.prefetch,
    onBadImage: cfg.dataset.skipBadImages ? 'skip' : 'error',
  });
  return {
    next: async () => {
      const b = await loader.next();
      const batch = await detectorBatchFromCollated(b);
      for (const t of [...b.gtBoxes, ...b.gtLabels]) t.dispose();
      return batch;
    },
    samplerState: () => loader.samplerState(),
    close: () => loader.close(),
  };
}

/** Evaluation on `evaluation.split` (val, or the held-back minival): inference with a progress bar, LVIS metrics, a record on disk. */
function valEvaluator(
  loaded: LoadedConfig,
  detector: DetectorBackend,
  model: DetectorModel,
  o: { cwd: string; workDir: string; log: (m: string) => void; progress?: ProgressStream | false },
) {
  const cfg = loaded.config;
  const at = (p: string) => resolve(o.cwd, p);
  const split = cfg.dataset[cfg.evaluation.split];
  if (!split) {
    throw new Error(
      `${loaded.file}: evaluation.split is '${cfg.evaluation.split}' but dataset.${cfg.evaluation.split} is not set`,
    );
  }
  let val: { gt: LVIS; dataset: LvisDetectionDataset } | null = null;
  const valSet = async () => {
    val ??= {
      gt: await LVIS.load(at(split.annFile)),
      dataset: await loadDetectionDataset(at(split.annFile), at(split.imgDir)),
    };
    return val;
  };
  let last: EvalReports | undefined;
  const evaluate = async (iter: number, epoch: number) => {
    const { gt, dataset } = await valSet();
    const n = dataset.numImages;
    const bar =
      o.progress === false
        ? null
        : new ProgressReporter({
            unit: 'inference',
            total: n,
            interval: Math.max(1, Math.ceil(n / 10)),
            stream: o.progress ?? process.stdout,
          });
    const results = await predictDataset(detector, model, dataset, cfg, {
      onProgress: (done) => bar?.update({ iter: done }),
    });
    bar?.finish();
    last = evaluateResults(gt, results, cfg.evaluation.metrics as IouType[]);
    await writeEvalRecord(o.workDir, { iter, epoch, ...last });
    o.log(formatEvalTable(last));
    return flattenMetrics(last);
  };
  return { evaluate, valSet, last: () => last };
}

/** `crat train`: everything from a config file to checkpoints, metrics, evaluations and CRAT reports. */
export async function trainFromConfig(o: TrainOptions): Promise<TrainOutcome> {
  const cwd = o.cwd ?? process.cwd();
  const log = o.log ?? ((m: string) => console.log(m));
  const detector = o.detector ?? detectorBackend();
  const loaded = await loadConfig(o.config, { cfgOptions: o.cfgOptions ?? [], cwd });
  const cfg = loaded.config;
  const workDir = resolve(cwd, o.workDir ?? cfg.workDir!);
  if (o.resume && o.overwrite) {
    throw new WorkDirError(
      '--resume continues the run in the work dir, --overwrite replaces it: pass one',
    );
  }
  checkWorkDirFree(workDir, o.resume ? 'resume' : o.overwrite ? 'overwrite' : 'new');
  mkdirSync(workDir, { recursive: true });
  const backend = await initBackend(o.backend ?? cfg.backend);
  log(`config ${loaded.file}\nwork dir ${workDir}\nbackend ${backend}`);
  const recorded = o.resume ? recordedConfig(workDir) : null;
  const changed = recorded ? configDifferences(recorded, absoluteDatasetPaths(cfg, cwd)) : [];
  if (changed.length) {
    log(
      `warning: resuming with a config that differs from ${join(workDir, 'config.json')}:\n${formatDifferences(changed)}`,
    );
  }
  await prepareDataset(cfg, cwd, log, o.progress);
  const at = (p: string) => resolve(cwd, p);
  const train = await loadDetectionDataset(
    at(cfg.dataset.train.annFile),
    at(cfg.dataset.train.imgDir),
  );
  const model = detector.create(cfg, Array.from(train.classCounts().instances));
  try {
    const init = cfg.model.backbone.initCfg;
    if (init && !cfg.loadFrom) {
      const file = resolvePretrained(init.checkpoint, cwd, 'model.backbone.initCfg.checkpoint');
      await detector.loadWeights(model, file);
      log(`backbone from ${file}`);
    }
    if (cfg.loadFrom) {
      const { file } = await checkpointWeightsFile(at(cfg.loadFrom), detector.weightsFileName);
      await detector.loadWeights(model, file);
      log(`weights from ${file}`);
    }
    const params = selectTrainable(model.params.all(), cfg.trainable);
    const sampler = imageSamplers.create(
      cfg.sampler,
      { dataset: train.samplerDataset(), seed: deriveSeed(cfg.seed, 'sampler') },
      `${loaded.file}: sampler`,
    );
    const schedule = scheduleOf(cfg, sampler);
    const toIters = (i: { interval: number; by?: 'epoch' | 'iter' }) =>
      intervalToIters(i.interval, i.by ?? cfg.schedule.by, schedule.itersPerEpoch);
    const val = valEvaluator(loaded, detector, model, { cwd, workDir, log, progress: o.progress });
    // The run is recorded (and an overwritten one removed) only once it really starts.
    const recordRun: TrainHook = {
      beforeTrain: async () => {
        if (o.overwrite) {
          const removed = await clearRun(workDir);
          if (removed.length) log(`--overwrite: removed the earlier run's ${removed.join(', ')}`);
        }
        await writeRunConfig(workDir, loaded, o.cfgOptions ?? [], cwd);
      },
    };
    const result = await runTraining({
      params,
      step: gradientStep(params, (batch: DetectorBatch, ctx: { iter: number }) =>
        model.loss(batch, { iteration: ctx.iter }),
      ),
      batches: (state) => trainBatches(cfg, train, sampler, state),
      disposeBatch: (b) => b.images.dispose(),
      accumulationSteps: cfg.optimizer.accumulationSteps,
      schedule,
      optimizer: { ...cfg.optimizer, decayMult: decayMultipliers(model.params.all(), cfg) },
      weights: detectorWeightsIO(detector, model),
      stateful: { detector: model },
      workDir,
      checkpointInterval: toIters(cfg.checkpoint),
      maxKeep: cfg.checkpoint.maxKeep,
      evaluate: ({ iter, epoch }) => val.evaluate(iter, epoch),
      evalInterval: toIters(cfg.evaluation),
      logInterval: cfg.log.interval,
      resume: o.resume ?? false,
      ...(o.resumeFallback ? { resumeFallback: true } : {}),
      hooks: [recordRun],
      meta: {
        config: loaded.file,
        backend,
        trainedWith: trainedWith(cfg, train),
      },
      ...(o.progress !== undefined ? { progress: o.progress } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.handleSigint !== undefined ? { handleSigint: o.handleSigint } : {}),
    });
    const freqs = frequenciesOf((await val.valSet()).gt, train);
    const written = await writeTransferReports(
      workDir,
      model.transfers,
      [...train.categoryNames],
      freqs,
    );
    if (written.length) log(`CRAT transfer diagnostics: ${written.join(', ')}`);
    if (result.status === 'completed' && !val.last()) {
      await val.evaluate(result.iter, Math.ceil(result.iter / schedule.itersPerEpoch));
    }
    const last = val.last();
    return { workDir, result, ...(last ? { eval: last } : {}) };
  } finally {
    model.dispose();
  }
}

/** `optimizer.paramwise` as per-parameter multipliers (only the ones that are not 1). */
function decayMultipliers(
  params: readonly { name: string; role?: 'weight' | 'bias' | 'norm' }[],
  cfg: CratConfig,
): Record<string, number> {
  const { normDecayMult, biasDecayMult } = cfg.optimizer.paramwise;
  const out: Record<string, number> = {};
  for (const p of params) {
    const m = p.role === 'norm' ? normDecayMult : p.role === 'bias' ? biasDecayMult : 1;
    if (m !== 1) out[p.name] = m;
  }
  return out;
}

/** Generates the synthetic set when the config asks for it and it is missing, with a progress bar. */
async function prepareDataset(
  cfg: CratConfig,
  cwd: string,
  log: (m: string) => void,
  progress: ProgressStream | false | undefined,
): Promise<void> {
  let bar: ProgressReporter | null = null;
  await ensureDataset(cfg.dataset, {
    needsMinival: cfg.evaluation.split === 'minival',
    cwd,
    log,
    onProgress: (done, total) => {
      if (progress === false) return;
      bar ??= new ProgressReporter({
        unit: 'synth images',
        total,
        interval: Math.max(1, Math.ceil(total / 10)),
        stream: progress ?? process.stdout,
      });
      bar.update({ iter: done });
    },
  });
  (bar as ProgressReporter | null)?.finish();
}

/**
 * What a checkpoint must agree with to be evaluated (`crat test` checks it): the model tree,
 * the classification loss that turns its logits into scores, and the training classes.
 */
function trainedWith(cfg: CratConfig, train: LvisDetectionDataset): JsonValue {
  return JSON.parse(
    JSON.stringify({
      model: cfg.model,
      loss: cfg.loss,
      categoryIds: Array.from(train.labels.categoryIds),
    }),
  ) as JsonValue;
}

/** LVIS frequency per class label, from the val file's categories (they carry the train counts). */
function frequenciesOf(gt: LVIS, train: LvisDetectionDataset): string[] | undefined {
  const byId = new Map(gt.dataset.categories.map((c) => [c.id, c.frequency]));
  const f = train.labels.categoryIds.map((id) => byId.get(id));
  return f.every((x) => x !== undefined) ? (f as string[]) : undefined;
}
