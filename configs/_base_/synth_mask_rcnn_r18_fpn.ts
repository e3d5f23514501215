import { defineConfig } from '@crat/trainer';

// Everything but the loss for the synthetic-set presets in configs/synth/.
export default defineConfig({
  _base_: [
    './models/mask_rcnn_r18_fpn_cpu.ts',
    './datasets/synth_lvis.ts',
    './schedules/schedule_synth_cpu.ts',
    './default_runtime.ts',
  ],
});
