import { defineConfig } from '@crat/trainer';

// The CPU-sized Mask R-CNN (ResNet-18, 64-channel FPN, 128 RoIs, 256-d FC, 64-channel
// mask convs) for the synthetic set: trains in minutes on 2 cores.
export default defineConfig({
  model: {
    preset: 'mask_rcnn_r18_fpn_cpu',
    numClasses: 40,
    withMask: true,
    backbone: { depth: 18, frozenStages: -1, normEval: true },
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
