import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { BackendUnavailableError, initBackend } from '../src/index.js';
import { cpuAdapterReason } from '../src/webgpu-backend.js';

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

describe('which WebGPU adapters auto takes', () => {
  const limits = {};
  it('passes over CPU implementations, whichever field says so', () => {
    expect(cpuAdapterReason({ info: { isFallbackAdapter: true }, limits })).toBe(
      'isFallbackAdapter',
    );
    expect(cpuAdapterReason({ isFallbackAdapter: true, limits })).toBe('isFallbackAdapter');
    const lavapipe = { vendor: 'mesa', architecture: 'software', device: 'llvmpipe-llvm-15' };
    expect(cpuAdapterReason({ info: lavapipe, limits })).toBe("architecture 'software'");
    const swiftshader = {
      vendor: 'google',
      architecture: '',
      description: 'SwiftShader Device (Subzero)',
    };
    expect(cpuAdapterReason({ info: swiftshader, limits })).toBe(
      "description 'SwiftShader Device (Subzero)'",
    );
  });

  it('takes hardware adapters', () => {
    const nvidia = {
      vendor: 'nvidia',
      architecture: 'hopper',
      device: '',
      description: 'NVIDIA H100 80GB HBM3',
      isFallbackAdapter: false,
    };
    expect(cpuAdapterReason({ info: nvidia, limits })).toBe('');
    expect(cpuAdapterReason({ info: { vendor: 'amd', architecture: 'rdna-3' }, limits })).toBe('');
  });
});
