import {
  type BoxToMaskHandOver,
  newTransferStepContext,
  type TransferStepContext,
} from '@crat/core';
import { valueAndGradAsync } from '@crat/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CratBoxTransfer,
  CratMaskTransfer,
  ownClassMaskLogits,
  perRoiMaskGradients,
} from '../src/index.js';
import { BACKENDS, useBackend } from './backends.js';
import { boxFixture, maskFixture, nchwToNhwc, rows, VARIANT_MODES } from './fixtures.js';
import { boxInputs, logitsNhwc, maskInputs } from './inputs.js';
import { expectArrayClose, expectScalarClose, flat } from './tolerance.js';

const fixture = maskFixture();
const boxCases = boxFixture().cases;

/** Expected gradient, NCHW → NHWC flat. */
const gradNhwc = (g: number[][][][]) => nchwToNhwc(g).values;

describe.each(BACKENDS)('crat-mask against crat_mask.json (%s)', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  for (const kase of fixture.cases) {
    const c = kase.config.num_classes;
    for (const variant of kase.config.variants) {
      const mode = VARIANT_MODES[variant];
      it(`seed ${kase.seed}, ${variant} (mode '${mode}'), f_n_i given: 3 chained steps`, async () => {
        const plugin = new CratMaskTransfer(c, {
          mode,
          momentum: kase.config.alpha,
          lossWeight: kase.config.loss_weight_trans,
        });
        plugin.setState({ ...(await plugin.getState()), fisher: kase.initial_fisher });
        for (const step of kase.steps) {
          const v = step.variants[variant];
          const where = `seed ${kase.seed} step ${step.step} ${variant}`;
          expectArrayClose(
            flat(plugin.fisher!.arraySync()),
            flat(v.fisher_before),
            `${where}: fisher_before`,
          );
          const fni = tf.tensor2d(v.f_n_i);
          const handedOver: BoxToMaskHandOver = {
            iteration: step.step,
            numPositives: fni.shape[0],
            classWeights: fni,
            transferWeights: fni,
          };
          const ctx: TransferStepContext = { iteration: step.step, boxToMask: handedOver };
          const logits = logitsNhwc(step);
          const inputs = maskInputs(step, c, logits);
          const { value, grad } = await valueAndGradAsync(
            async (l: tf.Tensor) =>
              (await plugin.losses({ ...inputs, predictions: l }, ctx)).loss_mask_trans,
            logits,
          );
          const grads = [grad];
          expectScalarClose(value.dataSync()[0], v.loss_mask_trans, `${where}: loss_mask_trans`);
          expectArrayClose(
            grads[0].dataSync(),
            gradNhwc(v.grad_loss_mask_trans_wrt_mask_logits),
            `${where}: gradient`,
          );
          expectArrayClose(
            flat(plugin.fisher!.arraySync()),
            flat(v.fisher_after),
            `${where}: fisher_after`,
          );
          tf.dispose([
            value,
            ...grads,
            fni,
            ...Object.values(inputs).filter((t) => t instanceof tf.Tensor),
          ]);
        }
        plugin.dispose();
      });

      it(`seed ${kase.seed}, ${variant}: crat-bbox then crat-mask in one step, weights handed over`, async () => {
        const boxCase = boxCases.find((b) => b.seed === kase.seed)!;
        const box = new CratBoxTransfer(c, { mode });
        const mask = new CratMaskTransfer(c, { mode });
        for (const [i, step] of kase.steps.entries()) {
          const boxStep = boxCase.steps[i];
          const ctx = newTransferStepContext(step.step);
          const pred = tf.tensor2d(rows(boxStep.inputs.bbox_pred, boxStep.expected.pos_indices));
          const bIn = boxInputs(boxStep, c, pred);
          const bLoss = (await box.losses(bIn, ctx)).loss_bbox_trans;
          const logits = logitsNhwc(step);
          const mIn = maskInputs(step, c, logits);
          const mLoss = (await mask.losses(mIn, ctx)).loss_mask_trans;
          const where = `seed ${kase.seed} step ${step.step} ${variant}`;
          expectScalarClose(
            bLoss.dataSync()[0],
            boxStep.variants[variant].loss_bbox_trans,
            `${where}: loss_bbox_trans`,
          );
          expectScalarClose(
            mLoss.dataSync()[0],
            step.variants[variant].loss_mask_trans,
            `${where}: loss_mask_trans`,
          );
          expectArrayClose(
            flat(mask.fisher!.arraySync()),
            flat(step.variants[variant].fisher_after),
            `${where}: mask fisher_after`,
          );
          tf.dispose(
            [bLoss, mLoss, pred, logits, ...Object.values(bIn), ...Object.values(mIn)].filter(
              (t) => t instanceof tf.Tensor,
            ),
          );
        }
        box.dispose();
        mask.dispose();
      });
    }

    it(`seed ${kase.seed}: closed-form per-RoI mask gradients and class gradients`, () => {
      for (const step of kase.steps) {
        const where = `seed ${kase.seed} step ${step.step}`;
        tf.tidy(() => {
          const logits = logitsNhwc(step);
          const inputs = maskInputs(step, c, logits);
          const [p, h, w, d] = inputs.features.shape as number[];
          const own = ownClassMaskLogits(
            tf.reshape(logits, [p, h * w, c]) as tf.Tensor3D,
            step.inputs.pos_labels,
          );
          const perRoi = perRoiMaskGradients(
            tf.reshape(inputs.features, [p, h * w, d]) as tf.Tensor3D,
            own,
            tf.reshape(inputs.targets, [p, h * w]) as tf.Tensor2D,
            1 / inputs.avgFactor,
          );
          expectArrayClose(
            perRoi.dataSync(),
            flat(step.expected.per_sample_grad),
            `${where}: per_sample_grad`,
          );
          const onehot = tf.oneHot(inputs.labels, c);
          const classGrad = tf.matMul(tf.cast(onehot, 'float32'), perRoi, true, false);
          expectArrayClose(
            classGrad.dataSync(),
            flat(step.expected.class_grad),
            `${where}: class_grad`,
          );
          expect(classGrad.shape).toEqual([c, d]);
        });
      }
    });
  }
});
