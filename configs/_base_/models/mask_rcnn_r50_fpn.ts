import { defineConfig } from '@crat/trainer';

// mmdetection's Mask R-CNN R50-FPN with the LVIS v1 head size (1203 classes). Field names are
// @crat/detector's (mmdetection's model: backbone, neck, rpn_head, roi_head, test_cfg); the
// LVIS test settings (score 1e-4, per-class NMS 0.5, 300 detections) are the preset's. The
// backbone starts from torchvision's ImageNet ResNet-50 as mmdetection's does: put
// resnet50-0676ba61.pth in data/pretrain_models/ (or torch's hub cache), nothing is downloaded.
export default defineConfig({
  model: {
    preset: 'mask_rcnn_r50_fpn',
    numClasses: 1203,
    backbone: {
      depth: 50,
      frozenStages: 1,
      initCfg: { type: 'Pretrained', checkpoint: 'torchvision://resnet50' },
    },
    neck: { outChannels: 256, numOuts: 5 },
    rpnHead: {
      featChannels: 256,
      anchorScales: [8],
      anchorRatios: [0.5, 1, 2],
      anchorStrides: [4, 8, 16, 32, 64],
      sampler: { num: 256, posFraction: 0.5 },
      train: { nmsPre: 2000, nmsIouThr: 0.7, maxPerImg: 1000 },
      test: { nmsPre: 1000, nmsIouThr: 0.7, maxPerImg: 1000 },
    },
    roiHead: {
      sampler: { num: 512, posFraction: 0.25 },
      bbox: { roiSize: 7, fcChannels: 1024 },
      mask: { roiSize: 14, maskSize: 28, numConvs: 4, convChannels: 256 },
    },
    test: { scoreThr: 1e-4, nmsIouThr: 0.5, maxPerImg: 300, maskThrBinary: 0.5 },
  },
});
