// The `seesaw` classification loss (Wang et al., CVPR 2021) with the objectness branch, and the
// cumulative class counts it carries through checkpoints.

import type {
  ClassificationLoss,
  ClassificationLossContext,
  ClassificationLossInit,
  LossTerms,
  PluginState,
} from '@crat/core';
import { checkClassificationLabels } from '@crat/core';
import * as tf from '@tensorflow/tfjs-core';
import { type SeesawAccuracy, seesawAccuracy } from './accuracy.js';
import { seesawScores } from './activation.js';
import { SEESAW_DEFAULTS, type SeesawOptions, validateSeesawOptions } from './options.js';
import { seesawCrossEntropy } from './seesaw-ce.js';

/** Seesaw's running state. */
export interface SeesawState extends PluginState {
  /** Samples seen per label (C+1 entries, the last one background), every step summed. */
  cumSamples: number[];
}

/**
 * Seesaw loss (Wang et al., CVPR 2021) with the objectness branch: C+2 logits, the first C
 * for the classes, then an "object"/"background" pair. The class term re-weights each
 * positive's negative logits by mitigation (damping classes rarer than the label, from
 * cumulative counts, exponent p) and compensation (amplifying classes scored above the
 * label, exponent q). The cumulative counts are the plug-in state.
 */
export class SeesawLoss implements ClassificationLoss {
  readonly type = 'seesaw';
  readonly numClasses: number;
  readonly numLogits: number;
  readonly options: Readonly<SeesawOptions>;
  #cumSamples: Float64Array;

  constructor(init: ClassificationLossInit, options: Partial<SeesawOptions> = {}) {
    if (!Number.isInteger(init.numClasses) || init.numClasses < 1) {
      throw new RangeError(`seesaw: numClasses must be a positive integer, got ${init.numClasses}`);
    }
    this.numClasses = init.numClasses;
    this.numLogits = init.numClasses + 2;
    this.options = Object.freeze(validateSeesawOptions({ ...SEESAW_DEFAULTS, ...options }));
    this.#cumSamples = new Float64Array(this.numClasses + 1);
  }

  /**
   * `{ loss_cls_objectness, loss_cls_classes }`, both summed over rows with `ctx.weights`
   * (default 1) and divided by `ctx.avgFactor` (default N) plus float32 eps, as mmdet.
   * Counts this step's labels (all of them, whatever their weight) before computing the loss.
   */
  async forward(
    logits: tf.Tensor2D,
    labels: Int32Array,
    ctx?: ClassificationLossContext,
  ): Promise<LossTerms> {
    const labelValues = checkClassificationLabels(
      'seesaw',
      logits,
      labels,
      this.numLogits,
      this.numClasses,
    );
    const n = labelValues.length;
    const weights = await this.#readWeights(n, ctx?.weights);
    for (let i = 0; i < n; i++) this.#cumSamples[labelValues[i]] += 1;
    if (n === 0) {
      const zero = () => tf.mul(tf.sum(logits), 0) as tf.Scalar;
      return { loss_cls_objectness: zero(), loss_cls_classes: zero() };
    }
    const pair = await seesawCrossEntropy(logits, {
      ...this.options,
      numClasses: this.numClasses,
      labels: labelValues,
      weights,
      avgFactor: ctx?.avgFactor ?? n,
      cumSamples: this.#cumSamples,
    });
    const [objectness, classes] = tf.unstack(pair) as tf.Scalar[];
    pair.dispose();
    return { loss_cls_objectness: objectness, loss_cls_classes: classes };
  }

  async #readWeights(n: number, weights: tf.Tensor1D | undefined): Promise<Float32Array> {
    if (!weights) return new Float32Array(n).fill(1);
    if (weights.rank !== 1 || weights.shape[0] !== n) {
      throw new RangeError(
        `seesaw: ctx.weights must have shape [${n}], got [${weights.shape.join(', ')}]`,
      );
    }
    return Float32Array.from(await weights.data());
  }

  scores(logits: tf.Tensor2D): tf.Tensor2D {
    if (logits.rank !== 2 || logits.shape[1] !== this.numLogits) {
      throw new RangeError(
        `seesaw: logits must have shape [N, ${this.numLogits}], got [${logits.shape.join(', ')}]`,
      );
    }
    return seesawScores(logits, this.numClasses);
  }

  /** mmdet's `get_accuracy`: objectness over all rows and classes over foreground rows, in %. */
  accuracy(logits: tf.Tensor2D, labels: Int32Array): Promise<SeesawAccuracy> {
    const labelValues = checkClassificationLabels(
      'seesaw',
      logits,
      labels,
      this.numLogits,
      this.numClasses,
    );
    return seesawAccuracy(logits, labelValues, this.numClasses);
  }

  getState(): SeesawState {
    return { cumSamples: Array.from(this.#cumSamples) };
  }

  setState(state: PluginState): void {
    const v = state.cumSamples;
    if (
      !Array.isArray(v) ||
      v.length !== this.numClasses + 1 ||
      !v.every((x) => typeof x === 'number' && Number.isFinite(x) && x >= 0)
    ) {
      throw new TypeError(
        `seesaw state: field 'cumSamples' must be an array of ${this.numClasses + 1} non-negative numbers`,
      );
    }
    this.#cumSamples = Float64Array.from(v as number[]);
  }
}
