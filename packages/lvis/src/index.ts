/**
 * @crat/lvis: the LVIS dataset API, detection results and LVIS evaluation (bbox, segm)
 * with the official API's numbers.
 */

export type { DetectionColumns, SegmentationSource } from './detection-columns.js';
export { LVISEval, type LVISEvalAsyncOptions, type LVISEvalProgress } from './eval.js';
export { annotationWarnings, resultWarnings } from './input-warnings.js';
export { streamTopLevelObject, type TopLevelObjectHandlers } from './json-stream.js';
export {
  DEFAULT_STREAMING_THRESHOLD,
  type JsonLoadOptions,
  readJsonFile,
  usesStreaming,
} from './load-json.js';
export { type AnnIdsFilter, filterRecords, LVIS, type SegmentedRecord } from './lvis.js';
export { defaultParams, linspace } from './params.js';
export { formatResults } from './report.js';
export {
  LVISResults,
  type LVISResultsLoadOptions,
  type LVISResultsOptions,
  limitDetsPerImage,
} from './results.js';
export { type Accumulated, perCategoryAp, summarize } from './summarize.js';
export { LVISFormatError, validateDataset, validateResults } from './validate.js';
