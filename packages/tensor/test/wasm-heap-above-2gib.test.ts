import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/index.js';
import { maxAbs, maxAbsDiff, onBackends, seeded } from './helpers/compare.js';

// Its own file (own worker): the filler grows this process's wasm heap past 2 GiB for good.
// The wasm32 heap may grow to 4 GiB; tensors placed above 2 GiB have byte offsets ≥ 2^31,
// which a signed `>> 2` turned negative (the detector's heap corruption at many positives).

const FILLER_FLOATS = 560_000_000; // 2.24 GB: everything allocated after it lies past 2 GiB

let filler: tf.Tensor | undefined;

function offsetOf(t: tf.Tensor): number {
  const backend = tf.backend() as unknown as {
    dataIdMap: { get(id: tf.DataId): { memoryOffset: number } };
  };
  return backend.dataIdMap.get(t.dataId).memoryOffset;
}

beforeAll(async () => {
  await initBackend('cpu');
  await initBackend('wasm');
  await tf.setBackend('wasm');
  filler = tf.zeros([FILLER_FLOATS]);
});

afterAll(() => {
  filler?.dispose();
});

describe('wasm kernels with tensors above 2 GiB of heap', () => {
  it('conv2d filter and input gradients still agree with cpu', async () => {
    await tf.setBackend('wasm');
    const probe = tf.zeros([16]);
    // The precondition that makes this test mean something.
    expect(offsetOf(probe)).toBeGreaterThanOrEqual(2 ** 31);
    probe.dispose();

    const r = await onBackends(['cpu', 'wasm'], () => {
      const x = seeded([2, 14, 14, 16], 1) as tf.Tensor4D;
      const w = seeded([3, 3, 16, 8], 2) as tf.Tensor4D;
      const y = tf.conv2d(x, w, 1, 'same');
      const g = seeded(y.shape, 3);
      const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'), g)),
      )([x, w]);
      return [y, dx, dw];
    });
    r.cpu.forEach((ref, i) => {
      expect(maxAbsDiff(ref, r.wasm[i]), `output ${i}`).toBeLessThan(
        1e-4 * Math.max(1, maxAbs(ref)),
      );
    });
  });
});
