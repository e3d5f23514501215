import { defineConfig } from '@crat/trainer';

// Box-only CRAT on EQLv2: the transfer on the box-regression layer alone, published constants.
export default defineConfig({
  _base_: ['../_base_/synth_mask_rcnn_r18_fpn.ts'],
  loss: { type: 'eqlv2' },
  transfers: [{ type: 'crat-bbox', branch: 'bbox' }],
});
