import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DatasetFormatError,
  LvisDetectionDataset,
  type PipelineConfig,
  prepareSample,
  resolvePipelineConfig,
} from '../src/index.js';
import { writeTinyDataset } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'crat-data-tf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let dataset: LvisDetectionDataset;

beforeAll(async () => {
  const { annotationFile, imageDir } = await writeTinyDataset(dir);
  dataset = LvisDetectionDataset.fromFile(annotationFile, { imageDir });
});

const cfg = (p: Partial<PipelineConfig>) => resolvePipelineConfig({ withMasks: true, ...p });

/** Denormalized red channel at (x, y) of a prepared image. */
function red(image: Float32Array, padW: number, x: number, y: number, c: PipelineConfig): number {
  return image[(y * padW + x) * 3] * c.std[0] + c.mean[0];
}

/** Tight box [x1, y1, x2, y2] of a mask (pixel edges). */
function maskBox(mask: Uint8Array, w: number, h: number): number[] {
  let x1 = w;
  let y1 = h;
  let x2 = -1;
  let y2 = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (mask[y * w + x]) {
        x1 = Math.min(x1, x);
        y1 = Math.min(y1, y);
        x2 = Math.max(x2, x);
        y2 = Math.max(y2, y);
      }
    }
  }
  return [x1, y1, x2 + 1, y2 + 1];
}

describe('LvisDetectionDataset', () => {
  it('maps category ids to contiguous labels in id order and keeps annotations by mmdet rules', () => {
    expect(dataset.labels.categoryIds).toEqual([3, 7]);
    expect(dataset.labels.labelOf(7)).toBe(1);
    expect(dataset.labels.categoryIdOf(0)).toBe(3);
    expect(dataset.categoryNames).toEqual(['green', 'red']);
    expect(dataset.droppedAnnotations).toBe(1);
    expect(dataset.images.map((r) => r.instances.map((i) => i.label))).toEqual([[1, 0], [1]]);
    expect(dataset.samplerDataset().imageClasses).toEqual([[1, 0], [1]]);
    expect([...dataset.classCounts().images]).toEqual([1, 2]);
  });

  it('finds LVIS v1 images through coco_url under the COCO root', () => {
    const d = LvisDetectionDataset.fromJson(
      {
        images: [
          {
            id: 5,
            width: 10,
            height: 10,
            coco_url: 'http://images.cocodataset.org/val2017/000000000005.jpg',
            neg_category_ids: [],
            not_exhaustive_category_ids: [],
          },
        ],
        annotations: [],
        categories: [],
      },
      { imageDir: '/coco' },
    );
    expect(d.images[0].path).toBe('/coco/val2017/000000000005.jpg');
  });

  it('names the file, record and field of a bad annotation', () => {
    expect(() =>
      LvisDetectionDataset.fromJson(
        {
          images: [
            {
              id: 1,
              width: 4,
              height: 4,
              file_name: 'x.png',
              neg_category_ids: [],
              not_exhaustive_category_ids: [],
            },
          ],
          annotations: [
            {
              id: 9,
              image_id: 1,
              category_id: 1,
              bbox: [0, 0, 2] as never,
              area: 1,
              segmentation: [],
            },
          ],
          categories: [],
        },
        { imageDir: '/x' },
        'broken.json',
      ),
    ).toThrow(/broken\.json: annotations\[0\]\.bbox/);
    expect(() => LvisDetectionDataset.fromFile(join(dir, 'nope.json'), { imageDir: dir })).toThrow(
      DatasetFormatError,
    );
  });
});

