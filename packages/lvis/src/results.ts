// LVISResults: detections against a ground truth, kept and filled in as the official API.
import type { Rle } from '@crat/mask';
import type { IouType, LVISResult, LVISResultRecord, Segmentation, XYWHBox } from 'lvis-ts-types';
import {
  columnsFromRecords,
  type DetectionColumns,
  isDetectionColumns,
  segmentationOrBox,
  selectColumns,
} from './detection-columns.js';
import { readDetectionFile } from './detection-file.js';
import { checkColumns, checkIds, fillAreas, keptOrder } from './detection-prep.js';
import { resultWarnings } from './input-warnings.js';
import { type JsonLoadOptions, readJsonFile } from './load-json.js';
import { type AnnIdsFilter, filterRecords, type LVIS } from './lvis.js';
import { pushTo } from './multimap.js';
import { LVISFormatError, validateResults } from './validate.js';
import { threadCount } from './worker-threads.js';

export interface LVISResultsOptions {
  /** Detections kept per image, highest scores first (official: 300); negative keeps all. */
  maxDets?: number;
  /** Name of the results' origin for error messages. */
  source?: string;
  /** When given, each record must carry the field this evaluation type reads. */
  iouType?: IouType;
  /** Also hears each of {@link LVISResults.warnings}. */
  onWarning?: (message: string) => void;
}

export interface LVISResultsLoadOptions extends LVISResultsOptions, JsonLoadOptions {
  /**
   * Parse the file straight into columns (default true): records that have only the
   * fields the evaluation reads, which is what detectors write. Any other file (and
   * `false`) goes through JSON.parse into objects; the results are the same.
   */
  columnar?: boolean;
  /** Threads for the columnar parse (default: every core, one per 16 MiB of file at most). */
  threads?: number;
}

/**
 * Detection results against a ground truth, filled in as the official `LVISResults`:
 * at most `maxDets` per image (by score; stable for ties), `id` 1.., `area` = box
 * `w * h` when the first record has a `bbox` (and a box polygon as segmentation where a
 * record has none), otherwise the mask area with `bbox` from the mask. Records handed in
 * as objects are filled in place; a file read in columns makes its records only when
 * `annotations` (or a method returning records) is first used. A record naming an
 * unknown image or category is an error.
 */
export class LVISResults {
  readonly gt: LVIS;
  readonly source: string;
  /** The kept detections in columns, row i being the detection with id i + 1. */
  readonly columns: DetectionColumns;
  /** Row i's area. */
  readonly area: Float64Array;
  private records: LVISResultRecord[] | undefined;
  private byId: Map<number, LVISResultRecord> | undefined;
  private byImage: Map<number, LVISResultRecord[]> | undefined;
  /** What the checks found odd but evaluated as the official API does (negative scores). */
  readonly warnings: string[];

  /**
   * `results`: the records as objects (checked, then filled in place), or columns from
   * {@link LVISResults.load}'s parser.
   */
  constructor(
    gt: LVIS,
    results: readonly LVISResult[] | DetectionColumns,
    options: LVISResultsOptions = {},
  ) {
    this.gt = gt;
    this.source = options.source ?? '<results array>';
    const given = !isDetectionColumns(results);
    if (given) validateResults(results, this.source, options.iouType);
    const all = given ? columnsFromRecords(results) : results;
    if (!given) checkColumns(all, this.source, options.iouType);
    this.warnings = resultWarnings(all.score, this.source);
    for (const w of this.warnings) options.onWarning?.(w);
    const order = keptOrder(all.imageId, all.score, options.maxDets ?? 300);
    checkIds(all, gt, this.source);
    this.columns = selectColumns(all, order);
    this.area = fillAreas(this.columns, gt, this.source);
    if (given) this.records = this.fillInPlace(results as LVISResult[], order);
  }

