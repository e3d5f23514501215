import type {
  ClassificationLoss,
  ClassificationLossContext,
  LossTerms,
  PluginState,
  TaskBranch,
  TaskTransfer,
  TaskTransferInputs,
  TransferStepContext,
} from '@crat/core';
import { decodeRle, rleFromJson } from '@crat/mask';
import { initBackend } from '@crat/tensor';
import * as tf from '@tensorflow/tfjs-core';
import type { CompressedRLE } from 'lvis-ts-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectorBatchFromCollated } from '../src/batch.js';
import { type DetectorConfig, r50FpnConfig } from '../src/config.js';
import { MaskRCNN } from '../src/mask-rcnn.js';
import { torchShape } from '../src/params.js';
import { toLvisResults } from '../src/results.js';
import { makeToyImages, toyBatch } from '../src/toy-data.js';
import { deserializeWeights, serializeWeights } from '../src/weights/checkpoint.js';
import { decodeSafetensors } from '../src/weights/safetensors.js';
import { lossValues } from './helpers/loss-values.js';
import { overfitToyImages } from './helpers/overfit.js';
import { C, SIZE, tinyConfig, toyOpts } from './helpers/tiny-config.js';
import { sgdSteps } from './helpers/train-steps.js';

/** A classification loss with one extra logit (as Seesaw's C+2): softmax over C+2, scores renormalised over C+1. */
class ExtraLogitLoss implements ClassificationLoss {
  readonly type = 'extra-logit-test';
  readonly numLogits: number;
  calls = 0;
  constructor(readonly numClasses: number) {
    this.numLogits = numClasses + 2;
  }
  async forward(
    logits: tf.Tensor2D,
    labels: Int32Array,
    ctx: ClassificationLossContext = {},
  ): Promise<LossTerms> {
    this.calls++;
    const oneHot = tf.oneHot(tf.tensor1d(labels, 'int32'), this.numLogits);
    const per = tf.sub(tf.logSumExp(logits, 1), tf.sum(tf.mul(logits, oneHot), 1));
    return { loss_cls_extra: tf.div(tf.sum(per), ctx.avgFactor ?? logits.shape[0]) as tf.Scalar };
  }
  scores(logits: tf.Tensor2D): tf.Tensor2D {
    return tf.softmax(tf.slice(logits, [0, 0], [-1, this.numClasses + 1]), -1);
  }
  getState(): PluginState {
    return { calls: this.calls };
  }
  setState(s: PluginState): void {
    this.calls = s.calls as number;
  }
}

/** Records what each branch hands it, and returns a small differentiable term. */
class RecordingTransfer implements TaskTransfer {
  readonly type = 'recording-test';
  seen: {
    branch: TaskBranch;
    iteration: number;
    shapes: Record<string, number[]>;
    avgFactor: number;
    sharedBefore: boolean;
  }[] = [];
  constructor(readonly branch: TaskBranch) {}
  losses(inputs: TaskTransferInputs, ctx: TransferStepContext): LossTerms {
    this.seen.push({
      branch: inputs.branch,
      iteration: ctx.iteration,
      avgFactor: inputs.avgFactor,
      sharedBefore: ctx.boxToMask !== null,
      shapes: {
        features: inputs.features.shape,
        labels: inputs.labels.shape,
        predictions: inputs.predictions.shape,
        targets: inputs.targets.shape,
        kernel: inputs.kernel.shape,
        bias: inputs.bias?.shape ?? [],
      },
    });
    const p = inputs.labels.shape[0];
    if (inputs.branch === 'bbox') {
      const w = tf.zeros([p, inputs.numClasses]) as tf.Tensor2D;
      ctx.boxToMask = {
        iteration: ctx.iteration,
        numPositives: p,
        classWeights: w,
        transferWeights: w,
      };
    }
    // wasm reductions of empty tensors return garbage, so P = 0 returns a constant zero
    const term = p === 0 ? tf.scalar(0) : tf.mul(tf.sum(tf.square(inputs.predictions)), 1e-3);
    return { [`loss_rec_${inputs.branch}`]: term as tf.Scalar };
  }
  getState(): PluginState {
    return {};
  }
  setState(): void {}
}

