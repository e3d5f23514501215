import { defineConfig } from '@crat/trainer';

// The CPU-sized Mask R-CNN (half-width ResNet-18, 64-channel FPN, 128 RoIs, 256-d FC,
// 64-channel mask convs) for the synthetic set: trains in minutes on 2 cores.
// Half width (stages 32-64-128-256): at 128 px the last stage sees 4x4 maps, and its
// 512-channel filters cost far more per step (XNNPACK repacks every updated filter, ~20 ms
// for a 3x3x512x512 one) than their arithmetic; measured 1.15 -> 0.79 s per step of 2 images
// (2 cores, wasm), 12.5 M -> 4.1 M parameters.
// Field names are @crat/detector's (mmdetection's model: backbone, neck, rpn_head, roi_head).
export default defineConfig({
  model: {
    preset: 'mask_rcnn_r18_fpn_cpu',
    numClasses: 40,
    backbone: { depth: 18, baseChannels: 32, frozenStages: -1 },
    neck: { outChannels: 64, numOuts: 5 },
    rpnHead: {
      sampler: { num: 256, posFraction: 0.5 },
      train: { nmsPre: 1000, maxPerImg: 500 },
      test: { nmsPre: 500, maxPerImg: 300 },
    },
    roiHead: {
      sampler: { num: 128, posFraction: 0.25 },
      bbox: { fcChannels: 256 },
      mask: { numConvs: 4, convChannels: 64 },
    },
  },
});
