import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { imageSamplers, type PluginState } from '@crat/core';
import { DataLoader, type LvisDetectionDataset } from '@crat/data';
import { LVIS } from '@crat/lvis';
import { type BackendChoice, initBackend } from '@crat/tensor';
import type { IouType } from 'lvis-ts-types';
import { loadConfig } from '../config/load.js';
import { checkpointWeightsFile, type WeightsIO } from '../train/checkpoint.js';
import { gradientStep } from '../train/gradient-step.js';
import { buildLrSchedule, intervalToIters } from '../train/lr-schedule.js';
import { ProgressReporter, type ProgressStream } from '../train/progress.js';
import { deriveSeed } from '../train/rng.js';
import { type BatchSource, runTraining, type TrainingResult } from '../train/run-training.js';
import { loadDetectionDataset } from './datasets.js';
import { type DetectorBackend, type DetectorModel, detectorBackend } from './detector-api.js';
import { toDetectorBatch } from './detector-batch.js';
import {
  type EvalReports,
  evaluateResults,
  flattenMetrics,
  formatEvalTable,
  writeEvalRecord,
} from './evaluation.js';
import { predictDataset } from './inference.js';
import './plugins.js';
import { writeRunConfig } from './run-config.js';
import { ensureDataset } from './synth-dataset.js';
import { selectTrainable } from './trainable.js';
import { writeTransferReports } from './transfer-outputs.js';

