import { defineConfig } from '@crat/trainer';

// mmdetection 1x: 12 epochs, lr x0.1 after epochs 8 and 11, SGD lr 0.02 for batch 16
// (2 images x 8 accumulated steps here), linear warm-up over 500 iterations from 0.001.
export default defineConfig({
  optimizer: {
    type: 'sgd',
    lr: 0.02,
    momentum: 0.9,
    weightDecay: 1e-4,
    gradClip: null,
    accumulationSteps: 8,
  },
  schedule: {
    by: 'epoch',
    length: 12,
    warmup: { type: 'linear', iters: 500, ratio: 0.001 },
    policy: { type: 'step', milestones: [8, 11], gamma: 0.1 },
  },
  checkpoint: { interval: 1, maxKeep: 3 },
  evaluation: { interval: 12 },
  log: { interval: 50 },
});
