// Public API of @crat/core.

export { AtomicWriteError, writeFileAtomic, writeJsonAtomic } from './atomic-write.js';
export { checkClassificationLabels } from './classification-labels.js';
export type {
  ClassificationLoss,
  ClassificationLossContext,
  ClassificationLossInit,
  LossTerms,
} from './classification-loss.js';
export {
  type ConfigObject,
  type DeepPartial,
  deepMerge,
  isPlainObject,
  type Provenance,
  sourceOf,
} from './config-merge.js';
export type {
  ImageSampler,
  SamplerDataset,
  SamplerInit,
  SamplerPosition,
} from './image-sampler.js';
export {
  createRandom,
  deriveSeed,
  mixSeed,
  type Random,
  Rng,
  randomInt,
  shuffleInPlace,
  uniform,
} from './random.js';
export type { TaskTransferInit } from './registries.js';
export { classificationLosses, imageSamplers, taskTransfers } from './registries.js';
export type { PluginConfig, PluginFactory } from './registry.js';
export { Registry, RegistryError } from './registry.js';
export type { JsonValue, PluginState, Stateful } from './state.js';
export {
  type BoxToMaskHandOver,
  newTransferStepContext,
  type PositiveRoiInfo,
  type TaskBranch,
  type TaskTransfer,
  type TaskTransferInputs,
  type TransferDiagnosticsOptions,
  type TransferStepContext,
} from './task-transfer.js';
