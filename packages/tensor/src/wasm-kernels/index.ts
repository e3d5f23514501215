// The training kernels this package adds to or replaces on the wasm backend, registered when
// the wasm backend starts.

import * as tf from '@tensorflow/tfjs-core';
import { onBackendInit } from '../backend.js';

export { setIm2colBudget } from './conv-geometry.js';

import { conv2dBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { conv2dBackpropInputConfig } from './conv2d-backprop-input.js';
import { maxPoolGradConfig } from './max-pool-grad.js';
import { unsortedSegmentSumConfig } from './unsorted-segment-sum.js';

/** The wasm kernels this package adds or replaces, and why (see README). */
export const WASM_TRAINING_KERNELS: readonly string[] = [
  conv2dBackpropFilterConfig.kernelName, // missing: conv filter gradient
  conv2dBackpropInputConfig.kernelName, // replaced: the built-in is a slow scalar loop
  unsortedSegmentSumConfig.kernelName, // missing: gather's gradient
  maxPoolGradConfig.kernelName, // replaced: the built-in returns wrong gradients
];

const configs = [
  conv2dBackpropFilterConfig,
  conv2dBackpropInputConfig,
  unsortedSegmentSumConfig,
  maxPoolGradConfig,
];

/** Register (or replace) the training kernels on the wasm backend; idempotent. */
export function registerWasmTrainingKernels(): void {
  for (const config of configs) {
    const existing = tf.getKernel(config.kernelName, 'wasm');
    if (existing?.kernelFunc === config.kernelFunc) continue;
    if (existing != null) tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel(config);
  }
}

onBackendInit((name) => {
  if (name === 'wasm') registerWasmTrainingKernels();
});
