// Detections held as typed columns, and where their segmentations come from (JSON text
// in the results file's bytes, or the records handed in).
import type { LVISResult, Segmentation } from 'lvis-ts-types';
import {
  type PackedSegmentations,
  packedJson,
  packSegmentations,
  unpackSegmentation,
} from './packed-segmentations.js';

/** Where detection i's segmentation is read from. */
export interface SegmentationSource {
  /** Detection i's segmentation as given, undefined when the record has none. */
  get(i: number): Segmentation | undefined;
  /** Whether detection i has a segmentation (without reading it). */
  has(i: number): boolean;
  /** The same segmentations in typed arrays, for worker threads. */
  toPacked(): PackedSegmentations;
  /** The source restricted to `order` (entry j is entry `order[j]` of this one). */
  select(order: Int32Array): SegmentationSource;
}

/** Detections in columns; `bbox[4 i]` is NaN for a record without `bbox`. */
export interface DetectionColumns {
  count: number;
  imageId: Float64Array;
  categoryId: Float64Array;
  score: Float64Array;
  bbox: Float64Array;
  segmentations: SegmentationSource;
}

/** Segmentations left as JSON text in a results file's bytes (the columnar load). */
export class JsonSegmentations implements SegmentationSource {
  private readonly packed: PackedSegmentations;

  /** `bytes[start[i] .. end[i]]` is detection i's segmentation; `start[i] = -1` when absent. */
  constructor(bytes: Uint8Array, start: Float64Array, end: Float64Array) {
    this.packed = packedJson(bytes, start, end);
  }

  get(i: number): Segmentation | undefined {
    return unpackSegmentation(this.packed, i);
  }

  has(i: number): boolean {
    return this.packed.jsonStart[i] >= 0;
  }

  toPacked(): PackedSegmentations {
    return this.packed;
  }

  select(order: Int32Array): SegmentationSource {
    const { json, jsonStart, jsonEnd } = this.packed;
    return new JsonSegmentations(
      json,
      gather(new Float64Array(order.length), jsonStart, order),
      gather(new Float64Array(order.length), jsonEnd, order),
    );
  }
}

/** Segmentations of records handed in as objects. */
export class RecordSegmentations implements SegmentationSource {
  private packed: PackedSegmentations | undefined;

  constructor(readonly records: readonly { segmentation?: Segmentation }[]) {}

  get(i: number): Segmentation | undefined {
    return this.records[i].segmentation;
  }

  has(i: number): boolean {
    return this.records[i].segmentation !== undefined;
  }

  toPacked(): PackedSegmentations {
    this.packed ??= packSegmentations(this.records.map((r) => r.segmentation));
    return this.packed;
  }

  select(order: Int32Array): SegmentationSource {
    return new RecordSegmentations(Array.from(order, (i) => this.records[i]));
  }
}

/** Columns of records handed in as objects (validated before). */
export function columnsFromRecords(records: readonly LVISResult[]): DetectionColumns {
  const n = records.length;
  const bbox = new Float64Array(4 * n);
  for (let i = 0; i < n; i++) {
    const b = records[i].bbox;
    if (b) bbox.set(b, 4 * i);
    else bbox[4 * i] = Number.NaN;
  }
  return {
    count: n,
    imageId: Float64Array.from(records, (r) => r.image_id),
    categoryId: Float64Array.from(records, (r) => r.category_id),
    score: Float64Array.from(records, (r) => r.score),
    bbox,
    segmentations: new RecordSegmentations(records),
  };
}

/** The columns restricted to `order` (row j is row `order[j]`). */
export function selectColumns(cols: DetectionColumns, order: Int32Array): DetectionColumns {
  const bbox = new Float64Array(4 * order.length);
  for (let j = 0; j < order.length; j++) {
    const i = 4 * order[j];
    bbox[4 * j] = cols.bbox[i];
    bbox[4 * j + 1] = cols.bbox[i + 1];
    bbox[4 * j + 2] = cols.bbox[i + 2];
    bbox[4 * j + 3] = cols.bbox[i + 3];
  }
  return {
    count: order.length,
    imageId: gather(new Float64Array(order.length), cols.imageId, order),
    categoryId: gather(new Float64Array(order.length), cols.categoryId, order),
    score: gather(new Float64Array(order.length), cols.score, order),
    bbox,
    segmentations: cols.segmentations.select(order),
  };
}

/**
 * The segmentation a detection is evaluated with: its own, or (official LVISResults, for
 * results with boxes) the box as a polygon `[x1, y1, x1, y2, x2, y2, x2, y1]`.
 */
export function segmentationOrBox(
  seg: Segmentation | undefined,
  bbox: Float64Array,
  at: number,
): Segmentation {
  if (seg !== undefined) return seg;
  const x1 = bbox[at];
  const y1 = bbox[at + 1];
  const x2 = x1 + bbox[at + 2];
  const y2 = y1 + bbox[at + 3];
  return [[x1, y1, x1, y2, x2, y2, x2, y1]];
}

/** Whether `v` is a {@link DetectionColumns} (rather than records). */
export function isDetectionColumns(v: unknown): v is DetectionColumns {
  const c = v as DetectionColumns | null;
  return (
    typeof c === 'object' &&
    c !== null &&
    c.imageId instanceof Float64Array &&
    typeof c.segmentations?.get === 'function'
  );
}

/** `out[j] = src[order[j]]` for every j (typed-array `from` with a callback is far slower). */
export function gather<T extends { [j: number]: number }>(
  out: T,
  src: ArrayLike<number>,
  order: ArrayLike<number>,
): T {
  for (let j = 0; j < order.length; j++) out[j] = src[order[j]];
  return out;
}
