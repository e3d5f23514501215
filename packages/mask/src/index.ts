// Public API of @crat/mask: pycocotools-compatible COCO run-length encoding on typed arrays.
// Runs are column-major (pycocotools' layout); bitmaps handed in and out are row-major
// `Uint8Array`s of `h * w` unless a name says `ColumnMajor`.

export { decodeRle, decodeRleColumnMajor, encodeColumnMajorMask, encodeMask } from './bitmap.js';
export { compressCounts, decompressCounts } from './counts-codec.js';
export {
  bboxIou,
  bboxIouFlat,
  bboxIouPair,
  rleIntersectionUnion,
  rleIou,
  rleIouPair,
  type XYWH,
} from './iou.js';
export { rleArea, rleToBbox, rleToBboxInto } from './measure.js';
export { mergeRles } from './merge.js';
export { bboxToRle, polygonsToRle, polygonsToRles, polygonToRle } from './polygon.js';
export { assertRleCoversImage, makeRle, type Rle, rleLength } from './rle.js';
export { frPyObjects, rleFromJson, rleToJson, segmentationToRle } from './segmentation.js';
