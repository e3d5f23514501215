import { defineConfig } from '@crat/trainer';

// mmdetection's Mask R-CNN R50-FPN with the LVIS v1 head size (1203 classes).
export default defineConfig({
  model: {
    preset: 'mask_rcnn_r50_fpn',
    numClasses: 1203,
    withMask: true,
    backbone: { depth: 50, frozenStages: 1, normEval: true },
    neck: { outChannels: 256, numOuts: 5 },
    rpn: {
      anchorScales: [8],
      anchorRatios: [0.5, 1, 2],
      anchorStrides: [4, 8, 16, 32, 64],
      samplerNum: 256,
      samplerPosFraction: 0.5,
      nmsIou: 0.7,
      preNmsTopKTrain: 2000,
      maxPerImgTrain: 1000,
      preNmsTopKTest: 1000,
      maxPerImgTest: 1000,
    },
    roi: {
      samplerNum: 512,
      samplerPosFraction: 0.25,
      fcChannels: 1024,
      roiOutputSize: 7,
      maskRoiOutputSize: 14,
      numMaskConvs: 4,
      maskConvChannels: 256,
    },
  },
});
