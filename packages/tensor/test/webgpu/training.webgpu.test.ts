import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  activeBackend,
  DeltaXYWHBBoxCoder,
  groupNorm,
  initBackend,
  probeWebGpuAdapter,
  webGpuAdapterFacts,
} from '../../src/index.js';
import { maxAbs, maxAbsDiff, seeded } from '../helpers/compare.js';
import { flat, loadOpsFixture } from '../helpers/fixtures.js';
import { makeSmallNet } from '../helpers/small-net.js';
import { onBackendsAsync, startWebGpuOrReason } from './webgpu-available.js';

const skip = await startWebGpuOrReason();

/** Agreement with cpu, relative to the reference's magnitude (float32 on both). */
function expectClose(r: Record<string, Float32Array[]>, tol = 1e-4) {
  expect(r.cpu.length).toBe(r.webgpu.length);
  r.cpu.forEach((ref, i) => {
    expect(maxAbsDiff(ref, r.webgpu[i]), `output ${i}`).toBeLessThan(
      tol * Math.max(1, maxAbs(ref)),
    );
  });
}

describe.skipIf(skip !== '')('the webgpu backend', () => {
  it('is active with the adapter it describes', async () => {
    expect(activeBackend()).toBe('webgpu');
    const facts = webGpuAdapterFacts();
    expect(facts).toEqual(await probeWebGpuAdapter());
    expect(facts?.limits.maxStorageBufferBindingSize).toBeGreaterThan(0);
    console.log(
      `[webgpu adapter] ${facts?.description} (${facts?.vendor}/${facts?.architecture}), cpu: ${facts?.cpuReason || 'no'}`,
    );
  });

  it('auto passes over a CPU adapter (lavapipe) and takes it only when asked by name', async () => {
    const facts = await probeWebGpuAdapter();
    if (!facts.isCpu) return; // a hardware adapter: auto would take it, tested on such a machine
    expect(await initBackend('auto')).not.toBe('webgpu');
    expect(await initBackend('webgpu')).toBe('webgpu');
  });

  it("a small conv net's loss and gradients (every layer kind Mask R-CNN trains through) equal cpu", async () => {
    const r = await onBackendsAsync(['cpu', 'webgpu'], () => {
      const net = makeSmallNet(1);
      const x = seeded([2, 12, 10, 3], 31) as tf.Tensor4D;
      const labels = tf.tensor1d([1, 3, 0], 'int32');
      const target = seeded([3, 4], 32) as tf.Tensor2D;
      const { value, grads } = tf.variableGrads(() => net.loss(x, labels, target), net.params);
      const out = [value, ...net.params.map((p) => grads[p.name])];
      for (const p of net.params) p.dispose();
      return out;
    });
    expect(r.cpu.length).toBe(10);
    expectClose(r);
  });

  it('the gradients the project fixes on cpu/wasm (avg pool with clipped windows, bilinear resize) equal cpu', async () => {
    const r = await onBackendsAsync(['cpu', 'webgpu'], () => [
      tf.grad((x: tf.Tensor) =>
        tf.sum(tf.mul(tf.avgPool(x as tf.Tensor4D, 3, 2, 'same'), seeded([1, 4, 3, 2], 5))),
      )(seeded([1, 7, 6, 2], 4)),
      tf.grad((x: tf.Tensor) =>
        tf.sum(
          tf.mul(tf.image.resizeBilinear(x as tf.Tensor4D, [11, 9]), seeded([1, 11, 9, 2], 7)),
        ),
      )(seeded([1, 5, 4, 2], 6)),
      tf.grad((x: tf.Tensor) =>
        tf.sum(
          tf.mul(
            tf.image.resizeBilinear(x as tf.Tensor4D, [11, 9], true),
            seeded([1, 11, 9, 2], 9),
          ),
        ),
      )(seeded([1, 5, 4, 2], 8)),
    ]);
    expectClose(r);
  });

  it('groupNorm forward and its three gradients equal the cpu host kernels (WGSL on webgpu)', async () => {
    for (const [shape, groups] of [
      [[2, 9, 7, 12], 3],
      [[1, 33, 40, 64], 32],
      [[3, 1, 1, 8], 8],
    ] as [[number, number, number, number], number][]) {
      const r = await onBackendsAsync(['cpu', 'webgpu'], () => {
        // An offset and scale that a one-pass E[x²] - E[x]² in float32 would get wrong.
        const x = tf.add(seeded(shape, 11, 3), 20) as tf.Tensor4D;
        const gamma = seeded([shape[3]], 12) as tf.Tensor1D;
        const beta = seeded([shape[3]], 13) as tf.Tensor1D;
        const G = seeded(shape, 14);
        const [dx, dg, db] = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
          tf.sum(
            tf.mul(groupNorm(a as tf.Tensor4D, b as tf.Tensor1D, c as tf.Tensor1D, groups), G),
          ),
        )([x, gamma, beta]);
        return [groupNorm(x, gamma, beta, groups), dx, dg, db];
      });
      expectClose(r, 2e-4);
    }
  });

  it('DeltaXYWHBBoxCoder encodes and decodes the mmdet fixture', async () => {
    await tf.setBackend('webgpu');
    type Case = {
      name: string;
      means: number[];
      stds: number[];
      bboxes: number[][];
      deltas: number[][];
    };
    const fx = loadOpsFixture<{
      encode_cases: (Case & { gt_bboxes: number[][] })[];
      decode_cases: (Case & {
        decoded: number[][];
        max_shape: [number, number] | null;
        wh_ratio_clip: number;
        clip_border: boolean;
        add_ctr_clamp: boolean;
        ctr_clamp: number;
      })[];
    }>('bbox_coder');
    const close = (got: ArrayLike<number>, want: number[], label: string) => {
      expect(got.length, label).toBe(want.length);
      want.forEach((w, i) => {
        expect(Math.abs(got[i] - w), `${label} [${i}]`).toBeLessThan(
          Math.max(1e-4, 2e-6 * Math.abs(w)),
        );
      });
    };
    expect(fx.encode_cases.length + fx.decode_cases.length).toBeGreaterThan(0);
    for (const c of fx.encode_cases) {
      const coder = new DeltaXYWHBBoxCoder({ means: c.means as never, stds: c.stds as never });
      const n = c.bboxes.length;
      const d = tf.tidy(() =>
        coder.encode(tf.tensor2d(flat(c.bboxes), [n, 4]), tf.tensor2d(flat(c.gt_bboxes), [n, 4])),
      );
      close(await d.data(), flat(c.deltas), c.name);
      d.dispose();
    }
    for (const c of fx.decode_cases) {
      const coder = new DeltaXYWHBBoxCoder({
        means: c.means as never,
        stds: c.stds as never,
        clipBorder: c.clip_border,
        addCtrClamp: c.add_ctr_clamp,
        ctrClamp: c.ctr_clamp,
      });
      const n = c.bboxes.length;
      const out = tf.tidy(() =>
        coder.decode(
          tf.tensor2d(flat(c.bboxes), [n, 4]),
          tf.tensor2d(flat(c.deltas), [n, c.deltas[0].length]),
          { maxShape: c.max_shape ?? undefined, whRatioClip: c.wh_ratio_clip },
        ),
      );
      close(await out.data(), flat(c.decoded), c.name);
      out.dispose();
    }
  });

  it('trains the small net: loss falls, and 30 steps keep tensors and backend buffers flat', async () => {
    await tf.setBackend('webgpu');
    const net = makeSmallNet(2);
    const x = seeded([2, 12, 10, 3], 41) as tf.Tensor4D;
    const labels = tf.tensor1d([2, 1, 2], 'int32');
    const target = seeded([3, 4], 42) as tf.Tensor2D;
    const opt = tf.train.momentum(0.05, 0.9);
    const losses: number[] = [];
    let tensors = 0;
    let dataIds = 0;
    for (let step = 0; step < 30; step++) {
      if (step === 2) {
        tensors = tf.memory().numTensors; // after the optimizer made its slots
        dataIds = tf.engine().backend.numDataIds();
      }
      const loss = opt.minimize(() => net.loss(x, labels, target), true, net.params) as tf.Scalar;
      losses.push((await loss.data())[0]);
      loss.dispose();
    }
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.engine().backend.numDataIds()).toBe(dataIds);
    expect(losses[29]).toBeLessThan(losses[0] * 0.7);
    opt.dispose();
    tf.dispose([x, labels, target, ...net.params]);
  });
});
