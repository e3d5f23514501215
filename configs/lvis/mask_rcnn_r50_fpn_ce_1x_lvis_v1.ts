import { defineConfig } from '@crat/trainer';

export default defineConfig({
  _base_: ['../_base_/lvis_v1_mask_rcnn_r50_fpn_1x.ts'],
  loss: { type: 'cross-entropy' },
});
