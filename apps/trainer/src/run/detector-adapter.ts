// Registers @crat/detector's Mask R-CNN as the trainer's detector (side-effect import): the
// config's `model` is the detector's config, and `loss` / `transfers` are built here through
// the plug-in registries.

import { classificationLosses, taskTransfers } from '@crat/core';
import {
  type DetectorConfig,
  loadTorchWeights,
  loadWeights,
  MaskRCNN,
  saveWeights,
  toLvisResults,
} from '@crat/detector';
import type { CratConfig } from '../config/schema.js';
import { type DetectorBackend, registerDetectorBackend } from './detector-api.js';

export class ModelConfigError extends Error {
  override name = 'ModelConfigError';
}

/** The detector config of a trainer config: its `model` tree without the preset's name. */
export function detectorConfigOf(cfg: CratConfig): DetectorConfig {
  const { preset: _preset, ...model } = cfg.model;
  return model;
}

/**
 * Mask R-CNN for a trainer config: its classification loss (`loss`, given the per-class
 * training counts) and task transfers (`transfers`, every bbox one before any mask one: the
 * order of their checkpointed state) built from the registries, initialised from `seed`.
 */
export function maskRcnnForConfig(cfg: CratConfig, classInstanceCounts?: number[]): MaskRCNN {
  const c = cfg.model.numClasses;
  if (classInstanceCounts && classInstanceCounts.length !== c) {
    throw new ModelConfigError(
      `model.numClasses is ${c} but the training set has ${classInstanceCounts.length} categories`,
    );
  }
  const classificationLoss = classificationLosses.create(
    cfg.loss,
    { numClasses: c, ...(classInstanceCounts ? { classInstanceCounts } : {}) },
    'loss',
  );
  const transfers = (['bbox', 'mask'] as const).flatMap((branch) =>
    cfg.transfers
      .map((t, i) => ({ t, i }))
      .filter(({ t }) => t.branch === branch)
      .map(({ t: { branch: _b, ...plugin }, i }) =>
        taskTransfers.create(plugin, { numClasses: c, branch }, `transfers.${i}`),
      ),
  );
  return new MaskRCNN(detectorConfigOf(cfg), { classificationLoss, transfers, seed: cfg.seed });
}

export const maskRcnnBackend: DetectorBackend<MaskRCNN> = {
  weightsFileName: 'model.safetensors',
  create: maskRcnnForConfig,
  saveWeights: (model, path) => saveWeights(model, path),
  // A `.pth` is read as PyTorch's (mmdetection or torchvision names; an ImageNet ResNet fills
  // the backbone only); anything else is our safetensors.
  loadWeights: async (model, path) => {
    if (/\.(pth|pt)$/.test(path)) await loadTorchWeights(model, path);
    else await loadWeights(model, path);
  },
  toLvisResults,
};

registerDetectorBackend(maskRcnnBackend);
