import { initBackend, valueAndGradAsync, withoutSyncReads } from '@crat/tensor';
import { expectClose, expectScalarClose } from '@crat/test-fixtures';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildGroupLayout,
  type GroupLayout,
  GroupSoftmaxLoss,
  type GroupStepInputs,
  groupAvgFactors,
  groupSampleWeights,
  groupSoftmaxCrossEntropy,
  type OthersSampler,
  remapLabels,
} from '../src/index.js';
import {
  type GroupSoftmaxFixtureCase,
  type GroupSoftmaxFixtureStep,
  readGroupSoftmaxFixture,
} from './group-softmax-fixture.js';

const cases = readGroupSoftmaxFixture();

/** Replays the reference's drawn "others" mask of the current step. */
function replaySampler(current: () => GroupSoftmaxFixtureStep): OthersSampler {
  return (others, count, group) => {
    const mask = current().inputs.group_sample_weights[group];
    const chosen = Array.from(others).filter((i) => mask[i] === 1);
    expect(chosen.length, `group ${group}: rows the reference drew`).toBe(count);
    return chosen;
  };
}

function lossFor(c: GroupSoftmaxFixtureCase, sampler?: OthersSampler): GroupSoftmaxLoss {
  return new GroupSoftmaxLoss(
    { numClasses: c.config.num_classes, classInstanceCounts: c.config.instance_counts },
    { beta: c.config.beta, binSplit: c.config.bin_split, lossWeight: c.config.loss_weight },
    sampler ? { othersSampler: sampler } : {},
  );
}