// wasm: `@crat/tensor` registers its training kernels there; `cpu` trains convs ~100x slower.
beforeAll(async () => {
  await initBackend('wasm');
});

const created: MaskRCNN[] = [];
function build(cfg: DetectorConfig, options?: ConstructorParameters<typeof MaskRCNN>[1]): MaskRCNN {
  const m = new MaskRCNN(cfg, options);
  created.push(m);
  return m;
}
afterAll(() => {
  for (const m of created) m.dispose();
});

describe('MaskRCNN training losses', () => {
  it('produces every named term, finite, with the RPN / RoI invariants', async () => {
    const model = build(tinyConfig());
    const batch = toyBatch(makeToyImages(1, 2, toyOpts), SIZE);
    const terms = await lossValues(model, batch);
    expect(Object.keys(terms).sort()).toEqual([
      'loss_bbox',
      'loss_cls',
      'loss_mask',
      'loss_rpn_bbox',
      'loss_rpn_cls',
    ]);
    for (const v of Object.values(terms)) expect(Number.isFinite(v)).toBe(true);
    // untrained: objectness ~ 0.5 → BCE ~ log 2; classifier ~ uniform over C+1 → CE ~ log(C+1); mask ~ log 2
    expect(terms.loss_rpn_cls).toBeCloseTo(Math.log(2), 1);
    expect(terms.loss_cls).toBeCloseTo(Math.log(C + 1), 1);
    expect(terms.loss_mask).toBeGreaterThan(0.3);
    expect(terms.loss_bbox).toBeGreaterThan(0);
    batch.images.dispose();
  });

  it('hands both class-wise branches to transfer plug-ins, bbox first, with the documented shapes', async () => {
    const bboxT = new RecordingTransfer('bbox');
    const maskT = new RecordingTransfer('mask');
    const loss = new ExtraLogitLoss(C);
    const cfg = tinyConfig();
    const model = build(cfg, { classificationLoss: loss, transfers: [maskT, bboxT] });
    expect(model.roiHead.bboxHead.fcCls.weight.shape).toEqual([64, C + 2]);
    const batch = toyBatch(makeToyImages(2, 2, toyOpts), SIZE);
    const names = Object.keys(await lossValues(model, batch, { iteration: 7 }));
    expect(names).toEqual(
      expect.arrayContaining(['loss_cls_extra', 'loss_rec_bbox', 'loss_rec_mask']),
    );
    expect(names).not.toContain('loss_cls');
    expect(loss.calls).toBe(1);
    const [b] = bboxT.seen;
    const [m] = maskT.seen;
    expect(b.iteration).toBe(7);
    expect(m.sharedBefore).toBe(true);
    const p = b.shapes.labels[0];
    expect(p).toBeGreaterThan(0);
    expect(b.shapes).toEqual({
      features: [p, 64],
      labels: [p],
      predictions: [p, 4 * C],
      targets: [p, 4],
      kernel: [64, 4 * C],
      bias: [4 * C],
    });
    const s = cfg.roiHead.mask.maskSize;
    expect(m.shapes).toEqual({
      features: [p, s, s, 16],
      labels: [p],
      predictions: [p, s, s, C],
      targets: [p, s, s],
      kernel: [1, 1, 16, C],
      bias: [C],
    });
    expect(m.avgFactor).toBe(p * s * s);
    expect(b.avgFactor).toBeGreaterThanOrEqual(p);
    batch.images.dispose();
  });

  it('trains on images without objects: no positives, zero-valued branch terms for the plug-ins', async () => {
    const bboxT = new RecordingTransfer('bbox');
    const maskT = new RecordingTransfer('mask');
    const model = build(tinyConfig(), { transfers: [bboxT, maskT] });
    const empty = makeToyImages(8, 2, { ...toyOpts, objects: [0, 0] });
    const batch = toyBatch(empty, SIZE);
    const sgd = sgdSteps(model, 0.01);
    const r = await sgd.step(batch, 0);
    expect(r.losses.loss_bbox).toBe(0);
    expect(r.losses.loss_mask).toBe(0);
    expect(r.losses.loss_rec_bbox).toBe(0);
    expect(r.losses.loss_rec_mask).toBe(0);
    expect(r.losses.loss_rpn_cls).toBeGreaterThan(0);
    expect(r.losses.loss_cls).toBeGreaterThan(0);
    expect(r.sampling.positives).toBe(0);
    expect(r.sampling.rois).toBeGreaterThan(0);
    expect(bboxT.seen[0].shapes.labels).toEqual([0]);
    expect(maskT.seen[0].shapes.predictions).toEqual([0, 28, 28, C]);
    sgd.dispose();
    batch.images.dispose();
  });

  it('trains on a collated @crat/data-style batch (tensor boxes/labels, masks at the padded size)', async () => {
    const model = build(tinyConfig());
    // 56 x 60 images padded to 64 x 64: the toy GT drawn at 64 x 64 stays valid inside the pad
    const toy = makeToyImages(9, 2, { ...toyOpts, size: 56 });
    const ref = toyBatch(toy, 56);
    const pad = (m: Uint8Array) => {
      const out = new Uint8Array(SIZE * SIZE);
      for (let y = 0; y < 56; y++) out.set(m.subarray(y * 56, y * 56 + 56), y * SIZE);
      return out;
    };
    const images = tf.pad(ref.images, [
      [0, 0],
      [0, 8],
      [0, 8],
      [0, 0],
    ]) as tf.Tensor4D;
    const collated = {
      images,
      gtBoxes: toy.map((t) => tf.tensor2d(t.boxes, [t.labels.length, 4])),
      gtLabels: toy.map((t) => tf.tensor1d(t.labels, 'int32')),
      gtMasks: toy.map((t) => {
        const buf = new Uint8Array(t.labels.length * SIZE * SIZE);
        t.masks.forEach((m, k) => {
          buf.set(pad(m), k * SIZE * SIZE);
        });
        return buf;
      }),
      metas: toy.map((_, i) => ({
        imageId: 100 + i,
        oriShape: [112, 112] as [number, number],
        imgShape: [56, 56] as [number, number],
        padShape: [SIZE, SIZE] as [number, number],
        scaleFactor: [0.5, 0.5] as [number, number],
        flip: false,
      })),
    };
    const batch = await detectorBatchFromCollated(collated);
    // masks come cropped from the padded size to the resized image
    expect(batch.gtMasks[0][0].length).toBe(56 * 56);
    expect(Array.from(batch.gtBoxes[1])).toEqual(Array.from(toy[1].boxes));
    const terms = await lossValues(model, batch);
    for (const v of Object.values(terms)) expect(Number.isFinite(v)).toBe(true);
    expect(terms.loss_mask).toBeGreaterThan(0);
    tf.dispose([images, ref.images, ...collated.gtBoxes, ...collated.gtLabels]);
  });

  it('keeps tf.memory().numTensors flat across training steps and lowers the loss', async () => {
    const model = build(tinyConfig(), { seed: 3 });
    const sgd = sgdSteps(model, 0.01);
    const batch = toyBatch(makeToyImages(3, 2, toyOpts), SIZE);
    const first = await sgd.step(batch, 0);
    await sgd.step(batch, 1);
    const before = tf.memory().numTensors;
    let last = first;
    for (let i = 2; i < 5; i++) last = await sgd.step(batch, i);
    expect(tf.memory().numTensors).toBe(before);
    // GT boxes join the proposals, so every GT is at least one positive.
    const gts = batch.gtLabels.reduce((a, l) => a + l.length, 0);
    expect(last.sampling.positives).toBeGreaterThanOrEqual(gts);
    expect(last.sampling.rois).toBeGreaterThan(last.sampling.positives);
    expect(Number.isFinite(last.losses.loss)).toBe(true);
    expect(last.losses.loss).toBeLessThan(first.losses.loss);
    sgd.dispose();
    batch.images.dispose();
  });
});

