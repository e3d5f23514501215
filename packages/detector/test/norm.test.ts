// Group norm and trainable batch norm: values against direct formulas, gradients against
// central differences, training/test behaviour, and the running statistics through a checkpoint.
import { Rng } from '@crat/core';
import { initBackend } from '@crat/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveDetectorConfig } from '../src/config-schema.js';
import { MaskRCNN } from '../src/mask-rcnn.js';
import { BatchNorm, GroupNorm } from '../src/norm.js';
import { ParamStore } from '../src/params.js';
import { makeToyImages, toyBatch } from '../src/toy-data.js';
import { deserializeWeights, serializeWeights } from '../src/weights/checkpoint.js';
import { sgdSteps } from './helpers/train-steps.js';

beforeAll(async () => {
  await initBackend('cpu');
});

function seeded(shape: number[], seed: number): tf.Tensor {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => rng.normal()),
    shape,
  );
}

/** Largest |analytic - central difference| relative to the largest analytic component. */
function gradientError(f: (x: tf.Tensor) => tf.Scalar, x0: tf.Tensor, h = 1e-2): number {
  const g = tf.grad(f)(x0).dataSync();
  const base = x0.dataSync();
  let worst = 0;
  let scale = 1e-6;
  for (let i = 0; i < base.length; i++) {
    const at = (d: number) => {
      const v = Float32Array.from(base);
      v[i] += d;
      return f(tf.tensor(v, x0.shape)).dataSync()[0]!;
    };
    const fd = (at(h) - at(-h)) / (2 * h);
    worst = Math.max(worst, Math.abs(fd - g[i]!));
    scale = Math.max(scale, Math.abs(g[i]!));
  }
  return worst / scale;
}

describe('GroupNorm', () => {
  it('normalises each image and group over H, W and the group channels, then scales per channel', () => {
    tf.tidy(() => {
      const store = new ParamStore(new Rng(0), 'gn-test');
      const gn = new GroupNorm(store, 'gn', 6, 3, { trainable: true });
      gn.weight.assign(tf.tensor1d([1, 2, 3, 4, 5, 6]));
      gn.bias.assign(tf.tensor1d([0, 0, 1, 1, -1, -1]));
      const x = seeded([2, 3, 4, 6], 1) as tf.Tensor4D;
      const y = gn.apply(x).arraySync();
      const xs = x.arraySync();
      for (let n = 0; n < 2; n++) {
        for (let g = 0; g < 3; g++) {
          const vals: number[] = [];
          for (let i = 0; i < 3; i++)
            for (let j = 0; j < 4; j++)
              for (const c of [2 * g, 2 * g + 1]) vals.push(xs[n]![i]![j]![c]!);
          const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
          const variance = vals.reduce((a, b) => a + (b - mean) ** 2, 0) / vals.length;
          for (const c of [2 * g, 2 * g + 1]) {
            const want =
              ((xs[n]![1]![2]![c]! - mean) / Math.sqrt(variance + 1e-5)) * (c + 1) +
              [0, 0, 1, 1, -1, -1][c]!;
            expect(y[n]![1]![2]![c]!).toBeCloseTo(want, 4);
          }
        }
      }
      expect(() => new GroupNorm(store, 'bad', 6, 4, { trainable: true })).toThrow(
        /6 channels do not split into 4 groups/,
      );
      store.dispose();
    });
  });

  it('has gradients equal to central differences w.r.t. the input, gamma and beta', () => {
    tf.tidy(() => {
      const store = new ParamStore(new Rng(2), 'gn-grad');
      const gn = new GroupNorm(store, 'gn', 4, 2, { trainable: true });
      gn.weight.assign(tf.tensor1d([0.5, -1, 2, 1.5]));
      const x = seeded([1, 3, 3, 4], 3);
      const G = seeded([1, 3, 3, 4], 4);
      // quadratic in the output, so the derivative is not constant
      expect(
        gradientError((t) => tf.sum(tf.mul(tf.square(gn.apply(t as tf.Tensor4D)), G)), x),
      ).toBeLessThan(2e-2);
      const gamma0 = gn.weight.clone();
      const f = (gamma: tf.Tensor) => {
        gn.weight.assign(gamma);
        return tf.sum(tf.mul(tf.square(gn.apply(x as tf.Tensor4D)), G)) as tf.Scalar;
      };
      const { grads } = tf.variableGrads(
        () => tf.sum(tf.mul(tf.square(gn.apply(x as tf.Tensor4D)), G)) as tf.Scalar,
        [gn.weight, gn.bias],
      );
      const analytic = grads[gn.weight.name]!.dataSync();
      const base = gamma0.dataSync();
      for (let i = 0; i < base.length; i++) {
        const at = (d: number) => {
          const v = Float32Array.from(base);
          v[i] += d;
          return f(tf.tensor1d(v)).dataSync()[0]!;
        };
        expect((at(1e-2) - at(-1e-2)) / 2e-2).toBeCloseTo(analytic[i]!, 1);
      }
      gn.weight.assign(gamma0);
      store.dispose();
    });
  });
});