function expectLayout(layout: GroupLayout, c: GroupSoftmaxFixtureCase): void {
  const cfg = c.config;
  expect(layout.numGroups).toBe(cfg.num_groups);
  expect(layout.numLogits).toBe(cfg.num_logits);
  expect(Array.from(layout.groupOfClass)).toEqual(cfg.group_of_class);
  expect(layout.groupClassIds).toEqual(cfg.group_class_ids);
  expect(layout.groupClassIds.map((ids) => ids.length)).toEqual(cfg.num_classes_in_group);
  expect(layout.labelMaps.map((m) => Array.from(m))).toEqual(cfg.group_label_maps);
  expect(
    layout.columns.map((col) => ({
      group: col.group,
      position_in_group: col.positionInGroup,
      meaning:
        col.classId < 0 ? 'others' : col.classId === cfg.num_classes ? 'background' : 'class',
      class: col.classId,
    })),
  ).toEqual(cfg.logit_layout);
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`Group Softmax on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend(backend);
    });

    for (const c of cases) {
      it(`matches the reference over ${c.steps.length} steps (seed ${c.seed})`, async () => {
        let current = c.steps[0];
        const loss = lossFor(
          c,
          replaySampler(() => current),
        );
        expectLayout(loss.layout, c);
        for (const step of c.steps) {
          current = step;
          const what = `seed ${c.seed} step ${step.step}`;
          const labels = Int32Array.from(step.inputs.labels);
          const groupLabels = remapLabels(loss.layout, labels);
          expect(
            groupLabels.map((l) => Array.from(l)),
            `${what} group_labels`,
          ).toEqual(step.intermediate.group_labels);
          const sampled = groupSampleWeights(
            groupLabels,
            c.config.beta,
            replaySampler(() => step),
          );
          expect(sampled.modes, `${what} group_weight_mode`).toEqual(
            step.intermediate.group_weight_mode,
          );
          expect(
            sampled.weights.map((w) => Array.from(w)),
            `${what} weights`,
          ).toEqual(step.inputs.group_sample_weights);
          expect(groupAvgFactors(sampled.weights)).toEqual(step.intermediate.group_avg_factor);

          const logits = tf.tensor2d(step.inputs.logits);
          const labelValues = Int32Array.from(labels);
          const before = tf.memory().numTensors;
          let groupLoss: number[] = [];
          const { value, grad } = await valueAndGradAsync(async (z: tf.Tensor) => {
            const perGroup = await loss.groupLosses(z as tf.Tensor2D, labelValues);
            groupLoss = Array.from(await perGroup.data());
            return tf.sum(perGroup) as tf.Scalar;
          }, logits);
          expectClose(groupLoss, step.intermediate.group_loss, `${what} group_loss`);
          expectScalarClose((await value.data())[0], step.expected.loss, `${what} loss`);
          expectClose(
            (await grad.array()) as number[][],
            step.expected.grad_logits,
            `${what} grad_logits`,
          );
          expect(loss.lastSampleWeights?.modes).toEqual(step.intermediate.group_weight_mode);
          tf.dispose([value, grad]);
          expect(tf.memory().numTensors, `${what}: tensors leaked`).toBe(before);

          // The plug-in entry point gives the same total.
          const { loss_cls } = await loss.forward(logits, labelValues);
          const terms = (await loss_cls.data())[0];
          loss_cls.dispose();
          expectScalarClose(terms, step.expected.loss, `${what} forward loss_cls`);

          const scores = await loss.scores(logits);
          expectClose(await scores.array(), step.expected.activation, `${what} activation`);
          tf.dispose([logits, scores]);
        }
      });
    }

    it('gives the closed-form gradient that autodiff of per-group softmaxes gives, also when groups are far apart', async () => {
      const c = cases[0];
      const layout = buildGroupLayout(c.config.instance_counts, c.config.bin_split);
      for (const shift of [0, -150]) {
        const step = c.steps[1];
        const n = step.inputs.labels.length;
        const labels = Int32Array.from(step.inputs.labels);
        const groupLabels = remapLabels(layout, labels);
        const inputs: GroupStepInputs = {
          layout,
          groupLabels,
          groupWeights: groupLabels.map((_, g) =>
            Float32Array.from({ length: n }, (_, i) => ((i + g) % 3 === 0 ? 0 : 1)),
          ),
          lossWeight: 0.9,
        };
        // Shift group 0's columns far below the rest: the fast path must fall back.
        const rows = step.inputs.logits.map((row) =>
          row.map((v, j) => (layout.columns[j].group === 0 ? v + shift : v)),
        );
        const z = tf.tensor2d(rows);
        const dy = tf.tensor1d(Array.from({ length: layout.numGroups }, (_, g) => 0.5 + g / 4));
        const fast = await valueAndGradAsync(
          async (x: tf.Tensor) =>
            tf.sum(
              tf.mul(await groupSoftmaxCrossEntropy(x as tf.Tensor2D, inputs), dy),
            ) as tf.Scalar,
          z,
        );
        const avg = groupAvgFactors(inputs.groupWeights);
        const sizes = layout.groupClassIds.map((ids) => ids.length + 1);
        const plain = tf.valueAndGrad((x: tf.Tensor) => {
          const parts = tf.split(x, sizes, 1);
          const perGroup = parts.map((part, g) => {
            const y = tf.cast(tf.oneHot(tf.tensor1d(groupLabels[g], 'int32'), sizes[g]), 'float32');
            const ce = tf.neg(tf.sum(tf.mul(tf.logSoftmax(part), y), 1));
            return tf.div(tf.sum(tf.mul(ce, tf.tensor1d(inputs.groupWeights[g]))), avg[g] / 0.9);
          });
          return tf.sum(tf.mul(tf.stack(perGroup), dy)) as tf.Scalar;
        })(z);
        expectScalarClose(
          fast.value.dataSync()[0],
          plain.value.dataSync()[0],
          `shift ${shift} loss`,
        );
        expectClose(fast.grad.dataSync(), plain.grad.dataSync(), `shift ${shift} grad`);
        tf.dispose([z, dy, fast.value, fast.grad, plain.value, plain.grad]);
      }
    });

    it('resumes identically from a JSON round trip of its state (seeded sampler)', async () => {
      const c = cases[0];
      const original = lossFor(c);
      const run = async (loss: GroupSoftmaxLoss, step: GroupSoftmaxFixtureStep) => {
        const logits = tf.tensor2d(step.inputs.logits);
        const labels = Int32Array.from(step.inputs.labels);
        const { value, grad } = await valueAndGradAsync(
          async (z: tf.Tensor) => (await loss.forward(z as tf.Tensor2D, labels)).loss_cls,
          logits,
        );
        const out = {
          value: (await value.data())[0],
          grad: Array.from(await grad.data()),
          weights: loss.lastSampleWeights?.weights.map((w) => Array.from(w)),
        };
        tf.dispose([logits, value, grad]);
        return out;
      };
      await run(original, c.steps[0]);
      const resumed = lossFor(c);
      resumed.setState(JSON.parse(JSON.stringify(original.getState())));
      // Many steps from the same inputs so the "others" draws matter.
      for (let k = 0; k < 6; k++) {
        const step = c.steps[k % c.steps.length];
        expect(await run(resumed, step)).toEqual(await run(original, step));
        expect(resumed.getState()).toEqual(original.getState());
      }
    });
  });
}

describe('Group Softmax sampling and input checks', () => {
  it('keeps floor(fg·beta) distinct "others" rows with the seeded sampler', () => {
    const loss = new GroupSoftmaxLoss(
      { numClasses: 3, classInstanceCounts: [5, 50, 5000] },
      { beta: 2 },
    );
    const labels = Int32Array.from([0, 3, 3, 3, 3, 3, 3, 3, 1, 3]);
    const sampled = groupSampleWeights(remapLabels(loss.layout, labels), 2, (others, count) =>
      others.slice(0, count),
    );
    // Group 0 holds class 0 (1 foreground row → 2 of its 9 others); group 1 class 1 likewise.
    expect(sampled.modes).toEqual([
      'others_randomly_subsampled',
      'others_randomly_subsampled',
      'no_foreground_in_group',
      'no_foreground_in_group',
      'background_group_all_ones',
    ]);
    expect(sampled.weights[0].reduce((s, x) => s + x, 0)).toBe(3);
    expect(() =>
      groupSampleWeights(remapLabels(loss.layout, labels), 2, (others) => others.slice(0, 1)),
    ).toThrowError(/returned 1 rows for group 0, expected 2/);
  });

  it('leaves only its loss term behind when called outside a gradient scope, reading nothing synchronously', async () => {
    await initBackend('cpu');
    const loss = new GroupSoftmaxLoss({ numClasses: 2, classInstanceCounts: [5, 500] });
    const logits = tf.tensor2d([Array.from({ length: loss.numLogits }, (_, j) => Math.sin(j))]);
    const labels = Int32Array.from([1]);
    const before = tf.memory().numTensors;
    const terms = await withoutSyncReads(() => loss.forward(logits, labels));
    expect(tf.memory().numTensors).toBe(before + 1);
    const scores = await withoutSyncReads(() => loss.scores(logits));
    expect(tf.memory().numTensors).toBe(before + 2);
    tf.dispose([terms.loss_cls, logits, scores]);
  });

  it('needs instance counts and rejects a malformed state naming the field', () => {
    expect(() => new GroupSoftmaxLoss({ numClasses: 3 })).toThrowError(/needs classInstanceCounts/);
    const loss = new GroupSoftmaxLoss({ numClasses: 2, classInstanceCounts: [1, 2] });
    expect(() => loss.setState({ samplerState: -1 })).toThrowError(/field 'samplerState'/);
  });
});
