import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createRandom, mixSeed, readClassificationLabels, shuffleInPlace } from '../src/index.js';

describe('readClassificationLabels', () => {
  it('returns the labels and names the loss, index and value of a bad one', () => {
    const logits = tf.zeros([3, 4]);
    const good = tf.tensor1d([0, 3, 2], 'int32');
    expect(Array.from(readClassificationLabels('seesaw', logits, good, 4, 3))).toEqual([0, 3, 2]);
    const bad = tf.tensor1d([0, 4, 1], 'int32');
    expect(() => readClassificationLabels('seesaw', logits, bad, 4, 3)).toThrowError(
      /seesaw: labels\[1\] = 4 is not a class index in 0\.\.3/,
    );
    expect(() => readClassificationLabels('eqlv2', logits, good, 5, 3)).toThrowError(
      /eqlv2: logits must have shape \[N, 5\], got \[3, 4\]/,
    );
    tf.dispose([logits, good, bad]);
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
