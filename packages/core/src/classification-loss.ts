// The `ClassificationLoss` contract: the bbox head's classification loss, pluggable by
// `type`, and `LossTerms`, the named scalar losses the trainer sums and logs.

import type { Scalar, Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import type { Stateful } from './state.js';

/** What a classification loss is told when it is built. */
export interface ClassificationLossInit {
  /** Number of foreground classes C. Label C means background (mmdetection convention). */
  numClasses: number;
  /**
   * Training instances per foreground class, length C. Losses that group or re-weight
   * classes by frequency (Group Softmax) need it; others may ignore it.
   */
  classInstanceCounts?: number[];
}

/** Per-step inputs beside the logits and labels. */
export interface ClassificationLossContext {
  /** Per-RoI weights (mmdetection `label_weights`), length N; 1 when omitted. */
  weights?: Tensor1D;
  /** Normaliser of the summed loss (mmdetection `avg_factor`); N when omitted. */
  avgFactor?: number;
}

/** Named scalar loss terms; the trainer sums them and logs each by name. */
export type LossTerms = Record<string, Scalar>;

/**
 * The bbox head's classification loss, pluggable by `type`.
 *
 * `forward` is called exactly once per training step, inside the gradient scope, and may
 * update running statistics there (EQLv2's accumulated gradients, Seesaw's class counts)
 * from detached values: the gradient of its own loss w.r.t. the logits is known in closed
 * form, so no backward hook is needed.
 */
export interface ClassificationLoss extends Stateful {
  readonly type: string;
  /** Width of the classifier's output layer (softmax: C+1, EQLv2: C+1, Seesaw: C+2, Group Softmax: C+1+groups). */
  readonly numLogits: number;
  /**
   * Loss terms from logits `[N, numLogits]` and host labels (length N, 0..C, C = background).
   * Asynchronous so that it can read its own statistics back (`await t.data()`, the one read
   * every backend has) inside the caller's asynchronous gradient scope.
   */
  forward(
    logits: Tensor2D,
    labels: Int32Array,
    ctx?: ClassificationLossContext,
  ): Promise<LossTerms>;
  /**
   * Inference: per-class scores `[N, C+1]`, the last column being background, as mmdetection's
   * `get_activation`; a promise where computing them reads tensors back.
   */
  scores(logits: Tensor2D): Tensor2D | Promise<Tensor2D>;
}
