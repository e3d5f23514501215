import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { rleArea, segmentationToRle } from '@crat/mask';
import type { LVISDataset } from 'lvis-ts-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  generateSynthDataset,
  lvisFrequency,
  type SynthOptions,
  type SynthResult,
} from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'lvis-synth-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const small: Omit<SynthOptions, 'out'> = {
  seed: 3,
  trainImages: 150,
  valImages: 40,
  size: 96,
  families: 4,
  variants: 3,
  maxClassImages: 60,
};

function readSplit(r: SynthResult, split: 'train' | 'val'): LVISDataset {
  return JSON.parse(
    readFileSync(split === 'train' ? r.trainAnnotationFile : r.valAnnotationFile, 'utf8'),
  ) as LVISDataset;
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(file: string): [number, number] {
  const b = readFileSync(file);
  expect(b.subarray(1, 4).toString('latin1')).toBe('PNG');
  return [b.readUInt32BE(16), b.readUInt32BE(20)];
}

describe('generateSynthDataset', () => {
  let onThread: SynthResult;
  let onWorkers: SynthResult;
  const progress: number[] = [];

  beforeAll(async () => {
    onThread = await generateSynthDataset({ ...small, out: join(root, 'a'), workers: 0 });
    onWorkers = await generateSynthDataset({
      ...small,
      out: join(root, 'b'),
      workers: 2,
      onProgress: (done, total) => progress.push(done / total),
    });
  });

  it('is deterministic by seed, whatever the number of render threads', () => {
    for (const split of ['train', 'val'] as const) {
      expect(readSplit(onWorkers, split)).toEqual(readSplit(onThread, split));
    }
    const names = readdirSync(onThread.trainImageDir);
    expect(names.length).toBe(small.trainImages);
    for (const name of names.slice(0, 20)) {
      expect(readFileSync(join(onWorkers.trainImageDir, name))).toEqual(
        readFileSync(join(onThread.trainImageDir, name)),
      );
    }
    expect(progress.at(-1)).toBe(1);
  });

  it('differs for another seed', async () => {
    const other = await generateSynthDataset({
      ...small,
      seed: 4,
      out: join(root, 'c'),
      workers: 0,
    });
    expect(readSplit(other, 'train').annotations).not.toEqual(
      readSplit(onThread, 'train').annotations,
    );
  });

  it('writes LVIS v1 records with every field the types require', () => {
    for (const split of ['train', 'val'] as const) {
      const d = readSplit(onThread, split);
      const imageIds = new Set(d.images.map((i) => i.id));
      expect(imageIds.size).toBe(d.images.length);
      const catIds = new Set(d.categories.map((c) => c.id));
      for (const im of d.images) {
        expect(im.width).toBe(small.size);
        expect(im.height).toBe(small.size);
        expect(im.file_name).toMatch(/^\d{12}\.png$/);
        expect(im.coco_url?.endsWith(`/${split}2017/${im.file_name}`)).toBe(true);
        expect(pngSize(join(onThread.out, `${split}2017`, im.file_name!))).toEqual([
          small.size,
          small.size,
        ]);
        for (const id of [...im.neg_category_ids, ...im.not_exhaustive_category_ids]) {
          expect(catIds.has(id)).toBe(true);
        }
      }
      const annIds = new Set(d.annotations.map((a) => a.id));
      expect(annIds.size).toBe(d.annotations.length);
      for (const a of d.annotations) {
        expect(imageIds.has(a.image_id)).toBe(true);
        expect(catIds.has(a.category_id)).toBe(true);
        expect(Array.isArray(a.segmentation)).toBe(true);
        const [x, y, w, h] = a.bbox;
        expect(x).toBeGreaterThanOrEqual(0);
        expect(y).toBeGreaterThanOrEqual(0);
        expect(x + w).toBeLessThanOrEqual(small.size! + 1e-9);
        expect(y + h).toBeLessThanOrEqual(small.size! + 1e-9);
        expect(w).toBeGreaterThan(0);
        expect(h).toBeGreaterThan(0);
        expect(a.area).toBeGreaterThan(0);
        expect(a.area).toBe(rleArea(segmentationToRle(a.segmentation, small.size!, small.size!)));
        expect(a.area).toBeLessThanOrEqual(w * h + 1e-6);
        for (const p of a.segmentation as number[][]) {
          expect(p.length % 2).toBe(0);
          expect(p.length).toBeGreaterThanOrEqual(6);
          for (let k = 0; k < p.length; k += 2) {
            expect(p[k]).toBeGreaterThanOrEqual(x - 1e-9);
            expect(p[k]).toBeLessThanOrEqual(x + w + 1e-9);
          }
        }
      }
      for (const c of d.categories) {
        expect(Object.keys(c).sort()).toEqual(
          [
            'def',
            'frequency',
            'id',
            'image_count',
            'instance_count',
            'name',
            'synonyms',
            'synset',
          ].sort(),
        );
      }
    }
  });

  it('sets frequency by the LVIS rule on train image counts, same categories in both files', () => {
    const train = readSplit(onThread, 'train');
    expect(readSplit(onThread, 'val').categories).toEqual(train.categories);
    for (const c of train.categories) {
      const imgs = new Set(
        train.annotations.filter((a) => a.category_id === c.id).map((a) => a.image_id),
      );
      expect(c.image_count).toBe(imgs.size);
      expect(c.instance_count).toBe(train.annotations.filter((a) => a.category_id === c.id).length);
      expect(c.frequency).toBe(lvisFrequency(imgs.size));
    }
    const freq = new Set(train.categories.map((c) => c.frequency));
    expect(freq).toEqual(new Set(['r', 'c']));
  });

  it('puts every class in at least 3 val images and 1..8 annotated objects in every image', () => {
    for (const split of ['train', 'val'] as const) {
      const d = readSplit(onThread, split);
      const perImage = new Map<number, number>();
      for (const a of d.annotations) perImage.set(a.image_id, (perImage.get(a.image_id) ?? 0) + 1);
      for (const im of d.images) {
        const n = perImage.get(im.id) ?? 0;
        expect(n).toBeGreaterThanOrEqual(1);
        expect(n).toBeLessThanOrEqual(8);
      }
      if (split === 'val') {
        for (const c of d.categories) {
          const imgs = new Set(
            d.annotations.filter((a) => a.category_id === c.id).map((a) => a.image_id),
          );
          expect(imgs.size).toBeGreaterThanOrEqual(3);
        }
      }
    }
  });

  it('simulates federated labels: negatives absent, not-exhaustive classes present', () => {
    const d = readSplit(onThread, 'train');
    let notExhaustive = 0;
    for (const im of d.images) {
      const present = new Set(
        d.annotations.filter((a) => a.image_id === im.id).map((a) => a.category_id),
      );
      for (const id of im.neg_category_ids) expect(present.has(id)).toBe(false);
      for (const id of im.not_exhaustive_category_ids) expect(present.has(id)).toBe(true);
      notExhaustive += im.not_exhaustive_category_ids.length;
    }
    expect(notExhaustive).toBeGreaterThan(0);
    expect(d.images.some((im) => im.neg_category_ids.length > 0)).toBe(true);
  });

  it('writes synth_meta.json with each class family', () => {
    const meta = JSON.parse(readFileSync(join(onThread.out, 'synth_meta.json'), 'utf8'));
    expect(meta.classes).toHaveLength(12);
    expect(new Set(meta.classes.map((c: { family: string }) => c.family)).size).toBe(4);
  });

  it('refuses a non-empty output folder without overwrite and leaves nothing half-written', async () => {
    const out = join(root, 'taken');
    await generateSynthDataset({ ...small, trainImages: 10, valImages: 5, out, workers: 0 });
    writeFileSync(join(out, 'marker'), 'x');
    await expect(generateSynthDataset({ ...small, out, workers: 0 })).rejects.toThrow(/not empty/);
    expect(existsSync(join(out, 'marker'))).toBe(true);
    await expect(
      generateSynthDataset({ ...small, out: join(root, 'bad'), size: 8, workers: 0 }),
    ).rejects.toThrow(/'size'/);
    expect(readdirSync(dirname(out)).filter((n) => n.includes('partial'))).toEqual([]);
    await generateSynthDataset({
      ...small,
      trainImages: 10,
      valImages: 5,
      out,
      workers: 0,
      overwrite: true,
    });
    expect(existsSync(join(out, 'marker'))).toBe(false);
  });
});
