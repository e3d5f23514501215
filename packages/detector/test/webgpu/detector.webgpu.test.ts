// The detector on the webgpu backend (lavapipe in CI): it overfits 4 toy images, its loss
// terms and its fitted model's detections agree with cpu, a few steps of the CPU preset keep
// the tensor count flat, and inference reads nothing synchronously.
import { withoutSyncReads } from '@crat/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { cpuPresetConfig } from '../../src/config.js';
import { MaskRCNN } from '../../src/mask-rcnn.js';
import type { Detections } from '../../src/post-processing.js';
import { makeToyImages, toyBatch } from '../../src/toy-data.js';
import { deserializeWeights, serializeWeights } from '../../src/weights/checkpoint.js';
import { lossValues } from '../helpers/loss-values.js';
import { overfitToyImages } from '../helpers/overfit.js';
import { C, SIZE, tinyConfig, toyOpts } from '../helpers/tiny-config.js';
import { sgdSteps } from '../helpers/train-steps.js';
import { startWebGpuOrSkip } from './webgpu-available.js';

const skip = await startWebGpuOrSkip();

function boxIou(a: Float32Array, i: number, b: Float32Array, j: number): number {
  const [ax1, ay1, ax2, ay2] = a.subarray(4 * i, 4 * i + 4);
  const [bx1, by1, bx2, by2] = b.subarray(4 * j, 4 * j + 4);
  const iw = Math.max(0, Math.min(ax2, bx2) - Math.max(ax1, bx1));
  const ih = Math.max(0, Math.min(ay2, by2) - Math.max(ay1, by1));
  const inter = iw * ih;
  return inter / ((ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter);
}

/**
 * Every confident reference detection (score > 0.3) has a counterpart of the same class with
 * IoU ≥ 0.95 and a score within 0.01: float32 sums in another order move boxes and scores a
 * little, and can swap near-tied low-score detections, so only confident ones are matched.
 */
function expectSameConfidentDetections(ref: Detections, got: Detections): number {
  let matched = 0;
  for (let i = 0; i < ref.scores.length; i++) {
    if (ref.scores[i]! <= 0.3) continue;
    let best = -1;
    for (let j = 0; j < got.scores.length; j++) {
      if (got.labels[j] !== ref.labels[i]) continue;
      if (best < 0 || boxIou(ref.boxes, i, got.boxes, j) > boxIou(ref.boxes, i, got.boxes, best))
        best = j;
    }
    expect(best, `detection ${i} (class ${ref.labels[i]})`).toBeGreaterThanOrEqual(0);
    expect(boxIou(ref.boxes, i, got.boxes, best)).toBeGreaterThanOrEqual(0.95);
    expect(Math.abs(got.scores[best]! - ref.scores[i]!)).toBeLessThan(0.01);
    matched++;
  }
  return matched;
}

/**
 * The RPN terms are pure arithmetic on the same anchors and targets: relative 1e-3. The RoI
 * head's terms depend on which proposals survive top-k and NMS, where near-tied scores can
 * swap between backends and change the sampled RoIs (seen: loss_bbox 0.0046 apart), so they
 * are held to 5% of max(|cpu|, 0.1) (seen: 0.7%).
 */
function expectLossTermsClose(ref: Record<string, number>, got: Record<string, number>): void {
  expect(Object.keys(got).sort()).toEqual(Object.keys(ref).sort());
  for (const [name, r] of Object.entries(ref)) {
    const bound = name.startsWith('loss_rpn') ? 1e-3 * Math.max(1, r) : 0.05 * Math.max(r, 0.1);
    expect(Math.abs(got[name]! - r), name).toBeLessThan(bound);
  }
}

describe.skipIf(skip)('MaskRCNN on webgpu', () => {
  it("an untrained model's loss terms equal cpu's (RPN relative 1e-3, RoI head 5%)", async () => {
    // Made on cpu, so that moving them to webgpu reads nothing from a GPU.
    await tf.setBackend('cpu');
    const model = new MaskRCNN(tinyConfig(), { seed: 7 });
    const batch = toyBatch(makeToyImages(8, 2, toyOpts), SIZE);
    const terms: Record<string, Record<string, number>> = {};
    for (const backend of ['cpu', 'webgpu']) {
      await tf.setBackend(backend);
      terms[backend] = await lossValues(model, batch);
    }
    console.log(
      `loss terms, cpu ${JSON.stringify(terms.cpu)} webgpu ${JSON.stringify(terms.webgpu)}`,
    );
    expectLossTermsClose(terms.cpu!, terms.webgpu!);
    model.dispose();
    batch.images.dispose();
  });

  it('overfits 4 toy images (loss below a third, AP50 ≥ 0.9); its detections match cpu', async () => {
    let matched = 0;
    const { losses, ap50 } = await overfitToyImages(160, async (model, batch, images) => {
      const before = tf.memory().numTensors;
      const got = await withoutSyncReads(() => model.predict(batch));
      expect(tf.memory().numTensors).toBe(before);
      // The same weights on cpu: moving GPU tensors to another backend would read them
      // synchronously, so the weights travel as safetensors bytes and the batch is remade.
      const bytes = await serializeWeights(model);
      await tf.setBackend('cpu');
      const onCpu = new MaskRCNN(tinyConfig());
      deserializeWeights(onCpu, bytes);
      const cpuBatch = toyBatch(images, SIZE);
      const ref = await onCpu.predict(cpuBatch);
      onCpu.dispose();
      cpuBatch.images.dispose();
      await tf.setBackend('webgpu');
      got.forEach((d, i) => {
        expect(d.scores.length).toBeGreaterThan(0);
        expect(d.masks?.length).toBe(d.scores.length);
        matched += expectSameConfidentDetections(ref[i]!, d);
      });
    });
    expect(losses.at(-1)).toBeLessThan(losses[0]! / 3);
    expect(ap50).toBeGreaterThanOrEqual(0.9);
    expect(matched).toBeGreaterThanOrEqual(4);
  }, 900_000);

  it('trains the CPU preset a few steps without sync reads, numTensors flat, then predicts', async () => {
    const model = new MaskRCNN(cpuPresetConfig(C), { seed: 2 });
    const sgd = sgdSteps(model, 0.01);
    const batch = toyBatch(
      makeToyImages(3, 2, { ...toyOpts, size: 128, objectSize: [16, 48] }),
      128,
    );
    let tensors = 0;
    const losses: number[] = [];
    await withoutSyncReads(async () => {
      for (let i = 0; i < 4; i++) {
        if (i === 2) tensors = tf.memory().numTensors; // after the optimizer made its slots
        losses.push((await sgd.step(batch, i)).losses.loss);
      }
    });
    expect(tf.memory().numTensors).toBe(tensors);
    for (const l of losses) expect(Number.isFinite(l)).toBe(true);
    const dets = await withoutSyncReads(() => model.predict(batch));
    expect(tf.memory().numTensors).toBe(tensors);
    expect(dets).toHaveLength(2);
    for (const d of dets) expect(d.scores.length).toBeGreaterThan(0);
    sgd.dispose();
    model.dispose();
    batch.images.dispose();
  }, 600_000);
});
