import { defineConfig } from '@crat/trainer';

// CRAT on both class-wise branches (`@crat/crat-transfuse`) with the published constants:
// box weight 0.001, mask weight 0.01, EMA momentum 0.01, temperature 0.05. Options go beside
// `type`, e.g. `{ type: 'crat-bbox', branch: 'bbox', mode: 'reference' }` (modes: reference,
// exact, exact-fisher).
export default defineConfig({
  transfers: [
    { type: 'crat-bbox', branch: 'bbox' },
    { type: 'crat-mask', branch: 'mask' },
  ],
});
