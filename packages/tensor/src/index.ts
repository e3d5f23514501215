// Public API of @crat/tensor; importing it also installs the missing gradients and the kernel
// fixes for the cpu and wasm backends.

export {
  activeBackend,
  BACKEND_CHOICES,
  type BackendChoice,
  type BackendName,
  BackendUnavailableError,
  initBackend,
  isBackendInstalled,
  onBackendInit,
  teardownBackend,
  wasmThreads,
} from './backend.js';
export { CPU_KERNEL_FIXES, registerCpuKernelFixes } from './cpu-kernels.js';
export { EXTRA_GRADIENTS } from './extra-gradients.js';
export * from './ops/index.js';
export { clipByGlobalNorm, globalNorm } from './optim/grad-clip.js';
export {
  gradientStep,
  type LossOutput,
  type StepFn,
  type StepOutput,
} from './optim/gradient-step.js';
export { Sgd, type SgdOptions } from './optim/sgd.js';
export {
  decodeTensor,
  type EncodedTensor,
  encodeTensor,
  encodeTensorMap,
} from './optim/tensor-codec.js';
export { valueAndGradAsync, variableGradsAsync } from './optim/variable-grads-async.js';
export { type StepTimes, type TimeStepsOptions, timeSteps } from './step-timing.js';
export { withoutSyncReads } from './sync-read-guard.js';
export {
  registerWasmTrainingKernels,
  setIm2colBudget,
  WASM_TRAINING_KERNELS,
} from './wasm-kernels/index.js';
export {
  probeWebGpuAdapter,
  type WebGpuAdapterFacts,
  webGpuAdapterFacts,
  webGpuUnavailableReason,
} from './webgpu-backend.js';
export { registerWebGpuKernels, WEBGPU_KERNELS } from './webgpu-kernels/index.js';

import './resize-bilinear-grad.js';
import './avg-pool-grad.js';
