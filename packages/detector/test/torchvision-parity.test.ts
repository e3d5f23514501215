// The whole detector against torchvision 0.14's Mask R-CNN, stage by stage, on the fixture's
// checkpoint and forward pass (../shared/fixtures/torchvision, its README's tolerances). Sizes,
// counts and class numbers are read from the files, so another fixture set of the layout works.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend } from '@crat/tensor';
import {
  fixturesDir,
  maskIou,
  matchBoxes,
  matchDetections,
  scaledMaxDiff,
} from '@crat/test-fixtures';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DetectorImageMeta } from '../src/batch.js';
import { torchvisionCompatible } from '../src/config.js';
import { resolveDetectorConfig } from '../src/config-schema.js';
import { MaskRCNN } from '../src/mask-rcnn.js';
import type { Detections } from '../src/post-processing.js';
import { assignWeights, type TorchLayoutTensor } from '../src/weights/checkpoint.js';
import { decodeSafetensors, entryToFloat32 } from '../src/weights/safetensors.js';
import { readTorchWeights } from '../src/weights/torch-weights.js';

const dir = () => join(fixturesDir(), 'torchvision');

function readExpected() {
  const bytes = readFileSync(join(dir(), 'expected.safetensors'));
  const { tensors } = decodeSafetensors(new Uint8Array(bytes), 'expected.safetensors');
  return (name: string) => {
    const e = tensors.get(name);
    if (!e) throw new Error(`expected.safetensors: no tensor '${name}'`);
    const values =
      e.dtype === 'I32' || e.dtype === 'U8'
        ? Float32Array.from(
            e.dtype === 'I32' ? new Int32Array(new Uint8Array(e.bytes).buffer) : e.bytes,
          )
        : entryToFloat32(e, name);
    return { shape: e.shape, values };
  };
}

/** The detector config of the checkpoint's shapes (mmdetection names), torchvision-compatible. */
function configOf(w: Map<string, TorchLayoutTensor>) {
  const shape = (n: string) => {
    const t = w.get(n);
    if (!t) throw new Error(`checkpoint: no '${n}'`);
    return t.shape;
  };
  const count = (re: RegExp) =>
    new Set([...w.keys()].filter((k) => re.test(k)).map((k) => k.match(re)![1])).size;
  const blocks = [1, 2, 3, 4].map((l) =>
    count(new RegExp(`^backbone\\.layer${l}\\.(\\d+)\\.conv1\\.weight$`)),
  );
  const bottleneck = w.has('backbone.layer1.0.conv3.weight');
  const depth = bottleneck ? 50 : blocks.join() === '2,2,2,2' ? 18 : 34;
  const neck = shape('neck.fpn_convs.0.conv.weight')[0]!;
  return torchvisionCompatible(
    resolveDetectorConfig({
      numClasses: shape('roi_head.mask_head.conv_logits.weight')[0]!,
      backbone: { depth, baseChannels: shape('backbone.conv1.weight')[0]!, frozenStages: -1 },
      neck: { outChannels: neck, numOuts: count(/^neck\.fpn_convs\.(\d+)\./) + 1 },
      rpnHead: { featChannels: shape('rpn_head.rpn_conv.weight')[0]! },
      roiHead: {
        bbox: {
          fcChannels: shape('roi_head.bbox_head.shared_fcs.0.weight')[0]!,
          numSharedFcs: count(/^roi_head\.bbox_head\.shared_fcs\.(\d+)\./),
        },
        mask: {
          convChannels: shape('roi_head.mask_head.convs.0.conv.weight')[0]!,
          numConvs: count(/^roi_head\.mask_head\.convs\.(\d+)\./),
        },
      },
    }),
  );
}

/** NHWC values → NCHW order. */
async function toNchw(t: tf.Tensor4D): Promise<Float32Array> {
  const p = tf.transpose(t, [0, 3, 1, 2]);
  const v = (await p.data()) as Float32Array;
  p.dispose();
  return v;
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  const r = scaledMaxDiff(got, want);
  expect(r.maxDiff, `${what}: max |diff| ${r.maxDiff} > ${r.tolerance}`).toBeLessThanOrEqual(
    r.tolerance,
  );
}

/** The fixture's normalised input as an NHWC batch. */
function inputImages(): tf.Tensor4D {
  const { values, shape } = expected('input_normalized_nchw');
  return tf.tidy(() =>
    tf.transpose(tf.tensor4d(values, shape as [number, number, number, number]), [0, 2, 3, 1]),
  );
}

