// What the published similarity does with the L1 box loss, what `squared-gradient` does
// instead, and that `uniform` ignores both: hand cases with one-hot features, so every cosine
// is known in closed form.

import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  appliedClassWeights,
  CratBoxTransfer,
  CratOptionError,
  type CratSimilarity,
  cosineToFisher,
  FisherBank,
  fisherGuidedClassWeights,
  floatOneHot,
  perRoiBoxGradients,
  presentClasses,
} from '../src/index.js';
import { BACKENDS, useBackend } from './backends.js';

const C = 3;
// The L1 loss's derivative w.r.t. a prediction is sign(residual) (times a positive scale), so
// a class's Fisher row is its mean squared feature, the same for its 4 coordinates.
const CLASS_FEATURES = [
  [1, 0, 0],
  [0, 1, 0],
  [0, 0, 1],
];
// One RoI of class 2 whose features are closer to class 0's than to class 1's.
const ROI = [1, 0.25, 0];
const ALL_PLUS = [1, 1, 1, 1];
const ALL_MINUS = [-1, -1, -1, -1];
const BALANCED = [1, -1, 1, -1];

function cos(a: number[], b: number[]): number {
  const dot = a.reduce((s, x, i) => s + x * b[i]!, 0);
  return dot / Math.hypot(...a) / Math.hypot(...b);
}

/** A bank whose Fisher rows are the class features ⊗ 1 (one RoI per class, momentum 1). */
function teachBank(): FisherBank {
  const bank = new FisherBank(C, 'test');
  tf.tidy(() => {
    const x = tf.tensor2d(CLASS_FEATURES);
    const g = tf.tensor2d([ALL_PLUS, ALL_MINUS, BALANCED]); // signs vanish in the square
    bank.update(perRoiBoxGradients(x, g), presentClasses([0, 1, 2], C, 'test'), 'exact-fisher', 1);
  });
  return bank;
}

async function weightsOf(
  bank: FisherBank,
  signs: number[],
  similarity: CratSimilarity,
): Promise<number[]> {
  const perRoi = tf.tidy(() => perRoiBoxGradients(tf.tensor2d([ROI]), tf.tensor2d([signs])));
  const onehot = floatOneHot(tf.tensor1d([2], 'int32'), C);
  // A momentum of 1e-12 leaves the taught Fisher as it is (to float precision).
  const step = fisherGuidedClassWeights(bank, perRoi, presentClasses([2], C, 'test'), onehot, {
    mode: 'exact-fisher',
    momentum: 1e-12,
    temperature: 0.05,
    normEps: 1e-12,
    similarity,
  });
  const w = Array.from(await step.classWeights.data());
  tf.dispose([perRoi, onehot, step.classWeights, step.seen]);
  return w;
}

