import { defineConfig } from '@crat/trainer';

// Everything but the loss for the LVIS v1 presets in configs/lvis/.
export default defineConfig({
  _base_: [
    './models/mask_rcnn_r50_fpn.ts',
    './datasets/lvis_v1_instance.ts',
    './schedules/schedule_1x.ts',
    './default_runtime.ts',
  ],
});
