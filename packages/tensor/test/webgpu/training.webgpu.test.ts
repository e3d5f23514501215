import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  activeBackend,
  addMany,
  globalNorm,
  groupNorm,
  initBackend,
  probeWebGpuAdapter,
  webGpuAdapterFacts,
} from '../../src/index.js';
import { checkBBoxDecodeCases, checkBBoxEncodeCases } from '../helpers/bbox-coder-cases.js';
import { maxAbs, maxAbsDiff, onBackends, seeded } from '../helpers/compare.js';
import { makeSmallNet, smallNetLossAndGrads } from '../helpers/small-net.js';
import { startWebGpuOrReason } from './webgpu-available.js';

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

  it('a sync read of a GPU tensor says to read asynchronously; host-side values still read', async () => {
    await tf.setBackend('webgpu');
    const big = tf.tidy(() => tf.matMul(seeded([64, 64], 1), seeded([64, 64], 2)));
    expect(() => big.dataSync()).toThrow(/await tensor\.data\(\)/);
    expect((await big.data()).length).toBe(64 * 64);
    const small = tf.tensor1d([1, 2, 3]);
    expect(Array.from(small.dataSync())).toEqual([1, 2, 3]);
    tf.dispose([big, small]);
  });

  it('auto passes over a CPU adapter (lavapipe) and takes it only when asked by name', async () => {
    const facts = await probeWebGpuAdapter();
    if (!facts.isCpu) return; // a hardware adapter: auto would take it, tested on such a machine
    expect(await initBackend('auto')).not.toBe('webgpu');
    expect(await initBackend('webgpu')).toBe('webgpu');
  });

  it("a small conv net's loss and gradients (every layer kind Mask R-CNN trains through) equal cpu", async () => {
    const r = await onBackends(['cpu', 'webgpu'], smallNetLossAndGrads);
    expect(r.cpu.length).toBe(10);
    expectClose(r);
  });

  it('the gradients the project fixes on cpu/wasm (avg pool with clipped windows, bilinear resize) equal cpu', async () => {
    const r = await onBackends(['cpu', 'webgpu'], () => [
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
      const r = await onBackends(['cpu', 'webgpu'], () => {
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

  it('addMany and globalNorm over 103 tensors (more than a shader binds) equal cpu', async () => {
    // 1600 values each: smaller all-host inputs would run on the CPU and bind no buffers.
    const make = () => Array.from({ length: 103 }, (_, i) => seeded([40, 40], 100 + i));
    const r = await onBackends(['cpu', 'webgpu'], () => [addMany(make())]);
    expectClose(r, 1e-5);
    const norms: number[] = [];
    for (const b of ['cpu', 'webgpu']) {
      await tf.setBackend(b);
      const grads = Object.fromEntries(make().map((g, i) => [`g${i}`, g]));
      norms.push(await globalNorm(grads));
      tf.dispose(Object.values(grads));
    }
    expect(Math.abs(norms[1]! - norms[0]!)).toBeLessThan(1e-5 * norms[0]!);
  });

  it('DeltaXYWHBBoxCoder encodes and decodes the mmdet fixture', async () => {
    await tf.setBackend('webgpu');
    await checkBBoxEncodeCases();
    await checkBBoxDecodeCases();
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