describe('MaskRCNN inference and weights', () => {
  it('detects within the image, sorted, capped, with masks at the original size and LVIS records', async () => {
    const cfg = tinyConfig();
    const model = build(cfg);
    const batch = toyBatch(makeToyImages(4, 2, toyOpts), SIZE);
    // A resized input: original 128 x 96 shown at 64 x 48 (scale 0.5)
    batch.metas[1] = {
      ...batch.metas[1],
      originalShape: [96, 128],
      scaleFactor: [0.5, 0.5],
      imageShape: [48, 64],
    };
    const before = tf.memory().numTensors;
    const dets = await model.predict(batch);
    expect(tf.memory().numTensors).toBe(before);
    dets.forEach((d, i) => {
      const [h, w] = batch.metas[i].originalShape;
      expect(d.scores.length).toBeGreaterThan(0);
      expect(d.scores.length).toBeLessThanOrEqual(cfg.test.maxPerImg);
      for (let j = 1; j < d.scores.length; j++)
        expect(d.scores[j]).toBeLessThanOrEqual(d.scores[j - 1]);
      for (let j = 0; j < d.scores.length; j++) {
        const [x1, y1, x2, y2] = d.boxes.subarray(j * 4, j * 4 + 4);
        expect(x1).toBeGreaterThanOrEqual(0);
        expect(y1).toBeGreaterThanOrEqual(0);
        expect(x2).toBeLessThanOrEqual(w + 1e-3);
        expect(y2).toBeLessThanOrEqual(h + 1e-3);
        expect(d.labels[j]).toBeLessThan(C);
        expect(d.scores[j]).toBeGreaterThan(cfg.test.scoreThr);
      }
      expect(d.masks?.length).toBe(d.scores.length);
      expect(d.masks?.[0].length).toBe(h * w);
    });
    const catIds = [10, 20, 30];
    const records = toLvisResults(dets[1], catIds);
    expect(records.length).toBe(dets[1].scores.length);
    const r0 = records[0];
    expect(r0.image_id).toBe(batch.metas[1].imageId);
    expect(catIds).toContain(r0.category_id);
    expect(r0.bbox?.[2]).toBeCloseTo(dets[1].boxes[2] - dets[1].boxes[0], 4);
    const decoded = decodeRle(rleFromJson(r0.segmentation as CompressedRLE));
    expect(Array.from(decoded)).toEqual(Array.from(dets[1].masks![0]));
    batch.images.dispose();
  });

  it('uses the classification loss scores() when numLogits is not C + 1', async () => {
    const model = build(tinyConfig(), { classificationLoss: new ExtraLogitLoss(C) });
    const batch = toyBatch(makeToyImages(5, 1, toyOpts), SIZE);
    const [d] = await model.predict(batch, { withMasks: false });
    expect(d.scores.length).toBeGreaterThan(0);
    expect(d.masks).toBeUndefined();
    batch.images.dispose();
  });

  it('save → load gives identical outputs, with mmdetection names in PyTorch layout', async () => {
    const cfg = tinyConfig();
    const a = build(cfg, { seed: 11 });
    const b = build(cfg, { seed: 12 });
    const bytes = await serializeWeights(a);
    const { tensors } = decodeSafetensors(bytes);
    expect(tensors.get('backbone.conv1.weight')?.shape).toEqual([8, 3, 7, 7]);
    expect(tensors.get('backbone.layer1.0.bn1.running_var')?.shape).toEqual([8]);
    expect(tensors.get('neck.lateral_convs.0.conv.weight')?.shape).toEqual([16, 8, 1, 1]);
    expect(tensors.get('rpn_head.rpn_conv.weight')?.shape).toEqual([16, 16, 3, 3]);
    expect(tensors.get('roi_head.bbox_head.shared_fcs.0.weight')?.shape).toEqual([64, 16 * 7 * 7]);
    expect(tensors.get('roi_head.bbox_head.fc_cls.weight')?.shape).toEqual([C + 1, 64]);
    expect(tensors.get('roi_head.bbox_head.fc_reg.weight')?.shape).toEqual([4 * C, 64]);
    expect(tensors.get('roi_head.mask_head.upsample.weight')?.shape).toEqual([16, 16, 2, 2]);
    expect(tensors.get('roi_head.mask_head.conv_logits.weight')?.shape).toEqual([C, 16, 1, 1]);
    const batch = toyBatch(makeToyImages(6, 1, toyOpts), SIZE);
    const da = await a.predict(batch);
    const before = await b.predict(batch);
    expect(Array.from(before[0].scores)).not.toEqual(Array.from(da[0].scores));
    const report = deserializeWeights(b, bytes);
    expect(report.missing).toEqual([]);
    expect(report.unexpected).toEqual([]);
    const db = await b.predict(batch);
    expect(Array.from(db[0].boxes)).toEqual(Array.from(da[0].boxes));
    expect(Array.from(db[0].scores)).toEqual(Array.from(da[0].scores));
    expect(Array.from(db[0].labels)).toEqual(Array.from(da[0].labels));
    expect(db[0].masks?.map((m) => m.reduce((s, v) => s + v, 0))).toEqual(
      da[0].masks?.map((m) => m.reduce((s, v) => s + v, 0)),
    );
    // a wrong shape is an error naming the tensor
    const other = build(tinyConfig({ numClasses: C + 1 }));
    expect(() => deserializeWeights(other, bytes, { where: 'a.safetensors' })).toThrow(
      /a.safetensors.*fc_cls/,
    );
    batch.images.dispose();
  });
});

