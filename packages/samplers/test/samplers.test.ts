import { type ImageSampler, imageSamplers, type SamplerInit } from '@crat/core';
import { describe, expect, it } from 'vitest';
import {
  ClassAwareSampler,
  computeRepeatFactors,
  RepeatFactorSampler,
  SamplerStateError,
  UniformSampler,
} from '../src/index.js';
import { toyDataset } from './fixtures.js';

const dataset = toyDataset(203, 9);

const builders: Record<string, (init: SamplerInit) => ImageSampler> = {
  uniform: (init) => new UniformSampler(init),
  'repeat-factor': (init) => new RepeatFactorSampler(init, { threshold: 0.3 }),
  'repeat-factor ceil': (init) =>
    new RepeatFactorSampler(init, { threshold: 0.3, rounding: 'ceil' }),
  'class-aware': (init) => new ClassAwareSampler(init),
};

function multiset(values: Iterable<number>): Map<number, number> {
  const m = new Map<number, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return m;
}

for (const [name, build] of Object.entries(builders)) {
  describe(`${name} sampler`, () => {
    it('is deterministic in (seed, epoch) and differs across epochs and seeds', () => {
      const a = build({ dataset, seed: 7 });
      const b = build({ dataset, seed: 7 });
      expect([...a.epochIndices(3)]).toEqual([...b.epochIndices(3)]);
      // Asking for epochs in another order changes nothing.
      b.epochIndices(0);
      expect([...a.epochIndices(1)]).toEqual([...b.epochIndices(1)]);
      expect([...a.epochIndices(0)]).not.toEqual([...a.epochIndices(1)]);
      expect([...a.epochIndices(0)]).not.toEqual([...build({ dataset, seed: 8 }).epochIndices(0)]);
    });

    it('shards cover every position of the global stream exactly once', () => {
      for (const worldSize of [1, 2, 3, 8]) {
        const whole = build({ dataset, seed: 1 }).epochIndices(2);
        const shards = Array.from({ length: worldSize }, (_, rank) =>
          build({ dataset, seed: 1, rank, worldSize }).epochIndices(2),
        );
        const total = shards.reduce((n, s) => n + s.length, 0);
        expect(total).toBe(whole.length);
        const lengths = shards.map((s) => s.length);
        expect(Math.max(...lengths) - Math.min(...lengths)).toBeLessThanOrEqual(1);
        // Re-interleave: shard r holds global positions r, r+W, ...
        const rebuilt = new Int32Array(whole.length);
        shards.forEach((s, rank) => {
          s.forEach((v, k) => {
            rebuilt[rank + k * worldSize] = v;
          });
        });
        expect([...rebuilt]).toEqual([...whole]);
        expect(multiset(shards.flatMap((s) => [...s]))).toEqual(multiset(whole));
      }
    });

    it('take() crosses epochs and a resumed sampler reproduces the stream from any position', () => {
      const ref = build({ dataset, seed: 5, rank: 1, worldSize: 2 });
      const len0 = ref.epochIndices(0).length;
      const stream = ref.take(len0 * 2 + 11);
      expect(stream.slice(0, len0).map((s) => s.index)).toEqual([...ref.epochIndices(0)]);
      expect(stream[len0].epoch).toBe(1);
      expect(stream.slice(len0, 2 * len0).map((s) => s.index)).toEqual([
        ...ref.epochIndices(1).slice(0, len0),
      ]);
      for (const cut of [0, 1, 37, len0 - 1, len0, len0 + 5]) {
        const first = build({ dataset, seed: 5, rank: 1, worldSize: 2 });
        first.take(cut);
        const state = JSON.parse(JSON.stringify(first.getState()));
        const resumed = build({ dataset, seed: 5, rank: 1, worldSize: 2 });
        resumed.setState(state);
        expect(resumed.position()).toEqual(first.position());
        expect(resumed.take(stream.length - cut)).toEqual(stream.slice(cut));
      }
    });

    it('only yields valid image indices', () => {
      for (const v of build({ dataset, seed: 2 }).epochIndices(0)) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThan(dataset.numImages);
      }
    });
  });
}

describe('sampler specifics', () => {
  it('uniform visits every image once per epoch', () => {
    const idx = new UniformSampler({ dataset, seed: 0 }).epochIndices(4);
    expect([...idx].sort((a, b) => a - b)).toEqual([...Array(dataset.numImages).keys()]);
  });

  it('repeat-factor stochastic counts stay within floor/ceil of r_i', () => {
    const s = new RepeatFactorSampler({ dataset, seed: 0 }, { threshold: 0.3 });
    const f = computeRepeatFactors(dataset, 0.3);
    expect([...f.imageRepeat].some((r) => r > 1 && r % 1 !== 0)).toBe(true);
    const idx = multiset(s.epochIndices(0));
    f.imageRepeat.forEach((r, i) => {
      const n = idx.get(i) ?? 0;
      expect(n).toBeGreaterThanOrEqual(Math.floor(r));
      expect(n).toBeLessThanOrEqual(Math.ceil(r));
    });
  });

  it('class-aware draws classes about uniformly, so the rarest class gets its share', () => {
    const s = new ClassAwareSampler({ dataset, seed: 0 }, { epochLength: 9 * 200 });
    const hits = new Int32Array(dataset.numClasses);
    for (const i of s.epochIndices(0)) for (const c of dataset.imageClasses[i]) hits[c]++;
    // Each class is picked exactly 200 times (random cycles), plus co-occurrences.
    for (const h of hits) expect(h).toBeGreaterThanOrEqual(200);
    const rarest = s.classImages.reduce(
      (m, l, c) => (l.length < s.classImages[m].length ? c : m),
      0,
    );
    expect(s.classImages[rarest].length).toBeLessThan(10);
  });

  it('rejects state from another sampler, seed or dataset with the field named', () => {
    const s = new UniformSampler({ dataset, seed: 1 });
    const state = s.getState();
    expect(() => new UniformSampler({ dataset, seed: 2 }).setState(state)).toThrow(/'seed'/);
    expect(() => new ClassAwareSampler({ dataset, seed: 1 }).setState(state)).toThrow(
      SamplerStateError,
    );
    expect(() => s.setState({ ...state, offset: -1 })).toThrow(/'offset'/);
    expect(() =>
      new UniformSampler({ dataset: toyDataset(50, 3), seed: 1 }).setState(state),
    ).toThrow(/'numImages'/);
  });

  it('rejects bad rank/worldSize and out-of-range classes', () => {
    expect(() => new UniformSampler({ dataset, seed: 0, rank: 2, worldSize: 2 })).toThrow(/rank/);
    expect(
      () =>
        new UniformSampler({
          dataset: { numImages: 1, numClasses: 2, imageClasses: [[2]] },
          seed: 0,
        }),
    ).toThrow(/image 0 has class 2/);
  });

  it('registers uniform, repeat-factor and class-aware in imageSamplers', () => {
    for (const type of ['uniform', 'repeat-factor', 'class-aware']) {
      expect(imageSamplers.has(type)).toBe(true);
    }
    const s = imageSamplers.create({ type: 'repeat-factor', threshold: 0.3 }, { dataset, seed: 0 });
    expect(s.type).toBe('repeat-factor');
    expect([...s.epochIndices(0)]).toEqual([
      ...new RepeatFactorSampler({ dataset, seed: 0 }, { threshold: 0.3 }).epochIndices(0),
    ]);
    expect(() =>
      imageSamplers.create({ type: 'class-aware', bogus: 1 }, { dataset, seed: 0 }),
    ).toThrow(/bogus/);
  });
});
