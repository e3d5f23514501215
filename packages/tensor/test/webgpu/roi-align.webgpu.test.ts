import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { mapRoiLevels, multiLevelRoiAlign, roiAlign, WEBGPU_KERNELS } from '../../src/index.js';
import { maxAbs, maxAbsDiff, onBackends, seeded } from '../helpers/compare.js';
import { flat, loadOpsFixture, nchwToNhwc, type RoiAlignFixture } from '../helpers/fixtures.js';
import { startWebGpuOrReason } from './webgpu-available.js';

const skip = await startWebGpuOrReason();

describe.skipIf(skip !== '')('roiAlign on webgpu (WGSL kernels)', () => {
  beforeAll(async () => {
    await tf.setBackend('webgpu');
  });

  it('registers its own RoIAlign and GroupNorm kernels there, not the tf-ops fallback', () => {
    for (const name of Object.keys(WEBGPU_KERNELS))
      expect(tf.getKernel(name, 'webgpu')).toBeDefined();
  });

  it('matches torchvision output and grad_input on every fixture case', async () => {
    const fx = loadOpsFixture<RoiAlignFixture>('roi_align');
    const input = nchwToNhwc(fx.input);
    expect(fx.cases.length).toBeGreaterThan(0);
    for (const c of fx.cases) {
      const label = `aligned=${c.aligned} sr=${c.sampling_ratio} scale=${c.spatial_scale} out=${c.output_size}`;
      const [out, grad] = tf.tidy(() => {
        const boxes = fx[c.boxes_key] as number[][];
        const features = tf.tensor4d(input.data, input.shape);
        const rois = Float32Array.from(flat(boxes));
        const opts = {
          outputSize: c.output_size,
          spatialScale: c.spatial_scale,
          samplingRatio: c.sampling_ratio,
          aligned: c.aligned,
        };
        const g = nchwToNhwc(fx[c.upstream_grad_key] as number[][][][]);
        const G = tf.tensor4d(g.data, g.shape);
        const dx = tf.grad((f: tf.Tensor) =>
          tf.sum(tf.mul(roiAlign(f as tf.Tensor4D, rois, opts), G)),
        )(features);
        return [roiAlign(features, rois, opts), dx];
      });
      const expected = nchwToNhwc(c.output);
      expect(out.shape, label).toEqual(expected.shape);
      expect(maxAbsDiff(await out.data(), expected.data), label).toBeLessThan(1e-4);
      expect(
        maxAbsDiff(await grad.data(), nchwToNhwc(c.grad_input).data),
        `${label} grad`,
      ).toBeLessThan(1e-4);
      tf.dispose([out, grad]);
    }
  });

  it('multiLevelRoiAlign and its gradients to every level equal cpu, with an empty level and no RoIs', async () => {
    const strides = [4, 8, 16, 32, 64];
    const rows: number[] = [];
    const sizes = [500, 20, 60, 130, 250, 90, 30, 300, 45];
    sizes.forEach((s, i) => {
      const x = 5 + i * 3;
      rows.push(i % 2, x, x + 1, x + s * 0.8, x + 1 + s / 0.8);
    });
    // Levels 0-3 get RoIs, level 4 (stride 64) none: its gradient must be exactly zero.
    const levels = mapRoiLevels(Float32Array.from(rows), strides.length);
    expect([...new Set(levels)].sort()).toEqual([0, 1, 2, 3]);
    const opts = {
      outputSize: [7, 7] as [number, number],
      strides,
      samplingRatio: 0,
      aligned: true,
    };
    const r = await onBackends(['cpu', 'webgpu'], () => {
      const feats = strides.map(
        (s, i) => seeded([2, Math.ceil(256 / s), Math.ceil(200 / s), 8], 50 + i) as tf.Tensor4D,
      );
      const rois = Float32Array.from(rows);
      const G = seeded([sizes.length, 7, 7, 8], 59);
      const pool = (fs: tf.Tensor[]) => multiLevelRoiAlign(fs as tf.Tensor4D[], rois, opts);
      const grads = tf.grads((...fs: tf.Tensor[]) => tf.sum(tf.mul(pool(fs), G)))(feats);
      const none = multiLevelRoiAlign(feats, new Float32Array(0), opts);
      expect(none.shape).toEqual([0, 7, 7, 8]);
      return [pool(feats), ...grads];
    });
    r.cpu.forEach((ref, i) => {
      expect(maxAbsDiff(ref, r.webgpu[i]), `output ${i}`).toBeLessThan(
        1e-4 * Math.max(1, maxAbs(ref)),
      );
    });
    for (let l = 0; l < 4; l++) expect(maxAbs(r.webgpu[1 + l]), `level ${l}`).toBeGreaterThan(0);
    expect(r.webgpu[5].every((v) => v === 0)).toBe(true);
  });

  it('releases its temporary buffers: tensors and backend data flat over repeated steps', async () => {
    const step = async () => {
      const g = tf.tidy(() => {
        const f = seeded([1, 16, 16, 4], 81) as tf.Tensor4D;
        const rois = Float32Array.from([0, 1, 2, 9, 12, 0, 3, 3, 15, 15]);
        const o = {
          outputSize: [4, 4] as [number, number],
          spatialScale: 1,
          samplingRatio: 2,
          aligned: true,
        };
        return tf.grad((t: tf.Tensor) => tf.sum(roiAlign(t as tf.Tensor4D, rois, o)))(f);
      });
      await g.data();
      g.dispose();
    };
    await step();
    const tensors = tf.memory().numTensors;
    const dataIds = tf.engine().backend.numDataIds();
    for (let i = 0; i < 3; i++) await step();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.engine().backend.numDataIds()).toBe(dataIds);
  });
});
