import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, setIm2colBudget, WASM_TRAINING_KERNELS } from '../src/index.js';
import { maxAbs, maxAbsDiff, onBackends, seeded } from './helpers/compare.js';
import { makeSmallNet, smallNetLossAndGrads } from './helpers/small-net.js';

beforeAll(async () => {
  await initBackend('cpu');
  await initBackend('wasm');
});

/** Forward + backward of every op family Mask R-CNN trains through. */
const PROBES: Record<string, () => tf.Tensor[]> = {
  conv2d_3x3_s1: () =>
    tf.grads((x: tf.Tensor, w: tf.Tensor) =>
      tf.sum(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same')),
    )([seeded([1, 6, 6, 3], 1), seeded([3, 3, 3, 4], 2)]),
  conv2d_3x3_s2: () =>
    tf.grads((x: tf.Tensor, w: tf.Tensor) =>
      tf.sum(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same')),
    )([seeded([1, 7, 6, 3], 1), seeded([3, 3, 3, 4], 2)]),
  conv2d_1x1_s2: () =>
    tf.grads((x: tf.Tensor, w: tf.Tensor) =>
      tf.sum(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'valid')),
    )([seeded([1, 6, 6, 3], 1), seeded([1, 1, 3, 4], 2)]),
  conv2dTranspose: () =>
    tf.grads((x: tf.Tensor, w: tf.Tensor) =>
      tf.sum(tf.conv2dTranspose(x as tf.Tensor4D, w as tf.Tensor4D, [1, 8, 8, 2], 2, 'valid')),
    )([seeded([1, 4, 4, 3], 1), seeded([2, 2, 2, 3], 2)]),
  maxPool: () => [
    tf.grad((x: tf.Tensor) => tf.sum(tf.maxPool(x as tf.Tensor4D, 3, 2, 'same')))(
      seeded([1, 6, 6, 2], 3),
    ),
  ],
  resizeNearest: () => [
    tf.grad((x: tf.Tensor) => tf.sum(tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [8, 8])))(
      seeded([1, 4, 4, 2], 3),
    ),
  ],
  resizeBilinear: () => [
    tf.grad((x: tf.Tensor) => tf.sum(tf.image.resizeBilinear(x as tf.Tensor4D, [7, 9])))(
      seeded([1, 4, 4, 2], 3),
    ),
  ],
  gather: () => [
    tf.grad((x: tf.Tensor) => tf.sum(tf.gather(x, tf.tensor1d([2, 0, 2], 'int32'))))(
      seeded([4, 3], 4),
    ),
  ],
  gatherND: () => [
    tf.grad((x: tf.Tensor) =>
      tf.sum(
        tf.mul(
          tf.gatherND(
            x,
            tf.tensor2d(
              [
                [0, 1],
                [2, 2],
                [0, 1],
              ],
              [3, 2],
              'int32',
            ),
          ),
          tf.tensor1d([1, 2, 3]),
        ),
      ),
    )(seeded([4, 3], 4)),
  ],
  scatterND: () => [
    tf.grad((u: tf.Tensor) =>
      tf.sum(
        tf.mul(
          tf.scatterND(tf.tensor2d([[1], [3]], [2, 1], 'int32'), u, [4, 3]),
          seeded([4, 3], 5),
        ),
      ),
    )(seeded([2, 3], 4)),
  ],
  matMul: () =>
    tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, false, true)),
    )([seeded([3, 4], 1), seeded([5, 4], 2)]),
  sigmoid_softmax_logSoftmax: () => [
    tf.grad((x: tf.Tensor) =>
      tf.addN([
        tf.sum(tf.sigmoid(x)),
        tf.sum(tf.mul(tf.softmax(x), x)),
        tf.sum(tf.mul(tf.logSoftmax(x), x)),
      ]),
    )(seeded([3, 5], 5)),
  ],
  concat_slice_pad_where: () => [
    tf.grad((x: tf.Tensor) =>
      tf.sum(
        tf.where(
          tf.greater(x, 0),
          tf.slice(
            tf.concat(
              [
                tf.slice(
                  tf.pad(x, [
                    [1, 1],
                    [0, 0],
                  ]),
                  [1, 0],
                  [3, 4],
                ),
                x,
              ],
              0,
            ),
            [0, 0],
            [3, 4],
          ),
          tf.mul(x, 2),
        ),
      ),
    )(seeded([3, 4], 6)),
  ],
  batchNorm: () =>
    tf.grads((x: tf.Tensor, s: tf.Tensor) =>
      tf.sum(
        tf.batchNorm(
          x as tf.Tensor4D,
          tf.mean(x, [0, 1, 2]),
          tf.moments(x, [0, 1, 2]).variance,
          tf.zeros([4]),
          s as tf.Tensor1D,
          1e-5,
        ),
      ),
    )([seeded([2, 3, 3, 4], 7), seeded([4], 8)]),
  relu_abs_exp_log: () => [
    tf.grad((x: tf.Tensor) =>
      tf.sum(
        tf.addN([
          tf.relu(x),
          tf.abs(x),
          tf.exp(x),
          tf.log(tf.add(tf.abs(x), 1)),
          tf.sqrt(tf.add(tf.square(x), 1)),
        ]),
      ),
    )(seeded([3, 4], 9)),
  ],
  clip_max_min_mean: () => [
    tf.grad((x: tf.Tensor) =>
      tf.addN([
        tf.sum(tf.clipByValue(x, -0.5, 0.5)),
        tf.sum(tf.max(x, 1)),
        tf.sum(tf.maximum(x, 0.1)),
        tf.mean(x),
      ]),
    )(seeded([3, 4], 10)),
  ],
  reshape_transpose_tile_stack: () => [
    tf.grad((x: tf.Tensor) =>
      tf.sum(
        tf.mul(
          tf.stack([tf.transpose(tf.reshape(x, [4, 3])), tf.tile(tf.reshape(x, [3, 4]), [1, 1])]),
          1.5,
        ),
      ),
    )(seeded([12], 11)),
  ],
};

