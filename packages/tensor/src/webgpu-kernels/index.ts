// Registers the project's WGSL kernels (RoIAlign, GroupNorm and their gradients) for the webgpu
// backend under the names the cpu and wasm host kernels use; the ops dispatch on that registry.

import * as tf from '@tensorflow/tfjs-core';
import { GROUP_NORM, GROUP_NORM_GRAD } from '../ops/group-norm.js';
import { ROI_ALIGN, ROI_ALIGN_GRAD } from '../ops/roi-align.js';
import { WEBGPU_GROUP_NORM_KERNELS } from './group-norm.js';
import { WEBGPU_ROI_ALIGN_KERNELS } from './roi-align.js';

/** Kernel name → WGSL kernel, as registered for backend 'webgpu'. */
export const WEBGPU_KERNELS: Record<string, tf.KernelFunc> = {
  [ROI_ALIGN]: WEBGPU_ROI_ALIGN_KERNELS.forward as unknown as tf.KernelFunc,
  [ROI_ALIGN_GRAD]: WEBGPU_ROI_ALIGN_KERNELS.grad as unknown as tf.KernelFunc,
  [GROUP_NORM]: WEBGPU_GROUP_NORM_KERNELS.forward as unknown as tf.KernelFunc,
  [GROUP_NORM_GRAD]: WEBGPU_GROUP_NORM_KERNELS.grad as unknown as tf.KernelFunc,
};

let registered = false;

/** Register the WGSL kernels for 'webgpu' (the registry needs no backend instance); idempotent. */
export function registerWebGpuKernels(): void {
  if (registered) return;
  registered = true;
  for (const [kernelName, kernelFunc] of Object.entries(WEBGPU_KERNELS)) {
    tf.registerKernel({ kernelName, backendName: 'webgpu', kernelFunc });
  }
}
registerWebGpuKernels();

import './avg-pool-grad.js';
