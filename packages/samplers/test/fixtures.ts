import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { SamplerDataset } from '@crat/core';
import type { LVISDataset } from 'lvis-ts-types';

export const FIXTURES_DIR = process.env.CRAT_FIXTURES_DIR
  ? resolve(process.env.CRAT_FIXTURES_DIR)
  : resolve(__dirname, '../../../../shared/fixtures');

export function fixturePath(...parts: string[]): string {
  return resolve(FIXTURES_DIR, ...parts);
}

export function fixtureExists(...parts: string[]): boolean {
  return existsSync(fixturePath(...parts));
}

export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/**
 * The sampler's view of an LVIS file, keeping annotations exactly as mmdetection's
 * CocoDataset.parse_data_info does (box overlaps the image, area > 0, w >= 1, h >= 1,
 * category listed). Class index = position of the category id in ascending id order.
 */
export function samplerDatasetFromLvis(data: LVISDataset): {
  dataset: SamplerDataset;
  categoryIds: number[];
  imageIds: number[];
} {
  const categoryIds = data.categories.map((c) => c.id).sort((a, b) => a - b);
  const labelOf = new Map(categoryIds.map((id, i) => [id, i]));
  const imageIds = data.images.map((im) => im.id);
  const indexOf = new Map(imageIds.map((id, i) => [id, i]));
  const sizes = data.images.map((im) => [im.width, im.height]);
  const classes: Set<number>[] = imageIds.map(() => new Set());
  for (const a of data.annotations) {
    const i = indexOf.get(a.image_id);
    const label = labelOf.get(a.category_id);
    if (i === undefined || label === undefined) continue;
    const [x, y, w, h] = a.bbox;
    const [W, H] = sizes[i];
    const iw = Math.max(0, Math.min(x + w, W) - Math.max(x, 0));
    const ih = Math.max(0, Math.min(y + h, H) - Math.max(y, 0));
    if (iw * ih === 0 || a.area <= 0 || w < 1 || h < 1) continue;
    classes[i].add(label);
  }
  return {
    dataset: {
      numImages: imageIds.length,
      numClasses: categoryIds.length,
      imageClasses: classes.map((s) => [...s]),
    },
    categoryIds,
    imageIds,
  };
}

/** A small long-tailed toy dataset: class c appears in about n / (c + 1)^1.5 images. */
export function toyDataset(numImages: number, numClasses: number): SamplerDataset {
  const imageClasses: number[][] = [];
  let s = 12345;
  const rnd = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 4294967296;
  };
  for (let i = 0; i < numImages; i++) {
    const cls: number[] = [];
    for (let c = 0; c < numClasses; c++) if (rnd() < 1 / (c + 1) ** 1.5) cls.push(c);
    if (i % 17 === 5) cls.length = 0; // a few images without annotations
    imageClasses.push(cls);
  }
  // Every class in at least one image.
  for (let c = 0; c < numClasses; c++) imageClasses[(c * 7) % numImages].push(c);
  return { numImages, numClasses, imageClasses: imageClasses.map((l) => [...new Set(l)]) };
}
