// The detector's configuration: its types (one field per setting, named as the objects it builds) and presets.

import { resolveDetectorConfig } from './config-schema.js';

/**
 * A normalization layer (mmdetection's `norm_cfg`): `FrozenBN` is an affine map of fixed
 * statistics (for an ImageNet-pretrained backbone); `BN` trains with batch statistics and keeps
 * running ones for test time; `GN` is group norm (training from scratch, any batch size).
 */
export type NormConfig =
  | { type: 'FrozenBN' }
  | { type: 'BN'; momentum?: number }
  | { type: 'GN'; numGroups: number };

/** ResNet depths the backbone builds (BasicBlock for 18/34, Bottleneck for 50). */
export type ResNetDepth = 18 | 34 | 50;

export interface BackboneConfig {
  depth: ResNetDepth;
  /** Channels of the stem and of layer1's 3x3 convs (torchvision: 64). Scale it down for tiny models. */
  baseChannels: number;
  /**
   * Stages whose parameters are frozen: -1 none, 0 the stem, k the stem and layer1..layerk
   * (mmdetection `frozen_stages`; its Mask R-CNN uses 1).
   */
  frozenStages: number;
  /** Whether the BN affine parameters (gamma, beta) are trained outside frozen stages (mmdetection `requires_grad`). */
  normRequiresGrad: boolean;
  /** Zero-initialise the last BN gamma of every residual block (mmdetection `zero_init_residual`). */
  zeroInitResidual: boolean;
  /** Every norm layer of the backbone (named `bn1`, `downsample.1`, ... whatever its type). */
  norm: NormConfig;
  /**
   * Weights the backbone starts from (mmdetection's `init_cfg=dict(type='Pretrained',
   * checkpoint='torchvision://resnet50')`): a torchvision ImageNet ResNet `.pth`, read by the
   * trainer before training; `null` trains from the initialisation.
   */
  initCfg: { type: 'Pretrained'; checkpoint: string } | null;
}

export interface FpnConfig {
  /** Output channels of every pyramid level. */
  outChannels: number;
  /** Pyramid levels produced: 5 = P2..P6 (P6 by stride-2 max-pool of P5, mmdetection `add_extra_convs=False`). */
  numOuts: number;
  /** A norm after every lateral and output conv (their bias dropped), or none (mmdetection's default). */
  norm: NormConfig | null;
}

export interface AssignerConfig {
  posIouThr: number;
  negIouThr: number;
  minPosIou: number;
  matchLowQuality: boolean;
  /** On a low-quality match, every prior tied with the GT's best IoU gets it (mmdetection `gt_max_assign_all`). */
  gtMaxAssignAll: boolean;
}

export interface SamplerConfig {
  num: number;
  posFraction: number;
  /** Prepend the GT boxes to the proposals before assigning (RoI heads only). */
  addGtAsProposals: boolean;
}

export interface ProposalConfig {
  /** Top-scoring anchors kept per level before NMS. */
  nmsPre: number;
  nmsIouThr: number;
  /** Proposals kept per image after NMS. */
  maxPerImg: number;
  /** Proposals with width or height not above this are dropped. */
  minBboxSize: number;
}

export interface RpnHeadConfig {
  featChannels: number;
  /**
   * `mmdetection`: base anchors as computed, shifted by the configured strides; `torchvision`:
   * base anchors rounded to integers and shifted by `floor(image size / feature size)` per
   * level (torchvision's `AnchorGenerator`).
   */
  anchorStyle: 'mmdetection' | 'torchvision';
  anchorStrides: number[];
  anchorRatios: number[];
  anchorScales: number[];
  assigner: AssignerConfig;
  sampler: SamplerConfig;
  train: ProposalConfig;
  test: ProposalConfig;
  lossClsWeight: number;
  lossBboxWeight: number;
}

