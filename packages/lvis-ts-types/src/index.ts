/**
 * Types for LVIS v0.5 and v1 annotation files, detection results and evaluation.
 *
 * The LVIS files are COCO-shaped JSON with federated-labelling fields added on images
 * (`neg_category_ids`, `not_exhaustive_category_ids`) and frequency statistics on
 * categories. Field names follow the files exactly (snake_case) so a parsed file is
 * assignable without conversion.
 */

/** Box in LVIS/COCO JSON: `[x, y, width, height]` in absolute pixels. */
export type XYWHBox = [x: number, y: number, width: number, height: number];

/** One polygon: flat `[x1, y1, x2, y2, ...]` in absolute pixels. */
export type Polygon = number[];

/** Run-length encoded mask, pycocotools layout (column-major runs starting with zeros). */
export interface CompressedRLE {
  /** `[height, width]` of the image the mask belongs to. */
  size: [height: number, width: number];
  /** pycocotools' compressed LEB128-like ASCII string. */
  counts: string;
}

/** Uncompressed RLE: run lengths as numbers. */
export interface UncompressedRLE {
  size: [height: number, width: number];
  counts: number[];
}

export type RLE = CompressedRLE | UncompressedRLE;

/** Segmentation of an annotation or result: polygons (possibly several parts) or RLE. */
export type Segmentation = Polygon[] | RLE;

/** Frequency group of a category: rare (1-10 training images), common (11-100), frequent (>100). */
export type Frequency = 'r' | 'c' | 'f';

export interface LVISInfo {
  year?: number;
  version?: string;
  description?: string;
  contributor?: string;
  url?: string;
  date_created?: string;
}

export interface LVISLicense {
  id: number;
  name: string;
  url: string;
}

export interface LVISImage {
  id: number;
  width: number;
  height: number;
  /** v0.5 keeps the COCO file name; v1 drops it in favour of `coco_url`. */
  file_name?: string;
  coco_url?: string;
  flickr_url?: string;
  license?: number;
  date_captured?: string;
  /** Categories verified absent from the image: detections of them are false positives. */
  neg_category_ids: number[];
  /** Categories present but not exhaustively annotated: unmatched detections are ignored. */
  not_exhaustive_category_ids: number[];
}

export interface LVISAnnotation {
  id: number;
  image_id: number;
  category_id: number;
  segmentation: Segmentation;
  area: number;
  bbox: XYWHBox;
  /** Absent in LVIS (always 0); present in COCO-derived files. */
  iscrowd?: 0 | 1;
}

export interface LVISCategory {
  id: number;
  name: string;
  synset: string;
  synonyms: string[];
  /** Definition from WordNet. */
  def: string;
  frequency: Frequency;
  image_count: number;
  instance_count: number;
}

/** A whole LVIS annotation file (v0.5 or v1). */
export interface LVISDataset {
  info?: LVISInfo;
  licenses?: LVISLicense[];
  images: LVISImage[];
  annotations: LVISAnnotation[];
  categories: LVISCategory[];
}

/** One detection in a results file. `bbox` is required for `bbox` evaluation, `segmentation` for `segm`. */
export interface LVISResult {
  image_id: number;
  category_id: number;
  score: number;
  bbox?: XYWHBox;
  segmentation?: Segmentation;
}

/** A result after `LVISResults` has filled it in, as the official API does. */
export interface LVISResultRecord extends LVISResult {
  id: number;
  area: number;
  bbox: XYWHBox;
}

export type IouType = 'bbox' | 'segm';

export type AreaRangeLabel = 'all' | 'small' | 'medium' | 'large';

/** Evaluation parameters, mirroring the official `lvis.eval.Params`. */
export interface LVISEvalParams {
  iouType: IouType;
  imgIds: number[];
  catIds: number[];
  /** IoU thresholds, default 0.50:0.05:0.95. */
  iouThrs: number[];
  /** Recall points, default 0:0.01:1 (101 points). */
  recThrs: number[];
  /** Detections kept per image, default 300. */
  maxDets: number;
  /** `[min, max]` area per range, default `[[0, 1e10], [0, 32^2], [32^2, 96^2], [96^2, 1e10]]`. */
  areaRng: [number, number][];
  areaRngLbl: AreaRangeLabel[];
  /** Whether categories are evaluated separately (always true for LVIS). */
  useCats: boolean;
  imgCountLbl: Frequency[];
}

/** The summary record printed by the official API's `print_results`. */
export interface LVISMetrics {
  AP: number;
  AP50: number;
  AP75: number;
  APs: number;
  APm: number;
  APl: number;
  APr: number;
  APc: number;
  APf: number;
  'AR@300': number;
  'ARs@300': number;
  'ARm@300': number;
  'ARl@300': number;
}

export type LVISMetricName = keyof LVISMetrics;

/** Evaluation output in the fixture schema: metrics and AP per category id (only defined ones). */
export interface LVISEvalReport {
  metrics: LVISMetrics;
  per_category_ap: Record<string, number>;
}

export function isCompressedRLE(s: Segmentation): s is CompressedRLE {
  return !Array.isArray(s) && typeof s.counts === 'string';
}

export function isUncompressedRLE(s: Segmentation): s is UncompressedRLE {
  return !Array.isArray(s) && Array.isArray(s.counts);
}

export function isPolygons(s: Segmentation): s is Polygon[] {
  return Array.isArray(s);
}

/** The metric names in the order the official API prints them. */
export const LVIS_METRIC_NAMES: readonly LVISMetricName[] = [
  'AP',
  'AP50',
  'AP75',
  'APs',
  'APm',
  'APl',
  'APr',
  'APc',
  'APf',
  'AR@300',
  'ARs@300',
  'ARm@300',
  'ARl@300',
];

/**
 * What a JSON file's structural type looks like once TypeScript (or any JSON reader)
 * has widened it: string literal unions become `string`, tuples become arrays. A file
 * imported with `resolveJsonModule` is checked against `JsonShape<LVISDataset>`.
 */
export type JsonShape<T> = T extends string
  ? string
  : T extends number
    ? number
    : T extends boolean
      ? boolean
      : T extends readonly (infer U)[]
        ? JsonShape<U>[]
        : T extends object
          ? { [K in keyof T]: JsonShape<T[K]> }
          : T;
