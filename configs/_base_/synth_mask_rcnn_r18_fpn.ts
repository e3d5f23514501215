import { defineConfig } from '@crat/trainer';

// Everything but the loss for the synthetic-set presets in configs/synth/.
export default defineConfig({
  _base_: [
    './models/mask_rcnn_r18_fpn_cpu.ts',
    './datasets/synth_lvis.ts',
    './schedules/schedule_synth_cpu.ts',
    './default_runtime.ts',
  ],
  // Test time sized for 128 px images holding 1-6 objects: the mask head runs once per kept
  // detection (~0.9 ms each on 2 wasm cores), so LVIS's 300 per image made evaluation ~3x
  // slower for detections that cannot be right; 100 (COCO's) and 150 proposals keep AP.
  model: { rpnHead: { test: { nmsPre: 400, maxPerImg: 150 } }, test: { maxPerImg: 100 } },
});
