// Registers @crat/detector's Mask R-CNN as the trainer's detector (side-effect import).
import { loadWeights, MaskRCNN, saveWeights, toLvisResults } from '@crat/detector';
import {
  type DetectorBackend,
  type DetectorModel,
  registerDetectorBackend,
} from './detector-api.js';
import { toDetectorConfig } from './detector-config.js';

export const maskRcnnBackend: DetectorBackend = {
  weightsFileName: 'model.safetensors',
  create: (cfg, counts) => new MaskRCNN(toDetectorConfig(cfg, counts)) satisfies DetectorModel,
  saveWeights: (model, path) => saveWeights(model as unknown as MaskRCNN, path),
  loadWeights: async (model, path) => {
    await loadWeights(model as unknown as MaskRCNN, path);
  },
  toLvisResults,
};

registerDetectorBackend(maskRcnnBackend);
