// Checks of annotation and results files whose errors name the file, the record and the field.
import type { IouType, LVISDataset, LVISResult } from 'lvis-ts-types';

/** A bad input record: the message names the file, the record and the field. */
export class LVISFormatError extends Error {
  override name = 'LVISFormatError';
}

function describe(v: unknown): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${JSON.stringify(v)}`;
}

function isNum(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function isBox(v: unknown): boolean {
  return Array.isArray(v) && v.length === 4 && v.every(isNum);
}

function isSegmentation(v: unknown): boolean {
  if (Array.isArray(v)) return v.every((p) => Array.isArray(p));
  if (v && typeof v === 'object') {
    const r = v as { size?: unknown; counts?: unknown };
    return (
      Array.isArray(r.size) &&
      r.size.length === 2 &&
      (typeof r.counts === 'string' || Array.isArray(r.counts))
    );
  }
  return false;
}

function recordName(list: string, index: number, rec: unknown): string {
  const id = rec && typeof rec === 'object' ? (rec as { id?: unknown }).id : undefined;
  return `${list}[${index}]${isNum(id) ? ` (id ${id})` : ''}`;
}

/**
 * Check the fields the API reads on a whole LVIS annotation file; throws an
 * {@link LVISFormatError} naming the file, the record and the field.
 */
export function validateDataset(data: unknown, source: string): asserts data is LVISDataset {
  if (!data || typeof data !== 'object' || Array.isArray(data)) {
    throw new LVISFormatError(
      `${source}: an LVIS annotation file must be a JSON object, got ${describe(data)}`,
    );
  }
  const d = data as Record<string, unknown>;
  for (const key of ['images', 'annotations', 'categories']) {
    if (!Array.isArray(d[key])) {
      throw new LVISFormatError(
        `${source}: field '${key}' must be an array, got ${describe(d[key])}`,
      );
    }
  }
  const bad = (rec: string, field: string, want: string, got: unknown): never => {
    throw new LVISFormatError(
      `${source}: ${rec}: field '${field}' must be ${want}, got ${describe(got)}`,
    );
  };
  (d.images as unknown[]).forEach((img, i) => {
    const r = recordName('images', i, img);
    if (!img || typeof img !== 'object') bad(r, '(record)', 'an object', img);
    const m = img as Record<string, unknown>;
    if (!isNum(m.id)) bad(r, 'id', 'a number', m.id);
    if (!isNum(m.height)) bad(r, 'height', 'a number', m.height);
    if (!isNum(m.width)) bad(r, 'width', 'a number', m.width);
    if (!Array.isArray(m.neg_category_ids))
      bad(r, 'neg_category_ids', 'an array of category ids', m.neg_category_ids);
    if (!Array.isArray(m.not_exhaustive_category_ids)) {
      bad(
        r,
        'not_exhaustive_category_ids',
        'an array of category ids',
        m.not_exhaustive_category_ids,
      );
    }
  });
  (d.categories as unknown[]).forEach((cat, i) => {
    const r = recordName('categories', i, cat);
    if (!cat || typeof cat !== 'object') bad(r, '(record)', 'an object', cat);
    const c = cat as Record<string, unknown>;
    if (!isNum(c.id)) bad(r, 'id', 'a number', c.id);
    if (c.frequency !== 'r' && c.frequency !== 'c' && c.frequency !== 'f') {
      bad(r, 'frequency', "one of 'r', 'c', 'f'", c.frequency);
    }
  });
  const anns = d.annotations as unknown[];
  for (let i = 0; i < anns.length; i++) {
    const ann = anns[i];
    if (!ann || typeof ann !== 'object')
      bad(recordName('annotations', i, ann), '(record)', 'an object', ann);
    const a = ann as Record<string, unknown>;
    if (!isNum(a.id)) bad(recordName('annotations', i, a), 'id', 'a number', a.id);
    if (!isNum(a.image_id))
      bad(recordName('annotations', i, a), 'image_id', 'a number', a.image_id);
    if (!isNum(a.category_id))
      bad(recordName('annotations', i, a), 'category_id', 'a number', a.category_id);
    if (!isNum(a.area)) bad(recordName('annotations', i, a), 'area', 'a number', a.area);
    if (!isBox(a.bbox))
      bad(recordName('annotations', i, a), 'bbox', '[x, y, w, h] numbers', a.bbox);
    if (!isSegmentation(a.segmentation)) {
      bad(
        recordName('annotations', i, a),
        'segmentation',
        'polygons [[x, y, ...]] or an RLE {size, counts}',
        a.segmentation,
      );
    }
  }
}

/**
 * Check a results list: every record needs `image_id`, `category_id`, `score`, a `bbox`
 * (when given) of non-negative width and height, and the field the evaluation type reads
 * (`bbox`, or a `segmentation` to derive it from, for bbox; `segmentation` for segm). The
 * official API accepts a negative width (its area then falls in no area range, so the
 * detection is silently ignored) and scores segm from boxes when results have no
 * segmentation; both are errors here. Ids are checked against the ground truth by
 * `LVISResults`.
 */
export function validateResults(
  data: unknown,
  source: string,
  iouType?: IouType,
): asserts data is LVISResult[] {
  if (!Array.isArray(data)) {
    throw new LVISFormatError(
      `${source}: a results file must be a JSON array of detections, got ${describe(data)}`,
    );
  }
  const bad = (i: number, field: string, want: string, got: unknown): never => {
    throw new LVISFormatError(
      `${source}: results[${i}]: field '${field}' must be ${want}, got ${describe(got)}`,
    );
  };
  for (let i = 0; i < data.length; i++) {
    const r = data[i] as Record<string, unknown>;
    if (!r || typeof r !== 'object' || Array.isArray(r)) {
      throw new LVISFormatError(`${source}: results[${i}] must be an object, got ${describe(r)}`);
    }
    if (!isNum(r.image_id)) bad(i, 'image_id', 'a number', r.image_id);
    if (!isNum(r.category_id)) bad(i, 'category_id', 'a number', r.category_id);
    if (!isNum(r.score)) bad(i, 'score', 'a number', r.score);
    if (r.bbox !== undefined && !isBox(r.bbox)) bad(i, 'bbox', '[x, y, w, h] numbers', r.bbox);
    const box = r.bbox as number[] | undefined;
    if (box && (box[2]! < 0 || box[3]! < 0)) {
      throw new LVISFormatError(negativeBoxMessage(source, i, box));
    }
    if (r.segmentation !== undefined && !isSegmentation(r.segmentation)) {
      bad(i, 'segmentation', 'polygons [[x, y, ...]] or an RLE {size, counts}', r.segmentation);
    }
    if (iouType === 'bbox' && r.bbox === undefined && r.segmentation === undefined) {
      bad(i, 'bbox', '[x, y, w, h] numbers for bbox evaluation', r.bbox);
    }
    if (iouType === 'segm' && r.segmentation === undefined) {
      throw new LVISFormatError(missingSegmentationMessage(source, i));
    }
  }
}

/** A record with neither `bbox` nor `segmentation`, for an evaluation of `iouType`. */
/** A result box `[x, y, w, h]` with a negative width or height (probably `[x1, y1, x2, y2]`). */
export function negativeBoxMessage(source: string, i: number, box: readonly number[]): string {
  return `${source}: results[${i}]: field 'bbox' [x, y, w, h] has a negative ${box[2]! < 0 ? 'width' : 'height'}, got ${JSON.stringify(box)} (boxes are [x, y, width, height], not [x1, y1, x2, y2])`;
}

/** A result without a segmentation under segm evaluation. */
export function missingSegmentationMessage(source: string, i: number): string {
  return `${source}: results[${i}]: no field 'segmentation', which segm evaluation needs (the official API would score the box as a rectangular mask); evaluate these results with bbox`;
}

export function missingFieldMessage(source: string, i: number, iouType: IouType): string {
  return iouType === 'bbox'
    ? `${source}: results[${i}]: field 'bbox' must be [x, y, w, h] numbers for bbox evaluation, got missing`
    : `${source}: results[${i}]: field 'segmentation' must be polygons or an RLE for segm evaluation, got missing`;
}
