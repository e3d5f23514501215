// `crat test`: a checkpoint run over the config's test (or val) split, its results written and
// evaluated.

import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { writeJsonAtomic } from '@crat/core';
import { LVIS } from '@crat/lvis';
import { type BackendChoice, initBackend } from '@crat/tensor';
import type { IouType } from 'lvis-ts-types';
import { loadConfig } from '../config/load.js';
import { checkpointWeightsFile } from '../train/checkpoint.js';
import { ProgressReporter } from '../train/progress.js';
import { loadDetectionDataset } from './datasets.js';
import { type DetectorBackend, detectorBackend } from './detector-api.js';
import { type EvalReports, evaluateResults, formatEvalTable } from './evaluation.js';
import { predictDataset } from './inference.js';
import './plugins.js';

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
  const model = detector.create(cfg, counts);
  try {
    const weights = checkpointWeightsFile(at(o.checkpoint), detector.weightsFileName);
    await detector.loadWeights(model, weights);
    log(`weights ${weights}`);
    const dataset = await loadDetectionDataset(at(split.annFile), at(split.imgDir));
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
