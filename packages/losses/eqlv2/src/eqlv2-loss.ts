// The `eqlv2` classification loss (Tan et al., CVPR 2021): the weighted sigmoid loss per step
// and the accumulated gradient statistics it carries through checkpoints.

import type {
  ClassificationLoss,
  ClassificationLossContext,
  ClassificationLossInit,
  LossTerms,
  PluginState,
} from '@crat/core';
import { checkClassificationLabels } from '@crat/core';
import type * as tf from '@tensorflow/tfjs-core';
import { eqlv2Scores } from './activation.js';
import { eqlv2ColumnWeights } from './column-weights.js';
import { EQLV2_DEFAULTS, type EQLv2Options, validateEQLv2Options } from './options.js';
import { weightedSigmoidCrossEntropy } from './weighted-sigmoid-ce.js';

/** The initial pos/neg ratio: high enough that the first step's weights are exactly 1. */
const INITIAL_POS_NEG = 100;
const POS_NEG_EPS = 1e-10;

/** EQLv2's running state, one entry per foreground class. */
export interface EQLv2State extends PluginState {
  /** Accumulated (summed) weighted positive gradient magnitudes. */
  posGrad: number[];
  /** Accumulated (summed) weighted negative gradient magnitudes. */
  negGrad: number[];
  /** posGrad / (negGrad + 1e-10): what the next step's weights are computed from. */
  posNeg: number[];
}

/**
 * Equalization Loss v2 (Tan et al., CVPR 2021): per-class sigmoid cross-entropy over C+1
 * logits (the last one background/objectness), re-weighted by each class's accumulated
 * positive-to-negative gradient ratio. The accumulators live here and travel through
 * `getState`/`setState`.
 */
export class EQLv2Loss implements ClassificationLoss {
  readonly type = 'eqlv2';
  readonly numClasses: number;
  readonly numLogits: number;
  readonly options: Readonly<EQLv2Options>;
  #posGrad: Float64Array;
  #negGrad: Float64Array;
  #posNeg: Float64Array;

  constructor(init: ClassificationLossInit, options: Partial<EQLv2Options> = {}) {
    if (!Number.isInteger(init.numClasses) || init.numClasses < 1) {
      throw new RangeError(`eqlv2: numClasses must be a positive integer, got ${init.numClasses}`);
    }
    this.numClasses = init.numClasses;
    this.numLogits = init.numClasses + 1;
    this.options = Object.freeze(validateEQLv2Options({ ...EQLV2_DEFAULTS, ...options }));
    this.#posGrad = new Float64Array(this.numClasses);
    this.#negGrad = new Float64Array(this.numClasses);
    this.#posNeg = new Float64Array(this.numClasses).fill(INITIAL_POS_NEG);
  }

  /**
   * `{ loss_cls }` = weighted BCE summed over columns, averaged over the N rows. As in the
   * reference, per-RoI weights and avgFactor are ignored. Updates the accumulators from
   * this step's detached probabilities with the weights this step used.
   */
  async forward(
    logits: tf.Tensor2D,
    labels: Int32Array,
    _ctx?: ClassificationLossContext,
  ): Promise<LossTerms> {
    const labelValues = checkClassificationLabels(
      'eqlv2',
      logits,
      labels,
      this.numLogits,
      this.numClasses,
    );
    const weights = eqlv2ColumnWeights(this.#posNeg, this.options);
    const stats = await weightedSigmoidCrossEntropy(
      logits,
      labelValues,
      weights,
      this.options.lossWeight,
    );
    const loss = stats.loss;
    this.#accumulate(labelValues, weights, stats.probColumnSum, stats.probAtLabel);
    return { loss_cls: loss };
  }

  /** |dBCE/dz| = |sigmoid(z) - y|, weighted, summed into the positive and negative accumulators. */
  #accumulate(
    labels: Int32Array,
    weights: { pos: Float64Array; neg: Float64Array },
    probColumnSum: Float32Array,
    probAtLabel: Float32Array,
  ): void {
    const c = this.numClasses;
    const posSum = new Float64Array(c);
    const negAtLabel = new Float64Array(c);
    for (let i = 0; i < labels.length; i++) {
      const label = labels[i];
      if (label === c) continue;
      posSum[label] += 1 - probAtLabel[i];
      negAtLabel[label] += probAtLabel[i];
    }
    for (let j = 0; j < c; j++) {
      this.#posGrad[j] += weights.pos[j] * posSum[j];
      this.#negGrad[j] += weights.neg[j] * (probColumnSum[j] - negAtLabel[j]);
      this.#posNeg[j] = this.#posGrad[j] / (this.#negGrad[j] + POS_NEG_EPS);
    }
  }

  scores(logits: tf.Tensor2D): tf.Tensor2D {
    if (logits.rank !== 2 || logits.shape[1] !== this.numLogits) {
      throw new RangeError(
        `eqlv2: logits must have shape [N, ${this.numLogits}], got [${logits.shape.join(', ')}]`,
      );
    }
    return eqlv2Scores(logits, this.options.testWithObj);
  }

  getState(): EQLv2State {
    return {
      posGrad: Array.from(this.#posGrad),
      negGrad: Array.from(this.#negGrad),
      posNeg: Array.from(this.#posNeg),
    };
  }

  setState(state: PluginState): void {
    const read = (field: keyof EQLv2State): Float64Array => {
      const v = state[field];
      if (
        !Array.isArray(v) ||
        v.length !== this.numClasses ||
        !v.every((x) => typeof x === 'number' && Number.isFinite(x))
      ) {
        throw new TypeError(
          `eqlv2 state: field '${field}' must be an array of ${this.numClasses} finite numbers`,
        );
      }
      return Float64Array.from(v as number[]);
    };
    const posGrad = read('posGrad');
    const negGrad = read('negGrad');
    const posNeg = read('posNeg');
    this.#posGrad = posGrad;
    this.#negGrad = negGrad;
    this.#posNeg = posNeg;
  }
}