  /**
   * Load a results file (a JSON array). Files of detector output are parsed straight into
   * columns on several threads; others are read with JSON.parse (streamed when large).
   */
  static async load(
    gt: LVIS,
    path: string,
    options: LVISResultsLoadOptions = {},
  ): Promise<LVISResults> {
    if (options.columnar ?? true) {
      const threads = threadCount(options.threads);
      const cols = await readDetectionFile(path, threads, options.threads !== undefined);
      if ('count' in cols) return new LVISResults(gt, cols, { ...options, source: path });
    }
    const data = await readJsonFile(path, options);
    return new LVISResults(gt, data as LVISResult[], { ...options, source: path });
  }

  /** The kept records with `id`, `area` and `bbox` filled in. */
  get annotations(): LVISResultRecord[] {
    this.records ??= Array.from({ length: this.columns.count }, (_, i) => this.makeRecord(i));
    return this.records;
  }

  /** Records by id. */
  get anns(): Map<number, LVISResultRecord> {
    if (!this.byId) {
      this.byId = new Map();
      for (const rec of this.annotations) this.byId.set(rec.id, rec);
    }
    return this.byId;
  }

  /** Records by image id, in kept order. */
  get imgAnnMap(): Map<number, LVISResultRecord[]> {
    if (!this.byImage) {
      this.byImage = new Map();
      for (const rec of this.annotations) pushTo(this.byImage, rec.image_id, rec);
    }
    return this.byImage;
  }

  getAnnIds(filter: AnnIdsFilter = {}): number[] {
    return this.filterAnns(filter).map((a) => a.id);
  }

  filterAnns(filter: AnnIdsFilter = {}): LVISResultRecord[] {
    return filterRecords(this.imgAnnMap, this.annotations, filter);
  }

  getImgIds(): number[] {
    return this.gt.getImgIds();
  }

  getCatIds(): number[] {
    return this.gt.getCatIds();
  }

  loadAnns(ids?: readonly number[]): LVISResultRecord[] {
    if (!ids) return this.annotations.slice();
    return ids.map((id) => {
      const a = this.anns.get(id);
      if (!a) throw new LVISFormatError(`${this.source}: unknown result id ${id}`);
      return a;
    });
  }

  /** The detection's mask as an RLE at its image's size. */
  annToRle(rec: LVISResultRecord): Rle {
    if (!rec.segmentation) {
      throw new LVISFormatError(`${this.source}: result id ${rec.id} has no segmentation`);
    }
    return this.gt.annToRle({ image_id: rec.image_id, segmentation: rec.segmentation });
  }

  /** Row i's segmentation: its own, or its box as a polygon. */
  segmentationOf(i: number): Segmentation {
    return segmentationOrBox(this.columns.segmentations.get(i), this.columns.bbox, 4 * i);
  }

  private makeRecord(i: number): LVISResultRecord {
    const c = this.columns;
    return {
      image_id: c.imageId[i],
      category_id: c.categoryId[i],
      bbox: Array.from(c.bbox.subarray(4 * i, 4 * i + 4)) as XYWHBox,
      score: c.score[i],
      segmentation: this.segmentationOf(i),
      id: i + 1,
      area: this.area[i],
    };
  }

  /** Fill the kept records in place, as the official API does, and return them in order. */
  private fillInPlace(results: LVISResult[], order: Int32Array): LVISResultRecord[] {
    const c = this.columns;
    return Array.from(order, (from, i) => {
      const rec = results[from] as LVISResultRecord;
      if (rec.bbox === undefined)
        rec.bbox = Array.from(c.bbox.subarray(4 * i, 4 * i + 4)) as XYWHBox;
      if (rec.segmentation === undefined) rec.segmentation = this.segmentationOf(i);
      rec.area = this.area[i];
      rec.id = i + 1;
      return rec;
    });
  }
}

/**
 * Keep at most `maxDets` detections per image: images in order of first appearance,
 * an image over the limit sorted by score (descending, ties in input order) and cut.
 */
export function limitDetsPerImage<T extends { image_id: number; score: number }>(
  anns: readonly T[],
  maxDets: number,
): T[] {
  const order = keptOrder(
    anns.map((a) => a.image_id),
    anns.map((a) => a.score),
    maxDets,
  );
  return Array.from(order, (i) => anns[i]);
}
