import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PluginState } from '@crat/core';
import { type Batch, DataLoader, LvisDetectionDataset } from '@crat/data';
import { UniformSampler } from '@crat/samplers';
import { gradientStep, initBackend } from '@crat/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureDataset } from '../src/run/synth-dataset.js';
import {
  buildLrSchedule,
  type IterRecord,
  jsonWeightsIO,
  runTraining,
  type StepContext,
} from '../src/train/index.js';

// The loop over @crat/data's real pipeline (decode, multi-scale resize, flip, normalize,
// pad, prefetch) and a @crat/samplers sampler, with a tiny model counting classes per
// image: an interrupted and resumed run must see the same batches and give the same losses.

let root: string;
let dataset: LvisDetectionDataset;

beforeAll(async () => {
  await initBackend('cpu');
  root = mkdtempSync(join(tmpdir(), 'crat-data-resume-'));
  await ensureDataset(
    {
      type: 'synth',
      train: { annFile: 'synth/annotations/lvis_v1_train.json', imgDir: 'synth/train2017' },
      val: { annFile: 'synth/annotations/lvis_v1_val.json', imgDir: 'synth/val2017' },
      synth: {
        outDir: 'synth',
        seed: 5,
        trainImages: 16,
        valImages: 8,
        size: 48,
        families: 2,
        variants: 2,
        workers: 0,
      },
      skipBadImages: false,
    },
    { cwd: root },
  );
  dataset = LvisDetectionDataset.fromFile(join(root, 'synth/annotations/lvis_v1_train.json'), {
    imageDir: join(root, 'synth/train2017'),
  });
}, 60_000);

function makeModel(numClasses: number) {
  const uid = Math.random().toString(36).slice(2);
  const params = {
    'conv.weight': tf.variable(
      tf.mul(tf.randomNormal([3, 3, 3, 4], 0, 1, 'float32', 1), 0.1),
      true,
      `c${uid}`,
    ),
    'fc.weight': tf.variable(
      tf.mul(tf.randomNormal([4, numClasses], 0, 1, 'float32', 2), 0.1),
      true,
      `f${uid}`,
    ),
  };
  const step = gradientStep<Batch, StepContext>(params, (b) => {
    const h = tf.relu(tf.conv2d(b.images, params['conv.weight'] as tf.Tensor4D, 2, 'same'));
    const pooled = tf.mean(h, [1, 2]) as tf.Tensor2D;
    const counts = tf.stack(
      b.gtLabels.map((l) => tf.sum(tf.oneHot(tf.cast(l, 'int32'), numClasses), 0)),
    ) as tf.Tensor2D;
    return {
      loss_count: tf.mean(
        tf.square(tf.sub(tf.matMul(pooled, params['fc.weight']), counts)),
      ) as tf.Scalar,
    };
  });
  return {
    params,
    step,
    free: () => {
      for (const v of Object.values(params)) v.dispose();
    },
  };
}

async function train(workDir: string, o: { stopAt?: number; resume?: boolean }) {
  const model = makeModel(dataset.numClasses);
  const records: IterRecord[] = [];
  const stop = new AbortController();
  const sampler = new UniformSampler({ dataset: dataset.samplerDataset(), seed: 9 });
  const result = await runTraining<Batch>({
    params: model.params,
    step: model.step,
    batches: (state: PluginState | null) => {
      if (state) sampler.setState(state);
      const loader = new DataLoader({
        dataset,
        sampler,
        batchSize: 2,
        pipeline: {
          scales: [
            [64, 48],
            [64, 32],
          ],
          scaleMode: 'value',
          flipRatio: 0.5,
          padDivisor: 16,
        },
        seed: 3,
        workers: 0,
        prefetchBatches: 3,
      });
      return {
        next: () => loader.next(),
        samplerState: () => loader.samplerState(),
        close: () => loader.close(),
      };
    },
    disposeBatch: (b) => b.dispose(),
    schedule: buildLrSchedule({
      baseLr: 0.01,
      by: 'epoch',
      length: 2,
      itersPerEpoch: 8,
      warmup: { type: 'linear', iters: 4, ratio: 0.1 },
      policy: { type: 'step', milestones: [1], gamma: 0.5 },
    }),
    optimizer: { momentum: 0.9, weightDecay: 1e-4, gradClip: { maxNorm: 10 } },
    weights: jsonWeightsIO(model.params),
    workDir,
    progress: false,
    handleSigint: false,
    signal: stop.signal,
    resume: o.resume ?? false,
    hooks: [
      {
        afterStep: (_loop, r) => {
          records.push(r);
          if (r.iter === o.stopAt) stop.abort();
        },
      },
    ],
  });
  const weights = Object.fromEntries(
    Object.entries(model.params).map(([k, v]) => [k, Array.from(v.dataSync())]),
  );
  model.free();
  return { result, records, weights };
}

describe('runTraining on @crat/data batches', () => {
  it('resumes exactly across an interruption in the middle of an epoch', async () => {
    const full = await train(mkdtempSync(join(tmpdir(), 'crat-dr-a-')), {});
    expect(full.result).toMatchObject({ status: 'completed', iter: 16 });
    const dir = mkdtempSync(join(tmpdir(), 'crat-dr-b-'));
    const first = await train(dir, { stopAt: 5 });
    expect(first.result).toMatchObject({ status: 'interrupted', iter: 5 });
    const second = await train(dir, { resume: true });
    expect(second.records[0]!.iter).toBe(6);
    const loss = (r: IterRecord) => r.loss;
    expect([...first.records, ...second.records].map(loss)).toEqual(full.records.map(loss));
    expect(second.weights).toEqual(full.weights);
  }, 120_000);
});
