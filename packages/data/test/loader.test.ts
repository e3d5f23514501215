import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSynthDataset } from '@crat/lvis-synth';
import { RepeatFactorSampler, UniformSampler } from '@crat/samplers';
import { initBackend } from '@crat/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Batch,
  DataLoader,
  type DataLoaderOptions,
  LvisDetectionDataset,
} from '../src/index.js';
import { writeTinyDataset } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'crat-data-loader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let synth: LvisDetectionDataset;

beforeAll(async () => {
  await initBackend('cpu');
  const r = await generateSynthDataset({
    out: join(dir, 'synth'),
    seed: 2,
    trainImages: 48,
    valImages: 30,
    size: 96,
    families: 3,
    variants: 2,
    maxClassImages: 20,
    workers: 0,
  });
  synth = LvisDetectionDataset.fromFile(r.trainAnnotationFile, { imageDir: r.trainImageDir });
});

interface Snapshot {
  images: number[];
  shape: number[];
  boxes: number[][];
  labels: number[][];
  masks: Uint8Array[];
  metas: Batch['metas'];
  samples: Batch['samples'];
}

async function snapshot(b: Batch): Promise<Snapshot> {
  const s = {
    images: Array.from(await b.images.data()),
    shape: b.images.shape,
    boxes: await Promise.all(b.gtBoxes.map(async (t) => Array.from(await t.data()))),
    labels: await Promise.all(b.gtLabels.map(async (t) => Array.from(await t.data()))),
    masks: b.gtMasks,
    metas: b.metas,
    samples: b.samples,
  };
  b.dispose();
  return s;
}

function loader(opts: Partial<DataLoaderOptions> & { samplerSeed?: number } = {}): DataLoader {
  const { samplerSeed = 0, ...rest } = opts;
  return new DataLoader({
    dataset: synth,
    sampler: new UniformSampler({ dataset: synth.samplerDataset(), seed: samplerSeed }),
    batchSize: 2,
    pipeline: {
      scales: [
        [128, 96],
        [160, 128],
      ],
      flipRatio: 0.5,
    },
    seed: 5,
    workers: 2,
    ...rest,
  });
}

async function take(l: DataLoader, n: number): Promise<Snapshot[]> {
  const out: Snapshot[] = [];
  for await (const b of l.batches(n)) out.push(await snapshot(b));
  return out;
}

async function takeAndClose(l: DataLoader, n: number): Promise<Snapshot[]> {
  try {
    return await take(l, n);
  } finally {
    await l.close();
  }
}

