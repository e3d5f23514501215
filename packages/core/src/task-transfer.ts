import type { Tensor, Tensor1D, Tensor2D, Variable } from '@tensorflow/tfjs-core';
import type { LossTerms } from './classification-loss.js';
import type { Stateful } from './state.js';

/** The class-wise task branches a transfer plug-in can attach to. */
export type TaskBranch = 'bbox' | 'mask';

/** Where the positive RoIs of a step come from, for diagnostics (reports, transfer samples). */
export interface PositiveRoiInfo {
  /** Dataset image id of each positive RoI. */
  imageIds: number[];
  /** Each positive RoI's box `[x1, y1, x2, y2]` in the original image's pixels. */
  boxes: [number, number, number, number][];
}

/**
 * What a class-wise branch hands its `TaskTransfer` plug-ins at each training step,
 * restricted to the positive RoIs (P of them, in the same order for both branches).
 *
 * Shapes (C classes, D input features):
 * - bbox: `features [P, D]`, `predictions [P, C*4]` (class c at columns 4c..4c+3),
 *   `targets [P, 4]` (encoded deltas), `kernel [D, C*4]`.
 * - mask: `features [P, H, W, D]` (NHWC input of the 1x1 logits conv),
 *   `predictions [P, H, W, C]` (logits), `targets [P, H, W]` in {0,1}, `kernel [1, 1, D, C]`.
 */
export interface TaskTransferInputs {
  branch: TaskBranch;
  numClasses: number;
  features: Tensor;
  /** int32 labels in 0..C-1. */
  labels: Tensor1D;
  /** Differentiable predictions for every class; the transfer loss flows through them. */
  predictions: Tensor;
  targets: Tensor;
  /** Per-RoI weights of the branch's own loss (bbox: `[P, 4]`), when the branch has them. */
  targetWeights?: Tensor2D;
  /** The class-wise layer's weights (read-only here: statistics are computed from them). */
  kernel: Variable | Tensor;
  bias?: Variable | Tensor;
  /** The branch's own loss normaliser (mmdetection `avg_factor`). */
  avgFactor: number;
  roiInfo?: PositiveRoiInfo;
}

/**
 * Values shared between transfer plug-ins within one step. The bbox branch runs first;
 * the mask branch may read what it published (CRAT's mask transfer reuses the bbox
 * branch's per-RoI class weights).
 */
export interface TransferStepContext {
  readonly iteration: number;
  readonly shared: Map<string, unknown>;
}

/**
 * Extra training signal for a class-wise branch, pluggable by `type` (CRAT).
 * Owns its running statistics (Fisher information) and exposes them for checkpoints.
 */
export interface TaskTransfer extends Stateful {
  readonly type: string;
  readonly branch: TaskBranch;
  /** Extra loss terms for this step; an empty batch (P = 0) must yield zero-valued terms, not fail. */
  losses(inputs: TaskTransferInputs, ctx: TransferStepContext): LossTerms;
  /** JSON diagnostics for reports (e.g. CRAT's source→target transfer matrix). */
  diagnostics?(): Record<string, unknown>;
}
