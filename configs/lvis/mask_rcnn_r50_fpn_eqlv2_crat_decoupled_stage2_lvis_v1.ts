import { defineConfig } from '@crat/trainer';

// Decoupled training, stage 2: start from the stage-1 EQLv2 + CRAT checkpoint and
// re-train only the class-wise layers (classifier, box regression and mask logits, which
// CRAT acts on) with class-aware sampling; backbone, FPN, RPN and the shared heads stay
// frozen. Swap the sampler for `{ type: 'repeat-factor', threshold: 0.001 }` to compare.
export default defineConfig({
  _base_: ['./mask_rcnn_r50_fpn_eqlv2_crat_1x_lvis_v1.ts'],
  loadFrom: 'work_dirs/mask_rcnn_r50_fpn_eqlv2_crat_1x_lvis_v1',
  trainable: [
    'roi_head.bbox_head.fc_cls.*',
    'roi_head.bbox_head.fc_reg.*',
    'roi_head.mask_head.conv_logits.*',
  ],
  sampler: { type: 'class-aware' },
  schedule: {
    by: 'epoch',
    length: 12,
    warmup: { type: 'linear', iters: 500, ratio: 0.001 },
    policy: { type: 'step', milestones: [8, 11], gamma: 0.1 },
  },
});
