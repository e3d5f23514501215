import { initBackend, valueAndGradAsync, withoutSyncReads } from '@crat/tensor';
import { expectClose, expectScalarClose } from '@crat/test-fixtures';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  EQLv2Loss,
  type EQLv2State,
  eqlv2ColumnWeights,
  weightedSigmoidCrossEntropy,
} from '../src/index.js';
import {
  type EQLv2FixtureCase,
  type EQLv2FixtureState,
  readEQLv2Fixture,
} from './eqlv2-fixture.js';

const cases = readEQLv2Fixture();

function lossFor(c: EQLv2FixtureCase): EQLv2Loss {
  return new EQLv2Loss(
    { numClasses: c.config.num_classes },
    {
      gamma: c.config.gamma,
      mu: c.config.mu,
      alpha: c.config.alpha,
      lossWeight: c.config.loss_weight,
      testWithObj: c.config.test_with_obj,
    },
  );
}

function expectState(got: EQLv2State, want: EQLv2FixtureState, what: string): void {
  expectClose(got.posGrad, want.pos_grad, `${what} pos_grad`);
  expectClose(got.negGrad, want.neg_grad, `${what} neg_grad`);
  expectClose(got.posNeg, want.pos_neg, `${what} pos_neg`);
}

/** Loss and d loss / d logits through the plug-in's forward, as the detector would call it. */
async function lossAndGrad(loss: EQLv2Loss, logits: tf.Tensor2D, labels: Int32Array) {
  const { value, grad } = await valueAndGradAsync(
    async (z: tf.Tensor) => (await loss.forward(z as tf.Tensor2D, labels)).loss_cls,
    logits,
  );
  const out = { value: (await value.data())[0], grad: (await grad.array()) as number[][] };
  tf.dispose([value, grad]);
  return out;
}

