// A trainer config's `model` is @crat/detector's config tree (names down to the layer), its
// `loss` and `transfers` the plug-ins the adapter builds; bad fields name the field and the file.
import { resolve } from 'node:path';
import { initBackend } from '@crat/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import '../src/run/plugins.js';
import { detectorConfigOf, maskRcnnForConfig } from '../src/run/detector-adapter.js';

const REPO = resolve(__dirname, '../../..');

beforeAll(async () => {
  await initBackend('cpu');
});

describe('trainer config → @crat/detector', () => {
  it('expands the LVIS R50 preset under the config, with the detector names and test settings', async () => {
    const { config } = await loadConfig(
      'configs/lvis/mask_rcnn_r50_fpn_seesaw_crat_1x_lvis_v1.ts',
      { cwd: REPO },
    );
    const d = detectorConfigOf(config);
    expect(d.numClasses).toBe(1203);
    expect(d.backbone).toMatchObject({ depth: 50, frozenStages: 1 });
    expect(d.neck.outChannels).toBe(256);
    expect(d.rpnHead.sampler).toMatchObject({ num: 256, posFraction: 0.5 });
    expect(d.roiHead.sampler).toMatchObject({ num: 512, posFraction: 0.25 });
    expect(d.test).toEqual({
      scoreThr: 1e-4,
      minBboxSize: 0,
      nmsIouThr: 0.5,
      maxPerImg: 300,
      maskThrBinary: 0.5,
      maskPaste: 'mmdetection',
    });
    expect(config.loss).toEqual({ type: 'seesaw' });
    expect(config.transfers.map((t) => t.type)).toEqual(['crat-bbox', 'crat-mask']);
  });

  it('applies overrides by the detector names and builds the plug-ins with the class counts', async () => {
    const { config } = await loadConfig('configs/synth/eqlv2_crat.ts', {
      cwd: REPO,
      cfgOptions: [
        'model.neck.outChannels=32',
        'model.rpnHead.featChannels=32',
        'model.roiHead.mask.roiSize=7',
        'model.roiHead.mask.maskSize=14',
        'seed=5',
      ],
    });
    const d = detectorConfigOf(config);
    expect(d.backbone.depth).toBe(18);
    expect(d.neck.outChannels).toBe(32);
    expect(d.roiHead.mask).toMatchObject({ roiSize: 7, maskSize: 14, convChannels: 64 });
    expect(d.roiHead.bbox.fcChannels).toBe(256);
    expect(d.rpnHead.test).toMatchObject({ nmsPre: 400, maxPerImg: 150 });
    expect(d.test.maxPerImg).toBe(100);
    const counts = Array.from({ length: d.numClasses }, (_, i) => i + 1);
    const model = maskRcnnForConfig(config, counts);
    try {
      expect(model.classificationLoss.type).toBe('eqlv2');
      expect(model.transfers.map((t) => `${t.type}/${t.branch}`)).toEqual([
        'crat-bbox/bbox',
        'crat-mask/mask',
      ]);
    } finally {
      model.dispose();
    }
    expect(() => maskRcnnForConfig(config, [1, 2])).toThrow(
      /numClasses is 40 but the training set has 2/,
    );
  });

  it('rejects what nothing builds or reads, naming the field and the file that set it', async () => {
    const at = (o: string) =>
      loadConfig('configs/synth/eqlv2.ts', { cwd: REPO, cfgOptions: [o] }).catch(
        (e: Error) => e.message,
      );
    expect(await at('model.backbone.depth=101')).toMatch(
      /--cfg-options: model\.backbone\.depth: Invalid option: expected one of 18\|34\|50/,
    );
    expect(await at('model.backbone.normEval=true')).toMatch(
      /--cfg-options: model\.backbone\.normEval: unknown field/,
    );
    expect(await at('model.roi.samplerNum=64')).toMatch(/model\.roi: unknown field/);
    expect(await at('model.roiHead.mask.roiSize=7')).toMatch(
      /model\.roiHead\.mask\.maskSize: must be 2 x roiHead\.mask\.roiSize/,
    );
    expect(await at('model.preset=nope')).toMatch(
      /--cfg-options: model\.preset: unknown detector preset 'nope'/,
    );
    expect(await at('pipeline.toRgb=true')).toMatch(/pipeline\.toRgb: unknown field/);
  });
});
