import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LVISDataset } from 'lvis-ts-types';
import sharp from 'sharp';

/** An RGB PNG of `w x h`, grey, with solid rectangles `[x, y, w, h, r, g, b]`. */
export async function writeRectsPng(
  file: string,
  w: number,
  h: number,
  rects: [number, number, number, number, number, number, number][],
): Promise<void> {
  const px = Buffer.alloc(w * h * 3, 100);
  for (const [rx, ry, rw, rh, r, g, b] of rects) {
    for (let y = ry; y < ry + rh; y++) {
      for (let x = rx; x < rx + rw; x++) px.set([r, g, b], (y * w + x) * 3);
    }
  }
  writeFileSync(
    file,
    await sharp(px, { raw: { width: w, height: h, channels: 3 } })
      .png()
      .toBuffer(),
  );
}

/**
 * A two-image LVIS file on disk: image 1 is 64x48 with a red rectangle (x 10..30, y 5..25)
 * annotated as category 7 and a green one (x 40..60, y 30..46) as category 3; image 2 is
 * 40x80 with a blue rectangle annotated as category 7.
 */
export async function writeTinyDataset(
  dir: string,
): Promise<{ annotationFile: string; imageDir: string }> {
  const imageDir = join(dir, 'images');
  mkdirSync(imageDir, { recursive: true });
  await writeRectsPng(join(imageDir, 'a.png'), 64, 48, [
    [10, 5, 20, 20, 230, 20, 20],
    [40, 30, 20, 16, 20, 230, 20],
  ]);
  await writeRectsPng(join(imageDir, 'b.png'), 40, 80, [[4, 10, 30, 50, 20, 20, 230]]);
  const rect = (x: number, y: number, w: number, h: number) => [
    [x, y, x + w, y, x + w, y + h, x, y + h],
  ];
  const data: LVISDataset = {
    images: [
      {
        id: 11,
        width: 64,
        height: 48,
        file_name: 'a.png',
        neg_category_ids: [],
        not_exhaustive_category_ids: [],
      },
      {
        id: 12,
        width: 40,
        height: 80,
        file_name: 'b.png',
        neg_category_ids: [],
        not_exhaustive_category_ids: [],
      },
    ],
    annotations: [
      {
        id: 1,
        image_id: 11,
        category_id: 7,
        bbox: [10, 5, 20, 20],
        area: 400,
        segmentation: rect(10, 5, 20, 20),
      },
      {
        id: 2,
        image_id: 11,
        category_id: 3,
        bbox: [40, 30, 20, 16],
        area: 320,
        segmentation: rect(40, 30, 20, 16),
      },
      {
        id: 3,
        image_id: 12,
        category_id: 7,
        bbox: [4, 10, 30, 50],
        area: 1500,
        segmentation: rect(4, 10, 30, 50),
      },
      // Dropped by mmdetection's rules: zero width.
      {
        id: 4,
        image_id: 12,
        category_id: 3,
        bbox: [1, 1, 0.5, 10],
        area: 5,
        segmentation: rect(1, 1, 0.5, 10),
      },
    ],
    categories: [
      {
        id: 3,
        name: 'green',
        synset: 'g',
        synonyms: [],
        def: '',
        frequency: 'r',
        image_count: 1,
        instance_count: 1,
      },
      {
        id: 7,
        name: 'red',
        synset: 'r',
        synonyms: [],
        def: '',
        frequency: 'r',
        image_count: 2,
        instance_count: 2,
      },
    ],
  };
  const annotationFile = join(dir, 'tiny.json');
  writeFileSync(annotationFile, JSON.stringify(data));
  return { annotationFile, imageDir };
}
