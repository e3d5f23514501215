// Construction of Mask R-CNN's parts from a config: parameters initialised in a fixed order
// from the seed, the default plug-ins where none are given.

import { type ClassificationLoss, classificationLosses, type TaskTransfer } from '@crat/core';
import { Fpn } from './backbone/fpn.js';
import { ResNet } from './backbone/resnet.js';
import type { DetectorConfig } from './config.js';
import { validateDetectorConfig } from './config-schema.js';
import './losses/cross-entropy.js';
import { Rng } from '@crat/core';
import { ParamStore } from './params.js';
import { StandardRoIHead } from './roi/standard-roi-head.js';
import { RpnHead } from './rpn/rpn-head.js';

/** What a `MaskRCNN` is built with besides its config: the plug-ins (built) and the seed. */
export interface MaskRcnnOptions {
  /** The bbox head's classification loss; softmax cross-entropy when omitted. */
  classificationLoss?: ClassificationLoss;
  /** Task-transfer plug-ins of the class-wise branches (each names its `branch`). */
  transfers?: TaskTransfer[];
  /** Seed of parameter initialisation and of the RPN / RoI samplers (default 0). */
  seed?: number;
  /**
   * Prefix of the TF.js variable names (`${scope}/${paramName}`), which key the optimizer's
   * momentum buffers: give it a fixed value when those buffers are checkpointed. It must be
   * unique among live models; default `maskrcnn<n>`.
   */
  scope?: string;
}

/** The parts `MaskRCNN` composes. */
export interface MaskRcnnParts {
  params: ParamStore;
  backbone: ResNet;
  neck: Fpn;
  rpnHead: RpnHead;
  roiHead: StandardRoIHead;
  /** Draws the RPN and RoI samples; its state is checkpointed. */
  samplerRng: Rng;
}

let modelCounter = 0;

/** Validates `config` and builds every part (backbone, neck, RPN head, RoI head: the parameter order). */
export function buildMaskRcnn(
  config: DetectorConfig,
  options: MaskRcnnOptions = {},
): MaskRcnnParts {
  validateDetectorConfig(config);
  const c = config.numClasses;
  const seed = options.seed ?? 0;
  const classificationLoss =
    options.classificationLoss ??
    classificationLosses.create({ type: 'cross-entropy' }, { numClasses: c });
  if (classificationLoss.numLogits < c + 1) {
    throw new Error(
      `classification loss '${classificationLoss.type}' has ${classificationLoss.numLogits} logits for ${c} classes (needs at least C + 1)`,
    );
  }
  const params = new ParamStore(new Rng(seed), options.scope ?? `maskrcnn${modelCounter++}`);
  const backbone = new ResNet(params, config.backbone);
  const neck = new Fpn(params, backbone.outChannels, config.neck);
  const rpnHead = new RpnHead(params, config.neck.outChannels, config.rpnHead);
  const roiHead = new StandardRoIHead(
    params,
    config.neck.outChannels,
    c,
    config.roiHead,
    classificationLoss,
    options.transfers ?? [],
  );
  return {
    params,
    backbone,
    neck,
    rpnHead,
    roiHead,
    samplerRng: new Rng((seed ^ 0x5eed5eed) >>> 0),
  };
}
