import { classificationLosses, Rng } from '@crat/core';
import { initBackend } from '@crat/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Fpn } from '../src/backbone/fpn.js';
import { ResNet } from '../src/backbone/resnet.js';
import { resolveDetectorConfig } from '../src/config-schema.js';
import { Deconv2x2, denseMatMul, upsampleNearest } from '../src/layers.js';
import { SoftmaxCrossEntropyLoss } from '../src/losses/cross-entropy.js';
import { bceWithLogits } from '../src/losses/elementwise.js';
import { fromTorchLayout, type ParamLayout, ParamStore, toTorchLayout } from '../src/params.js';
import { multiclassNms } from '../src/post-processing.js';
import {
  decodeSafetensors,
  encodeSafetensors,
  entryToFloat32,
} from '../src/weights/safetensors.js';

beforeAll(async () => {
  await initBackend('cpu');
});

describe('cross-entropy classification loss', () => {
  it('is registered and equals -log softmax at the label, averaged over avgFactor', async () => {
    const loss = classificationLosses.create({ type: 'cross-entropy' }, { numClasses: 2 });
    expect(loss.numLogits).toBe(3);
    const logits = tf.tensor2d([
      [1, 2, 0.5],
      [0, -1, 3],
    ]);
    const labels = Int32Array.from([1, 2]);
    const value = (await (await loss.forward(logits, labels, { avgFactor: 4 })).loss_cls.data())[0];
    const lse = (r: number[]) => Math.log(r.reduce((a, x) => a + Math.exp(x), 0));
    const expected = (lse([1, 2, 0.5]) - 2 + lse([0, -1, 3]) - 3) / 4;
    expect(value).toBeCloseTo(expected, 5);
    const scores = await (await loss.scores(logits)).array();
    expect(scores[0].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(() =>
      classificationLosses.create({ type: 'cross-entropy', gamma: 1 }, { numClasses: 2 }),
    ).toThrow(/gamma/);
  });

  it('honours per-RoI weights', async () => {
    const loss = new SoftmaxCrossEntropyLoss(1);
    const logits = tf.tensor2d([
      [0, 0],
      [5, 0],
    ]);
    const { loss_cls } = await loss.forward(logits, Int32Array.from([0, 1]), {
      weights: tf.tensor1d([1, 0]),
    });
    const w = (await loss_cls.data())[0];
    expect(w).toBeCloseTo(Math.log(2) / 2, 5);
  });
});

describe('elementwise losses', () => {
  it('bceWithLogits is stable for large logits', () => {
    const v = bceWithLogits(tf.tensor1d([100, -100, 0]), tf.tensor1d([1, 0, 1])).dataSync();
    expect(v[0]).toBeCloseTo(0, 6);
    expect(v[1]).toBeCloseTo(0, 6);
    expect(v[2]).toBeCloseTo(Math.log(2), 6);
  });
});

describe('parameter layouts', () => {
  const cases: [ParamLayout, number[]][] = [
    [{ kind: 'conv' }, [3, 3, 2, 4]],
    [{ kind: 'linear' }, [5, 3]],
    [{ kind: 'linear-from-nchw', channels: 2, height: 3, width: 3 }, [18, 4]],
    [{ kind: 'deconv2x2' }, [3, 8]],
    [{ kind: 'vector' }, [6]],
  ];
  it.each(cases)('%o round-trips TF → PyTorch → TF', async (layout, shape) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const t = tf.tensor(
      Float32Array.from({ length: size }, (_, i) => i),
      shape,
    );
    const torch = await toTorchLayout(t, layout);
    const back = fromTorchLayout(torch.values, layout, shape);
    expect(Array.from(back.dataSync())).toEqual(Array.from(t.dataSync()));
  });

  it('conv weights land in OIHW and NCHW-flattened FC inputs are permuted', async () => {
    // TF HWIO [1,1,2,3]: w[0,0,i,o] = 10*i + o; torch OIHW [3,2,1,1]: w[o,i] = 10*i + o
    const conv = tf.tensor4d([0, 1, 2, 10, 11, 12], [1, 1, 2, 3]);
    expect(Array.from((await toTorchLayout(conv, { kind: 'conv' })).values)).toEqual([
      0, 10, 1, 11, 2, 12,
    ]);
    // fc input from a [h=1, w=2, c=2] map: NHWC order (x0c0, x0c1, x1c0, x1c1); torch (c0x0, c0x1, c1x0, c1x1)
    const fc = tf.tensor2d([1, 2, 3, 4], [4, 1]);
    const layout: ParamLayout = { kind: 'linear-from-nchw', channels: 2, height: 1, width: 2 };
    expect(Array.from((await toTorchLayout(fc, layout)).values)).toEqual([1, 3, 2, 4]);
  });
});

