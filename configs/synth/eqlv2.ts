import { defineConfig } from '@crat/trainer';

export default defineConfig({
  _base_: ['../_base_/synth_mask_rcnn_r18_fpn.ts'],
  loss: { type: 'eqlv2' },
});
