import { initBackend } from '@crat/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { validateBatch } from '../src/batch.js';
import { cpuPresetConfig, detectorPreset, r50FpnConfig } from '../src/config.js';
import { resolveDetectorConfig } from '../src/config-schema.js';
import { validAnchorFlags } from '../src/rpn/anchors.js';
import { makeToyImages, toyBatch } from '../src/toy-data.js';

beforeAll(async () => {
  await initBackend('cpu');
});

describe('detector config', () => {
  it('has mmdetection R50-FPN defaults and the CPU preset sizes', () => {
    const r50 = r50FpnConfig(1203);
    expect(r50.backbone.depth).toBe(50);
    expect(r50.rpnHead.assigner).toMatchObject({ posIouThr: 0.7, negIouThr: 0.3, minPosIou: 0.3 });
    expect(r50.rpnHead.train).toMatchObject({ nmsPre: 2000, maxPerImg: 1000, nmsIouThr: 0.7 });
    expect(r50.roiHead.sampler).toMatchObject({
      num: 512,
      posFraction: 0.25,
      addGtAsProposals: true,
    });
    expect(r50.test).toMatchObject({ scoreThr: 1e-4, nmsIouThr: 0.5, maxPerImg: 300 });
    const cpu = cpuPresetConfig(41);
    expect(cpu.backbone.depth).toBe(18);
    expect(cpu.neck.outChannels).toBe(64);
    expect(cpu.roiHead.sampler.num).toBe(128);
    expect(cpu.roiHead.bbox.fcChannels).toBe(256);
    expect(cpu.roiHead.mask.convChannels).toBe(64);
    expect(detectorPreset('mask_rcnn_r18_fpn_cpu', 41)).toEqual(cpu);
    expect(() => detectorPreset('nope', 1)).toThrow(/Known presets: .*mask_rcnn_r50_fpn/);
  });

  it('names unknown and invalid fields', () => {
    expect(() =>
      resolveDetectorConfig({ numClasses: 2, rpnHead: { featChanels: 3 } } as never),
    ).toThrow(/rpnHead\.featChanels: unknown field/);
    expect(() =>
      resolveDetectorConfig({ numClasses: 2, backbone: { depth: 101 as never } }),
    ).toThrow(/backbone\.depth/);
    // a field nothing reads is an error, not silently accepted
    expect(() =>
      resolveDetectorConfig({ numClasses: 2, backbone: { normEval: true } } as never),
    ).toThrow(/backbone\.normEval: unknown field/);
    expect(() =>
      resolveDetectorConfig({ numClasses: 2, roiHead: { mask: { roiSize: 7 } } }),
    ).toThrow(/roiHead\.mask\.maskSize: must be 2 x roiHead\.mask\.roiSize/);
    const custom = resolveDetectorConfig({ numClasses: 2, roiHead: { bbox: { fcChannels: 64 } } });
    expect(custom.roiHead.bbox.fcChannels).toBe(64);
    expect(custom.roiHead.bbox.roiSize).toBe(7);
  });
});

describe('DetectorBatch', () => {
  it('accepts a toy batch and names the image and field of a bad one', () => {
    const batch = toyBatch(
      makeToyImages(1, 2, { size: 32, numClasses: 2, objects: [1, 2], objectSize: [6, 12] }),
      32,
    );
    expect(() => validateBatch(batch, 2)).not.toThrow();
    const badLabel = {
      ...batch,
      gtLabels: [batch.gtLabels[0], Int32Array.from(batch.gtLabels[1], () => 5)],
    };
    expect(() => validateBatch(badLabel, 2)).toThrow(/image 1 \(id 2\): gtLabels\[0\]/);
    const badMask = {
      ...batch,
      gtMasks: [[new Uint8Array(3), ...batch.gtMasks[0].slice(1)], batch.gtMasks[1]],
    };
    expect(() => validateBatch(badMask, 2)).toThrow(/image 0 .*gtMasks\[0\]/);
    tf.dispose(batch.images);
  });

  it('toy images have boxes that enclose their masks', () => {
    const [im] = makeToyImages(3, 1, {
      size: 40,
      numClasses: 4,
      objects: [3, 3],
      objectSize: [8, 16],
    });
    expect(im.labels.length).toBe(3);
    im.masks.forEach((m, k) => {
      const [x1, y1, x2, y2] = im.boxes.subarray(k * 4, k * 4 + 4);
      for (let y = 0; y < 40; y++)
        for (let x = 0; x < 40; x++) {
          if (m[y * 40 + x]) {
            expect(x >= x1 && x < x2 && y >= y1 && y < y2).toBe(true);
          }
        }
    });
  });
});

describe('anchor validity', () => {
  it('marks anchors of feature positions inside ceil(padShape / stride)', () => {
    const set = {
      featureSizes: [
        [4, 4],
        [2, 2],
      ] as [number, number][],
      perLevel: [new Float32Array(4 * 4 * 2 * 4), new Float32Array(2 * 2 * 2 * 4)],
      levelStart: [0, 32],
      total: 40,
    };
    const flags = validAnchorFlags(set, [8, 16], 2, [24, 32]);
    // level 0: 3 of 4 rows valid, all 4 columns → 12 positions x 2 anchors
    expect(flags.subarray(0, 32).reduce((a, b) => a + b, 0)).toBe(24);
    expect(Array.from(flags.subarray(24, 32))).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    // level 1: ceil(24/16) = 2 rows, 2 columns → all valid
    expect(flags.subarray(32).reduce((a, b) => a + b, 0)).toBe(8);
  });
});
