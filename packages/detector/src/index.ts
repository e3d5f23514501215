// Public API of @crat/detector.

export type {
  CollatedBatchLike,
  DetectorBatch,
  DetectorImageMeta,
  DetectorInputs,
} from './batch.js';
export {
  detectorBatchFromCollated,
  detectorInputsFromCollated,
  detectorMetaFromCollated,
  maskShape,
  validateBatch,
} from './batch.js';
export { buildMaskRcnn, type MaskRcnnOptions, type MaskRcnnParts } from './build.js';
export type {
  AssignerConfig,
  BackboneConfig,
  BBoxHeadConfig,
  DetectorConfig,
  FpnConfig,
  MaskHeadConfig,
  ProposalConfig,
  ResNetDepth,
  RoiHeadConfig,
  RpnHeadConfig,
  SamplerConfig,
  TestConfig,
} from './config.js';
export {
  cpuPresetConfig,
  detectorPreset,
  detectorPresets,
  r18FpnConfig,
  r50FpnConfig,
  torchvisionCompatible,
} from './config.js';
export {
  detectorConfigObject,
  detectorConfigSchema,
  refineDetectorConfig,
  resolveDetectorConfig,
  validateDetectorConfig,
} from './config-schema.js';
export { type CrossEntropyOptions, SoftmaxCrossEntropyLoss } from './losses/cross-entropy.js';
export { bceWithLogits, weightedL1 } from './losses/elementwise.js';
export {
  type DetectorLoss,
  MaskRCNN,
  type PredictOptions,
  type TrainContext,
} from './mask-rcnn.js';
export {
  fromTorchLayout,
  type Param,
  type ParamLayout,
  ParamStore,
  torchShape,
  toTorchLayout,
} from './params.js';
export {
  boxDetections,
  type Detections,
  multiclassNms,
  pasteDetectionMasks,
} from './post-processing.js';
export { toLvisResults } from './results.js';
export { type AssignResult, addGtToAssignment, maxIouAssign } from './roi/assigner.js';
export { type RoiSamples, roiMaskTargets, sampleRois } from './roi/roi-targets.js';
export { randomSample, type SampleResult } from './roi/sampler.js';
export {
  type RoiHeadLoss,
  type RoiSamplingStats,
  StandardRoIHead,
} from './roi/standard-roi-head.js';
export { type RpnFlatOutputs, RpnHead, type RpnOutputs } from './rpn/rpn-head.js';
export {
  drawToyImage,
  makeToyImages,
  type ToyImage,
  type ToyImageOptions,
  toyBatch,
} from './toy-data.js';
export {
  assignWeights,
  deserializeWeights,
  type LoadWeightsOptions,
  type LoadWeightsReport,
  loadWeights,
  saveWeights,
  serializeWeights,
  type TorchLayoutTensor,
} from './weights/checkpoint.js';
export {
  decodeSafetensors,
  encodeSafetensors,
  entryToFloat32,
  type SafetensorsDtype,
  type SafetensorsEntry,
} from './weights/safetensors.js';
export {
  type LoadTorchWeightsOptions,
  loadTorchWeights,
  readTorchWeights,
  torchToSafetensors,
} from './weights/torch-weights.js';
