// `crat test`: a checkpoint, checked against its checksums and against the config it was
// trained with, run over the test (or val) split and evaluated.

import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { writeJsonAtomic } from '@crat/core';
import { LVIS } from '@crat/lvis';
import { type BackendChoice, initBackend } from '@crat/tensor';
import type { IouType } from 'lvis-ts-types';
import { loadConfig } from '../config/load.js';
import type { CratConfig } from '../config/schema.js';
import { type CheckpointWeights, checkpointWeightsFile } from '../train/checkpoint.js';
import { ProgressReporter } from '../train/progress.js';
import { configDifferences, formatDifferences } from './config-diff.js';
import { loadDetectionDataset } from './datasets.js';
import { type DetectorBackend, detectorBackend } from './detector-api.js';
import { type EvalReports, evaluateResults, formatEvalTable } from './evaluation.js';
import { predictDataset } from './inference.js';
import './plugins.js';
import { recordedConfig } from './work-dir.js';

export interface TestOptions {
  config: string;
  /** A checkpoint folder, a work dir (its newest checkpoint) or a safetensors file. */
  checkpoint: string;
  cfgOptions?: string[];
  backend?: BackendChoice;
  /** Where to write the LVIS results JSON (default: beside the checkpoint, `results.json`). */
  out?: string;
  cwd?: string;
  log?: (message: string) => void;
  /** The detector (default: the registered one, `@crat/detector`). */
  detector?: DetectorBackend;
}

/** `crat test`: inference with a checkpoint on the config's test split (or val), then LVIS evaluation. */
export async function testFromConfig(
  o: TestOptions,
): Promise<{ reports: EvalReports; resultsFile: string }> {
  const cwd = o.cwd ?? process.cwd();
  const log = o.log ?? ((m: string) => console.log(m));
  const detector = o.detector ?? detectorBackend();
  const { config: cfg } = await loadConfig(o.config, { cfgOptions: o.cfgOptions ?? [], cwd });
  await initBackend(o.backend ?? cfg.backend);
  const at = (p: string) => resolve(cwd, p);
  const split = cfg.dataset.test ?? cfg.dataset.val;
  const train = existsSync(at(cfg.dataset.train.annFile))
    ? await loadDetectionDataset(at(cfg.dataset.train.annFile), at(cfg.dataset.train.imgDir))
    : null;
  const counts = train ? Array.from(train.classCounts().instances) : undefined;
  const ckpt = await checkpointWeightsFile(at(o.checkpoint), detector.weightsFileName);
  const dataset = await loadDetectionDataset(at(split.annFile), at(split.imgDir));
  checkTrainedWith(ckpt, cfg, Array.from(dataset.labels.categoryIds), log);
  const weights = ckpt.file;
  const model = detector.create(cfg, counts);
  try {
    await detector.loadWeights(model, weights);
    log(`weights ${weights}${ckpt.verified ? ' (checksum verified)' : ''}`);
    const bar = new ProgressReporter({
      unit: 'inference',
      total: dataset.numImages,
      interval: Math.max(1, Math.ceil(dataset.numImages / 10)),
    });
    const results = await predictDataset(detector, model, dataset, cfg, {
      onProgress: (done) => bar.update({ iter: done }),
    });
    bar.finish();
    const resultsFile = o.out ? at(o.out) : join(dirname(weights), 'results.json');
    await writeJsonAtomic(resultsFile, results);
    const reports = evaluateResults(
      await LVIS.load(at(split.annFile)),
      results,
      cfg.evaluation.metrics as IouType[],
    );
    log(formatEvalTable(reports));
    return { reports, resultsFile };
  } finally {
    model.dispose();
  }
}

/** Config fields read only at test time: they may differ from training. */
const TEST_TIME = [/^model\.test\./, /^model\.rpnHead\.test\./];

/**
 * Refuse a checkpoint trained with another classification loss or other classes than the
 * config says (its scores would mean something else: a cross-entropy config on an EQLv2
 * checkpoint scores every class with the wrong function); warn about other model fields
 * that differ. The checkpoint's meta.json records what it was trained with; older ones
 * fall back to their work dir's config.json.
 */
function checkTrainedWith(
  ckpt: CheckpointWeights,
  cfg: CratConfig,
  categoryIds: number[],
  log: (m: string) => void,
): void {
  const dir = dirname(ckpt.file);
  const fromMeta = ckpt.meta?.trainedWith as Record<string, unknown> | undefined;
  const workDir = dirname(dirname(dir));
  const rec =
    fromMeta ??
    (ckpt.meta && basename(dirname(dir)) === 'checkpoints' ? recordedConfig(workDir) : null);
  if (!rec) {
    log(`warning: ${ckpt.file}: no record of the config it was trained with; not checked`);
    return;
  }
  const source = fromMeta ? join(dir, 'meta.json') : join(workDir, 'config.json');
  const given = { model: cfg.model, loss: cfg.loss, categoryIds };
  const recorded = {
    model: rec.model,
    loss: rec.loss,
    categoryIds: rec.categoryIds ?? categoryIds,
  };
  const diffs = configDifferences(recorded, given).filter(
    (d) => !TEST_TIME.some((re) => re.test(d.path)),
  );
  const fatal = diffs.filter(
    (d) => d.path.startsWith('loss') || d.path === 'model.numClasses' || d.path === 'categoryIds',
  );
  if (fatal.length) {
    throw new Error(
      `${ckpt.file} was trained with another loss or other classes than the config (recorded in ${source}; recorded → config):\n${formatDifferences(fatal)}\nuse the config it was trained with`,
    );
  }
  if (diffs.length) {
    log(
      `warning: the config differs from the one ${ckpt.file} was trained with (recorded in ${source}; recorded → config):\n${formatDifferences(diffs)}`,
    );
  }
}
