// The `group-softmax` classification loss (BAGS, Li et al., CVPR 2020): groups built from the
// class counts, rows sampled and per-group losses summed each step, the sampler's position kept
// as state.

import type {
  ClassificationLoss,
  ClassificationLossContext,
  ClassificationLossInit,
  LossTerms,
  PluginState,
} from '@crat/core';
import { checkClassificationLabels } from '@crat/core';
import * as tf from '@tensorflow/tfjs-core';
import { groupSoftmaxScores } from './activation.js';
import { buildGroupLayout, type GroupLayout, remapLabels } from './group-layout.js';
import { groupSoftmaxCrossEntropy } from './group-softmax-ce.js';
import {
  GROUP_SOFTMAX_DEFAULTS,
  type GroupSoftmaxOptions,
  validateGroupSoftmaxOptions,
} from './options.js';
import {
  type GroupSampleWeights,
  groupSampleWeights,
  type OthersSampler,
  SeededOthersSampler,
} from './others-sampling.js';

/** Group Softmax's running state: only the default sampler's generator position. */
export interface GroupSoftmaxState extends PluginState {
  samplerState: number;
}

/** Construction options beyond the config's: things a config file cannot name. */
export interface GroupSoftmaxHooks {
  /**
   * Replaces the seeded "others" sampler (e.g. to replay a reference run's draws). Its
   * choices are not part of the plug-in state.
   */
  othersSampler?: OthersSampler;
}

/**
 * Balanced Group Softmax (BAGS, Li et al., CVPR 2020): classes grouped by training
 * instance count, one softmax per group over [others, its classes], background in its own
 * group, and in each foreground group only `beta` "others" rows per foreground row kept.
 * Needs `classInstanceCounts` at construction. `numLogits` = C + 1 + G.
 */
export class GroupSoftmaxLoss implements ClassificationLoss {
  readonly type = 'group-softmax';
  readonly numClasses: number;
  readonly numLogits: number;
  readonly layout: GroupLayout;
  readonly options: Readonly<GroupSoftmaxOptions>;
  /** The per-group row weights of the last `forward` (for diagnostics). */
  lastSampleWeights: GroupSampleWeights | undefined;
  readonly #seeded: SeededOthersSampler;
  readonly #sampler: OthersSampler;

  constructor(
    init: ClassificationLossInit,
    options: Partial<GroupSoftmaxOptions> = {},
    hooks: GroupSoftmaxHooks = {},
  ) {
    const counts = init.classInstanceCounts;
    if (!Number.isInteger(init.numClasses) || init.numClasses < 1) {
      throw new RangeError(
        `group-softmax: numClasses must be a positive integer, got ${init.numClasses}`,
      );
    }
    if (
      !counts ||
      counts.length !== init.numClasses ||
      !counts.every((x) => Number.isFinite(x) && x >= 0)
    ) {
      throw new TypeError(
        `group-softmax: needs classInstanceCounts, ${init.numClasses} non-negative training instance counts (one per class), got ${counts ? `${counts.length} values` : 'none'}`,
      );
    }
    this.options = Object.freeze(
      validateGroupSoftmaxOptions({ ...GROUP_SOFTMAX_DEFAULTS, ...options }),
    );
    this.numClasses = init.numClasses;
    this.layout = buildGroupLayout(counts, this.options.binSplit);
    this.numLogits = this.layout.numLogits;
    this.#seeded = new SeededOthersSampler(this.options.seed);
    this.#sampler = hooks.othersSampler ?? this.#seeded.sample;
  }

  /** `{ loss_cls }` = Σ_g L_g. As in the reference, per-RoI weights and avgFactor are ignored. */
  async forward(
    logits: tf.Tensor2D,
    labels: Int32Array,
    _ctx?: ClassificationLossContext,
  ): Promise<LossTerms> {
    const perGroup = await this.groupLosses(logits, labels);
    const loss = tf.sum(perGroup) as tf.Scalar;
    perGroup.dispose();
    return { loss_cls: loss };
  }

  /** The per-group losses `[G]` whose sum is `loss_cls` (draws this step's "others"). */
  async groupLosses(logits: tf.Tensor2D, labels: Int32Array): Promise<tf.Tensor1D> {
    const labelValues = checkClassificationLabels(
      'group-softmax',
      logits,
      labels,
      this.numLogits,
      this.numClasses,
    );
    const groupLabels = remapLabels(this.layout, labelValues);
    const sampled = groupSampleWeights(groupLabels, this.options.beta, this.#sampler);
    this.lastSampleWeights = sampled;
    if (labelValues.length === 0) {
      return tf.tidy(
        () => tf.mul(tf.sum(logits), tf.zeros([this.layout.numGroups])) as tf.Tensor1D,
      );
    }
    return groupSoftmaxCrossEntropy(logits, {
      layout: this.layout,
      groupLabels,
      groupWeights: sampled.weights,
      lossWeight: this.options.lossWeight,
    });
  }

  scores(logits: tf.Tensor2D): Promise<tf.Tensor2D> {
    if (logits.rank !== 2 || logits.shape[1] !== this.numLogits) {
      throw new RangeError(
        `group-softmax: logits must have shape [N, ${this.numLogits}], got [${logits.shape.join(', ')}]`,
      );
    }
    return groupSoftmaxScores(logits, this.layout);
  }

  getState(): GroupSoftmaxState {
    return { samplerState: this.#seeded.state };
  }

  setState(state: PluginState): void {
    const v = state.samplerState;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff) {
      throw new TypeError(`group-softmax state: field 'samplerState' must be a uint32 integer`);
    }
    this.#seeded.state = v;
  }
}