describe('BatchNorm (trainable)', () => {
  it('uses and records batch statistics in training, the running ones at test time', () => {
    tf.tidy(() => {
      const store = new ParamStore(new Rng(0), 'bn-test');
      const bn = new BatchNorm(store, 'bn', 3, { trainable: true }, 0.1);
      const x = tf.add(
        tf.mul(seeded([4, 5, 5, 3], 5), tf.tensor1d([1, 2, 3])),
        tf.tensor1d([10, -5, 0]),
      ) as tf.Tensor4D;
      store.mode.training = true;
      const y = bn.apply(x);
      const { mean, variance } = tf.moments(y, [0, 1, 2]);
      for (const m of mean.dataSync()) expect(m).toBeCloseTo(0, 4);
      for (const v of variance.dataSync()) expect(v).toBeCloseTo(1, 2);
      const batch = tf.moments(x, [0, 1, 2]);
      const n = 4 * 5 * 5;
      const runMean = bn.frozen.runningMean.dataSync();
      const runVar = bn.frozen.runningVar.dataSync();
      batch.mean.dataSync().forEach((m, c) => {
        expect(runMean[c]).toBeCloseTo(0.1 * m, 4);
      });
      batch.variance.dataSync().forEach((v, c) => {
        expect(runVar[c]).toBeCloseTo(0.9 + 0.1 * v * (n / (n - 1)), 4);
      });
      store.mode.training = false;
      const test = bn.apply(x).dataSync();
      const want = tf
        .div(tf.sub(x, bn.frozen.runningMean), tf.sqrt(tf.add(bn.frozen.runningVar, 1e-5)))
        .dataSync();
      test.forEach((v, i) => {
        expect(v).toBeCloseTo(want[i]!, 4);
      });
      // test mode leaves the statistics alone
      expect(Array.from(bn.frozen.runningMean.dataSync())).toEqual(Array.from(runMean));
      store.dispose();
    });
  });

  it('has input gradients equal to central differences in training mode', () => {
    tf.tidy(() => {
      const store = new ParamStore(new Rng(0), 'bn-grad');
      const bn = new BatchNorm(store, 'bn', 2, { trainable: true }, 0);
      bn.frozen.weight.assign(tf.tensor1d([1.5, -0.5]));
      store.mode.training = true;
      const x = seeded([2, 2, 3, 2], 7);
      const G = seeded([2, 2, 3, 2], 8);
      expect(
        gradientError((t) => tf.sum(tf.mul(tf.square(bn.apply(t as tf.Tensor4D)), G)), x),
      ).toBeLessThan(2e-2);
      store.dispose();
    });
  });
});

describe('a detector with GroupNorm and trainable BN', () => {
  it('trains, and its running statistics travel with the weights to give identical predictions', async () => {
    await initBackend('wasm');
    const cfg = resolveDetectorConfig({
      numClasses: 3,
      backbone: { depth: 18, baseChannels: 8, frozenStages: -1, norm: { type: 'BN' } },
      neck: { outChannels: 16, norm: { type: 'GN', numGroups: 4 } },
      rpnHead: {
        featChannels: 16,
        train: { nmsPre: 200, maxPerImg: 60 },
        test: { nmsPre: 200, maxPerImg: 60 },
      },
      roiHead: {
        sampler: { num: 32 },
        bbox: {
          numSharedConvs: 2,
          convChannels: 16,
          norm: { type: 'GN', numGroups: 4 },
          numSharedFcs: 1,
          fcChannels: 32,
        },
        mask: { numConvs: 1, convChannels: 16, norm: { type: 'GN', numGroups: 4 } },
      },
      test: { maxPerImg: 20 },
    });
    const a = new MaskRCNN(cfg, { seed: 1 });
    const b = new MaskRCNN(cfg, { seed: 2 });
    try {
      expect(a.params.get('roi_head.bbox_head.shared_convs.1.gn.weight').role).toBe('norm');
      expect(a.params.get('neck.fpn_convs.0.gn.bias').role).toBe('norm');
      expect(a.params.has('neck.fpn_convs.0.conv.bias')).toBe(false);
      const batch = toyBatch(
        makeToyImages(3, 2, { size: 64, numClasses: 3, objects: [1, 3], objectSize: [14, 30] }),
        64,
      );
      const before = Array.from(a.params.get('backbone.bn1.running_var').variable.dataSync());
      const sgd = sgdSteps(a, 0.01);
      const first = await sgd.step(batch, 0);
      const numTensors = tf.memory().numTensors;
      let last = first;
      for (let i = 1; i < 4; i++) last = await sgd.step(batch, i);
      expect(tf.memory().numTensors).toBe(numTensors);
      expect(Number.isFinite(last.losses.loss)).toBe(true);
      const after = Array.from(a.params.get('backbone.bn1.running_var').variable.dataSync());
      expect(after).not.toEqual(before);
      sgd.dispose();
      deserializeWeights(b, await serializeWeights(a));
      expect(Array.from(b.params.get('backbone.bn1.running_var').variable.dataSync())).toEqual(
        after,
      );
      const [da] = await a.predict(batch, { withMasks: false });
      const [db] = await b.predict(batch, { withMasks: false });
      expect(Array.from(db!.scores)).toEqual(Array.from(da!.scores));
      // prediction is test mode: it does not move the running statistics
      expect(Array.from(a.params.get('backbone.bn1.running_var').variable.dataSync())).toEqual(
        after,
      );
      batch.images.dispose();
    } finally {
      a.dispose();
      b.dispose();
    }
  }, 60_000);
});