describe.each(BACKENDS)('CRAT similarity (%s)', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  it('published: the cosine is (Σ sign / 4) x cos(features, class features)', async () => {
    const fisher = tf.tensor2d(CLASS_FEATURES.map((f) => f.flatMap((v) => [v, v, v, v])));
    for (const signs of [ALL_PLUS, ALL_MINUS, BALANCED, [1, 1, 1, -1]]) {
      const perRoi = perRoiBoxGradients(tf.tensor2d([ROI]), tf.tensor2d([signs]));
      const got = Array.from(await cosineToFisher(perRoi, fisher, 1e-12).data());
      const factor = signs.reduce((a, b) => a + b, 0) / 4;
      const want = CLASS_FEATURES.map((f) => factor * cos(ROI, f));
      for (let c = 0; c < C; c++) expect(got[c]).toBeCloseTo(want[c]!, 5);
      perRoi.dispose();
    }
    fisher.dispose();
  });

  it('published: a box moved one way prefers the most alike class, the other way the least', async () => {
    const bank = teachBank();
    const plus = await weightsOf(bank, ALL_PLUS, 'gradient');
    const minus = await weightsOf(bank, ALL_MINUS, 'gradient');
    const balanced = await weightsOf(bank, BALANCED, 'gradient');
    expect(plus[2]).toBe(0); // its own class is excluded
    expect(plus[0]!).toBeGreaterThan(0.99); // class 0 is the look-alike
    expect(minus[1]!).toBeGreaterThan(0.99); // ... and here the weight goes to class 1
    expect(balanced[0]).toBeCloseTo(0.5, 6); // all cosines 0: no preference at all
    expect(balanced[1]).toBeCloseTo(0.5, 6);
    bank.dispose();
  });

  it('squared-gradient: the weights follow the features whatever the residual signs', async () => {
    const bank = teachBank();
    const runs = await Promise.all(
      [ALL_PLUS, ALL_MINUS, BALANCED].map((s) => weightsOf(bank, s, 'squared-gradient')),
    );
    // cos(ROI², class 0) = 1/√(1 + 1/256), cos(ROI², class 1) = (1/16)/√(1 + 1/256).
    const c0 = 1 / Math.sqrt(1 + 1 / 256);
    const c1 = 1 / 16 / Math.sqrt(1 + 1 / 256);
    const w0 = 1 / (1 + Math.exp((c1 - c0) / 0.05));
    for (const w of runs) {
      expect(w[0]).toBeCloseTo(w0, 5);
      expect(w[1]).toBeCloseTo(1 - w0, 5);
      expect(w[2]).toBe(0);
    }
    bank.dispose();
  });

  it('uniform: 1/(C-1) to every other class whatever the features and residual signs', async () => {
    const bank = teachBank();
    for (const signs of [ALL_PLUS, ALL_MINUS, BALANCED]) {
      expect(await weightsOf(bank, signs, 'uniform')).toEqual([0.5, 0.5, 0]);
    }
    bank.dispose();
  });

  it('uniform: unseen classes are still zeroed by maskUnseenClasses, without renormalising', async () => {
    // Five classes, only 0 and 3 seen: a class-3 RoI gives 1/4 to each other class, then
    // the unseen 1, 2, 4 lose theirs and class 0 keeps 1/4.
    const n = 5;
    const bank = new FisherBank(n, 'test');
    tf.tidy(() => {
      const g = perRoiBoxGradients(
        tf.tensor2d([
          [1, 0, 0],
          [0, 1, 0],
        ]),
        tf.tensor2d([ALL_PLUS, ALL_PLUS]),
      );
      bank.update(g, presentClasses([0, 3], n, 'test'), 'exact-fisher', 1);
    });
    const perRoi = tf.tidy(() => perRoiBoxGradients(tf.tensor2d([ROI]), tf.tensor2d([ALL_PLUS])));
    const onehot = floatOneHot(tf.tensor1d([3], 'int32'), n);
    const step = fisherGuidedClassWeights(bank, perRoi, presentClasses([3], n, 'test'), onehot, {
      mode: 'exact',
      momentum: 0.01,
      temperature: 0.05,
      normEps: 1e-12,
      similarity: 'uniform',
    });
    expect(Array.from(await step.classWeights.data())).toEqual([0.25, 0.25, 0.25, 0, 0.25]);
    const applied = appliedClassWeights(step, true);
    expect(Array.from(await applied.data())).toEqual([0.25, 0, 0, 0, 0]);
    tf.dispose([perRoi, onehot, step.classWeights, step.seen, applied]);
    bank.dispose();
  });

  it('squared-gradient goes through the plug-in; an unknown value is refused by name', () => {
    expect(new CratBoxTransfer(C, { similarity: 'squared-gradient' }).options.similarity).toBe(
      'squared-gradient',
    );
    expect(new CratBoxTransfer(C).options.similarity).toBe('gradient');
    expect(() => new CratBoxTransfer(C, { similarity: 'abs' as never })).toThrow(CratOptionError);
    expect(() => new CratBoxTransfer(C, { similarity: 'abs' as never })).toThrow(
      /crat-bbox: option 'similarity' must be one of 'gradient', 'squared-gradient', 'uniform'/,
    );
  });
});
