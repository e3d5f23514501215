export type {
  CollatedBatchLike,
  DetectorBatch,
  DetectorImageMeta,
  DetectorInputs,
} from './batch.js';
export { detectorBatchFromCollated, maskShape, validateBatch } from './batch.js';
export type {
  AssignerConfig,
  BackboneConfig,
  BBoxHeadConfig,
  DeepPartial,
  DetectorConfig,
  FpnConfig,
  MaskHeadConfig,
  ProposalConfig,
  ResNetDepth,
  RoiHeadConfig,
  RpnConfig,
  SamplerConfig,
  TestConfig,
} from './config.js';
export {
  cpuPresetConfig,
  detectorPreset,
  detectorPresets,
  r18FpnConfig,
  r50FpnConfig,
  resolveDetectorConfig,
  validateDetectorConfig,
} from './config.js';
export { type CrossEntropyOptions, SoftmaxCrossEntropyLoss } from './losses/cross-entropy.js';
export { bceWithLogits, weightedL1 } from './losses/elementwise.js';
export type { Detections, DetectorPlugins, PredictOptions, TrainContext } from './model.js';
export { MaskRCNN, multiclassNms, type RoiSamplingStats } from './model.js';
export {
  fromTorchLayout,
  type Param,
  type ParamLayout,
  ParamStore,
  torchShape,
  toTorchLayout,
} from './params.js';
export { toLvisResults } from './results.js';
export { Rng } from './rng.js';
export { type AssignResult, addGtToAssignment, maxIouAssign } from './roi/assigner.js';
export { type RoiSamples, sampleRois } from './roi/roi-targets.js';
export { randomSample, type SampleResult } from './roi/sampler.js';
export { SGD, type SgdOptions } from './sgd.js';
export {
  drawToyImage,
  makeToyImages,
  type ToyImage,
  type ToyImageOptions,
  toyBatch,
} from './toy-data.js';
export { type TrainStepOptions, type TrainStepResult, trainStep } from './train-step.js';
export {
  deserializeWeights,
  type LoadWeightsOptions,
  type LoadWeightsReport,
  loadWeights,
  saveWeights,
  serializeWeights,
} from './weights/checkpoint.js';
export {
  decodeSafetensors,
  encodeSafetensors,
  entryToFloat32,
  type SafetensorsDtype,
  type SafetensorsEntry,
} from './weights/safetensors.js';
