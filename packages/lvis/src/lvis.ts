import { decodeRle, type Rle, segmentationToRle } from '@crat/mask';
import type {
  LVISAnnotation,
  LVISCategory,
  LVISDataset,
  LVISImage,
  Segmentation,
} from 'lvis-ts-types';
import { annotationWarnings } from './input-warnings.js';
import { type JsonLoadOptions, readJsonFile } from './load-json.js';
import { pushTo } from './multimap.js';
import { LVISFormatError, validateDataset } from './validate.js';

export interface AnnIdsFilter {
  /** Only annotations of these images (in this order; each image's annotations in file order). */
  imgIds?: readonly number[];
  /** Only these categories. Giving `catIds` or `areaRng` also keeps only `min < area < max`. */
  catIds?: readonly number[];
  /** `[min, max]`, exclusive on both ends as in the official API; default `[0, Infinity]`. */
  areaRng?: readonly [number, number];
}

/** Anything with the fields `annToRle` reads. */
export interface SegmentedRecord {
  image_id: number;
  segmentation: Segmentation;
}

/**
 * An LVIS annotation file with the official API's indexes: annotations, categories and
 * images by id, image → annotations, category → images (one entry per annotation, as
 * the official `cat_img_map`).
 */
export class LVIS {
  readonly dataset: LVISDataset;
  /** Where the data came from (a path, or a description): used in error messages. */
  readonly source: string;
  readonly anns = new Map<number, LVISAnnotation>();
  readonly imgs = new Map<number, LVISImage>();
  readonly cats = new Map<number, LVISCategory>();
  readonly imgAnnMap = new Map<number, LVISAnnotation[]>();
  readonly catImgMap = new Map<number, number[]>();
  /**
   * What the checks found odd but evaluated as the official API does (polygons pycocotools
   * treats specially), one message per kind naming the annotations.
   */
  readonly warnings: string[] = [];

  /**
   * Index a parsed dataset. The records are checked (`validate`, default true) and an
   * error names the record and field that is wrong; `onWarning` also hears each of
   * {@link LVIS.warnings}.
   */
  constructor(
    dataset: LVISDataset,
    options: { source?: string; validate?: boolean; onWarning?: (message: string) => void } = {},
  ) {
    this.source = options.source ?? '<LVIS dataset object>';
    if (options.validate ?? true) {
      validateDataset(dataset, this.source);
      this.warnings.push(...annotationWarnings(dataset.annotations, this.source));
      for (const w of this.warnings) options.onWarning?.(w);
    }
    this.dataset = dataset;
    for (const img of dataset.images) this.imgs.set(img.id, img);
    for (const cat of dataset.categories) this.cats.set(cat.id, cat);
    for (const ann of dataset.annotations) {
      pushTo(this.imgAnnMap, ann.image_id, ann);
      this.anns.set(ann.id, ann);
      pushTo(this.catImgMap, ann.category_id, ann.image_id);
    }
  }

  /**
   * Load an annotation file. Files of at least 256 MiB (configurable) are read with a
   * streaming parser, so files beyond V8's string limit (LVIS v1 train) load.
   */
  static async load(
    path: string,
    options: JsonLoadOptions & { onWarning?: (message: string) => void } = {},
  ): Promise<LVIS> {
    const data = await readJsonFile(path, options);
    return new LVIS(data as LVISDataset, {
      source: path,
      ...(options.onWarning ? { onWarning: options.onWarning } : {}),
    });
  }

  /** Annotation ids matching the filter, in the official API's order. */
  getAnnIds(filter: AnnIdsFilter = {}): number[] {
    return this.filterAnns(filter).map((a) => a.id);
  }

  /** Annotations matching the filter (as `getAnnIds`, without the id round trip). */
  filterAnns(filter: AnnIdsFilter = {}): LVISAnnotation[] {
    return filterRecords(this.imgAnnMap, this.dataset.annotations, filter);
  }

  getCatIds(): number[] {
    return [...this.cats.keys()];
  }

  getImgIds(): number[] {
    return [...this.imgs.keys()];
  }

  loadAnns(ids?: readonly number[]): LVISAnnotation[] {
    return this.lookup(this.anns, ids, 'annotation');
  }

  loadCats(ids?: readonly number[]): LVISCategory[] {
    return this.lookup(this.cats, ids, 'category');
  }

  loadImgs(ids?: readonly number[]): LVISImage[] {
    return this.lookup(this.imgs, ids, 'image');
  }

  /** The record's segmentation as one RLE at its image's size (polygons merged). */
  annToRle(ann: SegmentedRecord): Rle {
    const img = this.imgs.get(ann.image_id);
    if (!img) throw new LVISFormatError(`${this.source}: unknown image id ${ann.image_id}`);
    return segmentationToRle(ann.segmentation, img.height, img.width);
  }

  /** The record's mask as a row-major `Uint8Array` of height * width. */
  annToMask(ann: SegmentedRecord): Uint8Array {
    return decodeRle(this.annToRle(ann));
  }

  private lookup<T>(map: Map<number, T>, ids: readonly number[] | undefined, what: string): T[] {
    if (!ids) return [...map.values()];
    return ids.map((id) => {
      const v = map.get(id);
      if (v === undefined) throw new LVISFormatError(`${this.source}: unknown ${what} id ${id}`);
      return v;
    });
  }
}

/** The official `get_ann_ids` filter over any records indexed by image. */
export function filterRecords<T extends { category_id: number; area: number }>(
  imgMap: ReadonlyMap<number, T[]>,
  all: readonly T[],
  filter: AnnIdsFilter,
): T[] {
  let anns: T[];
  if (filter.imgIds) {
    anns = [];
    for (const id of filter.imgIds) {
      const list = imgMap.get(id);
      if (list) for (let i = 0; i < list.length; i++) anns.push(list[i]);
    }
  } else anns = all.slice();
  if (!filter.catIds && !filter.areaRng) return anns;
  const cats = filter.catIds ? new Set(filter.catIds) : undefined;
  const [lo, hi] = filter.areaRng ?? [0, Number.POSITIVE_INFINITY];
  return anns.filter((a) => (!cats || cats.has(a.category_id)) && a.area > lo && a.area < hi);
}
