// Public API of @crat/data.

export { flipRowsInPlace, paintResizedMask, resizeNearest } from './bitmaps.js';
export { flipBoxesHorizontal, scaleAndClipBoxes, xywhToXyxy } from './boxes.js';
export { type Batch, collateSamples } from './collate.js';
export { DataLoader, type DataLoaderOptions } from './data-loader.js';
export { DecodePool, decodeWorkerScript } from './decode-pool.js';
export { LabelMap } from './label-map.js';
export {
  DatasetFormatError,
  type ImageRecord,
  type InstanceRecord,
  type LvisDatasetOptions,
  LvisDetectionDataset,
} from './lvis-dataset.js';
export {
  DEFAULT_PIPELINE,
  type PipelineConfig,
  resolvePipelineConfig,
} from './pipeline-config.js';
export {
  type ImageMeta,
  ImageReadError,
  normalizeAndPad,
  type PreparedSample,
  prepareSample,
} from './prepare-sample.js';
export {
  chooseScale,
  keepRatioFactor,
  padTo,
  type ResizeGeometry,
  resizeGeometry,
  type ScalePair,
} from './rescale.js';
