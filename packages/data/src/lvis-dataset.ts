// An LVIS (or COCO-shaped) annotation file read into images and kept instances by mmdetection's
// rules, with errors naming the file, record and field.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SamplerDataset } from '@crat/core';
import type { LVISDataset, LVISImage, Segmentation, XYWHBox } from 'lvis-ts-types';
import { LabelMap } from './label-map.js';

export class DatasetFormatError extends Error {
  override name = 'DatasetFormatError';
}

/** One ground-truth instance as the pipeline uses it. */
export interface InstanceRecord {
  annotationId: number;
  label: number;
  bbox: XYWHBox;
  segmentation: Segmentation;
}

/** One image of the dataset with its kept annotations. */
export interface ImageRecord {
  /** Position in the dataset (what samplers yield). */
  index: number;
  imageId: number;
  /** Absolute path of the image file. */
  path: string;
  width: number;
  height: number;
  instances: InstanceRecord[];
}

export interface LvisDatasetOptions {
  /**
   * Folder the image paths are relative to. With `file_name` (v0.5, CRAT synth) the file is
   * `imageDir/file_name`; with only `coco_url` (LVIS v1) it is `imageDir/<split>2017/<name>`,
   * so `imageDir` is the COCO root, as in mmdetection's LVISV1Dataset.
   */
  imageDir: string;
  /** Drop images without any kept annotation (mmdetection `filter_empty_gt`). Default false. */
  filterEmpty?: boolean;
}

/**
 * An LVIS (or COCO-shaped) detection dataset: images, annotations kept by mmdetection's
 * rules (box overlaps the image, area > 0, w >= 1, h >= 1, known category), and the
 * category id <-> label map.
 */
export class LvisDetectionDataset {
  readonly images: readonly ImageRecord[];
  readonly labels: LabelMap;
  readonly categoryNames: readonly string[];
  /** Annotations left out by the keep rules. */
  readonly droppedAnnotations: number;

  private constructor(images: ImageRecord[], labels: LabelMap, names: string[], dropped: number) {
    this.images = images;
    this.labels = labels;
    this.categoryNames = names;
    this.droppedAnnotations = dropped;
  }

  /** Read an annotation JSON file (for the 1 GB LVIS train file, parse it with @crat/lvis and use `fromJson`). */
  static fromFile(annotationFile: string, options: LvisDatasetOptions): LvisDetectionDataset {
    let data: LVISDataset;
    try {
      data = JSON.parse(readFileSync(annotationFile, 'utf8')) as LVISDataset;
    } catch (err) {
      throw new DatasetFormatError(
        `${annotationFile}: cannot read annotation file: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    return LvisDetectionDataset.fromJson(data, options, annotationFile);
  }

  static fromJson(
    data: LVISDataset,
    options: LvisDatasetOptions,
    source = 'annotation file',
  ): LvisDetectionDataset {
    const fail = (where: string, msg: string): never => {
      throw new DatasetFormatError(`${source}: ${where}: ${msg}`);
    };
    for (const key of ['images', 'annotations', 'categories'] as const) {
      if (!Array.isArray(data?.[key])) fail(key, 'missing or not a list');
    }
    data.categories.forEach((c, i) => {
      if (!Number.isInteger(c?.id))
        fail(`categories[${i}].id`, `must be an integer, got ${JSON.stringify(c?.id)}`);
    });
    const labels = LabelMap.fromCategories(data.categories);
    const nameOf = new Map(data.categories.map((c) => [c.id, c.name]));
    const names = labels.categoryIds.map((id) => nameOf.get(id) ?? String(id));

    const records: ImageRecord[] = [];
    const byId = new Map<number, ImageRecord>();
    data.images.forEach((im, i) => {
      for (const f of ['id', 'width', 'height'] as const) {
        if (!Number.isFinite(im?.[f]))
          fail(`images[${i}].${f}`, `must be a number, got ${JSON.stringify(im?.[f])}`);
      }
      const rec: ImageRecord = {
        index: records.length,
        imageId: im.id,
        path: imagePath(im, options.imageDir, () =>
          fail(`images[${i}]`, "has neither 'file_name' nor 'coco_url'"),
        ),
        width: im.width,
        height: im.height,
        instances: [],
      };
      if (byId.has(im.id)) fail(`images[${i}].id`, `duplicate image id ${im.id}`);
      byId.set(im.id, rec);
      records.push(rec);
    });

    let dropped = 0;
    data.annotations.forEach((a, i) => {
      const img = byId.get(a?.image_id);
      if (!img)
        fail(`annotations[${i}].image_id`, `no image with id ${JSON.stringify(a?.image_id)}`);
      const b = a.bbox;
      if (!Array.isArray(b) || b.length !== 4 || !b.every(Number.isFinite)) {
        fail(`annotations[${i}].bbox`, `must be 4 numbers [x, y, w, h], got ${JSON.stringify(b)}`);
      }
      if (a.segmentation === undefined || a.segmentation === null) {
        fail(`annotations[${i}].segmentation`, 'missing');
      }
      const label = labels.tryLabelOf(a.category_id);
      const [x, y, w, h] = b;
      const iw = Math.max(0, Math.min(x + w, img!.width) - Math.max(x, 0));
      const ih = Math.max(0, Math.min(y + h, img!.height) - Math.max(y, 0));
      if (label === undefined || iw * ih === 0 || !(a.area > 0) || w < 1 || h < 1) {
        dropped++;
        return;
      }
      img!.instances.push({ annotationId: a.id, label, bbox: b, segmentation: a.segmentation });
    });

    const kept = options.filterEmpty ? records.filter((r) => r.instances.length > 0) : records;
    kept.forEach((r, k) => {
      r.index = k;
    });
    return new LvisDetectionDataset(kept, labels, names, dropped);
  }

  get numImages(): number {
    return this.images.length;
  }

  get numClasses(): number {
    return this.labels.numClasses;
  }

  /** What an `ImageSampler` needs: the distinct labels in each image. */
  samplerDataset(): SamplerDataset {
    return {
      numImages: this.images.length,
      numClasses: this.labels.numClasses,
      imageClasses: this.images.map((r) => [...new Set(r.instances.map((i) => i.label))]),
    };
  }

  /** Training images and instances per label (what long-tail losses are told). */
  classCounts(): { images: Int32Array; instances: Int32Array } {
    const images = new Int32Array(this.numClasses);
    const instances = new Int32Array(this.numClasses);
    for (const r of this.images) {
      for (const l of new Set(r.instances.map((i) => i.label))) images[l]++;
      for (const i of r.instances) instances[i.label]++;
    }
    return { images, instances };
  }
}

function imagePath(im: LVISImage, imageDir: string, missing: () => never): string {
  if (typeof im.file_name === 'string' && im.file_name.length > 0)
    return join(imageDir, im.file_name);
  if (typeof im.coco_url === 'string' && im.coco_url.length > 0) {
    const parts = im.coco_url.split('/');
    return join(imageDir, ...parts.slice(-2));
  }
  return missing();
}
