import { type Rle, rleArea, rleToBbox, segmentationToRle } from '@crat/mask';
import type { IouType, LVISResult, LVISResultRecord, XYWHBox } from 'lvis-ts-types';
import { resultWarnings } from './input-warnings.js';
import { type JsonLoadOptions, readJsonFile } from './load-json.js';
import { type AnnIdsFilter, filterRecords, type LVIS } from './lvis.js';
import { pushTo } from './multimap.js';
import { LVISFormatError, validateResults } from './validate.js';

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

/**
 * Detection results against a ground truth, filled in as the official `LVISResults`:
 * at most `maxDets` per image (by score; stable for ties), `id` 1.., `area` = box
 * `w * h` when the first record has a `bbox` (and a box polygon as segmentation where a
 * record has none), otherwise the mask area with `bbox` from the mask. The records are
 * filled in place. A record naming an unknown image or category is an error.
 */
export class LVISResults {
  readonly gt: LVIS;
  readonly source: string;
  readonly annotations: LVISResultRecord[];
  readonly anns = new Map<number, LVISResultRecord>();
  readonly imgAnnMap = new Map<number, LVISResultRecord[]>();
  /** What the checks found odd but evaluated as the official API does (negative scores). */
  readonly warnings: string[];

  constructor(gt: LVIS, results: readonly LVISResult[], options: LVISResultsOptions = {}) {
    this.gt = gt;
    this.source = options.source ?? '<results array>';
    validateResults(results, this.source, options.iouType);
    this.warnings = resultWarnings(results, this.source);
    for (const w of this.warnings) options.onWarning?.(w);
    const kept = limitDetsPerImage(results, options.maxDets ?? 300);
    checkIds(results, gt, this.source);
    this.annotations = fillRecords(kept, gt, this.source);
    for (const rec of this.annotations) {
      this.anns.set(rec.id, rec);
      pushTo(this.imgAnnMap, rec.image_id, rec);
    }
  }

  /** Load a results file (a JSON array); large files are streamed. */
  static async load(
    gt: LVIS,
    path: string,
    options: LVISResultsOptions & JsonLoadOptions = {},
  ): Promise<LVISResults> {
    const data = await readJsonFile(path, options);
    return new LVISResults(gt, data as LVISResult[], { ...options, source: path });
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
}

/**
 * Keep at most `maxDets` detections per image: images in order of first appearance,
 * an image over the limit sorted by score (descending, ties in input order) and cut.
 */
export function limitDetsPerImage<T extends { image_id: number; score: number }>(
  anns: readonly T[],
  maxDets: number,
): T[] {
  if (maxDets < 0) return anns.slice();
  const byImage = new Map<number, T[]>();
  for (const a of anns) {
    pushTo(byImage, a.image_id, a);
  }
  const out: T[] = [];
  for (let list of byImage.values()) {
    if (list.length > maxDets) {
      // Array.prototype.sort is stable, like Python's sorted(reverse=True).
      list = list
        .slice()
        .sort((a, b) => b.score - a.score)
        .slice(0, maxDets);
    }
    for (let i = 0; i < list.length; i++) out.push(list[i]);
  }
  return out;
}

function checkIds(all: readonly LVISResult[], gt: LVIS, source: string): void {
  // Checked on every input record (not only the kept ones) so a bad id is never hidden.
  for (let i = 0; i < all.length; i++) {
    const r = all[i];
    if (!gt.imgs.has(r.image_id)) {
      throw new LVISFormatError(
        `${source}: results[${i}]: field 'image_id' names image ${r.image_id}, which is not in the ground truth ${gt.source}`,
      );
    }
    if (!gt.cats.has(r.category_id)) {
      throw new LVISFormatError(
        `${source}: results[${i}]: field 'category_id' names category ${r.category_id}, which is not in the ground truth ${gt.source}`,
      );
    }
  }
}

function fillRecords(kept: LVISResult[], gt: LVIS, source: string): LVISResultRecord[] {
  if (kept.length === 0) return [];
  const out = kept as LVISResultRecord[];
  if (kept[0].bbox !== undefined) {
    for (let i = 0; i < out.length; i++) {
      const ann = out[i];
      if (!ann.bbox) {
        throw new LVISFormatError(
          `${source}: a kept detection (image ${ann.image_id}, category ${ann.category_id}, score ${ann.score}) has no 'bbox' although the first one has`,
        );
      }
      const [x1, y1, w, h] = ann.bbox;
      if (ann.segmentation === undefined) {
        const x2 = x1 + w;
        const y2 = y1 + h;
        ann.segmentation = [[x1, y1, x1, y2, x2, y2, x2, y1]];
      }
      ann.area = w * h;
      ann.id = i + 1;
    }
    return out;
  }
  for (let i = 0; i < out.length; i++) {
    const ann = out[i];
    if (ann.segmentation === undefined) {
      throw new LVISFormatError(
        `${source}: a kept detection (image ${ann.image_id}, category ${ann.category_id}, score ${ann.score}) has neither 'bbox' nor 'segmentation'`,
      );
    }
    const img = gt.imgs.get(ann.image_id)!;
    const rle = segmentationToRle(ann.segmentation, img.height, img.width);
    ann.area = rleArea(rle);
    if (ann.bbox === undefined) ann.bbox = rleToBbox(rle) as XYWHBox;
    ann.id = i + 1;
  }
  return out;
}
