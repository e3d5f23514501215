// The report's public API: reading a work dir, rendering and writing its HTML page, and the
// CRAT transfer files it shows.

export { cropWithBox, matrixPng, pngDataUri } from './crops.js';
export {
  downsample,
  movingAverage,
  type RenderReportOptions,
  renderReport,
  writeReport,
} from './html.js';
export {
  type EvalRecord,
  type ReadReportOptions,
  type ReportCategory,
  type ReportInputs,
  readReportInputs,
} from './inputs.js';
export {
  type CratSummaryLike,
  type TransferReport,
  TransferReportError,
  type TransferSample,
  transferReportFromSummary,
  validateTransferReport,
} from './transfer-report.js';
