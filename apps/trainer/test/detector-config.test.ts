import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { toDetectorConfig } from '../src/run/detector-config.js';

const REPO = resolve(__dirname, '../../..');

describe('trainer config → @crat/detector config', () => {
  it('maps the LVIS R50 preset with its loss, transfers and test settings', async () => {
    const { config } = await loadConfig(
      'configs/lvis/mask_rcnn_r50_fpn_seesaw_crat_1x_lvis_v1.ts',
      { cwd: REPO },
    );
    const d = toDetectorConfig(config);
    expect(d.numClasses).toBe(1203);
    expect(d.backbone).toMatchObject({ depth: 50, frozenStages: 1 });
    expect(d.fpn.outChannels).toBe(256);
    expect(d.rpn.sampler).toMatchObject({ num: 256, posFraction: 0.5 });
    expect(d.roiHead.sampler).toMatchObject({ num: 512, posFraction: 0.25 });
    expect(d.roiHead.bbox.loss).toEqual({ type: 'seesaw' });
    expect(d.transfers).toEqual({ bbox: [{ type: 'crat-bbox' }], mask: [{ type: 'crat-mask' }] });
    expect(d.test).toEqual({ scoreThr: 1e-4, nmsIouThr: 0.5, maxPerImg: 300, maskThrBinary: 0.5 });
  });

  it('applies the CPU preset overrides and the class counts, and names bad fields', async () => {
    const { config } = await loadConfig('configs/synth/eqlv2.ts', {
      cwd: REPO,
      cfgOptions: ['model.neck.outChannels=32', 'model.roi.maskRoiOutputSize=7', 'seed=5'],
    });
    const counts = Array.from({ length: config.model.numClasses }, (_, i) => i + 1);
    const d = toDetectorConfig(config, counts);
    expect(d.backbone.depth).toBe(18);
    expect(d.fpn.outChannels).toBe(32);
    expect(d.rpn.featChannels).toBe(32);
    expect(d.roiHead.mask).toMatchObject({ roiSize: 7, maskSize: 14, convChannels: 64 });
    expect(d.roiHead.bbox.fcChannels).toBe(256);
    expect(d.classInstanceCounts).toEqual(counts);
    expect(d.seed).toBe(5);
    expect(() => toDetectorConfig(config, [1, 2])).toThrow(
      /numClasses is 40 but the training set has 2/,
    );
    const bad = (
      await loadConfig('configs/synth/eqlv2.ts', {
        cwd: REPO,
        cfgOptions: ['model.backbone.depth=101'],
      })
    ).config;
    expect(() => toDetectorConfig(bad)).toThrow(/model\.backbone\.depth: 101/);
  });
});
