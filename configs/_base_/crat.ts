import { defineConfig } from '@crat/trainer';

// CRAT on both class-wise branches with the plug-in's published defaults (box weight
// 0.001, mask weight 0.01, EMA momentum 0.01, temperature 0.05); options such as `mode`
// or `weight` go beside `type`.
export default defineConfig({
  transfers: [
    { type: 'crat', branch: 'bbox' },
    { type: 'crat', branch: 'mask' },
  ],
});
