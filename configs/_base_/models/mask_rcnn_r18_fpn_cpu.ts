import { defineConfig } from '@crat/trainer';

// The CPU-sized Mask R-CNN (half-width ResNet-18, 64-channel FPN, 128 RoIs, 256-d FC,
// 64-channel mask convs) for the synthetic set: trains in minutes on 2 cores.
// Half width (stages 32-64-128-256): at 128 px the last stage sees 4x4 maps, and its
// 512-channel filters cost far more per step (XNNPACK repacks every updated filter, ~20 ms
// for a 3x3x512x512 one) than their arithmetic; measured 1.15 -> 0.79 s per step of 2 images
// (2 cores, wasm), 12.5 M -> 4.1 M parameters.
export default defineConfig({
  model: {
    preset: 'mask_rcnn_r18_fpn_cpu',
    numClasses: 40,
    withMask: true,
    backbone: { depth: 18, baseWidth: 32, frozenStages: -1, normEval: true },
    neck: { outChannels: 64, numOuts: 5 },
    rpn: {
      samplerNum: 256,
      samplerPosFraction: 0.5,
      preNmsTopKTrain: 1000,
      maxPerImgTrain: 500,
      preNmsTopKTest: 500,
      maxPerImgTest: 300,
    },
    roi: {
      samplerNum: 128,
      samplerPosFraction: 0.25,
      fcChannels: 256,
      numMaskConvs: 4,
      maskConvChannels: 64,
    },
  },
});