export interface BBoxHeadConfig {
  roiSize: number;
  /**
   * mmdetection's `ConvFCBBoxHead` family: `numSharedConvs` 3x3 convs of `convChannels` (with
   * `norm`) then `numSharedFcs` FCs of `fcChannels`; Shared2FC is 0 + 2, Shared4Conv1FC 4 + 1.
   */
  numSharedConvs: number;
  convChannels: number;
  norm: NormConfig | null;
  fcChannels: number;
  numSharedFcs: number;
  /** Delta coder stds (means are 0). */
  targetStds: [number, number, number, number];
  lossBboxWeight: number;
}

export interface MaskHeadConfig {
  roiSize: number;
  numConvs: number;
  convChannels: number;
  /** A norm after each of the `numConvs` convs (their bias dropped), or none. */
  norm: NormConfig | null;
  /** Mask target / prediction size (2 x roiSize: one 2x deconv). */
  maskSize: number;
  lossMaskWeight: number;
}

export interface RoiHeadConfig {
  /** Strides of the feature maps RoIs are pooled from (P2..P5). */
  featStrides: number[];
  samplingRatio: number;
  aligned: boolean;
  /** mmdetection's `finest_scale` of the level mapping. */
  finestScale: number;
  assigner: AssignerConfig;
  sampler: SamplerConfig;
  bbox: BBoxHeadConfig;
  mask: MaskHeadConfig;
}

export interface TestConfig {
  scoreThr: number;
  /** Detections narrower or lower than this (original pixels) are dropped before NMS (torchvision: 1e-2; 0 keeps all). */
  minBboxSize: number;
  nmsIouThr: number;
  maxPerImg: number;
  maskThrBinary: number;
  /** How mask probabilities are pasted into the image: mmdetection's grid sampling or torchvision's `paste_masks_in_image`. */
  maskPaste: 'mmdetection' | 'torchvision';
}

/**
 * Every size and threshold of the model, by the part that reads it (mmdetection's `model`:
 * `backbone`, `neck`, `rpn_head`, `roi_head`, `test_cfg`). The plug-ins (classification loss,
 * task transfers) and the seed are not part of it: they are handed to `MaskRCNN` built.
 */
export interface DetectorConfig {
  /** Foreground classes C (label C is background). */
  numClasses: number;
  backbone: BackboneConfig;
  neck: FpnConfig;
  rpnHead: RpnHeadConfig;
  roiHead: RoiHeadConfig;
  test: TestConfig;
}

/** mmdetection `mask_rcnn_r50_fpn` (1x) with the LVIS test settings (score 1e-4, 300 per image). */
export function r50FpnConfig(numClasses: number): DetectorConfig {
  return {
    numClasses,
    backbone: {
      depth: 50,
      baseChannels: 64,
      frozenStages: 1,
      normRequiresGrad: true,
      zeroInitResidual: true,
      norm: { type: 'FrozenBN' },
      initCfg: null,
    },
    neck: { outChannels: 256, numOuts: 5, norm: null },
    rpnHead: {
      featChannels: 256,
      anchorStyle: 'mmdetection',
      anchorStrides: [4, 8, 16, 32, 64],
      anchorRatios: [0.5, 1, 2],
      anchorScales: [8],
      assigner: {
        posIouThr: 0.7,
        negIouThr: 0.3,
        minPosIou: 0.3,
        matchLowQuality: true,
        gtMaxAssignAll: true,
      },
      sampler: { num: 256, posFraction: 0.5, addGtAsProposals: false },
      train: { nmsPre: 2000, nmsIouThr: 0.7, maxPerImg: 1000, minBboxSize: 0 },
      test: { nmsPre: 1000, nmsIouThr: 0.7, maxPerImg: 1000, minBboxSize: 0 },
      lossClsWeight: 1,
      lossBboxWeight: 1,
    },
    roiHead: {
      featStrides: [4, 8, 16, 32],
      samplingRatio: 0,
      aligned: true,
      finestScale: 56,
      assigner: {
        posIouThr: 0.5,
        negIouThr: 0.5,
        minPosIou: 0.5,
        matchLowQuality: true,
        gtMaxAssignAll: true,
      },
      sampler: { num: 512, posFraction: 0.25, addGtAsProposals: true },
      bbox: {
        roiSize: 7,
        numSharedConvs: 0,
        convChannels: 256,
        norm: null,
        fcChannels: 1024,
        numSharedFcs: 2,
        targetStds: [0.1, 0.1, 0.2, 0.2],
        lossBboxWeight: 1,
      },
      mask: {
        roiSize: 14,
        numConvs: 4,
        convChannels: 256,
        norm: null,
        maskSize: 28,
        lossMaskWeight: 1,
      },
    },
    test: {
      scoreThr: 1e-4,
      minBboxSize: 0,
      nmsIouThr: 0.5,
      maxPerImg: 300,
      maskThrBinary: 0.5,
      maskPaste: 'mmdetection',
    },
  };
}

