import { defineConfig } from '@crat/trainer';

// Sized for `pnpm train` on 2 CPU cores: iteration-based, short warm-up, two lr steps.
export default defineConfig({
  optimizer: {
    type: 'sgd',
    lr: 0.02,
    momentum: 0.9,
    weightDecay: 1e-4,
    gradClip: { maxNorm: 35 },
    accumulationSteps: 1,
  },
  schedule: {
    by: 'iter',
    length: 1500,
    warmup: { type: 'linear', iters: 100, ratio: 0.001 },
    policy: { type: 'step', milestones: [1100, 1400], gamma: 0.1 },
  },
  checkpoint: { interval: 250, maxKeep: 2 },
  evaluation: { interval: 1500 },
  log: { interval: 20 },
});
