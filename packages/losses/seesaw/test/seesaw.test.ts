import { initBackend, valueAndGradAsync, withoutSyncReads } from '@crat/tensor';
import { expectClose, expectScalarClose } from '@crat/test-fixtures';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AVG_FACTOR_EPS,
  SeesawLoss,
  type SeesawStepInputs,
  seesawCrossEntropy,
  seesawLogFactors,
} from '../src/index.js';
import {
  readSeesawFixture,
  type SeesawFixtureCase,
  type SeesawFixtureStep,
} from './seesaw-fixture.js';

const cases = readSeesawFixture();

function lossFor(c: SeesawFixtureCase): SeesawLoss {
  const { p, q, eps, loss_weight } = c.config;
  return new SeesawLoss(
    { numClasses: c.config.num_classes },
    { p, q, eps, lossWeight: loss_weight },
  );
}

interface StepResult {
  objectness: number;
  classes: number;
  total: number;
  grad: number[][];
}

/** Both terms and d(sum of terms)/d logits through the plug-in, as the trainer sums them. */
async function runStep(loss: SeesawLoss, step: SeesawFixtureStep): Promise<StepResult> {
  const logits = tf.tensor2d(step.inputs.logits);
  const labels = Int32Array.from(step.inputs.labels);
  const weights = tf.tensor1d(step.inputs.label_weights);
  let objectness = Number.NaN;
  let classes = Number.NaN;
  const { value, grad } = await valueAndGradAsync(async (z: tf.Tensor) => {
    const terms = await loss.forward(z as tf.Tensor2D, labels, {
      weights,
      avgFactor: step.inputs.avg_factor,
    });
    objectness = (await terms.loss_cls_objectness.data())[0];
    classes = (await terms.loss_cls_classes.data())[0];
    return tf.add(terms.loss_cls_objectness, terms.loss_cls_classes) as tf.Scalar;
  }, logits);
  const out = {
    objectness,
    classes,
    total: (await value.data())[0],
    grad: (await grad.array()) as number[][],
  };
  tf.dispose([value, grad, logits, weights]);
  return out;
}