describe('safetensors', () => {
  it('round-trips float32 tensors with metadata and aligned data', () => {
    const tensors = new Map([
      ['a.weight', { shape: [2, 3], values: Float32Array.from([1, 2, 3, 4, 5, -6.5]) }],
      ['b', { shape: [1], values: Float32Array.from([0.25]) }],
    ]);
    const bytes = encodeSafetensors(tensors, { format: 'pt' });
    const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + headerLen) % 8).toBe(0);
    const { tensors: back, metadata } = decodeSafetensors(bytes);
    expect(metadata.format).toBe('pt');
    expect(back.get('a.weight')!.shape).toEqual([2, 3]);
    expect(Array.from(entryToFloat32(back.get('a.weight')!, 'a.weight'))).toEqual([
      1, 2, 3, 4, 5, -6.5,
    ]);
    expect(Array.from(entryToFloat32(back.get('b')!, 'b'))).toEqual([0.25]);
  });

  it('reads F16 and BF16 and names a broken file', () => {
    const header = JSON.stringify({
      h: { dtype: 'F16', shape: [2], data_offsets: [0, 4] },
      g: { dtype: 'BF16', shape: [1], data_offsets: [4, 6] },
    });
    const hb = new TextEncoder().encode(header);
    const bytes = new Uint8Array(8 + hb.length + 6);
    const dv = new DataView(bytes.buffer);
    dv.setBigUint64(0, BigInt(hb.length), true);
    bytes.set(hb, 8);
    dv.setUint16(8 + hb.length, 0x3c00, true); // 1.0
    dv.setUint16(8 + hb.length + 2, 0xc000, true); // -2.0
    dv.setUint16(8 + hb.length + 4, 0x3fc0, true); // bf16 1.5
    const { tensors } = decodeSafetensors(bytes);
    expect(Array.from(entryToFloat32(tensors.get('h')!, 'h'))).toEqual([1, -2]);
    expect(Array.from(entryToFloat32(tensors.get('g')!, 'g'))).toEqual([1.5]);
    expect(() => decodeSafetensors(bytes.subarray(0, 20), 'x.safetensors')).toThrow(
      /x.safetensors/,
    );
  });
});