/**
 * `cfg` with what torchvision's `MaskRCNN` does differently from mmdetection: its anchors
 * (integer base anchors, strides from the feature sizes), RoIAlign without the half-pixel shift and 2 samples per bin, RPN test proposals of
 * `rpn_pre_nms_top_n_test` / `rpn_post_nms_top_n_test` 1000 with min size 1e-3, box score
 * threshold 0.05, boxes under 1e-2 px dropped, 100 detections, torchvision's mask paste. Weights from a torchvision file
 * then give torchvision's outputs.
 */
export function torchvisionCompatible(cfg: DetectorConfig): DetectorConfig {
  return resolveDetectorConfig(
    {
      rpnHead: {
        anchorStyle: 'torchvision',
        test: { nmsPre: 1000, nmsIouThr: 0.7, maxPerImg: 1000, minBboxSize: 1e-3 },
      },
      roiHead: { aligned: false, samplingRatio: 2 },
      test: {
        scoreThr: 0.05,
        minBboxSize: 1e-2,
        nmsIouThr: 0.5,
        maxPerImg: 100,
        maskPaste: 'torchvision',
      },
    },
    cfg,
  );
}

/**
 * The CPU preset: ResNet-18, 64-channel FPN, 128 sampled RoIs, 256-d FCs, 64-channel mask
 * convs; sized for ~128 px images so a few hundred steps run in minutes on 2 cores.
 */
export function cpuPresetConfig(numClasses: number): DetectorConfig {
  return resolveDetectorConfig(
    {
      backbone: { depth: 18, frozenStages: -1 },
      neck: { outChannels: 64 },
      rpnHead: {
        featChannels: 64,
        train: { nmsPre: 1000, maxPerImg: 500 },
        test: { nmsPre: 500, maxPerImg: 500 },
      },
      roiHead: {
        sampler: { num: 128 },
        bbox: { fcChannels: 256 },
        mask: { convChannels: 64 },
      },
    },
    r50FpnConfig(numClasses),
  );
}

/** torchvision's `maskrcnn_resnet50_fpn` layout on a ResNet-18 (256-ch FPN, 1024-d FCs, 256-ch mask convs). */
export function r18FpnConfig(numClasses: number): DetectorConfig {
  return resolveDetectorConfig({ backbone: { depth: 18 } }, r50FpnConfig(numClasses));
}

/** Presets by the names the trainer's configs use (`model.preset`). */
export const detectorPresets: Record<string, (numClasses: number) => DetectorConfig> = {
  mask_rcnn_r50_fpn: r50FpnConfig,
  mask_rcnn_r18_fpn: r18FpnConfig,
  mask_rcnn_r18_fpn_cpu: cpuPresetConfig,
  mask_rcnn_r50_fpn_torchvision: (c) => torchvisionCompatible(r50FpnConfig(c)),
};

/** The preset `name` for `numClasses` classes; an unknown name is an error listing the known ones. */
export function detectorPreset(name: string, numClasses: number): DetectorConfig {
  const make = detectorPresets[name];
  if (!make) {
    throw new Error(
      `unknown detector preset '${name}'. Known presets: ${Object.keys(detectorPresets).join(', ')}`,
    );
  }
  return make(numClasses);
}
