// The `TaskTransfer` contract: what a class-wise branch (bbox, mask) hands its transfer
// plug-ins each step, the typed bbox-to-mask hand-over, and what a report asks of diagnostics.

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
  /** The same labels on the host (the RoI sampler makes them there: nothing is read back). */
  labelValues: Int32Array;
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
 * What the bbox branch's transfer hands the mask branch's transfers of the same step: a
 * weight per positive RoI and class (CRAT's `f_n_i`), the positives in the order both
 * branches list them. The tensors belong to the plug-in that set them and stay valid until
 * its next step or its `dispose()`.
 */
export interface BoxToMaskHandOver {
  /** The step that computed them (a mask transfer refuses weights of another step). */
  readonly iteration: number;
  /** P, the number of positive RoIs (rows). */
  readonly numPositives: number;
  /** `[P, C]` class weights before any masking (what CRAT's published mask branch uses). */
  readonly classWeights: Tensor2D;
  /** `[P, C]` the weights the bbox branch applied (masked to seen classes when it masks). */
  readonly transferWeights: Tensor2D;
}

/**
 * One training step, as the transfer plug-ins see it. The model makes a fresh one per step
 * (`newTransferStepContext`) and runs every bbox transfer before any mask transfer with it.
 */
export interface TransferStepContext {
  readonly iteration: number;
  /** Set by a bbox-branch transfer during the step (CRAT: `crat-bbox`); null until then. */
  boxToMask: BoxToMaskHandOver | null;
}

/** The context of step `iteration`, with nothing handed over yet. */
export function newTransferStepContext(iteration: number): TransferStepContext {
  return { iteration, boxToMask: null };
}

/** What a report asks of a transfer plug-in's diagnostics. */
export interface TransferDiagnosticsOptions {
  /**
   * Per class (0..C-1) its LVIS frequency group, `'r' | 'c' | 'f'`; when given, only the
   * classes of the `keep` groups are listed, each with its group.
   */
  classFrequencies?: readonly string[];
  /** Which frequency groups to list (the plug-in's default when absent; CRAT: rare and common). */
  keep?: readonly string[];
}

/**
 * Extra training signal for a class-wise branch, pluggable by `type` (CRAT).
 * Owns its running statistics (Fisher information) and exposes them for checkpoints.
 */
export interface TaskTransfer extends Stateful {
  readonly type: string;
  readonly branch: TaskBranch;
  /**
   * Extra loss terms for this step; an empty batch (P = 0) must yield zero-valued terms, not
   * fail. May be asynchronous (it runs inside the caller's asynchronous gradient scope).
   */
  losses(inputs: TaskTransferInputs, ctx: TransferStepContext): LossTerms | Promise<LossTerms>;
  /** JSON diagnostics for reports (e.g. CRAT's source→target transfer summary). */
  diagnostics?(options?: TransferDiagnosticsOptions): Record<string, unknown>;
}
