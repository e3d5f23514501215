import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, mapRoiLevels, multiLevelRoiAlign, roiAlign } from '../src/index.js';
import { maxAbsDiff, seeded } from './helpers/compare.js';
import { flat, loadOpsFixture, nchwToNhwc, type RoiAlignFixture } from './helpers/fixtures.js';

const fx = loadOpsFixture<RoiAlignFixture>('roi_align');

beforeAll(async () => {
  await initBackend('cpu');
  await initBackend('wasm');
});

describe.each(['cpu', 'wasm'])('roiAlign on %s', (backend) => {
  it('matches torchvision output and grad_input on every fixture case', async () => {
    await tf.setBackend(backend);
    const input = nchwToNhwc(fx.input);
    expect(fx.cases.length).toBeGreaterThan(0);
    for (const c of fx.cases) {
      const label = `aligned=${c.aligned} sr=${c.sampling_ratio} scale=${c.spatial_scale} out=${c.output_size}`;
      tf.tidy(() => {
        const boxes = fx[c.boxes_key] as number[][];
        const features = tf.tensor4d(input.data, input.shape);
        const rois = Float32Array.from(flat(boxes));
        const opts = {
          outputSize: c.output_size,
          spatialScale: c.spatial_scale,
          samplingRatio: c.sampling_ratio,
          aligned: c.aligned,
        };
        const expected = nchwToNhwc(c.output);
        const out = roiAlign(features, rois, opts);
        expect(out.shape, label).toEqual(expected.shape);
        expect(maxAbsDiff(out.dataSync(), expected.data), label).toBeLessThan(1e-4);
        const g = nchwToNhwc(fx[c.upstream_grad_key] as number[][][][]);
        const G = tf.tensor4d(g.data, g.shape);
        const grad = tf.grad((f: tf.Tensor) =>
          tf.sum(tf.mul(roiAlign(f as tf.Tensor4D, rois, opts), G)),
        )(features);
        expect(
          maxAbsDiff(grad.dataSync(), nchwToNhwc(c.grad_input).data),
          `${label} grad`,
        ).toBeLessThan(1e-4);
      });
    }
  });

  it('multiLevelRoiAlign pools each RoI from its mmdetection level, in RoI order, with gradients to every level', async () => {
    await tf.setBackend(backend);
    tf.tidy(() => {
      const strides = [4, 8, 16, 32];
      const feats = strides.map(
        (s, i) => seeded([2, Math.ceil(256 / s), Math.ceil(200 / s), 3], 50 + i) as tf.Tensor4D,
      );
      // sizes spanning every level: sqrt(area) 20 .. 500
      const rows: number[] = [];
      const sizes = [500, 20, 60, 130, 250, 90, 30, 300];
      sizes.forEach((s, i) => {
        const x = 5 + i * 3;
        rows.push(i % 2, x, x + 1, x + s * 0.8, x + 1 + s / 0.8);
      });
      const rois = Float32Array.from(rows);
      const opts = {
        outputSize: [7, 7] as [number, number],
        strides,
        samplingRatio: 0,
        aligned: true,
      };
      const out = multiLevelRoiAlign(feats, rois, opts);
      const levels = mapRoiLevels(Float32Array.from(rows), strides.length);
      expect(new Set(levels).size).toBe(strides.length);
      for (let k = 0; k < sizes.length; k++) {
        const one = roiAlign(feats[levels[k]], Float32Array.from(rows.slice(k * 5, k * 5 + 5)), {
          outputSize: [7, 7],
          spatialScale: 1 / strides[levels[k]],
          samplingRatio: 0,
          aligned: true,
        });
        expect(
          maxAbsDiff(tf.slice(out, [k, 0, 0, 0], [1, -1, -1, -1]).dataSync(), one.dataSync()),
        ).toBeLessThan(1e-6);
      }
      const grads = tf.grads((...fs: tf.Tensor[]) =>
        tf.sum(multiLevelRoiAlign(fs as tf.Tensor4D[], rois, opts)),
      )(feats);
      for (const g of grads) expect(tf.sum(tf.abs(g)).dataSync()[0]).toBeGreaterThan(0);
    });
  });
});

describe.each(['cpu', 'wasm'])('multiLevelRoiAlign edge cases on %s', (backend) => {
  it('handles no RoIs and gives levels without RoIs a zero gradient', async () => {
    await tf.setBackend(backend);
    tf.tidy(() => {
      const feats = [seeded([1, 8, 8, 2], 71), seeded([1, 4, 4, 2], 72)] as tf.Tensor4D[];
      const opts = {
        outputSize: [2, 2] as [number, number],
        strides: [4, 8],
        samplingRatio: 0,
        aligned: true,
      };
      expect(multiLevelRoiAlign(feats, new Float32Array(0), opts).shape).toEqual([0, 2, 2, 2]);
      const rois = Float32Array.from([0, 1, 1, 5, 5]); // small: level 0 only
      const [g0, g1] = tf.grads((...fs: tf.Tensor[]) =>
        tf.sum(multiLevelRoiAlign(fs as tf.Tensor4D[], rois, opts)),
      )(feats);
      expect(tf.sum(tf.abs(g0)).dataSync()[0]).toBeGreaterThan(0);
      expect(Array.from(g1.dataSync()).every((v) => v === 0)).toBe(true);
    });
  });
});

describe('mapRoiLevels', () => {
  it('follows floor(log2(sqrt(wh) / finestScale + 1e-6)) clamped to the levels', () => {
    const box = (s: number) => [0, 10, 10, 10 + s, 10 + s];
    const rois = Float32Array.from([56, 111, 112, 224, 448, 2000, 10, 0].flatMap(box));
    expect(Array.from(mapRoiLevels(rois, 4))).toEqual([0, 0, 1, 2, 3, 3, 0, 0]);
    expect(Array.from(mapRoiLevels(rois, 4, 28))).toEqual([1, 1, 2, 3, 3, 3, 0, 0]);
  });
});

describe('roiAlign gradient vs finite differences (cpu)', () => {
  it('matches central differences element by element', async () => {
    await tf.setBackend('cpu');
    tf.tidy(() => {
      const features = seeded([2, 5, 6, 2], 61) as tf.Tensor4D;
      const rois = Float32Array.from([
        0, 0.3, 0.7, 4.6, 3.9, 1, -1.2, 1.5, 3.3, 6.2, 1, 2.5, 2.5, 2.5, 2.5,
      ]);
      for (const aligned of [true, false]) {
        for (const samplingRatio of [0, 2]) {
          const opts = {
            outputSize: [3, 2] as [number, number],
            spatialScale: 1,
            samplingRatio,
            aligned,
          };
          const G = seeded([3, 3, 2, 2], 62);
          // f is quadratic in the features so the derivative is not a constant.
          const f = (t: tf.Tensor) =>
            tf.sum(tf.mul(tf.square(roiAlign(t as tf.Tensor4D, rois, opts)), G));
          const g = tf.grad(f)(features).dataSync();
          const base = features.dataSync();
          const h = 1e-2;
          for (let i = 0; i < base.length; i++) {
            const plus = Float32Array.from(base);
            const minus = Float32Array.from(base);
            plus[i] += h;
            minus[i] -= h;
            const fd =
              (f(tf.tensor(plus, features.shape)).dataSync()[0] -
                f(tf.tensor(minus, features.shape)).dataSync()[0]) /
              (2 * h);
            expect(
              Math.abs(g[i] - fd),
              `aligned=${aligned} sr=${samplingRatio} element ${i}`,
            ).toBeLessThan(2e-3);
          }
        }
      }
    });
  });
});
