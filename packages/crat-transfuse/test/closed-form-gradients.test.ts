import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  boxLossDerivative,
  floatOneHot,
  ownClassBoxPredictions,
  ownClassMaskLogits,
  perRoiBoxGradients,
  perRoiMaskGradients,
  type RegressionLossSpec,
  regressionLoss,
} from '../src/index.js';
import { BACKENDS, useBackend } from './backends.js';
import { ints, rng, uniform } from './random.js';
import { expectArrayClose } from './tolerance.js';

const P = 5;
const D = 7;
const C = 4;

describe.each(BACKENDS)(
  'closed-form per-RoI gradients equal autograd on a small head (%s)',
  (backend) => {
    beforeAll(async () => {
      await useBackend(backend);
    });

    const specs: RegressionLossSpec[] = [
      { kind: 'l1', beta: 0 },
      { kind: 'smooth-l1', beta: 0.5 },
    ];
    for (const spec of specs) {
      it(`box layer, ${spec.kind}`, () => {
        const r = rng(spec.kind === 'l1' ? 11 : 12);
        tf.tidy(() => {
          const x = tf.tensor2d(uniform(r, P * D), [P, D]);
          const kernel = tf.variable(tf.tensor2d(uniform(r, D * C * 4, -0.3, 0.3), [D, C * 4]));
          const bias = tf.tensor1d(uniform(r, C * 4, -0.1, 0.1));
          const labels = tf.tensor1d(ints(r, P, C), 'int32');
          const targets = tf.tensor2d(uniform(r, P * 4, -0.5, 0.5), [P, 4]);
          const weights = tf.tensor2d(uniform(r, P * 4, 0.5, 1.5), [P, 4]);
          const scale = 1 / 3;
          const onehot = floatOneHot(labels, C);
          const head = (k: tf.Tensor) => tf.add(tf.matMul(x, k), bias) as tf.Tensor2D;
          const pred = head(kernel);
          const closed = perRoiBoxGradients(
            x,
            boxLossDerivative(ownClassBoxPredictions(pred, onehot), targets, weights, scale, spec),
          ).arraySync();
          const y = labels.arraySync();
          for (let n = 0; n < P; n++) {
            // Autograd of RoI n's own loss alone, w.r.t. the whole kernel (test only).
            const lossN = (k: tf.Tensor) => {
              const own = tf.slice(ownClassBoxPredictions(head(k), onehot), [n, 0], [1, 4]);
              const d = tf.sub(own, tf.slice(targets, [n, 0], [1, 4]));
              return tf.mul(
                tf.sum(tf.mul(regressionLoss(d, spec), tf.slice(weights, [n, 0], [1, 4]))),
                scale,
              ) as tf.Scalar;
            };
            const g = tf.grad(lossN)(kernel) as tf.Tensor2D;
            const slice = tf.slice(g, [0, y[n] * 4], [D, 4]);
            expectArrayClose(slice.dataSync(), closed[n], `RoI ${n}: own class slice (d*4+k)`);
            // Nothing outside the RoI's own class slice.
            const total = tf.sum(tf.abs(g)).dataSync()[0];
            const own = tf.sum(tf.abs(slice)).dataSync()[0];
            expect(Math.abs(total - own)).toBeLessThanOrEqual(1e-6 * Math.max(total, 1e-30));
          }
        });
      });
    }

    it('mask 1x1 conv', () => {
      const r = rng(21);
      const h = 3;
      const w = 4;
      const dm = 6;
      tf.tidy(() => {
        const feats = tf.tensor4d(uniform(r, P * h * w * dm, 0, 1), [P, h, w, dm]);
        const kernel = tf.variable(tf.tensor4d(uniform(r, dm * C, -0.5, 0.5), [1, 1, dm, C]));
        const bias = tf.tensor1d(uniform(r, C, -0.2, 0.2));
        const labelsArr = ints(r, P, C);
        const labels = tf.tensor1d(labelsArr, 'int32');
        const targets = tf.tensor3d(
          Float32Array.from(uniform(r, P * h * w, 0, 1), (v) => (v > 0.5 ? 1 : 0)),
          [P, h, w],
        );
        const norm = P * h * w;
        // The 1x1 conv written as a matmul (wasm lacks Conv2DBackpropFilter).
        const head = (k: tf.Tensor) =>
          tf.reshape(
            tf.add(tf.matMul(tf.reshape(feats, [P * h * w, dm]), tf.reshape(k, [dm, C])), bias),
            [P, h * w, C],
          ) as tf.Tensor3D;
        const t2 = tf.reshape(targets, [P, h * w]) as tf.Tensor2D;
        const closed = perRoiMaskGradients(
          tf.reshape(feats, [P, h * w, dm]) as tf.Tensor3D,
          ownClassMaskLogits(head(kernel), labelsArr),
          t2,
          1 / norm,
        ).arraySync();
        const onehot = floatOneHot(labels, C);
        for (let n = 0; n < P; n++) {
          const lossN = (k: tf.Tensor) => {
            const logits = tf.slice(head(k), [n, 0, 0], [1, h * w, C]);
            const own = tf.sum(
              tf.mul(logits, tf.reshape(tf.slice(onehot, [n, 0], [1, C]), [1, 1, C])),
              2,
            );
            const t = tf.slice(t2, [n, 0], [1, h * w]);
            const bce = tf.sub(tf.softplus(own), tf.mul(own, t));
            return tf.div(tf.sum(bce), norm) as tf.Scalar;
          };
          const g = tf.reshape(tf.grad(lossN)(kernel), [dm, C]);
          const col = tf.reshape(tf.slice(g, [0, labelsArr[n]], [dm, 1]), [dm]);
          expectArrayClose(col.dataSync(), closed[n], `RoI ${n}: own class column`);
        }
      });
    });
  },
);
