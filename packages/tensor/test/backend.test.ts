import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { BackendUnavailableError, initBackend } from '../src/index.js';

describe('initBackend', () => {
  it('initialises cpu and registers gradients', async () => {
    expect(await initBackend('cpu')).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(x, x)))(tf.tensor1d([1, 2, 3]));
    expect(Array.from(g.dataSync())).toEqual([2, 4, 6]);
  });

  it('initialises wasm', async () => {
    expect(await initBackend('wasm')).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('explains how to install a missing native backend', async () => {
    await expect(initBackend('tensorflow-gpu')).rejects.toThrowError(BackendUnavailableError);
    await expect(initBackend('tensorflow')).rejects.toThrowError(/pnpm add @tensorflow\/tfjs-node/);
  });
});
