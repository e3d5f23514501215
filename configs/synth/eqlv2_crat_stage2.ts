import { defineConfig } from '@crat/trainer';

// Decoupled stage 2 on the synthetic set: from `pnpm train`'s EQLv2 + CRAT checkpoint,
// re-train the class-wise layers with class-aware sampling, everything else frozen.
export default defineConfig({
  _base_: ['./eqlv2_crat.ts'],
  loadFrom: 'work_dirs/eqlv2_crat',
  trainable: [
    'roi_head.bbox_head.fc_cls.*',
    'roi_head.bbox_head.fc_reg.*',
    'roi_head.mask_head.conv_logits.*',
  ],
  sampler: { type: 'class-aware' },
  schedule: {
    by: 'iter',
    length: 300,
    warmup: null,
    policy: { type: 'step', milestones: [200], gamma: 0.1 },
  },
  evaluation: { interval: 300 },
});
