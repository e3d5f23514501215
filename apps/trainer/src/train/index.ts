export {
  CheckpointError,
  CheckpointManager,
  checkpointName,
  checkpointWeightsFile,
  findLatestCheckpoint,
  listCheckpoints,
  resolveCheckpoint,
  type TrainingState,
  type WeightsIO,
} from './checkpoint.js';
export { clipByGlobalNorm, globalNorm } from './grad-clip.js';
export { gradientStep } from './gradient-step.js';
export { jsonWeightsIO } from './json-weights.js';
export {
  buildLrSchedule,
  intervalToIters,
  type LrSchedule,
  type LrScheduleOptions,
} from './lr-schedule.js';
export { MetricsLog, type MetricsRecord, readMetrics } from './metrics-log.js';
export {
  formatDuration,
  type ProgressOptions,
  ProgressReporter,
  type ProgressStream,
  type ProgressUpdate,
} from './progress.js';
export { deriveSeed, SeededRng } from './rng.js';
export {
  type BatchSource,
  type IterRecord,
  type RunTrainingOptions,
  runTraining,
  type SampledImage,
  type StepContext,
  type StepOutput,
  type TrainingHooks,
  type TrainingResult,
  type TrainStepFn,
} from './run-training.js';
export { Sgd, type SgdOptions } from './sgd.js';
export { decodeTensor, type EncodedTensor, encodeTensor } from './tensor-codec.js';
