import {
  type DeepPartial,
  type DetectorConfig,
  detectorPreset,
  resolveDetectorConfig,
} from '@crat/detector';
import type { CratConfig } from '../config/schema.js';

export class ModelConfigError extends Error {
  override name = 'ModelConfigError';
}

/**
 * The detector configuration a trainer config asks for: the `model.preset` with the
 * config's overrides, the loss and transfer plug-ins, the test settings and the seed.
 * `classInstanceCounts` (training instances per class) goes to losses that need it.
 */
export function toDetectorConfig(cfg: CratConfig, classInstanceCounts?: number[]): DetectorConfig {
  const m = cfg.model;
  if (!m.withMask) {
    throw new ModelConfigError(
      'model.withMask: false is not supported by @crat/detector (Mask R-CNN only)',
    );
  }
  if (m.backbone.depth === 101) {
    throw new ModelConfigError(
      'model.backbone.depth: 101 is not built by @crat/detector (18, 34 or 50)',
    );
  }
  if (classInstanceCounts && classInstanceCounts.length !== m.numClasses) {
    throw new ModelConfigError(
      `model.numClasses is ${m.numClasses} but the training set has ${classInstanceCounts.length} categories`,
    );
  }
  const base = detectorPreset(m.preset, m.numClasses);
  const o: DeepPartial<DetectorConfig> = {
    numClasses: m.numClasses,
    seed: cfg.seed,
    backbone: defined({
      depth: m.backbone.depth,
      frozenStages: m.backbone.frozenStages,
      baseChannels: m.backbone.baseWidth,
    }),
    fpn: defined({ outChannels: m.neck.outChannels, numOuts: m.neck.numOuts }),
    rpn: defined({
      // mmdetection's RPN head convolves at the FPN width.
      featChannels: m.neck.outChannels,
      anchorScales: m.rpn.anchorScales,
      anchorRatios: m.rpn.anchorRatios,
      anchorStrides: m.rpn.anchorStrides,
      sampler: defined({ num: m.rpn.samplerNum, posFraction: m.rpn.samplerPosFraction }),
      train: defined({
        nmsPre: m.rpn.preNmsTopKTrain,
        maxPerImg: m.rpn.maxPerImgTrain,
        nmsIouThr: m.rpn.nmsIou,
      }),
      test: defined({
        nmsPre: m.rpn.preNmsTopKTest,
        maxPerImg: m.rpn.maxPerImgTest,
        nmsIouThr: m.rpn.nmsIou,
      }),
    }),
    roiHead: {
      sampler: defined({ num: m.roi.samplerNum, posFraction: m.roi.samplerPosFraction }),
      bbox: {
        ...defined({ fcChannels: m.roi.fcChannels, roiSize: m.roi.roiOutputSize }),
        loss: { ...cfg.loss },
      },
      mask: defined({
        roiSize: m.roi.maskRoiOutputSize,
        maskSize: m.roi.maskRoiOutputSize === undefined ? undefined : 2 * m.roi.maskRoiOutputSize,
        numConvs: m.roi.numMaskConvs,
        convChannels: m.roi.maskConvChannels,
      }),
    },
    test: {
      scoreThr: cfg.testCfg.scoreThr,
      nmsIouThr: cfg.testCfg.nmsIou,
      maxPerImg: cfg.testCfg.maxPerImg,
      maskThrBinary: cfg.testCfg.maskThr,
    },
    transfers: {
      bbox: cfg.transfers.filter((t) => t.branch === 'bbox').map(({ branch: _b, ...t }) => t),
      mask: cfg.transfers.filter((t) => t.branch === 'mask').map(({ branch: _b, ...t }) => t),
    },
    ...(classInstanceCounts ? { classInstanceCounts } : {}),
  };
  try {
    return resolveDetectorConfig(o, base);
  } catch (err) {
    throw new ModelConfigError(`model: ${(err as Error).message}`);
  }
}

/** Drop undefined fields, so the preset's values stay where the config says nothing. */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
