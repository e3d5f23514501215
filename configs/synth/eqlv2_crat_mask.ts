import { defineConfig } from '@crat/trainer';

// Mask-only CRAT on EQLv2: with no box transfer to borrow class weights from, the mask transfer
// builds them from the mask branch's own Fisher statistics (`weightsFrom: 'mask'`).
export default defineConfig({
  _base_: ['../_base_/synth_mask_rcnn_r18_fpn.ts'],
  loss: { type: 'eqlv2' },
  transfers: [{ type: 'crat-mask', branch: 'mask', weightsFrom: 'mask' }],
});
