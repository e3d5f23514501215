// The bench's pairing: for one seed, a row and the row it is compared with train from the same
// initialisation on the same data order; they differ only in what the row itself sets.

import { resolve } from 'node:path';
import { deriveSeed, imageSamplers, type SamplerDataset } from '@crat/core';
import { initBackend } from '@crat/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { experimentSpecs } from '../src/bench/experiment-specs.js';
import { runCfgOptions } from '../src/bench/experiments.js';
import { loadConfig } from '../src/config/load.js';
import type { CratConfig } from '../src/config/schema.js';
import { maskRcnnForConfig } from '../src/run/detector-adapter.js';
import '../src/run/plugins.js';

const REPO = resolve(__dirname, '../../..');
const specs = experimentSpecs();

async function configOf(name: string, seed: number): Promise<CratConfig> {
  const spec = specs.find((s) => s.name === name)!;
  const { config: bare } = await loadConfig(spec.config, {
    cwd: REPO,
    cfgOptions: spec.cfgOptions ?? [],
  });
  const cfgOptions = runCfgOptions(spec, seed, {
    budget: 40,
    transfers: bare.transfers.length,
    numClasses: 40,
    evalOverrides: ['evaluation.split=val'],
  });
  return (await loadConfig(spec.config, { cwd: REPO, cfgOptions })).config;
}

/** What decides the data order and augmentation (sampler, seed, loader, pipeline, dataset). */
function dataSide(c: CratConfig) {
  return {
    seed: c.seed,
    sampler: c.sampler,
    data: c.data,
    pipeline: c.pipeline,
    dataset: c.dataset,
  };
}

beforeAll(async () => {
  await initBackend('cpu');
});

describe('bench pairing', () => {
  it('gives EQLv2 and EQLv2 + CRAT of one seed the same initial weights', async () => {
    const seed = 3;
    const [a, b] = await Promise.all([configOf('EQLv2', seed), configOf('EQLv2 + CRAT', seed)]);
    expect(a.transfers).toHaveLength(0);
    expect(b.transfers).toHaveLength(2);
    const counts = Array.from({ length: 40 }, (_, i) => 100 - 2 * i);
    const ma = maskRcnnForConfig(a, counts);
    const mb = maskRcnnForConfig(b, counts);
    const other = maskRcnnForConfig(await configOf('EQLv2', seed + 1), counts);
    try {
      const pa = ma.params.all();
      const pb = mb.params.all();
      expect(pb.map((p) => p.name)).toEqual(pa.map((p) => p.name));
      for (let i = 0; i < pa.length; i++) {
        const [x, y] = await Promise.all([pa[i]!.variable.data(), pb[i]!.variable.data()]);
        expect(Buffer.from(y.buffer).equals(Buffer.from(x.buffer)), pa[i]!.name).toBe(true);
      }
      // A check that can fail: another seed gives other weights.
      const fc = pa.findIndex((p) => p.name === 'roi_head.bbox_head.fc_cls.weight');
      const [x, z] = await Promise.all([
        pa[fc]!.variable.data(),
        other.params.all()[fc]!.variable.data(),
      ]);
      expect(Buffer.from(z.buffer).equals(Buffer.from(x.buffer))).toBe(false);
    } finally {
      ma.dispose();
      mb.dispose();
      other.dispose();
    }
  });

  it('gives every pair of one seed the same data side and sampler order, and only that row differs', async () => {
    const dataset: SamplerDataset = {
      numImages: 30,
      numClasses: 40,
      imageClasses: Array.from({ length: 30 }, (_, i) => [i % 40, (i * 7) % 40]),
    };
    const order = (c: CratConfig) => {
      const s = imageSamplers.create(
        c.sampler,
        { dataset, seed: deriveSeed(c.seed, 'sampler') },
        'sampler',
      );
      return [...s.epochIndices(0), ...s.epochIndices(1)];
    };
    const comparisons = specs
      .filter((s) => !s.startsFrom)
      .flatMap((s) => [s.pairedWith, s.alsoPairedWith].flatMap((b) => (b ? [[s.name, b]] : [])));
    expect(comparisons.length).toBeGreaterThan(specs.filter((s) => s.pairedWith).length);
    for (const [name, baseName] of comparisons) {
      const what = `${name} vs ${baseName}`;
      const [row, base] = await Promise.all([configOf(name!, 2), configOf(baseName!, 2)]);
      expect(dataSide(row), what).toEqual(dataSide(base));
      expect(order(row), what).toEqual(order(base));
      // Outside the transfers nothing differs (the preset's default work dir is not used), but
      // for the loss-weight control, whose heads' own box and mask loss weights are raised.
      const ownWeights = specs
        .find((s) => s.name === name)!
        .cfgOptions?.some((o) => o.startsWith('model.roiHead.'));
      if (ownWeights) {
        const raised = (c: CratConfig) => [
          c.model.roiHead.bbox.lossBboxWeight,
          c.model.roiHead.mask.lossMaskWeight,
        ];
        expect(raised(row), what).toEqual([3, 5]);
        expect(raised(base), what).toEqual([1, 1]);
        row.model.roiHead.bbox.lossBboxWeight = 1;
        row.model.roiHead.mask.lossMaskWeight = 1;
      }
      const { transfers: _t, workDir: _w, ...restRow } = row;
      const { transfers: _u, workDir: _v, ...restBase } = base;
      expect(restRow, what).toEqual(restBase);
    }
    const [s0, s1] = await Promise.all([configOf('EQLv2', 0), configOf('EQLv2', 1)]);
    expect(order(s0)).not.toEqual(order(s1));
  });
});