let model: MaskRCNN;
let expected: ReturnType<typeof readExpected>;
let feats: tf.Tensor4D[];
let metas: DetectorImageMeta[];

beforeAll(async () => {
  await initBackend('wasm');
  expected = readExpected();
  const { tensors } = await readTorchWeights(join(dir(), 'maskrcnn_r18_fpn64_torchvision.pth'));
  model = new MaskRCNN(configOf(tensors));
  const report = assignWeights(model, tensors, { where: 'maskrcnn_r18_fpn64_torchvision.pth' });
  expect(report.missing).toEqual([]);
  expect(report.unexpected).toEqual([]);
  const input = expected('input_normalized_nchw');
  const [, , h, w] = input.shape as number[] as [number, number, number, number];
  metas = [
    {
      imageId: 1,
      imageShape: [h, w],
      padShape: [h, w],
      originalShape: [h, w],
      scaleFactor: [1, 1],
    },
  ];
  feats = tf.tidy(() => model.features(inputImages()));
});

afterAll(() => {
  tf.dispose(feats);
  model?.dispose();
});

describe('Mask R-CNN against torchvision 0.14, stage by stage', () => {
  it('FPN outputs, RPN logits and deltas, anchors', async () => {
    for (let l = 0; l < feats.length; l++) {
      expectClose(await toNchw(feats[l]!), expected(`fpn_p${l + 2}_nchw`).values, `P${l + 2}`);
    }
    const out = model.rpnHead.apply(feats);
    // (per-level outputs, disposed below)
    for (let l = 0; l < feats.length; l++) {
      expectClose(
        await toNchw(out.cls[l]!),
        expected(`rpn_cls_logits_l${l}_nchw`).values,
        `rpn cls l${l}`,
      );
      expectClose(
        await toNchw(out.reg[l]!),
        expected(`rpn_deltas_l${l}_nchw`).values,
        `rpn deltas l${l}`,
      );
    }
    tf.dispose([...out.cls, ...out.reg]);
    const anchors = model.rpnHead.anchors(feats, metas[0]!.padShape!);
    const ours = new Float32Array(anchors.total * 4);
    anchors.perLevel.forEach((a, l) => {
      ours.set(a, anchors.levelStart[l]! * 4);
    });
    expect(Array.from(ours)).toEqual(Array.from(expected('rpn_anchors_xyxy').values));
  });

  it('proposals, RoI features, class logits and box deltas', async () => {
    const anchors = model.rpnHead.anchors(feats, metas[0]!.padShape!);
    const flat = model.rpnHead.forward(feats);
    const [logits, deltas] = await Promise.all([flat.logits.data(), flat.deltas.data()]);
    tf.dispose([flat.logits, flat.deltas]);
    const [props] = await model.rpnHead.predict(
      anchors,
      logits as Float32Array,
      deltas as Float32Array,
      metas,
      'test',
    );
    const want = expected('rpn_proposals_xyxy').values;
    const nWant = want.length / 4;
    expect(Math.abs(props!.scores.length - nWant)).toBeLessThanOrEqual(2);
    expect(matchBoxes(props!.boxes, want, 0.999).fraction).toBeGreaterThanOrEqual(0.99);

    // The RoI stages take torchvision's own proposals, as the README says.
    const rows = (boxes: Float32Array, n: number) => {
      const r = new Float32Array(n * 5);
      for (let i = 0; i < n; i++) r.set(boxes.subarray(i * 4, i * 4 + 4), i * 5 + 1);
      return r;
    };
    const c = model.config.numClasses;
    const roiSize = model.config.roiHead.bbox.roiSize;
    const firstK = expected('box_roi_feats_first128_nchw').shape[0]!;
    const roiFeats = tf.tidy(() => model.roiHead.roiFeatures(feats, rows(want, firstK), roiSize));
    expectClose(
      await toNchw(roiFeats),
      expected('box_roi_feats_first128_nchw').values,
      'RoI features',
    );
    roiFeats.dispose();
    const [cls, del] = tf.tidy(() => {
      const o = model.roiHead.bboxHead.apply(
        model.roiHead.roiFeatures(feats, rows(want, nWant), roiSize),
      );
      return [o.clsLogits, o.deltas];
    });
    const [clsV, delV] = [(await cls!.data()) as Float32Array, (await del!.data()) as Float32Array];
    tf.dispose([cls!, del!]);
    // torchvision: background at column 0 and 4 background deltas first; ours: background last, none.
    const tvCls = new Float32Array(nWant * (c + 1));
    const tvDel = new Float32Array(nWant * 4 * c);
    for (let i = 0; i < nWant; i++) {
      tvCls[i * (c + 1)] = clsV[i * (c + 1) + c]!;
      for (let k = 0; k < c; k++) tvCls[i * (c + 1) + k + 1] = clsV[i * (c + 1) + k]!;
      tvDel.set(delV.subarray(i * 4 * c, (i + 1) * 4 * c), i * 4 * c);
    }
    expectClose(tvCls, expected('box_cls_logits_tv').values, 'class logits');
    const wantDel = expected('box_deltas_tv').values;
    const wantFg = new Float32Array(nWant * 4 * c);
    for (let i = 0; i < nWant; i++) {
      wantFg.set(wantDel.subarray(i * 4 * (c + 1) + 4, (i + 1) * 4 * (c + 1)), i * 4 * c);
    }
    expectClose(tvDel, wantFg, 'box deltas');
  });

  it('detections, mask probabilities and pasted masks', async () => {
    const want = expected('rpn_proposals_xyxy').values;
    const proposals = [{ boxes: want, scores: new Float32Array(want.length / 4) }];
    const test = model.config.test;
    const dets = await model.roiHead.predictBoxes(feats, proposals, metas, test);
    const d = dets[0]!;
    const wantDets = {
      boxes: expected('det_boxes_xyxy').values,
      scores: expected('det_scores').values,
      labels: expected('det_labels_tv').values,
    };
    const got = {
      boxes: d.boxes,
      scores: d.scores,
      labels: Int32Array.from(d.labels, (l) => l + 1),
    };
    const m = matchDetections(got, wantDets);
    expect(m.fraction).toBeGreaterThanOrEqual(0.98);

    const probs = await model.roiHead.maskProbabilities(feats, dets, metas);
    const size = model.config.roiHead.mask.maskSize;
    const wantProbs = expected('mask_probs_28').values;
    const [h, w] = metas[0]!.originalShape;
    const pasted: Detections[] = [{ ...d }];
    await model.roiHead.predictMasks(feats, pasted, metas, test);
    const wantPasted = expected('pasted_masks_binary').values;
    let worstIou = 1;
    m.pairs.forEach((g, e) => {
      if (g < 0) return;
      const a = probs.subarray(g * size * size, (g + 1) * size * size);
      const b = wantProbs.subarray(e * size * size, (e + 1) * size * size);
      for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(1e-4);
      worstIou = Math.min(worstIou, maskIou(pasted[0]!.masks![g]!, 0, wantPasted, e, h * w));
    });
    expect(worstIou).toBeGreaterThanOrEqual(0.99);
  });

  it('end to end (its own proposals), and the same detections from the mmdetection-named float16 file', async () => {
    const mm = await readTorchWeights(join(dir(), 'maskrcnn_r18_fpn64_mmdet.pth'));
    expect(mm.naming).toBe('mmdet');
    const other = new MaskRCNN(model.config);
    try {
      assignWeights(other, mm.tensors, { where: 'maskrcnn_r18_fpn64_mmdet.pth' });
      const images = inputImages();
      const [a] = await model.predict({ images, metas }, { withMasks: false });
      const wantDets = {
        boxes: expected('det_boxes_xyxy').values,
        scores: expected('det_scores').values,
        labels: expected('det_labels_tv').values,
      };
      const labelsTv = Int32Array.from(a!.labels, (l) => l + 1);
      expect(
        matchDetections({ boxes: a!.boxes, scores: a!.scores, labels: labelsTv }, wantDets)
          .fraction,
      ).toBeGreaterThanOrEqual(0.98);
      const [b] = await other.predict({ images, metas }, { withMasks: false });
      images.dispose();
      expect(Array.from(b!.labels)).toEqual(Array.from(a!.labels));
      expect(Array.from(b!.boxes)).toEqual(Array.from(a!.boxes));
      expect(Array.from(b!.scores)).toEqual(Array.from(a!.scores));
    } finally {
      other.dispose();
    }
  });
});