describe('R50-FPN preset', () => {
  it('has the mmdetection parameter names and PyTorch shapes', () => {
    const model = build(r50FpnConfig(80));
    const shape = (name: string) => {
      const p = model.params.get(name);
      return torchShape(p.layout, p.variable.shape);
    };
    expect(shape('backbone.conv1.weight')).toEqual([64, 3, 7, 7]);
    expect(shape('backbone.layer1.0.downsample.0.weight')).toEqual([256, 64, 1, 1]);
    expect(shape('backbone.layer4.2.conv3.weight')).toEqual([2048, 512, 1, 1]);
    expect(shape('neck.lateral_convs.3.conv.weight')).toEqual([256, 2048, 1, 1]);
    expect(shape('neck.fpn_convs.0.conv.weight')).toEqual([256, 256, 3, 3]);
    expect(shape('rpn_head.rpn_cls.weight')).toEqual([3, 256, 1, 1]);
    expect(shape('rpn_head.rpn_reg.weight')).toEqual([12, 256, 1, 1]);
    expect(shape('roi_head.bbox_head.shared_fcs.0.weight')).toEqual([1024, 256 * 7 * 7]);
    expect(shape('roi_head.bbox_head.fc_cls.weight')).toEqual([81, 1024]);
    expect(shape('roi_head.bbox_head.fc_reg.weight')).toEqual([320, 1024]);
    expect(shape('roi_head.mask_head.convs.3.conv.weight')).toEqual([256, 256, 3, 3]);
    expect(shape('roi_head.mask_head.upsample.weight')).toEqual([256, 256, 2, 2]);
    expect(shape('roi_head.mask_head.conv_logits.weight')).toEqual([80, 256, 1, 1]);
    // frozen_stages = 1: stem and layer1 are not trained
    expect(model.params.get('backbone.layer1.2.conv3.weight').trainable).toBe(false);
    expect(model.params.get('backbone.layer2.0.conv1.weight').trainable).toBe(true);
    // torchvision's maskrcnn_resnet50_fpn (same layers; its frozen BN holds no parameters) has
    // 44,401,393 parameters for 91 classes; 80 classes have 10 + 44 fewer fc_cls/fc_reg rows of
    // 1025 and 11 fewer conv_logits filters of 257: 44,343,216.
    const bn = model.params
      .all()
      .filter((p) => /\.(bn\d|downsample\.1)\./.test(p.name) || /backbone\.bn1\./.test(p.name))
      .reduce((a, p) => a + p.variable.size, 0);
    expect(model.params.count() - bn).toBe(44_401_393 - 54 * 1025 - 11 * 257);
    model.dispose();
    created.splice(created.indexOf(model), 1);
  });
});

describe('MaskRCNN overfit', () => {
  it('reaches bbox AP50 ≥ 0.9 on 4 synthetic images', async () => {
    const { losses, ap50 } = await overfitToyImages(160);
    expect(losses.at(-1)).toBeLessThan(losses[0]! / 2);
    expect(ap50).toBeGreaterThanOrEqual(0.9);
  }, 300_000);
});
