// `crat-mask`: CRAT on the class-wise 1x1 mask-logits conv, weighted by `crat-bbox`'s hand-over
// or its own Fisher.

import type {
  BoxToMaskHandOver,
  LossTerms,
  TaskTransferInputs,
  TransferStepContext,
} from '@crat/core';
import * as tf from '@tensorflow/tfjs-core';
import { presentClasses } from './class-index.js';
import { appliedClassWeights, fisherGuidedClassWeights } from './class-weight-step.js';
import { CRAT_BOX_TYPE } from './crat-box-transfer.js';
import { CratTransferBase } from './crat-transfer-base.js';
import { detach } from './detach.js';
import { expectShape } from './input-checks.js';
import { maskLossPerClass, ownClassMaskLogits, perRoiMaskGradients } from './mask-math.js';
import { floatOneHot } from './one-hot.js';
import { CRAT_MASK_DEFAULTS, type CratMaskOptions, validateMaskOptions } from './options.js';
import { zeroLossOf } from './zero-loss.js';

export const CRAT_MASK_TYPE = 'crat-mask';

/**
 * CRAT on the class-wise 1x1 mask-logits conv: trains every class's mask channel on each
 * positive RoI's mask target, weighted by the bbox branch's class weights of the same step
 * (published behaviour) or by weights from the mask branch's own Fisher (`weightsFrom: 'mask'`).
 * Keeps the mask layer's per-class Fisher `[C, D]` either way.
 */
export class CratMaskTransfer extends CratTransferBase<CratMaskOptions> {
  constructor(numClasses: number, options: Partial<CratMaskOptions> = {}) {
    super(
      { type: CRAT_MASK_TYPE, branch: 'mask', stateFormat: 'crat-transfuse/mask/v1' },
      numClasses,
      validateMaskOptions({ ...CRAT_MASK_DEFAULTS, ...options }),
    );
  }

  async losses(inputs: TaskTransferInputs, ctx: TransferStepContext): Promise<LossTerms> {
    const where = CRAT_MASK_TYPE;
    this.checkBranchInputs(inputs);
    const c = this.numClasses;
    const p = inputs.labels.shape[0];
    expectShape(where, 'features', inputs.features, [p, null, null, null]);
    const [, h, w, d] = inputs.features.shape;
    expectShape(where, 'predictions', inputs.predictions, [p, h, w, c]);
    expectShape(where, 'targets', inputs.targets, [p, h, w]);
    expectShape(where, 'kernel', inputs.kernel, [1, 1, d, c]);
    const o = this.options;
    const handedOver = o.weightsFrom === 'bbox' ? this.#boxWeights(ctx, p) : undefined;

    const labels = inputs.labelValues;
    const present = presentClasses(labels, c, `${where}: inputs`);
    const hw = h * w;

    const out = tf.tidy(() => {
      const logits = tf.reshape(inputs.predictions, [p, hw, c]) as tf.Tensor3D;
      if (p === 0)
        return {
          loss: zeroLossOf(logits),
          weights: tf.zeros([0, c]) as tf.Tensor2D,
        };
      const onehot = floatOneHot(inputs.labels, c);
      const targets = detach(tf.reshape(inputs.targets, [p, hw]) as tf.Tensor2D);
      const perRoi = detach(
        perRoiMaskGradients(
          tf.reshape(inputs.features, [p, hw, d]) as tf.Tensor3D,
          ownClassMaskLogits(logits, labels),
          targets,
          1 / inputs.avgFactor,
        ),
      );
      let weights: tf.Tensor2D;
      if (handedOver) {
        // The Fisher is kept as state even though the published loss does not read it.
        this.bank.update(perRoi, present, o.mode, o.momentum);
        weights = tf.clone(
          o.maskUnseenClasses ? handedOver.transferWeights : handedOver.classWeights,
        );
      } else {
        const step = fisherGuidedClassWeights(this.bank, perRoi, present, onehot, o);
        weights = appliedClassWeights(step, o.maskUnseenClasses);
      }
      const loss = tf.mul(
        tf.sum(tf.mul(weights, maskLossPerClass(logits, targets))),
        o.lossWeight,
      ) as tf.Scalar;
      return { loss, weights };
    });

    if (p > 0)
      this.diag.record(
        (await out.weights.data()) as Float32Array,
        labels,
        inputs.roiInfo,
        ctx.iteration,
      );
    out.weights.dispose();
    return { loss_mask_trans: out.loss };
  }

  /** The bbox branch's weights of this step, checked against this step and this branch's positives. */
  #boxWeights(ctx: TransferStepContext, p: number): BoxToMaskHandOver {
    const where = CRAT_MASK_TYPE;
    // `??`: a context built by hand without the field reads as nothing handed over.
    const s = ctx.boxToMask ?? null;
    if (s === null) {
      throw new Error(
        `${where}: weightsFrom is 'bbox' but the bbox branch handed nothing over (ctx.boxToMask is empty): ` +
          `enable '${CRAT_BOX_TYPE}' on the bbox branch (it must run before the mask branch in the same step), or set weightsFrom: 'mask'`,
      );
    }
    if (s.iteration !== ctx.iteration) {
      throw new Error(
        `${where}: the bbox branch's weights are from iteration ${s.iteration}, this is iteration ${ctx.iteration}`,
      );
    }
    if (s.numPositives !== p || s.classWeights.isDisposed || s.transferWeights.isDisposed) {
      throw new RangeError(
        `${where}: the bbox branch handed over weights for ${s.numPositives} positive RoIs, the mask branch has ${p} (both must list the same positives in the same order)`,
      );
    }
    return s;
  }
}
