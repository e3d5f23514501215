import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { checkClassificationLabels, createRandom, mixSeed, shuffleInPlace } from '../src/index.js';

describe('checkClassificationLabels', () => {
  it('returns the labels and names the loss, index and value of a bad one', () => {
    const logits = tf.zeros([3, 4]);
    const good = Int32Array.from([0, 3, 2]);
    expect(Array.from(checkClassificationLabels('seesaw', logits, good, 4, 3))).toEqual([0, 3, 2]);
    const bad = [0, 4, 1];
    expect(() => checkClassificationLabels('seesaw', logits, bad, 4, 3)).toThrowError(
      /seesaw: labels\[1\] = 4 is not a class index in 0\.\.3/,
    );
    expect(() => checkClassificationLabels('eqlv2', logits, good, 5, 3)).toThrowError(
      /eqlv2: logits must have shape \[N, 5\], got \[3, 4\]/,
    );
    expect(() => checkClassificationLabels('eqlv2', logits, [0, 1], 4, 3)).toThrowError(
      /eqlv2: labels must have length 3/,
    );
    tf.dispose(logits);
  });
});

describe('seeded random streams', () => {
  it('repeat for the same seed and differ across derived seeds', () => {
    const a = createRandom(mixSeed(7, 0));
    const b = createRandom(mixSeed(7, 0));
    const c = createRandom(mixSeed(7, 1));
    const sa = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(sa);
    expect(Array.from({ length: 5 }, c)).not.toEqual(sa);
    for (const v of sa) expect(v >= 0 && v < 1).toBe(true);
  });

  it('shuffles to a permutation', () => {
    const values = Int32Array.from({ length: 50 }, (_, i) => i);
    shuffleInPlace(values, createRandom(3));
    expect(Array.from(values).sort((x, y) => x - y)).toEqual(
      Array.from({ length: 50 }, (_, i) => i),
    );
    expect(Array.from(values)).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});
