import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSynthDataset } from '@crat/lvis-synth';
import { describe, expect, it } from 'vitest';
import type { DatasetConfig } from '../src/config/schema.js';
import { ensureDataset, GENERATED_MARKER } from '../src/run/synth-dataset.js';

const synthConfig = (root: string): DatasetConfig => ({
  type: 'synth',
  train: { annFile: 'synth/annotations/lvis_v1_train.json', imgDir: 'synth/train2017' },
  val: { annFile: 'synth/annotations/lvis_v1_val.json', imgDir: 'synth/val2017' },
  synth: {
    outDir: join(root, 'synth'),
    seed: 3,
    trainImages: 24,
    valImages: 12,
    size: 64,
    families: 2,
    variants: 2,
    workers: 0,
  },
  skipBadImages: false,
});

const trainImages = (root: string) =>
  JSON.parse(readFileSync(join(root, 'synth/annotations/lvis_v1_train.json'), 'utf8')).images
    .length;

/** A set the user made (as `crat synth --train 6 --val 3`), plus a file of their own in it. */
async function userSet(root: string): Promise<void> {
  await generateSynthDataset({
    out: join(root, 'synth'),
    trainImages: 6,
    valImages: 3,
    size: 32,
    families: 2,
    variants: 2,
    workers: 0,
  });
  writeFileSync(join(root, 'synth/notes.txt'), 'mine');
}

describe('ensureDataset', () => {
  it('generates a missing synthetic set once, marks it as its own, then finds it present', async () => {
    const root = mkdtempSync(join(tmpdir(), 'crat-synth-'));
    const cfg = synthConfig(root);
    const log: string[] = [];
    expect(await ensureDataset(cfg, { cwd: root, log: (m) => log.push(m) })).toBe('generated');
    expect(log[0]).toMatch(/generating the synthetic dataset/);
    const train = JSON.parse(readFileSync(join(root, cfg.train.annFile), 'utf8'));
    expect(train.categories).toHaveLength(4);
    expect(train.images).toHaveLength(24);
    expect(existsSync(join(root, cfg.val.annFile))).toBe(true);
    expect(existsSync(join(root, 'synth', GENERATED_MARKER))).toBe(true);
    expect(await ensureDataset(cfg, { cwd: root })).toBe('present');
  });

  it("a mistyped annFile names the missing file and leaves the user's set as it was", async () => {
    const root = mkdtempSync(join(tmpdir(), 'crat-synth-'));
    await userSet(root);
    const before = readdirSync(join(root, 'synth')).sort();
    const typo: DatasetConfig = {
      ...synthConfig(root),
      train: { annFile: 'synth/annotations/lvis_v1_trian.json', imgDir: 'synth/train2017' },
    };
    await expect(ensureDataset(typo, { cwd: root })).rejects.toThrow(
      /dataset\.train\.annFile: .*synth\/annotations\/lvis_v1_trian\.json does not exist; the generator .* would write .*lvis_v1_train\.json instead, so nothing was generated/,
    );
    const typoDir: DatasetConfig = {
      ...synthConfig(root),
      val: { annFile: 'synht/annotations/lvis_v1_val.json', imgDir: 'synht/val2017' },
    };
    await expect(ensureDataset(typoDir, { cwd: root })).rejects.toThrow(
      /dataset\.val\.annFile: .*synht\/annotations\/lvis_v1_val\.json does not exist/,
    );
    expect(existsSync(join(root, 'synht'))).toBe(false);
    // the right paths: the set is used as it is, with a word about its other sizes
    const log: string[] = [];
    expect(await ensureDataset(synthConfig(root), { cwd: root, log: (m) => log.push(m) })).toBe(
      'present',
    );
    expect(log).toEqual([
      `warning: using the synthetic set in ${join(root, 'synth')} as it is: seed 0 (dataset.synth.seed: 3), trainImages 6 (dataset.synth.trainImages: 24), valImages 3 (dataset.synth.valImages: 12), size 32 (dataset.synth.size: 64); remove it to have it generated from dataset.synth`,
    ]);
    expect(readdirSync(join(root, 'synth')).sort()).toEqual(before);
    expect(trainImages(root)).toBe(6);
    expect(readFileSync(join(root, 'synth/notes.txt'), 'utf8')).toBe('mine');
  });

  it('never generates into a folder it did not make, even when the files it would write are missing', async () => {
    const root = mkdtempSync(join(tmpdir(), 'crat-synth-'));
    await userSet(root);
    rmSync(join(root, 'synth/annotations/lvis_v1_train.json'));
    await expect(ensureDataset(synthConfig(root), { cwd: root })).rejects.toThrow(
      /dataset\.train\.annFile: .*lvis_v1_train\.json does not exist; .*synth holds other files, not a set generated here, so it was left alone/,
    );
    expect(readFileSync(join(root, 'synth/notes.txt'), 'utf8')).toBe('mine');
    // an empty folder is fine
    const empty = mkdtempSync(join(tmpdir(), 'crat-synth-'));
    mkdirSync(join(empty, 'synth'));
    expect(await ensureDataset(synthConfig(empty), { cwd: empty })).toBe('generated');
  });

  it('regenerates a set it generated itself when its files went missing', async () => {
    const root = mkdtempSync(join(tmpdir(), 'crat-synth-'));
    const cfg = synthConfig(root);
    await ensureDataset(cfg, { cwd: root });
    rmSync(join(root, cfg.val.annFile));
    expect(await ensureDataset(cfg, { cwd: root })).toBe('generated');
    expect(trainImages(root)).toBe(24);
  });

  it('names the missing files of an lvis dataset, and a synth one without generator options', async () => {
    const root = mkdtempSync(join(tmpdir(), 'crat-synth-'));
    const lvis: DatasetConfig = { ...synthConfig(root), type: 'lvis' };
    await expect(ensureDataset(lvis, { cwd: root })).rejects.toThrow(
      /^dataset: dataset\.train\.annFile: .*lvis_v1_train\.json does not exist; dataset\.val\.annFile: .*lvis_v1_val\.json does not exist$/,
    );
    const noOptions: DatasetConfig = { ...synthConfig(root), synth: undefined };
    await expect(ensureDataset(noOptions, { cwd: root })).rejects.toThrow(
      /does not exist, and dataset\.synth .* is not set to make it/,
    );
  });
});