/** The loss written plainly (factors as constants), differentiated by TF.js autodiff. */
function autodiffSeesaw(z: tf.Tensor2D, s: SeesawStepInputs, logFactors: tf.Tensor2D): tf.Tensor1D {
  const [n] = z.shape;
  const c = s.numClasses;
  const isPos = Float32Array.from(s.labels, (l) => (l < c ? 1 : 0));
  const rowScale = tf.tensor1d(
    Float32Array.from(s.weights, (w) => (w * s.lossWeight) / (s.avgFactor + AVG_FACTOR_EPS)),
  );
  const onehot = (idx: Int32Array, depth: number) =>
    tf.cast(tf.oneHot(tf.tensor1d(idx, 'int32'), depth), 'float32');
  const objTarget = Int32Array.from(s.labels, (l) => (l === c ? 1 : 0));
  const objCe = tf.neg(
    tf.sum(tf.mul(tf.logSoftmax(tf.slice(z, [0, c], [n, 2])), onehot(objTarget, 2)), 1),
  );
  const adjusted = tf.add(tf.slice(z, [0, 0], [n, c]), logFactors);
  const clsCe = tf.neg(tf.sum(tf.mul(tf.logSoftmax(adjusted), onehot(s.labels, c)), 1));
  return tf.stack([
    tf.sum(tf.mul(objCe, rowScale)),
    tf.sum(tf.mul(tf.mul(clsCe, rowScale), tf.tensor1d(isPos))),
  ]) as tf.Tensor1D;
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`Seesaw on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend(backend);
    });

    for (const c of cases) {
      it(`matches the reference over ${c.steps.length} chained steps (seed ${c.seed})`, async () => {
        expect(c.config.avg_factor_eps).toBe(AVG_FACTOR_EPS);
        const loss = lossFor(c);
        expect(loss.numLogits).toBe(c.config.num_logits);
        expect(loss.getState().cumSamples).toEqual(c.initial_state.cum_samples);
        for (const step of c.steps) {
          const what = `seed ${c.seed} step ${step.step}`;
          expect(loss.getState().cumSamples, `${what} state_before`).toEqual(
            step.state_before.cum_samples,
          );
          const before = tf.memory().numTensors;
          const got = await runStep(loss, step);
          expect(tf.memory().numTensors, `${what}: tensors leaked`).toBe(before);
          expectScalarClose(
            got.objectness,
            step.expected.loss_cls_objectness,
            `${what} objectness`,
          );
          expectScalarClose(got.classes, step.expected.loss_cls_classes, `${what} classes`);
          expectScalarClose(got.total, step.expected.loss, `${what} loss`);
          expectClose(got.grad, step.expected.grad_logits, `${what} grad_logits`);
          expectClose(
            loss.getState().cumSamples,
            step.expected.state_after.cum_samples,
            `${what} cum_samples`,
          );

          // The factors this step used (from the counts updated with its own labels).
          const numClasses = c.config.num_classes;
          const pos = step.intermediate.positive_sample_indices;
          expect(pos).toEqual(step.inputs.labels.flatMap((l, i) => (l < numClasses ? [i] : [])));
          const classLogits = tf.tensor2d(
            pos.flatMap((i) => step.inputs.logits[i].slice(0, numClasses)),
            [pos.length, numClasses],
          );
          const posLabels = Int32Array.from(pos, (i) => step.inputs.labels[i]);
          const f = seesawLogFactors(
            classLogits,
            posLabels,
            loss.getState().cumSamples,
            loss.options,
          );
          // A factor whose exponent is 0 is left out: it is identically 1.
          const mitigation = f.logMitigation ? tf.exp(f.logMitigation) : tf.onesLike(classLogits);
          const compensation = f.logCompensation
            ? tf.exp(f.logCompensation)
            : tf.onesLike(classLogits);
          expectClose(
            mitigation.arraySync(),
            step.intermediate.mitigation_factor,
            `${what} mitigation`,
          );
          expectClose(
            compensation.arraySync(),
            step.intermediate.compensation_factor,
            `${what} compensation`,
          );
          // The reference's full S includes j = c, where both factors are 1.
          const weights = tf.mul(mitigation, compensation);
          expectClose(
            weights.arraySync(),
            step.intermediate.seesaw_weights,
            `${what} seesaw_weights`,
          );

          const logits = tf.tensor2d(step.inputs.logits);
          const labels = Int32Array.from(step.inputs.labels);
          const scores = loss.scores(logits);
          expectClose(scores.arraySync(), step.expected.activation, `${what} activation`);
          const acc = await loss.accuracy(logits, labels);
          expectScalarClose(
            acc.objectness,
            step.expected.accuracy.acc_objectness,
            `${what} acc_objectness`,
          );
          expectScalarClose(acc.classes, step.expected.accuracy.acc_classes, `${what} acc_classes`);
          tf.dispose([
            classLogits,
            f.logMitigation,
            f.logCompensation,
            mitigation,
            compensation,
            weights,
            logits,
            labels,
            scores,
          ]);
        }
      });
    }

    it('gives the closed-form gradient that autodiff of the plain formula gives', async () => {
      const c = cases[0];
      const numClasses = c.config.num_classes;
      for (const step of c.steps) {
        const n = step.inputs.labels.length;
        const labels = Int32Array.from(step.inputs.labels);
        // Arbitrary counts and weights (not the fixture's) so both factors are active.
        const cumSamples = Array.from({ length: numClasses + 1 }, (_, j) => (j * 37) % 11);
        const inputs: SeesawStepInputs = {
          numClasses,
          labels,
          weights: Float32Array.from({ length: n }, (_, i) => 0.5 + (i % 3) / 2),
          avgFactor: n - 1,
          cumSamples,
          p: 0.7,
          q: 1.5,
          eps: 0.05,
          lossWeight: 1.3,
        };
        const z = tf.tensor2d(step.inputs.logits);
        // Every row's factors (negatives get label 0: their class term is masked out anyway).
        const f = seesawLogFactors(
          tf.slice(z, [0, 0], [n, numClasses]),
          Int32Array.from(labels, (l) => (l < numClasses ? l : 0)),
          cumSamples,
          inputs,
        );
        const logFactors = tf.add(f.logMitigation!, f.logCompensation!) as tf.Tensor2D;
        const dy = tf.tensor1d([0.6, 1.7]);
        const weighted = (pair: tf.Tensor1D) => tf.sum(tf.mul(pair, dy)) as tf.Scalar;
        const fast = await valueAndGradAsync(
          async (x: tf.Tensor) => weighted(await seesawCrossEntropy(x as tf.Tensor2D, inputs)),
          z,
        );
        const plain = tf.valueAndGrad((x: tf.Tensor) =>
          weighted(autodiffSeesaw(x as tf.Tensor2D, inputs, logFactors)),
        )(z);
        expectScalarClose(fast.value.dataSync()[0], plain.value.dataSync()[0], 'loss');
        expectClose(fast.grad.dataSync(), plain.grad.dataSync(), 'grad');
        tf.dispose([
          z,
          f.logMitigation,
          f.logCompensation,
          logFactors,
          dy,
          fast.value,
          fast.grad,
          plain.value,
          plain.grad,
        ]);
      }
    });

    it('resumes identically from a JSON round trip of its state', async () => {
      const c = cases[cases.length - 1];
      const [first, ...rest] = c.steps;
      const original = lossFor(c);
      await runStep(original, first);
      const resumed = lossFor(c);
      resumed.setState(JSON.parse(JSON.stringify(original.getState())));
      for (const step of rest) {
        expect(await runStep(resumed, step)).toEqual(await runStep(original, step));
        expect(resumed.getState()).toEqual(original.getState());
      }
    });

    it('handles a batch without positives', async () => {
      const loss = new SeesawLoss({ numClasses: 4 });
      const logits = tf.tensor2d([
        [0.1, 0.2, 0.3, 0.4, 1, -1],
        [0.5, -0.2, 0.3, 0.1, -0.5, 0.5],
      ]);
      const labels = Int32Array.from([4, 4]);
      const { value, grad } = await valueAndGradAsync(async (z: tf.Tensor) => {
        const t = await loss.forward(z as tf.Tensor2D, labels);
        expect((await t.loss_cls_classes.data())[0]).toBe(0);
        return tf.add(t.loss_cls_objectness, t.loss_cls_classes) as tf.Scalar;
      }, logits);
      value.dispose();
      const g = (await grad.array()) as number[][];
      for (const row of g) expect(row.slice(0, 4)).toEqual([0, 0, 0, 0]);
      expect(g[0][4]).toBeGreaterThan(0);
      expect(await loss.accuracy(logits, labels)).toEqual({ objectness: 50, classes: 0 });
      expect(loss.getState().cumSamples).toEqual([0, 0, 0, 0, 2]);
      const none = seesawLogFactors(
        tf.zeros([0, 4]),
        new Int32Array(0),
        [1, 1, 1, 1, 2],
        loss.options,
      );
      expect(none.logMitigation?.shape).toEqual([0, 4]);
      expect(none.logCompensation?.shape).toEqual([0, 4]);
      tf.dispose([none.logMitigation, none.logCompensation]);
      tf.dispose([logits, grad]);
    });
  });
}

describe('Seesaw input checks', () => {
  it('leaves only its two loss terms behind when called outside a gradient scope, reading nothing synchronously', async () => {
    await initBackend('cpu');
    const loss = new SeesawLoss({ numClasses: 3 });
    const logits = tf.tensor2d([
      [0.1, -0.2, 0.3, 0.4, 0],
      [1, 2, -3, 0, 1],
    ]);
    const labels = Int32Array.from([1, 3]);
    const weights = tf.tensor1d([1, 1]);
    const before = tf.memory().numTensors;
    const terms = await withoutSyncReads(() => loss.forward(logits, labels, { weights }));
    expect(tf.memory().numTensors).toBe(before + 2);
    expect(await withoutSyncReads(() => loss.accuracy(logits, labels))).toEqual({
      objectness: expect.any(Number),
      classes: expect.any(Number),
    });
    tf.dispose([terms.loss_cls_objectness, terms.loss_cls_classes, logits, weights]);
  });

  it('rejects a malformed state naming the field', () => {
    const loss = new SeesawLoss({ numClasses: 3 });
    expect(() => loss.setState({ cumSamples: [1, 2, 3] })).toThrowError(/field 'cumSamples'/);
    expect(() => loss.setState({})).toThrowError(/field 'cumSamples'/);
  });

  it('rejects logits of the wrong width and weights of the wrong length', async () => {
    await initBackend('cpu');
    const loss = new SeesawLoss({ numClasses: 3 });
    const labels = Int32Array.from([0, 3]);
    await expect(loss.forward(tf.zeros([2, 4]) as tf.Tensor2D, labels)).rejects.toThrowError(
      /\[N, 5\]/,
    );
    await expect(
      loss.forward(tf.zeros([2, 5]) as tf.Tensor2D, labels, {
        weights: tf.ones([3]) as tf.Tensor1D,
      }),
    ).rejects.toThrowError(/ctx\.weights must have shape \[2\]/);
  });
});
