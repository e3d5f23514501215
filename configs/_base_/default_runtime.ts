import { defineConfig } from '@crat/trainer';

// LVIS test-time settings (score threshold 1e-4, per-class NMS 0.5, 300 detections per image).
export default defineConfig({
  seed: 0,
  backend: 'auto',
  testCfg: { scoreThr: 1e-4, nmsIou: 0.5, maxPerImg: 300, maskThr: 0.5 },
});