export interface TrainOptions {
  config: string;
  cfgOptions?: string[];
  workDir?: string;
  /** `true`: the work dir's newest checkpoint; a path: that checkpoint. */
  resume?: boolean | string;
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
export function detectorWeightsIO(backend: DetectorBackend, model: DetectorModel): WeightsIO {
  return {
    fileName: backend.weightsFileName,
    save: (path) => backend.saveWeights(model, path),
    load: (path) => backend.loadWeights(model, path),
  };
}

/** `crat train`: everything from a config file to checkpoints, metrics, evaluations and CRAT reports. */
export async function trainFromConfig(o: TrainOptions): Promise<TrainOutcome> {
  const cwd = o.cwd ?? process.cwd();
  const log = o.log ?? ((m: string) => console.log(m));
  const detector = o.detector ?? detectorBackend();
  const loaded = await loadConfig(o.config, { cfgOptions: o.cfgOptions ?? [], cwd });
  const cfg = loaded.config;
  const workDir = resolve(cwd, o.workDir ?? cfg.workDir!);
  mkdirSync(workDir, { recursive: true });
  const backend = await initBackend(o.backend ?? cfg.backend);
  log(`config ${loaded.file}\nwork dir ${workDir}\nbackend ${backend}`);
  await writeRunConfig(workDir, loaded, o.cfgOptions ?? [], cwd);

  let synthBar: ProgressReporter | null = null;
  await ensureDataset(cfg.dataset, {
    cwd,
    log,
    onProgress: (done, total) => {
      if (o.progress === false) return;
      synthBar ??= new ProgressReporter({
        unit: 'synth images',
        total,
        interval: Math.max(1, Math.ceil(total / 10)),
        stream: o.progress ?? process.stdout,
      });
      synthBar.update({ iter: done });
    },
  });
  (synthBar as ProgressReporter | null)?.finish();
  const at = (p: string) => resolve(cwd, p);
  const train = await loadDetectionDataset(
    at(cfg.dataset.train.annFile),
    at(cfg.dataset.train.imgDir),
  );
  const counts = Array.from(train.classCounts().instances);
  const model = detector.create(cfg, counts);
  try {
    if (cfg.loadFrom) {
      const file = checkpointWeightsFile(at(cfg.loadFrom), detector.weightsFileName);
      await detector.loadWeights(model, file);
      log(`weights from ${file}`);
    }
    const params = selectTrainable(model.params.all(), cfg.trainable);
    const sampler = imageSamplers.create(
      cfg.sampler,
      { dataset: train.samplerDataset(), seed: deriveSeed(cfg.seed, 'sampler') },
      `${loaded.file}: sampler`,
    );
    const imagesPerIter = cfg.data.batchSize * cfg.optimizer.accumulationSteps;
    const itersPerEpoch = Math.max(1, Math.ceil(sampler.epochIndices(0).length / imagesPerIter));
    const s = cfg.schedule;
    const schedule = buildLrSchedule({
      baseLr: cfg.optimizer.lr,
      by: s.by,
      length: s.length,
      itersPerEpoch,
      warmup: s.warmup,
      policy: s.policy,
    });
    const toIters = (i: { interval: number; by?: 'epoch' | 'iter' }) =>
      intervalToIters(i.interval, i.by ?? s.by, itersPerEpoch);

    let val: { gt: LVIS; dataset: LvisDetectionDataset } | null = null;
    const valSet = async () => {
      val ??= {
        gt: await LVIS.load(at(cfg.dataset.val.annFile)),
        dataset: await loadDetectionDataset(
          at(cfg.dataset.val.annFile),
          at(cfg.dataset.val.imgDir),
        ),
      };
      return val;
    };
    let lastEval: EvalReports | undefined;
    const evaluate = async (iter: number, epoch: number) => {
      const val = await valSet();
      const bar =
        o.progress === false
          ? null
          : new ProgressReporter({
              unit: 'inference',
              total: val.dataset.numImages,
              interval: Math.max(1, Math.ceil(val.dataset.numImages / 10)),
              stream: o.progress ?? process.stdout,
            });
      const results = await predictDataset(detector, model, val.dataset, cfg, {
        onProgress: (done) => bar?.update({ iter: done }),
      });
      bar?.finish();
      lastEval = evaluateResults(val.gt, results, cfg.evaluation.metrics as IouType[]);
      await writeEvalRecord(workDir, { iter, epoch, ...lastEval });
      log(formatEvalTable(lastEval));
      return flattenMetrics(lastEval);
    };

    const batches = (
      state: PluginState | null,
    ): BatchSource<ReturnType<typeof toDetectorBatch>> => {
      if (state) sampler.setState(state);
      const loader = new DataLoader({
        dataset: train,
        sampler,
        batchSize: cfg.data.batchSize,
        pipeline: {
          scales: cfg.pipeline.train.scales,
          scaleMode: cfg.pipeline.train.scaleMode,
          keepRatio: cfg.pipeline.train.keepRatio,
          flipRatio: cfg.pipeline.train.flipRatio,
          mean: cfg.pipeline.mean,
          std: cfg.pipeline.std,
          padDivisor: cfg.pipeline.padDivisor,
          withMasks: true,
        },
        seed: deriveSeed(cfg.seed, 'augment'),
        workers: cfg.data.workers,
        prefetchBatches: cfg.data.prefetch,
        onBadImage: cfg.dataset.skipBadImages ? 'skip' : 'error',
      });
      return {
        next: async () => toDetectorBatch(await loader.next()),
        samplerState: () => loader.samplerState(),
        close: () => loader.close(),
      };
    };

    const result = await runTraining({
      params,
      step: gradientStep(params, (batch, ctx) =>
        model.computeLosses(batch, { iteration: ctx.iter }),
      ),
      batches,
      disposeBatch: (b) => b.images.dispose(),
      batchSize: cfg.data.batchSize,
      accumulationSteps: cfg.optimizer.accumulationSteps,
      schedule,
      optimizer: {
        momentum: cfg.optimizer.momentum,
        weightDecay: cfg.optimizer.weightDecay,
        gradClip: cfg.optimizer.gradClip,
      },
      weights: detectorWeightsIO(detector, model),
      stateful: { detector: model },
      workDir,
      seed: cfg.seed,
      checkpointInterval: toIters(cfg.checkpoint),
      maxKeep: cfg.checkpoint.maxKeep,
      evalInterval: toIters(cfg.evaluation),
      logInterval: cfg.log.interval,
      resume: o.resume ?? false,
      hooks: { evaluate: ({ iter, epoch }) => evaluate(iter, epoch) },
      meta: { config: loaded.file, backend },
      ...(o.progress !== undefined ? { progress: o.progress } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.handleSigint !== undefined ? { handleSigint: o.handleSigint } : {}),
    });

    const classNames = [...train.categoryNames];
    const freqs = frequenciesOf((await valSet()).gt, train);
    const written = await writeTransferReports(workDir, model.transfers, classNames, freqs);
    if (written.length) log(`CRAT transfer diagnostics: ${written.join(', ')}`);
    if (result.status === 'completed' && !lastEval) {
      await evaluate(result.iter, Math.ceil(result.iter / itersPerEpoch));
    }
    return { workDir, result, ...(lastEval ? { eval: lastEval } : {}) };
  } finally {
    model.dispose();
  }
}

/** LVIS frequency per class label, from the val file's categories (they carry the train counts). */
function frequenciesOf(gt: LVIS, train: LvisDetectionDataset): string[] | undefined {
  const byId = new Map(gt.dataset.categories.map((c) => [c.id, c.frequency]));
  const f = train.labels.categoryIds.map((id) => byId.get(id));
  return f.every((x) => x !== undefined) ? (f as string[]) : undefined;
}