describe('layers', () => {
  it('nearest 2x upsampling repeats pixels as PyTorch', () => {
    const x = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    const y = upsampleNearest(x, [4, 4]);
    expect(Array.from(y.dataSync())).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
  });

  it.each(['relu', 'linear'] as const)(
    'denseMatMul (%s) has the built-in fused matMul value and gradients',
    (act) => {
      const x = tf.randomNormal([5, 7], 0, 1, 'float32', 2) as tf.Tensor2D;
      const w = tf.variable(tf.randomNormal([7, 3], 0, 1, 'float32', 3), true, `dense-w-${act}`);
      const b = tf.variable(tf.randomNormal([3], 0, 1, 'float32', 4), true, `dense-b-${act}`);
      const f = (useOurs: boolean) =>
        tf.variableGrads(() => {
          const y = useOurs
            ? denseMatMul(x, w as tf.Tensor2D, b as tf.Tensor1D, act)
            : tf.fused.matMul({ a: x, b: w as tf.Tensor2D, bias: b, activation: act });
          return tf.sum(tf.mul(y, tf.reshape(tf.range(0, 15), [5, 3]))) as tf.Scalar;
        }, [w, b]);
      const ours = f(true);
      const ref = f(false);
      expect(ours.value.dataSync()[0]).toBeCloseTo(ref.value.dataSync()[0], 4);
      for (const k of Object.keys(ref.grads)) {
        expect(tf.max(tf.abs(tf.sub(ours.grads[k], ref.grads[k]))).dataSync()[0]).toBeLessThan(
          1e-4,
        );
      }
      w.dispose();
      b.dispose();
    },
  );

  it('the 2x2 deconv as a matrix equals conv2dTranspose', () => {
    const store = new ParamStore(new Rng(3), 'deconv-test');
    const d = new Deconv2x2(store, 'up', 3, 2);
    d.bias.assign(tf.tensor1d([0.5, -1]));
    const x = tf.randomNormal([2, 3, 4, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const ours = d.apply(x);
    // conv2dTranspose filter: [kh, kw, out, in]; ours is [in, (kh, kw, out)]
    const filter = tf.transpose(tf.reshape(d.weight, [3, 2, 2, 2]), [1, 2, 3, 0]) as tf.Tensor4D;
    const ref = tf.add(tf.conv2dTranspose(x, filter, [2, 6, 8, 2], 2, 'valid'), d.bias);
    expect(tf.max(tf.abs(tf.sub(ours, ref))).dataSync()[0]).toBeLessThan(1e-5);
    store.dispose();
  });
});

describe('backbone and FPN', () => {
  it.each([18, 50] as const)('ResNet-%i gives C2..C5 at strides 4..32 and FPN P2..P6', (depth) => {
    const cfg = resolveDetectorConfig({
      numClasses: 3,
      backbone: { depth, baseChannels: 8 },
      neck: { outChannels: 16 },
    });
    const store = new ParamStore(new Rng(0), `bb${depth}`);
    const resnet = new ResNet(store, cfg.backbone);
    const fpn = new Fpn(store, resnet.outChannels, cfg.neck);
    const x = tf.randomNormal([2, 64, 96, 3]) as tf.Tensor4D;
    const cs = resnet.apply(x);
    const exp = depth === 50 ? 4 : 1;
    expect(cs.map((c) => c.shape)).toEqual([
      [2, 16, 24, 8 * exp],
      [2, 8, 12, 16 * exp],
      [2, 4, 6, 32 * exp],
      [2, 2, 3, 64 * exp],
    ]);
    const ps = fpn.apply(cs);
    expect(ps.map((p) => p.shape)).toEqual([
      [2, 16, 24, 16],
      [2, 8, 12, 16],
      [2, 4, 6, 16],
      [2, 2, 3, 16],
      [2, 1, 2, 16],
    ]);
    // torchvision names, frozen stem + layer1 (frozenStages 1), BN statistics never trainable
    expect(store.has('backbone.layer1.0.conv1.weight')).toBe(true);
    expect(store.has('neck.lateral_convs.0.conv.weight')).toBe(true);
    expect(store.get('backbone.conv1.weight').trainable).toBe(false);
    expect(store.get('backbone.layer1.0.conv1.weight').trainable).toBe(false);
    expect(store.get('backbone.layer2.0.conv1.weight').trainable).toBe(true);
    expect(store.get('backbone.layer2.0.bn1.weight').trainable).toBe(true);
    expect(store.get('backbone.layer2.0.bn1.running_mean').trainable).toBe(false);
    expect(store.has('backbone.layer2.0.downsample.0.weight')).toBe(true);
    expect(
      store.has(depth === 50 ? 'backbone.layer1.0.conv3.weight' : 'backbone.layer1.0.conv2.weight'),
    ).toBe(true);
    // zero_init_residual: each block starts as its shortcut, so the frozen-BN stem output passes through layer1
    const last = depth === 50 ? 'bn3' : 'bn2';
    expect(store.get(`backbone.layer3.1.${last}.weight`).variable.dataSync()[0]).toBe(0);
    store.dispose();
  });

  it('trains frozen-BN gamma/beta and conv weights of unfrozen stages only', () => {
    const cfg = resolveDetectorConfig({
      numClasses: 1,
      backbone: { depth: 18, baseChannels: 4, zeroInitResidual: false },
    });
    const store = new ParamStore(new Rng(1), 'grad-test');
    const resnet = new ResNet(store, cfg.backbone);
    const x = tf.randomNormal([1, 32, 32, 3]) as tf.Tensor4D;
    const { grads } = tf.variableGrads(
      () => tf.sum(resnet.apply(x)[3]) as tf.Scalar,
      store.trainable(),
    );
    const names = Object.keys(grads);
    expect(names.some((n) => n.endsWith('backbone.layer4.1.bn2.weight'))).toBe(true);
    expect(names.some((n) => n.includes('layer1.') || n.endsWith('backbone.conv1.weight'))).toBe(
      false,
    );
    tf.dispose(grads);
    store.dispose();
  });
});

describe('multiclassNms', () => {
  it('thresholds scores, suppresses per class only, keeps the best maxPerImg', () => {
    // 3 RoIs x 2 classes; class-wise boxes (c at columns 4c..4c+3); scores [N, C+1] with background last
    const boxes = Float32Array.from([
      0,
      0,
      10,
      10,
      0,
      0,
      10,
      10, // roi 0: class 0 box, class 1 box
      1,
      1,
      11,
      11,
      20,
      20,
      30,
      30, // roi 1
      50,
      50,
      60,
      60,
      1,
      1,
      11,
      11, // roi 2
    ]);
    const scores = Float32Array.from([0.9, 0.8, 0.1, 0.7, 0.05, 0.25, 0.00001, 0.6, 0.4]);
    const meta = {
      imageId: 9,
      imageShape: [64, 64] as [number, number],
      originalShape: [64, 64] as [number, number],
      scaleFactor: [1, 1] as [number, number],
    };
    const d = multiclassNms(
      boxes,
      scores,
      3,
      2,
      { scoreThr: 1e-4, nmsIouThr: 0.5, maxPerImg: 10 },
      meta,
    );
    // class 0: roi0 (0.9) suppresses roi1 (0.7, IoU 0.68); roi2's 1e-5 is under the threshold.
    // class 1: roi0 (0.8) suppresses roi2 (0.6, IoU 0.68) but not roi1 (0.05, disjoint).
    expect(Array.from(d.scores)).toEqual([0.9, 0.8, 0.05].map((x) => expect.closeTo(x, 6)));
    expect(Array.from(d.labels)).toEqual([0, 1, 1]);
    expect(Array.from(d.boxes.subarray(8, 12))).toEqual([20, 20, 30, 30]);
    const top = multiclassNms(
      boxes,
      scores,
      3,
      2,
      { scoreThr: 1e-4, nmsIouThr: 0.5, maxPerImg: 2 },
      meta,
    );
    expect(Array.from(top.labels)).toEqual([0, 1]);
    expect(top.imageId).toBe(9);
  });
});
