// The one optimizer, the gradient step and gradient clipping (the training loop's parts below the loop).
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend.js';
import { addMany } from '../src/ops/add-many.js';
import { clipByGlobalNorm, globalNorm } from '../src/optim/grad-clip.js';
import { gradientStep } from '../src/optim/gradient-step.js';
import { Sgd } from '../src/optim/sgd.js';

beforeAll(async () => {
  await initBackend('cpu');
});

describe('SGD', () => {
  it("matches PyTorch's update with momentum and weight decay", async () => {
    const p = tf.variable(tf.tensor1d([1, -2]));
    const sgd = new Sgd({ w: p }, { momentum: 0.9, weightDecay: 0.1 });
    const g1 = tf.tensor1d([0.5, 0.5]);
    sgd.step({ w: g1 }, 0.1);
    // d = g + wd p = [0.6, 0.3]; buf = d; p = p - 0.1 d
    const p1 = [1 - 0.06, -2 - 0.03];
    expect(Array.from(p.dataSync())).toEqual(
      p1.map((v) => Math.fround(v)).map((v) => expect.closeTo(v, 6)),
    );
    sgd.step({ w: g1 }, 0.1);
    const d2 = p1.map((v) => 0.5 + 0.1 * v);
    const buf2 = [0.9 * 0.6 + d2[0]!, 0.9 * 0.3 + d2[1]!];
    const p2 = [p1[0]! - 0.1 * buf2[0]!, p1[1]! - 0.1 * buf2[1]!];
    p.dataSync().forEach((v, i) => {
      expect(v).toBeCloseTo(p2[i]!, 6);
    });
    // state round trip continues identically
    const state = await sgd.getState();
    const q = tf.variable(p.clone());
    const sgd2 = new Sgd({ w: q }, { momentum: 0.9, weightDecay: 0.1 });
    sgd2.setState(JSON.parse(JSON.stringify(state)));
    sgd.step({ w: g1 }, 0.05);
    sgd2.step({ w: g1 }, 0.05);
    expect(Array.from(q.dataSync())).toEqual(Array.from(p.dataSync()));
    expect(() => sgd.step({ nope: g1 }, 0.1)).toThrow(/unknown parameter 'nope'/);
    sgd.dispose();
    sgd2.dispose();
    for (const t of [p, q, g1]) t.dispose();
  });
});

describe('addMany', () => {
  it('equals one tf.addN bit for bit on cpu and wasm (the same left fold), for 1 to 103 inputs', async () => {
    for (const backend of ['cpu', 'wasm']) {
      await initBackend(backend as 'cpu' | 'wasm');
      for (const n of [1, 7, 8, 13, 103]) {
        const list = Array.from({ length: n }, (_, i) =>
          tf.tensor1d([Math.fround(1 / (i + 3)) * 10 ** ((i % 9) - 4), -(i + 1) / 7, 1e-7 * i]),
        );
        const [one, chunked] = [tf.addN(list), addMany(list)];
        expect(Array.from(await chunked.data()), `${backend}, ${n} inputs`).toEqual(
          Array.from(await one.data()),
        );
        tf.dispose([...list, one, chunked]);
      }
    }
    await initBackend('cpu');
    expect(() => addMany([])).toThrow(/no tensors/);
  });
});

describe('gradient clipping', () => {
  it('scales by maxNorm / norm when over, leaves alone when under', async () => {
    const a = tf.tensor1d([3, 0]);
    const b = tf.tensor2d([[0, 4]]);
    expect(await globalNorm({ a, b })).toBeCloseTo(5, 6);
    const over = await clipByGlobalNorm({ a, b }, 1);
    expect(over.norm).toBeCloseTo(5, 6);
    expect(await globalNorm(over.grads)).toBeCloseTo(1, 5);
    expect(Array.from(over.grads.a!.dataSync())).toEqual([expect.closeTo(0.6, 5), 0]);
    const under = await clipByGlobalNorm({ a, b }, 10);
    expect(Array.from(under.grads.b!.dataSync())).toEqual([0, 4]);
    for (const t of [a, b, ...Object.values(over.grads), ...Object.values(under.grads)])
      t.dispose();
  });
});

describe('gradientStep', () => {
  it('differentiates the sum of the terms, reads them back and leaves no tensor behind', async () => {
    const w = tf.variable(tf.tensor1d([1, 2]), true, 'grad-step-w');
    const step = gradientStep({ w }, (x: number) => ({
      a: tf.sum(tf.mul(w, x)) as tf.Scalar,
      b: tf.sum(tf.square(w)) as tf.Scalar,
    }));
    const before = tf.memory().numTensors;
    const out = await step(3, undefined);
    // d/dw (3 (w0 + w1) + w0^2 + w1^2) = 3 + 2 w
    expect(Array.from(await out.grads.w!.data())).toEqual([5, 7]);
    expect(out.losses).toEqual({ a: 9, b: 5, loss: 14 });
    tf.dispose(Object.values(out.grads));
    expect(tf.memory().numTensors).toBe(before);
    const stats = gradientStep({ w }, () => ({
      terms: { a: tf.sum(w) as tf.Scalar },
      stats: { positives: 4 },
    }));
    const s = await stats(0, undefined);
    expect(s.stats).toEqual({ positives: 4 });
    tf.dispose(Object.values(s.grads));
    await expect(gradientStep({ w }, () => ({}))(0, undefined)).rejects.toThrow(/no terms/);
    w.dispose();
  });
});