describe('wasm training kernels', () => {
  afterAll(() => setIm2colBudget(1 << 22));

  it('lists the kernels it registers', () => {
    expect([...WASM_TRAINING_KERNELS].sort()).toEqual([
      'Conv2DBackpropFilter',
      'Conv2DBackpropInput',
      'MaxPoolGrad',
      'UnsortedSegmentSum',
    ]);
    for (const k of WASM_TRAINING_KERNELS) expect(tf.getKernel(k, 'wasm')).toBeDefined();
  });

  it('runs the forward and backward of every Mask R-CNN op family on wasm, matching cpu', async () => {
    const failures: string[] = [];
    for (const [name, probe] of Object.entries(PROBES)) {
      try {
        const r = await onBackends(['cpu', 'wasm'], probe);
        r.cpu.forEach((g, i) => {
          const d = maxAbsDiff(g, r.wasm[i]);
          if (!(d <= 1e-4 * Math.max(1, maxAbs(g)))) failures.push(`${name}[${i}]: max diff ${d}`);
        });
      } catch (err) {
        failures.push(`${name}: ${(err as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
  });

  const convCases: [
    number,
    number | [number, number],
    'same' | 'valid' | number[][],
    number[],
    number,
  ][] = [
    [1, 1, 'same', [2, 9, 11, 5], 4],
    [3, 1, 'same', [2, 9, 11, 5], 4],
    [3, 2, 'same', [2, 9, 11, 5], 4],
    [3, 2, 'valid', [1, 10, 7, 3], 6],
    [1, 2, 'same', [2, 8, 8, 4], 3],
    [2, 2, 'valid', [1, 8, 6, 3], 5],
    [7, 2, 'same', [1, 17, 13, 3], 4],
    [3, 1, 'valid', [1, 6, 9, 2], 3],
    [
      3,
      [1, 2],
      [
        [0, 0],
        [2, 0],
        [1, 1],
        [0, 0],
      ],
      [1, 7, 8, 2],
      3,
    ],
  ];
  for (const budget of [1 << 22, 40]) {
    it(`conv2d forward, input and filter gradients agree with cpu (im2col budget ${budget})`, async () => {
      setIm2colBudget(budget);
      for (const [k, s, pad, xs, co] of convCases) {
        const r = await onBackends(['cpu', 'wasm'], () => {
          const x = seeded(xs, 1) as tf.Tensor4D;
          const w = seeded([k, k, xs[3], co], 2) as tf.Tensor4D;
          const padArg = pad as 'same';
          const y = tf.conv2d(x, w, s, padArg);
          const g = seeded(y.shape, 3);
          const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
            tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, s, padArg), g)),
          )([x, w]);
          return [y, dx, dw];
        });
        r.cpu.forEach((ref, i) => {
          expect(
            maxAbsDiff(ref, r.wasm[i]),
            `k${k} s${s} ${JSON.stringify(pad)} output ${i}`,
          ).toBeLessThan(1e-4 * Math.max(1, maxAbs(ref)));
        });
      }
    });
  }

  it('conv gradients on wasm match directional finite differences', async () => {
    await tf.setBackend('wasm');
    // The loss is linear in x and in w, so central differences are exact up to rounding.
    for (const [k, s] of [
      [3, 1],
      [3, 2],
      [1, 2],
    ] as const) {
      tf.tidy(() => {
        const x = seeded([1, 7, 9, 3], 11) as tf.Tensor4D;
        const w = seeded([k, k, 3, 4], 12) as tf.Tensor4D;
        const g = seeded(tf.conv2d(x, w, s, 'same').shape, 13);
        const f = (a: tf.Tensor4D, b: tf.Tensor4D) => tf.sum(tf.mul(tf.conv2d(a, b, s, 'same'), g));
        const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          f(a as tf.Tensor4D, b as tf.Tensor4D),
        )([x, w]);
        const vx = seeded(x.shape, 14);
        const vw = seeded(w.shape, 15);
        const h = 0.5;
        const fdX =
          (f(tf.add(x, tf.mul(vx, h)), w).dataSync()[0] -
            f(tf.sub(x, tf.mul(vx, h)), w).dataSync()[0]) /
          (2 * h);
        const fdW =
          (f(x, tf.add(w, tf.mul(vw, h))).dataSync()[0] -
            f(x, tf.sub(w, tf.mul(vw, h))).dataSync()[0]) /
          (2 * h);
        const anX = tf.sum(tf.mul(dx, vx)).dataSync()[0];
        const anW = tf.sum(tf.mul(dw, vw)).dataSync()[0];
        expect(Math.abs(anX - fdX)).toBeLessThan(1e-3 * Math.max(1, Math.abs(fdX)));
        expect(Math.abs(anW - fdW)).toBeLessThan(1e-3 * Math.max(1, Math.abs(fdW)));
      });
    }
  });

  it('pooling and resize gradients (maxPool, avgPool, nearest, bilinear replaced here) match finite differences on both backends', async () => {
    const ops: [string, number[], (x: tf.Tensor) => tf.Tensor][] = [
      [
        'maxPool 2x2/2 same, odd width',
        [2, 6, 5, 6],
        (x) => tf.maxPool(x as tf.Tensor4D, 2, 2, 'same'),
      ],
      ['maxPool 2x2/2 valid', [2, 6, 6, 6], (x) => tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid')],
      ['maxPool 3x3/2 same', [2, 7, 7, 3], (x) => tf.maxPool(x as tf.Tensor4D, 3, 2, 'same')],
      ['maxPool 1x1/2 (FPN P6)', [2, 6, 5, 3], (x) => tf.maxPool(x as tf.Tensor4D, 1, 2, 'same')],
      [
        'nearest 3x3 -> 6x5',
        [2, 3, 3, 4],
        (x) => tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [6, 5]),
      ],
      [
        'nearest 3x3 -> 6x6 half-pixel',
        [2, 3, 3, 4],
        (x) => tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [6, 6], false, true),
      ],
      [
        'nearest 4x4 -> 7x7 align-corners',
        [1, 4, 4, 2],
        (x) => tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [7, 7], true),
      ],
      [
        'bilinear 3x3 -> 6x5',
        [2, 3, 3, 4],
        (x) => tf.image.resizeBilinear(x as tf.Tensor4D, [6, 5]),
      ],
      [
        'bilinear 4x4 -> 7x9 half-pixel',
        [1, 4, 4, 2],
        (x) => tf.image.resizeBilinear(x as tf.Tensor4D, [7, 9], false, true),
      ],
      ['avgPool 3x3/2 valid', [2, 7, 7, 3], (x) => tf.avgPool(x as tf.Tensor4D, 3, 2, 'valid')],
      ['avgPool 3x3/2 same', [2, 7, 6, 3], (x) => tf.avgPool(x as tf.Tensor4D, 3, 2, 'same')],
    ];
    for (const backend of ['cpu', 'wasm']) {
      await tf.setBackend(backend);
      for (const [name, shape, op] of ops) {
        tf.tidy(() => {
          const x = seeded(shape, 3);
          const G = seeded(op(x).shape, 5);
          const v = seeded(shape, 7);
          // Piecewise linear: a small step along v stays on one piece, so FD is exact.
          const f = (t: tf.Tensor) => tf.sum(tf.mul(op(t), G)).dataSync()[0];
          const h = 1e-3;
          const fd = (f(tf.add(x, tf.mul(v, h))) - f(tf.sub(x, tf.mul(v, h)))) / (2 * h);
          const an = tf
            .sum(tf.mul(tf.grad((t: tf.Tensor) => tf.sum(tf.mul(op(t), G)))(x), v))
            .dataSync()[0];
          expect(Math.abs(an - fd), `${backend} ${name}: analytic ${an} vs fd ${fd}`).toBeLessThan(
            5e-3 * Math.max(1, Math.abs(fd)),
          );
        });
      }
    }
  });

  it('gather (UnsortedSegmentSum), gatherND and scatterND gradients match finite differences', async () => {
    const cases: [string, number[], (p: tf.Tensor) => tf.Tensor][] = [
      ['gather', [4, 3], (p) => tf.gather(p, tf.tensor1d([2, 0, 2, 3], 'int32'))],
      [
        'gatherND',
        [4, 3],
        (p) =>
          tf.gatherND(
            p,
            tf.tensor2d(
              [
                [0, 1],
                [2, 2],
                [0, 1],
              ],
              [3, 2],
              'int32',
            ),
          ),
      ],
      [
        'scatterND',
        [2, 3],
        (u) => tf.scatterND(tf.tensor2d([[1], [3]], [2, 1], 'int32'), u, [4, 3]),
      ],
    ];
    for (const backend of ['cpu', 'wasm']) {
      await tf.setBackend(backend);
      for (const [name, shape, op] of cases) {
        tf.tidy(() => {
          const p = seeded(shape, 9);
          const w = seeded(op(p).shape, 10);
          // quadratic, so the gradient depends on the point
          const f = (t: tf.Tensor) => tf.sum(tf.mul(tf.square(op(t)), w));
          const g = tf.grad(f)(p).dataSync();
          const base = p.dataSync();
          const h = 1e-2;
          for (let i = 0; i < base.length; i++) {
            const plus = Float32Array.from(base);
            const minus = Float32Array.from(base);
            plus[i] += h;
            minus[i] -= h;
            const fd =
              (f(tf.tensor(plus, p.shape)).dataSync()[0] -
                f(tf.tensor(minus, p.shape)).dataSync()[0]) /
              (2 * h);
            expect(Math.abs(g[i] - fd), `${backend} ${name} element ${i}`).toBeLessThan(2e-3);
          }
        });
      }
    }
  });

  it('UnsortedSegmentSum matches cpu, drops out-of-range ids, handles int32', async () => {
    const r = await onBackends(['cpu', 'wasm'], () => {
      const x = seeded([6, 2, 3], 21);
      const ids = tf.tensor1d([3, 0, -1, 3, 5, 1], 'int32');
      const xi = tf.tensor2d(
        [
          [1, 2],
          [3, 4],
          [5, 6],
        ],
        [3, 2],
        'int32',
      );
      return [
        tf.unsortedSegmentSum(x, ids, 4),
        tf.cast(tf.unsortedSegmentSum(xi, tf.tensor1d([1, 1, 0], 'int32'), 2), 'float32'),
      ];
    });
    expect(maxAbsDiff(r.cpu[0], r.wasm[0])).toBeLessThan(1e-6);
    expect(Array.from(r.wasm[1])).toEqual([5, 6, 4, 6]);
  });

  it('a small conv net: wasm forward and every parameter gradient agree with cpu', async () => {
    const r = await onBackends(['cpu', 'wasm'], smallNetLossAndGrads);
    expect(r.cpu.length).toBe(10);
    r.cpu.forEach((ref, i) => {
      expect(maxAbsDiff(ref, r.wasm[i]), `output ${i}`).toBeLessThan(
        1e-4 * Math.max(1, maxAbs(ref)),
      );
    });
  });

  it('trains on wasm: loss falls, and 100 steps keep the tensor count flat', async () => {
    await tf.setBackend('wasm');
    const net = makeSmallNet(2);
    const x = seeded([2, 12, 10, 3], 41) as tf.Tensor4D;
    const labels = tf.tensor1d([2, 1, 2], 'int32');
    const target = seeded([3, 4], 42) as tf.Tensor2D;
    const opt = tf.train.momentum(0.05, 0.9);
    const losses: number[] = [];
    let before = 0;
    for (let step = 0; step < 100; step++) {
      if (step === 2) before = tf.memory().numTensors; // after the optimizer made its slots
      const loss = opt.minimize(() => net.loss(x, labels, target), true, net.params) as tf.Scalar;
      losses.push(loss.dataSync()[0]);
      loss.dispose();
      // Yield each step: vitest's worker RPC has a fixed 60 s timeout that a long synchronous
      // stretch trips on a loaded machine, failing a green run.
      await new Promise((done) => setImmediate(done));
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(losses[99]).toBeLessThan(0.5 * losses[0]);
    opt.dispose();
    for (const p of net.params) p.dispose();
    tf.dispose([x, labels, target]);
  });
});
