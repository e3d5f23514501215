// The runs' public API: `crat train` and `crat test` from a config, the detector they build,
// datasets, inference, evaluation and the files a run writes.

export { loadDetectionDataset } from './datasets.js';
export {
  detectorConfigOf,
  ModelConfigError,
  maskRcnnBackend,
  maskRcnnForConfig,
} from './detector-adapter.js';
export {
  type Detections,
  type DetectorBackend,
  type DetectorBatch,
  type DetectorImageMeta,
  type DetectorInputs,
  type DetectorModel,
  type DetectorParam,
  detectorBackend,
  registerDetectorBackend,
} from './detector-api.js';
export {
  type EvalReports,
  evaluateResults,
  evaluateResultsFile,
  flattenMetrics,
  formatEvalTable,
  writeEvalRecord,
} from './evaluation.js';
export { type InferenceOptions, predictDataset } from './inference.js';
export { absoluteDatasetPaths, writeRunConfig } from './run-config.js';
export { type EnsureSynthOptions, ensureDataset, GENERATED_MARKER } from './synth-dataset.js';
export { type TestOptions, testFromConfig } from './test.js';
export {
  detectorWeightsIO,
  type TrainOptions,
  type TrainOutcome,
  trainFromConfig,
} from './train.js';
export { globToRegExp, type NamedParam, selectTrainable } from './trainable.js';
export { writeTransferReports } from './transfer-outputs.js';
export { WorkDirError } from './work-dir.js';
