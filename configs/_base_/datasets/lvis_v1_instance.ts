import { defineConfig } from '@crat/trainer';

// mmdetection's LVIS v1 instance recipe: multi-scale training over short edges 640..800
// (long edge 1333), flip 0.5, test at 1333x800, repeat-factor sampling with threshold 0.001.
export default defineConfig({
  dataset: {
    type: 'lvis',
    train: { annFile: 'data/lvis_v1/annotations/lvis_v1_train.json', imgDir: 'data/coco' },
    val: { annFile: 'data/lvis_v1/annotations/lvis_v1_val.json', imgDir: 'data/coco' },
  },
  pipeline: {
    train: {
      scales: [
        [1333, 640],
        [1333, 672],
        [1333, 704],
        [1333, 736],
        [1333, 768],
        [1333, 800],
      ],
      scaleMode: 'value',
      keepRatio: true,
      flipRatio: 0.5,
    },
    test: { scale: [1333, 800], keepRatio: true },
    mean: [123.675, 116.28, 103.53],
    std: [58.395, 57.12, 57.375],
    padDivisor: 32,
  },
  data: { batchSize: 2, workers: 2, prefetch: 2 },
  sampler: { type: 'repeat-factor', threshold: 0.001 },
  evaluation: { metrics: ['bbox', 'segm'] },
});
