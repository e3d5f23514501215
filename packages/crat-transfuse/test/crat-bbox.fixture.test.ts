import { newTransferStepContext } from '@crat/core';
import { valueAndGradAsync } from '@crat/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  boxLossDerivative,
  CratBoxTransfer,
  classExcludingSoftmax,
  cosineToFisher,
  floatOneHot,
  ownClassBoxPredictions,
  perRoiBoxGradients,
  seenClassMask,
} from '../src/index.js';
import { BACKENDS, useBackend } from './backends.js';
import { boxFixture, rows, VARIANT_MODES } from './fixtures.js';
import { boxInputs } from './inputs.js';
import { expectArrayClose, expectScalarClose, flat } from './tolerance.js';

const fixture = boxFixture();

describe.each(BACKENDS)('crat-bbox against crat_bbox.json (%s)', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  for (const kase of fixture.cases) {
    const c = kase.config.num_classes;
    for (const variant of kase.config.variants) {
      const mode = VARIANT_MODES[variant];
      it(`seed ${kase.seed}, ${variant} (mode '${mode}'): 3 chained steps`, async () => {
        const plugin = new CratBoxTransfer(c, {
          mode,
          momentum: kase.config.alpha,
          temperature: kase.config.temperature,
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
          const pos = step.expected.pos_indices;
          const ctx = newTransferStepContext(step.step);
          const pred = tf.tensor2d(rows(step.inputs.bbox_pred, pos));
          const inputs = boxInputs(step, c, pred);
          const { value, grad } = await valueAndGradAsync(
            async (p: tf.Tensor) =>
              (await plugin.losses({ ...inputs, predictions: p }, ctx)).loss_bbox_trans,
            pred,
          );
          const grads = [grad];
          expectScalarClose(value.dataSync()[0], v.loss_bbox_trans, `${where}: loss_bbox_trans`);
          expectArrayClose(
            grads[0].dataSync(),
            flat(rows(v.grad_loss_bbox_trans_wrt_bbox_pred, pos)),
            `${where}: gradient`,
          );
          // The fixture's gradient is zero on negatives, which never reach a TaskTransfer.
          const neg = step.inputs.labels.map((_, i) => i).filter((i) => !pos.includes(i));
          expect(flat(rows(v.grad_loss_bbox_trans_wrt_bbox_pred, neg)).every((g) => g === 0)).toBe(
            true,
          );
          expectArrayClose(
            flat(plugin.fisher!.arraySync()),
            flat(v.fisher_after),
            `${where}: fisher_after`,
          );
          const handedOver = ctx.boxToMask;
          expect(handedOver).not.toBeNull();
          if (handedOver) {
            expect(handedOver.iteration).toBe(step.step);
            expect(handedOver.numPositives).toBe(pos.length);
            expectArrayClose(handedOver.classWeights.dataSync(), flat(v.f_n_i), `${where}: f_n_i`);
            expectArrayClose(
              handedOver.transferWeights.dataSync(),
              flat(v.transfer_weight),
              `${where}: transfer_weight`,
            );
          }
          tf.dispose([
            value,
            ...grads,
            pred,
            ...Object.values(inputs).filter((t) => t instanceof tf.Tensor),
          ]);
        }
        plugin.dispose();
      });
    }

    it(`seed ${kase.seed}: closed-form pieces (per-RoI gradients, cosine, softmax, seen mask)`, () => {
      for (const step of kase.steps) {
        const where = `seed ${kase.seed} step ${step.step}`;
        const pos = step.expected.pos_indices;
        tf.tidy(() => {
          const inputs = boxInputs(step, c, tf.tensor2d(rows(step.inputs.bbox_pred, pos)));
          const onehot = floatOneHot(inputs.labels, c);
          const own = ownClassBoxPredictions(inputs.predictions as tf.Tensor2D, onehot);
          const targets = inputs.targets as tf.Tensor2D;
          const spec = { kind: 'l1' as const, beta: 0 };
          const gMain = boxLossDerivative(
            own,
            targets,
            inputs.targetWeights,
            1 / (step.expected.avg_factor_loss_bbox + 1.1920928955078125e-7),
            spec,
          );
          const gOwn = boxLossDerivative(
            own,
            targets,
            undefined,
            1 / step.expected.avg_factor,
            spec,
          );
          const x = inputs.features as tf.Tensor2D;
          expectArrayClose(
            perRoiBoxGradients(x, gMain).dataSync(),
            flat(step.expected.per_sample_grad_of_loss_bbox),
            `${where}: per_sample_grad_of_loss_bbox`,
          );
          expectArrayClose(
            perRoiBoxGradients(x, gOwn).dataSync(),
            flat(step.expected.per_sample_grad),
            `${where}: per_sample_grad`,
          );
          const classGrad = tf.matMul(onehot, perRoiBoxGradients(x, gMain), true, false);
          expectArrayClose(
            classGrad.dataSync(),
            flat(step.expected.class_grad),
            `${where}: class_grad`,
          );
          for (const variant of kase.config.variants) {
            const v = step.variants[variant];
            const fisher = tf.tensor2d(v.fisher_after);
            const perSample = tf.tensor2d(step.expected.per_sample_grad);
            const vectors =
              VARIANT_MODES[variant] === 'reference'
                ? tf.tile(tf.slice(perSample, [0, 0], [1, -1]), [pos.length, 1])
                : perSample;
            const cos = cosineToFisher(vectors as tf.Tensor2D, fisher, 1e-12);
            expectArrayClose(
              cos.dataSync(),
              flat(v.cosine_similarity),
              `${where} ${variant}: cosine_similarity`,
            );
            const fni = classExcludingSoftmax(
              tf.tensor2d(v.cosine_similarity),
              onehot,
              kase.config.temperature,
            );
            expectArrayClose(
              fni.dataSync(),
              flat(v.f_n_i),
              `${where} ${variant}: f_n_i from the fixture's cosines`,
            );
            expectArrayClose(
              seenClassMask(fisher).dataSync(),
              v.updated_fisher_mask,
              `${where} ${variant}: updated_fisher_mask`,
            );
          }
        });
      }
    });
  }
});
