// The training stack's public API: the loop and its hooks, a run wired from them, checkpoints,
// the learning-rate schedule, the metrics log and the progress bar.

export {
  CheckpointError,
  CheckpointManager,
  type CheckpointWeights,
  checkpointName,
  checkpointWeightsFile,
  findLatestCheckpoint,
  listCheckpoints,
  resolveCheckpoint,
  type TrainingState,
  type WeightsIO,
} from './checkpoint.js';
export {
  CheckpointIntegrityError,
  type FileDigest,
  type FileDigests,
  fileDigest,
} from './checkpoint-integrity.js';
export { CheckpointHook, type CheckpointHookOptions } from './hooks/checkpoint-hook.js';
export { EvalHook, type Evaluate } from './hooks/eval-hook.js';
export { InterruptHook, SIGINT_EXIT_CODE } from './hooks/interrupt-hook.js';
export { MetricsHook } from './hooks/metrics-hook.js';
export { jsonWeightsIO } from './json-weights.js';
export { tidyLeftovers } from './leftovers.js';
export {
  type BatchSource,
  type IterRecord,
  type LoopState,
  type StepContext,
  type TrainHook,
  type TrainLoopOptions,
  type TrainStepFn,
  trainLoop,
} from './loop.js';
export {
  buildLrSchedule,
  intervalToIters,
  type LrSchedule,
  type LrScheduleOptions,
} from './lr-schedule.js';
export { MetricsLog, type MetricsRecord, readMetrics } from './metrics-log.js';
export { NonFiniteError } from './non-finite.js';
export {
  formatDuration,
  type ProgressOptions,
  ProgressReporter,
  type ProgressStream,
  type ProgressUpdate,
} from './progress.js';
export { type RunTrainingOptions, runTraining, type TrainingResult } from './run-training.js';