describe('prepareSample', () => {
  it('without resize or flip keeps pixels, boxes and masks, and pads to 32 with zeros', async () => {
    const c = cfg({ scales: [[64, 48]], flipRatio: 0 });
    const s = await prepareSample(dataset.images[0], 1, c);
    expect(s.meta.oriShape).toEqual([48, 64]);
    expect(s.meta.imgShape).toEqual([48, 64]);
    expect(s.meta.padShape).toEqual([64, 64]);
    expect(s.meta.scaleFactor).toEqual([1, 1]);
    expect(s.meta.flip).toBe(false);
    expect([...s.boxes]).toEqual([10, 5, 30, 25, 40, 30, 60, 46]);
    expect([...s.labels]).toEqual([1, 0]);
    const [padH, padW] = s.meta.padShape;
    expect(s.image.length).toBe(padH * padW * 3);
    expect(red(s.image, padW, 15, 10, c)).toBeCloseTo(230, 3);
    expect(red(s.image, padW, 5, 10, c)).toBeCloseTo(100, 3);
    // Padding rows (48..63) are exactly zero in the image and the masks.
    for (let i = 48 * padW * 3; i < s.image.length; i++) expect(s.image[i]).toBe(0);
    const mask0 = s.masks.subarray(0, padH * padW);
    expect(maskBox(mask0, padW, padH)).toEqual([10, 5, 30, 25]);
    expect(mask0.reduce((a, b) => a + b, 0)).toBe(400);
  });

  it('a horizontal flip moves the image, boxes and masks consistently', async () => {
    const c = cfg({ scales: [[64, 48]], flipRatio: 1 });
    const s = await prepareSample(dataset.images[0], 1, c);
    const [padH, padW] = s.meta.padShape;
    const W = s.meta.imgShape[1];
    expect(s.meta.flip).toBe(true);
    // x1' = W - x2, x2' = W - x1
    expect([...s.boxes]).toEqual([W - 30, 5, W - 10, 25, W - 60, 30, W - 40, 46]);
    for (let i = 0; i < 2; i++) {
      const m = s.masks.subarray(i * padH * padW, (i + 1) * padH * padW);
      expect(maskBox(m, padW, padH)).toEqual([...s.boxes.subarray(i * 4, i * 4 + 4)]);
    }
    expect(red(s.image, padW, W - 15, 10, c)).toBeCloseTo(230, 3);
    expect(red(s.image, padW, 15, 10, c)).toBeCloseTo(100, 3);
  });

  it('resizes by the keep-ratio rule and scales boxes and masks by the same factors', async () => {
    // 64x48 to (1333, 800): s = min(1333/64, 800/48) = 16.67 -> 1067x800.
    const c = cfg({ scales: [[1333, 800]], flipRatio: 0 });
    const s = await prepareSample(dataset.images[0], 1, c);
    expect(s.meta.imgShape).toEqual([800, 1067]);
    expect(s.meta.padShape).toEqual([800, 1088]);
    const [fx, fy] = s.meta.scaleFactor;
    expect(fx).toBe(1067 / 64);
    expect(fy).toBe(800 / 48);
    expect(s.boxes[0]).toBeCloseTo(10 * fx, 3);
    expect(s.boxes[3]).toBeCloseTo(25 * fy, 3);
    const [padH, padW] = s.meta.padShape;
    const mb = maskBox(s.masks.subarray(0, padH * padW), padW, padH);
    for (let k = 0; k < 4; k++) expect(Math.abs(mb[k] - s.boxes[k])).toBeLessThanOrEqual(1);
    expect(red(s.image, padW, Math.round(20 * fx), Math.round(15 * fy), c)).toBeCloseTo(230, 0);
  });

  it('the same seed gives the same sample; the flip follows the seed', async () => {
    const c = cfg({
      scales: [
        [96, 64],
        [128, 96],
      ],
      flipRatio: 0.5,
    });
    const a = await prepareSample(dataset.images[1], 42, c);
    const b = await prepareSample(dataset.images[1], 42, c);
    expect(b.meta).toEqual(a.meta);
    expect(b.image).toEqual(a.image);
    expect(b.masks).toEqual(a.masks);
    const flips = new Set<boolean>();
    const scales = new Set<string>();
    for (let seed = 0; seed < 40; seed++) {
      const m = (await prepareSample(dataset.images[1], seed, cfg({ ...c, withMasks: false })))
        .meta;
      flips.add(m.flip);
      scales.add(m.scale.join('x'));
    }
    expect(flips).toEqual(new Set([true, false]));
    expect(scales.size).toBe(2);
  });
});
