// `cross-entropy`, the default classification loss (mmdetection `CrossEntropyLoss`), registered
// in @crat/core's registry beside the long-tail losses.

import {
  type ClassificationLoss,
  type ClassificationLossContext,
  type ClassificationLossInit,
  checkClassificationLabels,
  classificationLosses,
  type LossTerms,
  type PluginState,
} from '@crat/core';
import * as tf from '@tensorflow/tfjs-core';

export interface CrossEntropyOptions {
  lossWeight: number;
}

/**
 * Softmax cross-entropy over C + 1 logits (label C = background), mmdetection's default
 * `CrossEntropyLoss(use_sigmoid=False)`: summed per-RoI losses times weights over `avgFactor`.
 */
export class SoftmaxCrossEntropyLoss implements ClassificationLoss {
  readonly type = 'cross-entropy';
  readonly numLogits: number;

  constructor(
    readonly numClasses: number,
    readonly options: CrossEntropyOptions = { lossWeight: 1 },
  ) {
    this.numLogits = numClasses + 1;
  }

  async forward(
    logits: tf.Tensor2D,
    labels: Int32Array,
    ctx: ClassificationLossContext = {},
  ): Promise<LossTerms> {
    const labelValues = checkClassificationLabels(
      'cross-entropy',
      logits,
      labels,
      this.numLogits,
      this.numClasses,
    );
    const n = logits.shape[0];
    const avgFactor = ctx.avgFactor ?? n;
    const loss = tf.tidy(() => {
      // int32 one-hot then cast: the wasm OneHot kernel writes int bits into float32 outputs.
      const oneHot = tf.cast(
        tf.oneHot(tf.tensor1d(labelValues, 'int32'), this.numLogits),
        'float32',
      );
      const perRoi = tf.sub(tf.logSumExp(logits, 1), tf.sum(tf.mul(logits, oneHot), 1));
      const weighted = ctx.weights ? tf.mul(perRoi, ctx.weights) : perRoi;
      return tf.mul(tf.div(tf.sum(weighted), Math.max(avgFactor, 1e-12)), this.options.lossWeight);
    }) as tf.Scalar;
    return { loss_cls: loss };
  }

  scores(logits: tf.Tensor2D): tf.Tensor2D {
    return tf.softmax(logits, -1);
  }

  getState(): PluginState {
    return {};
  }

  setState(_state: PluginState): void {}
}

// Guarded: the ESM and CJS builds share the registry through globalThis.
if (!classificationLosses.has('cross-entropy')) {
  classificationLosses.register<CrossEntropyOptions>('cross-entropy', {
    defaults: { lossWeight: 1 },
    description: 'softmax cross-entropy over C+1 logits (mmdetection CrossEntropyLoss)',
    create: (options, init: ClassificationLossInit) =>
      new SoftmaxCrossEntropyLoss(init.numClasses, options),
  });
}
