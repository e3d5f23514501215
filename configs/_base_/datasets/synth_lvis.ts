import { defineConfig } from '@crat/trainer';

// The synthetic long-tailed set from `@crat/lvis-synth` (128x128 images, 40 classes: 8 shape
// families x 5 looks; LVIS v1 layout with images in train2017/ and val2017/). `crat train`
// generates it under data/synth when it is missing, with a 300-image `minival` split.
export default defineConfig({
  dataset: {
    type: 'synth',
    train: { annFile: 'data/synth/annotations/lvis_v1_train.json', imgDir: 'data/synth/train2017' },
    val: { annFile: 'data/synth/annotations/lvis_v1_val.json', imgDir: 'data/synth/val2017' },
    // Held back for recipe and model choices (`evaluation.split=minival`); val is what the
    // README reports and is never used to choose.
    minival: {
      annFile: 'data/synth/annotations/lvis_v1_minival.json',
      imgDir: 'data/synth/minival2017',
    },
    synth: { outDir: 'data/synth', seed: 0 },
  },
  pipeline: {
    train: { scales: [[128, 128]], scaleMode: 'value', keepRatio: true, flipRatio: 0.5 },
    test: { scale: [128, 128], keepRatio: true },
    padDivisor: 32,
  },
  data: { batchSize: 2, workers: 1, prefetch: 4 },
  sampler: { type: 'repeat-factor', threshold: 0.001 },
  evaluation: { metrics: ['bbox', 'segm'] },
});
