// `crat-bbox`: CRAT on the class-wise box-regression layer, handing its class weights to
// `crat-mask`.

import type {
  BoxToMaskHandOver,
  LossTerms,
  TaskTransferInputs,
  TransferStepContext,
} from '@crat/core';
import * as tf from '@tensorflow/tfjs-core';
import {
  boxLossDerivative,
  boxLossPerClass,
  ownClassBoxPredictions,
  perRoiBoxGradients,
} from './box-math.js';
import { presentClasses } from './class-index.js';
import { appliedClassWeights, fisherGuidedClassWeights } from './class-weight-step.js';
import { CratTransferBase } from './crat-transfer-base.js';
import { detach } from './detach.js';
import { expectShape } from './input-checks.js';
import { floatOneHot } from './one-hot.js';
import { CRAT_BOX_DEFAULTS, type CratBoxOptions, validateBoxOptions } from './options.js';
import { zeroLossOf } from './zero-loss.js';

export const CRAT_BOX_TYPE = 'crat-bbox';

/**
 * CRAT on the class-wise box-regression layer. Keeps the per-class diagonal Fisher of the
 * layer (rows `[C, D*4]`, entry `d*4+k` pairs with kernel `[d, 4c+k]`), weights each
 * positive RoI's regression target towards look-alike classes, and hands the weights to
 * `crat-mask` in `ctx.boxToMask`.
 */
export class CratBoxTransfer extends CratTransferBase<CratBoxOptions> {
  #handedOver: BoxToMaskHandOver | null = null;

  constructor(numClasses: number, options: Partial<CratBoxOptions> = {}) {
    super(
      { type: CRAT_BOX_TYPE, branch: 'bbox', stateFormat: 'crat-transfuse/bbox/v1' },
      numClasses,
      validateBoxOptions({ ...CRAT_BOX_DEFAULTS, ...options }),
    );
  }

  async losses(inputs: TaskTransferInputs, ctx: TransferStepContext): Promise<LossTerms> {
    const where = CRAT_BOX_TYPE;
    this.checkBranchInputs(inputs);
    const c = this.numClasses;
    const p = inputs.labels.shape[0];
    expectShape(where, 'features', inputs.features, [p, null]);
    const d = (inputs.features.shape as number[])[1];
    expectShape(where, 'predictions', inputs.predictions, [p, c * 4]);
    expectShape(where, 'targets', inputs.targets, [p, 4]);
    if (inputs.targetWeights) expectShape(where, 'targetWeights', inputs.targetWeights, [p, 4]);
    expectShape(where, 'kernel', inputs.kernel, [d, c * 4]);

    this.#releaseHandOver();
    const labels = inputs.labelValues;
    const present = presentClasses(labels, c, `${where}: inputs`);
    const o = this.options;
    const spec = { kind: o.regressionLoss, beta: o.smoothL1Beta };

    const out = tf.tidy(() => {
      const predictions = inputs.predictions as tf.Tensor2D;
      if (p === 0) {
        // Zero, but still a function of the predictions so every gradient tape accepts it.
        const zero = zeroLossOf(predictions);
        const empty = tf.zeros([0, c]) as tf.Tensor2D;
        return { loss: zero, classWeights: empty, transferWeights: tf.clone(empty) };
      }
      const onehot = floatOneHot(inputs.labels, c);
      const x = detach(inputs.features as tf.Tensor2D);
      const targets = detach(inputs.targets as tf.Tensor2D);
      const weights = inputs.targetWeights ? detach(inputs.targetWeights) : undefined;
      const own = detach(ownClassBoxPredictions(predictions, onehot));
      const g = boxLossDerivative(
        own,
        targets,
        weights,
        1 / (inputs.avgFactor + o.avgFactorEps),
        spec,
      );
      const perRoi = perRoiBoxGradients(x, g);
      const step = fisherGuidedClassWeights(this.bank, perRoi, present, onehot, o);
      const transferWeights = appliedClassWeights(step, o.maskUnseenClasses);
      const perClass = boxLossPerClass(predictions, targets, weights, c, spec);
      const loss = tf.mul(tf.sum(tf.mul(transferWeights, perClass)), o.lossWeight) as tf.Scalar;
      return { loss, classWeights: step.classWeights, transferWeights };
    });

    this.#handedOver = {
      iteration: ctx.iteration,
      numPositives: p,
      classWeights: tf.keep(out.classWeights),
      transferWeights:
        out.transferWeights === out.classWeights ? out.classWeights : tf.keep(out.transferWeights),
    };
    ctx.boxToMask = this.#handedOver;
    if (p > 0)
      this.diag.record(
        (await out.transferWeights.data()) as Float32Array,
        labels,
        inputs.roiInfo,
        ctx.iteration,
      );
    return { loss_bbox_trans: out.loss };
  }

  /** Free the Fisher tensor and the weights handed to the mask branch. */
  override dispose(): void {
    this.#releaseHandOver();
    super.dispose();
  }

  #releaseHandOver(): void {
    if (!this.#handedOver) return;
    this.#handedOver.classWeights.dispose();
    this.#handedOver.transferWeights.dispose();
    this.#handedOver = null;
  }
}