describe('DataLoader', () => {
  it('builds NHWC float32 batches padded to 32, with boxes, int32 labels, masks and metas', async () => {
    const l = loader();
    expect(l.threads).toBe(2);
    const before = tf.memory().numTensors;
    const b = await l.next();
    expect(b.images.dtype).toBe('float32');
    const [N, H, W, C] = b.images.shape;
    expect([N, C]).toEqual([2, 3]);
    expect(H % 32).toBe(0);
    expect(W % 32).toBe(0);
    b.metas.forEach((m, k) => {
      expect(m.padShape[0] % 32).toBe(0);
      expect(m.padShape[1] % 32).toBe(0);
      expect(m.padShape[0]).toBeLessThanOrEqual(H);
      expect(m.oriShape).toEqual([96, 96]);
      const n = b.gtLabels[k].shape[0];
      expect(b.gtBoxes[k].shape).toEqual([n, 4]);
      expect(b.gtLabels[k].dtype).toBe('int32');
      expect(b.gtMasks[k].length).toBe(n * m.padShape[0] * m.padShape[1]);
      expect(m.index).toBe(b.samples[k].index);
    });
    b.dispose();
    expect(tf.memory().numTensors).toBe(before);
    await l.close();
  });

  it('is deterministic given the seeds, with or without worker threads', async () => {
    const a = await takeAndClose(loader(), 4);
    const b = await takeAndClose(loader({ workers: 0, prefetchBatches: 1 }), 4);
    expect(b).toEqual(a);
    const other = await takeAndClose(loader({ seed: 6 }), 4);
    expect(other.map((s) => s.metas.map((m) => m.flip))).not.toEqual(
      a.map((s) => s.metas.map((m) => m.flip)),
    );
    // Same images (same sampler), other augmentation.
    expect(other.map((s) => s.samples)).toEqual(a.map((s) => s.samples));
  });

  it('resumes from samplerState() with the same batches, prefetching notwithstanding', async () => {
    const full = loader({ samplerSeed: 9, prefetchBatches: 3 });
    const all = await take(full, 6);
    await full.close();
    const first = loader({ samplerSeed: 9, prefetchBatches: 3 });
    await take(first, 2);
    const state = first.samplerState();
    await first.close();
    const sampler = new UniformSampler({ dataset: synth.samplerDataset(), seed: 9 });
    sampler.setState(state);
    const resumed = new DataLoader({
      dataset: synth,
      sampler,
      batchSize: 2,
      pipeline: {
        scales: [
          [128, 96],
          [160, 128],
        ],
        flipRatio: 0.5,
      },
      seed: 5,
      workers: 2,
    });
    expect(await take(resumed, 4)).toEqual(all.slice(2));
    await resumed.close();
  });

  it('crosses epochs with a repeat-factor sampler', async () => {
    const sampler = new RepeatFactorSampler(
      { dataset: synth.samplerDataset(), seed: 1 },
      { threshold: 0.3 },
    );
    const perEpoch = sampler.epochIndices(0).length;
    const l = new DataLoader({
      dataset: synth,
      sampler,
      batchSize: 4,
      workers: 1,
      pipeline: { scales: [[96, 96]] },
    });
    const batches = await take(l, Math.ceil(perEpoch / 4) + 1);
    expect(batches.at(-1)!.samples.some((s) => s.epoch === 1)).toBe(true);
    await l.close();
  });
});

describe('bad images', () => {
  let tiny: { annotationFile: string; imageDir: string };
  beforeAll(async () => {
    tiny = await writeTinyDataset(join(dir, 'tiny'));
  });

  const tinyLoader = (dataset: LvisDetectionDataset, opts: Partial<DataLoaderOptions> = {}) =>
    new DataLoader({
      dataset,
      sampler: new UniformSampler(
        { dataset: dataset.samplerDataset(), seed: 0 },
        { shuffle: false },
      ),
      batchSize: 2,
      workers: 1,
      pipeline: { scales: [[64, 64]] },
      ...opts,
    });

  it('a missing file is an error naming the file and the image id', async () => {
    const ds = LvisDetectionDataset.fromFile(tiny.annotationFile, {
      imageDir: join(dir, 'elsewhere'),
    });
    const l = tinyLoader(ds);
    await expect(l.next()).rejects.toThrow(/elsewhere\/a\.png \(image id 11\): file not found/);
    await l.close();
  });

  it('a corrupt file is an error naming the file, or skipped with a warning', async () => {
    writeFileSync(join(tiny.imageDir, 'b.png'), Buffer.from('this is not a png'));
    const ds = LvisDetectionDataset.fromFile(tiny.annotationFile, tiny);
    const strict = tinyLoader(ds);
    await expect(strict.next()).rejects.toThrow(/images\/b\.png \(image id 12\): corrupt/);
    await strict.close();
    const warnings: string[] = [];
    const lenient = tinyLoader(ds, { onBadImage: 'skip', onWarning: (m) => warnings.push(m) });
    const b = await lenient.next();
    expect(b.metas.map((m) => m.imageId)).toEqual([11]);
    expect(b.images.shape[0]).toBe(1);
    b.dispose();
    expect(warnings.some((w) => w.includes('b.png'))).toBe(true);
    await lenient.close();
  });
});