/** The same loss written plainly, differentiated by TF.js autodiff (the closed form's oracle). */
function autodiffLoss(
  logits: tf.Tensor2D,
  labels: Int32Array,
  pos: Float64Array,
  neg: Float64Array,
  scale: number,
): tf.Scalar {
  const [n, k] = logits.shape;
  // int32 one-hot then cast: wasm's OneHot writes int bit patterns into float32 outputs.
  const y = tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), k), 'float32');
  const w = tf.add(
    tf.mul(y, tf.tensor1d(Float32Array.from(pos))),
    tf.mul(tf.sub(1, y), tf.tensor1d(Float32Array.from(neg))),
  );
  // Softplus, not log1p(exp(-|z|)): wasm's Log1p computes log(1 + x) in float32.
  const bce = tf.sub(tf.softplus(logits), tf.mul(logits, y));
  return tf.mul(tf.sum(tf.mul(w, bce)), scale / n);
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`EQLv2 on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend(backend);
    });

    for (const c of cases) {
      it(`matches the reference over ${c.steps.length} chained steps (seed ${c.seed})`, async () => {
        const loss = lossFor(c);
        expect(loss.numLogits).toBe(c.config.num_logits);
        expectState(loss.getState(), c.initial_state, 'initial state');
        for (const step of c.steps) {
          const what = `seed ${c.seed} step ${step.step}`;
          expectState(loss.getState(), step.state_before, `${what} state_before`);
          const weights = eqlv2ColumnWeights(loss.getState().posNeg, loss.options);
          expectClose(weights.pos, step.intermediate.pos_weight, `${what} pos_weight`);
          expectClose(weights.neg, step.intermediate.neg_weight, `${what} neg_weight`);

          const logits = tf.tensor2d(step.inputs.logits);
          const labels = Int32Array.from(step.inputs.labels);
          const before = tf.memory().numTensors;
          const { value, grad } = await lossAndGrad(loss, logits, labels);
          expect(tf.memory().numTensors, `${what}: tensors leaked`).toBe(before);
          expectScalarClose(value, step.expected.loss, `${what} loss`);
          expectClose(grad, step.expected.grad_logits, `${what} grad_logits`);
          expectState(loss.getState(), step.expected.state_after, `${what} state_after`);

          const scores = loss.scores(logits);
          expectClose(scores.arraySync(), step.expected.activation, `${what} activation`);
          tf.dispose([logits, scores]);
        }
      });
    }

    it('gives the closed-form gradient that autodiff of the plain formula gives', async () => {
      const c = cases[0];
      const numClasses = c.config.num_classes;
      const n = 2 * c.steps[0].inputs.labels.length + 1;
      // Arbitrary (not fixture) weights, labels and logits, some beyond softplus's fast range.
      const pos = Float64Array.from({ length: numClasses + 1 }, (_, j) => 1 + ((j * 7) % 5) / 3);
      const neg = Float64Array.from({ length: numClasses + 1 }, (_, j) => 0.1 + ((j * 3) % 4) / 5);
      const labels = Int32Array.from({ length: n }, (_, i) => (i * 5) % (numClasses + 1));
      const values = Array.from({ length: n * (numClasses + 1) }, (_, i) => Math.sin(i) * 6);
      values[3] = 95;
      values[4] = -95;
      const logits = tf.tensor2d(values, [n, numClasses + 1]);
      const scale = 0.7;
      const fast = await valueAndGradAsync(
        async (z: tf.Tensor) =>
          (await weightedSigmoidCrossEntropy(z as tf.Tensor2D, labels, { pos, neg }, scale)).loss,
        logits,
      );
      const plain = tf.valueAndGrad((z: tf.Tensor) =>
        autodiffLoss(z as tf.Tensor2D, labels, pos, neg, scale),
      )(logits);
      expectScalarClose(fast.value.dataSync()[0], plain.value.dataSync()[0], 'loss');
      expectClose(fast.grad.dataSync(), plain.grad.dataSync(), 'grad');
      tf.dispose([logits, fast.value, fast.grad, plain.value, plain.grad]);
    });

    it('resumes identically from a JSON round trip of its state', async () => {
      const c = cases[cases.length - 1];
      const [first, ...rest] = c.steps;
      const original = lossFor(c);
      const run = async (loss: EQLv2Loss, step: typeof first) => {
        const logits = tf.tensor2d(step.inputs.logits);
        const out = await lossAndGrad(loss, logits, Int32Array.from(step.inputs.labels));
        logits.dispose();
        return out;
      };
      await run(original, first);
      const resumed = lossFor(c);
      resumed.setState(JSON.parse(JSON.stringify(original.getState())));
      expect(resumed.getState()).toEqual(original.getState());
      for (const step of rest) {
        expect(await run(resumed, step)).toEqual(await run(original, step));
        expect(resumed.getState()).toEqual(original.getState());
      }
    });
  });
}

describe('EQLv2 input checks', () => {
  it('leaves only its loss term behind when called outside a gradient scope, reading nothing synchronously', async () => {
    await initBackend('cpu');
    const loss = new EQLv2Loss({ numClasses: 3 });
    const logits = tf.tensor2d([
      [0.1, -0.2, 0.3, 0.4],
      [1, 2, -3, 0],
    ]);
    const labels = Int32Array.from([1, 3]);
    const before = tf.memory().numTensors;
    const terms = await withoutSyncReads(() => loss.forward(logits, labels));
    expect(tf.memory().numTensors).toBe(before + 1);
    tf.dispose([terms.loss_cls, logits]);
  });

  it('rejects a malformed state naming the field', () => {
    const loss = new EQLv2Loss({ numClasses: 3 });
    const good = loss.getState();
    expect(() => loss.setState({ ...good, negGrad: [1, 2] })).toThrowError(/field 'negGrad'/);
    expect(() => loss.setState({ ...good, posNeg: [1, 'x', 3] })).toThrowError(/field 'posNeg'/);
  });

  it('rejects logits of the wrong width and out-of-range labels', async () => {
    await initBackend('cpu');
    const loss = new EQLv2Loss({ numClasses: 3 });
    const labels = Int32Array.from([0, 3]);
    await expect(loss.forward(tf.zeros([2, 3]) as tf.Tensor2D, labels)).rejects.toThrowError(
      /shape \[N, 4\]/,
    );
    await expect(
      loss.forward(tf.zeros([2, 4]) as tf.Tensor2D, Int32Array.from([0, 4])),
    ).rejects.toThrowError(/labels\[1\] = 4/);
  });
});
