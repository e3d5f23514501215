// Test helper: the tiny detector (ResNet-18 at 8 base channels, 16-channel FPN) and the 64 px
// toy images that the model tests train and overfit on, on every backend.
import { type DetectorConfig, r50FpnConfig } from '../../src/config.js';
import { resolveDetectorConfig } from '../../src/config-schema.js';

export const SIZE = 64;
export const C = 3;
export const toyOpts = {
  size: SIZE,
  numClasses: C,
  objects: [1, 3] as [number, number],
  objectSize: [14, 30] as [number, number],
};

export function tinyConfig(overrides: Partial<{ numClasses: number }> = {}): DetectorConfig {
  const c = overrides.numClasses ?? C;
  return resolveDetectorConfig(
    {
      numClasses: c,
      backbone: { depth: 18, baseChannels: 8, frozenStages: -1 },
      neck: { outChannels: 16 },
      rpnHead: {
        featChannels: 16,
        train: { nmsPre: 300, maxPerImg: 100 },
        test: { nmsPre: 300, maxPerImg: 100 },
      },
      roiHead: {
        sampler: { num: 64 },
        bbox: { fcChannels: 64 },
        mask: { convChannels: 16, numConvs: 2 },
      },
      test: { maxPerImg: 50 },
    },
    r50FpnConfig(c),
  );
}
